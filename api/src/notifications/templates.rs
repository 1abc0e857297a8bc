//! What a complainant is told, and when: which complaint events call for a
//! message (`intent`), whether this complainant may be written to at all
//! (`may_text`), and the message in their language from the Fluent files
//! `assets/notifications/{ur,en}.ftl`.
//!
//! Safe contact: a gender-desk case is written to only if the complainant
//! chose SMS at filing, and then only in neutral words (`received`,
//! `updated`) that name no category, desk or referral and carry no link.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use markaz_domain::{
    ComplaintEvent, ComplaintFiled, ContactPreference, Language, ReferralKind, Timestamp,
    TrackingCode,
};

const URDU: &str = include_str!("../../assets/notifications/ur.ftl");
const ENGLISH: &str = include_str!("../../assets/notifications/en.ftl");

/// The longest referral destination put into a message, in characters.
const MAX_UNIT_CHARS: usize = 16;

/// What the outbox knows of a case to write about it.
#[derive(Clone, Debug)]
pub struct CaseContact {
    pub tracking_code: TrackingCode,
    pub phone: markaz_domain::Phone,
    pub language: Language,
    pub contact: Option<ContactPreference>,
    /// A gender-desk case now (at filing, or referred to the desk since).
    pub gender_desk: bool,
    pub resolve_by: Timestamp,
}

impl CaseContact {
    pub fn from_filing(filed: &ComplaintFiled) -> Self {
        CaseContact {
            tracking_code: filed.tracking_code.clone(),
            phone: filed.complainant.phone.clone(),
            language: filed.language,
            contact: filed.contact,
            gender_desk: filed.gender_desk,
            resolve_by: filed.resolve_by,
        }
    }

    /// Whether the complainant may be sent an SMS: for a gender-desk case
    /// only if they chose SMS; otherwise unless they declined it.
    pub fn may_text(&self) -> bool {
        match self.contact {
            Some(ContactPreference::Sms) => true,
            Some(ContactPreference::CallOnly | ContactPreference::NoContact) => false,
            None => !self.gender_desk,
        }
    }
}

/// A message to write: its template and the values it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intent {
    pub template: &'static str,
    pub to_unit: Option<String>,
    /// The new expected date after a missed deadline (`YYYY-MM-DD`).
    pub date: Option<String>,
}

/// The message `event` calls for on a case like `case`, if any. A referral
/// to the gender desk is already a gender-desk case's (`case` is updated
/// before this is asked).
pub fn intent(
    event: &ComplaintEvent,
    case: &CaseContact,
    local_date: impl Fn(Timestamp) -> String,
) -> Option<Intent> {
    let plain = |template| Intent {
        template,
        to_unit: None,
        date: None,
    };
    let neutral = case.gender_desk;
    let intent = match event {
        ComplaintEvent::Filed(_) if neutral => plain("received"),
        ComplaintEvent::Filed(_) => plain("filed"),
        ComplaintEvent::Acknowledged(_)
        | ComplaintEvent::Referred(_)
        | ComplaintEvent::Resolved(_)
        | ComplaintEvent::Reopened(_)
        | ComplaintEvent::DeadlineMissed(_)
            if neutral =>
        {
            plain("updated")
        }
        ComplaintEvent::Acknowledged(_) => plain("acknowledged"),
        ComplaintEvent::Referred(referred) => {
            let template = match referred.kind {
                ReferralKind::PoliceStation => "referred-police_station",
                ReferralKind::Magistrate => "referred-magistrate",
                ReferralKind::Department => "referred-department",
                // The case is a gender-desk case from now on.
                ReferralKind::GenderDesk => "updated",
            };
            Intent {
                template,
                to_unit: Some(referred.to.as_str().chars().take(MAX_UNIT_CHARS).collect()),
                date: None,
            }
        }
        ComplaintEvent::Resolved(_) => plain("resolved"),
        ComplaintEvent::Reopened(_) => plain("reopened"),
        ComplaintEvent::DeadlineMissed(missed) => {
            // Acknowledging late still leaves the promise to resolve; a
            // missed resolution is promised three days on.
            let expected = match missed.deadline {
                markaz_domain::Deadline::Acknowledge => case.resolve_by,
                markaz_domain::Deadline::Resolve => missed.due_at.plus_days(3),
            };
            Intent {
                template: "deadline-missed",
                to_unit: None,
                date: Some(local_date(expected)),
            }
        }
        ComplaintEvent::Rated(_)
        | ComplaintEvent::Withdrawn(_)
        | ComplaintEvent::DeadlineReminder(_)
        | ComplaintEvent::Escalated(_) => return None,
    };
    Some(intent)
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(language: Language) -> &'static Bundle {
    static URDU_BUNDLE: OnceLock<Bundle> = OnceLock::new();
    static ENGLISH_BUNDLE: OnceLock<Bundle> = OnceLock::new();
    let (cell, source, tag) = match language {
        Language::Urdu => (&URDU_BUNDLE, URDU, "ur"),
        Language::English => (&ENGLISH_BUNDLE, ENGLISH, "en"),
    };
    cell.get_or_init(|| {
        let lang = tag
            .parse()
            .unwrap_or_else(|_| unreachable!("ur and en are language tags"));
        let mut bundle = FluentBundle::new_concurrent(vec![lang]);
        // No isolation marks: they are invisible, cost SMS units and show as
        // boxes on some phones.
        bundle.set_use_isolating(false);
        let resource = FluentResource::try_new(source.to_owned())
            .unwrap_or_else(|(_, errors)| panic!("notification templates: {errors:?}"));
        if let Err(errors) = bundle.add_resource(resource) {
            panic!("notification templates: {errors:?}");
        }
        bundle
    })
}

