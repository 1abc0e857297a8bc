-- The access history of every case, indexed by case: one row per case per access event
-- (`CaseAccessed`, one case each, and the batched `CasesAccessed`, one per answer). A case's
-- history is read page by page in log order (`position`), never by scanning the log.
-- No rebuild needed: the projection `case_accesses` starts at position 0 and indexes the
-- access events already in the log on its first run.
CREATE TABLE case_accesses (
    case_id       TEXT NOT NULL,
    -- `complaint` or `service_request`.
    case_kind     TEXT NOT NULL,
    -- The global position of the access event, and its version in its own stream.
    position      INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    -- Microseconds since the epoch (the event's occurred_at).
    at            INTEGER NOT NULL,
    officer_id    TEXT NOT NULL,
    role          TEXT NOT NULL,
    what          TEXT NOT NULL,
    personal_data INTEGER NOT NULL,
    gender_desk   INTEGER NOT NULL,
    PRIMARY KEY (case_id, position)
) WITHOUT ROWID;
