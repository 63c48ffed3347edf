#!/usr/bin/env bash
# A mixed load (reading, searching, the API, signing in, commenting, liking, saving drafts)
# against a release build of quire, on SQLite and on PostgreSQL, for SOAK_SECONDS (600) each.
# Prints errors, p50/p99 and the server's memory per minute, then the run as JSON.
#   scripts/soak.sh [sqlite|postgres|both]      (default both)
# Settings: SOAK_SECONDS (600), SOAK_CLIENTS (8), SOAK_POSTS (2000), SOAK_COMMENTS (20000),
# QUIRE_TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
seconds=${SOAK_SECONDS:-600}
clients=${SOAK_CLIENTS:-8}
posts=${SOAK_POSTS:-2000}
comments=${SOAK_COMMENTS:-20000}
admin=${QUIRE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release --precompress --split
cargo build --release --features ssr --example soak
work=$(mktemp -d)
server=
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null || true
  psql "$admin" -qc "DROP DATABASE IF EXISTS quire_soak WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

soak() {
  local backend=$1 url=$2 port=$3
  printf '\n\033[1m==> soak on %s: %ss, %s clients\033[0m\n' "$backend" "$seconds" "$clients"
  DATABASE_URL=$url RUST_LOG=warn,sqlx=error target/release/quire demo --posts "$posts" --comments "$comments"
  # Limits meant for strangers would stop the load's own sign-ins and comments.
  DATABASE_URL=$url QUIRE_ADDR=127.0.0.1:$port RUST_LOG=warn \
    QUIRE_API_RATE_LIMIT=100000000 QUIRE_AUTH_RATE_LIMIT=100000000 QUIRE_COMMENTS_PER_MINUTE=1000 \
    target/release/quire serve &
  server=$!
  for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  local status=0
  target/release/examples/soak "http://127.0.0.1:$port" "$seconds" "$server" "$clients" || status=$?
  kill "$server"; wait "$server" 2>/dev/null || true
  server=
  return $status
}

failed=0
if [[ $which == sqlite || $which == both ]]; then
  soak sqlite "sqlite://$work/soak.db" 3101 || failed=1
fi
if [[ $which == postgres || $which == both ]]; then
  psql "$admin" -qc "DROP DATABASE IF EXISTS quire_soak WITH (FORCE)" -c "CREATE DATABASE quire_soak"
  soak postgres "${admin%/*}/quire_soak" 3102 || failed=1
fi
exit $failed
