#!/usr/bin/env bash
# The month leaderboard over 1,000,000 cases, against a bare count(*) over
# the same rows in the same run, so the number means something on any machine.
#
#   bench/metrics/run.sh [CASES]      # default 1000000
#
# Creates a scratch schema, applies services/metrics/migrations/*.sql, loads
# CASES synthetic facts for 2026-11 (plus CASES/10 for 2026-10, for the rank
# change) over 42 units with INSERT ... SELECT generate_series, builds the
# rollups with the service's own services/metrics/sql/rollup.sql, then times
# (best of 7, psql \timing) the service's leaderboard.sql for the month and
# the month before (what one Leaderboard call runs), the same figures from the
# raw facts (percentile_cont), a one-unit and a one-account rollup refresh
# (a batch's write cost) and `SELECT count(*)` over the month's rows. Drops the schema at exit.
# PGURL defaults to the admin URL deploy/local/ensure-services.sh prints.
set -euo pipefail
cd "$(dirname "$0")/../.."
CASES="${1:-1000000}"
PGURL="${PGURL:-${TVARIT_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
SCHEMA="bench_metrics_$$"
psql_() { psql "$PGURL" -X -q -v ON_ERROR_STOP=1 "$@"; }
trap 'psql_ -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true' EXIT

psql_ -c "CREATE SCHEMA $SCHEMA" >/dev/null
for f in services/metrics/migrations/*.sql; do
  { echo "SET search_path = $SCHEMA;"; cat "$f"; } | psql_ >/dev/null
done
echo "loading $CASES facts ..." >&2
psql_ >/dev/null <<SQL
SET search_path = $SCHEMA;
-- 42 units; FRT 10 s .. ~40 min, skewed per unit; 10% unanswered, 5% not actionable.
INSERT INTO case_facts (docket, unit, platform, account, category, state, post_created_at, received_at,
                        opened_at, first_reply_at, closed_at, last_event_id, untagged, month, replied_by, ranked_unit)
SELECT 'D' || m || '-' || i, 'unit' || (i % 42), 'x', 'acct' || (i % 48), 'complaint',
       CASE WHEN i % 20 = 0 THEN 'not_actionable' ELSE 'closed' END,
       t, t + interval '2 s', t + interval '3 s',
       CASE WHEN i % 10 = 3 THEN NULL
            ELSE t + make_interval(secs => 10 + (hashint4(i) & 2047) * (1 + i % 42) / 40.0) END,
       NULL, i, false, m, 'op' || (i % 7), 'unit' || (i % 42)
FROM (SELECT i, CASE WHEN i <= $CASES THEN '2026-11' ELSE '2026-10' END AS m,
             CASE WHEN i <= $CASES THEN timestamptz '2026-10-31 18:30:00+00' ELSE timestamptz '2026-09-30 18:30:00+00' END
               + make_interval(secs => (i % 2500000)) AS t
      FROM generate_series(1, $CASES + $CASES / 10) AS i) s;
ANALYZE case_facts;
SQL

best() { # best LABEL SQL...: best of 7 psql \timing values in ms
  local label="$1"; shift
  local out
  out=$( { echo "SET search_path = $SCHEMA;"; printf '%s\n' "$@"; echo '\timing on';
           for _ in 1 2 3 4 5 6 7; do printf '%s\n' "${RUN[@]}"; done; } | psql_ -At 2>&1 )
  echo "$out" | awk -v l="$label" '/^Time:/ { n++; if ((n - 1) % '"${#RUN[@]}"' == 0) cur = 0; cur += $2;
      if (n % '"${#RUN[@]}"' == 0 && (best == "" || cur < best)) best = cur } END { printf "%s %.3f\n", l, best }'
}
# The SQL templates filled as rollup.rs fills them: units, then accounts.
fill() { sed -e "s/{table}/$1/g; s/{column}/$2/g; s/{key}/$3/g" "$4"; }
LB="$(fill unit_month_rollup unit ranked_unit services/metrics/sql/leaderboard.sql)"
ROLLUP="$(fill unit_month_rollup unit ranked_unit services/metrics/sql/rollup.sql)"
ACCOUNT_ROLLUP="$(fill account_month_rollup account account services/metrics/sql/rollup.sql)"
build=$( { echo "SET search_path = $SCHEMA;"; echo "PREPARE r(text[], text[], float8, float8) AS $ROLLUP;"; 
           echo "SELECT array_agg(m)::text AS ms, array_agg(u)::text AS us FROM (SELECT DISTINCT month m, unit u FROM case_facts) d \\gset";
           echo '\timing on'; echo "EXECUTE r(:'ms', :'us', 120, 300);"; } \
         | psql_ -At | awk '/^Time:/ { print $2 }')
RUN=("EXECUTE lb('2026-11', 120, 300);" "EXECUTE lb('2026-10', 120, 300);")
lb=$(best leaderboard "PREPARE lb(text, float8, float8) AS $LB;")
RUN=("SELECT unit, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY frt), percentile_cont(0.9) WITHIN GROUP (ORDER BY frt)
      FROM counted_facts WHERE month = '2026-11' GROUP BY unit;")
raw=$(best raw)
RUN=("EXECUTE r(ARRAY['2026-11'], ARRAY['unit7'], 120, 300);")
one=$(best one_unit_refresh "PREPARE r(text[], text[], float8, float8) AS $ROLLUP;")
RUN=("EXECUTE a(ARRAY['2026-11'], ARRAY['acct7'], 120, 300);")
acct=$(best one_account_refresh "PREPARE a(text[], text[], float8, float8) AS $ACCOUNT_ROLLUP;")
RUN=("SELECT count(*) FROM case_facts WHERE month = '2026-11';")
cnt=$(best count)
rows=$(psql_ -At -c "SELECT count(*) FROM $SCHEMA.unit_month_rollup WHERE month = '2026-11'")
python3 - "$CASES" "$build" "$lb" "$raw" "$one" "$cnt" "$acct" "$rows" <<'PY'
import sys
cases, build = int(sys.argv[1]), float(sys.argv[2])
lb, raw, one, cnt, acct = (float(a.split()[1]) for a in sys.argv[3:8])
print(f"cases in the month: {cases:,} (+{cases // 10:,} the month before), units ranked: {sys.argv[8]}")
print(f"leaderboard (rollup, month + previous month): {lb:.2f} ms  = {lb / cnt:.3f} x count(*)")
print(f"same figures from raw facts (percentile_cont): {raw:.1f} ms  = {raw / cnt:.2f} x count(*)")
print(f"bare SELECT count(*) over the month's rows:    {cnt:.1f} ms")
print(f"rollup refresh, one unit-month (a batch's write): {one:.1f} ms; full rebuild of units: {build:.0f} ms")
print(f"rollup refresh, one account-month (48 accounts): {acct:.1f} ms  = {acct / one:.2f} x the unit-month")
PY
