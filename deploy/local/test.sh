#!/usr/bin/env bash
# Runs all tests: makes sure NATS and PostgreSQL answer locally (installing
# and starting them when absent), builds the binaries, runs
# `cargo test --workspace --no-fail-fast`, then (for the whole suite) runs
# HQ's compose stack from those binaries with deploy/compose/smoke.sh, and
# exits non-zero if either failed.
# Extra arguments go to cargo test, e.g.
#   deploy/local/test.sh -p tvarit-reply
#   deploy/local/test.sh -- --nocapture
#
# Tests create their own random databases through TVARIT_TEST_DATABASE_URL
# (an admin URL, database `postgres`) and their own namespaced streams on
# TVARIT_TEST_NATS_URL; both can be set beforehand to point elsewhere
# (TVARIT_SKIP_ENSURE_SERVICES=1 then skips the local check).
set -euo pipefail

cd "$(dirname "$0")/../.."

if [ "${TVARIT_SKIP_ENSURE_SERVICES:-0}" != 1 ]; then
  ensured=$(bash deploy/local/ensure-services.sh)
  admin_line=$(printf '%s\n' "$ensured" | tail -n 1)
  admin_url=${admin_line#TVARIT_ADMIN_DATABASE_URL=}
  if [ -z "$admin_url" ] || [ "$admin_url" = "$admin_line" ]; then
    echo "test: error: ensure-services.sh printed no admin URL" >&2
    exit 1
  fi
  TVARIT_TEST_DATABASE_URL=${TVARIT_TEST_DATABASE_URL:-$admin_url}
  # The pinned nats-server release (deploy/nats/nats-server.sh), as compose runs.
  nats_url=$(printf '%s\n' "$ensured" | sed -n 's/^TVARIT_NATS_URL=//p')
  TVARIT_TEST_NATS_URL=${TVARIT_TEST_NATS_URL:-$nats_url}
  # Fault tests start nats-server processes of their own: the same release.
  TVARIT_TEST_NATS_SERVER=${TVARIT_TEST_NATS_SERVER:-$(bash deploy/nats/nats-server.sh)}
  export TVARIT_TEST_NATS_SERVER
fi
if [ -z "${TVARIT_TEST_DATABASE_URL:-}" ]; then
  echo "test: error: TVARIT_SKIP_ENSURE_SERVICES=1 needs TVARIT_TEST_DATABASE_URL" >&2
  exit 1
fi
export TVARIT_TEST_DATABASE_URL
export TVARIT_TEST_NATS_URL=${TVARIT_TEST_NATS_URL:-nats://127.0.0.1:4222}
echo "test: TVARIT_TEST_DATABASE_URL=$TVARIT_TEST_DATABASE_URL TVARIT_TEST_NATS_URL=$TVARIT_TEST_NATS_URL" >&2

# Prometheus (for the dashboards test) and the deployment files' checks.
bash deploy/local/check-deploy.sh

# The cross-service tests (tests/) start the real binaries from
# target/debug, which `cargo test` alone does not build for other packages.
status=0
cargo build --workspace --bins || exit $?
cargo test --workspace --no-fail-fast "$@" || status=$?

# HQ's docker compose stack, built from the binaries above (no second
# build) and put through deploy/compose/smoke.sh: 5-6 minutes, its images
# cached or not (docs/operations.md §14).
# It runs with the whole suite (no arguments) or TVARIT_SMOKE=1;
# TVARIT_SMOKE=0 skips it.
smoke=${TVARIT_SMOKE:-}
if [ -z "$smoke" ]; then
  smoke=0
  [ "$#" -gt 0 ] || smoke=1
fi
if [ "$smoke" = 1 ]; then
  echo "test: deploy/compose/smoke.sh --binaries ${CARGO_TARGET_DIR:-target}/debug" >&2
  bash deploy/compose/smoke.sh --binaries "${CARGO_TARGET_DIR:-target}/debug" || status=1
fi
exit "$status"
