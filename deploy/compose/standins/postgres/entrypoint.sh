#!/bin/sh
# What the official postgres image's entrypoint does, for the options the
# compose files use: a new data directory gets a superuser password
# (POSTGRES_PASSWORD, over TCP with scram-sha-256; trust on the local
# socket, so `docker compose exec postgres psql -U postgres` works) and the
# database POSTGRES_DB; then the server runs as `postgres` on every address.
set -eu
if [ "${1:-postgres}" != postgres ]; then exec "$@"; fi
shift || true
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  user=${POSTGRES_USER:-postgres}
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  db=${POSTGRES_DB:-$user}
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\"" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "stand-in postgres: initialised $PGDATA (database $db)"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
