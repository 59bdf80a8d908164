#!/usr/bin/env bash
# A local PostgreSQL for `burnoutctl up --store postgres`: one cluster in DIR, listening on
# 127.0.0.1:PORT and a unix socket in DIR, with a database "burnout". Prints the libpq URL.
#
#   deploy/local-postgres.sh start DIR PORT    # creates on first use; prints the URL
#   deploy/local-postgres.sh stop DIR
#
# PostgreSQL refuses to run as root: as root the cluster runs as `nobody` (DIR is handed to it).
# Debian's postgresql package puts the programs in /usr/lib/postgresql/<version>/bin.
set -euo pipefail
cmd=${1:?usage: local-postgres.sh start|stop DIR [PORT]}
dir=$(realpath -m "${2:?usage: local-postgres.sh start|stop DIR [PORT]}")
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || bin=$(dirname "$(command -v pg_ctl || echo /usr/bin/pg_ctl)")
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    port=${3:?start needs a PORT}
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown nobody:nogroup "$dir"; fi
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U burnout --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
      # PG_TRUST_NET (e.g. 10.77.0.0/24): also trust that network (the many-nodes test).
      if [ -n "${PG_TRUST_NET:-}" ]; then
        echo "host all all $PG_TRUST_NET trust" | as_owner tee -a "$dir/data/pg_hba.conf" >/dev/null
      fi
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=${PG_LISTEN:-127.0.0.1}" start >/dev/null
    fi
    as_owner "$bin/psql" -h "$dir" -p "$port" -U burnout -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'burnout'" | grep -q 1 ||
      as_owner "$bin/createdb" -h "$dir" -p "$port" -U burnout burnout
    echo "postgresql://burnout@${PG_LISTEN:-127.0.0.1}:$port/burnout"
    ;;
  stop)
    if [ -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *) echo "local-postgres.sh: unknown command $cmd" >&2; exit 2 ;;
esac
