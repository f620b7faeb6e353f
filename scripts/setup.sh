#!/usr/bin/env bash
# Installs what building and testing the SPA needs, skipping whatever is already there
# at the right version, so a second run takes seconds:
#   - the wasm32-unknown-unknown Rust target
#   - trunk 0.21.14 (0.22 needs a newer rustc than the workspace's)
#   - wasm-bindgen-cli at the version of wasm-bindgen in Cargo.lock
#   - wasm-split-cli (wasm_split_cli_support 0.2.4), which splits the SPA's wasm
#   - s3s-fs 0.14.1, an S3-compatible server over a directory, for the attachments'
#     tests on S3 (scripts/s3.sh; 0.15 and later need a newer rustc)
#   - wasm-opt (binaryen 132) and terser 5 from npm, in .tools/
#   - Chromium, chromium-driver and wrk (apt), Node.js and npm if missing
#   - the PostgreSQL server binaries for the PostgreSQL tests (apt), if missing
#   - buildah and debootstrap, which build the container image (scripts/image.sh), and
#     podman with runc, which run it as a platform would (server/tests/image.rs) (apt),
#     if missing
#   - the browser tests' npm packages (e2e/node_modules, from e2e/package-lock.json)
#   - Schemathesis and its dependencies for scripts/fuzz.sh, pinned in
#     scripts/fuzz-requirements.txt, in a Python virtual environment in .tools/venv
# Nothing here downloads a browser through npm.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
TERSER_VERSION=5.51.4
WASM_SPLIT_VERSION=0.2.4
S3S_FS_VERSION=0.14.1

say() { printf 'setup: %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages first: cargo and npm need them on a bare machine.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s chromium-driver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v curl >/dev/null 2>&1 || missing+=(curl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
  say "chromium, chromium-driver, wrk, node, npm, postgresql, buildah, debootstrap, podman, runc: present"
fi

# playwright-core (e2e) needs Node.js 20 or newer; Debian's own package is older.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js $(node --version) is too old for the browser tests; install Node.js 20+ (e.g. from NodeSource)" >&2
  exit 1
fi

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "wasm32-unknown-unknown: present"
else
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null || true)" = "trunk $TRUNK_VERSION" ]; then
  say "trunk $TRUNK_VERSION: present"
else
  say "installing trunk $TRUNK_VERSION (about 12 minutes)"
  cargo install "trunk@$TRUNK_VERSION" --locked
fi

# Trunk runs with --offline, so the CLI must match the library in Cargo.lock exactly.
BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
[ -n "$BINDGEN_VERSION" ] || { echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $BINDGEN_VERSION" ]; then
  say "wasm-bindgen $BINDGEN_VERSION: present"
else
  say "installing wasm-bindgen-cli $BINDGEN_VERSION (about 4 minutes)"
  # Not --locked: the CLI's own lock file pins dependencies this toolchain cannot build.
  cargo install "wasm-bindgen-cli@$BINDGEN_VERSION"
fi

# The post-build hook's wasm splitter (scripts/post-build.mjs): code behind Leptos's
# `#[lazy]` goes into chunks fetched on first use instead of the first download.
if command -v wasm-split-cli >/dev/null 2>&1 &&
  cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
  say "wasm-split-cli $WASM_SPLIT_VERSION: present"
else
  say "installing wasm_split_cli_support $WASM_SPLIT_VERSION (about 2 minutes)"
  cargo install "wasm_split_cli_support@$WASM_SPLIT_VERSION" --features build-binary --locked
fi

# The S3-compatible server the attachments' tests store files in (scripts/s3.sh).
if cargo install --list | grep -qx "s3s-fs v$S3S_FS_VERSION:"; then
  say "s3s-fs $S3S_FS_VERSION: present"
else
  say "installing s3s-fs $S3S_FS_VERSION (about 5 minutes)"
  cargo install "s3s-fs@$S3S_FS_VERSION" --features binary --locked
fi

# The SPA build's npm tools, in .tools/: wasm-opt, and terser for the JS glue (Trunk's
# post-build hook, scripts/post-build.mjs).
BIN="$ROOT/.tools/node_modules/.bin"
if "$BIN/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION" &&
  [ "$("$BIN/terser" --version 2>/dev/null || true)" = "terser $TERSER_VERSION" ]; then
  say "wasm-opt $BINARYEN_VERSION, terser $TERSER_VERSION: present"
else
  say "installing binaryen $BINARYEN_VERSION and terser $TERSER_VERSION into .tools/"
  mkdir -p .tools
  [ -f .tools/package.json ] || echo '{ "name": "notes-tools", "private": true }' >.tools/package.json
  (cd .tools && npm install --no-audit --no-fund "binaryen@$BINARYEN_VERSION" "terser@$TERSER_VERSION")
fi

# Reinstall the test packages only when the lock file changed since the last install.
if [ -f e2e/node_modules/.package-lock.json ] && [ e2e/node_modules/.package-lock.json -nt e2e/package-lock.json ]; then
  say "e2e packages: present"
else
  (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# The fuzzer's virtual environment, made again whenever the pinned list changes.
if [ -x .tools/venv/bin/schemathesis ] && cmp -s scripts/fuzz-requirements.txt .tools/venv/fuzz-requirements.txt; then
  say "schemathesis $(awk -F== '$1 == "schemathesis" { print $2 }' scripts/fuzz-requirements.txt): present"
else
  say "installing Schemathesis into .tools/venv"
  rm -rf .tools/venv
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check --no-input -r scripts/fuzz-requirements.txt
  cp scripts/fuzz-requirements.txt .tools/venv/fuzz-requirements.txt
fi

say "done"
