#!/usr/bin/env bash
# The pipeline benchmark (issue 9): the four release services in their own
# namespace and a fresh database on the local NATS and PostgreSQL, driven
# through ingest's real entry points (signed POST /v1/posts, and
# `tvarit-ingest replay`) at fixed and rising rates, a burst, more desk
# clients, and a second deployment with 800 districts; beside the raw
# JetStream and PostgreSQL ceilings measured in the same run. Prints the
# report and writes bench/results/pipeline/report.{md,json} (service logs
# under bench/results/pipeline/logs/, git-ignored).
#   bench/pipeline/run.sh            # the full run, ≤ 10 min on a quiet machine
#   bench/pipeline/run.sh --quick    # ≤ 2 min, to check the harness
#   bench/pipeline/run.sh --hot-district   # 80 % of 1,000 posts/s to one district,
#                                    # with and without its own reply (≈ 2 min)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p tvarit-ingest -p tvarit-classify -p tvarit-reply -p tvarit-metrics -p tvarit-bench-pipeline
ensured=$(bash deploy/local/ensure-services.sh)
admin=$(printf '%s\n' "$ensured" | tail -n 1)
admin=${admin#TVARIT_ADMIN_DATABASE_URL=}
# The pinned nats-server release (deploy/nats/nats-server.sh), as compose runs.
nats=$(printf '%s\n' "$ensured" | sed -n 's/^TVARIT_NATS_URL=//p')
out=bench/results/pipeline
[ "${1:-}" = --quick ] && out=bench/results/pipeline-quick
case " $* " in *" --hot-district "*) out=bench/results/pipeline-hot ;; esac
rm -rf "$out/logs"
exec target/release/tvarit-bench-pipeline --bins target/release --admin-url "$admin" --nats "$nats" --out "$out" "$@"
