#!/usr/bin/env bash
# Every check and test, on SQLite and on PostgreSQL: formatting, clippy for the server and
# the browser build, unit and integration tests, and the browser tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bash scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
# A one-off build gains nothing from incremental state, which would double target/'s size.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
step() { printf '\n\033[1m==> %s (%ds)\033[0m\n' "$*" "$((SECONDS - started))"; }

# Databases that earlier runs' tests left behind (a crash, a killed run) would pile up on the
# shared PostgreSQL server; they are dropped before and after the tests.
drop_test_databases() {
  local admin=${QUIRE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  psql "$admin" -qAtc "SELECT datname FROM pg_database WHERE datname LIKE 'quire\_test\_%' OR datname LIKE 'quire\_e2e\_%'" 2>/dev/null |
    while read -r name; do
      psql "$admin" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1 || true
    done
}
trap drop_test_databases EXIT
drop_test_databases

step "disk space before building"
df -h . | tail -n 1

step "dependency audit (RustSec snapshot in ../shared/advisory-db; exceptions in .cargo/audit.toml)"
cargo fetch --locked
cargo audit --no-fetch --db ../shared/advisory-db

step "formatting"
cargo fmt --all -- --check

step "clippy: server"
cargo clippy --features ssr --all-targets -- -D warnings
step "clippy: browser"
cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "build (server and wasm bundle)"
cargo leptos build --split

step "unit and integration tests (SQLite and PostgreSQL)"
cargo test --features ssr

step "browser tests (Chromium; SQLite and PostgreSQL)"
(cd end2end && npx playwright test)

step "all passed"
