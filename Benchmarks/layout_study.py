"""Issue 15 item 3: does libtorch 1.13 (the same library FairPrune calls) run FairPrune's models
faster in channels-last memory format, or with each BatchNorm folded into its convolution at
evaluation? Measured in PyTorch on the same kernels, alternating the variants in each round.

    /usr/bin/python3 Benchmarks/layout_study.py [--threads 2] [--rounds 5]

Prints, per model, the median images/s of each variant over the rounds and its ratio to the
plain (contiguous, unfused) model; "train" rows time a full SGD step (forward, backward, update)."""
import argparse, copy, os, statistics, sys, time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import fairprune_models as fm  # noqa: E402


def fuse(model):
    """A copy of `model` in eval mode with every Conv2d+BatchNorm2d pair folded into one conv."""
    model = copy.deepcopy(model).eval()

    def walk(module):
        names = list(module._modules.keys())
        for a, b in zip(names, names[1:]):
            conv, bn = module._modules[a], module._modules[b]
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                module._modules[a] = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn)
                module._modules[b] = nn.Identity()
        for child in module._modules.values():
            if child is not None:
                walk(child)
    walk(model)
    return model


def eval_rate(model, x, steps):
    with torch.no_grad():
        model(x)
        start = time.perf_counter()
        for _ in range(steps):
            model(x)
    return steps * x.shape[0] / (time.perf_counter() - start)


def train_rate(model, x, y, steps):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * x.shape[0] / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cases = [("cifar-resnet56", 32, 100), ("resnet18", 64, 7), ("mobilenet-v2", 64, 7)]
    print("| model | input | measure | variant | images/s (median) | spread | vs plain |")
    print("|---|---|---|---|---|---|---|")
    for arch, size, classes in cases:
        model = fm.build(arch, classes, [3, size, size]).eval()
        x = torch.randn(256, 3, size, size)
        variants = {"plain": (model, x), "channels-last": (copy.deepcopy(model).to(memory_format=torch.channels_last),
                                                           x.contiguous(memory_format=torch.channels_last)),
                    "fused conv+BN": (fuse(model), x)}
        fl = fuse(model).to(memory_format=torch.channels_last)
        variants["fused + channels-last"] = (fl, x.contiguous(memory_format=torch.channels_last))
        rates = {k: [] for k in variants}
        for _ in range(a.rounds):
            for k, (m, inp) in variants.items():
                rates[k].append(eval_rate(m, inp, 3))
        base = statistics.median(rates["plain"])
        for k, r in rates.items():
            print("| %s | %d | eval b256 | %s | %.1f | %.1f-%.1f | %.2fx |" % (arch, size, k, statistics.median(r), min(r), max(r), statistics.median(r) / base))
        # Training step: plain vs channels-last (fusion does not apply to training).
        xt, yt = torch.randn(128, 3, size, size), torch.randint(0, classes, (128,))
        train = {"plain": (fm.build(arch, classes, [3, size, size]).train(), xt),
                 "channels-last": (fm.build(arch, classes, [3, size, size]).train().to(memory_format=torch.channels_last),
                                   xt.contiguous(memory_format=torch.channels_last))}
        trates = {k: [] for k in train}
        for _ in range(a.rounds):
            for k, (m, inp) in train.items():
                trates[k].append(train_rate(m, inp, yt, 2))
        base = statistics.median(trates["plain"])
        for k, r in trates.items():
            print("| %s | %d | train b128 | %s | %.1f | %.1f-%.1f | %.2fx |" % (arch, size, k, statistics.median(r), min(r), max(r), statistics.median(r) / base))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
