#!/usr/bin/env bash
# Starts a quire for the browser tests over a fresh database with demo content.
# Usage: scripts/e2e-server.sh sqlite|postgres PORT   (run by end2end/playwright.config.ts)
set -euo pipefail
backend=$1
port=$2
cd "$(dirname "$0")/.."
bin=${QUIRE_BIN:-target/debug/quire}
case "$backend" in
  sqlite)
    dir=$(mktemp -d)
    export DATABASE_URL="sqlite://$dir/quire.db"
    ;;
  postgres)
    admin=${QUIRE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
    name="quire_e2e_$$_$(date +%s)"
    psql "$admin" -qc "CREATE DATABASE $name" >/dev/null
    export DATABASE_URL="${admin%/*}/$name"
    ;;
  *)
    echo "e2e-server.sh: backend must be sqlite or postgres" >&2
    exit 2
    ;;
esac
export QUIRE_ADDR="127.0.0.1:$port"
export RUST_LOG=${RUST_LOG:-warn}
# A real SMTP server beside it (aiosmtpd), keeping each message in target/e2e-mail/BACKEND,
# where the browser tests read the links quire mails.
mail_dir=target/e2e-mail/$backend
rm -rf "$mail_dir"
mail_port=$((port + 100))
python=/usr/bin/python3
[[ -x $python ]] || python=python3
"$python" scripts/smtp-sink.py "$mail_port" "$mail_dir" >/dev/null &
sink_pid=$!
trap 'kill "$sink_pid" 2>/dev/null || true' EXIT
export QUIRE_SMTP_URL="smtp://127.0.0.1:$mail_port" QUIRE_MAIL_FROM="blog@example.com" QUIRE_MAIL_PER_MINUTE=6000
"$bin" demo >/dev/null
# A moderator and an admin the browser tests can sign in as (demo accounts have unknown passwords).
QUIRE_PASSWORD="moderating is careful work" "$bin" user create \
  --username mona --email mona@example.com --role moderator --first-name Mona >/dev/null
QUIRE_PASSWORD="administering is careful work" "$bin" user create \
  --username owner --email owner@example.com --role admin --first-name Olive >/dev/null
# A WordPress blog moved in (the importer's fixture), for the tests of its old addresses.
"$bin" import tests/fixtures/import/wordpress/export.xml \
  --media tests/fixtures/import/wordpress/uploads >/dev/null
# Not exec: this shell stays to stop the SMTP server when quire is stopped.
"$bin" serve &
server_pid=$!
trap 'kill "$server_pid" "$sink_pid" 2>/dev/null || true' EXIT TERM INT
wait "$server_pid"
