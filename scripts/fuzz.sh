#!/usr/bin/env bash
# Fuzzes quire's markdown, comment, front matter, slug and search-query code (fuzz/), each
# target for FUZZ_SECONDS (default 300) one after another, and prints a line per target with
# its speed and corpus size. Not part of CI: run it by hand, on an otherwise quiet machine.
#
#   bash scripts/fuzz.sh                      # every target, 5 minutes each
#   FUZZ_SECONDS=60 bash scripts/fuzz.sh slug # one target, a minute
#
# Findings land in fuzz/artifacts/<target>/ (git-ignored); reproduce one with
# `cargo +nightly fuzz run -s none <target> <file>`. The corpus grows in fuzz/corpus/<target>/;
# shrink it with `cargo +nightly fuzz cmin -s none <target>` before keeping it.
set -euo pipefail

cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-300}"
# ASan finds little in safe Rust and halves the speed; FUZZ_SANITIZER=address turns it on.
sanitizer="${FUZZ_SANITIZER:-none}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(markdown comment front_matter slug search_query)
fi

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "installing the nightly toolchain (cargo fuzz needs it)"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# One build for every target, so that the times below are fuzzing only.
cargo +nightly fuzz build -s "$sanitizer"

log_dir="$(mktemp -d)"
trap 'rm -rf "$log_dir"' EXIT
summary=()
for target in "${targets[@]}"; do
    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus"
    log="$log_dir/$target.log"
    echo "fuzzing $target for ${seconds}s"
    status=ok
    if ! cargo +nightly fuzz run -s "$sanitizer" "$target" "$corpus" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        status="FAILED (see fuzz/artifacts/$target/)"
        tail -n 40 "$log"
    fi
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    per_sec="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
    files="$(find "$corpus" -type f | wc -l)"
    size="$(du -sh "$corpus" | cut -f1)"
    summary+=("$(printf '%-13s %10s runs %7s/s  corpus %5s files %6s  %s' \
        "$target" "${runs:-?}" "${per_sec:-?}" "$files" "$size" "$status")")
done

printf '%s\n' "${summary[@]}"
for line in "${summary[@]}"; do
    if [[ "$line" == *FAILED* ]]; then
        exit 1
    fi
done
