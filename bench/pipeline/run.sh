#!/usr/bin/env bash
# The pipeline benchmark (issue 9): the four release services in their own
# namespace and a fresh database on the local NATS and PostgreSQL, driven
# through ingest's real entry points (signed POST /v1/posts, and
# `tvarit-ingest replay`) at fixed and rising rates, a burst, more desk
# clients, and a second deployment with 800 districts; beside the raw
# JetStream and PostgreSQL ceilings measured in the same run. Every run
# reports CPU per post (every process's CPU-seconds over the posts queued).
#
# It runs three times (issue 21): against NATS with its default fsync
# (every 2 minutes); against a second nats-server of the same release with
# `sync_interval: always` (fsync before every ack); and against one with
# `sync_interval: 200ms` and the services' `nats_sync_window_seconds = 1`,
# as deploy/nats/nats.conf and docker-compose.yml ship. It prints the three
# side by side. Reports: bench/results/pipeline/report.{md,json} (default
# sync), .../sync-always/ and .../sync-window/report.{md,json}, .../sync.md
# (side by side); service logs under .../logs/ (git-ignored).
#   bench/pipeline/run.sh            # all three runs, ≤ 10 min each on a quiet machine
#   bench/pipeline/run.sh --quick    # ≤ 2 min each, to check the harness
#   bench/pipeline/run.sh --sync default|always|window   # one of the three only
#   bench/pipeline/run.sh --hot-district   # 80 % of 1,000 posts/s to one district,
#                                    # with and without its own reply (≈ 2 min)
set -euo pipefail
cd "$(dirname "$0")/../.."

sync=all args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sync) sync=${2:?--sync takes default, always or window}; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
case "$sync" in all | default | always | window) ;; *) echo "run.sh: --sync takes default, always or window" >&2; exit 2 ;; esac

cargo build --release -p tvarit-ingest -p tvarit-classify -p tvarit-reply -p tvarit-metrics -p tvarit-bench-pipeline
ensured=$(bash deploy/local/ensure-services.sh)
admin=$(printf '%s\n' "$ensured" | tail -n 1)
admin=${admin#TVARIT_ADMIN_DATABASE_URL=}
# The pinned nats-server release (deploy/nats/nats-server.sh), as compose runs.
nats=$(printf '%s\n' "$ensured" | sed -n 's/^TVARIT_NATS_URL=//p')
out=bench/results/pipeline
case " ${args[*]-} " in *" --quick "*) out=bench/results/pipeline-quick ;; esac
case " ${args[*]-} " in *" --hot-district "*) out=bench/results/pipeline-hot sync=default ;; esac
bench() { target/release/tvarit-bench-pipeline --bins target/release --admin-url "$admin" "$@" "${args[@]}"; }

case "$sync" in
  all | default)
    rm -rf "$out/logs"
    bench --nats "$nats" --out "$out"
    ;;
esac

# A second server of the pinned release, its store on the same disk as the
# first's, with the given sync_interval; runs the bench against it into
# $out/sync-<label>, with the services' environment given after the label.
second_server() {
  local interval=$1 label=$2
  shift 2
  local port=${TVARIT_BENCH_SYNC_PORT:-4322} store
  store=$(mktemp -d /var/tmp/tvarit-bench-nats.XXXXXX)
  printf 'port: %s\njetstream {\n  store_dir: "%s"\n  sync_interval: %s\n}\n' "$port" "$store" "$interval" >"$store.conf"
  "$(bash deploy/nats/nats-server.sh)" -c "$store.conf" -l "$store.log" &
  local nats_pid=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  rm -rf "$out/sync-$label/logs"
  local status=0
  env "$@" target/release/tvarit-bench-pipeline --bins target/release --admin-url "$admin" \
    --nats "nats://127.0.0.1:$port" --out "$out/sync-$label" "${args[@]}" || status=$?
  kill "$nats_pid" 2>/dev/null
  wait "$nats_pid" 2>/dev/null || true
  rm -rf "$store" "$store.conf" "$store.log"
  return "$status"
}

case "$sync" in all | always) second_server always always ;; esac
# As deployed: NATS syncs every 200 ms; every producer keeps its durable
# record, and classify its input's ack, for 1 s past the ack.
case "$sync" in all | window) second_server 200ms window TVARIT_NATS_SYNC_WINDOW_SECONDS=1 ;; esac

if [ "$sync" = all ]; then
  target/release/tvarit-bench-pipeline --out "$out" \
    --side-by-side "default sync (2 min)=$out" "\`sync_interval: always\`=$out/sync-always" \
    "\`sync_interval: 200ms\` + 1 s window (as deployed)=$out/sync-window"
fi
