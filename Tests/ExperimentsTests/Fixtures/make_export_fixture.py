"""PyTorch's side of FairPrune's export format: loads exported_cifar_resnet8.safetensors (written by
`fairprune export` from a pruned run), builds the architecture its metadata names, calls
load_state_dict(strict=True) and writes the eval-mode logits of a fixed input to export_pytorch.json.
ExportTests checks that FairPrune's export still has this layout and gives these logits.

Run from this folder with Debian's python3-torch: python3 make_export_fixture.py"""
import json, os, sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "NNTests", "Fixtures"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python"))
from fairprune_models import read_safetensors  # noqa: E402
from make_fixtures import MLP, CifarResNet, splitmix64_uniform  # noqa: E402

def main():
    tensors, meta = read_safetensors(os.path.join(HERE, "exported_cifar_resnet8.safetensors"))
    assert meta["architecture"] == "cifar-resnet8", meta
    model = CifarResNet(8, int(meta["num_classes"]))
    result = model.load_state_dict(tensors, strict=True)  # raises on any missing or unexpected key
    model.eval()
    shape = [4] + [int(v) for v in meta["input_shape"].split(",")]
    x = (2 * splitmix64_uniform(1 << 20, int(np.prod(shape))) - 1).reshape(shape).astype(np.float32)
    with torch.no_grad():
        logits = model(torch.from_numpy(x))
    out = {"torch_version": torch.__version__, "strict_load": str(result), "metadata": meta,
           "input_shape": shape, "logits": [float(v) for v in logits.flatten()]}
    with open(os.path.join(HERE, "export_pytorch.json"), "w") as f:
        json.dump(out, f, indent=1)
    print("wrote export_pytorch.json:", result)
    # A training script's checkpoint: the state dict of a DataParallel model under 'state_dict'.
    torch.manual_seed(0)
    mlp = MLP(12, [4], 3)
    wrapped = {"epoch": 3, "best_acc": 0.5, "state_dict": {"module." + k: v for k, v in mlp.state_dict().items()}}
    torch.save(wrapped, os.path.join(HERE, "wrapped_dataparallel_mlp.pt"))


if __name__ == "__main__":
    main()
