-- The public tracking view (GET /track/{code}) is stored ready to send: one row per complaint,
-- keyed by tracking code, holding the JSON answer. A citizen's lookup is then one descent of one
-- small B-tree and no re-encoding, and the table the public endpoint reads holds nothing the
-- public may not see (complaint_id links a code to the staff row and is never sent).
CREATE TABLE public_tracking (
    tracking_code TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL,
    view          TEXT NOT NULL
) WITHOUT ROWID;
-- Staff lookups by tracking code go through public_tracking, which also keeps codes unique.
DROP INDEX complaint_status_tracking_code;
-- The status projection writes the new table: it replays the log from the start.
DELETE FROM complaint_status;
DELETE FROM projection_checkpoints WHERE projection = 'status';
