#!/usr/bin/env bash
# The pipeline benchmark (issue 9): the four release services in their own
# namespace and a fresh database on the local NATS and PostgreSQL, driven
# through ingest's real entry points (signed POST /v1/posts, and
# `tvarit-ingest replay`) at fixed and rising rates, a burst, more desk
# clients, and a second deployment with 800 districts; beside the raw
# JetStream and PostgreSQL ceilings measured in the same run. Every run
# reports CPU per post (every process's CPU-seconds over the posts queued).
#
# It runs twice (issue 21): against NATS with its default fsync (every 2
# minutes), then against a second nats-server of the same release with
# `sync_interval: always`, as deploy/nats/nats.conf ships, and prints the
# two side by side. Reports: bench/results/pipeline/report.{md,json} (default
# sync), .../sync-always/report.{md,json}, .../sync.md (side by side);
# service logs under .../logs/ (git-ignored).
#   bench/pipeline/run.sh            # both runs, ≤ 10 min each on a quiet machine
#   bench/pipeline/run.sh --quick    # ≤ 2 min each, to check the harness
#   bench/pipeline/run.sh --sync default|always   # one of the two only
#   bench/pipeline/run.sh --hot-district   # 80 % of 1,000 posts/s to one district,
#                                    # with and without its own reply (≈ 2 min)
set -euo pipefail
cd "$(dirname "$0")/../.."

sync=both args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sync) sync=${2:?--sync takes default or always}; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
case "$sync" in both | default | always) ;; *) echo "run.sh: --sync takes default or always" >&2; exit 2 ;; esac

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

if [ "$sync" != always ]; then
  rm -rf "$out/logs"
  bench --nats "$nats" --out "$out"
fi

if [ "$sync" != default ]; then
  # A second server of the pinned release, its store on the same disk as
  # the first's, fsyncing every write before its ack.
  port=${TVARIT_BENCH_SYNC_PORT:-4322}
  store=$(mktemp -d /var/tmp/tvarit-bench-nats.XXXXXX)
  printf 'port: %s\njetstream {\n  store_dir: "%s"\n  sync_interval: always\n}\n' "$port" "$store" >"$store.conf"
  "$(bash deploy/nats/nats-server.sh)" -c "$store.conf" -l "$store.log" &
  nats_pid=$!
  trap 'kill "$nats_pid" 2>/dev/null; wait "$nats_pid" 2>/dev/null; rm -rf "$store" "$store.conf"' EXIT
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  rm -rf "$out/sync-always/logs"
  bench --nats "nats://127.0.0.1:$port" --out "$out/sync-always"
fi

if [ "$sync" = both ]; then
  target/release/tvarit-bench-pipeline --out "$out" \
    --side-by-side "default sync=$out" "\`sync_interval: always\` (as deployed)=$out/sync-always"
fi
