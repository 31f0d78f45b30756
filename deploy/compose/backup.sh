#!/usr/bin/env bash
# A paired backup of a running Tvarit compose stack (docs/operations.md §5):
# the services stop for about a minute, PostgreSQL is dumped (the four
# schemas, pg_dump -Fc), then NATS stops and each node's JetStream store is
# archived, then everything is started again.
#
#   deploy/compose/backup.sh [DIR]      # default DIR: backups/tvarit-<UTC date and time>
#
# DIR gets tvarit.dump, nats-data-<node>.tgz for each NATS node (nats; and
# nats-2, nats-3 in the cluster layout) and a manifest (what was taken, the
# image tag, the number of cases). Why the JetStream store too: a post that
# ingest archived and published but that reply had not yet made a case of
# lives only in the stream, and the consumers' positions must match the
# database; restore.sh puts both back together.
#
# The compose command is `docker compose` (or `docker-compose` where there is
# no compose plugin), run in the checkout, so .env and COMPOSE_FILE apply;
# TVARIT_COMPOSE overrides the whole command line (deploy/compose/smoke.sh
# sets it).
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf 'backup: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# shellcheck source=deploy/compose/compose-cmd.sh
source deploy/compose/compose-cmd.sh

dir=${1:-backups/tvarit-$(date -u +%Y-%m-%dT%H%M%SZ)}
mkdir -p "$dir"
[ -z "$(ls -A "$dir")" ] || die "$dir is not empty"

configured=$(compose config --services)
has() { grep -qx "$1" <<<"$configured"; }
running() { [ -n "$(compose ps -q "$1" 2>/dev/null)" ] && [ "$("$docker_bin" inspect -f '{{.State.Running}}' "$(compose ps -q "$1")")" = true ]; }

workers=()
for s in ingest classify reply metrics classify-2 reply-2 metrics-2; do
  if has "$s" && running "$s"; then workers+=("$s"); fi
done
nodes=()
for s in nats nats-2 nats-3; do
  has "$s" && nodes+=("$s")
done
running postgres || die "postgres is not running"

# Always start again what this script stopped, even when a step fails.
stopped_nodes=0
restart() {
  local status=$?
  trap - EXIT
  if [ "$stopped_nodes" = 1 ]; then
    log "starting ${nodes[*]}"
    compose start "${nodes[@]}" >&2 || status=1
  fi
  if [ "${#workers[@]}" -gt 0 ]; then
    log "starting ${workers[*]}"
    compose start "${workers[@]}" >&2 || status=1
  fi
  [ "$status" = 0 ] && log "done in $SECONDS s: $dir" || log "FAILED (exit $status); $dir is incomplete"
  exit "$status"
}
trap restart EXIT

if [ "${#workers[@]}" -gt 0 ]; then
  log "stopping ${workers[*]} (they finish or NAK what they hold)"
  compose stop "${workers[@]}" >&2
fi

psql() { compose exec -T postgres psql -U postgres -d tvarit -XAtq -v ON_ERROR_STOP=1 "$@"; }
log "pg_dump of tvarit_ingest, tvarit_classify, tvarit_reply, tvarit_metrics"
compose exec -T postgres pg_dump -U postgres -d tvarit -Fc \
  -n tvarit_ingest -n tvarit_classify -n tvarit_reply -n tvarit_metrics >"$dir/tvarit.dump"
compose exec -T postgres pg_restore -l <"$dir/tvarit.dump" >/dev/null || die "$dir/tvarit.dump is not a readable archive"

log "stopping ${nodes[*]}"
stopped_nodes=1
compose stop "${nodes[@]}" >&2
for s in "${nodes[@]}"; do
  id=$(compose ps -q "$s")
  [ -n "$id" ] || die "no container for $s"
  image=$("$docker_bin" inspect -f '{{.Config.Image}}' "$id")
  # The node's own image has tar; run as root to read the store as written.
  "$docker_bin" run --rm --volumes-from "$id" --user 0 --entrypoint tar "$image" -czf - -C /data . \
    >"$dir/nats-data-$s.tgz"
  log "$s: $(du -h "$dir/nats-data-$s.tgz" | cut -f1) (nats-data-$s.tgz)"
done

{
  echo "taken_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "tvarit_image=$("$docker_bin" inspect -f '{{.Config.Image}}' "$(compose ps -q reply)" 2>/dev/null || true)"
  echo "nats_nodes=${nodes[*]}"
  echo "cases=$(psql -c 'SELECT count(*) FROM tvarit_reply.cases')"
  echo "max_case_id=$(psql -c 'SELECT coalesce(max(id), 0) FROM tvarit_reply.cases')"
  echo "posts=$(psql -c 'SELECT count(*) FROM tvarit_ingest.posts')"
} >"$dir/manifest"
cat "$dir/manifest" >&2
