#!/usr/bin/env bash
# Does a sparse model with richer features make CEAG's constraint cheaper? (issue 11; docs/RESULTS.md,
# "The constraint's price"). The dense recipe of Examples/utkface-sweep.sh at 48x48 instead of
# 32x32 (2.25x the work per image), then NFT and CEAG on the 14-epoch schedule of
# Examples/utkface-horizon/gmp4-of-14-bn-all.yaml, then the constraint's price of both models.
# About 35 minutes for the dense model and 30 per run on 2 cores.
# Usage (from the repository root, UTKFace in ../shared/data/UTKFace): Examples/utkface-48/run.sh
set -euo pipefail
if [ -z "${FAIRPRUNE:-}" ]; then swift build -c release --product fairprune; fi
BIN=${FAIRPRUNE:-.build/release/fairprune}
OUT=runs/utkface-48
DATA=(--dataset utkface --data-root ../shared/data/UTKFace --target race --protected race --image-size 48 --cache-dir "$OUT/cache")
mkdir -p "$OUT"
[ -f "$OUT/dense.safetensors" ] || "$BIN" train "${DATA[@]}" --model mobilenet-v2 --epochs 40 --optimizer adam \
  --learning-rate 1e-3 --weight-decay 1e-4 --horizontal-flip --output "$OUT/dense.safetensors"
"$BIN" sweep Examples/utkface-48/sweep.yaml
for m in nft ceag; do
  "$BIN" diagnose "${DATA[@]}" --dense "$OUT/dense.safetensors" \
    --sparse "$OUT/sweep/$m/sparsity-0.9/tolerance-0.01/seed-0/model.safetensors" --samples-per-group 8 \
    --per-sample-gradients 1 --power-iterations 1 --hutchinson-probes 1 --output "$OUT/price/$m"
done
