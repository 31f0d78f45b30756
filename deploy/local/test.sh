#!/usr/bin/env bash
# Runs all tests: makes sure NATS and PostgreSQL answer locally (installing
# and starting them when absent), builds the binaries, then runs
# `cargo test --workspace --no-fail-fast` and exits with its status.
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
  admin_line=$(bash deploy/local/ensure-services.sh | tail -n 1)
  admin_url=${admin_line#TVARIT_ADMIN_DATABASE_URL=}
  if [ -z "$admin_url" ] || [ "$admin_url" = "$admin_line" ]; then
    echo "test: error: ensure-services.sh printed no admin URL" >&2
    exit 1
  fi
  TVARIT_TEST_DATABASE_URL=${TVARIT_TEST_DATABASE_URL:-$admin_url}
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
exit "$status"
