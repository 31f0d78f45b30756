#!/usr/bin/env bash
# Restores a paired backup made by deploy/compose/backup.sh (docs/operations.md
# §5) into this host's compose stack, a fresh one or the one that is there:
# PostgreSQL's four schemas are replaced from tvarit.dump and each NATS
# node's JetStream store from nats-data-<node>.tgz, then the stack is started
# and the audit chain verified.
#
#   deploy/compose/restore.sh DIR [SERVICE...]   # SERVICEs: what `up -d` starts (default: all)
#
# What it destroys: the current contents of the four schemas and of the NATS
# volumes. Work done after the backup is not brought back (§5).
# The compose command is as in backup.sh (TVARIT_COMPOSE overrides it).
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf 'restore: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

dir=${1:?usage: restore.sh DIR [SERVICE...]}
shift
[ -s "$dir/tvarit.dump" ] || die "$dir/tvarit.dump is missing"

# shellcheck source=deploy/compose/compose-cmd.sh
source deploy/compose/compose-cmd.sh

configured=$(compose config --services)
has() { grep -qx "$1" <<<"$configured"; }
nodes=()
for s in nats nats-2 nats-3; do
  if has "$s"; then
    [ -s "$dir/nats-data-$s.tgz" ] || die "$dir/nats-data-$s.tgz is missing (the backup's layout differs from this stack's)"
    nodes+=("$s")
  fi
done
workers=()
for s in ingest classify reply metrics classify-2 reply-2 metrics-2; do
  has "$s" && workers+=("$s")
done

log "starting postgres; creating ${nodes[*]} without starting them"
compose up -d --no-build postgres >&2
compose up --no-start --no-build "${nodes[@]}" >&2
compose stop "${workers[@]}" "${nodes[@]}" >&2 2>/dev/null || true
deadline=$((SECONDS + 120))
until compose exec -T postgres pg_isready -U postgres -d tvarit >/dev/null 2>&1; do
  [ "$SECONDS" -lt "$deadline" ] || die "postgres is not ready after 120 s"
  sleep 1
done

log "replacing the four schemas from $dir/tvarit.dump"
compose exec -T postgres psql -U postgres -d tvarit -Xq -v ON_ERROR_STOP=1 \
  -c 'DROP SCHEMA IF EXISTS tvarit_ingest, tvarit_classify, tvarit_reply, tvarit_metrics CASCADE' >&2
compose exec -T postgres pg_restore -U postgres -d tvarit --exit-on-error <"$dir/tvarit.dump"

for s in "${nodes[@]}"; do
  id=$(compose ps -q "$s")
  [ -n "$id" ] || die "no container for $s"
  image=$("$docker_bin" inspect -f '{{.Config.Image}}' "$id")
  log "replacing $s's JetStream store from nats-data-$s.tgz"
  "$docker_bin" run --rm -i --volumes-from "$id" --user 0 --entrypoint sh "$image" \
    -c 'find /data -mindepth 1 -delete && tar -xzf - -C /data' <"$dir/nats-data-$s.tgz"
done

log "starting the stack"
compose up -d --no-build "$@" >&2

deadline=$((SECONDS + 180))
until out=$(compose exec -T reply tvarit-reply audit verify 2>&1); do
  case $out in
    *"audit log broken"*) log "$out"; die "the audit chain is broken: keep the database as it is, and report it" ;;
  esac
  [ "$SECONDS" -lt "$deadline" ] || { log "$out"; die "reply did not verify the audit log within 180 s"; }
  sleep 3
done
log "$(tail -n 1 <<<"$out")"
log "done in $SECONDS s"
