//! An event this build cannot decode stops the read models loudly (the
//! runner's status, `/readyz`, `markaz audit verify`) but not the instance:
//! commands and timelines read the log itself and go on.

mod audit_support;

use audit_support::{at, ScriptedLog, Server, DAY_ONE, HOUR};
use markaz_api::cli::audit::{undecodable, VerifyArgs};
use markaz_domain::{event_id_for, Actor, EventMetadata, Role};
use markaz_store::{EventStore, ExpectedVersion, NewEvent};
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn an_undecodable_event_stops_the_read_models_but_not_commands_or_timelines() {
    let mut log = ScriptedLog::new();
    let first = log.file(at(DAY_ONE), false).await;
    let second = log.file(at(DAY_ONE + HOUR), false).await;
    // What a newer build might write: a type this build does not know.
    let command = Uuid::from_u128(0xBAD);
    let written = log
        .store
        .append(
            &first.stream_name(),
            ExpectedVersion::Exact(1),
            vec![NewEvent {
                event_type: "ComplaintEscalated".to_owned(),
                schema_version: 1,
                payload: vec![1, 2, 3],
                metadata: EventMetadata {
                    event_id: event_id_for(command, 0),
                    occurred_at: at(DAY_ONE + 2 * HOUR),
                    actor: Actor::System,
                    correlation_id: command,
                    causation_id: command,
                },
            }],
        )
        .await
        .unwrap();
    let bad = written.position;
    let config = log.config();
    let dir = log.into_dir();
    let server = Server::start(dir.path()).await;
    let desk = server.officer(Role::Desk, Some("KCH")).await;
    let auditor = server.officer(Role::Auditor, None).await;

    // A query waiting for the read models past the event is told they stopped.
    let (status, problem) = server
        .get(
            &format!("/api/v1/complaints/{second}?min_position={bad}"),
            Some(&desk),
        )
        .await;
    assert_eq!(status, 503, "{problem}");
    // The instance stays ready, and says on the operations listener why its
    // read models stand still.
    let (status, public) = server.get("/readyz", None).await;
    assert_eq!(
        (status, &public["status"]),
        (200, &json!("ready")),
        "{public}"
    );
    let (status, ready) = server.admin_get("/readyz").await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["status"], "degraded");
    assert_eq!(ready["projections"]["undecodable_position"], bad);
    assert!(
        ready["read_models"]
            .as_str()
            .unwrap()
            .contains(&format!("position {bad}")),
        "{ready}"
    );

    // Commands go on, on other cases and new ones.
    let (status, answer) = server
        .post(
            &format!("/api/v1/complaints/{second}/acknowledge"),
            &desk,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = server
        .post("/api/v1/complaints", &desk, &markaz_tests::theft_report())
        .await;
    assert_eq!(status, 201, "{answer}");
    // The timeline is read from the log.
    let (status, timeline) = server
        .get(
            &format!("/api/v1/complaints/{second}/timeline"),
            Some(&desk),
        )
        .await;
    assert_eq!(status, 200, "{timeline}");
    assert_eq!(timeline["events"].as_array().unwrap().len(), 2);

    // The verification names the event, over HTTP and on the command line.
    let (status, report) = server.get("/api/v1/audit/verify", Some(&auditor)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ok"], true, "the chains are intact: {report}");
    assert_eq!(report["undecodable_count"], 1);
    assert_eq!(report["undecodable"][0]["position"], bad);
    assert_eq!(report["undecodable"][0]["type"], "ComplaintEscalated");
    server.stop().await;
    let found = undecodable(
        &config,
        &VerifyArgs {
            stream: None,
            seal: None,
            public_key: Vec::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(found.undecodable_count, 1);
    assert_eq!(found.undecodable[0].position, bad);
    assert_eq!(found.undecodable[0].stream, first.stream_name());
    assert!(found.undecodable[0].reason.contains("unknown event type"));
}
