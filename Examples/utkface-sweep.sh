#!/usr/bin/env bash
# Issue 11's UTKFace grid: the dense recipe, then the three sweeps (race groups at 90/95%
# unstructured, race x gender at 90%, race groups at 85% structured), each resumable.
# Dense recipe: MobileNetV2 from scratch at 32x32, Adam 1e-3, wd 1e-4, flips, 40 epochs
# (milestones 60/80%): about 12 minutes on 2 cores. See docs/RESULTS.md.
# Usage (from the repository root, UTKFace in ../shared/data/UTKFace): Examples/utkface-sweep.sh
set -euo pipefail
if [ -z "${FAIRPRUNE:-}" ]; then swift build -c release --product fairprune; fi
BIN=${FAIRPRUNE:-.build/release/fairprune}
OUT=runs/utkface-sweep
mkdir -p "$OUT"
[ -f "$OUT/dense.safetensors" ] || "$BIN" train --dataset utkface --data-root ../shared/data/UTKFace --target race \
  --protected race --image-size 32 --cache-dir "$OUT/cache" --model mobilenet-v2 --epochs 40 --optimizer adam \
  --learning-rate 1e-3 --weight-decay 1e-4 --horizontal-flip --output "$OUT/dense.safetensors"
for grid in race race-gender structured; do "$BIN" sweep "Examples/utkface-sweep-$grid.yaml"; done
