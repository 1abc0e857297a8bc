//! `GET /openapi.json` (the OpenAPI 3.1 document generated from the code with
//! utoipa) and the interactive page at `/docs`.
//!
//! The handlers build several answers with `json!`, so the shapes are
//! declared here as schema types, one per body, and each route's contract
//! (method, path, parameters, bodies, statuses, security) as a `#[utoipa::path]`
//! declaration in `operations`. Two checks keep the document true: a unit test
//! below compares its operations with every `.route(...)` in the route
//! modules, and the black-box tests send a request to every documented
//! operation and validate real answers against the documented schemas.

#![allow(dead_code)] // schema types and operation declarations exist for the document only

use std::sync::OnceLock;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_scalar::{Scalar, Servable};
use uuid::Uuid;

use super::state::AppState;

pub fn routes() -> Router<AppState> {
    let docs: Router<AppState> = Scalar::with_url("/docs", document().clone())
        .title("Markaz API")
        .custom_html(crate::web::DOCS_HTML)
        .into();
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .merge(docs)
}

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(ApiDoc::openapi)
}

async fn openapi_json() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let body = JSON.get_or_init(|| document().to_json().unwrap_or_default());
    let mut response = body.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Markaz",
        description = "Case tracking for Police Khidmat Markaz service centres: complaints, \
                       their lifecycle, public tracking, the gender desk, performance and audit. \
                       Errors are RFC 9457 problem+json. Commands answer the complaint's new \
                       `version` and the global `position`; queries take `min_position` to read \
                       their own writes.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        operations::categories,
        operations::track,
        operations::rate,
        operations::file,
        operations::list,
        operations::escalated,
        operations::one,
        operations::timeline,
        operations::acknowledge,
        operations::refer,
        operations::resolve,
        operations::reopen,
        operations::withdraw,
        super::receipt::reprint,
        operations::gender_desk_queue,
        operations::performance,
        operations::officers_list,
        operations::officers_register,
        operations::officers_revoke,
        operations::audit_complaint,
        operations::audit_access,
        operations::audit_verify,
        operations::audit_export,
        operations::events,
        operations::healthz,
        operations::readyz,
        operations::metrics,
        operations::openapi,
        operations::docs,
        super::service_openapi::services,
        super::service_openapi::request,
        super::service_openapi::list,
        super::service_openapi::one,
        super::service_openapi::timeline,
        super::service_openapi::document,
        super::service_openapi::acknowledge,
        super::service_openapi::verification,
        super::service_openapi::station_answer,
        super::service_openapi::issue,
        super::service_openapi::refusal,
        super::service_openapi::collection,
        super::service_openapi::withdrawal,
        super::service_openapi::reissue,
        super::service_openapi::revocation,
        super::service_openapi::performance,
        super::service_openapi::verify,
        super::service_openapi::audit_service_request,
        super::service_openapi::audit_service_request_access,
    ),
    components(schemas(Ready)),
    modifiers(&BearerAuth, &LimitAnswers),
    tags(
        (name = "public", description = "For citizens: no token"),
        (name = "complaints", description = "Commands and queries of complaints (staff)"),
        (name = "gender desk"),
        (name = "performance"),
        (name = "services", description = "Service requests: certificates, verifications, registrations, reports (staff)"),
        (name = "officers", description = "Officer management (admin)"),
        (name = "audit", description = "History, access records, verification and export (auditor)"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the operations refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "An officer's token, shown once by `markaz officers add` or `POST /api/v1/officers`"
                .to_owned(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Lists the answers that every API operation may give whatever it does, on
/// every operation: 400 for what the extractors cannot read (query, headers,
/// body, a `min_position` past the log), the rate limits' 429 and the
/// overload shedding's (and, for commands and queries, the request
/// timeout's) 503, both with `Retry-After`. They come from layers and shared
/// extractors, not handlers, so the operations' own declarations would
/// otherwise forget them.
struct LimitAnswers;

impl LimitAnswers {
    const BAD_REQUEST: &'static str = "BadRequest";
    const RATE_LIMITED: &'static str = "RateLimited";
    const UNAVAILABLE: &'static str = "Unavailable";

    fn answer(description: &str, retry_after: bool) -> utoipa::openapi::Response {
        use utoipa::openapi::{header::HeaderBuilder, schema, Content, Ref, ResponseBuilder};
        let answer = ResponseBuilder::new().description(description).content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        );
        if !retry_after {
            return answer.build();
        }
        let retry_after = HeaderBuilder::new()
            .schema(Some(schema::Object::with_type(schema::Type::Integer)))
            .description(Some("Seconds to wait before trying again"))
            .build();
        answer.header("Retry-After", retry_after).build()
    }
}

impl Modify for LimitAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Ref, RefOr};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.responses.insert(
            Self::BAD_REQUEST.to_owned(),
            RefOr::T(Self::answer(
                "A malformed request: a query parameter, header (`Idempotency-Key`, `If-Match`) \
                 or body that cannot be read, or a `min_position` beyond the log's end \
                 (codes `bad_request`, `invalid_query`); `errors` names the fields",
                false,
            )),
        );
        components.responses.insert(
            Self::RATE_LIMITED.to_owned(),
            RefOr::T(Self::answer(
                "Too many requests from this client or token (code `rate_limited`)",
                true,
            )),
        );
        components.responses.insert(
            Self::UNAVAILABLE.to_owned(),
            RefOr::T(Self::answer(
                "Temporarily unavailable (code `unavailable`): the server is answering as many \
                 requests as it can, the request took too long, or the event store cannot be \
                 reached; retry after Retry-After (a command with the same Idempotency-Key)",
                true,
            )),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/v1/") {
                continue;
            }
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                let shared = [
                    ("400", Self::BAD_REQUEST),
                    ("429", Self::RATE_LIMITED),
                    ("503", Self::UNAVAILABLE),
                ];
                for (status, name) in shared {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        }
    }
}

