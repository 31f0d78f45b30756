#!/usr/bin/env bash
# HQ's `docker compose up`, run here: builds the Tvarit image from this
# checkout, starts the compose stack (demo profile: NATS with
# deploy/nats/nats.conf, PostgreSQL, the migrator, the four services, the
# console, the simulator, Prometheus) and checks, step by step, what HQ
# relies on:
#
#   a post from the simulated public becomes a case; an operator token from
#   `compose exec reply tvarit-reply operators add`; tvarit-desk on the host
#   claims and answers it through the published gRPC port; the reply reaches
#   the simulator once; the leaderboard counts it; Prometheus has every
#   target up; the console answers; every gRPC port and the console serve
#   TLS (certificates from deploy/tls/make-certs.sh; tvarit-desk on the host
#   verifies with the CA; plain text is refused); reply SIGKILLed mid-stream and started
#   again loses and doubles nothing; `down` then `up` keeps every case; an
#   upgrade (new image tag, a new test-only migration) keeps the data and
#   applies the migration once; deploy/compose/backup.sh and restore.sh
#   round-trip into a fresh stack with every case and the audit chain intact.
#   With --cluster: docker-compose.cluster.yml (three NATS nodes, one killed
#   mid-stream, streams replicated 3 ways, second replicas).
#
# Then it tears everything down and stops the Docker engine if it started
# one. Each step prints its elapsed time; a failure names its step, prints
# the stack's state and logs, and exits 1.
#
#   deploy/compose/smoke.sh                          # cargo build (debug), image from target/debug
#   deploy/compose/smoke.sh --binaries target/debug  # no cargo: binaries already built (test.sh)
#   deploy/compose/smoke.sh --release-build          # the image as HQ builds it (deploy/Dockerfile, ~20 min)
#   deploy/compose/smoke.sh --cluster                # the 3-node NATS layout
#   deploy/compose/smoke.sh --keep                   # leave the stack (and engine) up at the end or on failure
#
# Docker: uses the engine on $TVARIT_SMOKE_DOCKER_HOST (default: its own
# socket, unix:///run/tvarit-smoke/docker.sock). When none answers there it
# installs Debian's docker.io, docker-compose and debootstrap and starts its
# own dockerd (data in /var/lib/tvarit-smoke/docker, kept between runs so
# images are cached by tag). Docker Hub is not needed: the base image and
# stand-ins for the nats, postgres and prom/prometheus images are built here
# (deploy/compose/standins/README.md says how, and how they differ).
# Grafana, Jaeger and the OpenTelemetry collector have no such stand-in and
# are not started. Needs root (apt-get, dockerd), curl, jq and python3, and
# 4 GiB of free disk (TVARIT_SMOKE_MIN_FREE_GIB), checked before the first
# image is built; a failed run's images and build cache are dropped first.
set -euo pipefail

cd "$(dirname "$0")/../.."
readonly root=$PWD

log() { printf 'smoke: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

cluster=0 binaries="" release_build=0 keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --cluster) cluster=1 ;;
    --binaries) binaries=${2:?--binaries needs a directory}; shift ;;
    --release-build) release_build=1 ;;
    --keep) keep=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[ "$release_build" = 0 ] || [ -z "$binaries" ] || die "--binaries and --release-build exclude each other"

readonly state=${TVARIT_SMOKE_STATE:-/var/lib/tvarit-smoke}
readonly run_dir=${TVARIT_SMOKE_RUN:-/run/tvarit-smoke}
readonly own_socket=unix://$run_dir/docker.sock
export DOCKER_HOST=${TVARIT_SMOKE_DOCKER_HOST:-$own_socket}
# Debian's 20.10 client matches the engine it installs and builds with
# BuildKit without the buildx plugin (a newer client without buildx cannot).
docker_bin=docker
[ -x /usr/bin/docker ] && docker_bin=/usr/bin/docker
docker() { command "$docker_bin" "$@"; }
export DOCKER_BUILDKIT=1
# The operator's settings must not leak into the test stack.
unset COMPOSE_FILE COMPOSE_PROFILES COMPOSE_PROJECT_NAME
readonly project=tvarit-smoke
readonly tag1=smoke-1 tag2=smoke-2
readonly upgrade_migration=9999_smoke_upgrade.sql

work=$(mktemp -d /tmp/tvarit-smoke.XXXXXX)
mkdir -p "$work/logs"
readonly work

# ------------------------------------------------------------------ steps
started=$SECONDS
step_name="" step_started=0
step() {
  end_step
  step_name=$1
  step_started=$SECONDS
  log "── $step_name"
}
end_step() {
  [ -n "$step_name" ] || return 0
  log "ok: $step_name ($((SECONDS - step_started)) s; $((SECONDS - started)) s in all)"
  step_name=""
}
fail() {
  log "FAILED at step '$step_name' after $((SECONDS - step_started)) s: $*"
  exit 1
}

engine_pid=""
stack_up=0

