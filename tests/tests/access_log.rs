//! The access log, batched and indexed: one answer that shows many cases is
//! one `CasesAccessed` event (a 500-row gender-desk list is one event, not
//! 500), a case's access history is read from the read models' index page by
//! page, a service request's reads are recorded as reads of a service request,
//! and `CaseAccessed` events written before the change still count.

use markaz_domain::audit::access_stream;
use markaz_domain::codec::{decode, encode, DomainEvent};
use markaz_domain::{
    AccessedView, Actor, AuditEvent, CaseAccessed, CaseKind, CasesAccessed, ComplaintId,
    EventMetadata, OfficerId, Role, Timestamp,
};
use markaz_store::{ExpectedVersion, NewEvent, RecordedEvent};
use markaz_tests::{harassment_report, spawn_app_with, theft_report, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

async fn app() -> TestApp {
    // Hundreds of filings from one token: the staff limit is not under test.
    spawn_app_with(|config| config.staff_rate_limit = 1_000_000).await
}

/// Every event of the log, in order.
async fn whole_log(app: &TestApp) -> Vec<RecordedEvent> {
    let store = &app.state().store;
    let mut events = Vec::new();
    loop {
        let after = events
            .last()
            .map_or(0, |last: &RecordedEvent| last.position);
        let page = store.read_all(after, 1_000).await.expect("the store reads");
        if page.is_empty() {
            return events;
        }
        events.extend(page);
    }
}

/// The batched access events of the log.
fn batches(events: &[RecordedEvent]) -> Vec<CasesAccessed> {
    events
        .iter()
        .filter_map(
            |event| match decode(&event.event_type, event.schema_version, &event.payload) {
                Ok(DomainEvent::Audit(AuditEvent::CasesAccessed(batch))) => Some(batch),
                _ => None,
            },
        )
        .collect()
}

async fn history(app: &TestApp, auditor: &str, path: &str) -> Value {
    app.get(path, Some(auditor)).await.expect(200).clone()
}

fn whats(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["what"].as_str().expect("a what").to_owned())
        .collect()
}

