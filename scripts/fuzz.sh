#!/usr/bin/env bash
# Property-based fuzzing of the HTTP API: Schemathesis reads the server's own OpenAPI
# document (/api/schema/), sends generated requests to every operation in it (the
# document's examples, boundary and invalid values, random values, and sequences that
# follow its links), and checks every answer: no server error, a documented status code,
# content type and headers, a body that fits the documented schema, 405 with `Allow` for
# other methods, 401 without a token where one is needed, a deleted note gone and a
# created one there. Left out: negative_data_rejection and positive_data_acceptance, which
# assume the schema says everything the server checks. It does not: like Django REST
# framework the server takes a number for a text field and cuts an oversized page_size
# rather than refusing them, and it checks what JSON Schema cannot say (Django's password
# rules, a title blank once trimmed, the current password, a stale If-Match).
#
# It runs the release server (target/release/server: `cargo build --release -p server`
# first) on a fresh SQLite database on loopback (or on FUZZ_DATABASE_URL, e.g.
# `scripts/postgres.sh sh -c 'FUZZ_DATABASE_URL=$TEST_POSTGRES_URL scripts/fuzz.sh'`),
# and Schemathesis from .tools/venv (scripts/setup.sh installs it). scripts/fuzz_hooks.py
# signs a user in for the protected operations, and in again when the fuzzer ends the
# session. A fixed seed, example count and one worker keep the run the same every time,
# and about a minute long on 2 cores. It fails if Schemathesis finds anything, or if the
# server logs an error.
#
#   scripts/fuzz.sh [more schemathesis run options...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SERVER_BIN=${SERVER_BIN:-$ROOT/target/release/server}
SCHEMATHESIS=$ROOT/.tools/venv/bin/schemathesis
[ -x "$SERVER_BIN" ] || { echo "fuzz: no $SERVER_BIN; run: cargo build --release -p server" >&2; exit 1; }
[ -x "$SCHEMATHESIS" ] || { echo "fuzz: no Schemathesis in .tools/venv; run scripts/setup.sh" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# STATIC_DIR names nothing: the SPA is not under test here. The operator's area is fuzzed
# as an operator the server makes at start-up (SUPERUSER_*).
# With TEST_OIDC_ISSUER (scripts/oidc.sh), sign-in through that provider is on, with a
# client of the server's own there, so its operations answer as they do in use.
oidc=()
if [ -n "${TEST_OIDC_ISSUER:-}" ]; then
  client=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"redirect_uris\": [\"$base/api/auth/oidc/callback/\"]}" "$TEST_OIDC_ISSUER/reg")
  oidc=(OIDC_ISSUER="$TEST_OIDC_ISSUER" PUBLIC_URL="$base" OIDC_NAME="Fuzz SSO"
    OIDC_CLIENT_ID="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])' <<<"$client")"
    OIDC_CLIENT_SECRET="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' <<<"$client")")
fi
operator=fuzz-operator
operator_password="the operator fuzzes $(python3 -c 'import secrets; print(secrets.token_hex(8))')"
env -i PATH="$PATH" \
  SUPERUSER_USERNAME="$operator" SUPERUSER_PASSWORD="$operator_password" "${oidc[@]}" \
  APP_ENV=production HOST=127.0.0.1 PORT="$port" LOG_FORMAT=text RUST_LOG=warn \
  DATABASE_URL="${FUZZ_DATABASE_URL:-sqlite://$work/notes.sqlite3?mode=rwc}" STATIC_DIR="$work/no-spa" \
  JWT_SECRET="fuzzing-secret-$(python3 -c 'import secrets; print(secrets.token_hex(16))')" \
  "$SERVER_BIN" serve >"$work/server.log" 2>&1 &
server_pid=$!
ready=
for _ in $(seq 100); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && { ready=1; break; }
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ready" ] || { echo "fuzz: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

# `--include-path-regex .` takes every path: without a filter, Schemathesis leaves out the
# operation that serves the document it loaded (/api/schema/). The event stream is left
# out: its answer never ends while its token lives, and a fuzzer reads answers whole (its
# tests, server/tests/api/events.rs, read it as a client does).
started=$(date +%s)
status=0
NOTES_BASE_URL="$base" NOTES_OPERATOR="$operator" NOTES_OPERATOR_PASSWORD="$operator_password" \
  SCHEMATHESIS_HOOKS="$ROOT/scripts/fuzz_hooks.py" \
  "$SCHEMATHESIS" --no-color --config-file "$ROOT/scripts/schemathesis.toml" run "$base/api/schema/" \
  --checks all --exclude-checks negative_data_rejection,positive_data_acceptance \
  --include-path-regex . \
  --exclude-path /api/events/ \
  --max-examples 200 \
  --seed 20261125 \
  --generation-database none \
  --request-timeout 10 \
  --workers 1 \
  "$@" || status=$?
echo "fuzz: Schemathesis took $(($(date +%s) - started)) s"

# An error the server logged is a finding even if its answer looked right.
if grep -q 'ERROR' "$work/server.log"; then
  echo "fuzz: the server logged errors:" >&2
  grep 'ERROR' "$work/server.log" | tail -20 >&2
  status=1
fi
exit "$status"
