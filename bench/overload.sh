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
ulimit -n 65536

# p99 of the 200s of GET /api/notes/, from the histogram at METRICS: the upper bound of
# the first bucket holding 99% of them.
served_p99() {
  curl -fs "$1/metrics" | python3 -c '
import re, sys
buckets = []
for line in sys.stdin:
    m = re.match(r"http_request_duration_seconds_bucket\{method=\"GET\",route=\"/api/notes/\",status=\"200\",le=\"([^\"]+)\"\} (\S+)", line)
    if m:
        buckets.append((float(m.group(1)), float(m.group(2))))
count = max(n for _, n in buckets)
bound = next(le for le, n in sorted(buckets) if n >= 0.99 * count)
print(f"{count:.0f} served, p99 <= {bound * 1000:g} ms")'
}

echo "server: $SERVER_BIN; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "1. GET /api/notes/ (20 notes), wrk ${DURATION}s, $CONNECTIONS connections:"
for in_flight in 256 1000000; do
  metrics_port=$(free_port)
  start_server "sqlite://$work/load-$in_flight.sqlite3?mode=rwc" \
    MAX_REQUESTS_IN_FLIGHT=$in_flight MAX_CONNECTIONS=4096 MAX_CONNECTIONS_PER_CLIENT=100000 \
    METRICS_ADDR=127.0.0.1:$metrics_port
  access=$(sign_up bench)
  for i in $(seq 1 20); do
    json -H "Authorization: Bearer $access" -d "{\"title\":\"Note $i\",\"content\":\"Body of note $i.\"}" \
      "$base/api/notes/" >/dev/null
  done
  label="MAX_REQUESTS_IN_FLIGHT=$in_flight"
  [ "$in_flight" = 1000000 ] && label="no shedding (MAX_REQUESTS_IN_FLIGHT=$in_flight)"
  echo "  $label:"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/statuses.lua \
    -H "Authorization: Bearer $access" "$base/api/notes/" >"$work/wrk"
  awk '/Requests\/sec/ {printf "    %s req/s in all; ", $2} /^ +99%/ {printf "p99 of every answer %s\n", $2}' "$work/wrk"
  grep -E '^(status|socket errors)' "$work/wrk" | sed 's/^/    /'
  echo "    served (server's histogram): $(served_p99 "http://127.0.0.1:$metrics_port")"
  stop_servers
done

echo "2. the connection table full of stalled connections (defaults: MAX_CONNECTIONS 512, 64 a client):"
start_server "sqlite://$work/stall.sqlite3?mode=rwc"
port=${base##*:}
rss() { awk '/VmRSS/ {r=$2} /VmHWM/ {h=$2} END {printf "RSS %.1f MB (peak %.1f MB)", r/1024, h/1024}' /proc/$pid/status; }
echo "  idle: $(rss)"
python3 bench/stall.py 127.0.0.1 "$port" 512 64 5 >"$work/stall-1" &
sleep 3
echo "  512 stalled: $(rss); a new client's /healthz: $(curl -s -o /dev/null -w '%{http_code} in %{time_total} s' "$base/healthz")"
wait
sed 's/^/  /' "$work/stall-1"
python3 bench/stall.py 127.0.0.1 "$port" 1024 64 5 >"$work/stall-2" &
sleep 3
echo "  1,024 more stalled, making room for each other: $(rss); a new client's /healthz: $(curl -s -o /dev/null -w '%{http_code} in %{time_total} s' "$base/healthz")"
wait
sed 's/^/  /' "$work/stall-2"
