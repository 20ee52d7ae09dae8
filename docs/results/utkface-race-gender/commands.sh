set -e
BIN=.build/release/fairprune
COMMON=(--dataset utkface --data-root ../shared/data/UTKFace --target race --protected race --protected gender --image-size 32 --cache-dir runs/utkface/cache)
PRUNE=(prune "${COMMON[@]}" --model mobilenet-v2 --dense runs/utkface/dense.safetensors --sparsity 0.9 --epochs 7
  --last-pruning-epoch 2 --learning-rate 0.01 --tolerance 0.01 --buffer-size 40 --dual-lr 0.01 --weight-decay 1e-4 --horizontal-flip)
$BIN "${PRUNE[@]}" --method nft --output runs/utkface-race-gender/nft
$BIN "${PRUNE[@]}" --method ceag --output runs/utkface-race-gender/ceag
$BIN report runs/utkface-race-gender/nft runs/utkface-race-gender/ceag > runs/utkface-race-gender/report.md