# The stack's published ports, reserved for the run where this machine lets
# us: 50051-50054 lie in Linux's ephemeral range, and a CI run failed when an
# outgoing connection held 50052 just as classify's container bound it
# (docs/operations.md, "Ports"). The earlier reservation is put back after.
reserved_file=/proc/sys/net/ipv4/ip_local_reserved_ports
reserved_before=""
reserved_set=0
reserve_ports() {
  local want
  want=$(printf '%s,' "${ports[@]}")
  want=${want%,}
  reserved_before=$(cat "$reserved_file" 2>/dev/null) || reserved_before=""
  if printf '%s\n' "${reserved_before:+$reserved_before,}$want" 2>/dev/null >"$reserved_file"; then
    reserved_set=1
    log "ports reserved for this run: $want"
  else
    log "cannot reserve the ports in $reserved_file (not root, or /proc/sys read-only): an outgoing connection may take one"
  fi
}
release_ports() {
  [ "$reserved_set" = 1 ] || return 0
  printf '%s\n' "$reserved_before" >"$reserved_file" && reserved_set=0
}

cleanup() {
  local status=$?
  trap - EXIT ERR INT TERM
  if [ "$status" -ne 0 ]; then
    [ -n "$step_name" ] && log "FAILED at step '$step_name' (exit $status)"
    diagnostics || true
  fi
  if [ "$keep" = 1 ]; then
    log "--keep: the stack and engine stay up (DOCKER_HOST=$DOCKER_HOST, project $project, work $work)"
    printf '#!/bin/sh\n# Tears down what smoke.sh --keep left.\ncd %q\nDOCKER_HOST=%q TVARIT_POSTGRES_PASSWORD=x TVARIT_GRAFANA_ADMIN_PASSWORD=x TVARIT_DEMO_SECRET=x %s down -v --remove-orphans\n' \
      "$root" "$DOCKER_HOST" "$TVARIT_COMPOSE" >"$work/down.sh"
    log "tear down: sh $work/down.sh"
    [ "$reserved_set" = 1 ] && log "the ports stay reserved while the stack runs; $reserved_file held '$reserved_before' before"
    exit "$status"
  fi
  teardown || true
  stop_engine || true
  release_ports || true
  if [ "$status" -eq 0 ]; then
    rm -rf "$work"
  else
    log "logs and backups kept in $work"
  fi
  log "$([ "$status" -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - started)) s"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'log "command failed (line $LINENO): $BASH_COMMAND"' ERR

diagnostics() {
  [ "$stack_up" = 1 ] || return 0
  log "stack state:"
  compose ps >&2 || true
  compose logs --no-color --timestamps >"$work/logs/compose.log" 2>&1 || true
  local s
  for s in $(all_services); do
    log "last log lines of $s:"
    compose logs --no-color --tail 60 "$s" 2>&1 | grep -v 'ExportError' | tail -n 15 >&2 || true
  done
  log "full logs: $work/logs/compose.log"
}

# ----------------------------------------------------------------- engine
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

ensure_engine() {
  if docker info >/dev/null 2>&1; then
    log "a Docker engine answers on $DOCKER_HOST: using it"
    return
  fi
  [ "$DOCKER_HOST" = "$own_socket" ] || fail "no Docker engine answers on $DOCKER_HOST"
  [ "$(id -u)" = 0 ] || fail "starting a Docker engine needs root"
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /usr/bin/docker ] || missing+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} (Debian packages)"
    apt_install "${missing[@]}"
  fi
  docker_bin=/usr/bin/docker
  local driver=${TVARIT_SMOKE_STORAGE_DRIVER:-}
  if [ -z "$driver" ]; then
    driver=vfs
    grep -qw overlay /proc/filesystems && driver=overlay2
  fi
  mkdir -p "$state/docker" "$run_dir/exec"
  log "starting dockerd ($driver, data $state/docker, socket $own_socket, log $state/dockerd.log)"
  setsid dockerd --storage-driver="$driver" --data-root "$state/docker" --exec-root "$run_dir/exec" \
    --pidfile "$run_dir/dockerd.pid" -H "$own_socket" </dev/null >>"$state/dockerd.log" 2>&1 &
  engine_pid=$!
  local deadline=$((SECONDS + 60))
  until docker info >/dev/null 2>&1; do
    kill -0 "$engine_pid" 2>/dev/null || { tail -n 20 "$state/dockerd.log" >&2; fail "dockerd exited"; }
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$state/dockerd.log" >&2; fail "dockerd did not answer in 60 s"; }
    sleep 0.5
  done
}

stop_engine() {
  [ -n "$engine_pid" ] || return 0
  log "stopping the dockerd this run started (pid $engine_pid)"
  kill -TERM "$engine_pid" 2>/dev/null || return 0
  local deadline=$((SECONDS + 30))
  while kill -0 "$engine_pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "dockerd did not stop in 30 s: SIGKILL"
      kill -KILL "$engine_pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  wait "$engine_pid" 2>/dev/null || true
  engine_pid=""
}

# ----------------------------------------------------------------- compose
if command "$docker_bin" compose version >/dev/null 2>&1; then
  compose_cmd=("$docker_bin" compose)
else
  compose_cmd=(docker-compose)
