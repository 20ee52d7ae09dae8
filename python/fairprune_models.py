"""FairPrune's architectures in PyTorch, at any layer widths, so that a model file written by
FairPrune (`fairprune export`, compacted or not) loads with `load_state_dict(strict=True)`.

    import fairprune_models
    model = fairprune_models.load("model.safetensors")   # eval mode, ready for inference

The layer names, order and computations are those of FairPrune's Swift models (torchvision's
ResNet-18/34 and MobileNetV2, chenyaofo's CIFAR ResNets, an MLP of Linear/ReLU pairs). A
compacted model has smaller widths: the output channels of every Conv2d/Linear are read from
the file's metadata ("widths") or, for files without it, from the weights' shapes.
Needs only torch and numpy."""
import json
import struct

import numpy as np
import torch
from torch import nn

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32,
           "U8": np.uint8, "BOOL": np.bool_}


def read_safetensors(path):
    """(tensors by name, metadata dict) of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        array = np.frombuffer(blob[8 + n + start:8 + n + end], dtype=_DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, metadata


def widths_of(tensors):
    """Output widths of every Conv2d/Linear weight in a state dict."""
    return {k[:-len(".weight")]: v.shape[0] for k, v in tensors.items() if k.endswith(".weight") and v.dim() in (2, 4)}


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride, downsample, widths, name):
        super().__init__()
        mid = widths.get(name + ".conv1", planes)
        out = widths.get(name + ".conv2", planes)
        self.conv1 = nn.Conv2d(in_planes, mid, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.downsample = (nn.Sequential(nn.Conv2d(in_planes, out, 1, stride, bias=False), nn.BatchNorm2d(out))
                           if downsample else None)
        self.out_planes = out

    def forward(self, x):
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        identity = self.downsample(x) if self.downsample is not None else x
        return torch.relu(out + identity)


def _stages(model, stem_nominal, stem_actual, planes, blocks, strides, widths):
    nominal_in, actual_in = stem_nominal, stem_actual
    for s, (p, count, stride) in enumerate(zip(planes, blocks, strides)):
        layers = []
        for i in range(count):
            first = stride if i == 0 else 1
            block = BasicBlock(actual_in, p, first, first != 1 or nominal_in != p, widths, "layer%d.%d" % (s + 1, i))
            layers.append(block)
            nominal_in, actual_in = p, block.out_planes
        setattr(model, "layer%d" % (s + 1), nn.Sequential(*layers))
    return actual_in


class CifarResNet(nn.Module):
    def __init__(self, depth, num_classes, widths=None):
        super().__init__()
        widths = widths or {}
        n = (depth - 2) // 6
        stem = widths.get("conv1", 16)
        self.conv1 = nn.Conv2d(3, stem, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        out = _stages(self, 16, stem, [16, 32, 64], [n, n, n], [1, 2, 2], widths)
        self.fc = nn.Linear(out, num_classes)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.layer3(self.layer2(self.layer1(y)))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1))


class ResNet(nn.Module):
    def __init__(self, blocks, num_classes, widths=None):
        super().__init__()
        widths = widths or {}
        stem = widths.get("conv1", 64)
        self.conv1 = nn.Conv2d(3, stem, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        out = _stages(self, 64, stem, [64, 128, 256, 512], blocks, [1, 2, 2, 2], widths)
        self.fc = nn.Linear(out, num_classes)

    def forward(self, x):
        y = nn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        y = self.layer4(self.layer3(self.layer2(self.layer1(y))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1))


def _conv_bn_relu6(inp, out, kernel, stride, groups=1):
    return nn.Sequential(nn.Conv2d(inp, out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(out), nn.ReLU6())


class InvertedResidual(nn.Module):
    def __init__(self, inp, nominal_out, stride, t, residual, widths, name):
        super().__init__()
        layers, hidden = [], inp
        if t != 1:
            hidden = widths.get(name + ".conv.0.0", inp * t)
            layers.append(_conv_bn_relu6(inp, hidden, 1, 1))
        layers.append(_conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden))
        out = widths.get("%s.conv.%d" % (name, len(layers)), nominal_out)
        layers += [nn.Conv2d(hidden, out, 1, bias=False), nn.BatchNorm2d(out)]
        self.conv = nn.Sequential(*layers)
        self.use_residual = residual
        self.out_planes = out

    def forward(self, x):
        return x + self.conv(x) if self.use_residual else self.conv(x)


class MobileNetV2(nn.Module):
    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, num_classes, widths=None, dropout=0.2):
        super().__init__()
        widths = widths or {}
        stem = widths.get("features.0.0", 32)
        layers = [_conv_bn_relu6(3, stem, 3, 2)]
        nominal_in, actual_in = 32, stem
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                stride = s if i == 0 else 1
                block = InvertedResidual(actual_in, c, stride, t, stride == 1 and nominal_in == c, widths,
                                         "features.%d" % len(layers))
                layers.append(block)
                nominal_in, actual_in = c, block.out_planes
        last = widths.get("features.%d.0" % len(layers), 1280)
        layers.append(_conv_bn_relu6(actual_in, last, 1, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(last, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


class MLP(nn.Module):
    def __init__(self, input_size, hidden_sizes, num_classes):
        super().__init__()
        layers, width = [], input_size
        for h in hidden_sizes:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(torch.flatten(x, 1))


def build(architecture, num_classes, input_shape, widths=None):
    """The architecture FairPrune calls `architecture`, with the given output widths by layer name."""
    widths = widths or {}
    if architecture.startswith("cifar-resnet"):
        return CifarResNet(int(architecture[len("cifar-resnet"):]), num_classes, widths)
    if architecture in ("resnet18", "resnet34"):
        return ResNet([2, 2, 2, 2] if architecture == "resnet18" else [3, 4, 6, 3], num_classes, widths)
    if architecture == "mobilenet-v2":
        return MobileNetV2(num_classes, widths)
    if architecture == "mlp":  # widths must list every Linear, the head included (as widths_of gives them)
        outputs, i = [], 0
        while "layers.%d" % (2 * i) in widths:
            outputs.append(widths["layers.%d" % (2 * i)])
            i += 1
        return MLP(int(np.prod(input_shape)), outputs[:-1], num_classes)
    raise ValueError("unknown architecture %r" % architecture)


def load(path):
    """The model in a FairPrune model file, weights loaded strictly, in eval mode."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") != "fairprune-model":
        raise ValueError("%s is not a FairPrune model file (no fairprune-model metadata)" % path)
    widths = widths_of(tensors)
    saved = json.loads(meta.get("widths", "{}"))
    wrong = [k for k, v in saved.items() if widths.get(k) != v]
    if wrong:
        raise ValueError("%s: metadata widths disagree with the weights at %s" % (path, ", ".join(sorted(wrong))))
    shape = [int(v) for v in meta["input_shape"].split(",")]
    model = build(meta["architecture"], int(meta["num_classes"]), shape, widths)
    model.load_state_dict(tensors, strict=True)
    return model.eval()
