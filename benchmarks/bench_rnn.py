"""W5: character-level LSTM training step, Ember against PyTorch in the same run.

Model: Embedding(65, 128) → LSTM(128 → 256, batch_first) → Linear(256 → 65); sequence 64,
batch 32, cross-entropy over every position, Adam. One step = zero_grad, forward, loss,
backward, optimizer step, ``loss.item()``, on synthetic token data.

As in ``bench_overhead.py``, the identical step function runs with ``torch`` and with
``ember`` in separate blocks (all PyTorch rounds, then all Ember rounds), never interleaved call
by call; each block is warmed up first and the median over rounds is reported. Both start
from the same parameters (built in NumPy) so the printed losses should agree.

    python benchmarks/bench_rnn.py [--steps 20] [--rounds 5] [--warmup 5] [--no-torch]

PyTorch runs with its default thread count (the reference figure in BENCHMARKS.md, ~17 ms per
step on the 2-core machines). Besides the ratio of medians it prints the ratio of the fastest
rounds, the less noisy figure when other processes compete for the cores.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import fmt, optional_torch, time_steps  # noqa: E402

VOCAB, EMB, HIDDEN, SEQ, BATCH = 65, 128, 256, 64, 32


def build(lib, seed: int = 0):
    """Model, optimizer and one batch of data; parameters copied from NumPy arrays."""
    nn = lib.nn
    rng = np.random.default_rng(seed)

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            if hasattr(nn, "Embedding"):
                self.embed = nn.Embedding(VOCAB, EMB)
            else:  # Ember before its Embedding layer lands: the same thing by index_select
                self.embed_weight = nn.Parameter(lib.zeros(VOCAB, EMB))
            self.lstm = nn.LSTM(EMB, HIDDEN, batch_first=True)
            self.head = nn.Linear(HIDDEN, VOCAB)

        def forward(self, idx):
            if hasattr(self, "embed"):
                e = self.embed(idx)
            else:
                e = self.embed_weight.index_select(0, idx.reshape(-1)).reshape(
                    idx.shape[0], idx.shape[1], EMB)
            out, _ = self.lstm(e)
            return self.head(out)

    model = CharLSTM()
    with lib.no_grad():
        for p in model.parameters():
            arr = rng.uniform(-0.06, 0.06, tuple(p.shape)).astype(np.float32)
            p.copy_(lib.tensor(arr))
    opt = lib.optim.Adam(model.parameters(), lr=2e-3)
    tokens = rng.integers(0, VOCAB, (BATCH, SEQ + 1))
    x = lib.tensor(tokens[:, :-1])
    y = lib.tensor(tokens[:, 1:]).reshape(-1)
    return model, opt, x, y


def cross_entropy(lib, logits, target):
    F = lib.nn.functional
    if hasattr(F, "cross_entropy"):
        return F.cross_entropy(logits, target)
    logp = logits.log_softmax(-1)
    return -logp.gather(1, target.unsqueeze(1)).mean()


def train_step(lib, model, opt, x, y) -> float:
    opt.zero_grad()
    logits = model(x)
    loss = cross_entropy(lib, logits.reshape(-1, VOCAB), y)
    loss.backward()
    opt.step()
    return loss.item()


def time_block(lib, steps: int, rounds: int, warmup: int):
    model, opt, x, y = build(lib)
    return time_steps(lambda: train_step(lib, model, opt, x, y), steps, rounds, warmup)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=20, help="steps per round (default 20)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds; the median is reported")
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps before each block")
    ap.add_argument("--no-torch", action="store_true", help="time Ember only")
    args = ap.parse_args(argv)

    torch = optional_torch(args.no_torch)
    import ember

    print(f"W5 char-LSTM step (Embedding({VOCAB},{EMB}) -> LSTM({EMB}->{HIDDEN}) -> "
          f"Linear({VOCAB}), seq {SEQ}, batch {BATCH}, Adam); {args.rounds} rounds x "
          f"{args.steps} steps; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '<unset>')}")
    t_torch = None
    if torch is not None:
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
        # On a shared machine the fastest round is the least disturbed one: show it too.
        print(f"  ratio of the fastest rounds = {min(rounds_t) / min(rounds_e):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
