-- Service requests beside complaints (character certificates, police verification, tenant and
-- employee registration, lost-document reports, FIR copies, vehicle verification). One row per
-- request; times are microseconds since the epoch. Their public tracking answers go into
-- public_tracking with the complaints' (one /track for both kinds; complaint_id there holds the
-- request id), written by the services projection.
CREATE TABLE service_requests (
    request_id            TEXT PRIMARY KEY,
    tracking_code         TEXT NOT NULL,
    markaz                TEXT NOT NULL,
    service               TEXT NOT NULL,
    service_name_en       TEXT NOT NULL,
    service_name_ur       TEXT NOT NULL,
    status                TEXT NOT NULL,
    applicant_name        TEXT NOT NULL,
    applicant_phone       TEXT NOT NULL,
    applicant_cnic        TEXT NOT NULL,
    applicant_address     TEXT,
    -- JSON: [{name, kind, value}] and [document, ...]
    fields                TEXT NOT NULL,
    documents_checked     TEXT NOT NULL,
    channel               TEXT NOT NULL,
    station_verification  INTEGER NOT NULL,
    fee_rupees            INTEGER NOT NULL,
    deadline_working_days INTEGER NOT NULL,
    issue_by              INTEGER NOT NULL,
    requested_at          INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    station               TEXT,
    finding               TEXT,
    case_references       TEXT,
    -- The first issue: time to issue is measured to it.
    issued_at             INTEGER,
    document_number       TEXT,
    refusal_reason        TEXT,
    rating                INTEGER,
    version               INTEGER NOT NULL,
    -- JSON: [{status, at}], the public history.
    history               TEXT NOT NULL
);
CREATE INDEX service_requests_by_markaz ON service_requests (markaz, requested_at);
-- The figures per service read a range of request times, of one markaz or all.
CREATE INDEX service_requests_by_time ON service_requests (requested_at);

-- Each referral to a police station and its answer: how long stations take is the bottleneck
-- supervisors ask about. A request sent again gets a second row.
CREATE TABLE station_verifications (
    request_id  TEXT NOT NULL,
    sent_at     INTEGER NOT NULL,
    station     TEXT NOT NULL,
    markaz      TEXT NOT NULL,
    service     TEXT NOT NULL,
    answered_at INTEGER,
    finding     TEXT,
    PRIMARY KEY (request_id, sent_at)
) WITHOUT ROWID;

-- Every document issued, as printed, for the public verification page. status: issued,
-- superseded (superseded_by names the successor) or revoked.
CREATE TABLE issued_documents (
    number          TEXT PRIMARY KEY,
    request_id      TEXT NOT NULL,
    markaz          TEXT NOT NULL,
    service         TEXT NOT NULL,
    service_name_en TEXT NOT NULL,
    service_name_ur TEXT NOT NULL,
    holder_name     TEXT NOT NULL,
    holder_cnic     TEXT NOT NULL,
    text            TEXT NOT NULL,
    issued_at       INTEGER NOT NULL,
    event_hash      TEXT NOT NULL,
    status          TEXT NOT NULL,
    superseded_by   TEXT,
    revoked_at      INTEGER,
    revocation_reason TEXT
) WITHOUT ROWID;
