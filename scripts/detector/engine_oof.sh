#!/usr/bin/env bash
# Out-of-fold accuracy of the engine itself: for each of the 5 folds, build declutter with that
# fold's model (trained without the fold's pages) and clean the fold's dev pages with the whole
# pipeline; then score all pages. The built-in model is restored at the end.
#
#   python3 scripts/detector/exp.py prepare && python3 scripts/detector/exp.py folds --out DIR
#   scripts/detector/engine_oof.sh DIR [OUT]
set -euo pipefail
MODELS=$(realpath "$1")
OUT=${2:-$(mktemp -d /tmp/engine-oof.XXXXXX)}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEV=$ROOT/../shared/eval/dev
MODEL=$ROOT/rules/detector/model.toml
SAVED=$(mktemp)
cp "$MODEL" "$SAVED"
restore() { cp "$SAVED" "$MODEL"; rm -f "$SAVED"; (cd "$ROOT" && cargo build --release -q); }
trap restore EXIT
for k in 0 1 2 3 4; do
  cp "$MODELS/foldmodel-$k.toml" "$MODEL"
  (cd "$ROOT" && cargo build --release -q)
  for v in input input-region; do
    IN=$OUT/in-$v-$k
    mkdir -p "$IN" "$OUT/$v"
    awk -v k=$k '$1 == k { print $2 }' "$MODELS/folds.txt" | while read -r n; do
      if [ -f "$DEV/$v/$n.txt" ]; then cp "$DEV/$v/$n.txt" "$IN/"; fi
    done
    "$ROOT/target/release/declutter" clean "$IN" -o "$OUT/$v"
  done
done
for v in input input-region; do
  echo "$v: $(python3 "$DEV/../score.py" --gold "$DEV/gold" --pred "$OUT/$v" | tail -1)"
done
