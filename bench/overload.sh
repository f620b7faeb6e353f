#!/usr/bin/env bash
# Overload and abuse, on the release server with SQLite:
#   1. the plain list loaded with many times more connections than MAX_REQUESTS_IN_FLIGHT,
#      with shedding (the default 256) and without (a bound no load reaches), back to back:
#      answers by status, wrk's socket errors, and the p99 of the served (200) answers as
#      the server's own histogram counts them (/metrics);
#   2. memory with the connection table full of stalled connections (the default
#      MAX_CONNECTIONS, 512, from 8 addresses: the per-client default, 64, each), then
#      twice as many more stalled ones making room for themselves, and a new client's
#      /healthz meanwhile.
#   bench/overload.sh [seconds per run, default 10] [connections, default 1024]
# SERVER_BIN=path runs that binary instead of building. Every run is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-1024}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (scripts/setup.sh)" >&2; exit 1; }
if [ -z "${SERVER_BIN:-}" ]; then
  cargo build --release -p server --quiet
  SERVER_BIN=target/release/server
fi
work=$(mktemp -d /tmp/notes-bench.XXXXXX)
. bench/lib.sh
trap 'stop_servers; rm -rf "$work"' EXIT
# wrk's connections and the server's, with room to spare.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# p99 of the answers with STATUS to METHOD /api/notes/, from the histogram at the metrics
# address: the upper bound of the first bucket holding 99% of them.
served_p99() {
  curl -fs "$1/metrics" | python3 -c '
import re, sys
method, status = sys.argv[1:3]
pattern = r"http_request_duration_seconds_bucket\{method=\"%s\",route=\"/api/notes/\",status=\"%s\",le=\"([^\"]+)\"\} (\S+)" % (method, status)
buckets = sorted((float(m.group(1)), float(m.group(2))) for m in (re.match(pattern, l) for l in sys.stdin) if m)
count = buckets[-1][1]
bound = next(le for le, n in buckets if n >= 0.99 * count)
print(f"{count:.0f} served, p99 <= {bound * 1000:g} ms")' "$2" "$3"
}

echo "server: $SERVER_BIN; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "1. wrk ${DURATION}s a run, $CONNECTIONS connections, each workload with shedding (the default bound) and without:"
# workload, MAX_REQUESTS_IN_FLIGHT, whether clients wait as Retry-After says.
run_case() {
  local workload=$1 in_flight=$2 honour=$3
  metrics_port=$(free_port)
  start_server "sqlite://$work/$workload-$in_flight-$honour.sqlite3?mode=rwc" \
    MAX_REQUESTS_IN_FLIGHT="$in_flight" MAX_CONNECTIONS=4096 MAX_CONNECTIONS_PER_CLIENT=100000 \
    METRICS_ADDR=127.0.0.1:$metrics_port
  access=$(sign_up bench)
  for i in $(seq 1 20); do
    json -H "Authorization: Bearer $access" -d "{\"title\":\"Note $i\",\"content\":\"Body of note $i.\"}" \
      "$base/api/notes/" >/dev/null
  done
  if [ "$workload" = list ]; then
    what="GET /api/notes/ (20 notes)" method=GET status=200
    unset BODY API_PATH
  else
    what="POST /api/notes/ (every commit synced)" method=POST status=201
    export BODY='{"title":"Overload","content":"A note written under overload."}' API_PATH=/api/notes/
  fi
  label="MAX_REQUESTS_IN_FLIGHT=$in_flight"
  [ "$in_flight" = 100000 ] && label="no shedding (MAX_REQUESTS_IN_FLIGHT=$in_flight)"
  [ "$honour" = yes ] && label="$label, clients waiting as Retry-After says"
  echo "  $what, $label:"
  if [ "$honour" = yes ]; then export HONOUR_RETRY_AFTER=1; else unset HONOUR_RETRY_AFTER; fi
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/statuses.lua \
    -H "Authorization: Bearer $access" "$base/api/notes/" >"$work/wrk"
  awk '/Requests\/sec/ {printf "    %s answers/s; ", $2} /^ +99%/ {printf "p99 of every answer at the client %s\n", $2}' "$work/wrk"
  grep -E '^(status|socket errors)' "$work/wrk" | sed 's/^/    /'
  echo "    in the server: $(served_p99 "http://127.0.0.1:$metrics_port" "$method" "$status")"
  stop_servers
}
run_case list 256 no
run_case list 100000 no
run_case create 256 yes
run_case create 256 no
run_case create 100000 no
unset BODY API_PATH HONOUR_RETRY_AFTER

echo "2. the connection table full of stalled connections (defaults: MAX_CONNECTIONS 512, 64 a client):"
start_server "sqlite://$work/stall.sqlite3?mode=rwc"
port=${base##*:}
rss() { awk '/VmRSS/ {r=$2} /VmHWM/ {h=$2} END {printf "RSS %.1f MB (peak %.1f MB)", r/1024, h/1024}' /proc/$pid/status; }
echo "  idle: $(rss)"
# stall COUNT LABEL: COUNT stalled connections (64 an address) held 5 s; memory and a new
# client's /healthz while they are held, then how many the server closed.
stall() {
  python3 bench/stall.py 127.0.0.1 "$port" "$1" 64 5 >"$work/stall" &
  local stalling=$!
  sleep 3
  echo "  $2: $(rss); a new client's /healthz: $(curl -s -o /dev/null -w '%{http_code} in %{time_total} s' "$base/healthz")"
  wait "$stalling"
  sed 's/^/  /' "$work/stall"
}
stall 512 "512 stalled"
stall 1024 "1,024 more stalled, making room for each other"
