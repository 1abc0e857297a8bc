//! `GET /verify/{number}` (the page a document's QR code opens): the answer
//! of `GET /api/v1/verify/{number}`, Urdu first, saying whether the document
//! stands, was superseded (with its successor) or revoked, or does not
//! match the printed content (`?d=`, the digest the QR code carries), and
//! showing the content as it was issued.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::api_client::{ApiRequest, Caller};
use super::i18n::{Lang, Messages};
use super::layout::{local_time, ltr, page, respond, PageLang};
use super::WebState;

#[derive(Debug, Default, Deserialize)]
pub struct VerifyQuery {
    lang: Option<String>,
    /// The content digest the QR code carries.
    d: Option<String>,
}

/// The page's verdict on the document.
fn verdict_key(document: &Value) -> &'static str {
    if document["matches"] == Value::Bool(false) {
        return "verify-mismatch";
    }
    match document["status"].as_str() {
        Some("superseded") => "verify-superseded",
        Some("revoked") => "verify-revoked",
        _ => "verify-issued",
    }
}

pub async fn verify_page(
    State(web): State<WebState>,
    Caller(client): Caller,
    Path(typed): Path<String>,
    Query(query): Query<VerifyQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = PageLang::new(query.lang.as_deref(), &headers);
    let messages = lang.messages;
    let number: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    let digest: Option<String> = query
        .d
        .as_deref()
        .map(|d| d.chars().filter(char::is_ascii_hexdigit).take(64).collect());
    let mut path = format!("/api/v1/verify/{number}");
    if let Some(digest) = &digest {
        path.push_str(&format!("?digest={digest}"));
    }
    let answer = web.api.send(ApiRequest::get(&path, client)).await;
    let title = messages.t("verify-title");
    let own_path = format!("/verify/{number}");
    let (status, body) = match answer.status {
        StatusCode::OK => (StatusCode::OK, document_body(&messages, &answer.json)),
        StatusCode::NOT_FOUND => (
            StatusCode::NOT_FOUND,
            html! { h1 { (title) } p.error role="alert" { (messages.t("verify-unknown")) } },
        ),
        other => (
            other,
            html! { h1 { (title) } p.error role="alert" { (messages.t("verify-unavailable")) } },
        ),
    };
    respond(status, lang, page(&messages, &title, &own_path, body))
}

fn document_body(messages: &Messages, document: &Value) -> Markup {
    let text = |field: &str| document[field].as_str().unwrap_or_default().to_owned();
    let key = verdict_key(document);
    let good = key == "verify-issued";
    let service = match messages.lang {
        Lang::Urdu => text("service_name_ur"),
        Lang::English => text("service_name_en"),
    };
    let verdict = match key {
        "verify-mismatch" => messages.t("verify-mismatch"),
        "verify-superseded" => messages.t("verify-superseded"),
        "verify-revoked" => messages.t("verify-revoked"),
        _ => messages.t("verify-issued"),
    };
    html! {
        h1 { (messages.t("verify-title")) }
        p class={ "verdict " (if good { "kept" } else { "missed" }) }
            role="status" data-verdict=(key) {
            (verdict)
            @if key == "verify-superseded" {
                @if let Some(successor) = document["superseded_by"].as_str() {
                    " "
                    a href={ "/verify/" (successor) } { (ltr(successor)) }
                }
            }
        }
        @if let Some(reason) = document["revocation_reason"].as_str() {
            p { (messages.t("verify-revoked-reason")) ": " (reason) }
        }
        h2 { (messages.t("verify-as-issued")) ": " (service) }
        dl.summary {
            dt { (messages.t("verify-number")) }
            dd { (ltr(&text("number"))) }
            dt { (messages.t("verify-markaz")) }
            dd { (ltr(&text("markaz"))) }
            dt { (messages.t("verify-date")) }
            dd { (ltr(&local_time(&text("issued_at")))) }
            dt { (messages.t("verify-holder")) }
            dd { (text("holder_name")) }
            dt { (messages.t("verify-cnic")) }
            dd { (ltr(&text("holder_cnic"))) }
            dt { (messages.t("verify-text")) }
            dd.document-text {
                @for line in text("text").lines() {
                    p { (line) }
                }
            }
            dt { (messages.t("verify-hash")) }
            dd { code { (ltr(&text("event_hash"))) } }
        }
    }
}
