#!/usr/bin/env bash
# The benchmark of issue #8: a release build of quire on SQLite and/or PostgreSQL, at each
# dataset size, loaded by oha on this machine. Per route (home, the benchmark post, a tag, a
# search, /feed.xml, /api/posts): requests per second and p50/p99 at saturation and at half of
# that; the post page's same bytes from nginx and from a plain static file server (the ceiling);
# comment-write latency under load; the server's memory idle and at peak; start to first
# page; what a reader downloads for the post page. Then, per backend, the servers of every size
# run side by side and their home, tag and search pages are loaded in turn at a fixed
# 1,000 req/s, for latency compared between sizes. Then Lighthouse and axe-core
# (scripts/lighthouse.sh). Last, the mail figures (examples/mail_bench.rs) and the import's
# (examples/import_bench.rs: a 10,000-post WordPress export). Prints a table with the issue's targets and writes everything to
# target/bench/results.json.
#   scripts/bench.sh [sqlite|postgres|both]      (default both)
# Settings: BENCH_SIZES ("1000 100000" posts), BENCH_SECONDS (10, per load), BENCH_COMMENTS
# (10 comments per post), BENCH_CONNECTIONS (32), BENCH_TAG (rust, the dataset's most used
# tag), BENCH_SEARCH (server, a common word), QUIRE_TEST_POSTGRES_URL
# (postgres://postgres@127.0.0.1:5432/postgres; databases quire_bench_<posts> are made and
# dropped),
# BENCH_LIGHTHOUSE (1; 0 skips scripts/lighthouse.sh, which the table then lacks).
# Quick form: BENCH_SIZES=1000 BENCH_SECONDS=3 bash scripts/bench.sh sqlite
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
case $which in
  sqlite | postgres | both) ;;
  *) echo "usage: scripts/bench.sh [sqlite|postgres|both]" >&2; exit 2 ;;
esac
sizes=${BENCH_SIZES:-1000 100000}
seconds=${BENCH_SECONDS:-10}
per_post=${BENCH_COMMENTS:-10}
connections=${BENCH_CONNECTIONS:-32}
tag=${BENCH_TAG:-rust}
search=${BENCH_SEARCH:-server}
admin=${QUIRE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
OHA_VERSION=1.16.0

say() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_updated=false
apt_install() {
  if ! $apt_updated; then as_root apt-get update -qq; apt_updated=true; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# Tools: the build's (scripts/setup.sh), the load generator, nginx, and psql for PostgreSQL.
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
if [[ "$(oha --version 2>/dev/null || true)" != *"$OHA_VERSION"* ]]; then
  say "installing oha $OHA_VERSION from crates.io (Debian has none; a few minutes, once)"
  cargo install oha --version "$OHA_VERSION" --locked
fi
if ! command -v nginx >/dev/null; then
  say "installing nginx from Debian"
  apt_install nginx
fi
if [[ $which != sqlite ]]; then
  command -v psql >/dev/null || apt_install postgresql-client
  psql "$admin" -qAtc 'SELECT 1' >/dev/null 2>&1 ||
    die "PostgreSQL is not reachable at $admin (set QUIRE_TEST_POSTGRES_URL; scripts/setup.sh --test installs and starts one)"
fi

say "building quire (release, precompressed assets) and the benchmark"
cargo leptos build --release --precompress --split
cargo build --release --features ssr --example bench --example static_server --example mail_bench --example import_bench

work=$(mktemp -d)
servers=() nginx_pid= static_pid=
drop_data() {
  local backend=$1 posts
  for posts in $sizes; do
    case $backend in
      sqlite) rm -f "$work/bench-$posts.db"* ;;
      postgres) psql "$admin" -qc "DROP DATABASE IF EXISTS quire_bench_$posts WITH (FORCE)" >/dev/null ;;
    esac
  done
}
data_url() {
  case $1 in
    sqlite) echo "sqlite://$work/bench-$2.db" ;;
    postgres) echo "${admin%/*}/quire_bench_$2" ;;
  esac
}
cleanup() {
  for pid in "${servers[@]}" $nginx_pid $static_pid; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ $which != sqlite ]]; then drop_data postgres 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# nginx's workers do not run as root: they must be able to read the page.
