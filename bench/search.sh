#!/usr/bin/env bash
# Search and paging at 20,000 notes of one user, on SQLite and on PostgreSQL: the release
# server on loopback with a fresh database, the notes seeded by SQL in one statement, then
# wrk per case. Prints requests/s and p50/p99 latency.
#   bench/search.sh [seconds per run, default 10] [connections, default 8]
# PostgreSQL runs on a throw-away server (scripts/postgres.sh). Needs wrk, sqlite3, psql.
# SERVER_BIN=path runs that binary instead of building.
# Every load run is bounded by its duration; the servers listen on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-8}
NOTES=20000
for tool in wrk sqlite3 psql; do
  command -v $tool >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done

. bench/lib.sh
on_both_backends "$DURATION" "$CONNECTIONS"

SERVER_BIN=${SERVER_BIN:-target/release/server}
work=$(mktemp -d /tmp/notes-bench-search.XXXXXX)
trap 'stop_servers; rm -rf "$work"' EXIT
backend_database notes_bench

start_server "$database_url"
user_id=$(json -d "$(credentials bench)" "$base/api/user/register/" | field id)
access=$(json -d "$(credentials bench)" "$base/api/token/" | field access)

# Every note holds "ordinary"; one in 1,000 "zeppelin"; one in 100 "qz"; one in 7
# "apple" and one in 11 "river" (one in 77 both). The text is ASCII, so SQL's lower()
# is the server's case folding and search_text can be written by SQL.
# The tags the server would read from that text: one note in 2 holds #work, one in 10
# #work/meetings too (which is in #work), one in 1,000 #rare. A fresh database numbers
# the notes from 1.
TAG_ROWS="
INSERT INTO note_tags (note_id, author_id, tag_key, tag, written)
SELECT id, author_id, 'work', 'work', true FROM notes WHERE id % 2 = 0
UNION ALL SELECT id, author_id, 'work/meetings', 'work/meetings', true FROM notes WHERE id % 10 = 0
UNION ALL SELECT id, author_id, 'rare', 'rare', true FROM notes WHERE id % 1000 = 0;"
seed_sqlite() {
  sqlite3 "$work/bench.sqlite3" <<SQL
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $NOTES),
note(i, title, content, at) AS (
  SELECT i, 'Note ' || i,
    'A line about ' || (CASE i % 3 WHEN 0 THEN 'green' WHEN 1 THEN 'blue' ELSE 'red' END)
      || ' things and some ordinary filler text to give the note a realistic length'
      || (CASE WHEN i % 1000 = 0 THEN ', zeppelin' ELSE '' END)
      || (CASE WHEN i % 100 = 0 THEN ', qz' ELSE '' END)
      || (CASE WHEN i % 7 = 0 THEN ', apple' ELSE '' END)
      || (CASE WHEN i % 11 = 0 THEN ', river' ELSE '' END)
      || (CASE WHEN i % 2 = 0 THEN ' #work' ELSE '' END)
      || (CASE WHEN i % 10 = 0 THEN ' #work/meetings' ELSE '' END)
      || (CASE WHEN i % 1000 = 0 THEN ' #rare' ELSE '' END) || '.',
    strftime('%Y-%m-%dT%H:%M:%f+00:00', '2026-01-01', '+' || i || ' seconds')
  FROM seq)
INSERT INTO notes (title, content, created_at, updated_at, author_id, version, search_text)
SELECT title, content, at, at, $user_id, 1, lower(title) || char(10) || lower(content) FROM note;
$TAG_ROWS
SQL
}
seed_postgres() {
  psql -q "$database_url" <<SQL
INSERT INTO notes (title, content, created_at, updated_at, author_id, version, search_text)
SELECT title, content, at, at, $user_id, 1, lower(title) || E'\n' || lower(content) FROM (
  SELECT 'Note ' || i AS title,
    'A line about ' || (CASE i % 3 WHEN 0 THEN 'green' WHEN 1 THEN 'blue' ELSE 'red' END)
      || ' things and some ordinary filler text to give the note a realistic length'
      || (CASE WHEN i % 1000 = 0 THEN ', zeppelin' ELSE '' END)
      || (CASE WHEN i % 100 = 0 THEN ', qz' ELSE '' END)
      || (CASE WHEN i % 7 = 0 THEN ', apple' ELSE '' END)
      || (CASE WHEN i % 11 = 0 THEN ', river' ELSE '' END)
      || (CASE WHEN i % 2 = 0 THEN ' #work' ELSE '' END)
      || (CASE WHEN i % 10 = 0 THEN ' #work/meetings' ELSE '' END)
      || (CASE WHEN i % 1000 = 0 THEN ' #rare' ELSE '' END) || '.' AS content,
    timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' AS at
  FROM generate_series(1, $NOTES) AS i) AS note;
$TAG_ROWS
-- What autovacuum does soon after a load of this size (PostgreSQL 13 and later vacuum
-- after inserts too): statistics for the planner, and the visibility map that lets a
-- count read the author index alone.
VACUUM ANALYZE notes;
VACUUM ANALYZE note_tags;
SQL
}
start=$(date +%s%N)
"seed_$BENCH_BACKEND"
echo "$BENCH_BACKEND: seeded $NOTES notes in $(( ($(date +%s%N) - start) / 1000000 )) ms"

run() { # name, path and query
  local count
  count=$(curl -fs -H "Authorization: Bearer $access" "$base$2" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["count"] if isinstance(d, dict) else len(d))')
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $access" "$base$2" \
    | summary "$1 ($count)"
}

load() { awk '{print $1, $2, $3}' /proc/loadavg; }
echo "wrk, ${DURATION}s per run, $CONNECTIONS connections, $BENCH_BACKEND, $NOTES notes of one user (matches in brackets); load average $(load):"
run "search common term, page 1" "/api/notes/?search=ordinary&page=1"
run "search rare term, page 1" "/api/notes/?search=zeppelin&page=1"
run "search 2-character term, page 1" "/api/notes/?search=qz&page=1"
run "search two terms, page 1" "/api/notes/?search=apple+river&page=1"
run "search common term, last page" "/api/notes/?search=ordinary&page=last"
run "tag with nested tags, page 1" "/api/notes/?tag=work&page=1"
run "tag with nested tags, last page" "/api/notes/?tag=work&page=last"
run "rare tag, page 1" "/api/notes/?tag=rare&page=1"
run "tag and search, page 1" "/api/notes/?tag=work/meetings&search=apple&page=1"
run "list page 1" "/api/notes/?page=1"
run "tags with their counts" "/api/tags/"
run "list deep page (last)" "/api/notes/?page=last"
run "list middle page (500 of 1,000)" "/api/notes/?page=500"
echo "load average after: $(load)"
