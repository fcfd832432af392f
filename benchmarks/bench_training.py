"""Training-step time, Ember against PyTorch, on the workloads of shared/BENCHMARKS.md.

    W1  blitz CNN (conv 3→6 k5, pool, conv 6→16 k5, pool, fc 400-120-84-10), batch 4, SGD momentum
    W2  the same at batch 128
    W3  MLP 784-128-10, batch 64, Adam
    W4  VGG-style CNN + BatchNorm (3→64→128, pool, 256, pool, 512, adaptive avg pool, fc 10),
        batch 128, SGD nesterov + weight decay
    W7  W4's inference (eval, no_grad), batch 256

The same model code runs on both libraries (``lib`` is ``torch`` or ``ember``), measured in
separate blocks (all PyTorch repetitions, then all Ember ones), median over rounds.
One step = zero_grad, forward, loss, backward, optimizer step, ``loss.item()``.

    python benchmarks/bench_training.py [--only W1,W3] [--rounds 5]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import optional_torch, time_steps  # noqa: E402


def blitz_cnn(lib):
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.pool, self.conv2 = nn.Conv2d(3, 6, 5), nn.MaxPool2d(2, 2), \
                nn.Conv2d(6, 16, 5)
            self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), \
                nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = lib.flatten(x, 1)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
    return Net()


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def vgg_bn(lib):
    nn = lib.nn

    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return nn.Sequential(*block(3, 64), *block(64, 128), nn.MaxPool2d(2), *block(128, 256),
                         nn.MaxPool2d(2), *block(256, 512), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(512, 10))


WORKLOADS = {
    # name: (model builder, input shape, optimizer factory, train?)
    "W1": (blitz_cnn, (4, 3, 32, 32), lambda o, p: o.SGD(p, lr=0.001, momentum=0.9), True),
    "W2": (blitz_cnn, (128, 3, 32, 32), lambda o, p: o.SGD(p, lr=0.001, momentum=0.9), True),
    "W3": (mlp, (64, 1, 28, 28), lambda o, p: o.Adam(p, lr=1e-3), True),
    "W4": (vgg_bn, (128, 3, 32, 32),
           lambda o, p: o.SGD(p, lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4), True),
    "W7": (vgg_bn, (256, 3, 32, 32), None, False),
}


def make_step(lib, name):
    build, shape, opt_factory, train = WORKLOADS[name]
    lib.manual_seed(0)
    model = build(lib)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, shape[0]))
    if not train:
        model.eval()

        def infer():
            with lib.no_grad():
                return model(x).sum().item()
        return infer
    opt = opt_factory(lib.optim, model.parameters())
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def time_it(fn, reps, rounds, warmup):
    return time_steps(fn, reps, rounds, warmup)[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="W1,W2,W3,W4,W7")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args(argv)
    import ember
    libs = [("ember", ember)]
    torch = optional_torch(args.no_torch)
    if torch is not None:
        libs.insert(0, ("torch", torch))
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '<unset>')}")
    for name in args.only.split(","):
        reps = {"W1": 100, "W3": 200, "W2": 5, "W4": 1, "W7": 1}[name]
        warm = {"W1": 20, "W3": 50, "W2": 2, "W4": 1, "W7": 1}[name]
        res = {}
        for lname, lib in libs:
            res[lname] = time_it(make_step(lib, name), reps, args.rounds, warm)
        line = "  ".join(f"{k} {v * 1e3:9.2f} ms/step" for k, v in res.items())
        ratio = f"  ratio torch/ember = {res['torch'] / res['ember']:.2f}" if "torch" in res else ""
        print(f"{name}: {line}{ratio}", flush=True)


if __name__ == "__main__":
    main()