fi
files=(-f docker-compose.yml -f docker-compose.demo.yml)
[ "$cluster" = 0 ] || files+=(-f docker-compose.cluster.yml)
files+=(-f "$work/smoke.override.yml")
: >"$work/empty.env"
compose() { "${compose_cmd[@]}" -p "$project" --env-file "$work/empty.env" --profile demo "${files[@]}" "$@"; }
# backup.sh and restore.sh take the compose command line from here.
export TVARIT_COMPOSE="${compose_cmd[*]} -p $project --env-file $work/empty.env --profile demo ${files[*]}"

# What the smoke starts: everything but grafana, jaeger and otel-collector.
services=(nats postgres migrate ingest classify reply metrics console sim prometheus)
[ "$cluster" = 0 ] || services+=(nats-2 nats-3 classify-2 reply-2 metrics-2)
all_services() { printf '%s\n' "${services[@]}"; }
tvarit_services=(migrate ingest classify reply metrics console sim)
[ "$cluster" = 0 ] || tvarit_services+=(classify-2 reply-2 metrics-2)
ports=(8222 8080 50051 50052 50053 50054 9092 9093 9094 8000 8090 9090)

export TVARIT_POSTGRES_PASSWORD TVARIT_GRAFANA_ADMIN_PASSWORD TVARIT_DEMO_SECRET TVARIT_IMAGE_TAG
TVARIT_POSTGRES_PASSWORD=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
TVARIT_GRAFANA_ADMIN_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
TVARIT_DEMO_SECRET=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
TVARIT_IMAGE_TAG=$tag1
export TVARIT_DEMO_RATE=${TVARIT_DEMO_RATE:-2} RUST_LOG=${TVARIT_SMOKE_RUST_LOG:-info}
unset TVARIT_NAMESPACE TVARIT_CONSOLE_BIND TVARIT_CONSOLE_SECURE_COOKIES TVARIT_GRAFANA_DB_USER
unset TVARIT_TLS TVARIT_TLS_CLIENT_CA_FILE TVARIT_TLS_CA_FILE TVARIT_TLS_CLIENT_CERT_FILE TVARIT_TLS_CLIENT_KEY_FILE
# TLS as compose serves it by default: HQ's certificates (deploy/secrets/tls
# at HQ) made here, for every name the containers reach each other by.
export TVARIT_TLS_DIR=$work/tls

make_certs() {
  local hosts=() h
  for h in ingest classify reply metrics console classify-2 reply-2 metrics-2; do hosts+=(--host "$h"); done
  bash "$root/deploy/tls/make-certs.sh" "$TVARIT_TLS_DIR" "${hosts[@]}" 2>"$work/logs/make-certs.log" ||
    { cat "$work/logs/make-certs.log" >&2; fail "make-certs.sh failed"; }
  # The containers run as uid 10001 (operations.md §16).
  chown -R 10001 "$TVARIT_TLS_DIR"
}

write_override() {
  # The webhook secret is a compose secret read from deploy/secrets/ at HQ;
  # the test's own lives in $work (readable by the containers' uid 10001).
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$work/webhook-secret")
  chown 10001 "$work/webhook-secret" 2>/dev/null || chmod 644 "$work/webhook-secret"
  cat >"$work/smoke.override.yml" <<EOF
# deploy/compose/smoke.sh's own settings: the test's webhook secret.
secrets:
  webhook_secret:
    file: $work/webhook-secret
EOF
  # (docker-compose 1.29 takes a file with no or empty `services:` for the
  # old v1 format, and refuses to mix it with the others.)
  [ "$cluster" = 1 ] || printf 'services:\n  postgres: {}\n' >>"$work/smoke.override.yml"
  if [ "$cluster" = 1 ]; then
    # The demo file points the first replicas at the simulator; the second
    # replicas need the same registry, tokens and API addresses, or reply-2
    # would send the replies it picks up to the real X (operations.md §9
    # says the same for HQ's own override).
    cat >>"$work/smoke.override.yml" <<EOF
x-demo-secrets: &demo-secrets
  TVARIT_REGISTRY_FILE: /etc/tvarit/registry.toml
  TVARIT_X_APP_BEARER: app-\${TVARIT_DEMO_SECRET}
  TVARIT_META_APP_SECRET: \${TVARIT_DEMO_SECRET}
  TVARIT_META_PAGE_TOKEN_RAJASTHANPOLICEPAGE: \${TVARIT_DEMO_SECRET}
  TVARIT_X_USER_TOKEN_POLICERAJASTHAN: user-policerajasthan-\${TVARIT_DEMO_SECRET}
  TVARIT_X_USER_TOKEN_RAJPOLICEHELP: user-rajpolicehelp-\${TVARIT_DEMO_SECRET}
  TVARIT_X_USER_TOKEN_SP_BALOTRA: user-sp_balotra-\${TVARIT_DEMO_SECRET}
  TVARIT_X_USER_TOKEN_JAIPUR_POLICE: user-jaipur_police-\${TVARIT_DEMO_SECRET}
  TVARIT_REPLY_X_API_BASE: http://sim:8090
  TVARIT_REPLY_META_API_BASE: http://sim:8090/v21.0
services:
  classify-2:
    environment: *demo-secrets
    volumes: ["$root/deploy/demo/registry.toml:/etc/tvarit/registry.toml:ro"]
  reply-2:
    environment: *demo-secrets
    volumes: ["$root/deploy/demo/registry.toml:/etc/tvarit/registry.toml:ro"]
  metrics-2:
    environment: *demo-secrets
    volumes: ["$root/deploy/demo/registry.toml:/etc/tvarit/registry.toml:ro"]
EOF
  fi
}

