#!/usr/bin/env bash
# Replicas on one PostgreSQL: the release server once with one replica, then with two,
# back to back, each on a fresh database of a throw-away PostgreSQL 15 on loopback.
# One replica gets all the connections; two replicas get half each from two wrk at once
# (a gateway spreading the load), and their rates are added.
#   scripts/postgres.sh bench/replicas.sh [seconds per run, default 10] [connections, default 32]
# SERVER_BIN=path runs that binary instead of building. Needs wrk and psql. Every load
# run is bounded by its duration; the servers listen on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-32}
HALF=$((CONNECTIONS / 2))
: "${TEST_POSTGRES_URL:?run this through scripts/postgres.sh}"
for tool in wrk psql; do
  command -v $tool >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
if [ -z "${SERVER_BIN:-}" ]; then
  cargo build --release -p server --quiet
  SERVER_BIN=target/release/server
fi

work=$(mktemp -d /tmp/notes-bench-replicas.XXXXXX)
. bench/lib.sh
trap 'stop_servers; rm -rf "$work"' EXIT
rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
pct() { awk -v p="$2" '$1 == p"%" {print $2}' "$1"; }
wrk_to() { # output file, connections, base, then wrk arguments
  local out=$1 connections=$2 target=$3; shift 3
  wrk -t1 -c"$connections" -d"${DURATION}s" --latency "$@" "$target" >"$out"
}

echo "server: $SERVER_BIN; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk, ${DURATION}s per run, $CONNECTIONS connections in all, PostgreSQL:"
for replicas in 1 2; do
  psql -q "$TEST_POSTGRES_URL" -c "CREATE DATABASE notes_replicas_$replicas"
  url="${TEST_POSTGRES_URL%/*}/notes_replicas_$replicas"
  bases=()
  for _ in $(seq 1 "$replicas"); do
    start_server "$url"
    bases+=("$base")
  done
  access=$(sign_up bench "${bases[0]}")
  for i in $(seq 1 20); do
    json -H "Authorization: Bearer $access" -d "{\"title\":\"Note $i\",\"content\":\"Body of note $i, a line or two of text.\"}" \
      "${bases[0]}/api/notes/" >/dev/null
  done
  per=$((CONNECTIONS / replicas))
  for case in list create; do
    n=0; wrks=()
    for target in "${bases[@]}"; do
      if [ $case = list ]; then
        wrk_to "$work/$case-$n" "$per" "$target/api/notes/" -H "Authorization: Bearer $access" &
        wrks+=($!)
      else
        API_PATH=/api/notes/ ACCESS_TOKEN=$access BODY='{"title":"Bench","content":"A note written under load."}' \
          wrk_to "$work/$case-$n" "$per" "$target" -s bench/post.lua &
        wrks+=($!)
      fi
      n=$((n + 1))
    done
    wait "${wrks[@]}"
    total=0; p99s=""
    for f in "$work/$case"-*; do
      total=$(python3 -c "print($total + $(rate "$f"))")
      p99s="$p99s $(pct "$f" 99)"
    done
    printf '%-10s %d replica(s)  %8.0f req/s   p99%s\n' "$case" "$replicas" "$total" "$p99s"
    eval "${case}_$replicas=$total"
    rm -f "$work/$case"-*
  done
  stop_servers
done
python3 -c "print(f'two replicas / one: list {$list_2 / $list_1:.2f}, create {$create_2 / $create_1:.2f}')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
