#!/usr/bin/env bash
# Installs whatever quire's build needs and is missing; skips what is there.
#   scripts/setup.sh          build tools (wasm target, cargo-leptos, wasm-bindgen, Tailwind, wasm-opt)
#   scripts/setup.sh --test   also cargo-audit, Chromium, the browser-test packages, aiosmtpd (an SMTP
#                             server for the mail tests), nginx and openssl (the two-instance
#                             test) and a running PostgreSQL
# Everything comes from crates.io, npm or Debian: cargo-leptos is never left to download
# tools itself (it finds them on PATH and in ./node_modules/.bin).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
CARGO_AUDIT_VERSION=0.22.2
with_test_tools=false
[[ "${1:-}" == "--test" ]] && with_test_tools=true

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 2; }

export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo >/dev/null || die "Rust is missing: install it with rustup (https://rustup.rs), then run this again"
command -v npm >/dev/null || die "Node.js and npm are missing: apt-get install -y nodejs npm, then run this again"

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_updated=false
apt_install() {
  if ! $apt_updated; then as_root apt-get update -qq; apt_updated=true; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(cargo leptos --version 2>/dev/null || true)" != *"$CARGO_LEPTOS_VERSION"* ]]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 11 minutes on 2 cores, once)"
  # --ignore-rust-version: one locked dependency asks for a newer rustc than it needs.
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --ignore-rust-version
fi

# wasm-bindgen's CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
[[ -n "$bindgen_version" ]] || die "cannot find wasm-bindgen in Cargo.lock"
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $bindgen_version" ]]; then
  say "installing wasm-bindgen-cli $bindgen_version"
  # Not --locked: its lock file names a dependency newer than some registries carry.
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

# Tailwind CSS and wasm-opt (binaryen) from npm. Debian's binaryen is too old and breaks
# hydration, so it must not be the one found.
if [[ ! -x node_modules/.bin/tailwindcss || ! -x node_modules/.bin/wasm-opt || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing Tailwind CSS and binaryen from npm"
  npm ci --no-audit --no-fund --loglevel=error
fi

if $with_test_tools; then
  if [[ "$(cargo audit --version 2>/dev/null || true)" != *"$CARGO_AUDIT_VERSION"* ]]; then
    say "installing cargo-audit $CARGO_AUDIT_VERSION (about 12 minutes on 2 cores, once)"
    cargo install cargo-audit --version "$CARGO_AUDIT_VERSION" --locked
  fi
  if [[ ! -x /usr/bin/chromium ]]; then
    say "installing Chromium for the browser tests"
    apt_install chromium
  fi
  # The mail tests' SMTP server (scripts/smtp-sink.py) runs on Debian's Python with aiosmtpd.
  if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
    say "installing aiosmtpd, the SMTP server the mail tests send to"
    apt_install python3-aiosmtpd
  fi
  if ! command -v psql >/dev/null; then
    say "installing the PostgreSQL client"
    apt_install postgresql-client
  fi
  # The two-instance test (scripts/proxy-test.py) puts Debian's nginx, with a certificate
  # of its own, in front of quire.
  if ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
    say "installing nginx for the two-instance test"
    apt_install nginx
  fi
  if ! command -v openssl >/dev/null; then
    apt_install openssl
  fi
  if [[ ! -x end2end/node_modules/.bin/playwright || end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]]; then
    say "installing Playwright (the test runner only; it drives Debian's Chromium)"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  fi
  pg_url=${QUIRE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  if ! psql "$pg_url" -qAtc 'SELECT 1' >/dev/null 2>&1; then
    if ! command -v pg_ctlcluster >/dev/null; then
      say "installing PostgreSQL for the tests"
      apt_install postgresql
      cluster_dir=$(ls -d /etc/postgresql/*/main | head -n1)
      # Tests connect as postgres over TCP without a password: trust on loopback only.
      sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$cluster_dir/pg_hba.conf"
    fi
    say "starting PostgreSQL"
    version=$(ls /etc/postgresql | sort -V | tail -n1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
      psql "$pg_url" -qAtc 'SELECT 1' >/dev/null 2>&1 && break
      sleep 1
    done
    psql "$pg_url" -qAtc 'SELECT 1' >/dev/null 2>&1 || die "PostgreSQL is not reachable at $pg_url (set QUIRE_TEST_POSTGRES_URL)"
  fi
fi