/// The text of `intent` for `case`, with the tracking `link` (empty for
/// neutral messages, which carry none). A unit name that would take the
/// message past two SMS parts (an Urdu name makes an English message UCS-2)
/// is shortened until it fits.
pub fn render(intent: &Intent, case: &CaseContact, link: &str) -> String {
    let mut intent = intent.clone();
    loop {
        let text = render_once(&intent, case, link);
        let unit_chars = intent
            .to_unit
            .as_ref()
            .map_or(0, |unit| unit.chars().count());
        if unit_chars == 0 || crate::notifications::segments::count(&text).parts <= 2 {
            return text;
        }
        intent.to_unit = intent
            .to_unit
            .map(|unit| unit.chars().take(unit_chars - 1).collect());
    }
}

fn render_once(intent: &Intent, case: &CaseContact, link: &str) -> String {
    let bundle = bundle(case.language);
    let key = format!("sms-{}", intent.template);
    let Some(pattern) = bundle.get_message(&key).and_then(|message| message.value()) else {
        // Every template is tested in both languages; this is a build fault.
        return format!("{} {}", case.tracking_code.as_str(), link);
    };
    let mut args = FluentArgs::new();
    args.set("code", FluentValue::from(case.tracking_code.as_str()));
    args.set("link", FluentValue::from(link));
    if let Some(unit) = &intent.to_unit {
        args.set("to", FluentValue::from(unit.as_str()));
    }
    if let Some(date) = &intent.date {
        args.set("date", FluentValue::from(date.as_str()));
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
    text.trim().to_owned()
}

/// Every template name, for tests and the operator's documentation.
pub const TEMPLATES: &[&str] = &[
    "filed",
    "acknowledged",
    "referred-police_station",
    "referred-magistrate",
    "referred-department",
    "resolved",
    "reopened",
    "deadline-missed",
    "received",
    "updated",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifications::segments;
    use markaz_domain::{MarkazCode, Phone};

    fn case(language: Language) -> CaseContact {
        let markaz = MarkazCode::parse("KCHLKQTA0001").unwrap();
        CaseContact {
            tracking_code: TrackingCode::from_random(&markaz, u64::MAX),
            phone: Phone::parse("03001234567").unwrap(),
            language,
            contact: None,
            gender_desk: false,
            resolve_by: Timestamp::from_micros(0),
        }
    }

    #[test]
    fn every_template_fits_in_two_parts_in_both_languages_with_the_longest_values() {
        // The longest public URL the templates are written for: 37 characters.
        let origin = "https://pkm-kuchla.balochistan.gov.pk";
        assert_eq!(origin.len(), 37);
        for language in [Language::Urdu, Language::English] {
            let link = format!("{origin}/track/{}", case(language).tracking_code.as_str());
            assert_eq!(link.len(), 64);
            for template in TEMPLATES {
                let intent = Intent {
                    template,
                    to_unit: Some("ق".repeat(MAX_UNIT_CHARS)),
                    date: Some("2027-12-31".to_owned()),
                };
                let text = render(&intent, &case(language), &link);
                assert!(!text.contains('{'), "{template}: {text}");
                let parts = segments::count(&text).parts;
                assert!(
                    parts <= 2,
                    "{language:?} {template} takes {parts} parts: {text}"
                );
            }
        }
    }

    #[test]
    fn a_gender_desk_case_is_written_to_only_if_sms_was_chosen() {
        let mut desk = case(Language::Urdu);
        desk.gender_desk = true;
        assert!(!desk.may_text(), "not asked: no message");
        desk.contact = Some(ContactPreference::CallOnly);
        assert!(!desk.may_text());
        desk.contact = Some(ContactPreference::Sms);
        assert!(desk.may_text());
        let mut other = case(Language::Urdu);
        assert!(other.may_text(), "not asked, not the desk: SMS");
        other.contact = Some(ContactPreference::NoContact);
        assert!(!other.may_text());
    }
}
