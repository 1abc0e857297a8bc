//! The JSON view of events, for timelines and exports.
//!
//! Built from the domain event directly (never through postcard), with the
//! field names of the HTTP API, times as RFC 3339 UTC strings and enums as
//! their API names. It is a view: nothing reads it back into events.

use serde_json::{json, Value};

use super::DomainEvent;
use crate::audit::AuditEvent;
use crate::calendar::{DeadlineRule, DeadlineTerms};
use crate::complaint::{Complainant, ComplaintEvent};
use crate::notification::NotificationEvent;
use crate::officer::OfficerEvent;
use crate::service_request::ServiceEvent;
use crate::values::ShortText;

/// The event's data as a JSON object (the `data` of a timeline entry). The
/// type name and metadata travel beside it, not inside it.
pub fn to_json(event: &DomainEvent) -> Value {
    match event {
        DomainEvent::Complaint(event) => complaint_json(event),
        DomainEvent::Officer(event) => officer_json(event),
        DomainEvent::Audit(event) => audit_json(event),
        DomainEvent::Notification(event) => notification_json(event),
        DomainEvent::Service(event) => service_json(event),
    }
}

fn text(value: &Option<ShortText>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |text| Value::from(text.as_str()))
}

fn complainant_json(complainant: &Complainant) -> Value {
    json!({
        "name": complainant.name.as_str(),
        "gender": complainant.gender.as_str(),
        "phone": complainant.phone.as_str(),
        "cnic": complainant.cnic.as_ref().map(|cnic| cnic.to_string()),
        "address": text(&complainant.address),
    })
}

fn complaint_json(event: &ComplaintEvent) -> Value {
    match event {
        ComplaintEvent::Filed(e) => json!({
            "complaint_id": e.complaint_id.to_string(),
            "tracking_code": e.tracking_code.as_str(),
            "markaz": e.markaz.as_str(),
            "category": e.category.as_str(),
            "complainant": complainant_json(&e.complainant),
            "description": e.description.as_str(),
            "location": text(&e.location),
            "channel": e.channel.as_str(),
            "gender_desk": e.gender_desk,
            "gender_desk_reasons": {
                "requested": e.gender_desk_reasons.requested,
                "complainant_gender": e.gender_desk_reasons.complainant_gender,
                "sensitive_category": e.gender_desk_reasons.sensitive_category,
            },
            "acknowledge_by": e.acknowledge_by.to_rfc3339(),
            "resolve_by": e.resolve_by.to_rfc3339(),
            "non_cognizable": e.non_cognizable,
            "deadline_terms": e.deadline_terms.as_ref().map(deadline_terms_json),
            "contact": e.contact.map(|contact| contact.as_str()),
            "language": e.language.as_str(),
        }),
        ComplaintEvent::Acknowledged(e) => json!({ "note": text(&e.note) }),
        ComplaintEvent::Referred(e) => json!({
            "to": e.to.as_str(),
            "kind": e.kind.as_str(),
            "reason": e.reason.as_str(),
        }),
        ComplaintEvent::Resolved(e) => json!({
            "outcome": e.outcome.as_str(),
            "summary": e.summary.as_str(),
        }),
        ComplaintEvent::Rated(e) => json!({
            "stars": e.stars.stars(),
            "comment": text(&e.comment),
        }),
        ComplaintEvent::Reopened(e) => json!({ "reason": e.reason.as_str() }),
        ComplaintEvent::Withdrawn(e) => json!({ "reason": e.reason.as_str() }),
        ComplaintEvent::DeadlineReminder(e) => json!({
            "deadline": e.deadline.as_str(),
            "due_at": e.due_at.to_rfc3339(),
            "scheduled_at": e.scheduled_at.to_rfc3339(),
            "rule": e.rule.as_str(),
        }),
        ComplaintEvent::DeadlineMissed(e) => json!({
            "deadline": e.deadline.as_str(),
            "due_at": e.due_at.to_rfc3339(),
            "scheduled_at": e.scheduled_at.to_rfc3339(),
            "rule": e.rule.as_str(),
        }),
        ComplaintEvent::Escalated(e) => json!({
            "deadline": e.deadline.as_str(),
            "due_at": e.due_at.to_rfc3339(),
            "scheduled_at": e.scheduled_at.to_rfc3339(),
            "level": e.level.as_str(),
            "rule": e.rule.as_str(),
        }),
    }
}

fn rule_json(rule: DeadlineRule) -> Value {
    match rule {
        DeadlineRule::Hours(hours) => json!({ "hours": hours }),
        DeadlineRule::WorkingDays(days) => json!({ "working_days": days }),
    }
}

fn deadline_terms_json(terms: &DeadlineTerms) -> Value {
    json!({
        "acknowledge": rule_json(terms.acknowledge),
        "resolve": rule_json(terms.resolve),
        "calendar": {
            "time_zone": terms.calendar.time_zone,
            "working_days": terms
                .calendar
                .working_days
                .iter()
                .map(|day| day.to_string().to_lowercase())
                .collect::<Vec<_>>(),
            "holidays": terms
                .calendar
                .holidays
                .iter()
                .map(|day| day.format("%Y-%m-%d").to_string())
                .collect::<Vec<_>>(),
        },
    })
}

