//! The category catalogue: what complaints a centre takes and how fast it must
//! acknowledge and resolve each.
//!
//! The catalogue in force when a complaint is filed fixes its deadlines; they
//! are recorded in the `ComplaintFiled` event, so changing the catalogue later
//! never rewrites history.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::calendar::{
    CalendarError, CalendarTable, CalendarTables, DeadlineRule, HolidayEntry, WorkingCalendar,
    MAX_WORKING_DAYS,
};
use crate::values::{CategoryCode, ValueError};

/// One kind of complaint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: CategoryCode,
    pub name_en: String,
    pub name_ur: String,
    /// The offence is usually non-cognizable: police may not act without a
    /// Magistrate's order (s.155 CrPC), which is the bulk of a centre's work.
    /// A triage hint for reports, not a legal ruling on a case.
    pub non_cognizable: bool,
    /// Cases of this category go to the gender desk whoever files them.
    pub gender_sensitive: bool,
    /// The deadline to acknowledge in clock hours (0 when it is given in
    /// working days instead).
    #[serde(default)]
    pub acknowledge_within_hours: u32,
    /// The deadline to resolve in clock hours (0 when it is given in working
    /// days instead).
    #[serde(default)]
    pub resolve_within_hours: u32,
    /// The deadline to acknowledge in working days of the catalogue's
    /// calendar, in place of `acknowledge_within_hours`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledge_within_working_days: Option<u32>,
    /// The deadline to resolve in working days, in place of `resolve_within_hours`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve_within_working_days: Option<u32>,
}

impl Category {
    /// How the deadline to acknowledge is measured.
    pub fn acknowledge_rule(&self) -> DeadlineRule {
        match self.acknowledge_within_working_days {
            Some(days) => DeadlineRule::WorkingDays(days),
            None => DeadlineRule::Hours(self.acknowledge_within_hours),
        }
    }

    /// How the deadline to resolve is measured.
    pub fn resolve_rule(&self) -> DeadlineRule {
        match self.resolve_within_working_days {
            Some(days) => DeadlineRule::WorkingDays(days),
            None => DeadlineRule::Hours(self.resolve_within_hours),
        }
    }
}

/// Why a catalogue file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("the catalogue is not valid TOML of [[category]] tables: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("the catalogue has no [[category]] table: add at least one")]
    Empty,
    #[error("category `{0}` appears more than once: give each category a unique code")]
    DuplicateCode(String),
    #[error("category `{code}`: {problem}")]
    Invalid { code: String, problem: String },
    #[error(transparent)]
    Value(#[from] ValueError),
    #[error("the catalogue's calendar: {0}")]
    Calendar(#[from] CalendarError),
}

/// The categories in force, in display order, and the working calendar
/// their working-day deadlines are counted on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalogue {
    categories: Vec<Category>,
    calendar: WorkingCalendar,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[serde(default)]
    category: Vec<Category>,
    #[serde(default)]
    calendar: Option<CalendarTable>,
    #[serde(default)]
    holiday: Option<Vec<HolidayEntry>>,
}

/// The longest deadline a category may set: ten years.
pub const MAX_DEADLINE_HOURS: u32 = 10 * 366 * 24;

impl Catalogue {
    /// Builds a catalogue, checking codes are unique and deadlines sensible
    /// (at least an hour, at most `MAX_DEADLINE_HOURS`: a deadline is recorded
    /// in every filing, and a typo of a few zeros would be recorded forever).
    pub fn new(categories: Vec<Category>) -> Result<Self, CatalogueError> {
        if categories.is_empty() {
            return Err(CatalogueError::Empty);
        }
        let mut seen = HashSet::new();
        for category in &categories {
            let code = category.code.as_str().to_owned();
            if !seen.insert(code.clone()) {
                return Err(CatalogueError::DuplicateCode(code));
            }
            let invalid = |problem: &str| CatalogueError::Invalid {
                code: code.clone(),
                problem: problem.to_owned(),
            };
            if category.name_en.trim().is_empty() || category.name_ur.trim().is_empty() {
                return Err(invalid("name_en and name_ur must not be empty"));
            }
            for (what, hours, days) in [
                (
                    "acknowledge",
                    category.acknowledge_within_hours,
                    category.acknowledge_within_working_days,
                ),
                (
                    "resolve",
                    category.resolve_within_hours,
                    category.resolve_within_working_days,
                ),
            ] {
                match (hours, days) {
                    (0, None) => {
                        return Err(invalid(&format!(
                            "deadlines must be at least one hour: give {what}_within_hours \
                             or {what}_within_working_days"
                        )))
                    }
                    (1.., Some(_)) => {
                        return Err(invalid(&format!(
                            "give {what}_within_hours or {what}_within_working_days, not both"
                        )))
                    }
                    (_, Some(days)) if days > MAX_WORKING_DAYS => {
                        return Err(invalid(&format!(
                            "deadlines must be at most {MAX_WORKING_DAYS} working days"
                        )))
                    }
                    (hours, _) if hours > MAX_DEADLINE_HOURS => {
                        return Err(invalid(&format!(
                            "deadlines must be at most {MAX_DEADLINE_HOURS} hours (ten years)"
                        )))
                    }
                    _ => {}
                }
            }
            // Rules of one unit compare; hours against working days depend
            // on the day of filing, so they are not compared.
            let shorter = match (category.acknowledge_rule(), category.resolve_rule()) {
                (DeadlineRule::Hours(ack), DeadlineRule::Hours(resolve))
                | (DeadlineRule::WorkingDays(ack), DeadlineRule::WorkingDays(resolve)) => {
                    resolve < ack
                }
                _ => false,
            };
            if shorter {
                return Err(invalid(
                    "the deadline to resolve must not be shorter than the one to acknowledge",
                ));
            }
        }
        Ok(Catalogue {
            categories,
            calendar: WorkingCalendar::default(),
        })
    }

