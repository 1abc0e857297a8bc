//! The rating form of a resolved case and `POST /track/{code}/rating`, which
//! turns the form into `POST /api/v1/track/{code}/rating` (same rules,
//! idempotency and rate limits as any client) and redirects back to the
//! case page (Post/Redirect/Get).
//!
//! The form carries a random nonce; the API call's `Idempotency-Key` is made
//! from it, so a double click or a resubmitted form records one rating.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Form;
use markaz_domain::TrackingCode;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::json;

use super::api_client::ApiRequest;
use super::api_client::Caller;
use super::code_input::read_code;
use super::i18n::Messages;
use super::track_page::see_other;
use super::WebState;

/// The longest comment the API takes (a `ShortText`).
const COMMENT_MAX_CHARS: usize = 500;

/// What became of a rating, carried to the case page in `?rating=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatingNotice {
    Thanks,
    AlreadyRated,
    NotResolved,
    Invalid,
    Other,
}

impl RatingNotice {
    pub fn from_query(value: &str) -> Option<Self> {
        Some(match value {
            "thanks" => RatingNotice::Thanks,
            "already" => RatingNotice::AlreadyRated,
            "not-resolved" => RatingNotice::NotResolved,
            "invalid" => RatingNotice::Invalid,
            "other" => RatingNotice::Other,
            _ => return None,
        })
    }

    fn as_query(self) -> &'static str {
        match self {
            RatingNotice::Thanks => "thanks",
            RatingNotice::AlreadyRated => "already",
            RatingNotice::NotResolved => "not-resolved",
            RatingNotice::Invalid => "invalid",
            RatingNotice::Other => "other",
        }
    }

    /// The notice for a refused rating, from the API's problem `code`.
    fn of_refusal(status: StatusCode, code: &str) -> Self {
        match (status, code) {
            (_, "already_rated") => RatingNotice::AlreadyRated,
            (_, "invalid_transition" | "not_allowed") => RatingNotice::NotResolved,
            (StatusCode::UNPROCESSABLE_ENTITY, _) | (StatusCode::BAD_REQUEST, _) => {
                RatingNotice::Invalid
            }
            _ => RatingNotice::Other,
        }
    }
}

/// The rating part of a case page.
pub fn section(
    messages: &Messages,
    code: &TrackingCode,
    status: &str,
    rated: bool,
    notice: Option<RatingNotice>,
) -> Markup {
    let notice_text = notice.map(|notice| match notice {
        RatingNotice::Thanks => messages.t("rating-thanks"),
        RatingNotice::AlreadyRated => messages.t("rating-refused-already"),
        RatingNotice::NotResolved => messages.t("rating-refused-not-resolved"),
        RatingNotice::Invalid => messages.t("rating-refused-invalid"),
        RatingNotice::Other => messages.t("rating-refused-other"),
    });
    let open = status == "resolved" && !rated;
    html! {
        section.rating #rating {
            @match (notice, notice_text) {
                (Some(RatingNotice::Thanks), Some(text)) => p.notice.ok role="status" { (text) },
                (Some(_), Some(text)) => p.error role="alert" id="rating-error" { (text) },
                _ => {}
            }
            @if open {
                (form(messages, code))
            } @else if rated && notice.is_none() {
                p.notice { (messages.t("rating-done")) }
            }
        }
    }
}

fn form(messages: &Messages, code: &TrackingCode) -> Markup {
    let nonce = crate::ids::random_uuid()
        .map(|id| id.simple().to_string())
        .unwrap_or_default();
    html! {
        h2 { (messages.t("rating-heading")) }
        form.rate method="post" action={ "/track/" (code.as_str()) "/rating" } {
            input type="hidden" name="nonce" value=(nonce);
            fieldset.stars {
                legend { (messages.t("rating-stars")) }
                @for stars in (1..=5).rev() {
                    label.star {
                        input type="radio" name="stars" value=(stars) required;
                        " "
                        span { (messages.t_num("rating-star", "stars", stars)) }
                    }
                }
            }
            label for="comment" { (messages.t("rating-comment")) }
            textarea #comment name="comment" rows="3" maxlength=(COMMENT_MAX_CHARS) {}
            button type="submit" { (messages.t("rating-submit")) }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RatingFields {
    stars: Option<String>,
    comment: Option<String>,
    nonce: Option<String>,
}

/// `POST /track/{code}/rating`: records the rating through the API, then
/// redirects to the case page with what became of it.
pub async fn submit(
    State(web): State<WebState>,
    Caller(client): Caller,
    Path(typed): Path<String>,
    fields: Result<Form<RatingFields>, FormRejection>,
) -> Response {
    let Ok(code) = read_code(&typed) else {
        return see_other(&format!("/track/{}", urlencode_path(&typed)));
    };
    let case_path = format!("/track/{}", code.as_str());
    let back = |notice: RatingNotice| {
        see_other(&format!("{case_path}?rating={}#rating", notice.as_query()))
    };
    let Ok(Form(fields)) = fields else {
        return back(RatingNotice::Invalid);
    };
    let Some(stars) = fields
        .stars
        .and_then(|text| text.trim().parse::<i64>().ok())
    else {
        return back(RatingNotice::Invalid);
    };
    let comment = fields
        .comment
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty());
    let body = json!({ "stars": stars, "comment": comment });
    let key = fields
        .nonce
        .filter(|nonce| valid_nonce(nonce))
        .map(|nonce| format!("web-rating-{nonce}"));
    let path = format!("/api/v1/track/{}/rating", code.as_str());
    let answer = web
        .api
        .send(ApiRequest {
            method: Method::POST,
            path: &path,
            client,
            idempotency_key: key.as_deref(),
            body: Some(&body),
        })
        .await;
    if answer.status.is_success() {
        let position = answer.json["position"].as_u64().unwrap_or_default();
        return see_other(&format!(
            "{case_path}?rating=thanks&min_position={position}#rating"
        ));
    }
    back(RatingNotice::of_refusal(
        answer.status,
        answer.problem_code(),
    ))
}

/// A nonce is what the form put there: 32 hexadecimal digits.
fn valid_nonce(nonce: &str) -> bool {
    nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `text` made safe to put in a path segment of a redirect.
fn urlencode_path(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' => char::from(b).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_their_reason() {
        let notice = RatingNotice::of_refusal(StatusCode::CONFLICT, "already_rated");
        assert_eq!(notice, RatingNotice::AlreadyRated);
        let notice = RatingNotice::of_refusal(StatusCode::CONFLICT, "invalid_transition");
        assert_eq!(notice, RatingNotice::NotResolved);
        let notice = RatingNotice::of_refusal(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(notice, RatingNotice::Invalid);
        let notice = RatingNotice::of_refusal(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert_eq!(notice, RatingNotice::Other);
        for notice in [
            RatingNotice::Thanks,
            RatingNotice::AlreadyRated,
            RatingNotice::NotResolved,
            RatingNotice::Invalid,
            RatingNotice::Other,
        ] {
            assert_eq!(RatingNotice::from_query(notice.as_query()), Some(notice));
        }
    }

    #[test]
    fn a_typed_path_is_encoded_before_it_is_sent_back() {
        assert_eq!(urlencode_path("kch 7k/?"), "kch%207k%2F%3F");
    }

    #[test]
    fn nonces_are_what_the_form_sends() {
        assert!(valid_nonce("0123456789abcdef0123456789ABCDEF"));
        assert!(!valid_nonce("0123"));
        assert!(!valid_nonce("0123456789abcdef0123456789abcdeg"));
    }
}
