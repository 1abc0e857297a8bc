//! The CSV export: one row per complaint with its lifecycle timestamps, for
//! auditors and spreadsheets.
//!
//! Rows come in filing order. Times are RFC 3339 UTC with microseconds;
//! empty cells mean "did not happen". The SLA columns judge each deadline as
//! of a given instant with the same rules as the staff status view: the
//! acknowledgement deadline is met by the first officer action
//! (acknowledgement, referral, resolution or withdrawal), the resolution
//! deadline by the latest resolution; a case withdrawn in time without a
//! resolution is `not_applicable`. Personal data (names, phones, CNICs,
//! addresses, descriptions) is left out.
//!
//! Quoting follows RFC 4180 (CRLF line ends, fields with a comma, quote or
//! line break in double quotes, quotes doubled). Free text written by
//! officers that starts with `=`, `+`, `-`, `@` or a tab gets a leading `'`
//! so that a spreadsheet shows it instead of running it as a formula.

use std::collections::HashMap;
use std::io::Write;

use markaz_domain::codec::DomainEvent;
use markaz_domain::complaint::ComplaintEvent;
use markaz_domain::time::Timestamp;

use super::PAGE;
use crate::contract::{EventStore, RecordedEvent, StoreError};
use crate::log_pages::LogPages;

/// The stream prefix of complaints.
const COMPLAINT_PREFIX: &str = "complaint-";

/// The header row, in column order.
pub const COLUMNS: [&str; 28] = [
    "complaint_id",
    "tracking_code",
    "markaz",
    "category",
    "channel",
    "gender_desk",
    "non_cognizable",
    "status",
    "filed_at",
    "acknowledge_by",
    "acknowledged_at",
    "first_action_at",
    "acknowledgement_sla",
    "first_referral_at",
    "first_referral_to",
    "first_referral_kind",
    "referrals",
    "current_unit",
    "resolve_by",
    "resolved_at",
    "outcome",
    "resolution_sla",
    "withdrawn_at",
    "reopen_count",
    "rating",
    "rated_at",
    "version",
    "last_event_at",
];

/// Why the CSV export failed.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "event {version} of {stream} (position {position}) cannot be decoded: {reason}; \
         export with a Markaz build that knows this event"
    )]
    Undecodable {
        stream: String,
        version: u64,
        position: u64,
        reason: String,
    },
    #[error("event {version} of {stream} comes before the complaint was filed; verify the log")]
    NotFiled { stream: String, version: u64 },
    #[error("cannot write the CSV: {0}")]
    Write(#[from] std::io::Error),
}

/// Where a complaint stands against one deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlaState {
    Pending,
    Met,
    Breached,
    NotApplicable,
}

impl SlaState {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::Pending => "pending",
            SlaState::Met => "met",
            SlaState::Breached => "breached",
            SlaState::NotApplicable => "not_applicable",
        }
    }
}

/// One complaint's lifecycle, folded from its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintRow {
    pub complaint_id: String,
    pub tracking_code: String,
    pub markaz: String,
    pub category: String,
    pub channel: String,
    pub gender_desk: bool,
    pub non_cognizable: bool,
    pub status: &'static str,
    pub filed_at: Timestamp,
    pub acknowledge_by: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub first_action_at: Option<Timestamp>,
    pub first_referral: Option<(Timestamp, String, &'static str)>,
    pub referrals: u32,
    pub current_unit: Option<String>,
    pub resolve_by: Timestamp,
    /// The latest resolution, cleared by a reopening.
    pub resolved_at: Option<Timestamp>,
    pub outcome: Option<&'static str>,
    pub withdrawn_at: Option<Timestamp>,
    pub reopen_count: u32,
    pub rating: Option<(u8, Timestamp)>,
    pub version: u64,
    pub last_event_at: Timestamp,
}

