#!/usr/bin/env bash
# The desk benchmark (issue 5): 500 classified posts/s across the 41
# district units, 100 desk clients watching their units' live queues; time
# from classification to the case reaching the right clients (p50/p99/max),
# beside a bare NATS publish→subscribe of the same payloads in the same run.
#   bench/desk-latency/run.sh [--rate 500] [--clients 100] [--seconds 20]
# PROFILE=dev measures a debug build (faster to build, slower to run).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${PROFILE:-release}
dir=$([ "$profile" = dev ] && echo debug || echo release)
cargo build --profile "$profile" -p tvarit-reply -p tvarit-bench
admin=$(bash deploy/local/ensure-services.sh | tail -n 1)
admin=${admin#TVARIT_ADMIN_DATABASE_URL=}
ns="bench_desk_$(date +%s)"
db="tvarit_$ns"
psql "$admin" -qc "CREATE DATABASE $db"
export TVARIT_NAMESPACE=$ns
export TVARIT_DATABASE_URL=${admin%/*}/$db
export TVARIT_REPLY_GRPC_LISTEN=127.0.0.1:50153 TVARIT_REPLY_HTTP_LISTEN=127.0.0.1:9193 RUST_LOG=warn
target/$dir/tvarit-reply migrate >/dev/null
token=$(target/$dir/tvarit-reply operators add bench --role hq --units '*')
target/$dir/tvarit-reply serve >/tmp/$ns-reply.log 2>&1 &
reply=$!
trap 'kill $reply 2>/dev/null; wait $reply 2>/dev/null; psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
until curl -sf http://127.0.0.1:9193/healthz >/dev/null; do sleep 0.2; done
units=$(sed -n 's/^slug = "\(.*\)"/\1/p' crates/registry/rajasthan.toml | grep -v '^hq$' | paste -sd, -)
echo "profile=$profile namespace=$ns"
target/$dir/desk-latency --namespace "$ns" --desk http://127.0.0.1:50153 --token "$token" --units "$units" "$@"