fn officer_json(event: &OfficerEvent) -> Value {
    match event {
        OfficerEvent::Registered(e) => {
            let token_hash: String = e.token_hash.iter().map(|b| format!("{b:02x}")).collect();
            json!({
                "officer_id": e.officer_id.to_string(),
                "name": e.name.as_str(),
                "role": e.role.as_str(),
                "markaz": e.markaz.as_ref().map(|m| m.as_str()),
                "token_hash": token_hash,
                "expires_at": e.expires_at.map(|at| at.to_rfc3339()),
            })
        }
        OfficerEvent::Revoked(e) => json!({ "reason": text(&e.reason) }),
        OfficerEvent::TokenRotated(e) => {
            let token_hash: String = e.token_hash.iter().map(|b| format!("{b:02x}")).collect();
            json!({
                "token_hash": token_hash,
                "expires_at": e.expires_at.map(|at| at.to_rfc3339()),
            })
        }
    }
}

fn audit_json(event: &AuditEvent) -> Value {
    let hex = |bytes: &[u8]| -> String { bytes.iter().map(|b| format!("{b:02x}")).collect() };
    match event {
        AuditEvent::LogSealed(e) => json!({
            "up_to_position": e.up_to_position,
            "events": e.events,
            "streams": e.streams,
            "digest": hex(&e.digest),
            "public_key": hex(&e.public_key),
            "signature": hex(&e.signature),
        }),
        AuditEvent::CaseAccessed(e) => json!({
            "complaint_id": e.complaint_id.to_string(),
            "officer": e.officer.to_string(),
            "role": e.role.as_str(),
            "what": e.what.as_str(),
            "personal_data": e.personal_data,
            "gender_desk": e.gender_desk,
        }),
        AuditEvent::CasesAccessed(e) => json!({
            "officer": e.officer.to_string(),
            "role": e.role.as_str(),
            "what": e.what.as_str(),
            "cases": e.cases.iter().map(|read| json!({
                "kind": read.case.kind().as_str(),
                "id": read.case.uuid().to_string(),
                "personal_data": read.personal_data,
                "gender_desk": read.gender_desk,
            })).collect::<Vec<_>>(),
        }),
    }
}

fn notification_json(event: &NotificationEvent) -> Value {
    match event {
        NotificationEvent::Queued(e) => json!({
            "complaint_id": e.complaint_id.to_string(),
            "cause": e.cause.to_string(),
            "template": e.template,
            "language": e.language.as_str(),
            "to": e.to.as_str(),
            "text": e.text,
            "parts": e.parts,
        }),
        NotificationEvent::Sent(e) => json!({
            "attempt": e.attempt,
            "gateway": e.gateway,
            "answer": e.answer,
        }),
        NotificationEvent::Failed(e) => json!({
            "attempt": e.attempt,
            "gateway": e.gateway,
            "answer": e.answer,
            "retry_at": e.retry_at.map(|at| at.to_rfc3339()),
        }),
        NotificationEvent::Retried => json!({}),
    }
}

fn service_json(event: &ServiceEvent) -> Value {
    match event {
        ServiceEvent::Requested(e) => json!({
            "request_id": e.request_id.to_string(),
            "tracking_code": e.tracking_code.as_str(),
            "markaz": e.markaz.as_str(),
            "service": e.service.as_str(),
            "service_name_en": e.service_name_en,
            "service_name_ur": e.service_name_ur,
            "applicant": {
                "name": e.applicant.name.as_str(),
                "phone": e.applicant.phone.as_str(),
                "cnic": e.applicant.cnic.to_string(),
                "address": text(&e.applicant.address),
            },
            "fields": e.fields.iter().map(|field| json!({
                "name": field.name,
                "kind": field.kind.as_str(),
                "value": field.value,
            })).collect::<Vec<_>>(),
            "documents_checked": e.documents_checked,
            "channel": e.channel.as_str(),
            "station_verification": e.station_verification,
            "fee_rupees": e.fee_rupees,
            "deadline_working_days": e.deadline_working_days,
            "issue_by": e.issue_by.to_rfc3339(),
        }),
        ServiceEvent::Acknowledged(e) => json!({ "note": text(&e.note) }),
        ServiceEvent::SentForVerification(e) => json!({ "station": e.station.as_str() }),
        ServiceEvent::StationAnswered(e) => json!({
            "station": e.station.as_str(),
            "finding": e.finding.as_str(),
            "case_references": text(&e.case_references),
            "remarks": text(&e.remarks),
        }),
        ServiceEvent::Issued(e) => json!({
            "document_number": e.number.as_str(),
            "text": e.text.as_str(),
        }),
        ServiceEvent::Refused(e) => json!({ "reason": e.reason.as_str() }),
        ServiceEvent::Collected(e) => json!({ "note": text(&e.note) }),
        ServiceEvent::Rated(e) => json!({
            "stars": e.stars.stars(),
            "comment": text(&e.comment),
        }),
        ServiceEvent::Withdrawn(e) => json!({ "reason": e.reason.as_str() }),
        ServiceEvent::Reissued(e) => json!({
            "document_number": e.number.as_str(),
            "supersedes": e.supersedes.as_str(),
            "text": e.text.as_str(),
            "reason": e.reason.as_str(),
        }),
        ServiceEvent::Revoked(e) => json!({
            "document_number": e.number.as_str(),
            "reason": e.reason.as_str(),
        }),
    }
}