#[tokio::test]
async fn a_list_of_500_gender_desk_cases_is_one_event_and_each_case_shows_the_read() {
    let app = app().await;
    let gender_desk = app.officer(Role::GenderDesk, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let mut filed = Vec::new();
    for _ in 0..500 {
        filed.push(app.file(&gender_desk, &harassment_report()).await);
    }
    let last = filed.last().expect("a filing")["position"]
        .as_u64()
        .expect("a position");

    let before = whole_log(&app).await.len();
    let list = app
        .get(
            &format!("/api/v1/complaints?limit=500&min_position={last}"),
            Some(&gender_desk),
        )
        .await;
    let rows = list.expect(200)["items"].as_array().expect("items").len();
    assert_eq!(rows, 500, "{}", list.text);
    let log = whole_log(&app).await;
    assert_eq!(
        log.len(),
        before + 1,
        "a 500-row list must append exactly one access event"
    );
    let batch = &batches(&log)[0];
    assert_eq!(batch.what, AccessedView::Listing);
    assert_eq!(batch.role, Role::GenderDesk);
    assert_eq!(batch.cases.len(), 500);
    assert!(batch
        .cases
        .iter()
        .all(|read| read.gender_desk && read.case.kind() == CaseKind::Complaint));
    let appended = log.last().expect("the access event");
    assert!(
        appended.stream.starts_with("access-officer-"),
        "{}",
        appended.stream
    );

    // Each case's history shows that one read, from the index.
    for case in [&filed[0], &filed[499]] {
        let id = case["id"].as_str().expect("an id");
        let page = history(
            &app,
            &auditor,
            &format!("/api/v1/audit/complaints/{id}/access"),
        )
        .await;
        assert_eq!(whats(&page), ["listing"], "{page}");
        assert_eq!(page["kind"], "complaint");
        assert_eq!(page["entries"][0]["role"], "gender_desk");
        assert_eq!(page["entries"][0]["gender_desk"], true);
        assert_eq!(page["entries"][0]["personal_data"], false);
        assert_eq!(page["entries"][0]["officer"]["name"], "Test gender_desk");
    }
}

#[tokio::test]
async fn a_case_history_comes_page_by_page_in_log_order() {
    let app = app().await;
    let gender_desk = app.officer(Role::GenderDesk, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let filed = app.file(&gender_desk, &harassment_report()).await;
    let id = filed["id"].as_str().expect("an id").to_owned();
    let position = filed["position"].as_u64().expect("a position");
    let reads = [
        format!("/api/v1/complaints/{id}?min_position={position}"),
        format!("/api/v1/complaints/{id}/timeline"),
        format!("/api/v1/complaints?min_position={position}"),
        // The queue shows no personal data and is not recorded.
        format!("/api/v1/gender-desk/queue?min_position={position}"),
        format!("/api/v1/complaints/{id}"),
        format!("/api/v1/complaints/{id}/timeline"),
        format!("/api/v1/complaints/{id}"),
    ];
    for path in &reads {
        app.get(path, Some(&gender_desk)).await.expect(200);
    }
    let path = format!("/api/v1/audit/complaints/{id}/access");
    let whole = history(&app, &auditor, &path).await;
    assert_eq!(
        whats(&whole),
        [
            "case_view",
            "timeline",
            "listing",
            "case_view",
            "timeline",
            "case_view"
        ],
        "{whole}"
    );
    assert!(whole["next_cursor"].is_null());

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(cursor) => format!("{path}?limit=2&cursor={cursor}"),
            None => format!("{path}?limit=2"),
        };
        let page = history(&app, &auditor, &query).await;
        pages += 1;
        // Full pages, the last one too: no empty page after it.
        assert_eq!(page["entries"].as_array().expect("entries").len(), 2);
        assert_eq!(page["kind"], "complaint");
        seen.extend(whats(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "the pages never end: {page}");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, whats(&whole));
    let positions: Vec<u64> = whole["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["position"].as_u64().expect("a position"))
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{whole}"
    );

    for bad in ["?cursor=later", "?limit=0", "?limit=1001"] {
        app.get(&format!("{path}{bad}"), Some(&auditor))
            .await
            .expect(400);
    }
    // Masked reads of an ordinary case record nothing.
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let theft = app.file(&desk, &theft_report()).await;
    let theft_id = theft["id"].as_str().expect("an id");
    app.get(
        &format!(
            "/api/v1/complaints?min_position={}",
            theft["position"].as_u64().expect("a position")
        ),
        Some(&desk),
    )
    .await
    .expect(200);
    let page = history(
        &app,
        &auditor,
        &format!("/api/v1/audit/complaints/{theft_id}/access"),
    )
    .await;
    assert_eq!(page["entries"], json!([]));
}

fn fir_copy_request() -> Value {
    json!({
        "service": "fir_copy",
        "applicant": {
            "name": "Gul Khan",
            "phone": "03001112233",
            "cnic": "54400-1112223-3"
        },
        "fields": { "fir_number": "112/2026", "police_station": "PS Kuchlak" },
        "documents_checked": {"Original CNIC of the applicant": true}
    })
}

async fn service_request(app: &TestApp, token: &str) -> (String, u64) {
    let requested = app
        .post("/api/v1/service-requests", Some(token), &fir_copy_request())
        .await
        .expect(201)
        .clone();
    (
        requested["id"].as_str().expect("an id").to_owned(),
        requested["position"].as_u64().expect("a position"),
    )
}

#[tokio::test]
async fn a_service_request_read_is_recorded_as_one() {
    let app = app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let (id, position) = service_request(&app, &desk).await;
    app.get(
        &format!("/api/v1/service-requests/{id}?min_position={position}"),
        Some(&desk),
    )
    .await
    .expect(200);

    let log = whole_log(&app).await;
    let batch = batches(&log).pop().expect("the read is recorded");
    assert_eq!(batch.cases.len(), 1);
    assert_eq!(batch.cases[0].case.kind(), CaseKind::ServiceRequest);
    assert_eq!(batch.cases[0].case.uuid().to_string(), id);
    assert!(batch.cases[0].personal_data);

    let page = history(
        &app,
        &auditor,
        &format!("/api/v1/audit/service-requests/{id}/access"),
    )
    .await;
    assert_eq!(page["kind"], "service_request", "{page}");
    assert_eq!(whats(&page), ["case_view"], "{page}");
    assert_eq!(page["entries"][0]["role"], "desk");
    // Not a complaint's history.
    let as_complaint = history(
        &app,
        &auditor,
        &format!("/api/v1/audit/complaints/{id}/access"),
    )
    .await;
    assert_eq!(as_complaint["entries"], json!([]), "{as_complaint}");
}

/// Appends a `CaseAccessed` exactly as builds before the batched event wrote
/// it: version 1, in the case's own stream `access-<uuid>`.
async fn append_old_access(app: &TestApp, case: Uuid, what: AccessedView, seq: u128) -> u64 {
    let event = DomainEvent::Audit(AuditEvent::CaseAccessed(CaseAccessed {
        complaint_id: ComplaintId::from_uuid(case),
        officer: OfficerId(Uuid::from_u128(0x0192_f3a0_0000_7000_8000_0000_0000_0077)),
        role: Role::Supervisor,
        what,
        personal_data: true,
        gender_desk: false,
    }));
    let encoded = encode(&event);
    assert_eq!(
        (encoded.event_type, encoded.schema_version),
        ("CaseAccessed", 1)
    );
    let event_id = Uuid::from_u128(0x0192_f3a0_0000_7000_8000_0000_0001_0000 + seq);
    app.state()
        .store
        .append(
            &access_stream(ComplaintId::from_uuid(case)),
            ExpectedVersion::Any,
            vec![NewEvent {
                event_type: encoded.event_type.to_owned(),
                schema_version: encoded.schema_version,
                payload: encoded.payload,
                metadata: EventMetadata {
                    event_id,
                    occurred_at: Timestamp::from_micros(1_780_000_000_000_000),
                    actor: Actor::Officer {
                        id: OfficerId(Uuid::from_u128(0x0192_f3a0_0000_7000_8000_0000_0000_0077)),
                        role: Role::Supervisor,
                    },
                    correlation_id: event_id,
                    causation_id: event_id,
                },
            }],
        )
        .await
        .expect("the old event is appended")
        .position
}

#[tokio::test]
async fn access_events_written_before_the_change_still_count() {
    let app = app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let filed = app.file(&desk, &theft_report()).await;
    let complaint = filed["id"].as_str().expect("an id").to_owned();
    let (request, _) = service_request(&app, &desk).await;

    // The old builds recorded both reads as complaint reads in `access-<id>`.
    let case = Uuid::try_parse(&complaint).expect("a uuid");
    append_old_access(&app, case, AccessedView::Timeline, 1).await;
    let request_uuid = Uuid::try_parse(&request).expect("a uuid");
    let old = append_old_access(&app, request_uuid, AccessedView::CaseView, 2).await;

    // New reads of both, recorded the new way.
    app.get(
        &format!("/api/v1/complaints/{complaint}?min_position={old}"),
        Some(&supervisor),
    )
    .await
    .expect(200);
    app.get(
        &format!("/api/v1/service-requests/{request}?min_position={old}"),
        Some(&supervisor),
    )
    .await
    .expect(200);

    let page = history(
        &app,
        &auditor,
        &format!("/api/v1/audit/complaints/{complaint}/access"),
    )
    .await;
    assert_eq!(whats(&page), ["timeline", "case_view"], "{page}");
    assert_eq!(page["entries"][0]["role"], "supervisor");
    assert_eq!(page["entries"][0]["at"], "2026-05-28T20:26:40.000000Z");
    assert_eq!(page["entries"][0]["officer"]["name"], Value::Null);
    assert_eq!(page["entries"][1]["officer"]["name"], "Test supervisor");

    // The old read of the request named it a complaint: it shows in the
    // request's history, beside the new one.
    let page = history(
        &app,
        &auditor,
        &format!("/api/v1/audit/service-requests/{request}/access"),
    )
    .await;
    assert_eq!(whats(&page), ["case_view", "case_view"], "{page}");
    assert_eq!(page["entries"][0]["at"], "2026-05-28T20:26:40.000000Z");
    assert_eq!(page["kind"], "service_request");
}

#[tokio::test]
async fn an_export_records_the_service_requests_it_shows_as_theirs() {
    let app = app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let (id, _) = service_request(&app, &desk).await;
    let export = app.get("/api/v1/audit/export", Some(&auditor)).await;
    assert_eq!(export.status, 200);

    let log = whole_log(&app).await;
    let exported: Vec<_> = batches(&log)
        .into_iter()
        .filter(|batch| batch.what == AccessedView::Export)
        .collect();
    assert_eq!(exported.len(), 1, "one record for the one page");
    let case = &exported[0].cases[0];
    assert_eq!(case.case.kind(), CaseKind::ServiceRequest);
    assert_eq!(case.case.uuid().to_string(), id);
    assert!(case.personal_data);

    let page = history(
        &app,
        &auditor,
        &format!("/api/v1/audit/service-requests/{id}/access"),
    )
    .await;
    assert_eq!(whats(&page), ["export"], "{page}");
}
