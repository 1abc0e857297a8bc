//! The frozen one-byte codes of domain enums in stored payloads.
//!
//! Written out by hand, never derived, so that reordering or adding a domain
//! variant can never change the meaning of stored bytes. Codes are only ever
//! added, never reused.

use crate::audit::{AccessedView, CaseKind};
use crate::metadata::Role;
use crate::service_request::{FieldKind, StationFinding};
use crate::values::{
    Channel, ContactPreference, Deadline, EscalationLevel, Gender, Language, Outcome, ReferralKind,
};

/// A domain enum with a frozen byte code.
pub(crate) trait FrozenCode: Sized + Copy + 'static {
    const FIELD: &'static str;
    const TABLE: &'static [(Self, u8)];
}

pub(crate) fn to_code<T: FrozenCode + PartialEq>(value: T) -> u8 {
    T::TABLE
        .iter()
        .find(|(variant, _)| *variant == value)
        .map(|(_, code)| *code)
        .unwrap_or_else(|| unreachable!("every variant of {} has a code", T::FIELD))
}

pub(crate) fn from_code<T: FrozenCode>(code: u8) -> Option<T> {
    T::TABLE
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(variant, _)| *variant)
}

impl FrozenCode for Gender {
    const FIELD: &'static str = "gender";
    const TABLE: &'static [(Self, u8)] = &[
        (Gender::Female, 0),
        (Gender::Male, 1),
        (Gender::Transgender, 2),
        (Gender::Undisclosed, 3),
    ];
}

impl FrozenCode for Channel {
    const FIELD: &'static str = "channel";
    const TABLE: &'static [(Self, u8)] = &[
        (Channel::Counter, 0),
        (Channel::Phone, 1),
        (Channel::Online, 2),
        (Channel::Email, 3),
    ];
}

impl FrozenCode for ReferralKind {
    const FIELD: &'static str = "kind";
    const TABLE: &'static [(Self, u8)] = &[
        (ReferralKind::PoliceStation, 0),
        (ReferralKind::Magistrate, 1),
        (ReferralKind::Department, 2),
        (ReferralKind::GenderDesk, 3),
    ];
}

impl FrozenCode for Outcome {
    const FIELD: &'static str = "outcome";
    const TABLE: &'static [(Self, u8)] = &[
        (Outcome::Resolved, 0),
        (Outcome::FirRegistered, 1),
        (Outcome::NoAction, 2),
        (Outcome::ReferredToCourt, 3),
    ];
}

impl FrozenCode for Role {
    const FIELD: &'static str = "role";
    const TABLE: &'static [(Self, u8)] = &[
        (Role::Desk, 0),
        (Role::GenderDesk, 1),
        (Role::Supervisor, 2),
        (Role::Auditor, 3),
        (Role::Admin, 4),
    ];
}

impl FrozenCode for AccessedView {
    const FIELD: &'static str = "what";
    const TABLE: &'static [(Self, u8)] = &[
        (AccessedView::CaseView, 0),
        (AccessedView::Timeline, 1),
        (AccessedView::Listing, 2),
        (AccessedView::GenderDeskQueue, 3),
        (AccessedView::AuditHistory, 4),
        (AccessedView::Export, 5),
        (AccessedView::ReceiptReprint, 6),
        (AccessedView::DocumentPrint, 7),
    ];
}

impl FrozenCode for CaseKind {
    const FIELD: &'static str = "kind";
    const TABLE: &'static [(Self, u8)] = &[(CaseKind::Complaint, 0), (CaseKind::ServiceRequest, 1)];
}

impl FrozenCode for Deadline {
    const FIELD: &'static str = "deadline";
    const TABLE: &'static [(Self, u8)] = &[(Deadline::Acknowledge, 0), (Deadline::Resolve, 1)];
}

impl FrozenCode for EscalationLevel {
    const FIELD: &'static str = "level";
    const TABLE: &'static [(Self, u8)] = &[
        (EscalationLevel::Supervisor, 0),
        (EscalationLevel::District, 1),
    ];
}

impl FrozenCode for ContactPreference {
    const FIELD: &'static str = "contact";
    const TABLE: &'static [(Self, u8)] = &[
        (ContactPreference::Sms, 0),
        (ContactPreference::CallOnly, 1),
        (ContactPreference::NoContact, 2),
    ];
}

impl FrozenCode for Language {
    const FIELD: &'static str = "language";
    const TABLE: &'static [(Self, u8)] = &[(Language::Urdu, 0), (Language::English, 1)];
}

impl FrozenCode for FieldKind {
    const FIELD: &'static str = "field kind";
    const TABLE: &'static [(Self, u8)] = &[
        (FieldKind::Cnic, 0),
        (FieldKind::Phone, 1),
        (FieldKind::Date, 2),
        (FieldKind::Address, 3),
        (FieldKind::VehicleRegistration, 4),
        (FieldKind::Text, 5),
    ];
}

impl FrozenCode for StationFinding {
    const FIELD: &'static str = "finding";
    const TABLE: &'static [(Self, u8)] = &[
        (StationFinding::Clear, 0),
        (StationFinding::Adverse, 1),
        (StationFinding::NotFoundAtAddress, 2),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: FrozenCode + PartialEq + std::fmt::Debug>(all: &[T]) {
        assert_eq!(
            T::TABLE.len(),
            all.len(),
            "{} table is incomplete",
            T::FIELD
        );
        for &variant in all {
            assert_eq!(from_code::<T>(to_code(variant)), Some(variant));
        }
        let reused = reused_codes(T::TABLE);
        assert!(
            reused.is_empty(),
            "{} codes {reused:?} are reused",
            T::FIELD
        );
    }

    /// Every code that appears more than once in a table, wherever it sits.
    fn reused_codes<T>(table: &[(T, u8)]) -> Vec<u8> {
        let mut seen = std::collections::HashSet::new();
        table
            .iter()
            .filter(|(_, code)| !seen.insert(*code))
            .map(|(_, code)| *code)
            .collect()
    }

    #[test]
    fn a_reused_code_is_found_wherever_it_sits() {
        // Not adjacent: a check that only compares neighbours would miss it.
        assert_eq!(reused_codes(&[('a', 0), ('b', 1), ('c', 0)]), [0]);
        assert!(reused_codes(&[('a', 0), ('b', 1)]).is_empty());
    }

    #[test]
    fn every_variant_has_a_unique_code() {
        check(Gender::ALL);
        check(Channel::ALL);
        check(ReferralKind::ALL);
        check(Outcome::ALL);
        check(&Role::ALL);
        check(AccessedView::ALL);
        check(Deadline::ALL);
        check(EscalationLevel::ALL);
        check(ContactPreference::ALL);
        check(Language::ALL);
        check(FieldKind::ALL);
        check(StationFinding::ALL);
    }
}
