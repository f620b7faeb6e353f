#!/usr/bin/env bash
# Builds the SPA into dist/ with Trunk (release: wasm-release profile, wasm-opt -Oz).
# Assumes scripts/setup.sh has run. Never touches the network.
#   API_BASE_URL=https://api.example scripts/build-spa.sh   # SPA hosted apart from the API
set -euo pipefail
cd "$(dirname "$0")/.."

# wasm-opt comes from the binaryen npm package that setup.sh installs into .tools/.
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# A target dir of its own, so a concurrent server build does not hold the SPA's lock.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/spa}"

RUSTFLAGS="${RUSTFLAGS:-} $(scripts/spa-rustflags.sh)"
export RUSTFLAGS

trunk build --release --offline "$@"

echo "dist/:"
for f in dist/*.wasm dist/*.js dist/*.css; do
  [ -e "$f" ] || continue
  printf '  %-48s %8d bytes, %7d gzip\n' "$(basename "$f")" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done
