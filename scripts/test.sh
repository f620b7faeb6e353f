#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   formatting and lints; unit and HTTP integration tests on SQLite; the same integration
#   tests on a throw-away PostgreSQL server (both, the fuzzing and the browser tests beside
#   a throw-away OpenID Connect provider, scripts/oidc.sh); the attachments' tests again with the files in
#   a directory and on a throw-away S3-compatible server; the container image built from
#   the Dockerfile (which compiles the release server and SPA); the image's server fuzzed
#   by Schemathesis from its own OpenAPI document, run as a container would run it, as
#   two replicas on one PostgreSQL, and killed mid-write on SQLite; the image run as a
#   hosting platform runs it; the image's SPA driven in headless Chromium against its
#   server.
# It installs what is missing first (scripts/setup.sh), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# Each step's time is printed as the next begins, and all of them at the end, so a slow
# CI run says where its minutes went.
started=$SECONDS; step_started=$SECONDS; step_name=""; timings=""
step() {
  if [ -n "$step_name" ]; then timings+=$(printf '%6ss  %s' "$((SECONDS - step_started))" "$step_name")$'\n'; fi
  step_name="$*"; step_started=$SECONDS
  [ -z "$step_name" ] || printf '\n== %s (at %ss)\n' "$*" "$((SECONDS - started))"
}
report() {
  local code=$?
  step ""
  printf '\n== time per step (exit %s, %ss in all)\n%s' "$code" "$((SECONDS - started))" "$timings"
}
trap report EXIT

step "tools (installs only what is missing)"
scripts/setup.sh

step "formatting and lints"
cargo fmt --all -- --check
cargo clippy -p app -p markup -p markdown-worker -p migrations -p server --all-targets -- -D warnings
CARGO_TARGET_DIR=target/spa cargo clippy -p frontend -p markdown-worker --target wasm32-unknown-unknown -- -D warnings

# The sign-in tests meet a real OpenID provider on loopback (scripts/oidc.sh).
step "unit and integration tests on SQLite"
scripts/oidc.sh cargo test -p app -p markup -p markdown-worker -p migrations -p server

step "integration tests on PostgreSQL"
scripts/postgres.sh scripts/oidc.sh cargo test -p server --test api

step "the attachments' tests with files in a directory, and on an S3-compatible server"
TEST_ATTACHMENT_STORAGE=file cargo test -p server --test api attachments
scripts/s3.sh cargo test -p server --test api attachments

step "the image from the Dockerfile, which builds the release SPA and server (buildah; a rebuild reuses unchanged layers)"
scripts/image.sh notes:test
# The tests below run the server and the SPA the image holds: what ships is what is
# tested, and neither is compiled twice.
scripts/image-files.sh notes:test target/image
export SERVER_BIN="$PWD/target/image/server" SPA_DIST="$PWD/target/image/dist"

step "the release server fuzzed by Schemathesis from its OpenAPI document (/api/schema/)"
scripts/oidc.sh scripts/fuzz.sh

step "the release server hosted as a container runs it (PostgreSQL from DB_*, SIGTERM)"
scripts/postgres.sh cargo test -p server --test hosted -- --ignored --test-threads=1

step "the image run as a platform runs it (podman: user 10014, read-only root, DB_* and JWT_SECRET)"
IMAGE=notes:test scripts/postgres.sh cargo test -p server --test image -- --ignored --test-threads=1

step "the release server: two replicas on one PostgreSQL, and SIGKILL during writes on SQLite"
scripts/postgres.sh cargo test -p server --test replicas --test durability -- --ignored

step "the SPA in headless Chromium against the release server"
scripts/oidc.sh e2e/run.sh
