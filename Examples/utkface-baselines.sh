#!/usr/bin/env bash
# NFT, EL+RB, CEAG, FairGRAPE and BiFP on the real UTKFace (race target, race groups), reduced to
# run in about 15 minutes on 2 CPU cores: 24x24 images, a CifarResNet-8 trained from scratch for
# 10 epochs (Adam), then 6 epochs of GMP (to epoch 2) + fine-tuning at 90% sparsity, one seed.
# See docs/RESULTS.md. Usage: Examples/utkface-baselines.sh [UTKFACE_DIR] [OUT_DIR]
set -euo pipefail
DATA=${1:-../shared/data/UTKFace}
OUT=${2:-runs/utkface-baselines}
mkdir -p "$OUT"
if [ -z "${FAIRPRUNE:-}" ]; then swift build -c release --product fairprune; fi
BIN=${FAIRPRUNE:-.build/release/fairprune}
COMMON=(--dataset utkface --data-root "$DATA" --target race --protected race --image-size 24 --cache-dir "$OUT/cache")
[ -f "$OUT/dense.safetensors" ] || "$BIN" train "${COMMON[@]}" --model cifar-resnet8 --epochs 10 --optimizer adam \
  --learning-rate 2e-3 --weight-decay 1e-4 --output "$OUT/dense.safetensors"
PRUNE=(prune "${COMMON[@]}" --dense "$OUT/dense.safetensors" --sparsity 0.9 --epochs 6 --last-pruning-epoch 2
  --learning-rate 0.01 --tolerance 0.01 --buffer-size 40 --dual-lr 0.01 --weight-decay 1e-4 --fairgrape-scoring-batches 50)
for m in nft el-rb ceag fairgrape bifp; do "$BIN" "${PRUNE[@]}" --method "$m" --output "$OUT/$m"; done
"$BIN" report "$OUT/nft" "$OUT/el-rb" "$OUT/ceag" "$OUT/fairgrape" "$OUT/bifp" > "$OUT/report.md"
"$BIN" diagnose "${COMMON[@]}" --dense "$OUT/dense.safetensors" --sparse "$OUT/nft/model.safetensors" \
  --samples-per-group 128 --output "$OUT/diagnose-nft" > /dev/null
