//! The tracking page of a service request (`GET /track/{code}` when the
//! code is a request's): the answer of `GET /api/v1/track/{code}`, with the
//! promised date judged kept or not, the reason of a refusal, the number of
//! the document issued, and the rating form once it is issued or refused.

use chrono::{DateTime, Utc};
use markaz_domain::TrackingCode;
use maud::{html, Markup};
use serde_json::Value;

use super::i18n::{Lang, Messages};
use super::layout::{local_time, ltr};
use super::rating_form::{self, RatingNotice};
use super::track_page::{history_steps, Verdict};

/// The request's page body.
pub fn service_body(
    messages: &Messages,
    code: &TrackingCode,
    view: &Value,
    notice: Option<RatingNotice>,
    now: DateTime<Utc>,
) -> Markup {
    let text = |field: &str| view[field].as_str().unwrap_or_default().to_owned();
    let status = text("status");
    let name = match messages.lang {
        Lang::Urdu => text("service_name_ur"),
        Lang::English => text("service_name_en"),
    };
    let history = history_steps(view);
    let fee = view["fee_rupees"].as_u64().unwrap_or(0);
    let verdict = promise(view, &history, now);
    let rated = view["rated"].as_bool().unwrap_or(false);
    // The rating form opens once the centre is done: issued, collected or refused.
    let rating_status = match status.as_str() {
        "issued" | "collected" | "refused" => "resolved",
        other => other,
    };
    html! {
        h1 { (messages.t_ltr("service-title", "code", code.as_str())) }
        dl.summary {
            dt { (messages.t("case-status")) }
            dd.status data-status=(status) { (status_text(messages, &status)) }
            dt { (messages.t("service-name")) }
            dd { (name) }
            dt { (messages.t("service-requested-at")) }
            dd { (ltr(&local_time(&text("requested_at")))) }
            dt { (messages.t("case-updated-at")) }
            dd { (ltr(&local_time(&text("updated_at")))) }
            dt { (messages.t("service-fee")) }
            dd {
                @if fee > 0 {
                    (messages.t_num("service-fee-amount", "rupees", fee as i64))
                } @else {
                    (messages.t("service-no-fee"))
                }
            }
            @if let Some(reason) = view["refusal_reason"].as_str() {
                dt { (messages.t("service-refusal")) }
                dd.refusal { (reason) }
            }
            @if let Some(number) = view["document_number"].as_str() {
                dt { (messages.t("service-document")) }
                dd { (ltr(number)) }
            }
        }
        h2 { (messages.t("promise-heading")) }
        table.promises {
            tbody {
                tr {
                    th scope="row" { (messages.t("service-issue-by")) }
                    td { (ltr(&local_time(&text("issue_by")))) }
                    td { (super::track_page::verdict(messages, verdict)) }
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
        (rating_form::section(messages, code, rating_status, rated, notice))
    }
}

fn status_text(messages: &Messages, status: &str) -> String {
    match status {
        "requested" => messages.t("service-status-requested"),
        "acknowledged" => messages.t("service-status-acknowledged"),
        "at_station" => messages.t("service-status-at_station"),
        "verified" => messages.t("service-status-verified"),
        "issued" => messages.t("service-status-issued"),
        "refused" => messages.t("service-status-refused"),
        "collected" => messages.t("service-status-collected"),
        "withdrawn" => messages.t("service-status-withdrawn"),
        "revoked" => messages.t("service-status-revoked"),
        "reissued" => messages.t("service-status-reissued"),
        other => other.to_owned(),
    }
}

/// Whether the promised date was kept: the first issue against `issue_by`.
fn promise(view: &Value, history: &[(String, String)], now: DateTime<Utc>) -> Verdict {
    let time = |text: &str| DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc());
    let due = view["issue_by"].as_str().and_then(time);
    let issued = history
        .iter()
        .find(|(step, _)| step == "issued")
        .and_then(|(_, at)| time(at));
    let status = view["status"].as_str().unwrap_or_default();
    match (issued, due) {
        (Some(done), Some(due)) if done <= due => Verdict::Kept,
        (Some(_), Some(_)) => Verdict::Missed,
        _ if matches!(status, "withdrawn" | "refused") => Verdict::Closed,
        (None, Some(due)) if now > due => Verdict::Overdue,
        _ => Verdict::Waiting,
    }
}
