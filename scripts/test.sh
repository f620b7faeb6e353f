#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   formatting and lints; unit and HTTP integration tests on SQLite; the same integration
#   tests on a throw-away PostgreSQL server; the attachments' tests again with the files in
#   a directory and on a throw-away S3-compatible server; the release server fuzzed by Schemathesis from
#   its own OpenAPI document; the release server binary run as a container would run it,
#   as two replicas on one PostgreSQL, and killed mid-write on SQLite; the container image
#   built from the Dockerfile and run as a hosting platform runs it; the release SPA
#   driven in headless Chromium against the real server.
# It installs what is missing first (scripts/setup.sh), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
step() { printf '\n== %s\n' "$*"; }

step "tools (installs only what is missing)"
scripts/setup.sh

step "formatting and lints"
cargo fmt --all -- --check
cargo clippy -p app -p markup -p markdown-worker -p migrations -p server --all-targets -- -D warnings
CARGO_TARGET_DIR=target/spa cargo clippy -p frontend -p markdown-worker --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests on SQLite"
cargo test -p app -p markup -p markdown-worker -p migrations -p server

step "integration tests on PostgreSQL"
scripts/postgres.sh cargo test -p server --test api

step "the attachments' tests with files in a directory, and on an S3-compatible server"
TEST_ATTACHMENT_STORAGE=file cargo test -p server --test api attachments
scripts/s3.sh cargo test -p server --test api attachments

step "release builds: the SPA and the server"
scripts/build-spa.sh
cargo build --release -p server

step "the release server fuzzed by Schemathesis from its OpenAPI document (/api/schema/)"
scripts/fuzz.sh

step "the release server hosted as a container runs it (PostgreSQL from DB_*, SIGTERM)"
SERVER_BIN="$PWD/target/release/server" SPA_DIST="$PWD/dist" \
  scripts/postgres.sh cargo test -p server --test hosted -- --ignored --test-threads=1

step "the image from the Dockerfile (buildah; a rebuild reuses unchanged layers)"
scripts/image.sh notes:test

step "the image run as a platform runs it (podman: user 10014, read-only root, DB_* and JWT_SECRET)"
IMAGE=notes:test scripts/postgres.sh cargo test -p server --test image -- --ignored --test-threads=1

step "the release server: two replicas on one PostgreSQL, and SIGKILL during writes on SQLite"
SERVER_BIN="$PWD/target/release/server" \
  scripts/postgres.sh cargo test -p server --test replicas --test durability -- --ignored

step "the SPA in headless Chromium against the release server"
e2e/run.sh
