"""Seed corpora for Fuzz/run.sh: one small valid input (and a few variants) per parser, written with
Debian's python3-torch and python3-torchvision. Run from the repository root:
/usr/bin/python3 Fuzz/make_corpus.py"""
import io, json, os, pickle, struct

import numpy as np
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    with open(os.path.join(HERE, "corpus", target, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, array) in tensors.items():
        raw = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


put("safetensors", "two.safetensors", safetensors(
    {"w": ("F32", np.arange(4, dtype=np.float32).reshape(2, 2)), "n": ("I64", np.array([3], dtype=np.int64))},
    {"format": "fairprune-model", "architecture": "mlp"}))
put("safetensors", "empty.safetensors", safetensors({}))
put("safetensors", "bool.safetensors", safetensors({"m": ("BOOL", np.array([True, False, True]))}))

def saved(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()

torch.manual_seed(0)
linear = torch.nn.Linear(3, 2)
put("checkpoint", "linear.pt", saved(linear.state_dict()))
put("checkpoint", "wrapped.pt", saved({"epoch": 1, "state_dict": {"module." + k: v for k, v in linear.state_dict().items()}}))
put("checkpoint", "half.pt", saved({"h": torch.ones(2, 2, dtype=torch.float16), "i": torch.arange(3)}))

split = {"data": np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072), "fine_labels": [3, 99], "coarse_labels": [0, 19]}
put("cifar-pickle", "train.pkl", pickle.dumps(split, protocol=2))
put("cifar-pickle", "train3.pkl", pickle.dumps(split, protocol=3))

put("csv", "simple.csv", b"y,race,x\n0,a,1.5\n1,b,2\n")
put("csv", "quoted.csv", b'path,label\n"a,b.png",1\r\n"say ""hi""",0\n')
put("csv", "bom.csv", b"\xef\xbb\xbfa;b\n1;2\n\n")

put("config-json", "run.json", json.dumps({"method": "ceag", "sparsity": 0.9, "milestones": [0.5, 0.75],
                                           "group_attributes": ["race"], "epoch_selection": "last"}).encode())
put("config-json", "empty.json", b"{}")
put("config-yaml", "run.yaml", b"method: ceag\nsparsity: 0.95\nmilestones: [0.6, 0.8]\ndual_optimizer: nupi\n")
put("config-yaml", "anchors.yaml", b"base: &b 0.1\nlearning_rate: *b\nstructured: true\n")

image = (torch.arange(3 * 8 * 8) % 251).to(torch.uint8).reshape(3, 8, 8)
put("image", "small.png", bytes(torchvision.io.encode_png(image).numpy()))
put("image", "small.jpg", bytes(torchvision.io.encode_jpeg(image, quality=90).numpy()))
put("image", "gray.png", bytes(torchvision.io.encode_png(image[:1]).numpy()))
print("wrote", sum(len(files) for _, _, files in os.walk(os.path.join(HERE, "corpus"))), "seeds")
