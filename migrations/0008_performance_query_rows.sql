-- The performance query without sorting at query time: rollups of every markaz summed for the
-- groupings whose answer does not name the markaz, and the open backlog counted over indexes in
-- the order of each grouping. The performance projection replays the log from the start (its
-- checkpoint is reset below) to write the summed rows for what it had applied.

-- Dimensions 5 (category) and 6 (day) of performance_rollup are dimensions 3 and 4 with every
-- markaz summed, stored with markaz ''.
DELETE FROM performance_rollup;
DELETE FROM performance_cases;
DELETE FROM projection_checkpoints WHERE projection = 'performance';

-- Resolutions followed by a later resolution of the same case, counted in the rollup cell of
-- the earlier one (and, of those, the ones followed on the same local day): a range [a, b]
-- subtracts the superseded resolutions of its rows, less those whose next resolution comes
-- after b, which it reads from performance_superseded.
ALTER TABLE performance_rollup ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE performance_rollup ADD COLUMN superseded_same_day INTEGER NOT NULL DEFAULT 0;

-- The same resolutions by the day of the next resolution first, so that those of a range whose
-- next resolution falls after its end are found from that end onwards, without reading the
-- rest of the range. Dimensions 1 to 3 and 5 (grouped by day, a group's range is its day).
DROP TABLE performance_superseded;
CREATE TABLE performance_superseded (
    dimension   INTEGER NOT NULL,
    next_day    INTEGER NOT NULL,
    day         INTEGER NOT NULL,
    markaz      TEXT    NOT NULL,
    group_key   TEXT    NOT NULL,
    resolutions INTEGER NOT NULL,
    PRIMARY KEY (dimension, next_day, day, markaz, group_key)
) WITHOUT ROWID;

-- The open backlog by unit, by the officer holding the case, by category and by local filing
-- day: each index holds only open cases, ordered as the query groups them, with the time each
-- became open (the ages) and the markaz (a query of one markaz).
DROP INDEX performance_open_cases;
CREATE INDEX performance_open_by_unit
    ON performance_cases (markaz, unit, open_since) WHERE is_open = 1;
CREATE INDEX performance_open_by_holder
    ON performance_cases (markaz, holder, open_since) WHERE is_open = 1;
CREATE INDEX performance_open_by_category
    ON performance_cases (category, markaz, open_since) WHERE is_open = 1;
CREATE INDEX performance_open_by_day
    ON performance_cases (filed_day, markaz, open_since) WHERE is_open = 1;
