#!/usr/bin/env bash
# Runs a command beside a throw-away OpenID Connect provider on loopback
# (e2e/oidc-provider.mjs, panva's oidc-provider; scripts/setup.sh installs it):
#   scripts/oidc.sh <command> [args...]
# The command sees TEST_OIDC_ISSUER (http://127.0.0.1:<port>, no trailing slash). Each
# test registers its own client there (open dynamic registration at /reg) and signs
# in as alice, bob, carol, dave, erin or frank, password "<login>-password".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$root/e2e/node_modules/oidc-provider" ] || {
  echo "oidc.sh: e2e/node_modules/oidc-provider is missing (run scripts/setup.sh)" >&2
  exit 1
}

work=$(mktemp -d /tmp/notes-oidc.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

PORT=$port node "$root/e2e/oidc-provider.mjs" >"$work/provider.log" 2>&1 &
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

# Wait for discovery rather than the "ready" line: it proves the routes answer.
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/.well-known/openid-configuration" || true)
  [ "$code" = 200 ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/provider.log" >&2; exit 1; }
  sleep 0.1
done
[ "$code" = 200 ] || { echo "oidc.sh: the OIDC provider did not start" >&2; cat "$work/provider.log" >&2; exit 1; }

export TEST_OIDC_ISSUER="http://127.0.0.1:$port"
"$@"
