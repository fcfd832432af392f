"""The PyTorch examples' MNIST CNN (conv 32 → conv 64 → pool → dropout → fc 128 → fc 10,
Adadelta + StepLR) on Ember.

    python examples/mnist_cnn.py --data ../shared/data --epochs 1
"""
from __future__ import annotations

import argparse
import os

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.optim.lr_scheduler import StepLR
from ember.utils.data import DataLoader

from mnist_mlp import evaluate, tensor_datasets, train


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = self.dropout1(F.max_pool2d(x, 2))
        x = torch.flatten(x, 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("EMBER_DATA", "./data"))
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1.0)
    ap.add_argument("--gamma", type=float, default=0.7)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N images only")
    ap.add_argument("--save", default="", help="save the trained state_dict here")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    train_ds, test_ds = tensor_datasets(args.data)
    if args.limit:
        train_ds = torch.utils.data.Subset(train_ds, range(args.limit))
    train_loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_ds, batch_size=1000)
    model = Net()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    acc = 0.0
    for epoch in range(args.epochs):
        train(model, train_loader, optimizer, F.nll_loss, desc=f"epoch {epoch + 1}/{args.epochs}")
        acc = evaluate(model, test_loader)
        print(f"epoch {epoch + 1}: test accuracy {acc:.2f} %")
        scheduler.step()
    if args.save:
        torch.save(model.state_dict(), args.save)
    return acc


if __name__ == "__main__":
    main()
