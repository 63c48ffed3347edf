#!/usr/bin/env bash
# Builds the file to deploy: dist/quire-VERSION-TARGET (x86_64-unknown-linux-gnu here), a
# stripped release binary with the site's CSS, JS and wasm inside, and its SHA-256 beside it
# (dist/quire-VERSION-TARGET.sha256, for `sha256sum -c`). Before writing them it starts the
# binary alone in an empty folder and checks that a page and its scripts are served.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'release: %s\n' "$*" >&2; exit 2; }

bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
version=$(awk -F '"' '/^version = / { print $2; exit }' Cargo.toml)
target=$(rustc -vV | awk '/^host: / { print $2 }')
name="quire-$version-$target"

say "building $name (release, precompressed assets, the site built in)"
# LEPTOS_SITE_ROOT must not point the build elsewhere, or serve the test below from a folder.
unset LEPTOS_SITE_ROOT
cargo leptos build --release --precompress --split

work=$(mktemp -d)
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cp target/release/quire "$work/$name"
strip "$work/$name"

say "trying it alone in an empty folder"
mkdir "$work/run"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work/run" && exec env -i PATH=/usr/bin:/bin HOME="$work/run" QUIRE_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  "$work/$name" serve >"$work/out.log" 2>&1) &
pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done
# A new blog's one page: the setup form, at the address it printed.
setup=$(grep -o 'http://[^ ]*/setup?token=[A-Za-z0-9_-]*' "$work/out.log" | head -n1 || true)
[[ -n $setup ]] || die "the binary printed no setup address: $(cat "$work/out.log")"
page=$(curl -fsS "$setup") || die "the binary served no page: $(cat "$work/out.log")"
scripts=$(grep -o '/pkg/[^"]*\.\(js\|wasm\|css\)' <<<"$page" | sort -u || true)
[[ $(wc -l <<<"$scripts") -ge 3 ]] || die "the page names fewer than 3 of the site's files: $scripts"
for file in $scripts; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: br' "http://127.0.0.1:$port$file")
  [[ $code == 200 ]] || die "$file answered $code from the binary alone"
done
"$work/$name" --version

mkdir -p dist
mv "$work/$name" "dist/$name"
(cd dist && sha256sum "$name" >"$name.sha256")
size=$(du -m "dist/$name" | cut -f1)
say "dist/$name ($size MB) and dist/$name.sha256"
