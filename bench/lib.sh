# Sourced by the bench scripts: the release server ($SERVER_BIN) started on loopback with a
# database of the caller's, and the few requests every benchmark makes first. The caller
# sets $work (a scratch directory) and calls stop_servers on exit.

pids=()

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_server DATABASE_URL [VAR=value ...]: a server on a free port, ready (/readyz) or
# the benchmark stops; sets $base to its address and $pid to its process.
start_server() {
  local url=$1 port; shift
  port=$(free_port)
  base="http://127.0.0.1:$port"
  env APP_ENV=production JWT_SECRET=bench-secret-bench-secret-bench-secret HOST=127.0.0.1 PORT=$port \
    DATABASE_URL="$url" STATIC_DIR="$work/none" RUST_LOG=warn METRICS_ADDR=127.0.0.1:0 "$@" \
    "$SERVER_BIN" >>"$work/server.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  # Polled often: bench/api.sh times start-up by it.
  for _ in $(seq 1 2000); do
    curl -fs "$base/readyz" >/dev/null 2>&1 && return
    sleep 0.005
  done
  echo "bench: the server did not start (its log: $work/server.log)" >&2
  exit 1
}

stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}

json() { curl -fs -H 'Content-Type: application/json' "$@"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

BENCH_PASSWORD="correct horse battery"
credentials() { printf '{"username":"%s","password":"%s"}' "$1" "$BENCH_PASSWORD"; }

# sign_up NAME [BASE]: registers NAME and prints its access token.
sign_up() {
  local at=${2:-$base}
  json -d "$(credentials "$1")" "$at/api/user/register/" >/dev/null
  json -d "$(credentials "$1")" "$at/api/token/" | field access
}

# summary NAME < wrk's output: one line, and the rate kept in $work/rate. A run expected
# to answer 401 says EXPECT_STATUS=401, so its answers are not flagged.
summary() {
  awk -v name="$1" -v expect="${EXPECT_STATUS:-2xx}" -v out="$work/rate" '
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Non-2xx or 3xx responses/ {bad=$NF}
    END {
      printf "%-36s %10.0f req/s   p50 %-9s p99 %-9s%s\n", name, rps, p50, p99,
        (bad && expect == "2xx" ? "  NON-2xx: " bad : "")
      print rps > out
    }'
}

# on_both_backends ARGS...: unless $BENCH_BACKEND names one, builds the release server
# (or takes $SERVER_BIN) and runs the calling script with ARGS on SQLite, then on a
# throw-away PostgreSQL (scripts/postgres.sh), and exits. Sourced before $work is made.
on_both_backends() {
  [ -n "${BENCH_BACKEND:-}" ] && return
  if [ -z "${SERVER_BIN:-}" ]; then
    cargo build --release -p server --quiet
    export SERVER_BIN=target/release/server
  fi
  BENCH_BACKEND=sqlite "$0" "$@"
  BENCH_BACKEND=postgres scripts/postgres.sh "$0" "$@"
  exit 0
}

# backend_database NAME: a fresh database for $BENCH_BACKEND (a file in $work, or
# database NAME on the throw-away PostgreSQL), its URL in $database_url.
backend_database() {
  case "$BENCH_BACKEND" in
    sqlite) database_url="sqlite://$work/bench.sqlite3?mode=rwc" ;;
    postgres)
      psql -q "$TEST_POSTGRES_URL" -c "CREATE DATABASE $1"
      database_url="${TEST_POSTGRES_URL%/*}/$1"
      ;;
  esac
}