impl ComplaintRow {
    fn filed(event: &markaz_domain::complaint::ComplaintFiled, at: Timestamp) -> Self {
        ComplaintRow {
            complaint_id: event.complaint_id.to_string(),
            tracking_code: event.tracking_code.as_str().to_owned(),
            markaz: event.markaz.as_str().to_owned(),
            category: event.category.as_str().to_owned(),
            channel: event.channel.as_str().to_owned(),
            gender_desk: event.gender_desk,
            non_cognizable: event.non_cognizable,
            status: "filed",
            filed_at: at,
            acknowledge_by: event.acknowledge_by,
            acknowledged_at: None,
            first_action_at: None,
            first_referral: None,
            referrals: 0,
            current_unit: None,
            resolve_by: event.resolve_by,
            resolved_at: None,
            outcome: None,
            withdrawn_at: None,
            reopen_count: 0,
            rating: None,
            version: 1,
            last_event_at: at,
        }
    }

    fn apply(&mut self, event: &ComplaintEvent, at: Timestamp) {
        self.version += 1;
        self.last_event_at = at;
        // The escalation process's steps are not actions on the case.
        if !matches!(
            event,
            ComplaintEvent::Rated(_)
                | ComplaintEvent::Reopened(_)
                | ComplaintEvent::DeadlineReminder(_)
                | ComplaintEvent::DeadlineMissed(_)
                | ComplaintEvent::Escalated(_)
        ) {
            self.first_action_at.get_or_insert(at);
        }
        match event {
            // A second filing cannot pass the decider; nothing to fold.
            ComplaintEvent::Filed(_) => {}
            ComplaintEvent::Acknowledged(_) => {
                self.status = "acknowledged";
                self.acknowledged_at.get_or_insert(at);
            }
            ComplaintEvent::Referred(referred) => {
                self.status = "referred";
                self.referrals += 1;
                self.current_unit = Some(referred.to.as_str().to_owned());
                self.first_referral.get_or_insert_with(|| {
                    (at, referred.to.as_str().to_owned(), referred.kind.as_str())
                });
            }
            ComplaintEvent::Resolved(resolved) => {
                self.status = "resolved";
                self.resolved_at = Some(at);
                self.outcome = Some(resolved.outcome.as_str());
            }
            ComplaintEvent::Rated(rated) => self.rating = Some((rated.stars.stars(), at)),
            ComplaintEvent::Reopened(_) => {
                self.status = "acknowledged";
                self.resolved_at = None;
                self.outcome = None;
                self.reopen_count += 1;
            }
            ComplaintEvent::Withdrawn(_) => {
                self.status = "withdrawn";
                self.withdrawn_at = Some(at);
            }
            ComplaintEvent::DeadlineReminder(_)
            | ComplaintEvent::DeadlineMissed(_)
            | ComplaintEvent::Escalated(_) => {}
        }
    }

    /// The acknowledgement deadline judged at `now`.
    pub fn acknowledgement_sla(&self, now: Timestamp) -> SlaState {
        match self.first_action_at {
            Some(at) if at <= self.acknowledge_by => SlaState::Met,
            Some(_) => SlaState::Breached,
            None if now > self.acknowledge_by => SlaState::Breached,
            None => SlaState::Pending,
        }
    }

    /// The resolution deadline judged at `now`.
    pub fn resolution_sla(&self, now: Timestamp) -> SlaState {
        match (self.resolved_at, self.withdrawn_at) {
            (Some(at), _) if at <= self.resolve_by => SlaState::Met,
            (Some(_), _) => SlaState::Breached,
            (None, Some(at)) if at > self.resolve_by => SlaState::Breached,
            (None, Some(_)) => SlaState::NotApplicable,
            (None, None) if now > self.resolve_by => SlaState::Breached,
            (None, None) => SlaState::Pending,
        }
    }