# container_state SERVICE: one line per container: "status health exitcode image".
container_state() {
  local id
  for id in $(compose ps -q "$1" 2>/dev/null); do
    docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}} {{.Config.Image}}' "$id"
  done
}

# wait_ready SECONDS SERVICE...: every service's containers running and
# healthy (those with a healthcheck), migrate exited 0.
wait_ready() {
  local limit=$1
  shift
  local deadline=$((SECONDS + limit)) s line pending
  while :; do
    pending=()
    for s in "$@"; do
      line=$(container_state "$s" | sed -n 1p)
      case "$s:$line" in
        migrate:"exited "*" 0 "*) ;;
        migrate:"exited "*) compose logs --no-color --tail 30 migrate >&2; fail "migrate exited non-zero: $line" ;;
        *:"running healthy "* | *:"running none "*) ;;
        *) pending+=("$s(${line:-absent})") ;;
      esac
    done
    [ "${#pending[@]}" -gt 0 ] || return 0
    [ "$SECONDS" -lt "$deadline" ] || fail "not ready after ${limit} s: ${pending[*]}"
    sleep 2
  done
}

psql_tvarit() { compose exec -T postgres psql -U postgres -d tvarit -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# ------------------------------------------------------------------ images
# Debian mirror: the one this machine's apt uses.
debian_mirror() {
  [ -z "${TVARIT_SMOKE_DEBIAN_MIRROR:-}" ] || { echo "$TVARIT_SMOKE_DEBIAN_MIRROR"; return; }
  local m
  m=$( (grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}') |
    grep -v security | grep -E '/debian/?$' | sed -n 1p) || true
  echo "${m:-http://deb.debian.org/debian}"
}

image_label() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }

ensure_base() {
  if docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
    log "debian:bookworm-slim is cached"
    return
  fi
  local mirror rootfs=$state/rootfs/bookworm
  mirror=$(debian_mirror)
  log "debootstrap --variant=minbase bookworm from $mirror (about a minute)"
  rm -rf "$rootfs"
  mkdir -p "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/logs/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/logs/debootstrap.log" >&2; fail "debootstrap failed"; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - debian:bookworm-slim >/dev/null
  rm -rf "$rootfs"
}

# build_standin TAG DIR [FILE...]: builds the stand-in in DIR (plus FILEs,
# copied into its context) unless TAG exists with the same content hash.
build_standin() {
  local tag=$1 dir=$2
  shift 2
  local hash ctx
  hash=$( (cd "$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum
    for f in "$@"; do sha256sum "$f" | awk '{print $1}'; done) | sha256sum | cut -c1-16)
  if [ "$(image_label "$tag" org.tvarit.standin.hash)" = "$hash" ]; then
    log "$tag (stand-in) is cached"
    return
  fi
  log "building the stand-in $tag"
  ctx=$work/ctx-$(echo "$tag" | tr ':/' '__')
  mkdir -p "$ctx"
  cp -a "$dir"/. "$ctx"/
  for f in "$@"; do cp -aL "$f" "$ctx/"; done
  docker build --progress plain --label "org.tvarit.standin.hash=$hash" -t "$tag" "$ctx" \
    >"$work/logs/build-$(basename "$ctx").log" 2>&1 ||
    { tail -n 30 "$work/logs/build-$(basename "$ctx").log" >&2; fail "building $tag failed"; }
  rm -rf "$ctx"
}

# The images the compose files name (the stand-ins are tagged with them).
compose_image() { grep -hE "^\s+image: $1:" docker-compose*.yml | sed -n 1p | awk '{print $2}'; }

ensure_standins() {
  local nats_tag pg_tag prom_tag nats_bin
  nats_tag=$(compose_image nats)
  pg_tag=$(compose_image postgres)
  prom_tag=$(compose_image prom/prometheus)
  [ -n "$nats_tag" ] && [ -n "$pg_tag" ] && [ -n "$prom_tag" ] || fail "cannot find the nats, postgres and prometheus images in docker-compose*.yml"
  case $nats_tag in
    nats:"$(bash deploy/nats/nats-server.sh --version)"*) ;;
    *) fail "compose's $nats_tag is not deploy/nats/nats-server.sh's pinned $(bash deploy/nats/nats-server.sh --version)" ;;
  esac
  nats_bin=$(bash deploy/nats/nats-server.sh)
  build_standin "$nats_tag" deploy/compose/standins/nats "$nats_bin"
  build_standin "$pg_tag" deploy/compose/standins/postgres
  build_standin "$prom_tag" deploy/compose/standins/prometheus
}

