//! The complaint and officer aggregates run through the command loop against
//! the embedded store, with the real domain rules and codec.

use markaz_domain::catalogue::Category;
use markaz_domain::complaint::{
    Complainant, ComplaintAction, ComplaintCommand, ComplaintEvent, ComplaintStatus, DomainError,
    FileComplaint,
};
use markaz_domain::decider::{ComplaintDecider as Complaint, OfficerDecider as Officer};
use markaz_domain::metadata::{Actor, OfficerId, Role};
use markaz_domain::officer::{OfficerAction, OfficerCommand, OfficerError};
use markaz_domain::time::Timestamp;
use markaz_domain::values::{
    CategoryCode, Channel, ComplaintId, Description, Gender, MarkazCode, PersonName, Phone,
    TrackingCode,
};
use markaz_store::command_loop::{handle_command, load, CommandError, CommandMeta};
use markaz_store::hash_chain::verify_all;
use markaz_store::SqliteStore;
use uuid::Uuid;

const FILED_AT: i64 = 1_764_000_000_000_000;

fn desk_officer() -> Actor {
    Actor::Officer {
        id: OfficerId(Uuid::from_u128(42)),
        role: Role::Desk,
    }
}

fn meta_for(command_id: Uuid, at: Timestamp, actor: &Actor) -> CommandMeta {
    CommandMeta {
        command_id,
        at,
        actor: actor.clone(),
        correlation_id: Uuid::new_v4(),
        causation_id: command_id,
    }
}

fn command(id: Uuid, minutes: i64, action: ComplaintAction) -> ComplaintCommand {
    ComplaintCommand {
        command_id: id,
        at: Timestamp::from_micros(FILED_AT + minutes * 60_000_000),
        actor: desk_officer(),
        action,
    }
}

fn filing(complaint_id: ComplaintId) -> ComplaintAction {
    let markaz = MarkazCode::parse("QTA01").expect("markaz code");
    ComplaintAction::File(FileComplaint {
        complaint_id,
        tracking_code: TrackingCode::from_random(&markaz, 7),
        markaz,
        category: Category {
            code: CategoryCode::parse("theft").expect("category code"),
            name_en: "Theft".into(),
            name_ur: "چوری".into(),
            non_cognizable: false,
            gender_sensitive: false,
            acknowledge_within_hours: 8,
            resolve_within_hours: 72,
            acknowledge_within_working_days: None,
            resolve_within_working_days: None,
        },
        calendar: markaz_domain::WorkingCalendar::pakistan(),
        complainant: Complainant {
            name: PersonName::parse("Ayesha Khan").expect("name"),
            gender: Gender::Female,
            phone: Phone::parse("03001234567").expect("phone"),
            cnic: None,
            address: None,
        },
        description: Description::parse("Motorcycle stolen near the bazaar").expect("text"),
        location: None,
        channel: Channel::Counter,
        gender_desk_requested: false,
        contact: None,
        language: markaz_domain::Language::Urdu,
    })
}

async fn handle(
    store: &SqliteStore,
    id: ComplaintId,
    command: ComplaintCommand,
) -> Result<markaz_store::command_loop::Handled<Complaint>, CommandError<DomainError>> {
    let meta = meta_for(command.command_id, command.at, &command.actor);
    handle_command::<Complaint>(store, &id.stream_name(), &command, &meta).await
}

#[tokio::test]
async fn a_complaint_is_filed_acknowledged_and_loaded() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("events.db")).expect("open");
    let id = ComplaintId::from_uuid(Uuid::new_v4());

    let filed = handle(&store, id, command(Uuid::new_v4(), 0, filing(id)))
        .await
        .expect("file");
    assert_eq!(filed.version, 1);
    assert_eq!(filed.state.status, Some(ComplaintStatus::Filed));

    let ack = command(
        Uuid::new_v4(),
        30,
        ComplaintAction::Acknowledge { note: None },
    );
    let acknowledged = handle(&store, id, ack.clone()).await.expect("acknowledge");
    assert_eq!(acknowledged.version, 2);
    assert_eq!(
        acknowledged.state.status,
        Some(ComplaintStatus::Acknowledged)
    );

    // The same request again (same command id) gets the same answer.
    let repeated = handle(&store, id, ack).await.expect("repeat");
    assert_eq!(
        (repeated.version, repeated.position),
        (acknowledged.version, acknowledged.position)
    );

    // A different acknowledgement is refused by the domain.
    let again = handle(
        &store,
        id,
        command(
            Uuid::new_v4(),
            40,
            ComplaintAction::Acknowledge { note: None },
        ),
    )
    .await;
    assert!(matches!(again, Err(CommandError::Domain(_))), "{again:?}");

    let loaded = load::<Complaint>(&store, &id.stream_name())
        .await
        .expect("load");
    let (state, events) = (loaded.state, loaded.events);
    assert_eq!(state.version, 2);
    assert!(matches!(events[0].event, ComplaintEvent::Filed(_)));
    assert!(matches!(events[1].event, ComplaintEvent::Acknowledged(_)));
    assert_eq!(events[1].recorded.metadata.actor, desk_officer());
    assert!(verify_all(&store).await.expect("verify").is_ok());
}

