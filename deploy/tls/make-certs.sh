#!/usr/bin/env bash
# Makes HQ's TLS certificates with openssl:
#
#   deploy/tls/make-certs.sh OUT_DIR [--host NAME]... [--registry FILE] [--days N] [--new-ca]
#
#   OUT_DIR/ca.crt, ca.key          the HQ CA (ca.key never leaves HQ)
#   OUT_DIR/server.crt, server.key  for every gRPC server and the console: localhost,
#                                   127.0.0.1 and each --host (a name or an IP address)
#   OUT_DIR/clients/<unit>.crt|.key one client certificate per unit of the registry
#                                   (mutual TLS: TVARIT_TLS_CLIENT_CA_FILE=ca.crt)
#
# The units are read from the registry file (default: the deployed one,
# crates/registry/rajasthan.toml). An existing ca.crt/ca.key in OUT_DIR is
# kept, so running this again renews the server and client certificates
# without a new CA to install on every district PC; --new-ca makes a new CA
# (then every PC needs the new ca.crt: docs/operations.md, "TLS").
set -euo pipefail

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=""
hosts=()
registry="$here/../../crates/registry/rajasthan.toml"
days=397
new_ca=false
while [ $# -gt 0 ]; do
  case $1 in
    --host) [ $# -ge 2 ] || usage; hosts+=("$2"); shift 2 ;;
    --registry) [ $# -ge 2 ] || usage; registry=$2; shift 2 ;;
    --days) [ $# -ge 2 ] || usage; days=$2; shift 2 ;;
    --new-ca) new_ca=true; shift ;;
    -h | --help) usage ;;
    -*) echo "make-certs.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$out" ] || usage; out=$1; shift ;;
  esac
done
[ -n "$out" ] || usage
[[ $days =~ ^[0-9]+$ ]] && [ "$days" -ge 1 ] || { echo "make-certs.sh: --days must be a whole number of days" >&2; exit 2; }
[ -r "$registry" ] || { echo "make-certs.sh: cannot read the registry $registry" >&2; exit 2; }
command -v openssl >/dev/null || { echo "make-certs.sh: needs openssl" >&2; exit 2; }

# Unit slugs: the `slug = "..."` line of each [[units]] table.
mapfile -t units < <(awk '
  /^\[\[/ { in_unit = ($0 ~ /^\[\[units\]\]/) }
  in_unit && /^slug[ \t]*=/ { gsub(/^slug[ \t]*=[ \t]*"|".*$/, ""); print }
' "$registry")
[ "${#units[@]}" -gt 0 ] || { echo "make-certs.sh: no [[units]] in $registry" >&2; exit 2; }
for u in "${units[@]}"; do
  [[ $u =~ ^[a-z0-9_-]+$ ]] || { echo "make-certs.sh: unit slug $u is not a safe file name" >&2; exit 2; }
done

umask 077
mkdir -p "$out/clients"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if $new_ca || [ ! -s "$out/ca.crt" ] || [ ! -s "$out/ca.key" ]; then
  key "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" -sha256 -days 3650 -subj "/O=Tvarit/CN=Tvarit HQ CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$out/ca.crt"
  echo "new CA: $out/ca.crt (install it on every district PC)" >&2
else
  echo "keeping the CA in $out (--new-ca to replace it)" >&2
fi

# sign NAME KEY_FILE CERT_FILE EXTENSIONS
sign() {
  openssl req -new -key "$2" -subj "/O=Tvarit/CN=$1" -out "$work/req.csr"
  printf '%s\n' "$4" >"$work/ext.cnf"
  openssl x509 -req -in "$work/req.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
    -CAserial "$work/ca.srl" -sha256 -days "$days" -extfile "$work/ext.cnf" -out "$3" 2>/dev/null
}

san="DNS:localhost,IP:127.0.0.1"
for h in "${hosts[@]}"; do
  if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san+=",IP:$h"; else san+=",DNS:$h"; fi
done
key "$out/server.key"
sign "tvarit" "$out/server.key" "$out/server.crt" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san"

for u in "${units[@]}"; do
  key "$out/clients/$u.key"
  sign "$u" "$out/clients/$u.key" "$out/clients/$u.crt" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
chmod 644 "$out/ca.crt" "$out/server.crt" "$out"/clients/*.crt
echo "server certificate for $san; ${#units[@]} client certificates in $out/clients; valid $days days" >&2
