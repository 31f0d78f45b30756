-- Recomputes {table} for the (month, {key}) pairs $1/$2 from the counted
-- facts (migration 0008: the exclusions and the first-response time every
-- figure shares; the figures are sql/frt_figures.sql). The shares use each case's own
-- SLA targets (goal_s, breach_s); $3/$4 (goal, breach seconds) stand in for
-- facts recorded before cases carried them. {key} is `ranked_unit` for the
-- unit rows (a case handed to HQ counts for HQ) and `account` for accounts.
WITH touched AS (
    SELECT DISTINCT m AS month, k AS key FROM UNNEST($1::text[], $2::text[]) AS t(m, k)
), f AS (
    SELECT c.month, c.{key} AS key, c.sla_breaches, c.escalations,
           COALESCE(c.goal_s, $3) AS goal_s, COALESCE(c.breach_s, $4) AS breach_s, c.frt
    FROM counted_facts c JOIN touched t ON c.month = t.month AND c.{key} = t.key
), fresh AS (
    SELECT month, key, {frt_figures},
           sum(sla_breaches) AS sla_breaches, sum(escalations) AS escalations
    FROM f GROUP BY month, key
), gone AS (
    DELETE FROM {table} r USING touched t
    WHERE r.month = t.month AND r.{column} = t.key
      AND NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.month = r.month AND fresh.key = r.{column})
)
INSERT INTO {table}
SELECT month, key, cases, answered, median_frt_s, mean_frt_s, p90_frt_s, max_frt_s, within_goal_share,
       within_breach_share, sla_breaches, escalations, $3, $4
FROM fresh
ON CONFLICT (month, {column}) DO UPDATE SET
    cases = EXCLUDED.cases, answered = EXCLUDED.answered, median_frt_s = EXCLUDED.median_frt_s,
    mean_frt_s = EXCLUDED.mean_frt_s, p90_frt_s = EXCLUDED.p90_frt_s, max_frt_s = EXCLUDED.max_frt_s,
    within_goal_share = EXCLUDED.within_goal_share, within_breach_share = EXCLUDED.within_breach_share,
    sla_breaches = EXCLUDED.sla_breaches, escalations = EXCLUDED.escalations,
    goal_s = EXCLUDED.goal_s, breach_s = EXCLUDED.breach_s
