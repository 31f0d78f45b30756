#!/usr/bin/env bash
# Runs the whole Tvarit system on this machine, without Docker:
#   NATS + PostgreSQL (installed and started when absent) → database `tvarit`
#   → dev build → migrations → the four services in the background
#   → a demo HQ operator → tvarit-sim playing the public on X and Facebook
#   from the demo feed, heard and answered through the real adapters
#   (TVARIT_DEMO_MODE=replay replays the feed file instead) → how to watch.
# Ctrl-C (or SIGTERM, SIGHUP) stops the four services, the console and the simulator gracefully and exits 0.
#
# Everything the services read can be overridden from the environment
# (TVARIT_DATABASE_URL, TVARIT_NATS_URL, TVARIT_NAMESPACE, the *_LISTEN
# addresses, ...); see docs/running-locally.md. State lives in .tvarit/.
set -euo pipefail

cd "$(dirname "$0")/../.."
readonly root=$PWD
readonly state=.tvarit
readonly logs=$state/logs
readonly bin=${CARGO_TARGET_DIR:-target}/debug
readonly services=(ingest classify reply metrics)
readonly demo_feed=${TVARIT_DEMO_FEED:-deploy/local/demo-posts.jsonl}
readonly ready_seconds=${TVARIT_READY_TIMEOUT:-60}
readonly demo_mode=${TVARIT_DEMO_MODE:-sim}
readonly stop_seconds=30

log() { printf 'run: %s\n' "$*" >&2; }
die() { printf 'run: error: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------ children
names=() # service names, in the order started
pids=()  # their process ids
running=0

stop_all() {
  [ "${#pids[@]}" -gt 0 ] || return 0
  log "stopping ${names[*]} (SIGTERM)"
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  # A watchdog kills whatever is still running after $stop_seconds.
  (
    sleep "$stop_seconds"
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then
        printf 'run: %s did not stop in %ss: SIGKILL\n' "$pid" "$stop_seconds" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
  ) &
  local watchdog=$! i status
  for i in "${!pids[@]}"; do
    status=0
    wait "${pids[$i]}" 2>/dev/null || status=$?
    log "${names[$i]} stopped (exit $status)"
  done
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  names=()
  pids=()
}

on_signal() {
  trap - INT TERM HUP
  printf '\n' >&2
  stop_all
  if [ "$running" -eq 1 ]; then
    exit 0
  fi
  exit 130
}
trap on_signal INT TERM HUP
trap 'stop_all' EXIT

show_log_tail() {
  [ -f "$1" ] || return 0
  log "last lines of $1:"
  tail -n 20 "$1" >&2 || true
}

# ------------------------------------------------------------- helpers
# with_db URL DB: the same server and credentials, another database.
with_db() {
  local base=${1%%\?*}
  local query=${1#"$base"}
  printf '%s/%s%s\n' "${base%/*}" "$2" "$query"
}

# db_name URL: the database a postgres:// URL names.
db_name() {
  local base=${1%%\?*}
  printf '%s\n' "${base##*/}"
}

psql_ok() {
  PGCONNECT_TIMEOUT=5 psql -w "$1" -XAtqc 'select 1' >/dev/null 2>&1
}

# local_addr ADDR: an address to connect to for a listen address
# (0.0.0.0 and [::] listen everywhere, so loopback reaches them).
local_addr() {
  case "$1" in
    0.0.0.0:*) printf '127.0.0.1:%s\n' "${1#*:}" ;;
    \[::\]:*) printf '[::1]:%s\n' "${1##*:}" ;;
    *) printf '%s\n' "$1" ;;
  esac
}

