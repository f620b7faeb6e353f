#!/usr/bin/env bash
# Attachments: a 100 MB file uploaded and downloaded on each backend (the database on
# SQLite and on PostgreSQL, a directory, an S3-compatible server), and the server's memory
# while 10 such uploads run at once, against the release server on loopback:
#   bench/attachments.sh           # every backend, one after the other
#   BENCH_STORAGE=file bench/attachments.sh
# The file is random bytes made once; curl sends and reads it. Memory is the server's
# resident set (VmRSS), read every 50 ms: its peak during the 10 uploads, less its
# resident set when idle after start-up (and, apart, what one upload and one download
# left it holding).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

if [ -z "${BENCH_STORAGE:-}" ]; then
  if [ -z "${SERVER_BIN:-}" ]; then
    cargo build --release -p server --quiet
    export SERVER_BIN=target/release/server
  fi
  printf '%-22s %12s %12s %16s %14s\n' backend "upload MB/s" "download MB/s" "10 uploads: +MB" "1 each: +MB"
  BENCH_STORAGE=database-sqlite "$0"
  BENCH_STORAGE=database-postgres scripts/postgres.sh "$0"
  BENCH_STORAGE=file "$0"
  BENCH_STORAGE=s3 scripts/s3.sh "$0"
  exit 0
fi

work=$(mktemp -d /tmp/notes-bench-attach.XXXXXX)
trap 'stop_servers; rm -rf "$work"' EXIT
SIZE_MB=100
head -c $((SIZE_MB * 1000 * 1000)) /dev/urandom >"$work/file.bin"

settings=(ATTACHMENT_MAX_MB=200 STORAGE_QUOTA_MB=100000 UPLOAD_TIMEOUT=10m)
case "$BENCH_STORAGE" in
  database-sqlite) url="sqlite://$work/bench.sqlite3?mode=rwc" ;;
  database-postgres)
    psql -q "$TEST_POSTGRES_URL" -c "CREATE DATABASE bench_attachments"
    url="${TEST_POSTGRES_URL%/*}/bench_attachments"
    ;;
  file)
    url="sqlite://$work/bench.sqlite3?mode=rwc"
    settings+=("ATTACHMENT_STORAGE=file://$work/files")
    ;;
  s3)
    url="sqlite://$work/bench.sqlite3?mode=rwc"
    mkdir -p "$TEST_S3_ROOT/bench"
    settings+=(ATTACHMENT_STORAGE=s3://bench S3_ENDPOINT="$TEST_S3_ENDPOINT" S3_PATH_STYLE=true
      S3_ACCESS_KEY_ID="$TEST_S3_ACCESS_KEY_ID" S3_SECRET_ACCESS_KEY="$TEST_S3_SECRET_ACCESS_KEY")
    ;;
esac
start_server "$url" "${settings[@]}"
token=$(sign_up bench)
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
idle=$(rss)

upload() {
  curl -fs -o "$work/upload.json" -H "Authorization: Bearer $token" \
    -F "file=@$work/file.bin;filename=file.bin" "$base/api/attachments/" -w '%{time_total}'
}
seconds=$(upload)
up=$(python3 -c "print(f'{$SIZE_MB / $seconds:.0f}')")
id=$(field id <"$work/upload.json")
seconds=$(curl -fs -o /dev/null -H "Authorization: Bearer $token" \
  "$base/api/attachments/$id/" -w '%{time_total}')
down=$(python3 -c "print(f'{$SIZE_MB / $seconds:.0f}')")

after_one=$(rss)
peak=$idle
uploads=()
for _ in $(seq 1 10); do
  upload >/dev/null &
  uploads+=($!)
done
running() { for p in "${uploads[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running; do
  now=$(rss)
  [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.05
done
wait "${uploads[@]}"
grown=$(python3 -c "print(f'{($peak - $idle) / 1024:.0f}')")
before=$(python3 -c "print(f'{($after_one - $idle) / 1024:.0f}')")
printf '%-22s %12s %12s %16s %14s\n' "$BENCH_STORAGE" "$up" "$down" "$grown" "$before"
