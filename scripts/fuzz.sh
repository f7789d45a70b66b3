#!/usr/bin/env bash
# Coverage-guided fuzzing of the three targets in fuzz/ (issue 5), one after the other, one job
# each (the machines here have 2 cores).
#
#   scripts/fuzz.sh                 # every target for 600 s
#   scripts/fuzz.sh 3600 rule_file  # one target for an hour
#
# Targets: clean_bytes (bytes -> decode -> clean with the built-in rules: no panic, idempotent,
# output empty or ending in one newline), rule_file (any text as a rule file: Ok or Err, never a
# panic; a loaded set cleans a fixed text and runs its examples), jsonl_line (any bytes as a
# JSONL stream through the binary's own line reader and record cleaner,
# src/bin/declutter/record.rs: valid one-line JSON out, keys kept in order, text already clean).
#
# Needs `cargo install cargo-fuzz`; it runs on the stable toolchain with RUSTC_BOOTSTRAP=1.
# New corpus entries go to fuzz/target/corpus/<target>/ (not committed); the seeds in
# fuzz/corpus/<target>/ are read, never written. A crash leaves fuzz/artifacts/<target>/crash-*:
# reproduce with `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <file>` and add it as a regression
# test in tests/reliability.rs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(clean_bytes rule_file jsonl_line)

cd "$root/fuzz"
for t in "${targets[@]}"; do
    mkdir -p "target/corpus/$t"
    echo "== $t, $secs s"
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "target/corpus/$t" "corpus/$t" -- \
        -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
        2>&1 | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)|ERROR|panicked|crash-'
done
