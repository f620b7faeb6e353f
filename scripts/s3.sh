#!/usr/bin/env bash
# Runs a command beside a throw-away S3-compatible server on loopback (s3s-fs, which
# keeps each bucket as a directory; scripts/setup.sh installs it):
#   scripts/s3.sh <command> [args...]
# The command sees TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY
# and TEST_S3_ROOT (a bucket is made by making a directory there), and
# TEST_ATTACHMENT_STORAGE=s3, so the API tests keep their files on it.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
command -v s3s-fs >/dev/null || { echo "s3.sh: s3s-fs is missing (run scripts/setup.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/notes-s3.XXXXXX)
mkdir -p "$work/root"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
key=notes-test
secret=$(head -c 18 /dev/urandom | base64)

s3s-fs --host 127.0.0.1 --port "$port" --access-key "$key" --secret-key "$secret" \
  "$work/root" >"$work/server.log" 2>&1 &
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

# It prints nothing when ready: an unsigned request is refused (403) once it listens.
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" || true)
  [ "$code" = 403 ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[ "$code" = 403 ] || { echo "s3.sh: s3s-fs did not start" >&2; cat "$work/server.log" >&2; exit 1; }

export TEST_S3_ENDPOINT="http://127.0.0.1:$port" TEST_S3_ACCESS_KEY_ID="$key"
export TEST_S3_SECRET_ACCESS_KEY="$secret" TEST_S3_ROOT="$work/root" TEST_ATTACHMENT_STORAGE=s3
"$@"
