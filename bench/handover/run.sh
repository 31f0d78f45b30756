#!/usr/bin/env bash
# The shift hand-over (Desk.GetHandover) over millions of cases: the six
# queries store/handover.rs makes for one unit, and HQ's (its own cases and
# every district case handed to it, for a viewer with every unit), timed
# with pgbench as the service sends them (extended protocol, a random unit
# per run). GetHandover for every unit of a caller is one unit's set per
# unit, so a supervisor of k units waits about k times the per-unit figure.
#
#   bench/handover/run.sh [CASES]      # default 2000000
#
# Creates a scratch database, applies services/reply/migrations/*.sql, and
# loads CASES synthetic cases over a year in 42 units (skewed: the largest
# has ~7x the smallest's) and HQ: 2 % live (open or in process), of which
# some wait for approval, most have breached (their breach time is long
# past) and some are handed to HQ; one in eleven an emergency; then VACUUM
# ANALYZE, as autovacuum would have by then.
set -euo pipefail
cd "$(dirname "$0")/../.."
CASES="${1:-2000000}"
# shellcheck source=bench/scratch-db.sh
source bench/scratch-db.sh
# KEEP=1 leaves the database for EXPLAIN (its name is printed).
scratch_db handover
echo "loading $CASES cases ..." >&2
start=$(date +%s)
psql_ >/dev/null <<SQL
INSERT INTO cases (docket, unit, platform, post_id, category, urgency, state, post, classification,
                   post_created_at, opened_at, closed_at, claimed_by, conversation_id, author_id,
                   goal_at, breach_at, first_reply_at, reply_status, escalated_to, search_text, author_handle)
SELECT 'D-' || i, CASE WHEN i % 97 = 0 THEN 'hq' ELSE 'u' || u END, 'x', 'p' || i,
       (ARRAY['complaint','complaint','complaint','query','query','other','other','misinformation',
              'appreciation','sensitive','emergency'])[1 + i % 11],
       (ARRAY['normal','normal','high','low','critical'])[1 + i % 5],
       CASE WHEN i % 50 = 0 THEN 'open' WHEN i % 50 = 1 THEN 'in_process'
            WHEN i % 11 = 5 THEN 'not_actionable' ELSE 'closed' END,
       '\x'::bytea, '\x'::bytea, t, t + interval '3 s',
       CASE WHEN i % 50 > 1 THEN t + interval '1 h' END,
       CASE WHEN i % 50 = 1 THEN 'op' || (i % 300) END, '', 'a' || i,
       t + interval '2 min', t + interval '5 min',
       -- Answered: the closed cases and a quarter of the in-process ones; never
       -- the not-actionable ones (nobody answers spam) nor the open ones.
       CASE WHEN (i % 50 > 1 AND i % 11 <> 5) OR i % 200 = 1 THEN t + interval '1 min' END,
       CASE WHEN i % 1000 = 1 THEN 'awaiting_approval' ELSE '' END,
       CASE WHEN i % 500 = 0 THEN 'hq' ELSE '' END,
       '', ''
FROM (SELECT i, floor(42 * power(random(), 1.6))::int AS u,
             timestamptz '2025-12-01 00:00+00' + (i::float8 / $CASES) * interval '365 days' AS t
      FROM generate_series(1, $CASES) AS i) s;
SQL
psql_ -c "VACUUM ANALYZE cases" >/dev/null
echo "loaded in $(( $(date +%s) - start )) s" >&2
LAST=$(psql_ -At -c "SELECT max(opened_at) FROM cases")
LIVE="state IN ('open', 'in_process')"
HANDED="unit <> 'hq' AND (escalated_to = 'hq' OR escalated_to LIKE 'hq/%')"
COLS="id, docket, unit, category, urgency, state, post, classification, opened_at, claimed_by, first_reply_at,
      last_reply_text, closed_at, reply_status, reply_error, follow_ups, goal_at, breach_at, escalation_level,
      escalated_to, draft_text, draft_source, acknowledged_at, acknowledged_by"
# One unit's hand-over: the queries store/handover.rs builds, `\$1` the unit.
handover() { # handover NAME SCOPE
  cat > "$WORK/$1.sql" <<EOF
\\set u random(0, 41)
SELECT claimed_by, count(*) FROM cases WHERE $LIVE AND $2 GROUP BY claimed_by;
SELECT $COLS FROM cases WHERE reply_status = 'awaiting_approval' AND $LIVE AND $2 ORDER BY opened_at LIMIT 100;
SELECT $COLS FROM cases WHERE $LIVE AND first_reply_at IS NULL AND breach_at <= now() AND $2 ORDER BY breach_at LIMIT 100;
SELECT $COLS FROM cases WHERE category = 'emergency' AND opened_at >= timestamptz '$LAST' - interval '8 hours' AND $2 ORDER BY opened_at DESC LIMIT 100;
SELECT id, unit, author, text, written_at, acknowledged_by, acknowledged_at FROM handover_notes WHERE unit = 'x' ORDER BY id DESC LIMIT 1;
EOF
}
handover district "unit = 'u' || (:u)::text"
handover hq "(unit = 'hq' OR ($LIVE AND $HANDED AND ('*' = ANY(ARRAY['*']) OR unit = ANY(ARRAY['*']))))"
echo "SELECT count(*) FROM cases WHERE $LIVE AND $HANDED AND ('*' = ANY(ARRAY['*']) OR unit = ANY(ARRAY['*']));" >> "$WORK/hq.sql"

run() { # run LABEL RUNS
  for q in district hq; do
    rm -f "$WORK/$q".[0-9]*
    (cd "$WORK" && pgbench "$DBURL" -n -M extended -f "$q.sql" -t "$2" -c 1 -l --log-prefix="$q" >"$q.out" 2>&1) || { cat "$WORK/$q.out" >&2; exit 1; }
    cat "$WORK/$q".[0-9]* | awk '{ print $3 / 1000 }' | sort -n | awk -v q="$q" -v l="$1" '{ v[NR] = $1 }
      END { printf "%-12s %-16s %8.2f %8.2f %8d\n", q, l, v[int(NR * 0.5)], v[int(NR * 0.99)], NR }'
  done
}
printf '\n%-12s %-16s %8s %8s %8s\n' handover indexes p50_ms p99_ms runs
run "with 0019" 300
# What migration 0019's two indexes buy: the same reads without them.
psql_ -c "DROP INDEX cases_breach_due, cases_handed_to_hq" >/dev/null
run "without 0019" 50
psql_ -At -c "SELECT 'live cases: ' || count(*) FILTER (WHERE $LIVE) || ', handed to HQ: ' || count(*) FILTER (WHERE $LIVE AND $HANDED) || ', of ' || count(*) FROM cases"