    /// Reads a catalogue from `[[category]]` tables with the fields of
    /// [`Category`], and its calendar from the `[calendar]` and `[[holiday]]`
    /// tables (see [`CalendarTables`]; Pakistan's when absent).
    pub fn from_toml_str(text: &str) -> Result<Self, CatalogueError> {
        let file: CatalogueFile = toml::from_str(text)?;
        let calendar = WorkingCalendar::from_tables(CalendarTables {
            calendar: file.calendar,
            holiday: file.holiday,
        })?;
        Ok(Catalogue::new(file.category)?.with_calendar(calendar))
    }

    /// The same categories counted on another calendar.
    pub fn with_calendar(mut self, calendar: WorkingCalendar) -> Self {
        self.calendar = calendar;
        self
    }

    /// The working calendar in force: the working week and the holidays.
    pub fn calendar(&self) -> &WorkingCalendar {
        &self.calendar
    }

    pub fn get(&self, code: &CategoryCode) -> Option<&Category> {
        self.categories
            .iter()
            .find(|category| &category.code == code)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter()
    }

    pub fn len(&self) -> usize {
        self.categories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }
}

impl Default for Catalogue {
    /// The complaints a Khidmat Markaz takes. Deadlines: acknowledge within a
    /// day, sooner where someone may be in danger (domestic violence 4h,
    /// harassment, threats and police misconduct 8h); police misconduct must
    /// also be resolved within a day, as illegal detention and bribery are
    /// under Punjab's 8787 complaint rules.
    ///
    /// Theft and domestic violence are marked cognizable: theft (s.379 PPC) and
    /// the hurt offences behind most domestic-violence complaints let police
    /// register an FIR and act without a Magistrate's order. The others are
    /// usually handled as non-cognizable matters.
    fn default() -> Self {
        let entry = |code: &str,
                     name_en: &str,
                     name_ur: &str,
                     non_cognizable: bool,
                     gender_sensitive: bool,
                     acknowledge_within_hours: u32,
                     resolve_within_hours: u32| Category {
            code: CategoryCode::parse(code)
                .unwrap_or_else(|_| unreachable!("seed codes are valid")),
            name_en: name_en.to_owned(),
            name_ur: name_ur.to_owned(),
            non_cognizable,
            gender_sensitive,
            acknowledge_within_hours,
            resolve_within_hours,
            acknowledge_within_working_days: None,
            resolve_within_working_days: None,
        };
        Catalogue {
            categories: vec![
                entry("harassment", "Harassment", "ہراسانی", true, true, 8, 72),
                entry(
                    "domestic_violence",
                    "Domestic violence",
                    "گھریلو تشدد",
                    false,
                    true,
                    4,
                    72,
                ),
                entry(
                    "threats_intimidation",
                    "Threats and intimidation",
                    "دھمکیاں اور ڈرانا",
                    true,
                    false,
                    8,
                    72,
                ),
                entry(
                    "theft_report",
                    "Theft report",
                    "چوری کی رپورٹ",
                    false,
                    false,
                    24,
                    336,
                ),
                entry(
                    "lost_documents",
                    "Lost documents",
                    "گمشدہ دستاویزات",
                    true,
                    false,
                    24,
                    72,
                ),
                entry(
                    "fraud_cheating",
                    "Fraud or cheating",
                    "دھوکہ دہی",
                    true,
                    false,
                    24,
                    336,
                ),
                entry(
                    "property_dispute",
                    "Property dispute",
                    "جائیداد کا تنازعہ",
                    true,
                    false,
                    24,
                    336,
                ),
                entry(
                    "nuisance",
                    "Public nuisance",
                    "عوامی پریشانی",
                    true,
                    false,
                    24,
                    168,
                ),
                entry(
                    "police_misconduct",
                    "Police misconduct",
                    "پولیس کی بدسلوکی",
                    true,
                    false,
                    8,
                    24,
                ),
                entry("other", "Other", "دیگر", true, false, 24, 336),
            ],
            calendar: WorkingCalendar::default(),
        }
    }
}
