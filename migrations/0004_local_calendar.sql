-- Performance figures on each markaz's local calendar, with reopened cases counted once and
-- durations in mergeable high-dynamic-range histograms. The performance projection replays the
-- log from the start (its checkpoint is reset below): the rollups it had were on UTC days.

-- The time zone whose days and months the rollups of a markaz use. The row with markaz '' is the
-- zone of every markaz without a row of its own. Written once, before the first event is applied
-- (`markaz serve` refuses a file whose zones differ from its configuration): changing a zone is a
-- rebuild (`markaz projections rebuild`).
CREATE TABLE performance_calendar (
    markaz    TEXT PRIMARY KEY,
    time_zone TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO performance_calendar (markaz, time_zone) VALUES ('', 'Asia/Karachi');

-- What the projection remembers of each complaint to attribute later events.
DROP TABLE performance_cases;
CREATE TABLE performance_cases (
    complaint_id       TEXT    PRIMARY KEY,
    markaz             TEXT    NOT NULL,
    category           TEXT    NOT NULL,
    unit               TEXT    NOT NULL,
    -- The officer who last acted on the case (holds the open backlog).
    holder             TEXT    NOT NULL,
    -- The officer who last resolved it (ratings are credited to them).
    resolver           TEXT,
    filed_at           INTEGER NOT NULL,
    -- The local day (days since 1970-01-01 in the markaz's zone) of the filing.
    filed_day          INTEGER NOT NULL,
    -- When the case last became open: its filing, or its latest reopening (backlog ages).
    open_since         INTEGER NOT NULL,
    acknowledge_by     INTEGER NOT NULL,
    resolve_by         INTEGER NOT NULL,
    -- Whether the first officer action (which stops the acknowledgement clock) happened.
    responded          INTEGER NOT NULL,
    -- The latest resolution and the unit responsible then (a later resolution or a reopening
    -- corrects the figures recorded for it).
    last_resolved_at   INTEGER,
    last_resolved_unit TEXT,
    resolutions        INTEGER NOT NULL,
    is_open            INTEGER NOT NULL
);
-- The open backlog is counted at query time from the open cases only.
CREATE INDEX performance_open_cases
    ON performance_cases (markaz, unit, category, holder, filed_day, open_since) WHERE is_open = 1;

-- The per-dimension rollups (1 unit, 2 officer, 3 category, 4 day) at a day grain (0, period =
-- local days since 1970-01-01) and a month grain (1, period = local months since 1970-01).
-- Durations are sparse histograms: (bucket, count) pairs, buckets as HdrHistogram's with one
-- significant digit over whole minutes (see projections/src/performance/durations.rs).
DROP TABLE performance_rollup;
CREATE TABLE performance_rollup (
    dimension               INTEGER NOT NULL,
    grain                   INTEGER NOT NULL,
    period                  INTEGER NOT NULL,
    markaz                  TEXT    NOT NULL,
    group_key               TEXT    NOT NULL,
    filed                   INTEGER NOT NULL,
    acknowledged            INTEGER NOT NULL,
    referred                INTEGER NOT NULL,
    resolutions             INTEGER NOT NULL,
    first_resolutions       INTEGER NOT NULL,
    resolutions_reopened    INTEGER NOT NULL,
    withdrawn               INTEGER NOT NULL,
    withdrawn_before_action INTEGER NOT NULL,
    reopened                INTEGER NOT NULL,
    first_actions           INTEGER NOT NULL,
    ack_within_sla          INTEGER NOT NULL,
    resolved_within_sla     INTEGER NOT NULL,
    ratings                 BLOB    NOT NULL,
    ack_seconds             BLOB    NOT NULL,
    first_resolve_seconds   BLOB    NOT NULL,
    final_resolve_seconds   BLOB    NOT NULL,
    PRIMARY KEY (dimension, grain, period, markaz, group_key)
) WITHOUT ROWID;

-- Resolutions followed by a later resolution of the same case, by the local day of each: a
-- range [a, b] counts a case once, at its latest resolution in the range, by subtracting the
-- resolutions on days a..b whose next resolution also falls by b.
CREATE TABLE performance_superseded (
    dimension   INTEGER NOT NULL,
    day         INTEGER NOT NULL,
    next_day    INTEGER NOT NULL,
    markaz      TEXT    NOT NULL,
    group_key   TEXT    NOT NULL,
    resolutions INTEGER NOT NULL,
    PRIMARY KEY (dimension, day, next_day, markaz, group_key)
) WITHOUT ROWID;

DELETE FROM projection_checkpoints WHERE projection = 'performance';
