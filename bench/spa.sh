#!/usr/bin/env bash
# The SPA's budgets: transfer size (wasm + JS + CSS, gzip -9, from dist/; the Markdown
# worker, fetched when a note is first shown, apart), the time from navigation to an
# interactive sign-in form in headless Chromium against the release server (median of 5
# cold, 5 warm and 5 slow-link cold loads of /login), and a 20 KB Markdown note's render
# time (bench/markdown.mjs), and the time to show the notes kept on the device on a reload
# without a server (bench/offline.mjs). Assumes dist/ and target/release/server are built
# (scripts/build-spa.sh; cargo build --release -p server).
#   bench/spa.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-5}

[ -f dist/index.html ] || { echo "bench: dist/ is not built (scripts/build-spa.sh)" >&2; exit 2; }
[ -x target/release/server ] || { echo "bench: target/release/server is not built" >&2; exit 2; }

echo "== transfer size (gzip -9; brotli -11 as the server sends it)"
node - dist <<'JS'
const fs = require('fs'), path = require('path'), zlib = require('zlib');
const dir = process.argv[2];
const files = fs.readdirSync(dir).filter((f) => /\.(wasm|js|css)$/.test(f)).sort();
// The Markdown worker is fetched when a note is first shown, not with the page; a wasm
// chunk split off the main module (scripts/post-build.mjs) when its page is first shown.
const kind = (f) => (f.startsWith('markdown_worker') ? 'later' : /^(split|chunk)_/.test(f) ? 'chunks' : 'first');
const sum = { first: [0, 0], later: [0, 0], chunks: [0, 0] };
for (const f of files) {
  const raw = fs.readFileSync(path.join(dir, f));
  const g = zlib.gzipSync(raw, { level: 9 }).length;
  const b = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const total = sum[kind(f)];
  total[0] += g; total[1] += b;
  console.log(`  ${f.padEnd(44)} ${String(raw.length).padStart(8)} bytes ${String(g).padStart(8)} gzip ${String(b).padStart(8)} br`);
}
const [gz, br] = sum.first;
console.log(`  ${'initial load: wasm + JS + CSS'.padEnd(44)} ${''.padStart(8)}       ${String(gz).padStart(8)} gzip ${String(br).padStart(8)} br`);
console.log(`  ${'later: the Markdown worker'.padEnd(44)} ${''.padStart(8)}       ${String(sum.later[0]).padStart(8)} gzip ${String(sum.later[1]).padStart(8)} br`);
console.log(`  ${'later: the code-split chunks, all of them'.padEnd(44)} ${''.padStart(8)}       ${String(sum.chunks[0]).padStart(8)} gzip ${String(sum.chunks[1]).padStart(8)} br`);
console.log(`  = initial load ${gz} B gzip (budget 300,000 B), ${br} B brotli (budget 240,000 B)`);
JS

WORK=$(mktemp -d "${TMPDIR:-/tmp}/notes-bench.XXXXXX")
PID=
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
APP_ENV=development HOST=127.0.0.1 PORT="$PORT" STATIC_DIR="$ROOT/dist" \
  DATABASE_URL="sqlite://$WORK/bench.db?mode=rwc" \
  JWT_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  target/release/server >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/healthz" || { cat "$WORK/server.log" >&2; exit 1; }

echo "== time to an interactive sign-in form (budget 300 ms on loopback, 3 s on a slow link)"
node bench/spa.mjs "http://127.0.0.1:$PORT" "$RUNS"

echo "== a 20 KB Markdown note rendered (budget 16 ms, one frame)"
node bench/markdown.mjs "http://127.0.0.1:$PORT" 10

echo "== the notes kept on the device shown on an offline reload (back to back with online)"
node bench/offline.mjs "$RUNS"
