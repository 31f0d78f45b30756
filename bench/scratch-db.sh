# Sourced by the database benches (handover, search): a scratch database
# named bench_<name>_<pid> beside PGURL's, with reply's migrations applied,
# dropped on exit with the work folder (KEEP=1 keeps the database for
# EXPLAIN and prints its name). Sets DB, DBURL, WORK and psql_.
# PGURL defaults to the test database (deploy/local/ensure-services.sh).
scratch_db() {
  local name=$1
  PGURL="${PGURL:-${TVARIT_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
  DB="bench_${name}_$$"
  DBURL="${PGURL%/*}/$DB"
  WORK="$(mktemp -d)"
  if [ -z "${KEEP:-}" ]; then
    trap 'psql "$PGURL" -X -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
  else
    echo "database $DB is kept" >&2
  fi
  psql "$PGURL" -X -q -c "CREATE DATABASE $DB" >/dev/null
  local f
  for f in services/reply/migrations/*.sql; do psql_ -f "$f" >/dev/null; done
}
psql_() { psql "$DBURL" -X -q -v ON_ERROR_STOP=1 "$@"; }
