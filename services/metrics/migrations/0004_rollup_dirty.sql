-- Unit-months whose rollup is out of date. Recording events marks them; a
-- background refresh (and every leaderboard read) recomputes them. Before
-- this, every batch recomputed the percentiles of every unit-month it
-- touched over the whole month's facts, which grew with the month and took
-- the database's CPU from the rest of the pipeline on a busy day.
CREATE TABLE rollup_dirty (
    month text NOT NULL,
    unit  text NOT NULL,
    PRIMARY KEY (month, unit)
);
