//! The officer aggregate: registration and revocation of the people who use
//! the service, each in one stream `officer-<uuid>`.
//!
//! Only a hash of an officer's token is ever recorded. A token may carry an
//! expiry, after which it is refused like a revoked one; rotating a token
//! replaces its hash (and expiry) and keeps the officer and their history.

use crate::metadata::{Actor, OfficerId, Role};
use crate::time::Timestamp;
use crate::values::{MarkazCode, PersonName, ShortText};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OfficerEvent {
    Registered(OfficerRegistered),
    Revoked(OfficerRevoked),
    TokenRotated(OfficerTokenRotated),
}

impl OfficerEvent {
    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            OfficerEvent::Registered(_) => "OfficerRegistered",
            OfficerEvent::Revoked(_) => "OfficerRevoked",
            OfficerEvent::TokenRotated(_) => "OfficerTokenRotated",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficerRegistered {
    pub officer_id: OfficerId,
    pub name: PersonName,
    pub role: Role,
    /// The centre the officer works at; `None` only for admins and auditors.
    pub markaz: Option<MarkazCode>,
    /// SHA-256 (or similar) of the bearer token; the token itself is never stored.
    pub token_hash: [u8; 32],
    /// When the token stops working; `None` for a token that does not expire.
    pub expires_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficerRevoked {
    pub reason: Option<ShortText>,
}

/// A new token replaces the officer's old one, which stops working.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficerTokenRotated {
    pub token_hash: [u8; 32],
    /// When the new token stops working; `None` for no expiry.
    pub expires_at: Option<Timestamp>,
}

/// A command on this aggregate (see `Command`).
pub type OfficerCommand = crate::decider::Command<OfficerAction>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OfficerAction {
    Register {
        officer_id: OfficerId,
        name: PersonName,
        role: Role,
        markaz: Option<MarkazCode>,
        token_hash: [u8; 32],
        expires_at: Option<Timestamp>,
    },
    Revoke {
        reason: Option<ShortText>,
    },
    RotateToken {
        token_hash: [u8; 32],
        expires_at: Option<Timestamp>,
    },
}

/// An officer as they stand after their events. `Default` is "not registered".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfficerState {
    pub id: Option<OfficerId>,
    pub name: Option<PersonName>,
    pub role: Option<Role>,
    pub markaz: Option<MarkazCode>,
    pub token_hash: Option<[u8; 32]>,
    pub expires_at: Option<Timestamp>,
    pub registered_at: Option<Timestamp>,
    pub revoked: bool,
    pub revoked_at: Option<Timestamp>,
    /// Number of events folded.
    pub version: u64,
}

impl OfficerState {
    pub fn is_registered(&self) -> bool {
        self.id.is_some()
    }

    /// Whether the officer's token should be accepted (at any time before
    /// its expiry, if it has one: see `is_active_at`).
    pub fn is_active(&self) -> bool {
        self.is_registered() && !self.revoked
    }

    /// Whether the officer's token is accepted at `now`.
    pub fn is_active_at(&self, now: Timestamp) -> bool {
        self.is_active() && self.expires_at.is_none_or(|expiry| now < expiry)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OfficerError {
    #[error("no such officer: check the officer id")]
    NotFound,
    #[error("the officer is already registered: register a new officer with a new id")]
    AlreadyRegistered,
    #[error("the officer is already revoked: register a new officer if they need access again")]
    AlreadyRevoked,
    #[error("a {role} officer needs a markaz: give the code of the centre they work at")]
    MarkazRequired { role: Role },
    #[error("not allowed: {reason}")]
    NotAllowed { reason: String },
}

impl OfficerError {
    /// A stable snake_case code for problem types.
    pub fn code(&self) -> &'static str {
        match self {
            OfficerError::NotFound => "not_found",
            OfficerError::AlreadyRegistered => "already_registered",
            OfficerError::AlreadyRevoked => "already_revoked",
            OfficerError::MarkazRequired { .. } => "markaz_required",
            OfficerError::NotAllowed { .. } => "not_allowed",
        }
    }
}

/// Whether officers of `role` must belong to a markaz: everyone except
/// admins and auditors, who work across centres.
pub fn role_requires_markaz(role: Role) -> bool {
    !matches!(role, Role::Admin | Role::Auditor)
}

/// Decides what `command` does to the officer in `state`. Officers are
/// managed by admins or by the operator on the command line (`Actor::System`).
pub fn decide_officer(
    state: &OfficerState,
    command: &OfficerCommand,
) -> Result<Vec<OfficerEvent>, OfficerError> {
    match &command.actor {
        Actor::System
        | Actor::Officer {
            role: Role::Admin, ..
        } => {}
        _ => {
            return Err(OfficerError::NotAllowed {
                reason: "only an admin may manage officers".to_owned(),
            })
        }
    }
    match &command.action {
        OfficerAction::Register {
            officer_id,
            name,
            role,
            markaz,
            token_hash,
            expires_at,
        } => {
            if state.is_registered() {
                return Err(OfficerError::AlreadyRegistered);
            }
            if markaz.is_none() && role_requires_markaz(*role) {
                return Err(OfficerError::MarkazRequired { role: *role });
            }
            Ok(vec![OfficerEvent::Registered(OfficerRegistered {
                officer_id: *officer_id,
                name: name.clone(),
                role: *role,
                markaz: markaz.clone(),
                token_hash: *token_hash,
                expires_at: *expires_at,
            })])
        }
        OfficerAction::Revoke { reason } => {
            if !state.is_registered() {
                return Err(OfficerError::NotFound);
            }
            if state.revoked {
                return Err(OfficerError::AlreadyRevoked);
            }
            Ok(vec![OfficerEvent::Revoked(OfficerRevoked {
                reason: reason.clone(),
            })])
        }
        OfficerAction::RotateToken {
            token_hash,
            expires_at,
        } => {
            if !state.is_registered() {
                return Err(OfficerError::NotFound);
            }
            if state.revoked {
                return Err(OfficerError::AlreadyRevoked);
            }
            Ok(vec![OfficerEvent::TokenRotated(OfficerTokenRotated {
                token_hash: *token_hash,
                expires_at: *expires_at,
            })])
        }
    }
}

/// Applies one officer event; `at` is its `occurred_at`.
pub fn evolve_officer(
    mut state: OfficerState,
    event: &OfficerEvent,
    at: Timestamp,
) -> OfficerState {
    state.version += 1;
    match event {
        OfficerEvent::Registered(registered) => {
            state.id = Some(registered.officer_id);
            state.name = Some(registered.name.clone());
            state.role = Some(registered.role);
            state.markaz = registered.markaz.clone();
            state.token_hash = Some(registered.token_hash);
            state.expires_at = registered.expires_at;
            state.registered_at = Some(at);
        }
        OfficerEvent::TokenRotated(rotated) => {
            state.token_hash = Some(rotated.token_hash);
            state.expires_at = rotated.expires_at;
        }
        OfficerEvent::Revoked(_) => {
            // Revocation is final: nothing un-revokes an officer.
            state.revoked = true;
            state.revoked_at = Some(at);
        }
    }
    state
}
