#!/usr/bin/env bash
# Bounded-memory and hostile-input runs that are too long for `cargo test` (issue 5).
#
#   scripts/reliability.sh            # all cases, in a temporary directory under /tmp
#   scripts/reliability.sh jsonl      # one case: jsonl | files | line | rules
#
# Each case builds its input, runs the release binary under `/usr/bin/time -v` and prints the
# peak RSS, wall time and exit code (the issue's bound is peak RSS <= 50 MB):
#   jsonl  a 2 GB JSONL file (a ~100 MB corpus from /work/shared/bench/make_corpus.py, repeated)
#          through `declutter clean --jsonl` to /dev/null
#   files  a directory of 200,000 small files through `declutter clean DIR -o OUT`, then the
#          same again with --skip-existing (everything skipped)
#   line   a single 500 MB line without a newline: refused by the default --max-doc-bytes
#          (64 MiB) with a clear message, then processed with --max-doc-bytes 600M
#   rules  a rule file of 1,000,000 small exact rules: loaded and used on one small document
#          (stopped after RULES_TIMEOUT seconds, default 1800: exit 124 means it did not finish)
#
# Needs: cargo, python3, GNU time (/usr/bin/time), about 6 GB free under $TMPDIR (default /tmp).
# Set KEEP=1 to keep the work directory. Environment: JSONL_GB (2), FILES (200000),
# LINE_MB (500), RULES_N (1000000) scale the cases down for a quick check.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
corpus_py=${CORPUS_PY:-/work/shared/bench/make_corpus.py}
JSONL_GB=${JSONL_GB:-2}
FILES=${FILES:-200000}
LINE_MB=${LINE_MB:-500}
RULES_N=${RULES_N:-1000000}
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=(jsonl files line rules)

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin=$root/target/release/declutter
work=$(mktemp -d "${TMPDIR:-/tmp}/declutter-reliability.XXXXXX")
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi
echo "work directory: $work"

# measure NAME CMD...: run CMD under /usr/bin/time -v (stdout to /dev/null, stderr kept) and
# print one summary line.
measure() {
    local name=$1
    shift
    local code=0
    /usr/bin/time -v -o "$work/time.txt" "$@" > /dev/null 2> "$work/stderr.txt" || code=$?
    local rss wall
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
    printf '%-44s peak RSS %7.1f MB   wall %-9s exit %s\n' "$name" "$(echo "$rss / 1024" | bc -l)" "$wall" "$code"
    grep -E 'error|warning|files?,|records' "$work/stderr.txt" | head -n 3 | sed 's/^/    /' || true
}

for case in "${cases[@]}"; do
case $case in
jsonl)
    python3 "$corpus_py" --total-mb 100 --n-files 40000 --out "$work/c" --jsonl "$work/part.jsonl" > /dev/null
    rm -rf "$work/c"
    part=$(stat -c %s "$work/part.jsonl")
    reps=$(( (JSONL_GB * 1000000000 + part - 1) / part ))
    for _ in $(seq "$reps"); do cat "$work/part.jsonl"; done > "$work/big.jsonl"
    rm "$work/part.jsonl"
    echo "big.jsonl: $(du -h "$work/big.jsonl" | cut -f1), $(wc -l < "$work/big.jsonl") records"
    measure "jsonl ${JSONL_GB} GB, all threads" "$bin" clean --jsonl "$work/big.jsonl" --stats
    measure "jsonl ${JSONL_GB} GB, -j 1" "$bin" clean --jsonl "$work/big.jsonl" -j 1 --stats
    rm "$work/big.jsonl"
    ;;
files)
    python3 - "$work/many" "$FILES" <<'EOF'
import os, random, sys
out, n = sys.argv[1], int(sys.argv[2])
seeds = "/work/shared/seeds"
lines = []
for f in sorted(os.listdir(seeds)):
    lines += [l for l in open(os.path.join(seeds, f), encoding="utf-8").read().splitlines() if l]
chrome = ["spot_img", "LEAVE A REPLY", "Please enter your comment!", "Share post:", "Read Also: more"]
rnd = random.Random(1)
for i in range(n):
    d = os.path.join(out, f"d{i // 1000:03d}")
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    body = rnd.sample(lines, 6) + rnd.sample(chrome, 2)
    with open(os.path.join(d, f"f{i:06d}.txt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(body) + "\n")
EOF
    echo "many/: $FILES files, $(du -sh "$work/many" | cut -f1)"
    measure "$FILES files -o OUT" "$bin" clean "$work/many" -o "$work/many-out" --stats
    echo "    outputs: $(find "$work/many-out" -name '*.txt' | wc -l)"
    measure "$FILES files --skip-existing (all done)" "$bin" clean "$work/many" -o "$work/many-out" --skip-existing --stats
    rm -rf "$work/many" "$work/many-out"
    ;;
line)
    python3 - "$work/line.txt" "$LINE_MB" <<'EOF'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
chunk = ("The committee met again on Tuesday and agreed on nothing at all, " * 1000).encode()
with open(path, "wb") as fh:
    left = mb * 1000 * 1000
    while left > 0:
        fh.write(chunk[:left])
        left -= len(chunk)
EOF
    measure "${LINE_MB} MB line, default limit" "$bin" clean "$work/line.txt"
    measure "${LINE_MB} MB line, --max-doc-bytes 600M" "$bin" clean "$work/line.txt" --max-doc-bytes 600M
    printf '{"text": "' > "$work/line.jsonl"
    cat "$work/line.txt" >> "$work/line.jsonl"
    printf '"}\n{"text": "After the long one."}\n' >> "$work/line.jsonl"
    rm "$work/line.txt"
    measure "${LINE_MB} MB JSONL record, default limit" "$bin" clean --jsonl "$work/line.jsonl"
    rm "$work/line.jsonl"
    ;;
rules)
    python3 - "$work/million.toml" "$RULES_N" <<'EOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as fh:
    for i in range(n):
        fh.write(f'[[rule]]\nid = "r{i}"\ndescription = "d"\nkind = "drop-line"\n'
                 f'match = {{ exact = "chrome line {i}" }}\nmust-remove = ["chrome line {i}"]\n\n')
EOF
    echo "million.toml: $RULES_N rules, $(du -h "$work/million.toml" | cut -f1)"
    printf 'Body text stays.\nchrome line 123\n' > "$work/doc.txt"
    measure "$RULES_N exact rules, clean one file" timeout "${RULES_TIMEOUT:-1800}" "$bin" clean --no-default-rules -r "$work/million.toml" "$work/doc.txt"
    rm "$work/million.toml"
    ;;
*)
    echo "unknown case: $case (jsonl | files | line | rules)" >&2
    exit 2
    ;;
esac
done
