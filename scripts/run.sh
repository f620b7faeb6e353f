#!/usr/bin/env bash
# Quick start: installs what is missing, builds the SPA and the server (release) and
# serves the whole app on http://127.0.0.1:8000 with an embedded SQLite database
# (notes.sqlite3 in the repository). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh
scripts/build-spa.sh
cargo build --release -p server

# A development secret that survives restarts, so signing in once is enough. Kept in
# .env (git-ignored), which the server reads; delete it to sign everyone out.
if [ -z "${JWT_SECRET:-}" ] && ! grep -qs '^JWT_SECRET=' .env; then
  echo "JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')" >>.env
  echo "run: wrote a development JWT_SECRET to .env"
fi
export APP_ENV="${APP_ENV:-development}"
echo "run: serving on http://127.0.0.1:${PORT:-8000}"
exec target/release/server
