"""An MLP (784-128-10, Adam) on MNIST, as in the PyTorch introductions, on Ember.

    python examples/mnist_mlp.py --data ../shared/data --epochs 1
"""
from __future__ import annotations

import argparse
import os

import ember as torch
import ember.nn as nn
from ember.utils.data import DataLoader, TensorDataset
from ember.utils.progress import progress
from ember.vision import datasets, transforms


class MLP(nn.Module):
    """28×28 image → 784 → 128 → ReLU → 10 logits."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.layers(self.flatten(x))


def tensor_datasets(root: str):
    """MNIST as normalised tensors (fast path: the whole set at once, no per-image PIL work)."""
    out = []
    for train in (True, False):
        ds = datasets.MNIST(root, train=train, download=False)
        x = ((ds.data.float() / 255) - 0.1307) / 0.3081
        out.append(TensorDataset(x.unsqueeze(1), ds.targets))
    return out


def image_datasets(root: str):
    """MNIST through the usual ToTensor/Normalize transforms, one image at a time."""
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    return [datasets.MNIST(root, train=t, download=False, transform=tf) for t in (True, False)]


def train(model, loader, optimizer, loss_fn, desc="train"):
    model.train()
    bar = progress(loader, desc=desc, unit="batch")
    for i, (x, y) in enumerate(bar):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if i % 100 == 0:
            bar.set_postfix(loss=f"{loss.item():.4f}")
    bar.close()


def evaluate(model, loader) -> float:
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += y.shape[0]
    return 100.0 * correct / total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("EMBER_DATA", "./data"))
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--transforms", action="store_true",
                    help="load images through ToTensor/Normalize (slower) instead of tensors")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    train_ds, test_ds = (image_datasets if args.transforms else tensor_datasets)(args.data)
    train_loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_ds, batch_size=1000)
    model = MLP()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    acc = 0.0
    for epoch in range(args.epochs):
        train(model, train_loader, optimizer, loss_fn, desc=f"epoch {epoch + 1}/{args.epochs}")
        acc = evaluate(model, test_loader)
        print(f"epoch {epoch + 1}: test accuracy {acc:.2f} %")
    return acc


if __name__ == "__main__":
    main()
