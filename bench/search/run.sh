#!/usr/bin/env bash
# Case search (Desk.SearchCases) over millions of cases, and what its indexes
# cost intake, measured in the same run so the ratio means something on any
# machine.
#
#   bench/search/run.sh [CASES]      # default 5000000
#
# Creates a scratch database, applies services/reply/migrations/*.sql (0015
# adds the search column and its indexes), loads CASES synthetic cases with
# INSERT ... SELECT generate_series: 42 units (skewed: the largest has ~7x
# the smallest's cases), a year of opening times, 12-30 words per post drawn
# Zipf-like from a vocabulary of Hindi, Hinglish and English words plus
# 200,000 made-up ones (so some words are in a handful of cases), 300,000
# authors. Then, with pgbench (extended protocol, unnamed statements, as the
# service sends them; random parameters per run), it times the searches a
# desk makes, in the SQL store/search.rs builds, and reports p50/p99 in ms.
# Finally the intake cost: 200 transactions of 100 cases (+ their `opened`
# events) each in intake's shape, with everything 0015 adds, then without
# the GIN index, without the search column, without its b-trees too; as
# ratios to the last.
# PGURL defaults to the admin URL deploy/local/ensure-services.sh prints.
set -euo pipefail
cd "$(dirname "$0")/../.."
CASES="${1:-5000000}"
# shellcheck source=bench/scratch-db.sh
source bench/scratch-db.sh
scratch_db search
# Load first, then build 0015's indexes as its migration does on existing data.
INDEXES=$(grep '^CREATE INDEX' services/reply/migrations/0015_*.sql)
psql_ -c "DROP INDEX cases_search, cases_opened, case_events_case, replies_case" >/dev/null

echo "loading $CASES cases ..." >&2
start=$(date +%s)
psql_ >/dev/null <<SQL
-- Word rank 1 is the commonest; P(rank k) ~ 1/k (log-uniform rank). Ranks
-- past the real words are made up: 'w<rank>'.
CREATE FUNCTION word(r int) RETURNS text IMMUTABLE LANGUAGE sql AS \$\$
  SELECT CASE WHEN r <= 62 THEN (ARRAY[
    'police','पुलिस','help','मदद','please','कृपया','thana','थाना','chori','चोरी','bike','बाइक','mobile','मोबाइल',
    'complaint','शिकायत','road','सड़क','accident','दुर्घटना','madad','kripya','fir','शराब','noise','traffic',
    'fraud','धोखाधड़ी','upi','paisa','पैसे','gaon','गांव','market','बाजार','fight','झगड़ा','ladki','harassment',
    'water','पानी','light','बिजली','station','bus','stand','night','रात','sir','जी','urgent','turant','तुरंत',
    'thank','धन्यवाद','shukriya','good','work','mafia','tanker','helmet','signal'])[r]
  ELSE 'w' || r END
\$\$;
CREATE FUNCTION post_words(n int) RETURNS text VOLATILE LANGUAGE sql AS \$\$
  SELECT string_agg(word(floor(exp(random() * ln(200000)))::int), ' ') FROM generate_series(1, n)
\$\$;
CREATE TABLE vocab AS SELECT r AS rank, word(r) AS word FROM generate_series(1, 200000) AS r;

INSERT INTO cases (docket, unit, platform, post_id, category, urgency, state, post, classification,
                   post_created_at, opened_at, closed_at, claimed_by, conversation_id, author_id,
                   goal_at, breach_at, search_text, author_handle)
SELECT 'D-' || i, 'u' || u, CASE WHEN i % 5 = 0 THEN 'facebook' ELSE 'x' END, 'p' || i,
       (ARRAY['complaint','complaint','complaint','query','query','other','other','misinformation',
              'appreciation','sensitive','emergency'])[1 + i % 11],
       (ARRAY['normal','normal','high','low','critical'])[1 + i % 5],
       CASE WHEN i % 50 = 0 THEN 'open' WHEN i % 50 = 1 THEN 'in_process'
            WHEN i % 11 = 5 THEN 'not_actionable' ELSE 'closed' END,
       '\x'::bytea, '\x'::bytea, t, t + interval '3 s', t + interval '1 h',
       'op' || (i % 300), '', 'a' || a, t + interval '2 min', t + interval '5 min',
       post_words(n),
       'user' || a