// ---------------------------------------------------------------- errors

/// An RFC 9457 problem (`application/problem+json`).
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/<code>` with dashes.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code to switch on (e.g. `validation`, `not_found`, `rate_limited`).
    pub code: String,
    /// One entry per invalid field (validation errors only).
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

// ---------------------------------------------------------------- vocabularies

/// The closed vocabularies of the contract. The domain's value types parse
/// these words; the domain has no schema dependency, so they are named here
/// and the bodies and answers refer to them (`value_type`).
pub mod vocabulary {
    use serde::Serialize;
    use utoipa::ToSchema;

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Gender {
        Female,
        Male,
        Transgender,
        Undisclosed,
    }

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Channel {
        Counter,
        Phone,
        Online,
        Email,
    }

    /// How the complainant agrees to be contacted.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ContactPreference {
        Sms,
        CallOnly,
        None,
    }

    /// The language of the messages to the complainant.
    #[derive(Serialize, ToSchema)]
    pub enum Language {
        #[serde(rename = "ur")]
        Urdu,
        #[serde(rename = "en")]
        English,
    }

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ReferralKind {
        PoliceStation,
        Magistrate,
        Department,
        GenderDesk,
    }

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Outcome {
        Resolved,
        FirRegistered,
        NoAction,
        ReferredToCourt,
    }

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Status {
        Filed,
        Acknowledged,
        Referred,
        Resolved,
        Withdrawn,
    }

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        Desk,
        GenderDesk,
        Supervisor,
        Auditor,
        Admin,
    }
}

use vocabulary::*;

// ---------------------------------------------------------------- queries

#[derive(Serialize, ToSchema)]
pub struct CategoryList {
    pub categories: Vec<Category>,
}

#[derive(Serialize, ToSchema)]
pub struct Category {
    pub code: String,
    pub name_en: String,
    pub name_ur: String,
    /// Usually non-cognizable: police need a Magistrate's order (s.155 CrPC).
    pub non_cognizable: bool,
    pub gender_sensitive: bool,
    /// 0 when the deadline is given in working days.
    pub acknowledge_within_hours: u32,
    /// 0 when the deadline is given in working days.
    pub resolve_within_hours: u32,
    /// The deadline in working days of the markaz's calendar, when the catalogue gives it so.
    pub acknowledge_within_working_days: Option<u32>,
    pub resolve_within_working_days: Option<u32>,
}

/// A status change in a case's history.
#[derive(Serialize, ToSchema)]
pub struct StatusChange {
    pub status: Status,
    pub at: DateTime<Utc>,
}

/// `GET /track/{code}`: the citizen's view; no personal data, no officer names.
#[derive(Serialize, ToSchema)]
pub struct TrackingView {
    pub tracking_code: String,
    pub status: Status,
    pub category: String,
    pub filed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub acknowledge_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
    pub rated: bool,
    pub history: Vec<StatusChange>,
}

/// The complainant as staff see them; `desk` sees phone and CNIC masked and
/// no address except on its own markaz's open cases.
#[derive(Serialize, ToSchema)]
pub struct ComplainantView {
    pub name: String,
    pub gender: Gender,
    pub phone: String,
    pub cnic: Option<String>,
    pub address: Option<String>,
    /// True when phone and CNIC are masked and the address withheld.
    pub masked: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    Pending,
    Met,
    Breached,
    NotApplicable,
}

#[derive(Serialize, ToSchema)]
pub struct Sla {
    pub acknowledge: SlaState,
    pub resolve: SlaState,
    pub acknowledge_breached: bool,
    pub resolve_breached: bool,
}

/// `GET /complaints/{id}` (also the items of the list). `ETag` is the version.
#[derive(Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: Uuid,
    pub tracking_code: String,
    pub markaz: String,
    pub category: String,
    pub gender_desk: bool,
    pub status: Status,
    /// Where the case is now: the markaz itself or the unit it was referred to.
    pub current_unit: String,
    pub complainant: ComplainantView,
    pub description: String,
    pub location: Option<String>,
    pub channel: Channel,
    pub filed_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub acknowledge_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
    pub sla: Sla,
    pub outcome: Option<Outcome>,
    pub rated: bool,
    pub rating: Option<u8>,
    pub reopen_count: u32,
    pub version: u64,
    pub position: u64,
    pub history: Vec<StatusChange>,
    /// The highest level the case was escalated to after a missed deadline; null if never.
    pub escalation: Option<EscalationLevel>,
    pub escalated_at: Option<DateTime<Utc>>,
    /// How many of its deadlines the case missed (0 to 2).
    pub deadlines_missed: u32,
}

/// Who a case that missed a deadline went to.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EscalationLevel {
    Supervisor,
    District,
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintPage {
    pub items: Vec<ComplaintView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Who caused an event.
#[derive(Serialize, ToSchema)]
pub struct ActorView {
    /// `officer`, `citizen` or `system`.
    pub kind: String,
    pub id: Option<Uuid>,
    pub role: Option<Role>,
    pub name: Option<String>,
}

/// One stored event.
#[derive(Serialize, ToSchema)]
pub struct TimelineEvent {
    pub version: u64,
    pub position: u64,
    /// The event type, e.g. `ComplaintFiled`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub schema_version: u16,
    pub occurred_at: DateTime<Utc>,
    pub actor: ActorView,
    /// The event's fields (see the event catalogue); the complainant is
    /// masked for `desk` as in the status view.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// Hex SHA-256 chained to the previous event of the complaint.
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct Timeline {
    pub id: Uuid,
    pub events: Vec<TimelineEvent>,
}

#[derive(Serialize, ToSchema)]
pub struct GenderDeskCase {
    pub id: Uuid,
    pub tracking_code: String,
    pub markaz: String,
    pub category: String,
    pub status: Status,
    pub current_unit: String,
    pub filed_at: DateTime<Utc>,
    pub age_minutes: i64,
    pub acknowledge_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
    pub acknowledge_breached: bool,
    pub resolve_breached: bool,
    pub updated_at: DateTime<Utc>,
    pub escalation: Option<EscalationLevel>,
}

#[derive(Serialize, ToSchema)]
pub struct GenderDeskCounts {
    pub markaz: String,
    /// Cases by status.
    #[schema(value_type = Object)]
    pub by_status: serde_json::Value,
    pub open: u64,
}

/// `GET /gender-desk/queue`: open gender-desk cases, oldest first.
#[derive(Serialize, ToSchema)]
pub struct GenderDeskQueue {
    pub cases: Vec<GenderDeskCase>,
    pub counts: Vec<GenderDeskCounts>,
}

/// One group of `GET /performance`: the figures, and with `by=officer` the
/// officer's name.
#[derive(Serialize, ToSchema)]
pub struct PerformanceGroup {
    #[serde(flatten)]
    pub figures: markaz_projections::PerformanceRow,
    /// With `by=officer`: the officer's name.
    pub officer_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Performance {
    pub from: String,
    pub to: String,
    pub by: String,
    pub markaz: Option<String>,
    /// The time zone whose days `from` and `to` are (IANA name).
    pub time_zone: String,
    /// Markaz counted in a zone of their own.
    pub time_zones: std::collections::BTreeMap<String, String>,
    pub groups: Vec<PerformanceGroup>,
}

// ---------------------------------------------------------------- officers

#[derive(Serialize, ToSchema)]
pub struct RegisterOfficerBody {
    pub name: String,
    pub role: Role,
    /// Required for desk, gender_desk and supervisor.
    pub markaz: Option<String>,
    /// When the token stops working (in the future); none: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// 201: the token is shown this once; only its hash is kept.
#[derive(Serialize, ToSchema)]
pub struct RegisteredOfficer {
    pub id: Uuid,
    pub token: String,
    pub position: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Officer {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub markaz: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the token stops working; none: never.
    pub expires_at: Option<DateTime<Utc>>,
    pub active: bool,
}

#[derive(Serialize, ToSchema)]
pub struct OfficerList {
    pub officers: Vec<Officer>,
}

#[derive(Serialize, ToSchema)]
pub struct RevokeBody {
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RevokedOfficer {
    pub id: Uuid,
    pub active: bool,
    pub position: u64,
}

// ---------------------------------------------------------------- audit

/// The complaint's state folded from its events up to the point asked.
#[derive(Serialize, ToSchema)]
pub struct PastState {
    pub status: Option<Status>,
    pub tracking_code: Option<String>,
    pub markaz: Option<String>,
    pub category: Option<String>,
    pub gender_desk: bool,
    pub filed_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub rated: bool,
    pub reopen_count: u32,
    pub current_unit: Option<String>,
    pub version: u64,
}

/// Which point in time was asked for: one of the three members.
#[derive(Serialize, ToSchema)]
pub struct PointInTime {
    pub as_of: Option<DateTime<Utc>>,
    pub version: Option<u64>,
    pub latest: Option<bool>,
}

/// `GET /audit/complaints/{id}`: the complaint as it stood then.
#[derive(Serialize, ToSchema)]
pub struct PastComplaint {
    pub id: Uuid,
    pub version: u64,
    pub current_version: u64,
    pub state: PastState,
    pub events: Vec<TimelineEvent>,
    pub point: PointInTime,
}

#[derive(Serialize, ToSchema)]
pub struct AccessOfficer {
    pub id: Uuid,
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccessEntry {
    /// The access event's version in its own stream.
    pub version: u64,
    /// The access event's log position (the order of the history).
    pub position: u64,
    pub at: DateTime<Utc>,
    pub officer: AccessOfficer,
    pub role: Role,
    /// What was shown: e.g. `case_view`, `listing`, `timeline`, `audit_history`.
    pub what: String,
    pub personal_data: bool,
    pub gender_desk: bool,
}

/// `GET /audit/complaints/{id}/access` (and the service-request one): who
/// was shown the case, when.
#[derive(Serialize, ToSchema)]
pub struct AccessLog {
    pub id: Uuid,
    /// `complaint` or `service_request`.
    pub kind: String,
    /// Oldest first.
    pub entries: Vec<AccessEntry>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BrokenLink {
    pub stream: String,
    pub version: u64,
    pub reason: String,
}

/// `GET /audit/verify`: the hash chains (and seals) recomputed.
#[derive(Serialize, ToSchema)]
pub struct Verification {
    pub streams_checked: u64,
    pub events_checked: u64,
    pub seals_checked: u64,
    /// Whether the seals' signatures were checked against keys the caller
    /// trusts; always false here, where each seal is checked against the key
    /// it names (`markaz audit verify --public-key` authenticates them).
    pub seals_authenticated: bool,
    pub kept_seal_checked: bool,
    /// The chains and seals are intact (undecodable events do not break them).
    pub ok: bool,
    pub first_broken: Option<BrokenLink>,
    /// Events this build cannot decode (they stop the read models).
    pub undecodable_count: u64,
    /// The first hundred of them.
    pub undecodable: Vec<UndecodableEvent>,
}

#[derive(Serialize, ToSchema)]
pub struct UndecodableEvent {
    pub position: u64,
    pub stream: String,
    pub version: u64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub schema_version: u16,
    pub reason: String,
}

// ---------------------------------------------------------------- operations

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// The public listener's readiness: nothing more than whether to send traffic.
#[derive(Serialize, ToSchema)]
pub struct PublicReady {
    /// `ready` (the 503 problem says `not ready`).
    pub status: String,
}

/// The detailed readiness on the admin listener (not served publicly).
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready`, or `degraded` when an undecodable event stopped the read
    /// models (commands and timelines go on).
    pub status: String,
    /// `sqlite` or `esdb`.
    pub store: String,
    pub head_position: u64,
    /// With `degraded`: what stopped the read models.
    pub read_models: Option<String>,
    pub projections: markaz_projections::RunnerStatus,
}

