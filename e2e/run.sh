#!/usr/bin/env bash
# Browser tests: the built SPA (SPA_DIST, default dist/) in headless Chromium against the
# real release server (SERVER_BIN, default target/release/server) with fresh SQLite
# databases. Assumes both are built (scripts/build-spa.sh, cargo build --release -p
# server; scripts/test.sh takes both from the image) and scripts/setup.sh has run.
# Exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export SERVER_BIN=${SERVER_BIN:-$ROOT/target/release/server} SPA_DIST=${SPA_DIST:-$ROOT/dist}

[ -f "$SPA_DIST/index.html" ] || { echo "e2e: $SPA_DIST is not built (scripts/build-spa.sh)" >&2; exit 2; }
[ -x "$SERVER_BIN" ] || { echo "e2e: $SERVER_BIN is not built (cargo build --release -p server)" >&2; exit 2; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "e2e: no Chromium at ${CHROMIUM:-/usr/bin/chromium} (scripts/setup.sh)" >&2; exit 2; }
if [ ! -d e2e/node_modules/playwright-core ]; then
  (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/notes-e2e.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_server NAME ACCESS_LIFETIME REFRESH_LIFETIME [VAR=VALUE...]: a server on a free
# loopback port with its own fresh database and those settings; sets URL. (Not run in a
# subshell, so that PIDS keeps the server for cleanup.)
start_server() {
  local name=$1 access=$2 refresh=$3 port
  shift 3
  port=$(free_port)
  env "$@" APP_ENV=development \
  JWT_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n")" \
  HOST=127.0.0.1 PORT="$port" \
  DATABASE_URL="sqlite://$WORK/$name.db?mode=rwc" \
  STATIC_DIR="$SPA_DIST" \
  ACCESS_TOKEN_LIFETIME="$access" REFRESH_TOKEN_LIFETIME="$refresh" \
    "$SERVER_BIN" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  local url="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null --max-time 1 "$url/healthz" 2>/dev/null; then
      URL=$url
      return 0
    fi
    sleep 0.2
  done
  echo "e2e: the $name server did not become healthy; its log:" >&2
  cat "$WORK/$name.log" >&2
  return 1
}

# Ordinary lifetimes for most tests, and an operator from the start; a second server
# whose access tokens live 5 s for the expiry tests.
NOTES_OPERATOR=root
NOTES_OPERATOR_PASSWORD="operator $(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
start_server main 10m 1d SUPERUSER_USERNAME="$NOTES_OPERATOR" SUPERUSER_PASSWORD="$NOTES_OPERATOR_PASSWORD"
NOTES_URL=$URL
start_server short 5s 1h
NOTES_SHORT_URL=$URL
export NOTES_URL NOTES_SHORT_URL NOTES_OPERATOR NOTES_OPERATOR_PASSWORD
echo "e2e: servers at $NOTES_URL and $NOTES_SHORT_URL (access tokens 5 s)"

status=0
node --test --test-concurrency=1 --test-timeout=120000 ${E2E_TESTS:-e2e/tests/*.test.mjs} || status=$?
if [ "$status" -ne 0 ]; then
  for log in "$WORK"/*.log; do
    echo "---- $(basename "$log") (last 40 lines)"
    tail -n 40 "$log"
  done
fi
exit "$status"
