//! Who may see which case, and how much of the complainant they see.
//!
//! Visibility (a case the caller may not see is answered 404, everywhere):
//! * `auditor` sees every case of every markaz;
//! * `supervisor` and `gender_desk` see every case of their own markaz;
//! * `desk` sees the cases of its own markaz that are not gender-desk cases;
//! * `admin` manages officers and sees no case.
//!
//! Masking of personal data (phone, CNIC, address): `desk` needs to call the
//! complainant only while its markaz still works on the case, so `desk` gets
//! the full values only on open cases (filed, acknowledged, referred) of its
//! own markaz; on resolved or withdrawn cases the phone keeps its network
//! prefix and last three digits, the CNIC its first five and last digit, and
//! the address is withheld. Every other role that may see a case sees it in
//! full. The name and gender are never masked for staff: the counter needs them
//! to recognise a returning citizen. The public tracking view carries no
//! personal data at all (see `tracking`).

use markaz_domain::{Cnic, Phone, Role};
use serde_json::Value;

use crate::officers::Principal;

pub use crate::commands::may_see;

/// How much personal data a caller sees on one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disclosure {
    Full,
    Masked,
}

/// The masking rule (see the module doc).
pub fn disclosure(principal: &Principal, markaz: &str, open: bool) -> Disclosure {
    let own_markaz = principal
        .markaz
        .as_ref()
        .is_some_and(|own| own.as_str() == markaz);
    if principal.role == Role::Desk && !(own_markaz && open) {
        Disclosure::Masked
    } else {
        Disclosure::Full
    }
}

/// The complainant as shown to staff: the read model's record, in full or masked.
pub use markaz_projections::ComplainantView;

/// Applies `disclosure` to stored complainant fields.
pub fn complainant_view(
    name: &str,
    gender: &str,
    phone: &str,
    cnic: Option<&str>,
    address: Option<&str>,
    disclosure: Disclosure,
) -> ComplainantView {
    match disclosure {
        Disclosure::Full => ComplainantView {
            name: name.to_owned(),
            gender: gender.to_owned(),
            phone: phone.to_owned(),
            cnic: cnic.map(display_cnic),
            address: address.map(str::to_owned),
            masked: false,
        },
        Disclosure::Masked => ComplainantView {
            name: name.to_owned(),
            gender: gender.to_owned(),
            phone: mask_phone(phone),
            cnic: cnic.map(mask_cnic),
            address: None,
            masked: true,
        },
    }
}

/// The CNIC in its printed form `XXXXX-XXXXXXX-X`, whatever form it is stored in.
pub(crate) fn display_cnic(cnic: &str) -> String {
    Cnic::parse(cnic).map_or_else(|_| cnic.to_owned(), |cnic| cnic.to_string())
}

pub(crate) fn mask_phone(phone: &str) -> String {
    // Stored values always parse; should one not, hide it entirely rather than leak it.
    Phone::parse(phone).map_or_else(|_| "****".to_owned(), |phone| phone.masked())
}

pub(crate) fn mask_cnic(cnic: &str) -> String {
    Cnic::parse(cnic).map_or_else(|_| "*****-*******-*".to_owned(), |cnic| cnic.masked())
}

/// How many trailing symbols of a tracking code staff views show.
const TRACKING_CODE_SHOWN: usize = 5;

/// A tracking code as staff see it: the markaz prefix and the last five
/// symbols, the rest hidden. The code is the citizen's credential (it rates
/// the case), so only the filing answer and the receipt carry it in full.
pub fn mask_tracking_code(code: &str) -> String {
    let symbols = code.chars().filter(|c| *c != '-').count();
    let hidden_until = symbols.saturating_sub(TRACKING_CODE_SHOWN);
    let mut seen = 0;
    code.chars()
        .enumerate()
        .map(|(index, c)| {
            if c == '-' {
                return c;
            }
            seen += 1;
            // The prefix (before the first dash) names the markaz: not secret.
            let in_prefix = code.find('-').is_some_and(|dash| index < dash);
            if in_prefix || seen > hidden_until {
                c
            } else {
                '•'
            }
        })
        .collect()
}

