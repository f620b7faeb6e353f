#!/usr/bin/env bash
# Export and import at 100,000 notes of one user, on SQLite and on PostgreSQL: the release
# server on loopback with a fresh database, the notes seeded by SQL. For each download
# (the JSON export, the Markdown zip, and the plain list for comparison) it prints the
# time to the first byte, the total time, the size, and the server's resident memory
# (its own, RssAnon, sampled every 20 ms) at its highest during the download, against
# before, and the database file's pages mapped into it (RssFile) at most. Then
# the JSON export imported into a second account, timed.
#   bench/export.sh [notes, default 100000]
# PostgreSQL runs on a throw-away server (scripts/postgres.sh). Needs sqlite3, psql.
# SERVER_BIN=path runs that binary instead of building. Servers listen on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
NOTES=${1:-100000}
for tool in sqlite3 psql curl; do
  command -v $tool >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done

. bench/lib.sh
on_both_backends "$NOTES"

SERVER_BIN=${SERVER_BIN:-target/release/server}
work=$(mktemp -d /tmp/notes-bench-export.XXXXXX)
trap 'stop_servers; rm -rf "$work"' EXIT
backend_database notes_bench_export

start_server "$database_url" IMPORT_MAX_MB=512
user_id=$(json -d "$(credentials bench)" "$base/api/user/register/" | field id)
access=$(json -d "$(credentials bench)" "$base/api/token/" | field access)

# About 330 bytes of text a note; one in 2 holds #work (its tag row written too).
NOTE_SQL="'Note ' || i, 'A line about ' || (CASE i % 3 WHEN 0 THEN 'green' WHEN 1 THEN 'blue' ELSE 'red' END)
  || ' things, and the filler text that a note of an ordinary length would hold: a few sentences'
  || ' about what to do next week, who to call and what to buy on the way home, and then some more'
  || ' of the same to give the note a realistic length.' || (CASE WHEN i % 2 = 0 THEN ' #work' ELSE '' END)"
TAG_ROWS="INSERT INTO note_tags (note_id, author_id, tag_key, tag, written)
SELECT id, author_id, 'work', 'work', true FROM notes WHERE id % 2 = 0;"
seed_sqlite() {
  sqlite3 "$work/bench.sqlite3" <<SQL
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $NOTES),
note(title, content, at) AS (
  SELECT $NOTE_SQL, strftime('%Y-%m-%dT%H:%M:%f+00:00', '2026-01-01', '+' || i || ' seconds') FROM seq)
INSERT INTO notes (title, content, created_at, updated_at, author_id, version, search_text)
SELECT title, content, at, at, $user_id, 1, lower(title) || char(10) || lower(content) FROM note;
$TAG_ROWS
SQL
}
seed_postgres() {
  psql -q "$database_url" <<SQL
INSERT INTO notes (title, content, created_at, updated_at, author_id, version, search_text)
SELECT t, c, at, at, $user_id, 1, lower(t) || E'\n' || lower(c) FROM (
  SELECT 'Note ' || i AS t,
    'A line about ' || (CASE i % 3 WHEN 0 THEN 'green' WHEN 1 THEN 'blue' ELSE 'red' END)
      || ' things, and the filler text that a note of an ordinary length would hold: a few sentences'
      || ' about what to do next week, who to call and what to buy on the way home, and then some more'
      || ' of the same to give the note a realistic length.' || (CASE WHEN i % 2 = 0 THEN ' #work' ELSE '' END) AS c,
    timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' AS at
  FROM generate_series(1, $NOTES) AS i) AS note;
$TAG_ROWS
VACUUM ANALYZE notes;
SQL
}
start=$(date +%s%N)
"seed_$BENCH_BACKEND"
echo "$BENCH_BACKEND: seeded $NOTES notes in $(( ($(date +%s%N) - start) / 1000000 )) ms"

rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
# The process's own memory (heap, stacks), apart from the SQLite file's pages mapped
# into it (RssFile), which the kernel shares with its page cache and can take back.
anon() { awk '/^RssAnon/ {print $2}' "/proc/$pid/status"; }
mapped() { awk '/^RssFile/ {print $2}' "/proc/$pid/status"; }
# download NAME PATH FILE: fetches PATH into FILE while sampling the server's memory.
download() {
  local before peak now file_peak
  before=$(anon); peak=$before; file_peak=$(mapped)
  curl -fs -o "$3" -w '%{time_starttransfer} %{time_total} %{size_download}\n' \
    -H "Authorization: Bearer $access" "$base$2" >"$work/timing" &
  local curl_pid=$!
  while kill -0 "$curl_pid" 2>/dev/null; do
    now=$(anon); [ "$now" -gt "$peak" ] && peak=$now
    now=$(mapped); [ "$now" -gt "$file_peak" ] && file_peak=$now
    sleep 0.02
  done
  wait "$curl_pid"
  read -r first total size <"$work/timing"
  printf '%-22s first byte %5.0f ms  total %6.0f ms  %5.1f MB   own memory %3d MB before, %3d MB at most (+%d MB); file mapped %3d MB\n' \
    "$1" "$(echo "$first * 1000" | bc)" "$(echo "$total * 1000" | bc)" "$(echo "$size / 1000000" | bc -l)" \
    $((before / 1024)) $((peak / 1024)) $(((peak - before) / 1024)) $((file_peak / 1024))
}
echo "$BENCH_BACKEND, $NOTES notes of one user; load average $(awk '{print $1, $2, $3}' /proc/loadavg):"
# The streamed downloads first: the list holds every note at once, and memory an
# allocator has once taken is not all given back, which would hide their own peaks.
download "export JSON" "/api/notes/export/?format=json" "$work/export.json"
download "export Markdown zip" "/api/notes/export/?format=markdown" "$work/export.zip"
download "plain list (for scale)" "/api/notes/" "$work/list.json"

second=$(sign_up importer)
start=$(date +%s%N)
result=$(curl -s -w ' (HTTP %{http_code})' -H "Authorization: Bearer $second" -H 'Content-Type: application/json' \
  --data-binary "@$work/export.json" "$base/api/notes/import/")
echo "import of the JSON export into another account: $(( ($(date +%s%N) - start) / 1000000 )) ms, $result, RSS now $(( $(rss) / 1024 )) MB"
