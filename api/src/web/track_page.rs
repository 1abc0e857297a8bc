//! `GET /track` (the form) and `GET /track/{code}` (a case as the public
//! sees it): exactly the answer of `GET /api/v1/track/{code}`, with the
//! promised dates judged kept or not, and the rating form once resolved.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use markaz_domain::TrackingCode;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::api_client::Caller;
use super::api_client::{ApiAnswer, ApiRequest};
use super::code_input::{read_code, CodeProblem};
use super::i18n::Messages;
use super::landing::{category_name, EXAMPLE_CODE};
use super::layout::{local_time, ltr, page, respond, PageLang};
use super::rating_form::{self, RatingNotice};
use super::WebState;

#[derive(Debug, Default, Deserialize)]
pub struct TrackFormQuery {
    lang: Option<String>,
    code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CaseQuery {
    lang: Option<String>,
    /// Set by the rating form's redirect: what became of the rating.
    rating: Option<String>,
    /// Set by the rating form's redirect: read the case at least this fresh.
    min_position: Option<u64>,
}

/// Why a case cannot be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trouble {
    Code(CodeProblem),
    Unknown,
    Busy { minutes: i64 },
    Unavailable,
}

impl Trouble {
    fn status(self) -> StatusCode {
        match self {
            Trouble::Code(_) => StatusCode::BAD_REQUEST,
            Trouble::Unknown => StatusCode::NOT_FOUND,
            Trouble::Busy { .. } => StatusCode::TOO_MANY_REQUESTS,
            Trouble::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn of_answer(answer: &ApiAnswer) -> Trouble {
        match answer.status {
            StatusCode::NOT_FOUND => Trouble::Unknown,
            StatusCode::TOO_MANY_REQUESTS => Trouble::Busy {
                minutes: answer
                    .retry_after_secs
                    .map_or(1, |secs| secs.div_ceil(60).max(1) as i64),
            },
            _ => Trouble::Unavailable,
        }
    }

    fn message(self, messages: &Messages) -> Markup {
        match self {
            Trouble::Code(CodeProblem::Typo) => html! { (messages.t("track-error-typo")) },
            Trouble::Code(CodeProblem::Format) => {
                messages.t_ltr("track-error-format", "example", EXAMPLE_CODE)
            }
            Trouble::Unknown => html! { (messages.t("track-error-unknown")) },
            Trouble::Busy { minutes } => {
                html! { (messages.t_num("track-error-busy", "minutes", minutes)) }
            }
            Trouble::Unavailable => html! { (messages.t("track-error-unavailable")) },
        }
    }
}

/// `GET /track`: the form, or, with `?code=`, the way to that case's page.
pub async fn track_form(Query(query): Query<TrackFormQuery>, headers: HeaderMap) -> Response {
    let lang = PageLang::new(query.lang.as_deref(), &headers);
    let Some(typed) = query.code.filter(|typed| !typed.trim().is_empty()) else {
        return form_page(lang, "", None);
    };
    match read_code(&typed) {
        Ok(code) => see_other(&case_path(&code, lang)),
        Err(problem) => form_page(lang, &typed, Some(Trouble::Code(problem))),
    }
}

/// `GET /track/{code}`: the case, or the form with what is wrong.
pub async fn case_page(
    State(web): State<WebState>,
    Caller(client): Caller,
    Path(typed): Path<String>,
    Query(query): Query<CaseQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = PageLang::new(query.lang.as_deref(), &headers);
    let code = match read_code(&typed) {
        Ok(code) => code,
        Err(problem) => return form_page(lang, &typed, Some(Trouble::Code(problem))),
    };
    if code.as_str() != typed {
        return see_other(&case_path(&code, lang));
    }
    let mut path = format!("/api/v1/track/{}", code.as_str());
    if let Some(position) = query.min_position {
        path.push_str(&format!("?min_position={position}"));
    }
    let answer = web.api.send(ApiRequest::get(&path, client)).await;
    if answer.status != StatusCode::OK {
        return form_page(lang, code.as_str(), Some(Trouble::of_answer(&answer)));
    }
    let messages = lang.messages;
    let notice = query.rating.as_deref().and_then(RatingNotice::from_query);
    let now = web.clock.now().to_datetime();
    // One tracking scheme: the code may be a service request's.
    let body = if answer.json["kind"] == "service_request" {
        super::service_page::service_body(&messages, &code, &answer.json, notice, now)
    } else {
        let categories = web
            .api
            .send(ApiRequest::get("/api/v1/categories", client))
            .await;
        case_body(
            &messages,
            &code,
            &answer.json,
            &categories.json,
            notice,
            now,
        )
    };
    let title = messages.t("nav-track");
    let own_path = format!("/track/{}", code.as_str());
    respond(
        StatusCode::OK,
        lang,
        page(&messages, &title, &own_path, body),
    )
}

/// The page path of `code`, carrying a language switch along.
fn case_path(code: &TrackingCode, lang: PageLang) -> String {
    if lang.switched {
        format!("/track/{}?lang={}", code.as_str(), lang.messages.lang.tag())
    } else {
        format!("/track/{}", code.as_str())
    }
}

pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The tracking form, with `typed` kept in the field and what is wrong with it.
fn form_page(lang: PageLang, typed: &str, trouble: Option<Trouble>) -> Response {
    let messages = lang.messages;
    let body = html! {
        h1 { (messages.t("track-title")) }
        @if let Some(trouble) = trouble {
            p.error role="alert" id="code-error" { (trouble.message(&messages)) }
        }
        form.track method="get" action="/track" {
            label for="code" { (messages.t("track-label")) }
            input #code type="text" name="code" value=(typed) dir="ltr"
                autocomplete="off" autocapitalize="characters" spellcheck="false"
                required maxlength="60" aria-describedby="code-hint";
            p.hint #code-hint { (messages.t_ltr("track-hint", "example", EXAMPLE_CODE)) }
            button type="submit" { (messages.t("track-submit")) }
        }
    };
    let status = trouble.map_or(StatusCode::OK, Trouble::status);
    let title = messages.t("track-title");
    respond(status, lang, page(&messages, &title, "/track", body))
}

/// The case: status, promises, history and the rating form.
fn case_body(
    messages: &Messages,
    code: &TrackingCode,
    view: &Value,
    categories: &Value,
    notice: Option<RatingNotice>,
    now: DateTime<Utc>,
) -> Markup {
    let text = |field: &str| view[field].as_str().unwrap_or_default().to_owned();
    let status = text("status");
    let category_code = text("category");
    let category = categories["categories"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["code"] == category_code.as_str()))
        .map_or(category_code.clone(), |c| category_name(messages.lang, c));
    let history = history_steps(view);
    let promises = Promises::judge(view, &history, now);
    let rated = view["rated"].as_bool().unwrap_or(false);
    html! {
        h1 { (messages.t_ltr("case-title", "code", code.as_str())) }
        dl.summary {
            dt { (messages.t("case-status")) }
            dd.status data-status=(status) { (status_text(messages, &status)) }
            dt { (messages.t("case-category")) }
            dd { (category) }
            dt { (messages.t("case-filed-at")) }
            dd { (ltr(&local_time(&text("filed_at")))) }
            dt { (messages.t("case-updated-at")) }
            dd { (ltr(&local_time(&text("updated_at")))) }
        }
        h2 { (messages.t("promise-heading")) }
        table.promises {
            tbody {
                tr {
                    th scope="row" { (messages.t("promise-ack")) }
                    td { (ltr(&local_time(&text("acknowledge_by")))) }
                    td { (verdict(messages, promises.acknowledge)) }
                }
                tr {
                    th scope="row" { (messages.t("promise-resolve")) }
                    td { (ltr(&local_time(&text("resolve_by")))) }
                    td { (verdict(messages, promises.resolve)) }
                }
            }
        }
        h2 { (messages.t("history-heading")) }
        ol.history {
            @for (step, at) in &history {
                li {
                    span.step data-status=(step) { (status_text(messages, step)) }
                    " "
                    (ltr(&local_time(at)))
                }
            }
        }
        (rating_form::section(messages, code, &status, rated, notice))
    }
}

/// The steps of a case's history as (status, time) pairs, oldest first.
pub(super) fn history_steps(view: &Value) -> Vec<(String, String)> {
    view["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|step| {
            let field = |name: &str| step[name].as_str().unwrap_or_default().to_owned();
            (field("status"), field("at"))
        })
        .collect()
}

