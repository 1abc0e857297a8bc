-- The finest performance grain (day, markaz, unit, officer, category) was written for nearly
-- every event and read by no query: the per-dimension day and month rollups answer every
-- performance query on their own. Dropping it takes most of the rollup writes off each batch.
DROP TABLE performance_daily;
