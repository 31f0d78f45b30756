count(*) AS cases, count(frt) AS answered,
percentile_cont(0.5) WITHIN GROUP (ORDER BY frt) AS median_frt_s, avg(frt) AS mean_frt_s,
percentile_cont(0.9) WITHIN GROUP (ORDER BY frt) AS p90_frt_s, max(frt) AS max_frt_s,
(count(*) FILTER (WHERE frt <= goal_s))::float8 / count(*) AS within_goal_share,
(count(*) FILTER (WHERE frt <= breach_s))::float8 / count(*) AS within_breach_share