/// Masks the JSON view of a `ComplaintFiled` event (timelines) for staff:
/// the tracking code always, the complainant the same way as
/// `complainant_view`.
pub fn mask_event_data(event_type: &str, data: &mut Value, disclosure: Disclosure) {
    if event_type != "ComplaintFiled" {
        return;
    }
    if let Some(code) = data.get("tracking_code").and_then(Value::as_str) {
        let masked = mask_tracking_code(code);
        data["tracking_code"] = Value::from(masked);
    }
    if disclosure == Disclosure::Full {
        return;
    }
    let Some(complainant) = data.get_mut("complainant").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(phone) = complainant.get("phone").and_then(Value::as_str) {
        let masked = mask_phone(phone);
        complainant.insert("phone".to_owned(), Value::from(masked));
    }
    if let Some(cnic) = complainant.get("cnic").and_then(Value::as_str) {
        let masked = mask_cnic(cnic);
        complainant.insert("cnic".to_owned(), Value::from(masked));
    }
    if complainant.contains_key("address") {
        complainant.insert("address".to_owned(), Value::Null);
    }
    complainant.insert("masked".to_owned(), Value::Bool(true));
}

#[cfg(test)]
mod tests {
    use super::*;
    use markaz_domain::{MarkazCode, OfficerId, PersonName};

    fn officer(role: Role, markaz: Option<&str>) -> Principal {
        Principal {
            officer_id: OfficerId(uuid::Uuid::nil()),
            name: PersonName::parse("Test Officer").unwrap(),
            role,
            markaz: markaz.map(|code| MarkazCode::parse(code).unwrap()),
        }
    }

    #[test]
    fn a_tracking_code_shows_its_markaz_and_last_five_symbols() {
        assert_eq!(
            mask_tracking_code("KCH-7K3M-9PX2-4QRT-B"),
            "KCH-••••-••••-4QRT-B"
        );
        assert_eq!(mask_tracking_code("ABCD"), "ABCD");
    }

    #[test]
    fn visibility_follows_role_markaz_and_gender_desk() {
        let desk = officer(Role::Desk, Some("KCH"));
        assert!(may_see(&desk, "KCH", false));
        assert!(!may_see(&desk, "KCH", true));
        assert!(!may_see(&desk, "QTA", false));
        let gender_desk = officer(Role::GenderDesk, Some("KCH"));
        assert!(may_see(&gender_desk, "KCH", true));
        assert!(!may_see(&gender_desk, "QTA", true));
        let supervisor = officer(Role::Supervisor, Some("KCH"));
        assert!(may_see(&supervisor, "KCH", true));
        assert!(!may_see(&supervisor, "QTA", false));
        let auditor = officer(Role::Auditor, None);
        assert!(may_see(&auditor, "QTA", true));
        let admin = officer(Role::Admin, None);
        assert!(!may_see(&admin, "KCH", false));
    }

    #[test]
    fn desk_sees_full_data_only_on_open_cases_of_its_markaz() {
        let desk = officer(Role::Desk, Some("KCH"));
        assert_eq!(disclosure(&desk, "KCH", true), Disclosure::Full);
        assert_eq!(disclosure(&desk, "KCH", false), Disclosure::Masked);
        assert_eq!(disclosure(&desk, "QTA", true), Disclosure::Masked);
        for role in [Role::GenderDesk, Role::Supervisor, Role::Auditor] {
            let other = officer(role, Some("KCH"));
            assert_eq!(disclosure(&other, "KCH", false), Disclosure::Full, "{role}");
        }
    }

    #[test]
    fn masking_keeps_only_what_identifies_the_record() {
        let view = complainant_view(
            "Ayesha Khan",
            "female",
            "+923001234567",
            Some("4210112345671"),
            Some("House 1, Kuchlak"),
            Disclosure::Masked,
        );
        assert!(view.masked);
        assert!(!view.phone.contains("1234"), "{}", view.phone);
        assert!(view.phone.ends_with("567"), "{}", view.phone);
        let cnic = view.cnic.unwrap();
        assert!(!cnic.contains("1234567"), "{cnic}");
        assert_eq!(view.address, None);
        assert_eq!(view.name, "Ayesha Khan");
    }

    #[test]
    fn filed_event_data_is_masked_like_the_status_view() {
        let mut data = serde_json::json!({
            "complainant": {
                "name": "Ayesha Khan", "gender": "female", "phone": "+923001234567",
                "cnic": "42101-1234567-1", "address": "House 1"
            }
        });
        let untouched = data.clone();
        mask_event_data("ComplaintAcknowledged", &mut data, Disclosure::Masked);
        assert_eq!(data, untouched);
        mask_event_data("ComplaintFiled", &mut data, Disclosure::Full);
        assert_eq!(data, untouched);
        mask_event_data("ComplaintFiled", &mut data, Disclosure::Masked);
        let text = data.to_string();
        assert!(!text.contains("1234567"), "{text}");
        assert!(!text.contains("House 1"), "{text}");
        assert_eq!(data["complainant"]["masked"], true);
    }
}
