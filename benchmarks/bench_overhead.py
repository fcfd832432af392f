"""Per-op overhead: a tiny 8x8 MLP training step with manual SGD, Ember against PyTorch.

At 8x8 the arithmetic is negligible, so the time per step is almost entirely framework
bookkeeping: dispatch, graph recording, the backward engine and the Python around them.

The identical step function runs with ``torch`` (pinned to one thread, as the reference figure
in BENCHMARKS.md) and with ``ember``. The two libraries are measured in separate blocks (all
PyTorch repetitions, then all Ember repetitions), never interleaved call by call: alternating
slows PyTorch because its BLAS worker threads keep spinning. Each block is warmed up first and
the median over rounds is reported.

    python benchmarks/bench_overhead.py [--steps 2000] [--rounds 7] [--warmup 300]

Without PyTorch installed it prints Ember's time only.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

# Run from a checkout without installing: make the repository root importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import fmt, optional_torch, time_steps  # noqa: E402


def make_state(lib, seed: int = 0):
    """Inputs and parameters built in NumPy, so both libraries start from identical numbers."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x": rng.standard_normal((8, 8)), "y": rng.standard_normal((8, 8)),
        "w1": rng.standard_normal((8, 8)) * 0.3, "b1": np.zeros(8),
        "w2": rng.standard_normal((8, 8)) * 0.3, "b2": np.zeros(8),
    }
    t = {k: lib.tensor(v.astype(np.float32)) for k, v in arrays.items()}
    params = [t["w1"], t["b1"], t["w2"], t["b2"]]
    for p in params:
        p.requires_grad_(True)
    return t["x"], t["y"], params


def train_step(lib, x, y, params, lr: float = 0.01) -> float:
    """One step: forward, MSE loss, backward, manual SGD update, ``loss.item()``."""
    w1, b1, w2, b2 = params
    h = (x @ w1 + b1).relu()
    out = h @ w2 + b2
    loss = ((out - y) ** 2).mean()
    loss.backward()
    with lib.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss.item()


def time_block(lib, steps: int, rounds: int, warmup: int) -> tuple[float, list[float], float]:
    """Median seconds per step over ``rounds`` rounds of ``steps`` steps, after a warm-up."""
    x, y, params = make_state(lib)
    return time_steps(lambda: train_step(lib, x, y, params), steps, rounds, warmup)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2000, help="steps per round (default 2000)")
    ap.add_argument("--rounds", type=int, default=7, help="rounds; the median is reported")
    ap.add_argument("--warmup", type=int, default=300, help="untimed steps before each block")
    ap.add_argument("--no-torch", action="store_true", help="time Ember only")
    args = ap.parse_args(argv)

    torch = optional_torch(args.no_torch)
    import ember

    print(f"tiny MLP step (8x8, manual SGD); {args.rounds} rounds x {args.steps} steps; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '<unset>')}")
    t_torch = None
    if torch is not None:
        torch.set_num_threads(1)
        t_torch, rounds_t, loss_t = time_block(torch, args.steps, args.rounds, args.warmup)
        print(f"  torch {torch.__version__:<14} {fmt(t_torch):>10} / step   "
              f"(rounds: {', '.join(fmt(r) for r in rounds_t)})")
    t_ember, rounds_e, loss_e = time_block(ember, args.steps, args.rounds, args.warmup)
    print(f"  ember {ember.__version__:<14} {fmt(t_ember):>10} / step   "
          f"(rounds: {', '.join(fmt(r) for r in rounds_e)})")
    if t_torch is not None:
        print(f"  final loss: torch {loss_t:.6f}, ember {loss_e:.6f}")
        print(f"  ratio torch_time / ember_time = {t_torch / t_ember:.2f}  "
              f"(>1: Ember is faster, <1: Ember is slower)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