fn status_text(messages: &Messages, status: &str) -> String {
    match status {
        "filed" => messages.t("status-filed"),
        "acknowledged" => messages.t("status-acknowledged"),
        "referred" => messages.t("status-referred"),
        "resolved" => messages.t("status-resolved"),
        "withdrawn" => messages.t("status-withdrawn"),
        other => other.to_owned(),
    }
}

/// Whether a promised date was kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Kept,
    Missed,
    /// Not done yet, and the date has not passed.
    Waiting,
    /// Not done yet, and the date has passed.
    Overdue,
    /// Withdrawn before it was done.
    Closed,
}

pub(super) fn verdict(messages: &Messages, verdict: Verdict) -> Markup {
    let (class, text) = match verdict {
        Verdict::Kept => ("kept", messages.t("promise-kept")),
        Verdict::Missed => ("missed", messages.t("promise-missed")),
        Verdict::Waiting => ("waiting", messages.t("promise-waiting")),
        Verdict::Overdue => ("missed", messages.t("promise-overdue")),
        Verdict::Closed => ("waiting", messages.t("promise-closed")),
    };
    html! { span class={ "verdict " (class) } { (text) } }
}

/// The two promises of a case, judged from its public history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Promises {
    pub acknowledge: Verdict,
    pub resolve: Verdict,
}

