#!/usr/bin/env bash
# Installs what is missing, builds quire in release mode and runs it on SQLite at
# http://127.0.0.1:3000 (data in ./data). Settings come from the environment or ./.env.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# --precompress writes .br and .gz files next to the assets, served as they are.
cargo leptos build --release --precompress --split
if [[ ! -e data/quire.db && -z "${DATABASE_URL:-}" ]]; then
  # A first run shows a living blog instead of an empty page.
  target/release/quire demo
fi
exec target/release/quire serve
