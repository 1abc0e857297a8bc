//! Folding service-request events into their rows, the public tracking
//! answers, the station referrals and the issued documents.

use markaz_domain::{Cnic, ServiceEvent, ServiceStatus};
use rusqlite::{params, Transaction};

use super::row::{HistoryStep, ServiceRow};
use super::view::ServiceTrackingView;
use crate::event::{ComplaintChange, ServiceChange};
use crate::projection::{ApplyError, Projection};

/// The services projection.
pub struct ServiceProjection;

pub const NAME: &str = "services";

impl Projection for ServiceProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(
        &self,
        _tx: &Transaction<'_>,
        _changes: &[&ComplaintChange],
    ) -> Result<(), ApplyError> {
        Ok(())
    }

    fn apply_services(
        &self,
        tx: &Transaction<'_>,
        changes: &[&ServiceChange],
    ) -> Result<(), ApplyError> {
        for change in changes {
            apply_one(tx, change)?;
        }
        Ok(())
    }
}

fn apply_one(tx: &Transaction<'_>, change: &ServiceChange) -> Result<(), ApplyError> {
    let at = change.occurred_at.as_micros();
    let mut row = match &change.event {
        ServiceEvent::Requested(requested) => {
            let fields = serde_json::to_string(&requested.fields)
                .map_err(|error| bad_row(error.to_string()))?;
            let documents = serde_json::to_string(&requested.documents_checked)
                .map_err(|error| bad_row(error.to_string()))?;
            let row = ServiceRow {
                request_id: change.key.clone(),
                tracking_code: requested.tracking_code.as_str().to_owned(),
                markaz: requested.markaz.as_str().to_owned(),
                service: requested.service.as_str().to_owned(),
                service_name_en: requested.service_name_en.clone(),
                service_name_ur: requested.service_name_ur.clone(),
                status: ServiceStatus::Requested.as_str().to_owned(),
                applicant_name: requested.applicant.name.as_str().to_owned(),
                applicant_phone: requested.applicant.phone.as_str().to_owned(),
                applicant_cnic: requested.applicant.cnic.digits().to_owned(),
                applicant_address: requested
                    .applicant
                    .address
                    .as_ref()
                    .map(|address| address.as_str().to_owned()),
                fields,
                documents_checked: documents,
                channel: requested.channel.as_str().to_owned(),
                station_verification: requested.station_verification,
                fee_rupees: requested.fee_rupees,
                deadline_working_days: requested.deadline_working_days,
                issue_by: requested.issue_by.as_micros(),
                requested_at: at,
                updated_at: at,
                station: None,
                finding: None,
                case_references: None,
                issued_at: None,
                document_number: None,
                refusal_reason: None,
                rating: None,
                version: change.version,
                history: vec![HistoryStep {
                    status: ServiceStatus::Requested.as_str().to_owned(),
                    at,
                }],
            };
            row.save(tx)?;
            save_public_view(tx, &row, true)?;
            return Ok(());
        }
        _ => ServiceRow::load(tx, &change.key)?.ok_or_else(|| ApplyError::UnknownComplaint {
            projection: NAME,
            complaint: change.key.clone(),
            version: change.version,
        })?,
    };
    row.version = change.version;
    row.updated_at = at;
    let status = |row: &mut ServiceRow, status: ServiceStatus| {
        row.status = status.as_str().to_owned();
        row.push_history(status.as_str(), at);
    };
    match &change.event {
        ServiceEvent::Requested(_) => {}
        ServiceEvent::Acknowledged(_) => status(&mut row, ServiceStatus::Acknowledged),
        ServiceEvent::SentForVerification(sent) => {
            status(&mut row, ServiceStatus::AtStation);
            row.station = Some(sent.station.as_str().to_owned());
            row.finding = None;
            row.case_references = None;
            tx.prepare_cached(
                "INSERT OR REPLACE INTO station_verifications
                 (request_id, sent_at, station, markaz, service) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                row.request_id,
                at,
                sent.station.as_str(),
                row.markaz,
                row.service
            ])?;
        }
        ServiceEvent::StationAnswered(answer) => {
            status(&mut row, ServiceStatus::Verified);
            row.finding = Some(answer.finding.as_str().to_owned());
            row.case_references = answer
                .case_references
                .as_ref()
                .map(|references| references.as_str().to_owned());
            tx.prepare_cached(
                "UPDATE station_verifications SET answered_at = ?2, finding = ?3
                 WHERE request_id = ?1 AND answered_at IS NULL",
            )?
            .execute(params![row.request_id, at, answer.finding.as_str()])?;
        }
        ServiceEvent::Issued(issued) => {
            status(&mut row, ServiceStatus::Issued);
            row.issued_at = row.issued_at.or(Some(at));
            row.document_number = Some(issued.number.as_str().to_owned());
            insert_document(
                tx,
                &row,
                change,
                issued.number.as_str(),
                issued.text.as_str(),
            )?;
        }
        ServiceEvent::Refused(refused) => {
            status(&mut row, ServiceStatus::Refused);
            row.refusal_reason = Some(refused.reason.as_str().to_owned());
        }
        ServiceEvent::Collected(_) => status(&mut row, ServiceStatus::Collected),
        ServiceEvent::Rated(rated) => row.rating = Some(rated.stars.stars()),
        ServiceEvent::Withdrawn(_) => status(&mut row, ServiceStatus::Withdrawn),
        ServiceEvent::Reissued(reissued) => {
            row.status = ServiceStatus::Issued.as_str().to_owned();
            row.push_history("reissued", at);
            row.document_number = Some(reissued.number.as_str().to_owned());
            tx.prepare_cached(
                "UPDATE issued_documents SET status = 'superseded', superseded_by = ?2
                 WHERE number = ?1",
            )?
            .execute(params![
                reissued.supersedes.as_str(),
                reissued.number.as_str()
            ])?;
            insert_document(
                tx,
                &row,
                change,
                reissued.number.as_str(),
                reissued.text.as_str(),
            )?;
        }
        ServiceEvent::Revoked(revoked) => {
            status(&mut row, ServiceStatus::Revoked);
            tx.prepare_cached(
                "UPDATE issued_documents SET status = 'revoked', revoked_at = ?2,
                 revocation_reason = ?3 WHERE number = ?1",
            )?
            .execute(params![
                revoked.number.as_str(),
                at,
                revoked.reason.as_str()
            ])?;
        }
    }
    row.save(tx)?;
    save_public_view(tx, &row, false)?;
    Ok(())
}

