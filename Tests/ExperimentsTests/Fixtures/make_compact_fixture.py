"""PyTorch's side of compacted exports: loads compacted_cifar_resnet8.safetensors (written by
`fairprune export --compact` from a CifarResNet-8 run pruned to 50% structured sparsity) with
python/fairprune_models.py, which builds the architecture at the widths in the file's metadata,
and writes the eval-mode logits of a fixed input to compact_pytorch.json. ExportTests checks that
FairPrune reads the same model and gives these logits.

Run from this folder with Debian's python3-torch: python3 make_compact_fixture.py"""
import json, os, sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "NNTests", "Fixtures"))
import fairprune_models  # noqa: E402
from make_fixtures import splitmix64_uniform  # noqa: E402


def main():
    path = os.path.join(HERE, "compacted_cifar_resnet8.safetensors")
    model = fairprune_models.load(path)  # strict load_state_dict; raises on any mismatch
    _, meta = fairprune_models.read_safetensors(path)
    shape = [4] + [int(v) for v in meta["input_shape"].split(",")]
    x = (2 * splitmix64_uniform(1 << 20, int(np.prod(shape))) - 1).reshape(shape).astype(np.float32)
    with torch.no_grad():
        logits = model(torch.from_numpy(x))
    out = {"torch_version": torch.__version__, "parameters": sum(p.numel() for p in model.parameters()),
           "widths": json.loads(meta["widths"]), "input_shape": shape, "logits": [float(v) for v in logits.flatten()]}
    with open(os.path.join(HERE, "compact_pytorch.json"), "w") as f:
        json.dump(out, f, indent=1)
    print("wrote compact_pytorch.json:", out["parameters"], "parameters")


if __name__ == "__main__":
    main()
