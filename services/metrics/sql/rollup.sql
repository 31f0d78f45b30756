-- Recomputes unit_month_rollup for the (month, unit) pairs $1/$2 from the raw
-- facts with the same exclusions as every figure. $3 goal, $4 breach seconds.
WITH touched AS (
    SELECT DISTINCT m AS month, u AS unit FROM UNNEST($1::text[], $2::text[]) AS t(m, u)
), f AS (
    SELECT c.month, c.unit, c.sla_breaches, c.escalations,
           CASE WHEN c.first_reply_at IS NOT NULL
                THEN GREATEST(0, EXTRACT(EPOCH FROM c.first_reply_at - c.post_created_at))::float8 END AS frt
    FROM case_facts c JOIN touched t ON c.month = t.month AND c.unit = t.unit
    WHERE c.state <> 'not_actionable' AND NOT c.untagged
), fresh AS (
    SELECT month, unit, count(*) AS cases, count(frt) AS answered,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY frt) AS median_frt_s, avg(frt) AS mean_frt_s,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY frt) AS p90_frt_s, max(frt) AS max_frt_s,
           (count(*) FILTER (WHERE frt <= $3))::float8 / count(*) AS within_goal_share,
           (count(*) FILTER (WHERE frt <= $4))::float8 / count(*) AS within_breach_share,
           sum(sla_breaches) AS sla_breaches, sum(escalations) AS escalations
    FROM f GROUP BY month, unit
), gone AS (
    DELETE FROM unit_month_rollup r USING touched t
    WHERE r.month = t.month AND r.unit = t.unit AND NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.month = r.month AND fresh.unit = r.unit)
)
INSERT INTO unit_month_rollup
SELECT month, unit, cases, answered, median_frt_s, mean_frt_s, p90_frt_s, max_frt_s, within_goal_share,
       within_breach_share, sla_breaches, escalations, $3, $4
FROM fresh
ON CONFLICT (month, unit) DO UPDATE SET
    cases = EXCLUDED.cases, answered = EXCLUDED.answered, median_frt_s = EXCLUDED.median_frt_s,
    mean_frt_s = EXCLUDED.mean_frt_s, p90_frt_s = EXCLUDED.p90_frt_s, max_frt_s = EXCLUDED.max_frt_s,
    within_goal_share = EXCLUDED.within_goal_share, within_breach_share = EXCLUDED.within_breach_share,
    sla_breaches = EXCLUDED.sla_breaches, escalations = EXCLUDED.escalations,
    goal_s = EXCLUDED.goal_s, breach_s = EXCLUDED.breach_s