FROM (SELECT i, floor(42 * power(random(), 1.6))::int AS u, 12 + (i % 19) AS n,
             (hashint4(i) & 2147483647) % 300000 AS a,
             timestamptz '2025-12-01 00:00+00' + (i::float8 / $CASES) * interval '365 days' AS t
      FROM generate_series(1, $CASES) AS i) s;
SQL
echo "loaded in $(( $(date +%s) - start )) s; building the indexes ..." >&2
start=$(date +%s)
psql_ -c "SET maintenance_work_mem = '512MB'" -c "$INDEXES" -c "ANALYZE" >/dev/null
echo "indexed in $(( $(date +%s) - start )) s" >&2

# A random word of rank in [lo, hi], and units, authors, dockets for the runs.
psql_ -At -c "SELECT word FROM vocab WHERE rank BETWEEN 1 AND 12" > "$WORK/common"
psql_ -At -c "SELECT word FROM vocab WHERE rank BETWEEN 200 AND 2000 ORDER BY random() LIMIT 200" > "$WORK/mid"
psql_ -At -c "SELECT word FROM vocab WHERE rank BETWEEN 100000 AND 200000 ORDER BY random() LIMIT 200" > "$WORK/rare"

COLS="id, docket, unit, category, urgency, state, post, classification, opened_at, claimed_by, first_reply_at,
      last_reply_text, closed_at, reply_status, reply_error, follow_ups, goal_at, breach_at, escalation_level,
      escalated_to, draft_text, draft_source, acknowledged_at, acknowledged_by"
# pgbench script: \set picks, then the query store/search.rs builds for them.
# Each run first picks its words (\gset), so the search gets them as bound
# parameters, planned for their values, as the service sends them.
script() { # script NAME WHERE-clause
  cat > "$WORK/$1.sql" <<EOF
\\set r random(1, 200)
\\set c random(1, 12)
\\set u random(0, 41)
\\set a random(0, 299999)
\\set d random(1, $CASES)
SELECT (SELECT word FROM pick WHERE kind = 'rare' AND n = :r) AS rare,
       (SELECT word FROM pick WHERE kind = 'mid' AND n = :r) AS mid,
       (SELECT word FROM pick WHERE kind = 'common' AND n = :c) AS common \\gset
SELECT $COLS FROM cases WHERE true $2 ORDER BY opened_at DESC, id DESC LIMIT 51;
EOF
}
psql_ -c "CREATE TABLE pick (kind text, n int, word text)" >/dev/null
for k in common mid rare; do
  awk -v k="$k" '{ printf "%s\t%d\t%s\n", k, NR, $0 }' "$WORK/$k" | psql_ -c "\\copy pick FROM STDIN"
done
psql_ -c "CREATE INDEX ON pick (kind, n); ANALYZE pick" >/dev/null
LAST=$(psql_ -At -c "SELECT max(opened_at) FROM cases")
word() { printf "(:%s)::text" "$1"; }
# pgbench would take ':u' inside a literal for its variable: chr(58) is ':'.
U="'~u' || chr(58) || 'u'"
UNIT="'''' || $U || (:u)::text || ''''"
THREE="'(''' || $U || (:u)::text || ''' | ''' || $U || ((:u)::int + 1) % 42 || ''' | ''' || $U || ((:u)::int + 2) % 42 || ''')'"
script unit_rare      "AND search @@ (websearch_to_tsquery('simple', $(word rare)) && ($UNIT)::tsquery)"
script unit_mid       "AND search @@ (websearch_to_tsquery('simple', $(word mid)) && ($UNIT)::tsquery)"
script unit_common    "AND search @@ (websearch_to_tsquery('simple', $(word common)) && ($UNIT)::tsquery)"
script unit_two_words "AND search @@ (websearch_to_tsquery('simple', $(word common) || ' ' || $(word mid)) && ($UNIT)::tsquery)"
script three_units_mid "AND search @@ (websearch_to_tsquery('simple', $(word mid)) && ($THREE)::tsquery)"
script all_rare       "AND search @@ (websearch_to_tsquery('simple', $(word rare)))"
script all_common     "AND search @@ (websearch_to_tsquery('simple', $(word common)))"
script unit_author    "AND search @@ (('''~a' || chr(58) || 'user' || (:a)::text || '''')::tsquery && ($UNIT)::tsquery)"
script unit_category_week "AND unit = ANY(ARRAY['u' || (:u)::text]) AND category = 'emergency' AND opened_at >= timestamptz '$LAST' - interval '7 days'"
script unit_closed    "AND unit = ANY(ARRAY['u' || (:u)::text]) AND state = 'closed'"
script all_newest     ""
script docket         "AND docket = 'D-' || (:d)::text"

