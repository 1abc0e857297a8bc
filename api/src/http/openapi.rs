//! `GET /openapi.json` (the OpenAPI 3.1 document generated from the code with
//! utoipa) and the interactive page at `/docs`.
//!
//! Each route's contract (method, path, parameters, bodies, statuses,
//! security) is a `#[utoipa::path]` declaration on its handler, listed in
//! `ApiDoc` below; the answers every operation may give (400, 429, 503) are
//! added to all of them by `LimitAnswers`. Typed answers and bodies derive
//! their schemas; the answers the handlers build with `json!` have their
//! shapes declared here (and in `service_openapi`) as schema types. Two
//! checks keep the document true: a unit test below compares its operations
//! with every `.route(...)` in the route modules, and the black-box tests
//! send a request to every documented operation and validate real answers
//! against the documented schemas.

#![allow(dead_code)] // the schema types of `json!` answers exist for the document only

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

/// This document
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, content_type = "application/json", body = Object)))]
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
        super::queries::categories,
        super::tracking::track,
        super::complaints::rate,
        super::complaints::file,
        super::queries::list,
        super::queries::escalated,
        super::queries::one,
        super::queries::timeline,
        super::complaints::acknowledge,
        super::complaints::refer,
        super::complaints::resolve,
        super::complaints::reopen,
        super::complaints::withdraw,
        super::receipt::reprint,
        super::gender_desk::queue,
        super::performance::performance,
        super::officers::list,
        super::officers::register,
        super::officers::revoke,
        super::audit::complaint_at,
        super::audit::access,
        super::audit::verify_log,
        super::export::export,
        super::sse::events,
        super::health::healthz,
        super::health::public_readyz,
        super::metrics::metrics,
        openapi_json,
        docs,
        super::service_queries::services,
        super::service_requests::request,
        super::service_queries::list,
        super::service_queries::one,
        super::service_queries::timeline,
        super::service_queries::document,
        super::service_queries::document_pdf,
        super::service_requests::acknowledge,
        super::service_requests::verification,
        super::service_requests::station,
        super::service_requests::issue,
        super::service_requests::refuse,
        super::service_requests::collect,
        super::service_requests::withdraw,
        super::service_requests::reissue,
        super::service_requests::revoke,
        super::service_queries::performance,
        super::verification::verify,
        super::service_audit::service_request_at,
        super::service_audit::access,
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

    /// The vocabularies the read models' views carry, listed from the domain's own types.
    pub use markaz_projections::openapi::{Channel, EscalationLevel, Gender, Outcome, Status};

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
    #[schema(value_type = Option<Status>)]
    pub status: Option<String>,
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

// `/docs` is the Scalar page merged in `routes`, which has no handler
// function of its own to carry the operation: this declaration stands for it.
/// An interactive page for this document (loads its script from a CDN)
#[utoipa::path(get, path = "/docs", tag = "operations",
    responses((status = 200, content_type = "text/html", body = String)))]
#[allow(dead_code)] // the page is served by `Scalar`; this only declares the operation
fn docs() {}

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
