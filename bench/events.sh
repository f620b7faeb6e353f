#!/usr/bin/env bash
# Event streams at scale, on the release server with SQLite (or PostgreSQL under
# scripts/postgres.sh, BENCH_DATABASE=postgres): N streams open at once (default 10,000,
# 8 per person as the server allows), and
#   1. the server's memory per open stream (its resident memory before and after);
#   2. the time from a write to its event on the Nth stream opened: 200 note creations one
#      after another, p50 and p99;
#   3. the plain list's p99 under wrk, with no stream open and then with the N open, in
#      one run (ratio beside it).
#   bench/events.sh [streams, default 10000]
# SERVER_BIN=path runs that binary instead of building. Every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
STREAMS=${1:-10000}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (scripts/setup.sh)" >&2; exit 1; }
if [ -z "${SERVER_BIN:-}" ]; then
  cargo build --release -p server --quiet
  SERVER_BIN=target/release/server
fi
work=$(mktemp -d /tmp/notes-bench.XXXXXX)
. bench/lib.sh
trap 'stop_servers; rm -rf "$work"' EXIT
# Every stream is a socket in the server and one in the client, each its own process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" -lt $((STREAMS + 1000)) ]; then
  echo "bench: $STREAMS streams need $((STREAMS + 1000)) open files a process (ulimit -n is $(ulimit -n))" >&2
  exit 1
fi

if [ "${BENCH_DATABASE:-sqlite}" = postgres ]; then
  db=notes_bench_events_$$
  psql "$TEST_POSTGRES_URL" -qc "CREATE DATABASE $db" >/dev/null
  url="${TEST_POSTGRES_URL%/*}/$db"
else
  url="sqlite://$work/notes.sqlite3?mode=rwc"
fi
# One client address opens them all, so its own limit is raised with the others.
start_server "$url" MAX_CONNECTIONS=$((STREAMS * 2 + 100)) MAX_STREAMS=$((STREAMS + 50)) \
  MAX_CONNECTIONS_PER_CLIENT=$((STREAMS * 2 + 100))
echo "events: $STREAMS streams on $(basename "${url%%:*}"), $(nproc) cores"
BASE=$base SERVER_PID=$pid JWT_SECRET=bench-secret-bench-secret-bench-secret \
  node bench/events.mjs "$STREAMS"
