"""Makes nn_reference.json: PyTorch 1.13 parameter counts, state-dict keys and golden outputs
of whole models on deterministic weights. Run once with Debian's python3-torch and torchvision:
    /usr/bin/python3 Tests/NNTests/Fixtures/make_fixtures.py
The Swift tests fill the same weights with the same formula (see ModelFixtures.swift). Goldens are
float64 with integer-hash weights and inputs, so they check the architecture and the math, not one
CPU's kernels: regenerating on any x86-64 machine changes them only in the last few bits."""
import json, os
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

torch.set_num_threads(1)


# chenyaofo/pytorch-cifar-models CIFAR ResNet, the architecture of cifar100_resnet56.
class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class CifarResNet(nn.Module):
    def __init__(self, depth, num_classes):
        super().__init__()
        n = (depth - 2) // 6
        self.inplanes = 16
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(16, n, 1)
        self.layer2 = self._make_layer(32, n, 2)
        self.layer3 = self._make_layer(64, n, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)

    def _make_layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class MLP(nn.Module):
    def __init__(self, inp, hidden, out):
        super().__init__()
        mods, w = [], inp
        for h in hidden:
            mods += [nn.Linear(w, h), nn.ReLU()]
            w = h
        mods.append(nn.Linear(w, out))
        self.layers = nn.Sequential(*mods)

    def forward(self, x):
        return self.layers(torch.flatten(x, 1))


MASK64 = (1 << 64) - 1


def splitmix64_uniform(stream, n):
    """n uniforms in [0, 1) from SplitMix64's finaliser applied to (stream << 32) + j + 1, j < n.
    Integer arithmetic only, so every CPU and the Swift side (TestSupport's SplitMix64.mix) get the
    same bits."""
    with np.errstate(over="ignore"):
        z = np.arange(n, dtype=np.uint64) + np.uint64(((stream << 32) + 1) & MASK64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def deterministic_values(name, index, shape):
    """Entry `index` of the state dict: He-uniform weights (bound sqrt(6 / fan_in)) for tensors of
    rank >= 2, 1 + 0.2 (u - 0.5) for BatchNorm scales and running variances, 0.2 (u - 0.5) for
    biases and running means. Activations stay of order 1 and BatchNorm sees a well-spread batch."""
    n = int(np.prod(shape)) if len(shape) else 1
    u = splitmix64_uniform(index, n)
    if len(shape) >= 2:
        bound = (6.0 / (n // shape[0])) ** 0.5
        v = (2 * u - 1) * bound
    elif name.endswith("running_var") or name.endswith(".weight"):
        v = 1 + 0.2 * (u - 0.5)
    else:
        v = 0.2 * (u - 0.5)
    return torch.from_numpy(v.reshape(shape))


def fill_deterministic(model):
    """float64 model, every state-dict entry from deterministic_values; num_batches_tracked 0."""
    model.double()
    with torch.no_grad():
        for i, (name, t) in enumerate(model.state_dict().items()):
            if t.dtype == torch.int64:
                t.zero_()
            else:
                t.copy_(deterministic_values(name, i, tuple(t.shape)))


INPUT_STREAM = 1 << 20


def deterministic_input(shape):
    """Uniform in [-1, 1), float64."""
    return torch.from_numpy((2 * splitmix64_uniform(INPUT_STREAM, int(np.prod(shape))) - 1).reshape(shape))


def r(t):
    return [float(v) for v in t.tolist()]


def golden(model, input_shape, targets, grad_names, bn_name):
    fill_deterministic(model)
    x = deterministic_input(input_shape)
    y = torch.tensor(targets)
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    model.train()
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    return {
        "dtype": "float64",
        "input_shape": list(input_shape),
        "targets": targets,
        "eval_logits": r(eval_logits.flatten()),
        "train_logits": r(logits.detach().flatten()),
        "loss": loss.item(),
        # first 64 entries plus sum and absolute sum keep the file small but cover every element
        "grads": {n: {"head": r(params[n].grad.flatten()[:64]), "sum": params[n].grad.sum().item(),
                      "abs_sum": params[n].grad.abs().sum().item()} for n in grad_names},
        "running_mean_name": bn_name + ".running_mean",
        "running_mean": r(buffers[bn_name + ".running_mean"].flatten()),
        "running_var": r(buffers[bn_name + ".running_var"].flatten()),
    }


def main():
    models = {
        "mlp_784_256_128_10": MLP(784, [256, 128], 10),
        "cifar_resnet20": CifarResNet(20, 100),
        "cifar_resnet32": CifarResNet(32, 100),
        "cifar_resnet44": CifarResNet(44, 100),
        "cifar_resnet56": CifarResNet(56, 100),
        "cifar_resnet110": CifarResNet(110, 100),
        "resnet18": torchvision.models.resnet18(num_classes=1000),
        "resnet34": torchvision.models.resnet34(num_classes=1000),
        "mobilenet_v2": torchvision.models.mobilenet_v2(num_classes=1000),
    }
    out = {"torch_version": torch.__version__, "param_counts": {}, "state_dict_keys": {}}
    for name, m in models.items():
        out["param_counts"][name] = sum(p.numel() for p in m.parameters())
        out["state_dict_keys"][name] = list(m.state_dict().keys())
    out["golden"] = {
        # float64 on both sides and 8 samples per batch: train-mode BatchNorm normalises over at
        # least 32 values per channel, so no kernel's rounding is amplified into the result.
        "cifar_resnet20_c10": golden(CifarResNet(20, 10), (8, 3, 32, 32), [1, 3, 0, 9, 4, 4, 7, 2],
                                     ["conv1.weight", "layer2.0.conv1.weight", "fc.weight", "fc.bias"], "bn1"),
        "mobilenet_v2_c5": golden(torchvision.models.mobilenet_v2(num_classes=5, dropout=0.0), (8, 3, 64, 64), [4, 0, 1, 2, 3, 3, 0, 1],
                                  ["features.0.0.weight", "features.2.conv.1.0.weight", "classifier.1.weight"],
                                  "features.0.1"),
        "resnet18_c7": golden(torchvision.models.resnet18(num_classes=7), (8, 3, 64, 64), [2, 5, 6, 0, 1, 3, 4, 2],
                              ["conv1.weight", "fc.bias"], "bn1"),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn_reference.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