ensure_rust_standin() {
  local sysroot
  sysroot=$(rustc --print sysroot)
  local want
  want=$(rustc --version | tr -c 'a-zA-Z0-9.\n' '_')
  if [ "$(image_label rust:1-bookworm org.tvarit.standin.rustc)" = "$want" ]; then
    log "rust:1-bookworm (stand-in, $(rustc --version)) is cached"
    return
  fi
  log "building the stand-in rust:1-bookworm from this machine's toolchain ($(rustc --version))"
  local ctx=$work/ctx-rust
  mkdir -p "$ctx"
  cp deploy/compose/standins/rust/Dockerfile "$ctx/"
  cp -al "$sysroot" "$ctx/toolchain" 2>/dev/null || cp -a "$sysroot" "$ctx/toolchain"
  cp -L /etc/ssl/certs/ca-certificates.crt "$ctx/"
  docker build --progress plain --label "org.tvarit.standin.rustc=$want" -t rust:1-bookworm "$ctx" \
    >"$work/logs/build-rust.log" 2>&1 || { tail -n 30 "$work/logs/build-rust.log" >&2; fail "building rust:1-bookworm failed"; }
  rm -rf "$ctx"
}

readonly shipped=(tvarit-ingest tvarit-classify tvarit-reply tvarit-metrics tvarit-desk tvarit-sim tvarit-console)

# image_from_binaries TAG DIR [OVERRIDE_DIR]: the Dockerfile's `prebuilt`
# target, fed with DIR's seven binaries (OVERRIDE_DIR's copies win).
image_from_binaries() {
  local tag=$1 dir=$2 over=${3:-} ctx=$work/ctx-$1 b
  mkdir -p "$ctx/bin"
  for b in "${shipped[@]}"; do
    local src=$dir/$b
    [ -z "$over" ] || [ ! -x "$over/$b" ] || src=$over/$b
    [ -x "$src" ] || fail "$src is missing (build it: cargo build --workspace --bins)"
    # Stripped, the seven debug binaries weigh 197 MiB instead of 357 MiB,
    # and each of the run's two images that much less (panic messages keep
    # their file and line; the host's copies keep the symbols).
    strip --strip-all -o "$ctx/bin/$b" "$src" 2>/dev/null || cp "$src" "$ctx/bin/$b"
  done
  docker build --progress plain -f deploy/Dockerfile --target prebuilt -t "tvarit:$tag" "$ctx" \
    >"$work/logs/build-tvarit-$tag.log" 2>&1 ||
    { tail -n 30 "$work/logs/build-tvarit-$tag.log" >&2; fail "building tvarit:$tag failed"; }
  rm -rf "$ctx"
}

# image_from_source TAG DIR: the whole Dockerfile (release build) on DIR.
image_from_source() {
  local tag=$1 dir=$2
  (cd "$dir" && docker build --progress plain -f deploy/Dockerfile -t "tvarit:$tag" .) \
    >"$work/logs/build-tvarit-$tag.log" 2>&1 ||
    { tail -n 40 "$work/logs/build-tvarit-$tag.log" >&2; fail "building tvarit:$tag failed"; }
}

# The upgrade's source: this checkout plus a harmless test-only migration
# in metrics' schema (a table holding one row per time it was applied).
make_upgrade_source() {
  local src=$work/upgrade-src
  mkdir -p "$src"
  cp -a Cargo.toml Cargo.lock proto crates services tests bench "$src/"
  [ ! -f rustfmt.toml ] || cp rustfmt.toml "$src/"
  [ ! -f .dockerignore ] || cp .dockerignore "$src/"
  mkdir -p "$src/deploy" && cp deploy/Dockerfile "$src/deploy/"
  cat >"$src/services/metrics/migrations/$upgrade_migration" <<'EOF'
-- Test-only (deploy/compose/smoke.sh): an upgrade that adds a migration.
CREATE TABLE smoke_upgrade (applied_at timestamptz NOT NULL DEFAULT now());
INSERT INTO smoke_upgrade DEFAULT VALUES;
EOF
  echo "$src"
}

