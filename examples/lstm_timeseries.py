"""Time-series prediction with an LSTM on noisy sine waves, on Ember.

In the spirit of the PyTorch examples' ``time_sequence_prediction``: a two-layer
``nn.LSTM(batch_first=True)`` with a ``Linear`` head reads a noisy sine wave (random period and
phase) and predicts its next value at every step. Trained full-batch with Adam (or LBFGS, as
in the original, with ``--optim lbfgs``). It reports the one-step test MSE next to two
references (repeating the last value, and the noise floor), then lets the model run on its own
predictions for ``--future`` steps and plots prediction against truth in ``prediction.png``.

    python examples/lstm_timeseries.py
"""
from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

import ember as torch
import ember.nn as nn
import ember.optim as optim
from ember.utils.plot import plot_curves
from ember.utils.progress import progress


def make_signals(n: int, length: int, noise: float, rng: np.random.Generator):
    """``n`` sine waves of ``length`` steps with periods in [20, 50) and random phases.

    Returns (clean, noisy) float32 arrays of shape (n, length); ``clean`` continues smoothly
    when ``length`` is larger than what the model saw, so it doubles as the forecast truth.
    """
    t = np.arange(length, dtype=np.float64)[None, :]
    period = rng.uniform(20, 50, size=(n, 1))
    phase = rng.uniform(0, 2 * math.pi, size=(n, 1))
    clean = np.sin(2 * math.pi * t / period + phase)
    noisy = clean + noise * rng.standard_normal(clean.shape)
    return clean.astype(np.float32), noisy.astype(np.float32)


class Sequence(nn.Module):
    """(batch, time, 1) → LSTM(hidden, layers) → Linear → the next value at every step."""

    def __init__(self, hidden: int = 51, num_layers: int = 2):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=num_layers, batch_first=True)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future: int = 0):
        out, state = self.lstm(input)
        outputs = [self.linear(out)]
        last = outputs[0][:, -1:]
        for _ in range(future):  # feed each prediction back in as the next input
            out, state = self.lstm(last, state)
            last = self.linear(out)
            outputs.append(last)
        return torch.cat(outputs, dim=1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-size", type=int, default=64, help="training sequences")
    ap.add_argument("--test-size", type=int, default=32, help="test sequences")
    ap.add_argument("--length", type=int, default=200, help="time steps per sequence")
    ap.add_argument("--noise", type=float, default=0.05, help="noise standard deviation")
    ap.add_argument("--hidden", type=int, default=51)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--steps", type=int, default=300, help="optimiser steps (full batch)")
    ap.add_argument("--optim", choices=("adam", "lbfgs"), default="adam")
    ap.add_argument("--lr", type=float, default=None,
                    help="learning rate (default 5e-3 for Adam, 0.8 for LBFGS)")
    ap.add_argument("--future", type=int, default=100, help="steps to forecast freely")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/lstm_timeseries", help="where the plot goes")
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)

    total = args.length + args.future
    _, train_noisy = make_signals(args.train_size, args.length, args.noise, rng)
    test_clean, test_noisy = make_signals(args.test_size, total, args.noise, rng)
    # inputs are x[0..L-2], targets x[1..L-1]: predict the next value at every step
    x_train = torch.from_numpy(train_noisy[:, :-1, None])
    y_train = torch.from_numpy(train_noisy[:, 1:, None])
    # the model sees all L observed values; its last output is the first forecast
    x_test = torch.from_numpy(test_noisy[:, :args.length, None])
    y_test = torch.from_numpy(test_noisy[:, 1:args.length, None])

    seq = Sequence(args.hidden, args.layers)
    criterion = nn.MSELoss()
    if args.optim == "lbfgs":
        optimizer = optim.LBFGS(seq.parameters(), lr=args.lr or 0.8)
    else:
        optimizer = optim.Adam(seq.parameters(), lr=args.lr or 5e-3)

    losses = []
    t0 = time.perf_counter()
    bar = progress(range(1, args.steps + 1), desc="training", unit="step")
    for step in bar:
        def closure():
            optimizer.zero_grad()
            loss = criterion(seq(x_train), y_train)
            loss.backward()
            return loss
        loss = optimizer.step(closure)
        losses.append(loss.item())
        if step % 10 == 0 or step == args.steps:
            bar.set_postfix(loss=f"{losses[-1]:.5f}")
    bar.close()
    seconds = time.perf_counter() - t0

    seq.eval()
    with torch.no_grad():
        pred = seq(x_test, future=max(args.future - 1, 0))
        test_mse = criterion(pred[:, :args.length - 1], y_test).item()
        forecast = pred[:, args.length - 1:args.length - 1 + args.future, 0].numpy()
    persistence_mse = float(np.mean((test_noisy[:, 1:args.length]
                                     - test_noisy[:, :args.length - 1]) ** 2))
    # the truth the forecast is compared with: clean values from step L on
    forecast_mse = float(np.mean((forecast - test_clean[:, args.length:]) ** 2)) \
        if args.future else float("nan")
    print(f"train loss {losses[-1]:.5f} after {args.steps} steps ({seconds:.0f} s)")
    print(f"test MSE (one step ahead) {test_mse:.5f}; repeat-last-value baseline "
          f"{persistence_mse:.5f}; noise floor {args.noise ** 2:.5f}")
    print(f"free-running forecast MSE over {args.future} steps: {forecast_mse:.5f}")

    nan = [float("nan")]
    one_step = pred[0, :args.length - 1, 0].tolist()
    png = plot_curves(
        {"observed (noisy)": test_noisy[0, :args.length].tolist(),
         "truth": test_clean[0].tolist(),
         "one-step prediction": nan + one_step + nan * args.future,
         "free-running forecast": nan * args.length + forecast[0].tolist()},
        os.path.join(args.out, "prediction.png"), xlabel="time step",
        title="LSTM on a noisy sine wave: prediction vs truth")
    plot_curves({"train MSE": losses}, os.path.join(args.out, "loss.png"),
                xlabel="step", title="LSTM time series: training loss")
    torch.save(seq.state_dict(), os.path.join(args.out, "lstm.pth"))
    if png:
        print(f"plot written to {png}")
    return {"train_loss": losses[-1], "test_mse": test_mse, "baseline_mse": persistence_mse,
            "forecast_mse": forecast_mse, "seconds": seconds}


if __name__ == "__main__":
    main()
