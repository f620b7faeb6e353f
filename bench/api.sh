#!/usr/bin/env bash
# Loads the release server over loopback with wrk and prints requests/s and p50/p99
# latency for: the same route without a token (401: every layer, no database), list
# notes (a user with 20 notes) and its ratio to that, create note (commits synced; for
# comparison synced only at checkpoints, and each under an Idempotency-Key), refresh,
# sign-in; plus start-up time (migrations included) and idle memory. Refresh and sign-in
# run one connection per session or user, as many clients would.
#   bench/api.sh [seconds per run, default 10] [connections, default 32]
# SERVER_BIN=path runs that binary instead of building (e.g. an older build, to compare
# back to back). Needs wrk (scripts/setup.sh installs it). Every run is bounded by its
# duration.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-32}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (scripts/setup.sh)" >&2; exit 1; }

if [ -z "${SERVER_BIN:-}" ]; then
  cargo build --release -p server --quiet
  SERVER_BIN=target/release/server
fi
work=$(mktemp -d /tmp/notes-bench.XXXXXX)
. bench/lib.sh
trap 'stop_servers; rm -rf "$work"' EXIT
sqlite() { echo "sqlite://$work/$1.sqlite3?mode=rwc"; }
run() { # name, then wrk arguments
  local name=$1; shift
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" | summary "$name"
}
rate() { cat "$work/rate"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

echo "server: $SERVER_BIN; load average $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s%N)
start_server "$(sqlite bench)"
ready=$(date +%s%N)
echo "start-up to ready (fresh database, migrations included): $(( (ready - start) / 1000000 )) ms"

access=$(sign_up bench)
for i in $(seq 1 20); do
  json -H "Authorization: Bearer $access" -d "{\"title\":\"Note $i\",\"content\":\"Body of note $i, a line or two of text.\"}" \
    "$base/api/notes/" >/dev/null
done
sleep 1
echo "idle memory (RSS): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"

echo "wrk, ${DURATION}s per run, $CONNECTIONS connections, SQLite:"
EXPECT_STATUS=401 run "no database (401, GET /api/notes/)" "$base/api/notes/"
none=$(rate)
run "list notes (20 notes)" -H "Authorization: Bearer $access" "$base/api/notes/"
list=$(rate)
echo "list notes / no database: $(ratio "$list" "$none")"
API_PATH=/api/notes/ ACCESS_TOKEN=$access BODY='{"title":"Bench","content":"A note written under load."}' \
  run "create note" -s bench/post.lua "$base"
for i in $(seq 1 "$CONNECTIONS"); do
  json -d "$(credentials bench)" "$base/api/token/" | field refresh
done >"$work/refresh-tokens"
REFRESH_TOKENS_FILE="$work/refresh-tokens" wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
  -s bench/refresh.lua "$base" | summary "refresh (rotating)"
for i in $(seq 1 "$CONNECTIONS"); do
  json -d "$(credentials "bench$i")" "$base/api/user/register/" >/dev/null
done
wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/signin.lua "$base" \
  | summary "sign-in (Argon2id)"
echo "memory after load (RSS): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
stop_servers

# What syncing every commit costs: create note on a fresh database, synced at every
# commit (the default) and only at checkpoints, back to back.
for mode in full normal; do
  start_server "$(sqlite "sync-$mode")" SQLITE_SYNCHRONOUS=$mode
  access=$(sign_up bench)
  API_PATH=/api/notes/ ACCESS_TOKEN=$access BODY='{"title":"Bench","content":"A note written under load."}' \
    run "create note, synchronous=$mode" -s bench/post.lua "$base"
  eval "create_$mode=\$(rate)"
  stop_servers
done
echo "create note, FULL / NORMAL: $(ratio "$create_full" "$create_normal")"

# What an Idempotency-Key costs a creation (a lookup, and its own transaction instead of
# SQLite's group commit): create note on fresh databases, plain and keyed, back to back.
for keyed in 0 1; do
  start_server "$(sqlite "keyed-$keyed")"
  access=$(sign_up bench)
  KEYED=$keyed API_PATH=/api/notes/ ACCESS_TOKEN=$access \
    BODY='{"title":"Bench","content":"A note written under load."}' \
    run "create note, keyed=$keyed" -s bench/post.lua "$base"
  eval "create_keyed_$keyed=\$(rate)"
  stop_servers
done
echo "create note, keyed / plain: $(ratio "$create_keyed_1" "$create_keyed_0")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
