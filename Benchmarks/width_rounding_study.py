"""Does rounding a compacted MobileNetV2's channel counts to a multiple of the CPU's vector width
pay off? (issue 15). Builds MobileNetV2 (python/fairprune_models.py) at full width, at half of
every prunable channel space (stem and classifier dense, as CoupledChannelPruner's default scope), and at
half rounded up to multiples of 8 and 16 channels; times evaluation at batch 256 in channels-last
(FairPrune's layout for this model), alternating the variants in every round, and prints MACs,
images/s, speed-up and speed-up / MAC reduction (medians over rounds, min-max).

    /usr/bin/python3 Benchmarks/width_rounding_study.py [--rounds 5] [--image-size 64] [--threads 2]
"""
import argparse
import math
import os
import statistics
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import fairprune_models  # noqa: E402


def half_widths(multiple):
    """Output widths by layer name: half of every prunable channel space, rounded up to `multiple`."""
    def shrink(w):
        return max(multiple, math.ceil(w / 2 / multiple) * multiple)
    widths, layer, nominal_in = {}, 1, 32
    for t, c, n, s in fairprune_models.MobileNetV2.SETTINGS:
        for i in range(n):
            name = "features.%d" % layer
            if t != 1:
                widths[name + ".conv.0.0"] = shrink(nominal_in * t)
            widths["%s.conv.%d" % (name, 2 if t != 1 else 1)] = shrink(c)
            nominal_in, layer = c, layer + 1
    widths["features.%d.0" % layer] = shrink(1280)  # the last 1x1 convolution; the classifier stays dense
    return widths


def macs(model, size):
    total = 0

    def hook(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            total += output.numel() * module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        elif isinstance(module, nn.Linear):
            total += output.numel() * module.in_features
    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in handles:
        h.remove()
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    variants = {"dense": None, "half": half_widths(1), "half, multiples of 8": half_widths(8),
                "half, multiples of 16": half_widths(16)}
    models = {}
    for name, widths in variants.items():
        model = fairprune_models.MobileNetV2(5, widths).eval()
        models[name] = (model.to(memory_format=torch.channels_last), macs(model, args.image_size))
    x = torch.randn(256, 3, args.image_size, args.image_size).contiguous(memory_format=torch.channels_last)
    rates = {name: [] for name in models}
    with torch.no_grad():
        for model, _ in models.values():
            model(x)  # warm-up
        for _ in range(args.rounds):
            for name, (model, _) in models.items():
                start = time.perf_counter()
                for _ in range(args.batches):
                    model(x)
                rates[name].append(args.batches * 256 / (time.perf_counter() - start))
    dense_macs = models["dense"][1]
    print("| variant | MMACs | MAC reduction | img/s | speed-up | speed-up / MAC reduction |")
    print("|---|---|---|---|---|---|")
    for name, (_, m) in models.items():
        ratios = [r / d for r, d in zip(rates[name], rates["dense"])]
        speed = statistics.median(ratios)
        print("| %s | %.1f | %.2fx | %.0f | %.2fx (%.2f-%.2f) | %.2f |" % (
            name, m / 1e6, dense_macs / m, statistics.median(rates[name]), speed, min(ratios), max(ratios),
            speed / (dense_macs / m)))


if __name__ == "__main__":
    main()