impl Promises {
    /// Acknowledged is the first step past `filed` (an acknowledgement, a
    /// referral or a resolution); resolved is the last resolution if the case
    /// is resolved now (a reopened case is not).
    pub fn judge(view: &Value, history: &[(String, String)], now: DateTime<Utc>) -> Promises {
        let time = |text: &str| DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc());
        let status = view["status"].as_str().unwrap_or_default();
        let judge = |done: Option<DateTime<Utc>>, due: Option<DateTime<Utc>>| match (done, due) {
            (Some(done), Some(due)) if done <= due => Verdict::Kept,
            (Some(_), Some(_)) => Verdict::Missed,
            _ if status == "withdrawn" => Verdict::Closed,
            (None, Some(due)) if now > due => Verdict::Overdue,
            _ => Verdict::Waiting,
        };
        let acknowledged = history
            .iter()
            .find(|(step, _)| !matches!(step.as_str(), "filed" | "withdrawn"))
            .and_then(|(_, at)| time(at));
        let resolved = (status == "resolved")
            .then(|| history.iter().rev().find(|(step, _)| step == "resolved"))
            .flatten()
            .and_then(|(_, at)| time(at));
        let due = |field: &str| view[field].as_str().and_then(time);
        Promises {
            acknowledge: judge(acknowledged, due("acknowledge_by")),
            resolve: judge(resolved, due("resolve_by")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn steps(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(s, at)| ((*s).to_owned(), (*at).to_owned()))
            .collect()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn promises_are_kept_missed_waiting_or_overdue() {
        let view = |status: &str| {
            json!({"status": status, "acknowledge_by": "2026-01-01T10:00:00Z",
                   "resolve_by": "2026-01-05T10:00:00Z"})
        };
        let filed = ("filed", "2026-01-01T08:00:00Z");
        let early = steps(&[filed, ("acknowledged", "2026-01-01T09:00:00Z")]);
        let promises = Promises::judge(&view("acknowledged"), &early, at("2026-01-02T00:00:00Z"));
        assert_eq!(promises.acknowledge, Verdict::Kept);
        assert_eq!(promises.resolve, Verdict::Waiting);
        let promises = Promises::judge(&view("acknowledged"), &early, at("2026-01-06T00:00:00Z"));
        assert_eq!(promises.resolve, Verdict::Overdue);

        let late = steps(&[
            filed,
            ("referred", "2026-01-01T11:00:00Z"),
            ("resolved", "2026-01-04T00:00:00Z"),
            ("acknowledged", "2026-01-04T01:00:00Z"),
            ("resolved", "2026-01-06T00:00:00Z"),
        ]);
        let promises = Promises::judge(&view("resolved"), &late, at("2026-01-07T00:00:00Z"));
        assert_eq!(promises.acknowledge, Verdict::Missed);
        assert_eq!(promises.resolve, Verdict::Missed);

        let withdrawn = steps(&[filed, ("withdrawn", "2026-01-01T09:00:00Z")]);
        let promises = Promises::judge(&view("withdrawn"), &withdrawn, at("2026-02-01T00:00:00Z"));
        assert_eq!(promises.acknowledge, Verdict::Closed);
        assert_eq!(promises.resolve, Verdict::Closed);
    }
}
