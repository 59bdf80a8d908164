#!/usr/bin/env bash
# A local certificate authority and one certificate per service (and one for clients), for
# `burnoutctl up --tls`, the tests and the Kubernetes Secret. openssl only.
#
#   deploy/make-certs.sh DIR [--days N] [--names "text voice ..."] [--expired NAME]
#
# DIR/ca.crt, DIR/ca.key, and DIR/<name>.crt, DIR/<name>.key for each name (default: text
# voice face fusion temporal orchestrator client). Each certificate is good for TLS servers and
# clients (mutual TLS) and names localhost, 127.0.0.1, <name>, <name>.burnout.svc and
# <name>.burnout.svc.cluster.local. An existing CA in DIR is reused, so certificates can be
# renewed in place (the services re-read them; no restart). --expired NAME writes NAME's
# certificate with a validity that ended yesterday (for the tests).
set -euo pipefail
dir=${1:?usage: make-certs.sh DIR [--days N] [--names "..."] [--expired NAME]}
shift
days=825
names="text voice face fusion temporal orchestrator client"
expired=""
while [ $# -gt 0 ]; do
  case "$1" in
    --days) days=$2; shift 2 ;;
    --names) names=$2; shift 2 ;;
    --expired) expired=$2; names="$2"; shift 2 ;;
    *) echo "make-certs.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
cd "$dir"
umask 077
if [ ! -f ca.key ] || [ ! -f ca.crt ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
    -keyout ca.key -out ca.crt -days 3650 -subj "/CN=burnout-risk local CA $(date +%s%N)" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
fi
for name in $names; do
  cat > "$name.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:$name,DNS:$name.burnout.svc,DNS:$name.burnout.svc.cluster.local
EXT
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" 2>/dev/null
  if [ "$name" = "$expired" ]; then
    # openssl x509 cannot back-date; `openssl ca` can, with a throwaway database.
    mkdir -p ca-db && : > ca-db/index.txt && echo 1000 > ca-db/serial
    cat > ca-db/ca.cnf <<CNF
[ca]
default_ca = local
[local]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
certificate = ca.crt
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
CNF
    openssl ca -batch -config ca-db/ca.cnf -in "$name.csr" -out "$name.crt" -extfile "$name.ext" \
      -startdate "$(date -u -d '-3 days' +%Y%m%d%H%M%SZ)" \
      -enddate "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" -notext 2>/dev/null
    rm -rf ca-db
  else
    openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
      -sha256 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  fi
  rm -f "$name.csr" "$name.ext"
done
rm -f ca.srl
chmod 644 ./*.crt
echo "certificates in $dir: ca.crt $(for n in $names; do printf '%s.crt ' "$n"; done)"