chmod 755 "$work"
mkdir -p "$work/static/posts" "$work/results" "$work/growth" "$work/nginx" "$work/bin"
# Other builds (a debug one for the browser tests, say) write to the same target/: the
# benchmark runs a copy of this build. The release binary serves the site's files it was
# built with (build.rs), as a deployed one does.
cp target/release/quire target/release/examples/bench \
  target/release/examples/static_server target/release/examples/mail_bench \
  target/release/examples/import_bench "$work/bin/"
quire=$work/bin/quire
bench=$work/bin/bench
unset LEPTOS_SITE_ROOT

# The first loopback port from $1 on that nothing listens on.
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}
# Waits until something answers HTTP on $1 (any status).
wait_http() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  die "nothing answers on $1"
}

# The ceilings serve $work/static/posts/benchmark-post, written by each measurement from
# quire's own answer. nginx: both cores (worker_processes auto, as quire's runtime uses a
# thread per core), no access log (quire runs with RUST_LOG=warn: no request log either),
# keep-alive without a request limit, as quire's.
cores=$(nproc)
nginx_port=$(free_port 3120)
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 75s;
  keepalive_requests 100000000;
  default_type text/html;
  charset utf-8;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/static;
    location / { try_files \$uri =404; }
  }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
nginx_pid=$!
wait_http "http://127.0.0.1:$nginx_port/"
static_port=$(free_port $((nginx_port + 1)))
"$work/bin/static_server" "127.0.0.1:$static_port" "$work/static" &
static_pid=$!
wait_http "http://127.0.0.1:$static_port/"

# Starts quire on the data at $1 and a free port; sets $port, $startup_ms and $server_pid
# and adds the server to $servers. Fails when no page is answered.
start_quire() {
  local url=$1 start_ns
  port=$(free_port $((static_port + 1)))
  # Limits meant for strangers would stop the load's API reads, sign-in and comments, and
  # the views counted (every request here is a new reader: the most view writes there can be).
  start_ns=$(date +%s%N)
  DATABASE_URL=$url QUIRE_ADDR=127.0.0.1:$port RUST_LOG=warn \
    QUIRE_API_RATE_LIMIT=100000000 QUIRE_AUTH_RATE_LIMIT=100000000 QUIRE_VIEWS_RATE_LIMIT=100000000 \
    QUIRE_COMMENTS_PER_MINUTE=1000 \
    "$quire" serve &
  server_pid=$!
  servers+=("$server_pid")
  startup_ms=$("$bench" first-page "http://127.0.0.1:$port/" "$start_ns" --pid "$server_pid")
}
stop_quires() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
  servers=()
}
load_settings=(--oha "$(command -v oha)" --seconds "$seconds" --connections "$connections")

# One backend and size, alone on the machine; the data stays for growth below.
measure() {
  local backend=$1 posts=$2 url
  local comments=$((posts * per_post))
  url=$(data_url "$backend" "$posts")
  if [[ $backend == postgres ]]; then
    psql "$admin" -qc "DROP DATABASE IF EXISTS quire_bench_$posts WITH (FORCE)" \
      -c "CREATE DATABASE quire_bench_$posts"
  fi
  say "$backend, $posts posts: making the data ($comments comments)"
  DATABASE_URL=$url RUST_LOG=warn,sqlx=error "$quire" demo --posts "$posts" --comments "$comments"

  local status=0
  start_quire "$url" || status=$?
  if [[ $status -eq 0 ]]; then
    say "$backend, $posts posts: measuring on 127.0.0.1:$port ($connections connections, ${seconds}s per load)"
    "$bench" measure "${load_settings[@]}" --quire "http://127.0.0.1:$port" --pid "$server_pid" \
      --nginx "http://127.0.0.1:$nginx_port" --static "http://127.0.0.1:$static_port" \
      --page-file "$work/static/posts/benchmark-post" --tag "$tag" --search "$search" \
      --backend "$backend" --posts "$posts" --comments "$comments" --startup-ms "$startup_ms" \
      --out "$work/results/$backend-$posts.json" || status=$?
  fi
  stop_quires
  return $status
}

