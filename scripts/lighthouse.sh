#!/usr/bin/env bash
# Lighthouse (its axe-core accessibility audits included) on a release build of quire: the
# home page and the benchmark post, mobile and desktop. Prints the four category scores and
# every audit that did not pass, and writes target/bench/lighthouse.json.
#   scripts/lighthouse.sh            (SQLite, a fresh database of LIGHTHOUSE_POSTS posts)
# LIGHTHOUSE_QUIRE names a release binary already built (scripts/bench.sh passes its own, with
# LEPTOS_SITE_ROOT set to its site); without it this script builds one.
# Lighthouse comes from npm (pinned below) and runs Debian's Chromium; nothing else is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
LIGHTHOUSE_VERSION=12.8.2
posts=${LIGHTHOUSE_POSTS:-200}

bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
if [[ ! -x /usr/bin/chromium ]]; then
  bash scripts/setup.sh --test
fi
tools=target/lighthouse
if [[ "$("$tools/node_modules/.bin/lighthouse" --version 2>/dev/null || true)" != "$LIGHTHOUSE_VERSION" ]]; then
  printf '\033[1m==> installing Lighthouse %s from npm\033[0m\n' "$LIGHTHOUSE_VERSION" >&2
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "lighthouse@$LIGHTHOUSE_VERSION"
fi
quire=${LIGHTHOUSE_QUIRE:-}
if [[ -z $quire ]]; then
  cargo leptos build --release --precompress --split
  quire=target/release/quire
fi

work=$(mktemp -d)
server=
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=3130
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
export DATABASE_URL="sqlite://$work/lighthouse.db" QUIRE_ADDR="127.0.0.1:$port" RUST_LOG=warn
"$quire" demo --posts "$posts" --comments "$((posts * 10))" >/dev/null
"$quire" serve &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done

mkdir -p target/bench "$work/reports"
for page in / /posts/benchmark-post; do
  for form in mobile desktop; do
    name="$form$(echo "$page" | tr '/' '-')"
    preset=()
    [[ $form == desktop ]] && preset=(--preset=desktop)
    "$tools/node_modules/.bin/lighthouse" "http://127.0.0.1:$port$page" "${preset[@]}" \
      --chrome-path=/usr/bin/chromium \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
      --only-categories=performance,accessibility,best-practices,seo \
      --output=json --output-path="$work/reports/$name.json" --quiet
  done
done

node - "$work/reports" target/bench/lighthouse.json <<'EOF'
const fs = require("fs");
const path = require("path");
const [dir, out] = process.argv.slice(2);
const summary = [];
for (const file of fs.readdirSync(dir).sort()) {
  const report = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
  const scores = Object.fromEntries(
    Object.entries(report.categories).map(([id, c]) => [id, Math.round(c.score * 100)]),
  );
  const failed = [];
  for (const [id, category] of Object.entries(report.categories)) {
    for (const ref of category.auditRefs) {
      const audit = report.audits[ref.id];
      if (audit.scoreDisplayMode === "binary" || audit.scoreDisplayMode === "numeric") {
        if (audit.score !== null && audit.score < 1 && ref.weight > 0) {
          failed.push({ category: id, audit: ref.id, title: audit.title, value: audit.displayValue ?? "" });
        }
      }
    }
  }
  const metrics = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "total-byte-weight"]
    .map((id) => `${id.replace(/-/g, " ")} ${report.audits[id]?.displayValue ?? "?"}`);
  const entry = { page: report.requestedUrl.replace(/^https?:\/\/[^/]+/, ""), form: report.configSettings.formFactor, scores, metrics, failed };
  summary.push(entry);
  console.log(`\n${entry.form} ${entry.page}: performance ${scores.performance}, accessibility ${scores.accessibility}, best practices ${scores["best-practices"]}, SEO ${scores.seo}`);
  console.log(`  ${metrics.join(" · ")}`);
  for (const f of failed) console.log(`  ! ${f.category}: ${f.title}${f.value ? ` (${f.value})` : ""}`);
}
fs.writeFileSync(out, JSON.stringify(summary, null, 2));
console.log(`\nJSON: ${out}`);
EOF