teardown() {
  if [ "$stack_up" = 1 ]; then
    compose down -v --remove-orphans >"$work/logs/teardown.log" 2>&1 || cat "$work/logs/teardown.log" >&2
    stack_up=0
  fi
  docker info >/dev/null 2>&1 || return 0
  docker image rm -f "tvarit:$tag1" "tvarit:$tag2" >/dev/null 2>&1 || true
  # The build cache holds copies of the binaries: drop it (the stand-ins
  # and the base stay, as tagged images).
  [ "$release_build" = 1 ] || docker builder prune -f >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- the run
step "engine"
for tool in jq curl; do
  command -v "$tool" >/dev/null 2>&1 || { log "installing $tool"; apt_install "$tool"; }
done
ensure_engine
docker version --format 'engine {{.Server.Version}}, client {{.Client.Version}}' >&2
"${compose_cmd[@]}" version 2>/dev/null | sed -n 1p >&2

step "disk"
# Two images, the stack's volumes, a backup and the upgrade's binary: a run
# needs a few GiB. A failed run leaves its images and build cache behind, so
# what it left is dropped first; then a disk too full to finish is said
# here, not as a copy failing half-way through. A run that died mid-way
# (or whose folder was deleted under it) also leaves its containers, which
# the engine restarts and which then hold the stack's ports, and volumes.
leftover=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
if [ -n "$leftover" ]; then
  log "removing the containers an earlier run left"
  # shellcheck disable=SC2086 # one id per word
  docker rm -f $leftover >/dev/null
fi
docker volume ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker volume rm -f >/dev/null
docker image rm -f "tvarit:$tag1" "tvarit:$tag2" >/dev/null 2>&1 || true
docker image prune -f >/dev/null 2>&1 || true
[ "$release_build" = 1 ] || docker builder prune -f >/dev/null 2>&1 || true
need_gib=${TVARIT_SMOKE_MIN_FREE_GIB:-4}
disk_dirs=("$work")
[ -z "$engine_pid" ] || disk_dirs+=("$state")
for dir in "${disk_dirs[@]}"; do
  free_kib=$(df -Pk "$dir" | awk 'NR == 2 {print $4}')
  log "$dir: $((free_kib / 1048576)) GiB free"
  [ "$free_kib" -ge $((need_gib * 1048576)) ] ||
    fail "$dir has $((free_kib / 1024)) MiB free; the run needs ${need_gib} GiB (free disk, or set TVARIT_SMOKE_MIN_FREE_GIB)"
done

step "ports free"
reserve_ports
busy=()
for p in "${ports[@]}"; do
  if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then busy+=("$p"); fi
done
[ "${#busy[@]}" -eq 0 ] || fail "the compose stack publishes these 127.0.0.1 ports, already in use: ${busy[*]}"

step "base and stand-in images"
ensure_base
ensure_standins

step "tvarit image ($tag1)"
if [ "$release_build" = 1 ]; then
  ensure_rust_standin
  image_from_source "$tag1" "$root"
  desk=$work/tvarit-desk
  cid=$(docker create "tvarit:$tag1" true)
  docker cp "$cid:/usr/local/bin/tvarit-desk" "$desk"
  docker rm "$cid" >/dev/null
else
  if [ -z "$binaries" ]; then
    log "cargo build --workspace --bins"
    cargo build --workspace --bins >&2 || fail "cargo build failed"
    binaries=${CARGO_TARGET_DIR:-target}/debug
  fi
  image_from_binaries "$tag1" "$binaries"
  desk=$binaries/tvarit-desk
fi
docker image inspect -f 'tvarit:'"$tag1"' {{.Size}} bytes' "tvarit:$tag1" >&2

step "up (${services[*]})"
make_certs
write_override
compose config -q
stack_up=1
compose up -d --no-build "${services[@]}" >"$work/logs/up-1.log" 2>&1 || { cat "$work/logs/up-1.log" >&2; fail "compose up failed"; }
wait_ready 240 "${services[@]}"

step "operator token (compose exec reply tvarit-reply operators add)"
token=$(compose exec -T reply tvarit-reply operators add smoke-hq --role hq --units '*' | awk 'NF { l = $0 } END { print l }')
[ -n "$token" ] || fail "operators add printed no token"
# Over TLS, verified with the HQ CA, as a district PC connects.
export TVARIT_TOKEN=$token TVARIT_DESK_SERVER=https://localhost:50053 TVARIT_METRICS_SERVER=https://localhost:50054
export TVARIT_TLS_CA_FILE=$TVARIT_TLS_DIR/ca.crt
if env -u TVARIT_TLS_CA_FILE "$desk" --server http://127.0.0.1:50053 whoami >/dev/null 2>&1; then
  fail "reply answered plain-text gRPC: TLS is not on"
fi
"$desk" whoami >&2 || fail "tvarit-desk over TLS with the CA"

# inject_post: a complaint to @SP_Balotra from the simulated public; prints its X id.
inject_post() {
  local nonce=$RANDOM$RANDOM body
  body=$(jq -cn --arg n "$nonce" '{id: ("smoke-" + $n), platform: "x", mentions: ["@SP_Balotra"],
    text: ("@SP_Balotra Balotra me kal raat meri motorcycle chori ho gayi, thane me FIR nahi likh rahe, madad karo. ref " + $n),
    author: {id: ("u9" + $n), handle: "@smoke_citizen", name: "Smoke Citizen"}}')
  curl -sf -X POST -H 'content-type: application/json' --data "$body" http://127.0.0.1:8090/sim/posts | jq -r '.id'
}
# case_of POST_ID [SECONDS]: waits for the post's case in Balotra's queue; prints its docket.
case_of() {
  local deadline=$((SECONDS + ${2:-90})) docket
  while :; do
    docket=$("$desk" --json queue --unit balotra --all 2>/dev/null |
      jq -r --arg id "$1" 'select(.post.id == $id) | .docket' | sed -n 1p) || true
    [ -z "$docket" ] || { echo "$docket"; return 0; }
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 2
  done
}

step "a post from the simulated public becomes a case"
post_id=$(inject_post)
[ -n "$post_id" ] && [ "$post_id" != null ] || fail "POST /sim/posts gave no id"
docket=$(case_of "$post_id") || fail "no case for the sim's post $post_id after 90 s"
log "post $post_id is case $docket"

step "tvarit-desk claims and answers it (published gRPC port)"
"$desk" claim "$docket" >&2
"$desk" reply "$docket" --text "Balotra Police has registered your complaint; the SHO will call you. (smoke)" >&2

step "the reply reaches the simulator once"
deadline=$((SECONDS + 60))
until [ "$(curl -sf "http://127.0.0.1:8090/sim/replies?in_reply_to=$post_id" | jq 'length')" -ge 1 ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "no reply to $post_id reached the sim in 60 s"
  sleep 1
done
sleep 5
n=$(curl -sf "http://127.0.0.1:8090/sim/replies?in_reply_to=$post_id&all=true" | jq 'length')
[ "$n" = 1 ] || fail "the sim received $n replies (accepted or refused) to $post_id, not 1"

step "the leaderboard counts it"
month=$(TZ=Asia/Kolkata date +%Y-%m)
deadline=$((SECONDS + 90))
# Counted for balotra by day; outside its 08:00-22:00 IST shift the case was
# handed to HQ and counts for HQ (docs/sla.md), so the run may be at any hour.
until [ "$("$desk" --json leaderboard --month "$month" 2>/dev/null | jq -s '[.[] | select(.unit == "balotra" or .unit == "hq") | .answered] | add // 0')" -ge 1 ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the answered count of balotra and HQ for $month is still 0 after 90 s"
  sleep 3
done

step "Prometheus reports every target up"
deadline=$((SECONDS + 90))
while :; do
  targets=$(curl -sf http://127.0.0.1:9090/api/v1/targets | jq -r '.data.activeTargets[] | "\(.labels.service)=\(.health)"' | sort | tr '\n' ' ') || true
  [ -n "$targets" ] && ! grep -qvE '=up$' <<<"$(tr ' ' '\n' <<<"$targets" | sed '/^$/d')" && break
  [ "$SECONDS" -lt "$deadline" ] || fail "Prometheus targets not all up after 90 s: $targets"
  sleep 3
done
log "targets: $targets"

step "the console answers on its port"
curl -sf -o /dev/null --cacert "$TVARIT_TLS_DIR/ca.crt" https://localhost:8000/healthz || fail "console /healthz over HTTPS"
! curl -sf -o /dev/null http://127.0.0.1:8000/healthz || fail "the console answered plain HTTP"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TVARIT_TLS_DIR/ca.crt" https://localhost:8000/)
case $code in 2?? | 3??) ;; *) fail "console / answered $code" ;; esac

# every_post_a_case [SECONDS]: with ingest stopped (nothing new enters),
# waits until every post ingest archived is a case or joined one, and checks
# that none is in two.
every_post_a_case() {
  local deadline=$((SECONDS + ${1:-120})) row
  compose stop ingest >/dev/null 2>&1
  while :; do
    row=$(psql_tvarit "
      WITH p AS (SELECT platform, post_id FROM tvarit_ingest.posts),
           c AS (SELECT platform, post_id FROM tvarit_reply.cases
                 UNION ALL SELECT platform, post_id FROM tvarit_reply.case_posts)
      SELECT (SELECT count(*) FROM p) || ' ' || (SELECT count(*) FROM c) || ' '
          || (SELECT count(*) FROM (SELECT DISTINCT platform, post_id FROM c) d) || ' '
          || (SELECT count(*) FROM p WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.platform = p.platform AND c.post_id = p.post_id))")
    read -r posts cases distinct missing <<<"$row"
    [ "$cases" = "$distinct" ] || fail "a post is in two cases: $cases case posts, $distinct distinct"
    if [ "$missing" = 0 ]; then
      log "$posts posts archived, $cases in cases (none missing, none doubled)"
      break
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "$missing of $posts archived posts have no case after ${1:-120} s"
    sleep 3
  done
  compose start ingest >/dev/null 2>&1
  wait_ready 120 ingest
}

step "reply SIGKILLed mid-stream, then up -d: nothing lost or doubled"
sleep 5
compose kill -s KILL reply >&2
sleep 10
compose up -d --no-deps --no-build reply >&2
wait_ready 120 reply
sleep 5
every_post_a_case 120

if [ "$cluster" = 1 ]; then
  step "a NATS node SIGKILLed mid-stream (cluster)"
  # With 3 replicas on 3 nodes, every node holds every stream.
  replicas=$(curl -sf 'http://127.0.0.1:8222/jsz?streams=true&config=true' |
    jq -r '[.account_details[].stream_detail[] | "\(.name)=\(.config.num_replicas)"] | sort | join(" ")')
  [ "$replicas" = "TVARIT_CASES=3 TVARIT_CLASSIFIED=3 TVARIT_INGESTED=3" ] ||
    fail "streams on nats (name=replicas): '$replicas', not the three with 3 each"
  compose kill -s KILL nats-2 >&2
  post_id=$(inject_post)
  case_of "$post_id" 120 >/dev/null || fail "no case for $post_id with nats-2 down"
  compose up -d --no-deps --no-build nats-2 >&2
  wait_ready 120 nats-2
  every_post_a_case 120
fi

# cases_at: "count max_id" of the cases table.
cases_at() { psql_tvarit "SELECT count(*) || ' ' || coalesce(max(id), 0) FROM tvarit_reply.cases"; }
# cases_kept COUNT MAX: every case up to MAX is still there.
cases_kept() {
  local now
  now=$(psql_tvarit "SELECT count(*) FROM tvarit_reply.cases WHERE id <= $2")
  [ "$now" = "$1" ] || fail "$1 cases with id <= $2 before, $now now"
  [ "$(psql_tvarit "SELECT count(*) FROM tvarit_reply.cases WHERE docket = '$docket' AND first_reply_at IS NOT NULL")" = 1 ] ||
    fail "the answered case $docket is gone or unanswered"
}

step "down, then up: every case still there (volumes)"
read -r count max <<<"$(cases_at)"
compose down >"$work/logs/down.log" 2>&1 || { cat "$work/logs/down.log" >&2; fail "compose down failed"; }
compose up -d --no-build "${services[@]}" >"$work/logs/up-2.log" 2>&1 || { cat "$work/logs/up-2.log" >&2; fail "compose up failed"; }
wait_ready 240 "${services[@]}"
cases_kept "$count" "$max"
log "$count cases kept"

step "upgrade: image $tag2 with a new migration"
src=$(make_upgrade_source)
if [ "$release_build" = 1 ]; then
  image_from_source "$tag2" "$src"
else
  # Only the binary that carries the migration is compiled again, in a copy
  # of the checkout that shares this one's build directory (dependencies
  # are not compiled again); the others are the ones tested above.
  log "cargo build --workspace --bin tvarit-metrics (the copy with $upgrade_migration)"
  build_dir=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
  (cd "$src" && CARGO_BUILD_BUILD_DIR=$build_dir CARGO_TARGET_DIR=$work/upgrade-target \
    cargo build --workspace --bin tvarit-metrics) >"$work/logs/upgrade-cargo.log" 2>&1 ||
    { tail -n 30 "$work/logs/upgrade-cargo.log" >&2; fail "cargo build of the upgrade failed"; }
  image_from_binaries "$tag2" "$binaries" "$work/upgrade-target/debug"
fi
read -r count max <<<"$(cases_at)"
TVARIT_IMAGE_TAG=$tag2
compose up -d --no-build "${services[@]}" >"$work/logs/up-3.log" 2>&1 || { cat "$work/logs/up-3.log" >&2; fail "compose up (upgrade) failed"; }
wait_ready 240 "${services[@]}"
for s in "${tvarit_services[@]}"; do
  img=$(container_state "$s" | awk '{print $4}' | sort -u)
  [ "$img" = "tvarit:$tag2" ] || fail "$s runs '$img' after the upgrade, not tvarit:$tag2"
done
cases_kept "$count" "$max"
version=${upgrade_migration%%_*}
migrated() {
  psql_tvarit "SELECT (SELECT count(*) FROM tvarit_metrics._sqlx_migrations WHERE version = $version) || ' ' ||
    (SELECT count(*) FROM tvarit_metrics.smoke_upgrade)"
}
[ "$(migrated)" = "1 1" ] || fail "after the upgrade: migration rows and applications are '$(migrated)', not '1 1'"
compose run --rm --no-deps migrate >"$work/logs/migrate-again.log" 2>&1 || { cat "$work/logs/migrate-again.log" >&2; fail "migrate again failed"; }
[ "$(migrated)" = "1 1" ] || fail "migrate run again: '$(migrated)', not '1 1' (applied twice?)"
log "$upgrade_migration applied once; $count cases kept"

step "backup.sh, then restore.sh into a fresh stack"
read -r count max <<<"$(cases_at)"
bash deploy/compose/backup.sh "$work/backup" >&2 || fail "backup.sh failed"
audit_before=$(compose exec -T reply tvarit-reply audit verify 2>&1 | tail -n 1)
count=$(sed -n "s/^cases=//p" "$work/backup/manifest")
max=$(sed -n "s/^max_case_id=//p" "$work/backup/manifest")
compose down -v >"$work/logs/down-v.log" 2>&1 || { cat "$work/logs/down-v.log" >&2; fail "compose down -v failed"; }
[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$project")" ] || fail "volumes left after down -v"
bash deploy/compose/restore.sh "$work/backup" "${services[@]}" >&2 || fail "restore.sh failed"
wait_ready 240 "${services[@]}"
cases_kept "$count" "$max"
audit=$(compose exec -T reply tvarit-reply audit verify 2>&1 | tail -n 1) || fail "audit verify: $audit"
log "audit: $audit (before the backup: $audit_before)"
[ "$(migrated)" = "1 1" ] || fail "after restore: migrations '$(migrated)', not '1 1'"
post_id=$(inject_post)
case_of "$post_id" 120 >/dev/null || fail "the restored stack opened no case for a new post ($post_id)"
every_post_a_case 120

step "tear down"
teardown
end_step