#[tokio::test]
async fn an_officer_is_registered_and_revoked() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("events.db")).expect("open");
    let officer_id = OfficerId(Uuid::new_v4());
    let stream = officer_id.stream_name();
    let at = Timestamp::from_micros(FILED_AT);
    let register = OfficerCommand {
        command_id: Uuid::new_v4(),
        at,
        actor: Actor::System,
        action: OfficerAction::Register {
            officer_id,
            name: PersonName::parse("Bilal Ahmed").expect("name"),
            role: Role::Desk,
            markaz: Some(MarkazCode::parse("QTA01").expect("markaz")),
            token_hash: [7; 32],
            expires_at: None,
        },
    };
    let meta = meta_for(register.command_id, at, &Actor::System);
    let registered = handle_command::<Officer>(&store, &stream, &register, &meta)
        .await
        .expect("register");
    assert!(registered.state.is_active());

    let revoke = OfficerCommand {
        command_id: Uuid::new_v4(),
        at,
        actor: Actor::System,
        action: OfficerAction::Revoke { reason: None },
    };
    let meta = meta_for(revoke.command_id, at, &Actor::System);
    handle_command::<Officer>(&store, &stream, &revoke, &meta)
        .await
        .expect("revoke");
    let meta = meta_for(Uuid::new_v4(), at, &Actor::System);
    let twice = handle_command::<Officer>(&store, &stream, &revoke, &meta).await;
    assert!(matches!(
        twice,
        Err(CommandError::Domain(OfficerError::AlreadyRevoked))
    ));
    let loaded = load::<Officer>(&store, &officer_id.stream_name())
        .await
        .expect("load");
    let (state, events) = (loaded.state, loaded.events);
    assert!(state.revoked);
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn an_officer_stream_does_not_load_as_a_complaint() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("events.db")).expect("open");
    let id = ComplaintId::from_uuid(Uuid::new_v4());
    let at = Timestamp::from_micros(FILED_AT);
    let revoke = OfficerCommand {
        command_id: Uuid::new_v4(),
        at,
        actor: Actor::System,
        action: OfficerAction::Revoke { reason: None },
    };
    // Write an officer event into the complaint's stream by hand.
    let meta = meta_for(Uuid::new_v4(), at, &Actor::System);
    let refused = handle_command::<Officer>(&store, &id.stream_name(), &revoke, &meta).await;
    assert!(matches!(
        refused,
        Err(CommandError::Domain(OfficerError::NotFound))
    ));
    let event = markaz_domain::codec::encode(&markaz_domain::codec::DomainEvent::Officer(
        markaz_domain::officer::OfficerEvent::Revoked(markaz_domain::officer::OfficerRevoked {
            reason: None,
        }),
    ));
    markaz_store::EventStore::append(
        &store,
        &id.stream_name(),
        markaz_store::ExpectedVersion::NoStream,
        vec![markaz_store::NewEvent {
            event_type: event.event_type.to_owned(),
            schema_version: event.schema_version,
            payload: event.payload,
            metadata: markaz_domain::metadata::EventMetadata {
                event_id: Uuid::new_v4(),
                occurred_at: at,
                actor: Actor::System,
                correlation_id: Uuid::new_v4(),
                causation_id: Uuid::new_v4(),
            },
        }],
    )
    .await
    .expect("append");
    let loaded = load::<Complaint>(&store, &id.stream_name()).await;
    assert!(
        matches!(loaded, Err(CommandError::Decode { version: 1, .. })),
        "{:?}",
        loaded.err()
    );
}
