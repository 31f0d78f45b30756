-- A month's rows from a rollup table ({table}, keyed by {column}; $1 month).
-- `current` is false for a row computed with other default goal/breach
-- limits ($2, $3): the caller then uses the raw facts for the whole month.
SELECT {column} AS key, cases, answered, median_frt_s, mean_frt_s, p90_frt_s, max_frt_s, within_goal_share,
       within_breach_share, sla_breaches, escalations, (goal_s = $2 AND breach_s = $3) AS current
FROM {table}
WHERE month = $1