    /// The cells of this row, in `COLUMNS` order, judged at `now`.
    pub fn cells(&self, now: Timestamp) -> Vec<String> {
        let time = |at: Option<Timestamp>| at.map(Timestamp::to_rfc3339).unwrap_or_default();
        let referral = self.first_referral.as_ref();
        vec![
            self.complaint_id.clone(),
            self.tracking_code.clone(),
            self.markaz.clone(),
            self.category.clone(),
            self.channel.clone(),
            self.gender_desk.to_string(),
            self.non_cognizable.to_string(),
            self.status.to_owned(),
            self.filed_at.to_rfc3339(),
            self.acknowledge_by.to_rfc3339(),
            time(self.acknowledged_at),
            time(self.first_action_at),
            self.acknowledgement_sla(now).as_str().to_owned(),
            time(referral.map(|r| r.0)),
            referral.map(|r| defuse_formula(&r.1)).unwrap_or_default(),
            referral.map(|r| r.2.to_owned()).unwrap_or_default(),
            self.referrals.to_string(),
            self.current_unit
                .as_deref()
                .map(defuse_formula)
                .unwrap_or_default(),
            self.resolve_by.to_rfc3339(),
            time(self.resolved_at),
            self.outcome.unwrap_or_default().to_owned(),
            self.resolution_sla(now).as_str().to_owned(),
            time(self.withdrawn_at),
            self.reopen_count.to_string(),
            self.rating.map(|r| r.0.to_string()).unwrap_or_default(),
            time(self.rating.map(|r| r.1)),
            self.version.to_string(),
            self.last_event_at.to_rfc3339(),
        ]
    }
}

/// Folds complaint events, in global order, into rows in filing order.
#[derive(Default)]
pub struct RowBuilder {
    rows: Vec<ComplaintRow>,
    by_stream: HashMap<String, usize>,
}

impl RowBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds one event of the global feed; events of other streams are skipped.
    pub fn apply(&mut self, event: &RecordedEvent) -> Result<(), CsvError> {
        if !event.stream.starts_with(COMPLAINT_PREFIX) {
            return Ok(());
        }
        let decoded =
            markaz_domain::decode(&event.event_type, event.schema_version, &event.payload)
                .map_err(|error| CsvError::Undecodable {
                    stream: event.stream.clone(),
                    version: event.version,
                    position: event.position,
                    reason: error.to_string(),
                })?;
        let DomainEvent::Complaint(complaint_event) = decoded else {
            return Ok(());
        };
        let at = event.metadata.occurred_at;
        match (self.by_stream.get(&event.stream), &complaint_event) {
            (Some(&index), _) => self.rows[index].apply(&complaint_event, at),
            (None, ComplaintEvent::Filed(filed)) => {
                self.by_stream.insert(event.stream.clone(), self.rows.len());
                self.rows.push(ComplaintRow::filed(filed, at));
            }
            (None, _) => {
                return Err(CsvError::NotFiled {
                    stream: event.stream.clone(),
                    version: event.version,
                })
            }
        }
        Ok(())
    }

    pub fn rows(&self) -> &[ComplaintRow] {
        &self.rows
    }
}

/// Every complaint of the log, folded from the whole global feed.
pub async fn complaint_rows(store: &dyn EventStore) -> Result<Vec<ComplaintRow>, CsvError> {
    let mut builder = RowBuilder::new();
    let mut pages = LogPages::after(store, 0).page_size(PAGE);
    while let Some(page) = pages.next_page().await? {
        for event in &page {
            builder.apply(event)?;
        }
    }
    Ok(builder.rows)
}

/// Writes the header and `rows` as RFC 4180 CSV, deadlines judged at `now`.
pub fn write_csv(
    rows: &[ComplaintRow],
    now: Timestamp,
    out: &mut impl Write,
) -> Result<(), CsvError> {
    write_record(out, COLUMNS.iter().map(|column| column.to_string()))?;
    for row in rows {
        write_record(out, row.cells(now).into_iter())?;
    }
    out.flush()?;
    Ok(())
}

