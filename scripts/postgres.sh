#!/usr/bin/env bash
# Runs a command beside a throw-away PostgreSQL server on loopback:
#   scripts/postgres.sh <command> [args...]
# The server lives in a temporary directory and is removed afterwards. The command sees
# TEST_POSTGRES_URL (a superuser URL to the `postgres` database) and PG_BIN, PG_DATA_DIR,
# PG_PORT, PG_OPTS and PG_LOG, so a test can stop the server and start it again.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "postgres.sh: PostgreSQL server binaries not found (install postgresql)" >&2
  exit 1
fi

# initdb refuses to run as root; the cluster then belongs to the postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

work=$(mktemp -d /tmp/notes-pg.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  as_owner "$PG_BIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT

as_owner "$PG_BIN/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log" >&2; exit 1; }
opts="-h 127.0.0.1 -p $port -k $work -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
as_owner "$PG_BIN/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 30 -o "$opts" start >/dev/null \
  || { cat "$work/server.log" >&2; exit 1; }

export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
export PG_DATA_DIR="$work/data" PG_PORT="$port" PG_BIN PG_OPTS="$opts" PG_LOG="$work/server.log"
"$@"
