"""Generates the PyTorch checkpoint fixtures for CheckpointIOTests.

Run once with torch 1.13 (Debian's python3-torch) from this folder:

    /usr/bin/python3 make_fixtures.py

It writes small torch.save files and, for each, a JSON file of the expected
tensors: name -> {"dtype", "shape", "base64"} where base64 holds the tensor's
contiguous little-endian bytes, so the Swift test compares bit for bit with no
float formatting in between. The tests never need Python; the outputs are
committed next to this script.
"""
import base64
import json
import os
from collections import OrderedDict

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def expected(state):
    out = OrderedDict()
    for name, t in state.items():
        c = t.detach().contiguous().reshape(-1)
        raw = bytes(c.view(torch.uint8).numpy()) if c.numel() else b""
        out[name] = {
            "dtype": str(t.dtype).replace("torch.", ""),
            "shape": list(t.shape),
            "base64": base64.b64encode(raw).decode("ascii"),
        }
    return out


def save(name, obj, state=None):
    torch.save(obj, os.path.join(HERE, name + ".pt"))
    if state is not None:
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump(expected(state), f, indent=1)
            f.write("\n")


def main():
    torch.manual_seed(0)

    # A small CNN: conv weights/bias, BatchNorm running stats and the int64
    # num_batches_tracked buffer, a linear layer. One training-mode forward pass
    # moves the running stats away from their initial 0/1 values.
    model = nn.Sequential(
        nn.Conv2d(3, 4, kernel_size=3),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 2 * 2, 5),
    )
    model.train()
    model(torch.randn(2, 3, 4, 4))
    state = model.state_dict()
    save("sequential", state, state)

    # Views that share one storage (saved once, rebuilt with offset and
    # strides), every dtype the loader maps, a 0-d and an empty tensor. A plain
    # dict rather than an OrderedDict.
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    views = {
        "base": base,
        "transposed": base.t(),
        "slice": base[1:, ::2],
        "row": base[2],
        "float64": torch.tensor([1.5, -2.25, 1e300], dtype=torch.float64),
        "float16": torch.tensor([0.5, -1.0, 65504.0], dtype=torch.float16),
        "bfloat16": torch.tensor([[1.0, -3.5]], dtype=torch.bfloat16),
        "int64": torch.tensor([-(2 ** 62), 7], dtype=torch.int64),
        "int32": torch.tensor([-5, 2 ** 31 - 1], dtype=torch.int32),
        "int16": torch.tensor([-300, 300], dtype=torch.int16),
        "int8": torch.tensor([-128, 127], dtype=torch.int8),
        "uint8": torch.tensor([0, 255, 9], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.25),
        "empty": torch.zeros(0, 3),
    }
    save("views", views, views)

    # A whole pickled module (not a state dict): the loader must refuse it.
    save("module", model)


if __name__ == "__main__":
    main()
