#!/usr/bin/env bash
# Checks the monitoring deployment files: installs Prometheus (Debian
# package, which brings promtool) when absent, then validates
# deploy/prometheus/prometheus.yml with `promtool check config` and every
# Grafana dashboard JSON with python3's json module. The metrics dashboard
# test (tests/e2e/metrics_dashboards.rs) needs the `prometheus` binary this
# script installs. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf 'check-deploy: %s\n' "$*" >&2; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    log "error: need root (or sudo) to run: $*"; exit 1; fi
}

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  log "installing prometheus (Debian package; brings promtool)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >&2 \
    || { as_root apt-get update -q >&2 && as_root env DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -q --no-install-recommends prometheus >&2; }
  # The package starts a server where an init system exists; tests start their own.
  as_root sh -c 'command -v service >/dev/null && service prometheus stop' >/dev/null 2>&1 || true
fi

if ! command -v docker-compose >/dev/null 2>&1; then
  log "installing docker-compose (Debian package; only its config check is used)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-compose >&2 \
    || { as_root apt-get update -q >&2 && as_root env DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -q --no-install-recommends docker-compose >&2; }
fi
# Dummy values: .env is the operator's; here only the file's shape is checked.
for files in "-f docker-compose.yml" "-f docker-compose.yml --profile demo" "-f docker-compose.yml --profile district" \
  "-f docker-compose.yml -f docker-compose.cluster.yml" \
  "-f docker-compose.yml -f docker-compose.demo.yml --profile demo"; do
  # shellcheck disable=SC2086 # the words are separate arguments
  TVARIT_POSTGRES_PASSWORD=check TVARIT_GRAFANA_ADMIN_PASSWORD=check TVARIT_DEMO_SECRET=check \
    docker-compose $files config -q
done
bash deploy/demo/make-registry.sh | cmp -s - deploy/demo/registry.toml \
  || { log "error: deploy/demo/registry.toml is stale: bash deploy/demo/make-registry.sh > deploy/demo/registry.toml"; exit 1; }

# Every variable the compose files read is documented in .env.example.
for var in $(grep -ohE '\$\{[A-Z_]+' docker-compose*.yml | tr -d '${' | sort -u); do
  grep -qE "^#? ?$var=" .env.example || { log "error: $var (read by docker-compose) is not in .env.example"; exit 1; }
done

# prometheus.yml names the rules by their path in the container.
promtool check config --syntax-only deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/alerts.yml
for f in deploy/grafana/dashboards/*.json; do
  python3 -m json.tool "$f" >/dev/null || { log "error: $f is not valid JSON"; exit 1; }
done
log "ok: docker-compose.yml, prometheus.yml and $(ls deploy/grafana/dashboards/*.json | wc -l) dashboards"
