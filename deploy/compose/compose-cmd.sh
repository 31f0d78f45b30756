# Sourced by backup.sh and restore.sh: the compose command they drive.
# TVARIT_COMPOSE (e.g. the smoke test's project and files) wins; else the
# docker compose plugin; else the standalone docker-compose.
if [ -n "${TVARIT_COMPOSE:-}" ]; then
  read -r -a compose_cmd <<<"$TVARIT_COMPOSE"
elif docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
else
  compose_cmd=(docker-compose)
fi
compose() { "${compose_cmd[@]}" "$@"; }
docker_bin=docker
[ -x /usr/bin/docker ] && docker_bin=/usr/bin/docker
