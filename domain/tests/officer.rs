//! Given/when/then tests of the officer aggregate.

mod common;

use common::{officer, text, T0};
use markaz_domain::{
    decide_officer, evolve_officer, Actor, MarkazCode, OfficerAction, OfficerCommand, OfficerError,
    OfficerEvent, OfficerId, OfficerState, PersonName, Role,
};
use uuid::Uuid;

fn register(role: Role, markaz: Option<&str>) -> OfficerAction {
    OfficerAction::Register {
        officer_id: OfficerId(Uuid::from_u128(42)),
        name: PersonName::parse("Sub-Inspector Nasreen").unwrap(),
        role,
        markaz: markaz.map(|m| MarkazCode::parse(m).unwrap()),
        token_hash: [7; 32],
        expires_at: None,
    }
}

fn revoke() -> OfficerAction {
    OfficerAction::Revoke {
        reason: Some(text("Transferred")),
    }
}

fn run(
    state: &OfficerState,
    action: OfficerAction,
    actor: Actor,
) -> Result<OfficerState, OfficerError> {
    let command = OfficerCommand {
        command_id: Uuid::from_u128(1),
        at: T0,
        actor,
        action,
    };
    let events = decide_officer(state, &command)?;
    Ok(events
        .iter()
        .fold(state.clone(), |s, e| evolve_officer(s, e, T0)))
}

fn given(actions: &[OfficerAction]) -> OfficerState {
    actions
        .iter()
        .fold(OfficerState::default(), |state, action| {
            run(&state, action.clone(), Actor::System).unwrap()
        })
}

#[test]
fn register_records_the_officer() {
    let state = given(&[register(Role::Desk, Some("KCH"))]);
    assert!(state.is_active());
    assert_eq!(state.role, Some(Role::Desk));
    assert_eq!(state.markaz.as_ref().map(|m| m.as_str()), Some("KCH"));
    assert_eq!(state.token_hash, Some([7; 32]));
    assert_eq!((state.version, state.registered_at), (1, Some(T0)));
}

#[test]
fn register_once() {
    let state = given(&[register(Role::Desk, Some("KCH"))]);
    let error = run(&state, register(Role::Desk, Some("KCH")), Actor::System).unwrap_err();
    assert_eq!(error, OfficerError::AlreadyRegistered);
}

#[test]
fn every_role_but_admin_and_auditor_needs_a_markaz() {
    for role in [Role::Desk, Role::GenderDesk, Role::Supervisor] {
        let error = run(
            &OfficerState::default(),
            register(role, None),
            Actor::System,
        )
        .unwrap_err();
        assert_eq!(error, OfficerError::MarkazRequired { role });
        assert_eq!(error.code(), "markaz_required");
    }
    for role in [Role::Admin, Role::Auditor] {
        assert!(run(
            &OfficerState::default(),
            register(role, None),
            Actor::System
        )
        .is_ok());
    }
}

#[test]
fn revoke_once_and_for_good() {
    let state = given(&[register(Role::Supervisor, Some("KCH")), revoke()]);
    assert!(state.revoked && !state.is_active());
    assert_eq!(state.version, 2);
    assert_eq!(
        run(&state, revoke(), Actor::System).unwrap_err(),
        OfficerError::AlreadyRevoked
    );
    assert_eq!(
        run(&state, register(Role::Desk, Some("KCH")), Actor::System).unwrap_err(),
        OfficerError::AlreadyRegistered
    );
}

#[test]
fn revoking_an_unknown_officer_is_not_found() {
    assert_eq!(
        run(&OfficerState::default(), revoke(), Actor::System).unwrap_err(),
        OfficerError::NotFound
    );
}

#[test]
fn only_admins_and_the_operator_manage_officers() {
    assert!(run(
        &OfficerState::default(),
        register(Role::Desk, Some("KCH")),
        officer(Role::Admin)
    )
    .is_ok());
    for actor in [
        officer(Role::Supervisor),
        officer(Role::Auditor),
        Actor::Citizen,
    ] {
        let error = run(
            &OfficerState::default(),
            register(Role::Desk, Some("KCH")),
            actor,
        )
        .unwrap_err();
        assert!(matches!(error, OfficerError::NotAllowed { .. }));
    }
}

#[test]
fn officer_event_type_names() {
    let state = OfficerState::default();
    let command = OfficerCommand {
        command_id: Uuid::nil(),
        at: T0,
        actor: Actor::System,
        action: register(Role::Admin, None),
    };
    let events = decide_officer(&state, &command).unwrap();
    assert!(matches!(&events[..], [OfficerEvent::Registered(_)]));
    assert_eq!(events[0].type_name(), "OfficerRegistered");
}

#[test]
fn a_rotated_token_replaces_the_old_one_and_may_expire() {
    let expiry = markaz_domain::Timestamp::from_micros(T0.as_micros() + 3_600_000_000);
    let rotate = OfficerAction::RotateToken {
        token_hash: [9; 32],
        expires_at: Some(expiry),
    };
    let state = given(&[register(Role::Desk, Some("KCH")), rotate.clone()]);
    assert_eq!(state.token_hash, Some([9; 32]));
    assert_eq!(state.expires_at, Some(expiry));
    assert!(state.is_active_at(T0));
    assert!(
        !state.is_active_at(expiry),
        "the token is refused from its expiry on"
    );
    // Nobody's token is rotated after revocation, nor before registration.
    let revoked = given(&[register(Role::Desk, Some("KCH")), revoke()]);
    let error = run(&revoked, rotate.clone(), Actor::System).unwrap_err();
    assert_eq!(error, OfficerError::AlreadyRevoked);
    let error = run(&OfficerState::default(), rotate, Actor::System).unwrap_err();
    assert_eq!(error, OfficerError::NotFound);
}
