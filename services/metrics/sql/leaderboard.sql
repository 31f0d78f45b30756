-- A month's rows from the rollup ($1 month). `current` is false for a row
-- computed with other goal/breach limits ($2, $3): the caller then uses the
-- raw facts for the whole month.
SELECT unit, cases, answered, median_frt_s, mean_frt_s, p90_frt_s, max_frt_s, within_goal_share,
       within_breach_share, sla_breaches, escalations, (goal_s = $2 AND breach_s = $3) AS current
FROM unit_month_rollup
WHERE month = $1
