#!/usr/bin/env bash
# Whole-program throughput of declutter against `cat` and ripgrep on the same files, in one
# session (hyperfine, warm page cache, outputs to tmpfs). Not part of CI.
#
#   scripts/bench.sh                 # 200 MB corpus of 20,000 files (make_corpus.py --seed 1)
#   MB=50 FILES=5000 scripts/bench.sh
#
# Needs: hyperfine and ripgrep (apt-get install hyperfine ripgrep), python3, ../shared/bench.
# Prints MB/s for every command and the ratio to `cat` (ripgrep with one and two threads;
# declutter also without the detector, and with no rule or pass at all: its floor), peak RSS
# of declutter, and the line F1 of declutter's output against the corpus ground truth.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-200}
FILES=${FILES:-20000}
RUNS=${RUNS:-5}
SHARED=${SHARED:-../shared}
WORK=${WORK:-/dev/shm/declutter-bench}
CORPUS=$WORK/corpus-$MB-$FILES
OUT=$WORK/out
command -v hyperfine >/dev/null && command -v rg >/dev/null ||
  { echo "needs hyperfine and ripgrep: apt-get install hyperfine ripgrep" >&2; exit 2; }

cargo build --release --quiet
BIN=$PWD/target/release/declutter
mkdir -p "$WORK"
if [ ! -d "$CORPUS" ]; then
  python3 "$SHARED/bench/make_corpus.py" --seed 1 --total-mb "$MB" --n-files "$FILES" \
    --out "$CORPUS" --truth "$CORPUS.truth" --jsonl "$CORPUS.jsonl" >/dev/null
fi
BYTES=$(cat "$CORPUS"/*.txt | wc -c)
JBYTES=$(wc -c <"$CORPUS.jsonl")
# rg's literal filter: the chrome lines of the Python peer's rule list, case-insensitive.
PATTERNS=$SHARED/bench/rules/chrome_literals.txt
# The pipeline's floor: read, normalize and write each file, with no rule and no pass.
NO_PASSES="--no-stage detector --no-stage author-box --no-stage duplicates --no-stage tail"

hyperfine --warmup 1 --runs "$RUNS" --export-json "$WORK/hyperfine.json" \
  --prepare "rm -rf $OUT" \
  -n "cat" "cat $CORPUS/*.txt > /dev/null" \
  -n "rg -j1 -v -F -i -f (64 literals)" "rg -j1 -v -F -i -f $PATTERNS --no-filename $CORPUS > $WORK/rg.out || true" \
  -n "rg -j2 -v -F -i -f (64 literals)" "rg -j2 -v -F -i -f $PATTERNS --no-filename $CORPUS > $WORK/rg.out || true" \
  -n "declutter -j1" "$BIN clean $CORPUS -o $OUT -j1" \
  -n "declutter -j2" "$BIN clean $CORPUS -o $OUT -j2" \
  -n "declutter -j1 --no-stage detector" "$BIN clean $CORPUS -o $OUT -j1 --no-stage detector" \
  -n "declutter -j1, no rules or passes" "$BIN clean $CORPUS -o $OUT -j1 --no-default-rules $NO_PASSES" \
  -n "declutter --jsonl -j1" "$BIN clean --jsonl $CORPUS.jsonl > $WORK/out.jsonl -j1" \
  -n "declutter --jsonl -j2" "$BIN clean --jsonl $CORPUS.jsonl > $WORK/out.jsonl -j2" \
  >/dev/null

python3 - "$WORK/hyperfine.json" "$BYTES" "$JBYTES" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
files_bytes, jsonl_bytes = int(sys.argv[2]), int(sys.argv[3])
cat = next(r["median"] for r in runs if r["command"] == "cat")
# CPU s (user + system, mean) above the wall time means more than one core was busy: with
# --jsonl, the main thread reads and writes while the -j workers clean.
print(f"{'command':40} {'median s':>9} {'MB/s':>8} {'x cat':>6} {'CPU s':>6}")
for r in runs:
    size = jsonl_bytes if "jsonl" in r["command"] else files_bytes
    mbs = size / 1e6 / r["median"]
    cpu = r["user"] + r["system"]
    print(f"{r['command']:40} {r['median']:9.3f} {mbs:8.1f} {cat / r['median']:6.2f} {cpu:6.2f}")
PY

rm -rf "$OUT"
for j in 1 2; do
  /usr/bin/time -f "declutter -j$j: peak RSS %M KB" "$BIN" clean "$CORPUS" -o "$OUT" -j$j
done
/usr/bin/time -f "declutter --jsonl -j2: peak RSS %M KB" "$BIN" clean --jsonl "$CORPUS.jsonl" -j2 >/dev/null
python3 "$SHARED/bench/make_corpus.py" --score "$OUT" --truth "$CORPUS.truth" | tail -1
"$BIN" clean "$CORPUS" -o "$OUT.j1" -j1 && "$BIN" clean "$CORPUS" -o "$OUT.j2" -j2 &&
  diff -r -q "$OUT.j1" "$OUT.j2" >/dev/null && echo "outputs identical with -j1 and -j2"
rm -rf "$OUT" "$OUT.j1" "$OUT.j2"