/// Records a document as printed: the holder's CNIC only masked, as on paper.
fn insert_document(
    tx: &Transaction<'_>,
    row: &ServiceRow,
    change: &ServiceChange,
    number: &str,
    text: &str,
) -> Result<(), ApplyError> {
    let masked_cnic = Cnic::from_stored(row.applicant_cnic.clone()).masked();
    tx.prepare_cached(
        "INSERT OR REPLACE INTO issued_documents
         (number, request_id, markaz, service, service_name_en, service_name_ur, holder_name,
          holder_cnic, text, issued_at, event_hash, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'issued')",
    )?
    .execute(params![
        number,
        row.request_id,
        row.markaz,
        row.service,
        row.service_name_en,
        row.service_name_ur,
        row.applicant_name,
        masked_cnic,
        text,
        change.occurred_at.as_micros(),
        hex::encode(change.hash),
    ])?;
    Ok(())
}

/// Writes the request's public tracking answer beside the complaints'.
/// A new request's tracking code must be new (or its own, replayed).
fn save_public_view(tx: &Transaction<'_>, row: &ServiceRow, new: bool) -> Result<(), ApplyError> {
    let view = serde_json::to_string(&ServiceTrackingView::of(row))
        .map_err(|error| bad_row(error.to_string()))?;
    let written = if new {
        tx.prepare_cached(
            "INSERT INTO public_tracking (tracking_code, complaint_id, view) VALUES (?1, ?2, ?3)
             ON CONFLICT (tracking_code) DO UPDATE SET view = excluded.view
             WHERE public_tracking.complaint_id = excluded.complaint_id",
        )?
        .execute(params![row.tracking_code, row.request_id, view])?
    } else {
        tx.prepare_cached("UPDATE public_tracking SET view = ?2 WHERE tracking_code = ?1")?
            .execute(params![row.tracking_code, view])?
    };
    if written == 1 {
        return Ok(());
    }
    Err(bad_row(format!(
        "the public view of service request {} was not written: tracking code {} belongs \
         to another case or has no row",
        row.request_id, row.tracking_code
    )))
}

fn bad_row(detail: String) -> ApplyError {
    ApplyError::BadRow {
        projection: NAME,
        detail,
    }
}
