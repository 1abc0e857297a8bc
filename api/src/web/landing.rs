//! `GET /`: what the markaz takes, how fast it promises to act on each kind
//! of complaint (from the catalogue, through `GET /api/v1/categories`), and
//! how to track a case.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{html, Markup};
use serde_json::Value;

use super::api_client::ApiRequest;
use super::api_client::Caller;
use super::i18n::{Lang, Messages};
use super::layout::{page, respond, PageLang};
use super::{LangQuery, WebState};

/// The code shown as an example of the format (not a real case).
pub const EXAMPLE_CODE: &str = "KCH-7K3M-9PX2-4QRT-B";

pub async fn landing(
    State(web): State<WebState>,
    Caller(client): Caller,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = PageLang::new(query.lang.as_deref(), &headers);
    let messages = lang.messages;
    let answer = web
        .api
        .send(ApiRequest::get("/api/v1/categories", client))
        .await;
    let categories = match answer.status {
        StatusCode::OK => answer.json["categories"].as_array().cloned(),
        _ => None,
    };
    let body = html! {
        h1 { (messages.t("landing-title")) }
        p { (messages.t("landing-intro")) }
        p.action { a.button href="/track" { (messages.t("landing-track-link")) } }
        h2 { (messages.t("landing-what-heading")) }
        p { (messages.t("landing-what-text")) }
        @match categories {
            Some(categories) => (deadline_table(&messages, &categories)),
            None => p.notice { (messages.t("track-error-unavailable")) },
        }
        p { (messages.t("landing-gender-desk")) }
        h2 { (messages.t("landing-track-heading")) }
        p { (messages.t_ltr("landing-track-text", "example", EXAMPLE_CODE)) }
    };
    let title = messages.t("nav-home");
    respond(StatusCode::OK, lang, page(&messages, &title, "/", body))
}

/// The categories with their promised times.
fn deadline_table(messages: &Messages, categories: &[Value]) -> Markup {
    html! {
        table.deadlines {
            thead {
                tr {
                    th scope="col" { (messages.t("landing-category")) }
                    th scope="col" { (messages.t("landing-ack-within")) }
                    th scope="col" { (messages.t("landing-resolve-within")) }
                }
            }
            tbody {
                @for category in categories {
                    tr {
                        th scope="row" { (category_name(messages.lang, category)) }
                        td { (deadline(messages, category, "acknowledge")) }
                        td { (deadline(messages, category, "resolve")) }
                    }
                }
            }
        }
    }
}

/// A category's name in `lang`, from an item of `GET /api/v1/categories`.
pub fn category_name(lang: Lang, category: &Value) -> String {
    let field = match lang {
        Lang::Urdu => "name_ur",
        Lang::English => "name_en",
    };
    category[field]
        .as_str()
        .or_else(|| category["code"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A category's deadline to `what` (acknowledge, resolve): in working days
/// when the catalogue gives it so, otherwise in hours.
fn deadline(messages: &Messages, category: &Value, what: &str) -> Markup {
    match category[format!("{what}_within_working_days")].as_i64() {
        Some(days) => html! { span.nb { (messages.t_num("working-days", "days", days)) } },
        None => duration(messages, &category[format!("{what}_within_hours")]),
    }
}

/// Hours as the citizen reads them: whole days from two days up.
fn duration(messages: &Messages, hours: &Value) -> Markup {
    let hours = hours.as_i64().unwrap_or_default();
    let text = if hours >= 48 && hours % 24 == 0 {
        messages.t_num("days", "days", hours / 24)
    } else {
        messages.t_num("hours", "hours", hours)
    };
    html! { span.nb { (text) } }
}
