#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages (when missing and running as root), starts a private
# server on 127.0.0.1 and prints the URL to use as DATAPORT_PG_URL. Idempotent: a server already
# running from this directory is reused. Prints nothing (and exits 1) when it cannot.
set -euo pipefail
PORT=${DATAPORT_PG_PORT:-54329}
DIR=${DATAPORT_PG_DIR:-/tmp/dataport-pg}
pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pgbin)" ]; then
  if [ "$(id -u)" != 0 ]; then echo "postgres: not installed and not root" >&2; exit 1; fi
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/tmp/dataport-pg-apt.log 2>&1 || { echo "postgres: apt-get failed (see /tmp/dataport-pg-apt.log)" >&2; exit 1; }
fi
BIN=$(pgbin)
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if [ "$(id -u)" = 0 ]; then install -d -o postgres -m 700 "$DIR"; else mkdir -p "$DIR"; fi
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  as_pg "'$BIN/initdb' -D '$DIR/data' -A trust -U dataport -E UTF8 --no-locale" >"$DIR.initdb.log" 2>&1
fi
if ! as_pg "'$BIN/pg_ctl' -D '$DIR/data' status" >/dev/null 2>&1; then
  as_pg "'$BIN/pg_ctl' -D '$DIR/data' -w -l '$DIR/server.log' -o \"-c listen_addresses=127.0.0.1 -p $PORT -k '$DIR' -c max_connections=200\" start" >/dev/null
fi
as_pg "'$BIN/psql' -h 127.0.0.1 -p $PORT -U dataport -d postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='dataport'\"" | grep -q 1 \
  || as_pg "'$BIN/createdb' -h 127.0.0.1 -p $PORT -U dataport dataport"
echo "postgres://dataport@127.0.0.1:$PORT/dataport"
