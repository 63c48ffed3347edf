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

# The RustSec database: a local snapshot when there is one (QUIRE_ADVISORY_DB, or
# ../shared/advisory-db beside this clone on the project's own machines), otherwise
# cargo-audit's own copy, fetched as usual. Exceptions are in .cargo/audit.toml.
advisory_db=${QUIRE_ADVISORY_DB:-../shared/advisory-db}
cargo fetch --locked
if [[ -d "$advisory_db/crates" ]]; then
  step "dependency audit (RustSec snapshot in $advisory_db)"
  cargo audit --no-fetch --db "$advisory_db"
else
  [[ -z "${QUIRE_ADVISORY_DB:-}" ]] || { echo "test: QUIRE_ADVISORY_DB=$QUIRE_ADVISORY_DB holds no advisory database (no crates/ folder)" >&2; exit 2; }
  step "dependency audit (cargo-audit's own RustSec database, fetched now)"
  cargo audit
fi

step "formatting"
cargo fmt --all -- --check

step "layers (no module imports from a layer above its own)"
python3 scripts/layers.py

step "clippy: server"
cargo clippy --features ssr --all-targets -- -D warnings
step "clippy: browser"
cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "build (server and wasm bundle)"
cargo leptos build --split

step "unit and integration tests (SQLite and PostgreSQL)"
cargo test --features ssr

step "two instances on one PostgreSQL database behind nginx (docs/deploy/nginx.conf)"
python3 scripts/proxy-test.py

step "API against its OpenAPI document (Schemathesis; SQLite and PostgreSQL)"
bash scripts/schemathesis.sh

step "browser tests (Chromium; SQLite and PostgreSQL)"
(cd end2end && npx playwright test)

step "all passed"