fn write_record(out: &mut impl Write, cells: impl Iterator<Item = String>) -> std::io::Result<()> {
    let mut line = String::new();
    for (index, cell) in cells.enumerate() {
        if index > 0 {
            line.push(',');
        }
        line.push_str(&quote(&cell));
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}

/// A cell as RFC 4180 wants it.
fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// Free text that a spreadsheet would run as a formula, made inert.
fn defuse_formula(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote(""), "");
    }

    #[test]
    fn formulas_are_defused_and_other_text_kept() {
        assert_eq!(defuse_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse_formula("+92"), "'+92");
        assert_eq!(defuse_formula("@SUM"), "'@SUM");
        assert_eq!(
            defuse_formula("Kuchlak police station"),
            "Kuchlak police station"
        );
    }

    #[test]
    fn a_record_ends_with_crlf_and_separates_cells() {
        let mut out = Vec::new();
        write_record(&mut out, ["a", "b,c", ""].iter().map(|s| s.to_string())).unwrap();
        assert_eq!(out, b"a,\"b,c\",\r\n");
    }

    fn row() -> ComplaintRow {
        let at = |hours: u32| Timestamp::from_micros(0).plus_hours(hours);
        ComplaintRow {
            complaint_id: "c".into(),
            tracking_code: "t".into(),
            markaz: "KCH".into(),
            category: "theft_report".into(),
            channel: "counter".into(),
            gender_desk: false,
            non_cognizable: false,
            status: "filed",
            filed_at: at(0),
            acknowledge_by: at(24),
            acknowledged_at: None,
            first_action_at: None,
            first_referral: None,
            referrals: 0,
            current_unit: None,
            resolve_by: at(72),
            resolved_at: None,
            outcome: None,
            withdrawn_at: None,
            reopen_count: 0,
            rating: None,
            version: 1,
            last_event_at: at(0),
        }
    }

    #[test]
    fn deadlines_are_judged_like_the_status_view() {
        let hour = |hours: u32| Timestamp::from_micros(0).plus_hours(hours);
        let open = row();
        assert_eq!(open.acknowledgement_sla(hour(24)), SlaState::Pending);
        assert_eq!(open.acknowledgement_sla(hour(25)), SlaState::Breached);
        assert_eq!(open.resolution_sla(hour(72)), SlaState::Pending);
        assert_eq!(open.resolution_sla(hour(73)), SlaState::Breached);

        let mut answered = row();
        answered.first_action_at = Some(hour(24));
        answered.resolved_at = Some(hour(72));
        assert_eq!(answered.acknowledgement_sla(hour(999)), SlaState::Met);
        assert_eq!(answered.resolution_sla(hour(999)), SlaState::Met);
        answered.first_action_at = Some(hour(25));
        answered.resolved_at = Some(hour(73));
        assert_eq!(answered.acknowledgement_sla(hour(0)), SlaState::Breached);
        assert_eq!(answered.resolution_sla(hour(0)), SlaState::Breached);

        let mut withdrawn = row();
        withdrawn.withdrawn_at = Some(hour(10));
        assert_eq!(withdrawn.resolution_sla(hour(999)), SlaState::NotApplicable);
        withdrawn.withdrawn_at = Some(hour(80));
        assert_eq!(withdrawn.resolution_sla(hour(999)), SlaState::Breached);
    }

    #[test]
    fn cells_follow_the_columns_and_leave_the_unhappened_empty() {
        let mut row = row();
        row.first_referral = Some((Timestamp::from_micros(0), "=cmd".into(), "department"));
        let cells = row.cells(Timestamp::from_micros(0));
        assert_eq!(cells.len(), COLUMNS.len());
        let cell = |name: &str| cells[COLUMNS.iter().position(|c| *c == name).unwrap()].clone();
        assert_eq!(cell("acknowledged_at"), "");
        assert_eq!(cell("filed_at"), "1970-01-01T00:00:00.000000Z");
        assert_eq!(cell("first_referral_to"), "'=cmd");
        assert_eq!(cell("acknowledgement_sla"), "pending");
        assert_eq!(cell("rating"), "");
    }

    #[test]
    fn the_header_has_one_cell_per_column() {
        let mut out = Vec::new();
        write_csv(&[], Timestamp::from_micros(0), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.trim_end().split(',').count(), COLUMNS.len());
        assert!(text.starts_with("complaint_id,tracking_code,"));
    }
}