# One backend's servers of every size at once, their pages loaded in turn: loads of one
# server minutes apart differ here by up to a quarter, which a comparison of sizes measured
# minutes apart would take for growth.
growth() {
  local backend=$1 posts args=()
  for posts in $sizes; do
    start_quire "$(data_url "$backend" "$posts")" || { stop_quires; return 1; }
    args+=(--server "$posts=http://127.0.0.1:$port")
  done
  say "$backend: home, tag and search at 1,000 req/s, ${args[*]}"
  local status=0
  "$bench" growth "${load_settings[@]}" "${args[@]}" --backend "$backend" --tag "$tag" \
    --search "$search" --out "$work/growth/$backend.json" || status=$?
  stop_quires
  return $status
}

failed=0
for backend in sqlite postgres; do
  [[ $which == "$backend" || $which == both ]] || continue
  measured=0
  for posts in $sizes; do
    if measure "$backend" "$posts"; then measured=$((measured + 1)); else failed=1; fi
  done
  if [[ $measured -ge 2 && $measured -eq $(wc -w <<<"$sizes") ]]; then
    growth "$backend" || failed=1
  fi
  drop_data "$backend"
done

# Lighthouse and axe-core on this same build, with nothing else running.
lighthouse=()
if [[ ${BENCH_LIGHTHOUSE:-1} != 0 ]]; then
  say "Lighthouse and axe-core: the home page and the benchmark post, mobile and desktop"
  if LIGHTHOUSE_QUIRE=$quire bash scripts/lighthouse.sh; then
    lighthouse=(--lighthouse target/bench/lighthouse.json)
  else
    failed=1
  fi
fi

shopt -s nullglob
results=("$work"/results/*.json)
growths=()
for file in "$work"/growth/*.json; do growths+=(--growth "$file"); done
[[ ${#results[@]} -gt 0 ]] || die "no measurement finished"
say "results"
"$bench" report "${results[@]}" "${lighthouse[@]}" "${growths[@]}" --out target/bench/results.json \
  --about "oha=$(oha --version)" \
  --about "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes auto ($cores on this machine), access_log off" \
  --about "static_server=examples/static_server.rs: tower-http ServeDir on axum/hyper, tokio's default runtime" \
  --about "quire=release build (cargo leptos build --release --precompress --split), RUST_LOG=warn, rate limits raised" \
  --about "connections=$connections (load generator and servers share $cores cores)" \
  --about "seconds_per_load=$seconds (after a 1 s warm-up)" \
  --about "comments_per_post=$per_post" \
  --about "bodies=uncompressed (--disable-compression) except the 'post, compressed' row (accept-encoding: br, gzip)" \
  --about "user_agent=a browser's: each request is a new reader (new viewer cookie, counted view)"

# Issue #24's mail figures and #25's import figures, per backend, over fresh databases of their own.
say "mail: 10,000 followers queued for one post, memory while sending; import: a 10,000-post WordPress export"
for backend in sqlite postgres; do
  [[ $which == both || $which == "$backend" ]] || continue
  for program in mail_bench import_bench; do
    case $backend in
      sqlite) url="sqlite://$work/$program.db" ;;
      postgres)
        psql "$admin" -qc "DROP DATABASE IF EXISTS quire_$program WITH (FORCE)" -qc "CREATE DATABASE quire_$program" >/dev/null
        url="${admin%/*}/quire_$program"
        ;;
    esac
    table=$("$work/bin/$program" "$url") || failed=1
    echo "$table"
    grep -q '| FAIL |' <<<"$table" && failed=1
    [[ $backend == postgres ]] && psql "$admin" -qc "DROP DATABASE IF EXISTS quire_$program WITH (FORCE)" >/dev/null
  done
done
exit $failed
