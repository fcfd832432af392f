"""W6: Transformer encoder-layer training step, Ember against PyTorch in the same run.

Model: TransformerEncoderLayer(d_model 256, 4 heads, dim_feedforward 1024, dropout 0.1,
batch_first) → Linear(256 → 65) on every position; sequence 128, batch 16, cross-entropy
against random token targets, AdamW. One step = zero_grad, forward, loss, backward,
optimizer step, ``loss.item()``, on synthetic float inputs (the layer runs in training mode,
so its four dropouts are live).

As in ``bench_rnn.py``, the identical step function runs with ``torch`` and with ``ember`` in
separate blocks (all PyTorch rounds, then all Ember rounds), never interleaved call by call;
each block is warmed up first and the median over rounds is reported, together with the
ratio of the fastest rounds (the less noisy figure on a shared machine). Both start from
the same parameters (built in NumPy).

    python benchmarks/bench_transformer.py [--steps 10] [--rounds 5] [--warmup 3]
                                           [--dropout 0.1] [--threads N] [--no-torch]
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import fmt, optional_torch, time_steps  # noqa: E402

D_MODEL, NHEAD, FF, SEQ, BATCH, CLASSES = 256, 4, 1024, 128, 16, 65


def build(lib, dropout: float, seed: int = 0):
    """Model, optimizer and one batch of data; parameters copied from NumPy arrays."""
    import numpy as np
    nn = lib.nn
    rng = np.random.default_rng(seed)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.TransformerEncoderLayer(D_MODEL, NHEAD, dim_feedforward=FF,
                                                    dropout=dropout, batch_first=True)
            self.head = nn.Linear(D_MODEL, CLASSES)

        def forward(self, x):
            return self.head(self.layer(x))

    model = Net()
    with lib.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                continue            # keep LayerNorm's ones / zeros
            arr = rng.uniform(-0.06, 0.06, tuple(p.shape)).astype(np.float32)
            p.copy_(lib.tensor(arr))
    model.train()
    opt = lib.optim.AdamW(model.parameters(), lr=1e-3)
    x = lib.tensor(rng.standard_normal((BATCH, SEQ, D_MODEL)).astype(np.float32))
    y = lib.tensor(rng.integers(0, CLASSES, BATCH * SEQ))
    return model, opt, x, y


def train_step(lib, model, opt, x, y) -> float:
    opt.zero_grad()
    logits = model(x)
    loss = lib.nn.functional.cross_entropy(logits.reshape(-1, CLASSES), y)
    loss.backward()
    opt.step()
    return loss.item()


def time_block(lib, steps: int, rounds: int, warmup: int, dropout: float):
    lib.manual_seed(0)
    model, opt, x, y = build(lib, dropout)
    return time_steps(lambda: train_step(lib, model, opt, x, y), steps, rounds, warmup)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=10, help="steps per round (default 10)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds; the median is reported")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps before each block")
    ap.add_argument("--dropout", type=float, default=0.1, help="the layer's dropout (0.1)")
    ap.add_argument("--no-torch", action="store_true", help="time Ember only")
    ap.add_argument("--threads", type=int, default=None,
                    help="BLAS / PyTorch thread count for both libraries (default: leave "
                         "the environment as it is); 1 gives a comparison that other "
                         "processes on a shared machine disturb far less")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.threads is not None:
        if "numpy" in sys.modules:
            print("note: NumPy was imported before --threads could take effect")
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    torch = optional_torch(args.no_torch)
    import ember
    if torch is not None and args.threads is not None:
        torch.set_num_threads(args.threads)

    print(f"W6 Transformer step (TransformerEncoderLayer({D_MODEL}, {NHEAD} heads, ff {FF}, "
          f"dropout {args.dropout}, batch_first) -> Linear({CLASSES}), seq {SEQ}, batch "
          f"{BATCH}, AdamW); {args.rounds} rounds x {args.steps} steps; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '<unset>')}"
          + ("" if args.threads is None else f"; {args.threads} thread(s)"))
    t_torch = None
    if torch is not None:
        t_torch, rounds_t, loss_t = time_block(torch, args.steps, args.rounds, args.warmup,
                                               args.dropout)
        print(f"  torch {torch.__version__:<14} {fmt(t_torch):>10} / step   "
              f"(rounds: {', '.join(fmt(r) for r in rounds_t)})")
    t_ember, rounds_e, loss_e = time_block(ember, args.steps, args.rounds, args.warmup,
                                           args.dropout)
    print(f"  ember {ember.__version__:<14} {fmt(t_ember):>10} / step   "
          f"(rounds: {', '.join(fmt(r) for r in rounds_e)})")
    if t_torch is not None:
        print(f"  final loss: torch {loss_t:.6f}, ember {loss_e:.6f}")
        print(f"  ratio torch_time / ember_time = {t_torch / t_ember:.2f}  "
              f"(>1: Ember is faster, <1: Ember is slower)")
        print(f"  ratio of the fastest rounds = {min(rounds_t) / min(rounds_e):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
