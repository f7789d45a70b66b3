#!/usr/bin/env bash
# Check that the Rust detector stage agrees with the Python prototype (detector.py) line by line.
#
# Usage (from the project root, after `cargo build --release`):
#   scripts/detector/compare.sh [DEV_DIR]      (default ../shared/eval/dev)
# Env: BIN (default target/release/declutter), KEEP=DIR keeps the outputs.
#
# Both sides get the same lines: the inputs are first normalized by declutter with everything
# else off, then cleaned by declutter with only the detector on (which runs to a fixed point)
# and by `detector.py --fixed-point` with the same model, chrome list, stopwords and settings.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DEV="${1:-$ROOT/../shared/eval/dev}"
BIN="${BIN:-$ROOT/target/release/declutter}"
[ -x "$BIN" ] || { echo "no $BIN: run cargo build --release first" >&2; exit 2; }
out="${KEEP:-$(mktemp -d)}"
OFF=(--no-default-rules --no-stage author-box --no-stage duplicates --no-stage tail)
for v in input input-region; do
  [ -d "$DEV/$v" ] || continue
  rm -rf "$out/norm-$v" "$out/rust-$v" "$out/py-$v"
  "$BIN" clean "$DEV/$v" -o "$out/norm-$v" "${OFF[@]}" --no-stage detector >/dev/null
  "$BIN" clean "$out/norm-$v" -o "$out/rust-$v" "${OFF[@]}" >/dev/null
  python3 "$HERE/detector.py" --fixed-point --in "$out/norm-$v" --out "$out/py-$v"
  python3 - "$out/norm-$v" "$out/rust-$v" "$out/py-$v" "$v" <<'PY'
import difflib, os, sys
norm, rust, py, variant = sys.argv[1:]
files = lines = diff_files = diff_lines = 0
for name in sorted(f for f in os.listdir(norm) if f.endswith(".txt")):
    files += 1
    n = open(os.path.join(norm, name), encoding="utf-8").read().split("\n")
    r = [l for l in open(os.path.join(rust, name), encoding="utf-8").read().split("\n") if l]
    p = [l for l in open(os.path.join(py, name), encoding="utf-8").read().split("\n") if l]
    lines += sum(1 for l in n if l)
    if r != p:
        diff_files += 1
        sm = difflib.SequenceMatcher(a=r, b=p, autojunk=False)
        d = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal")
        diff_lines += d
        print(f"  {name}: {d} line(s) differ")
print(f"{variant:13s} {files} files, {lines} non-blank lines: {diff_files} files / {diff_lines} lines differ")
PY
done
[ -n "${KEEP:-}" ] || rm -rf "$out"