printf '\n%-20s %8s %8s %8s\n' search p50_ms p99_ms runs
for q in unit_rare unit_mid unit_common unit_two_words three_units_mid all_rare all_common unit_author \
         unit_category_week unit_closed all_newest docket; do
  (cd "$WORK" && pgbench "$DBURL" -n -M extended -f "$q.sql" -t 300 -c 1 -l --log-prefix="$q" >"$q.out" 2>&1) || { cat "$WORK/$q.out" >&2; exit 1; }
  cat "$WORK/$q".[0-9]* | awk '{ print $3 / 1000 }' | sort -n | awk -v q="$q" '{ v[NR] = $1 }
    END { printf "%-20s %8.2f %8.2f %8d\n", q, v[int(NR * 0.5)], v[int(NR * 0.99)], NR }'
done

# Intake: 100 cases and their events per transaction, committed each time.
# The posts' words are made beforehand, so only the writes are timed.
psql_ >/dev/null <<'SQL'
CREATE TABLE staged AS SELECT k, post_words(20) AS words FROM generate_series(1, 84100) AS k;
CREATE UNIQUE INDEX ON staged (k);
CREATE PROCEDURE intake(first int, batches int) LANGUAGE plpgsql AS $$
DECLARE b int;
BEGIN
  FOR b IN first..first + batches - 1 LOOP
    WITH opened AS (
      INSERT INTO cases (docket, unit, platform, post_id, category, urgency, state, post, classification,
                         post_created_at, opened_at, conversation_id, author_id, goal_at, breach_at,
                         search_text, author_handle)
      SELECT 'N-' || k, 'u' || (k % 42), 'x', 'n' || k, 'complaint', 'normal', 'open',
             convert_to(words, 'UTF8'), '\x'::bytea, now(), now(), '', 'a' || k,
             now() + interval '2 min', now() + interval '5 min', words, 'user' || (k % 300000)
      FROM staged WHERE k > b * 100 AND k <= b * 100 + 100
      RETURNING id, unit)
    INSERT INTO case_events (case_id, kind, unit, payload) SELECT id, 'opened', unit, '\x00'::bytea FROM opened;
    COMMIT;
  END LOOP;
END $$;
SQL
intake_ms() { # intake_ms FIRST-BATCH: wall time of 200 batches
  psql_ -At -c '\timing on' -c "CALL intake($1, 200)" | awk '/^Time:/ { print $2 }'
}
psql_ -c "CALL intake(0, 20)" >/dev/null   # warm up
with=$(intake_ms 20)
psql_ -c "DROP INDEX cases_search" >/dev/null
psql_ -c "CALL intake(220, 20)" >/dev/null
column=$(intake_ms 240)
psql_ -c "ALTER TABLE cases DROP COLUMN search" >/dev/null
btrees=$(intake_ms 440)
psql_ -c "DROP INDEX cases_opened, case_events_case, replies_case" >/dev/null
without=$(intake_ms 640)
ratio() { echo "$1 / $without" | bc -l; }
printf '\nintake of 20,000 cases in batches of 100 (+ their events):\n'
printf '  without 0015              %6.0f ms  1.00\n' "$without"
printf '  + its b-trees             %6.0f ms  %.2f\n' "$btrees" "$(ratio "$btrees")"
printf '  + the search column       %6.0f ms  %.2f\n' "$column" "$(ratio "$column")"
printf '  + its GIN index (all)     %6.0f ms  %.2f\n' "$with" "$(ratio "$with")"