# port_open HOST:PORT
port_open() {
  local host=${1%:*} port=${1##*:}
  host=${host#[}
  host=${host%]}
  timeout 1 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
}

# http_ready BASE_URL: /healthz answers 200 (or, if the service has no
# /healthz, /metrics does).
http_ready() {
  local code
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1/healthz") || true
  [ "$code" = 200 ] && return 0
  if [ "$code" = 404 ]; then
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1/metrics") || true
    [ "$code" = 200 ] && return 0
  fi
  return 1
}

# ----------------------------------------------------- listen addresses
ingest_http=$(local_addr "${TVARIT_INGEST_HTTP_LISTEN:-127.0.0.1:8080}")
ingest_grpc=$(local_addr "${TVARIT_INGEST_GRPC_LISTEN:-127.0.0.1:50051}")
classify_http=$(local_addr "${TVARIT_CLASSIFY_HTTP_LISTEN:-127.0.0.1:9092}")
classify_grpc=$(local_addr "${TVARIT_CLASSIFY_GRPC_LISTEN:-127.0.0.1:50052}")
reply_http=$(local_addr "${TVARIT_REPLY_HTTP_LISTEN:-127.0.0.1:9093}")
reply_grpc=$(local_addr "${TVARIT_REPLY_GRPC_LISTEN:-127.0.0.1:50053}")
metrics_http=$(local_addr "${TVARIT_METRICS_HTTP_LISTEN:-127.0.0.1:9094}")
metrics_grpc=$(local_addr "${TVARIT_METRICS_GRPC_LISTEN:-127.0.0.1:50054}")
console_http=$(local_addr "${TVARIT_CONSOLE_HTTP_LISTEN:-127.0.0.1:8000}")
http_of() {
  case "$1" in
    ingest) printf '%s\n' "$ingest_http" ;;
    classify) printf '%s\n' "$classify_http" ;;
    reply) printf '%s\n' "$reply_http" ;;
    metrics) printf '%s\n' "$metrics_http" ;;
    console) printf '%s\n' "$console_http" ;;
  esac
}

# -------------------------------------------------- NATS and PostgreSQL
if [ "${TVARIT_SKIP_ENSURE_SERVICES:-0}" = 1 ]; then
  log "TVARIT_SKIP_ENSURE_SERVICES=1: not checking local NATS and PostgreSQL"
  admin_url=${TVARIT_ADMIN_DATABASE_URL:-}
else
  log "checking NATS and PostgreSQL"
  ensured=$(bash deploy/local/ensure-services.sh)
  admin_line=$(printf '%s\n' "$ensured" | tail -n 1)
  admin_url=${admin_line#TVARIT_ADMIN_DATABASE_URL=}
  [ -n "$admin_url" ] && [ "$admin_url" != "$admin_line" ] || die "ensure-services.sh printed no admin URL"
  # The pinned nats-server release, on 4222 or (when another server holds
  # 4222) 4223: see ensure-services.sh.
  if [ -z "${TVARIT_NATS_URL:-}" ]; then
    TVARIT_NATS_URL=$(printf '%s\n' "$ensured" | sed -n 's/^TVARIT_NATS_URL=//p')
    export TVARIT_NATS_URL
  fi
fi

if [ -n "${TVARIT_DATABASE_URL:-}" ]; then
  # An explicit database URL: create its database through the same server
  # and credentials (database `postgres`) if it does not exist.
  create_url=$(with_db "$TVARIT_DATABASE_URL" postgres)
else
  [ -n "$admin_url" ] || die "set TVARIT_DATABASE_URL (or TVARIT_ADMIN_DATABASE_URL)"
  TVARIT_DATABASE_URL=$(with_db "$admin_url" tvarit)
  create_url=$admin_url
fi
export TVARIT_DATABASE_URL
db=$(db_name "$TVARIT_DATABASE_URL")
case "$db" in
  '' | *[!a-zA-Z0-9_-]*) die "unexpected database name '$db' in TVARIT_DATABASE_URL" ;;
esac
if ! psql_ok "$TVARIT_DATABASE_URL"; then
  log "creating database $db"
  PGCONNECT_TIMEOUT=5 psql -w "$create_url" -Xqc "CREATE DATABASE \"$db\"" >&2 ||
    die "cannot create database $db (through $create_url)"
  psql_ok "$TVARIT_DATABASE_URL" || die "cannot connect to $TVARIT_DATABASE_URL"
fi
log "database: $TVARIT_DATABASE_URL"

