#!/usr/bin/env bash
# A note's history, on SQLite and on PostgreSQL:
#  - what a save costs with history against the build before it (PUT writes/s with wrk
#    over 200 notes in turn, a 200-byte note and a 20 KB one, each save changing the
#    text; back to back: before, with, before, with);
#  - the database's growth over 1,000 small edits of a 20 KB note, with history and
#    before it, and the history's own bytes;
#  - the p50/p99 of a page of 100 of the 1,000 versions, and of a diff of two of them.
#   bench/history.sh [seconds per run, default 10] [connections, default 8]
# BEFORE_BIN=path: the server without history (default: built from BEFORE_REV, the
# commit before it, in a worktree under target/). Needs wrk, sqlite3, psql.
# Every load run is bounded by its duration; the servers listen on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-8}
BEFORE_REV=${BEFORE_REV:-87b4430}
for tool in wrk sqlite3 psql; do
  command -v $tool >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
if [ -z "${BENCH_BACKEND:-}" ] && [ -z "${BEFORE_BIN:-}" ]; then
  tree=target/before-history
  if [ ! -x "$tree/target/release/server" ]; then
    [ -d "$tree" ] || git worktree add -q --detach "$tree" "$BEFORE_REV"
    (cd "$tree" && CARGO_TARGET_DIR="$PWD/target" cargo build --release -p server --quiet)
  fi
  export BEFORE_BIN=$PWD/$tree/target/release/server
fi

. bench/lib.sh
on_both_backends "$DURATION" "$CONNECTIONS"

SERVER_BIN=${SERVER_BIN:-target/release/server}
work=$(mktemp -d /tmp/notes-bench-history.XXXXXX)
trap 'stop_servers; rm -rf "$work"' EXIT

# db_bytes: the whole database's size now (SQLite: the file and its WAL).
db_bytes() {
  case "$BENCH_BACKEND" in
    sqlite) cat "$work/$1.sqlite3" "$work/$1.sqlite3-wal" 2>/dev/null | wc -c ;;
    postgres) psql -qtA "$TEST_POSTGRES_URL" -c "SELECT pg_database_size('$1')" ;;
  esac
}
history_bytes() {
  case "$BENCH_BACKEND" in
    sqlite) sqlite3 "$work/$1.sqlite3" "SELECT COALESCE(SUM(LENGTH(content)), 0) + COALESCE(SUM(LENGTH(delta)), 0) + SUM(LENGTH(title)) + 100 * COUNT(*) FROM note_revisions" ;;
    postgres) psql -qtA "${TEST_POSTGRES_URL%/*}/$1" -c "SELECT pg_total_relation_size('note_revisions')" ;;
  esac
}
# server NAME BIN: a fresh database NAME and a server on it; $base and $access.
server() {
  case "$BENCH_BACKEND" in
    sqlite) database_url="sqlite://$work/$1.sqlite3?mode=rwc" ;;
    postgres)
      psql -q "$TEST_POSTGRES_URL" -c "CREATE DATABASE $1"
      database_url="${TEST_POSTGRES_URL%/*}/$1"
      ;;
  esac
  SERVER_BIN=$2 start_server "$database_url"
  access=$(sign_up bench)
}

short="A short note, a line or two, as most are: eggs, flour, milk and butter.\\n"
long=$(python3 -c 'print("".join(f"Line {n:03}: the quick brown fox jumps over the lazy dog, again.\\\\n" for n in range(320)), end="")')
echo "== $BENCH_BACKEND: saves (PUT, each a new text), wrk ${DURATION}s, $CONNECTIONS connections"
declare -A rate
for round in 1 2; do
  for build in before with; do
    bin=$BEFORE_BIN; [ $build = with ] && bin=$SERVER_BIN
    server "put_${build}_$round" "$bin"
    for size in short long; do
      text=$short; [ $size = long ] && text=$long
      ids=$(for _ in $(seq 1 200); do json -H "Authorization: Bearer $access" -d "{\"title\":\"Bench\",\"content\":\"$text\"}" "$base/api/notes/" | field id; done | paste -sd,)
      TEXT=$text NOTE_IDS=$ids ACCESS_TOKEN=$access wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
        -s bench/put.lua "$base" | summary "save $size, $build (round $round)"
      rate[$size-$build]=$(( ${rate[$size-$build]:-0} + $(cut -d. -f1 "$work/rate") ))
    done
    stop_servers
  done
done
for size in short long; do
  python3 -c "import sys; b, w = int(sys.argv[1]), int(sys.argv[2]); print(f'save $size: with history / before = {w} / {b} = {w / b:.3f}')" \
    "${rate[$size-before]}" "${rate[$size-with]}"
done

echo "== $BENCH_BACKEND: 1,000 small edits of a 20 KB note"
for build in before with; do
  bin=$BEFORE_BIN; [ $build = with ] && bin=$SERVER_BIN
  server "grow_$build" "$bin"
  start=$(db_bytes "grow_$build")
  flags=--saves-only; [ $build = with ] && flags=
  result=$(python3 bench/history.py "$base" "$access" $flags)
  end=$(db_bytes "grow_$build")
  extra=""
  [ $build = with ] && extra=", history's rows $(history_bytes "grow_$build") B"
  echo "$build: database grew $((end - start)) B$extra; $result"
  stop_servers
done
