-- Read models of Markaz: status tracking, gender desk and performance.
-- This file is applied once and then frozen: change the schema by adding a new numbered file.

-- Where each projection stands in the global feed of the event log.
CREATE TABLE projection_checkpoints (
    projection TEXT PRIMARY KEY,
    position   INTEGER NOT NULL
) WITHOUT ROWID;

-- Status tracking: one row per complaint, everything GET /complaints/{id} and GET /track/{code} show.
CREATE TABLE complaint_status (
    complaint_id        TEXT    PRIMARY KEY,
    tracking_code       TEXT    NOT NULL,
    markaz              TEXT    NOT NULL,
    category            TEXT    NOT NULL,
    gender_desk         INTEGER NOT NULL,
    status              TEXT    NOT NULL,
    current_unit        TEXT    NOT NULL,
    complainant_name    TEXT    NOT NULL,
    complainant_gender  TEXT    NOT NULL,
    complainant_phone   TEXT    NOT NULL,
    complainant_cnic    TEXT,
    complainant_address TEXT,
    description         TEXT    NOT NULL,
    location            TEXT,
    channel             TEXT    NOT NULL,
    filed_at            INTEGER NOT NULL,
    -- The first officer action after filing (acknowledgement, referral, resolution or
    -- withdrawal): the acknowledgement SLA is judged on it.
    first_action_at     INTEGER,
    acknowledged_at     INTEGER,
    resolved_at         INTEGER,
    withdrawn_at        INTEGER,
    acknowledge_by      INTEGER NOT NULL,
    resolve_by          INTEGER NOT NULL,
    outcome             TEXT,
    rating              INTEGER,
    reopen_count        INTEGER NOT NULL,
    version             INTEGER NOT NULL,
    position            INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    -- JSON array of {"status", "at"}: the public view's short history.
    history             TEXT    NOT NULL
);
CREATE UNIQUE INDEX complaint_status_tracking_code ON complaint_status (tracking_code);
-- Lists are newest first with a (filed_at, complaint_id) keyset cursor; one index per filter.
CREATE INDEX complaint_status_filed ON complaint_status (filed_at, complaint_id);
CREATE INDEX complaint_status_markaz ON complaint_status (markaz, filed_at, complaint_id);
CREATE INDEX complaint_status_status ON complaint_status (status, filed_at, complaint_id);
CREATE INDEX complaint_status_category ON complaint_status (category, filed_at, complaint_id);
CREATE INDEX complaint_status_gender_desk ON complaint_status (gender_desk, filed_at, complaint_id);

-- Gender desk: every gender-desk case; the queue reads the open ones through a partial index.
CREATE TABLE gender_desk_cases (
    complaint_id    TEXT    PRIMARY KEY,
    markaz          TEXT    NOT NULL,
    tracking_code   TEXT    NOT NULL,
    category        TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    current_unit    TEXT    NOT NULL,
    filed_at        INTEGER NOT NULL,
    first_action_at INTEGER,
    acknowledge_by  INTEGER NOT NULL,
    resolve_by      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    is_open         INTEGER NOT NULL
);
CREATE INDEX gender_desk_open_queue
    ON gender_desk_cases (markaz, filed_at, complaint_id) WHERE is_open = 1;

-- Gender desk dashboard: how many of a markaz's gender-desk cases are in each status.
CREATE TABLE gender_desk_counts (
    markaz TEXT    NOT NULL,
    status TEXT    NOT NULL,
    cases  INTEGER NOT NULL,
    PRIMARY KEY (markaz, status)
) WITHOUT ROWID;

-- Performance: what the projection remembers of each complaint to attribute later events.
CREATE TABLE performance_cases (
    complaint_id    TEXT    PRIMARY KEY,
    markaz          TEXT    NOT NULL,
    category        TEXT    NOT NULL,
    unit            TEXT    NOT NULL,
    -- The officer who last acted on the case (holds the open backlog).
    holder          TEXT    NOT NULL,
    -- The officer who last resolved it (ratings are credited to them).
    resolver        TEXT,
    filed_at        INTEGER NOT NULL,
    acknowledge_by  INTEGER NOT NULL,
    resolve_by      INTEGER NOT NULL,
    -- Whether the first officer action (which stops the acknowledgement clock) happened.
    responded       INTEGER NOT NULL,
    is_open         INTEGER NOT NULL
);
-- The open backlog is counted at query time from the open cases only.
CREATE INDEX performance_open_cases
    ON performance_cases (markaz, unit, category, holder, filed_at) WHERE is_open = 1;

-- Performance rollup at the finest grain: per UTC day, markaz, unit, officer and category.
-- Histograms are little-endian u32 counts per bucket (buckets documented in the code).
CREATE TABLE performance_daily (
    day                 INTEGER NOT NULL,
    markaz              TEXT    NOT NULL,
    unit                TEXT    NOT NULL,
    officer             TEXT    NOT NULL,
    category            TEXT    NOT NULL,
    filed               INTEGER NOT NULL,
    acknowledged        INTEGER NOT NULL,
    referred            INTEGER NOT NULL,
    resolved            INTEGER NOT NULL,
    withdrawn           INTEGER NOT NULL,
    reopened            INTEGER NOT NULL,
    ack_within_sla      INTEGER NOT NULL,
    resolved_within_sla INTEGER NOT NULL,
    ratings             BLOB    NOT NULL,
    ack_minutes         BLOB    NOT NULL,
    resolve_hours       BLOB    NOT NULL,
    PRIMARY KEY (day, markaz, unit, officer, category)
) WITHOUT ROWID;

-- The same measures summed per query dimension (1 unit, 2 officer, 3 category, 4 day) at a day
-- grain (0, period = days since 1970-01-01) and a month grain (1, period = months since
-- 1970-01), so a year's query reads whole months plus the days at the edges.
CREATE TABLE performance_rollup (
    dimension           INTEGER NOT NULL,
    grain               INTEGER NOT NULL,
    period              INTEGER NOT NULL,
    markaz              TEXT    NOT NULL,
    group_key           TEXT    NOT NULL,
    filed               INTEGER NOT NULL,
    acknowledged        INTEGER NOT NULL,
    referred            INTEGER NOT NULL,
    resolved            INTEGER NOT NULL,
    withdrawn           INTEGER NOT NULL,
    reopened            INTEGER NOT NULL,
    ack_within_sla      INTEGER NOT NULL,
    resolved_within_sla INTEGER NOT NULL,
    ratings             BLOB    NOT NULL,
    ack_minutes         BLOB    NOT NULL,
    resolve_hours       BLOB    NOT NULL,
    PRIMARY KEY (dimension, grain, period, markaz, group_key)
) WITHOUT ROWID;
