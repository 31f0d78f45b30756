-- What every response-time figure counts, and the first-response time
-- itself, defined once. The rollups (sql/rollup.sql), the leaderboard's raw
-- path and the Stats query all read this view, so an exclusion (not
-- actionable, untagged, opened by a direct message) is written in one place:
-- before it, adding one meant editing three queries alike. A plain view: the
-- planner inlines it, so each query keeps its own indexes. Its column list is
-- fixed when it is created: a column added to case_facts later that a figure
-- needs means recreating it.
CREATE VIEW counted_facts AS
SELECT c.*,
       -- GREATEST skips NULLs, so an unanswered case stays NULL explicitly.
       CASE WHEN c.first_reply_at IS NOT NULL
            THEN GREATEST(0, EXTRACT(EPOCH FROM c.first_reply_at - c.post_created_at))::float8 END AS frt
FROM case_facts c
WHERE c.state <> 'not_actionable' AND NOT c.untagged AND NOT c.private;
