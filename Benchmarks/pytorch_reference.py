"""PyTorch side of fairprune-bench: the same CifarResNet-56 training step, eval pass and
elementwise-op chain, timed the same way. Prints one JSON object.
Usage: /usr/bin/python3 Benchmarks/pytorch_reference.py THREADS TRAIN_STEPS EVAL_STEPS"""
import json, sys, time, os
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "NNTests", "Fixtures"))
from make_fixtures import CifarResNet  # noqa: E402  (chenyaofo's architecture, shared with the test fixtures)


def main():
    threads, train_steps, eval_steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = CifarResNet(56, 100)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    xe = torch.randn(256, 3, 32, 32)
    x = torch.randn(128, 3, 32, 32)
    y = torch.randint(0, 100, (128,))

    # Eval first, as in a fresh process that evaluates a loaded checkpoint.
    model.eval()
    with torch.no_grad():
        for _ in range(2):
            model(xe)
        t0 = time.perf_counter()
        for _ in range(eval_steps):
            model(xe)
        eval_s = time.perf_counter() - t0

    model.train()
    for _ in range(3):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    t0 = time.perf_counter()
    for _ in range(train_steps):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    train_s = time.perf_counter() - t0

    a, b = torch.rand(16), torch.rand(16)
    best = float("inf")
    for _ in range(20):
        t0 = time.perf_counter()
        z = a
        for _ in range(500):
            z = z * b
            z = z + b
        best = min(best, time.perf_counter() - t0)

    print(json.dumps({
        "train_images_per_s": 128 * train_steps / train_s,
        "eval_images_per_s": 256 * eval_steps / eval_s,
        "op_chain_1000_us": best * 1e6,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
