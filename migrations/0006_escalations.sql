-- Deadline escalation: what the escalation process recorded on each case.
-- No rebuild needed: logs written before this file hold no deadline steps.

-- The highest level a case was escalated to (supervisor, district), when, and how many of its
-- deadlines it missed. Supervisors list the open escalated cases through a partial index.
ALTER TABLE complaint_status ADD COLUMN escalation TEXT;
ALTER TABLE complaint_status ADD COLUMN escalated_at INTEGER;
ALTER TABLE complaint_status ADD COLUMN deadlines_missed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX complaint_status_escalated
    ON complaint_status (filed_at, complaint_id) WHERE escalation IS NOT NULL;

-- The gender desk queue shows escalations too.
ALTER TABLE gender_desk_cases ADD COLUMN escalation TEXT;

-- Performance: missed deadlines and escalations, counted on the day they fell due, credited to
-- the officer holding the case.
ALTER TABLE performance_rollup ADD COLUMN deadlines_missed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE performance_rollup ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