/// The route declarations: one function per operation, carrying its
/// contract for the document. The handlers are in the route modules.
mod operations {
    use super::*;

    /// The category catalogue
    #[utoipa::path(get, path = "/api/v1/categories", tag = "public",
        responses(
            (status = 200, body = CategoryList),
            (status = 429, body = Problem, content_type = "application/problem+json",
                description = "Too many requests from this address", headers(("Retry-After" = u64))),
        ))]
    pub fn categories() {}

    /// A case as its citizen sees it
    #[utoipa::path(get, path = "/api/v1/track/{code}", tag = "public",
        params(
            ("code" = String, Path, description = "The tracking code on the receipt"),
            ("min_position" = Option<u64>, Query, description = "Wait until the read models include this position"),
        ),
        responses(
            (status = 200, body = TrackingView),
            (status = 404, body = Problem, content_type = "application/problem+json", description = "No complaint has this code"),
            (status = 429, body = Problem, content_type = "application/problem+json",
                description = "Too many requests, or too many unknown codes, from this address", headers(("Retry-After" = u64))),
            (status = 503, body = Problem, content_type = "application/problem+json", description = "The read models did not reach min_position in time"),
        ))]
    pub fn track() {}

    /// Rate the service once the case is resolved (once)
    #[utoipa::path(post, path = "/api/v1/track/{code}/rating", tag = "public",
        params(
            ("code" = String, Path, description = "The tracking code on the receipt"),
            ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe"),
        ),
        request_body = crate::http::complaint_input::RateBody,
        responses(
            (status = 200, body = crate::http::case_steps::RatingAnswer),
            (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed body"),
            (status = 404, body = Problem, content_type = "application/problem+json", description = "No complaint has this code"),
            (status = 409, body = Problem, content_type = "application/problem+json", description = "Not resolved, or already rated"),
            (status = 413, body = Problem, content_type = "application/problem+json", description = "Body over 64 KiB"),
            (status = 422, body = Problem, content_type = "application/problem+json", description = "Stars outside 1..5, or the idempotency key was used with another body"),
            (status = 429, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64))),
            (status = 415, body = Problem, content_type = "application/problem+json", description = "The body is not application/json"),
            (status = 503, body = Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
        ))]
    pub fn rate() {}

    /// File a complaint
    #[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints",
        params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe; the same key with another body is 422")),
        request_body = crate::http::complaint_input::FileBody,
        responses(
            (status = 201, body = crate::http::complaints::FilingAnswer, headers(("Location" = String, description = "The complaint's URL"))),
            (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed JSON, wrong types or unknown fields"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 413, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields (phone, CNIC, category, ...)"),
            (status = 415, body = Problem, content_type = "application/problem+json", description = "The body is not application/json"),
            (status = 503, body = Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
        ),
        security(("bearer" = [])))]
    pub fn file() {}

    /// List complaints, newest first
    #[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints",
        params(
            ("status" = Option<Status>, Query),
            ("category" = Option<String>, Query),
            ("gender_desk" = Option<bool>, Query),
            ("escalated" = Option<bool>, Query, description = "true: only open cases escalated after a missed deadline"),
            ("filed_from" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD"),
            ("filed_to" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD (inclusive day)"),
            ("markaz" = Option<String>, Query, description = "Auditors only; others see their own markaz"),
            ("limit" = Option<u32>, Query, description = "1..=500, default 50"),
            ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
            ("min_position" = Option<u64>, Query),
        ),
        responses(
            (status = 200, body = ComplaintPage),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
            (status = 503, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn list() {}

    /// The open cases escalated after a missed deadline, newest first
    #[utoipa::path(get, path = "/api/v1/complaints/escalated", tag = "complaints",
        params(
            ("status" = Option<Status>, Query),
            ("category" = Option<String>, Query),
            ("gender_desk" = Option<bool>, Query),
            ("markaz" = Option<String>, Query, description = "Auditors only; others see their own markaz"),
            ("limit" = Option<u32>, Query, description = "1..=500, default 50"),
            ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
            ("min_position" = Option<u64>, Query),
        ),
        responses(
            (status = 200, body = ComplaintPage),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
            (status = 503, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn escalated() {}

    /// One complaint's status view
    #[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints",
        params(
            ("id" = Uuid, Path),
            ("min_position" = Option<u64>, Query),
        ),
        responses(
            (status = 200, body = ComplaintView, headers(("ETag" = String, description = "The version, for If-Match"))),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json", description = "No such complaint, or not visible to the caller"),
            (status = 503, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn one() {}

    /// A complaint's events
    #[utoipa::path(get, path = "/api/v1/complaints/{id}/timeline", tag = "complaints",
        params(
            ("id" = Uuid, Path),
            ("min_position" = Option<u64>, Query),
        ),
        responses(
            (status = 200, body = Timeline),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn timeline() {}

    /// Acknowledge a complaint
    #[utoipa::path(post, path = "/api/v1/complaints/{id}/acknowledge", tag = "complaints",
        params(
            ("id" = Uuid, Path),
            ("If-Match" = Option<String>, Header, description = "The version the change is based on (412 if it moved on)"),
            ("Idempotency-Key" = Option<String>, Header),
        ),
        request_body(content = crate::http::complaint_input::AcknowledgeBody, description = "May be empty"),
        responses(
            (status = 200, body = crate::http::complaints::ActionAnswer),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json"),
            (status = 409, body = Problem, content_type = "application/problem+json", description = "The lifecycle forbids it; the problem says why"),
            (status = 412, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
            (status = 413, body = Problem, content_type = "application/problem+json", description = "Body over 64 KiB"),
            (status = 415, body = Problem, content_type = "application/problem+json", description = "The body is not application/json"),
            (status = 503, body = Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
        ),
        security(("bearer" = [])))]
    pub fn acknowledge() {}

    /// Refer a complaint to a police station, a Magistrate (s.155 CrPC), a department or the gender desk
    #[utoipa::path(post, path = "/api/v1/complaints/{id}/referrals", tag = "complaints",
        params(
            ("id" = Uuid, Path),
            ("If-Match" = Option<String>, Header),
            ("Idempotency-Key" = Option<String>, Header),
        ),
        request_body = crate::http::complaint_input::ReferBody,
        responses(
            (status = 200, body = crate::http::complaints::ActionAnswer),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json"),
            (status = 409, body = Problem, content_type = "application/problem+json"),
            (status = 412, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
            (status = 413, body = Problem, content_type = "application/problem+json", description = "Body over 64 KiB"),
            (status = 415, body = Problem, content_type = "application/problem+json", description = "The body is not application/json"),
            (status = 503, body = Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
        ),
        security(("bearer" = [])))]
    pub fn refer() {}

    /// Record the outcome
    #[utoipa::path(post, path = "/api/v1/complaints/{id}/resolution", tag = "complaints",
        params(
            ("id" = Uuid, Path),
            ("If-Match" = Option<String>, Header),
            ("Idempotency-Key" = Option<String>, Header),
        ),
        request_body = crate::http::complaint_input::ResolveBody,
        responses(
            (status = 200, body = crate::http::complaints::ActionAnswer),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json"),
            (status = 409, body = Problem, content_type = "application/problem+json"),
            (status = 412, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
            (status = 413, body = Problem, content_type = "application/problem+json", description = "Body over 64 KiB"),
            (status = 415, body = Problem, content_type = "application/problem+json", description = "The body is not application/json"),
            (status = 503, body = Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
        ),
        security(("bearer" = [])))]
    pub fn resolve() {}

    /// Reopen a resolved complaint within the reopening window
    #[utoipa::path(post, path = "/api/v1/complaints/{id}/reopen", tag = "complaints",
        params(
            ("id" = Uuid, Path),
            ("If-Match" = Option<String>, Header),
            ("Idempotency-Key" = Option<String>, Header),
        ),
        request_body = crate::http::complaint_input::ReasonBody,
        responses(
            (status = 200, body = crate::http::complaints::ActionAnswer),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json"),
            (status = 409, body = Problem, content_type = "application/problem+json"),
            (status = 412, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
            (status = 413, body = Problem, content_type = "application/problem+json", description = "Body over 64 KiB"),
            (status = 415, body = Problem, content_type = "application/problem+json", description = "The body is not application/json"),
            (status = 503, body = Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
        ),
        security(("bearer" = [])))]
    pub fn reopen() {}

    /// Withdraw a complaint at the complainant's request
    #[utoipa::path(post, path = "/api/v1/complaints/{id}/withdrawal", tag = "complaints",
        params(
            ("id" = Uuid, Path),
            ("If-Match" = Option<String>, Header),
            ("Idempotency-Key" = Option<String>, Header),
        ),
        request_body = crate::http::complaint_input::ReasonBody,
        responses(
            (status = 200, body = crate::http::complaints::ActionAnswer),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json"),
            (status = 409, body = Problem, content_type = "application/problem+json"),
            (status = 412, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
            (status = 413, body = Problem, content_type = "application/problem+json", description = "Body over 64 KiB"),
            (status = 415, body = Problem, content_type = "application/problem+json", description = "The body is not application/json"),
            (status = 503, body = Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
        ),
        security(("bearer" = [])))]
    pub fn withdraw() {}

    /// Open gender-desk cases, oldest first (gender_desk, supervisor, auditor)
    #[utoipa::path(get, path = "/api/v1/gender-desk/queue", tag = "gender desk",
        params(
            ("markaz" = Option<String>, Query, description = "Auditors only"),
            ("limit" = Option<u32>, Query),
            ("min_position" = Option<u64>, Query),
        ),
        responses(
            (status = 200, body = GenderDeskQueue),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn gender_desk_queue() {}

    /// Performance figures per group (supervisor, auditor)
    #[utoipa::path(get, path = "/api/v1/performance", tag = "performance",
        params(
            ("from" = Option<String>, Query, description = "First local day, YYYY-MM-DD"),
            ("to" = Option<String>, Query, description = "Last local day, YYYY-MM-DD"),
            ("by" = Option<String>, Query, description = "unit, officer, category or day"),
            ("markaz" = Option<String>, Query, description = "Auditors only"),
            ("min_position" = Option<u64>, Query),
        ),
        responses(
            (status = 200, body = Performance),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn performance() {}

    /// Every officer (admin)
    #[utoipa::path(get, path = "/api/v1/officers", tag = "officers",
        responses(
            (status = 200, body = OfficerList),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn officers_list() {}

    /// Register an officer (admin); the token is shown once
    #[utoipa::path(post, path = "/api/v1/officers", tag = "officers",
        request_body = RegisterOfficerBody,
        responses(
            (status = 201, body = RegisteredOfficer),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin, or a role (auditor, gender_desk, admin) registered only with the CLI on the server host"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn officers_register() {}

    /// Revoke an officer's token for good (admin)
    #[utoipa::path(post, path = "/api/v1/officers/{id}/revocation", tag = "officers",
        params(("id" = Uuid, Path)),
        request_body(content = RevokeBody, description = "May be empty"),
        responses(
            (status = 200, body = RevokedOfficer),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json"),
            (status = 409, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json", description = "The reason is invalid (empty, too long or with control characters)"),
        ),
        security(("bearer" = [])))]
    pub fn officers_revoke() {}

    /// The complaint as it stood at a time or version, with its events (auditor)
    #[utoipa::path(get, path = "/api/v1/audit/complaints/{id}", tag = "audit",
        params(
            ("id" = Uuid, Path),
            ("as_of" = Option<String>, Query, description = "RFC 3339 time"),
            ("version" = Option<u64>, Query),
        ),
        responses(
            (status = 200, body = PastComplaint),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json"),
            (status = 422, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn audit_complaint() {}

    /// Who was shown a complaint, when, with or without personal data (auditor)
    #[utoipa::path(get, path = "/api/v1/audit/complaints/{id}/access", tag = "audit",
        params(("id" = Uuid, Path),
            ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Entries per page (default 100)"),
            ("cursor" = Option<String>, Query, description = "The next_cursor of the previous page")),
        responses(
            (status = 200, body = AccessLog),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn audit_access() {}

    /// Recompute the hash chains (auditor)
    #[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
        params(("stream" = Option<String>, Query, description = "One stream, e.g. complaint-<id>")),
        responses(
            (status = 200, body = Verification),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn audit_verify() {}

    /// Every event as JSON Lines, streamed in global order (auditor)
    #[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit",
        params(("from" = Option<u64>, Query, description = "Only events after this position")),
        responses(
            (status = 200, content_type = "application/x-ndjson", body = String, description = "One JSON object per line"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 503, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn audit_export() {}

    /// Server-Sent Events of new events the caller may see (no personal data)
    #[utoipa::path(get, path = "/api/v1/events", tag = "complaints",
        params(
            ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this event id (a global position)"),
            ("after" = Option<u64>, Query, description = "Like Last-Event-ID, for clients that cannot set headers"),
        ),
        responses(
            (status = 200, content_type = "text/event-stream", body = String,
                description = "`id:` the global position, `event:` the event type, `data:` JSON with \
                               position, complaint_id, version, type, occurred_at, actor, markaz, \
                               category, gender_desk, status and non-personal data; comment lines keep \
                               the connection alive"),
            (status = 400, body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
        ),
        security(("bearer" = [])))]
    pub fn events() {}

    /// The process answers
    #[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
    pub fn healthz() {}

    /// Ready for traffic: the store answers, the writer is not failing and the read models are
    /// not too far behind. The admin listener (`--admin-listen`) serves the same path with the
    /// details (`Ready`), and `/metrics`.
    #[utoipa::path(get, path = "/readyz", tag = "operations",
        responses(
            (status = 200, body = PublicReady),
            (status = 503, body = Problem, content_type = "application/problem+json", description = "not ready", headers(("Retry-After" = u64))),
        ))]
    pub fn readyz() {}

    /// Prometheus metrics (admin listener only): requests, latencies, shedding, appends, projection positions and lag
    #[utoipa::path(get, path = "/metrics", tag = "operations",
        responses((status = 200, content_type = "text/plain; version=0.0.4", body = String)))]
    pub fn metrics() {}

    /// This document
    #[utoipa::path(get, path = "/openapi.json", tag = "operations",
        responses((status = 200, content_type = "application/json", body = Object)))]
    pub fn openapi() {}

    /// An interactive page for this document (loads its script from a CDN)
    #[utoipa::path(get, path = "/docs", tag = "operations",
        responses((status = 200, content_type = "text/html", body = String)))]
    pub fn docs() {}
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every `(METHOD, path)` the document lists.
    fn documented() -> BTreeSet<(String, String)> {
        let json = serde_json::to_value(document()).unwrap();
        let mut operations = BTreeSet::new();
        for (path, item) in json["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
        operations
    }

    /// Every route registered in the route modules (their `route` calls with a
    /// literal path and `get`/`post` method routers), with the prefix each
    /// module is mounted under.
    fn routed() -> BTreeSet<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http");
        let top_level = ["health.rs", "metrics.rs", "openapi.rs"];
        let mut routes = BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let source = std::fs::read_to_string(&path).unwrap();
            let prefix = if top_level.contains(&name.as_str()) {
                ""
            } else {
                "/api/v1"
            };
            for (index, _) in source.match_indices(".route(\"") {
                let rest = &source[index + 8..];
                let end = rest.find('"').unwrap();
                let route = &rest[..end];
                // The methods are the `get(`/`post(` calls up to the route's closing parenthesis.
                let call = &rest[end..rest.find("))").map_or(rest.len(), |close| close + 2)];
                for method in ["get", "post", "put", "patch", "delete"] {
                    if call.contains(&format!("{method}(")) {
                        routes.insert((method.to_uppercase(), format!("{prefix}{route}")));
                    }
                }
            }
        }
        routes.insert(("GET".to_owned(), "/docs".to_owned()));
        routes
    }

    #[test]
    fn every_route_is_documented_and_every_documented_operation_is_routed() {
        let documented = documented();
        let routed = routed();
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from the document: {undocumented:?}"
        );
        assert!(
            unrouted.is_empty(),
            "documented but not routed: {unrouted:?}"
        );
    }

    #[test]
    fn body_schemas_carry_the_limits_validation_applies() {
        use markaz_domain::{Description, PersonName, ShortText};
        let json = serde_json::to_value(document()).unwrap();
        let schemas = &json["components"]["schemas"];
        let filing = &schemas["FileComplaintBody"]["properties"];
        assert_eq!(filing["description"]["maxLength"], Description::MAX_CHARS);
        assert_eq!(filing["location"]["maxLength"], ShortText::MAX_CHARS);
        let person = &schemas["ComplainantInput"]["properties"];
        assert_eq!(person["name"]["maxLength"], PersonName::MAX_CHARS);
        assert_eq!(person["address"]["maxLength"], ShortText::MAX_CHARS);
        for (body, field) in [
            ("ReferBody", "reason"),
            ("ResolveBody", "summary"),
            ("ReasonBody", "reason"),
            ("RateBody", "comment"),
            ("AcknowledgeBody", "note"),
        ] {
            assert_eq!(
                schemas[body]["properties"][field]["maxLength"],
                ShortText::MAX_CHARS,
                "{body}.{field}"
            );
        }
        let filed = &schemas["FilingAnswer"];
        assert!(filed["required"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("receipt_hash")));
    }

    #[test]
    fn every_api_operation_lists_the_limits_answers() {
        let json = serde_json::to_value(document()).unwrap();
        let mut checked = 0;
        for (path, item) in json["paths"].as_object().unwrap() {
            if !path.starts_with("/api/v1/") {
                continue;
            }
            for (method, operation) in item.as_object().unwrap() {
                for status in ["400", "429", "503"] {
                    assert!(
                        operation["responses"][status].is_object(),
                        "{method} {path} lacks {status}"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 20, "only {checked} operations checked");
        let limited = &json["components"]["responses"]["RateLimited"];
        assert!(limited["headers"]["Retry-After"].is_object());
    }

    #[test]
    fn the_document_is_openapi_3_1_with_bearer_security() {
        let json = serde_json::to_value(document()).unwrap();
        assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
        assert_eq!(
            json["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        let file = &json["paths"]["/api/v1/complaints"]["post"];
        assert_eq!(file["security"][0]["bearer"], serde_json::json!([]));
        assert!(json["paths"]["/api/v1/track/{code}"]["get"]["security"].is_null());
        assert!(
            json["components"]["schemas"]["FileComplaintBody"]["properties"]["complainant"]
                .is_object()
        );
    }
}
