# Sourced by run.sh: the demo's platforms. tvarit-sim plays the public on
# X and Facebook from the demo feed; Tvarit hears it through its real
# adapters (X mentions polling, the filtered stream, the X and Meta
# webhooks) and answers through its real senders. The tokens and secrets
# below are random, made for this machine, and kept in .tvarit/ (mode 600).

readonly sim_addr=${TVARIT_SIM_LISTEN:-127.0.0.1:8090}
readonly sim_page_id=100000000000001

demo_secret() { # NAME: a random secret in .tvarit/demo-secrets/NAME, echoing its path
  local f="$state/demo-secrets/$1"
  if [ ! -s "$f" ]; then
    mkdir -p "$state/demo-secrets"
    chmod 700 "$state/demo-secrets"
    (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$f")
  fi
  printf '%s\n' "$root/$f"
}

# Writes the demo registry (the compiled-in units, our accounts with the
# sim's ids and every source) and exports what the services read.
demo_platform_env() {
  local registry=$state/demo-registry.toml
  bash deploy/demo/make-registry.sh >"$registry"
  export TVARIT_REGISTRY_FILE=$root/$registry
  export TVARIT_INGEST_X_API_BASE=http://$sim_addr
  export TVARIT_REPLY_X_API_BASE=http://$sim_addr
  export TVARIT_REPLY_META_API_BASE=http://$sim_addr/v21.0
  export TVARIT_INGEST_X_POLL_SECONDS=${TVARIT_INGEST_X_POLL_SECONDS:-3}
  TVARIT_X_APP_BEARER_FILE=$(demo_secret x-app-bearer)
  TVARIT_X_CONSUMER_SECRET_FILE=$(demo_secret x-consumer-secret)
  TVARIT_META_APP_SECRET_FILE=$(demo_secret meta-app-secret)
  TVARIT_META_VERIFY_TOKEN_FILE=$(demo_secret meta-verify-token)
  TVARIT_META_PAGE_TOKEN_RAJASTHANPOLICEPAGE_FILE=$(demo_secret meta-page-token)
  export TVARIT_X_APP_BEARER_FILE TVARIT_X_CONSUMER_SECRET_FILE TVARIT_META_APP_SECRET_FILE \
    TVARIT_META_VERIFY_TOKEN_FILE TVARIT_META_PAGE_TOKEN_RAJASTHANPOLICEPAGE_FILE
  for h in POLICERAJASTHAN RAJPOLICEHELP SP_BALOTRA JAIPUR_POLICE; do
    export "TVARIT_X_USER_TOKEN_${h}_FILE=$(demo_secret "x-user-token-$h")"
  done
}

# Starts tvarit-sim playing the demo feed into the running services.
start_sim() {
  local args=(--listen "$sim_addr" --corpus "$demo_feed" --rate "${TVARIT_DEMO_RATE:-2}" --count 0
    --meta-fraction 0.15 --late-fraction 0.1 --late-ms 20000
    --x-app-token "$(cat "$TVARIT_X_APP_BEARER_FILE")"
    --x-webhook-url "http://$ingest_http/webhooks/x" --x-consumer-secret "$(cat "$TVARIT_X_CONSUMER_SECRET_FILE")"
    --meta-webhook-url "http://$ingest_http/webhooks/meta" --meta-app-secret "$(cat "$TVARIT_META_APP_SECRET_FILE")"
    --meta-verify-token "$(cat "$TVARIT_META_VERIFY_TOKEN_FILE")" --meta-page "$sim_page_id=Rajasthan Police"
    --meta-page-token "$(cat "$TVARIT_META_PAGE_TOKEN_RAJASTHANPOLICEPAGE_FILE")")
  local h
  for h in PoliceRajasthan RajPoliceHelp SP_Balotra jaipur_police; do
    local var="TVARIT_X_USER_TOKEN_${h^^}_FILE"
    args+=(--x-user-token "$(cat "${!var}")=@$h")
  done
  if [ "$have_setsid" -eq 1 ]; then
    setsid "$bin/tvarit-sim" "${args[@]}" </dev/null >>"$logs/sim.log" 2>&1 &
  else
    "$bin/tvarit-sim" "${args[@]}" </dev/null >>"$logs/sim.log" 2>&1 &
  fi
  names+=(sim)
  pids+=("$!")
  local deadline=$((SECONDS + ready_seconds))
  until [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$sim_addr/sim/healthz")" = 200 ]; do
    kill -0 "${pids[-1]}" 2>/dev/null || { show_log_tail "$logs/sim.log"; die "tvarit-sim exited during start-up"; }
    [ "$SECONDS" -lt "$deadline" ] || die "tvarit-sim did not answer on http://$sim_addr within ${ready_seconds}s"
    sleep 0.2
  done
  log "tvarit-sim playing the public from $demo_feed at ${TVARIT_DEMO_RATE:-2} posts/s (log $logs/sim.log)"
}
