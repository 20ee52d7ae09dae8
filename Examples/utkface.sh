#!/usr/bin/env bash
# NFT and CEAG on the real UTKFace (race target, race groups, MobileNetV2), reduced to fit a
# 2-core CPU: 32x32 images, dense model trained from scratch (no ImageNet weights offline) with
# Adam for 10 epochs, then 7 epochs of GMP (to epoch 2) + fine-tuning at 90% sparsity.
# See docs/RESULTS.md.
# CEAG runs twice: with the default overall estimate (weighted by group size) and with the
# reference code's (--reference-buffer-overall).
# Usage: Examples/utkface.sh [UTKFACE_DIR] [OUT_DIR]
set -euo pipefail
DATA=${1:-../shared/data/UTKFace}
OUT=${2:-runs/utkface}
mkdir -p "$OUT"
# FAIRPRUNE names a built binary to use instead of building one here.
if [ -z "${FAIRPRUNE:-}" ]; then swift build -c release --product fairprune; fi
BIN=${FAIRPRUNE:-.build/release/fairprune}
COMMON=(--dataset utkface --data-root "$DATA" --target race --protected race --image-size 32 --cache-dir "$OUT/cache")
[ -f "$OUT/dense.safetensors" ] || "$BIN" train "${COMMON[@]}" --model mobilenet-v2 --epochs 10 --optimizer adam \
  --learning-rate 1e-3 --weight-decay 1e-4 --horizontal-flip --output "$OUT/dense.safetensors"
PRUNE=(prune "${COMMON[@]}" --model mobilenet-v2 --dense "$OUT/dense.safetensors" --sparsity 0.9 --epochs 7
  --last-pruning-epoch 2 --learning-rate 0.01 --tolerance 0.01 --buffer-size 40 --dual-lr 0.01 --weight-decay 1e-4
  --horizontal-flip)
"$BIN" "${PRUNE[@]}" --method nft --output "$OUT/nft"
"$BIN" "${PRUNE[@]}" --method ceag --output "$OUT/ceag"
# CEAG with the reference code's overall estimate (unweighted mean of the buffers), for comparison.
"$BIN" "${PRUNE[@]}" --method ceag --reference-buffer-overall --output "$OUT/ceag-reference"
"$BIN" report "$OUT/nft" "$OUT/ceag" "$OUT/ceag-reference" --plots "$OUT/plots" > "$OUT/report.md"