# ---------------------------------------------------------------- build
log "cargo build --workspace --bins"
cargo build --workspace --bins
for s in "${services[@]}" desk; do
  [ -x "$bin/tvarit-$s" ] || die "$bin/tvarit-$s was not built"
done

# ---------------------------------------------------- state and secrets
mkdir -p "$logs"
if [ -z "${TVARIT_INGEST_WEBHOOK_SECRET:-}" ] && [ -z "${TVARIT_INGEST_WEBHOOK_SECRET_FILE:-}" ]; then
  if [ ! -s "$state/webhook-secret" ]; then
    log "generating $state/webhook-secret"
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$state/webhook-secret")
  fi
  chmod 600 "$state/webhook-secret"
  export TVARIT_INGEST_WEBHOOK_SECRET_FILE=$root/$state/webhook-secret
fi

if [ "$demo_mode" = sim ]; then
  # shellcheck source=deploy/local/demo-platforms.sh
  . deploy/local/demo-platforms.sh
  demo_platform_env
fi

# Nothing of ours may already listen (e.g. another run.sh in another terminal).
for addr in "$ingest_http" "$ingest_grpc" "$classify_http" "$classify_grpc" \
  "$reply_http" "$reply_grpc" "$metrics_http" "$metrics_grpc" "$console_http"; do
  if port_open "$addr"; then
    die "$addr is already in use (is run.sh already running? stop it, or set the *_LISTEN variables)"
  fi
done

# ------------------------------------------------------------- migrate
for s in "${services[@]}"; do
  [ ! -f "$logs/$s.log" ] || mv -f "$logs/$s.log" "$logs/$s.log.1"
  log "tvarit-$s migrate"
  if ! "$bin/tvarit-$s" migrate >>"$logs/$s.log" 2>&1; then
    show_log_tail "$logs/$s.log"
    die "tvarit-$s migrate failed"
  fi
done

# --------------------------------------------------------------- serve
have_setsid=0
command -v setsid >/dev/null 2>&1 && have_setsid=1
# The web console reads nothing but reply's and metrics' gRPC APIs.
export TVARIT_CONSOLE_HTTP_LISTEN=$console_http TVARIT_CONSOLE_REPLY_URL=http://$reply_grpc \
  TVARIT_CONSOLE_METRICS_URL=http://$metrics_grpc
for s in "${services[@]}" console; do
  # Own session: Ctrl-C reaches only this script, which then sends each
  # service exactly one SIGTERM.
  if [ "$have_setsid" -eq 1 ]; then
    setsid "$bin/tvarit-$s" serve </dev/null >>"$logs/$s.log" 2>&1 &
  else
    "$bin/tvarit-$s" serve </dev/null >>"$logs/$s.log" 2>&1 &
  fi
  names+=("$s")
  pids+=("$!")
  log "tvarit-$s serve started (pid $!, log $logs/$s.log)"
done

deadline=$((SECONDS + ready_seconds))
for i in "${!names[@]}"; do
  s=${names[$i]}
  url="http://$(http_of "$s")"
  until http_ready "$url"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      show_log_tail "$logs/$s.log"
      die "tvarit-$s exited during start-up"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "$logs/$s.log"
      die "tvarit-$s did not answer on $url/healthz within ${ready_seconds}s"
    fi
    sleep 0.2
  done
  log "tvarit-$s ready ($url)"
done

# ------------------------------------------------------- demo operator
operator_add() {
  "$bin/tvarit-reply" operators add demo-hq --role hq --units '*' 2>>"$logs/reply-admin.log"
}
if ! out=$(operator_add); then
  log "operator demo-hq exists: revoking it for a fresh token"
  "$bin/tvarit-reply" operators revoke demo-hq >>"$logs/reply-admin.log" 2>&1 || true
  out=$(operator_add) || {
    show_log_tail "$logs/reply-admin.log"
    die "tvarit-reply operators add demo-hq failed"
  }
fi
# The token is the command's only stdout line; take the last non-empty one.
token=$(printf '%s\n' "$out" | awk 'NF { last = $0 } END { print last }')
[ -n "$token" ] || die "tvarit-reply operators add printed no token"
(umask 077 && printf '%s\n' "$token" >"$state/demo-token")
chmod 600 "$state/demo-token"
log "operator demo-hq (role hq, all units): token in $state/demo-token"

