#!/usr/bin/env bash
# Loads the release server over loopback with wrk and prints requests/s and p50/p99
# latency for: list notes (a user with 20 notes), create note, refresh, sign-in; plus
# start-up time (migrations included) and idle memory. Refresh and sign-in run one
# connection per session or user, as many clients would.
#   bench/api.sh [seconds per run, default 10] [connections, default 32]
# Needs wrk (scripts/setup.sh installs it). Every run is bounded by its duration.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-32}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (scripts/setup.sh)" >&2; exit 1; }

cargo build --release -p server --quiet
work=$(mktemp -d /tmp/notes-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

start=$(date +%s%N)
APP_ENV=production JWT_SECRET=bench-secret-bench-secret-bench-secret HOST=127.0.0.1 PORT=$port \
  DATABASE_URL="sqlite://$work/bench.sqlite3?mode=rwc" STATIC_DIR="$work/none" RUST_LOG=warn \
  target/release/server >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 500); do
  curl -fs "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.005
done
ready=$(date +%s%N)
echo "start-up to ready (fresh database, migrations included): $(( (ready - start) / 1000000 )) ms"

json() { curl -fs -H 'Content-Type: application/json' "$@"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
json -d '{"username":"bench","password":"correct horse battery"}' "$base/api/user/register/" >/dev/null
access=$(json -d '{"username":"bench","password":"correct horse battery"}' "$base/api/token/" | field access)
for i in $(seq 1 20); do
  json -H "Authorization: Bearer $access" -d "{\"title\":\"Note $i\",\"content\":\"Body of note $i, a line or two of text.\"}" \
    "$base/api/notes/" >/dev/null
done
sleep 1
echo "idle memory (RSS): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"

summary() { # name, then wrk's output on stdin
  awk -v name="$1" '
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Non-2xx or 3xx responses/ {bad=$NF}
    END {printf "%-28s %10.0f req/s   p50 %-9s p99 %-9s%s\n", name, rps, p50, p99, (bad ? "  NON-2xx: " bad : "")}'
}
run() { # name, then wrk arguments
  local name=$1; shift
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" | summary "$name"
}

echo "wrk, ${DURATION}s per run, $CONNECTIONS connections, SQLite:"
run "list notes (20 notes)" -H "Authorization: Bearer $access" "$base/api/notes/"
API_PATH=/api/notes/ ACCESS_TOKEN=$access BODY='{"title":"Bench","content":"A note written under load."}' \
  run "create note" -s bench/post.lua "$base"
for i in $(seq 1 "$CONNECTIONS"); do
  json -d '{"username":"bench","password":"correct horse battery"}' "$base/api/token/" | field refresh
done >"$work/refresh-tokens"
REFRESH_TOKENS_FILE="$work/refresh-tokens" wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
  -s bench/refresh.lua "$base" | summary "refresh (rotating)"
for i in $(seq 1 "$CONNECTIONS"); do
  json -d "{\"username\":\"bench$i\",\"password\":\"correct horse battery\"}" "$base/api/user/register/" >/dev/null
done
wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/signin.lua "$base" \
  | summary "sign-in (Argon2id)"
echo "memory after load (RSS): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
