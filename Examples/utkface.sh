#!/usr/bin/env bash
# NFT and CEAG on the real UTKFace (race target, race groups, MobileNetV2), reduced to fit a
# 2-core CPU: 32x32 images, dense model trained from scratch (no ImageNet weights offline) with
# Adam for 10 epochs, then 7 epochs of GMP (to epoch 2) + fine-tuning at 90% sparsity.
# See docs/RESULTS.md.
# Usage: Examples/utkface.sh [UTKFACE_DIR] [OUT_DIR]
set -euo pipefail
DATA=${1:-../shared/data/UTKFace}
OUT=${2:-runs/utkface}
mkdir -p "$OUT"
swift build -c release --product fairprune
BIN=.build/release/fairprune
COMMON=(--dataset utkface --data-root "$DATA" --target race --protected race --image-size 32 --cache-dir "$OUT/cache")
[ -f "$OUT/dense.safetensors" ] || "$BIN" train "${COMMON[@]}" --model mobilenet-v2 --epochs 10 --optimizer adam \
  --learning-rate 1e-3 --weight-decay 1e-4 --horizontal-flip --output "$OUT/dense.safetensors"
for METHOD in nft ceag; do
  "$BIN" prune "${COMMON[@]}" --model mobilenet-v2 --dense "$OUT/dense.safetensors" --method "$METHOD" \
    --sparsity 0.9 --epochs 7 --last-pruning-epoch 2 --learning-rate 0.01 --tolerance 0.01 --buffer-size 40 \
    --dual-lr 0.01 --weight-decay 1e-4 --horizontal-flip --output "$OUT/$METHOD"
done
"$BIN" report "$OUT/nft" "$OUT/ceag" --plots "$OUT/plots" > "$OUT/report.md"