# ------------------------------------------------------------ demo feed
if [ "$demo_mode" = sim ]; then
  start_sim
elif [ -f "$demo_feed" ]; then
  log "replaying $demo_feed at 20 posts/s"
  if replay_out=$("$bin/tvarit-ingest" replay "$demo_feed" --rate 20 2>>"$logs/replay.log"); then
    printf '%s\n' "$replay_out" >>"$logs/replay.log"
    summary=$(printf '%s\n' "$replay_out" | grep -E 'new=[0-9]+' | tail -n 1) || true
    log "replay done: ${summary:-see $logs/replay.log}"
  else
    printf '%s\n' "$replay_out" >>"$logs/replay.log"
    show_log_tail "$logs/replay.log"
    log "warning: the replay failed; the services keep running"
  fi
else
  log "warning: $demo_feed not found: no demo posts replayed"
fi

# ---------------------------------------------------------- how to watch
# shellcheck disable=SC2016 # printed for the user's shell to expand
desk_env='export TVARIT_TOKEN=$(cat .tvarit/demo-token)'
[ -z "${TVARIT_REPLY_GRPC_LISTEN:-}" ] || desk_env+=" TVARIT_DESK_SERVER=http://$reply_grpc"
[ -z "${TVARIT_METRICS_GRPC_LISTEN:-}" ] || desk_env+=" TVARIT_METRICS_SERVER=http://$metrics_grpc"
desk="$bin/tvarit-desk"

# A real docket to show in the examples, once classify and reply have
# turned the first posts into cases (bounded wait; only for the text).
docket=""
docket_deadline=$((SECONDS + 15))
while [ -z "$docket" ] && [ "$SECONDS" -lt "$docket_deadline" ]; do
  docket=$(TVARIT_TOKEN=$token TVARIT_DESK_SERVER=http://$reply_grpc \
    timeout 5 "$bin/tvarit-desk" queue --unit balotra --json 2>/dev/null |
    sed -n 's/.*"docket" *: *"\([^"]*\)".*/\1/p' | head -n 1) || true
  [ -n "$docket" ] || sleep 0.5
done
docket=${docket:-BLT-$(TZ=Asia/Kolkata date +%y%m)-00001}

cat <<EOF

Tvarit is running (namespace ${TVARIT_NAMESPACE:-tvarit}, database $db).

The web console: http://$console_http
  sign in with the demo HQ token: cat $state/demo-token

Or in another terminal, the desk client:

  cd $root
  $desk_env

  # the Balotra queue, and the live HQ queue
  $desk queue --unit balotra
  $desk watch --unit hq

  # work a case
  $desk claim $docket
  $desk reply $docket --text 'Thank you. Balotra Police is looking into this.'
  $desk close $docket

  # this month's ranking
  $desk leaderboard --month \$(TZ=Asia/Kolkata date +%Y-%m)

Prometheus metrics:
  http://$ingest_http/metrics
  http://$classify_http/metrics
  http://$reply_http/metrics
  http://$metrics_http/metrics
  http://$console_http/metrics

What reached the public (replies the simulated X and Facebook received):
  curl -s http://${sim_addr:-127.0.0.1:8090}/sim/replies

Logs (JSON lines): $logs/{ingest,classify,reply,metrics,console,sim}.log
Press Ctrl-C to stop all the services.
EOF
running=1

# --------------------------------------------------------------- wait
# `sleep & wait` keeps the shell interruptible: the trap runs at once.
while :; do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      s=${names[$i]}
      status=0
      wait "${pids[$i]}" 2>/dev/null || status=$?
      show_log_tail "$logs/$s.log"
      log "tvarit-$s exited unexpectedly (exit $status): stopping the others"
      unset 'pids[i]' 'names[i]'
      pids=("${pids[@]}")
      names=("${names[@]}")
      running=0
      exit 1
    fi
  done
  sleep 1 &
  wait $! || true
done
