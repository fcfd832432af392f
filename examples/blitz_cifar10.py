"""The 60-minute blitz CIFAR-10 classifier, trained end to end on Ember.

This is PyTorch's "Training a Classifier" tutorial with ``import torch`` replaced by
``import ember as torch``: LeNet-style CNN, SGD with momentum, batch 4, 2 epochs. It shows a
progress bar per epoch (loss and images/s), prints test accuracy overall and per class,
saves and reloads the model, and writes a PNG plot of the training loss.

    python examples/blitz_cifar10.py --data ../shared/data --epochs 2
"""
from __future__ import annotations

import argparse
import os
import time

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.utils.data import DataLoader
from ember.vision import datasets, transforms
from ember.utils.progress import progress
from ember.utils.plot import plot_curves

CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class Net(nn.Module):
    """The blitz network: conv(3→6, 5) → pool → conv(6→16, 5) → pool → 120 → 84 → 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("EMBER_DATA", "./data"),
                    help="folder holding cifar-10-batches-py (default $EMBER_DATA or ./data)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--limit", type=int, default=0, help="use only N training images (0: all)")
    ap.add_argument("--out", default="runs/blitz_cifar10", help="where model and plot go")
    ap.add_argument("--workers", type=int, default=0,
                    help="DataLoader worker processes (the tutorial uses 2; at batch 4 the "
                         "inter-process hand-off costs more than it saves on 2 cores)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--download", action="store_true", help="download CIFAR-10 if missing")
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)

    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset = datasets.CIFAR10(root=args.data, train=True, download=args.download,
                                transform=transform)
    testset = datasets.CIFAR10(root=args.data, train=False, download=args.download,
                               transform=transform)
    if args.limit:
        trainset = torch.utils.data.Subset(trainset, range(args.limit))
    trainloader = DataLoader(trainset, batch_size=args.batch_size, shuffle=True,
                             num_workers=args.workers)
    testloader = DataLoader(testset, batch_size=256, shuffle=False, num_workers=args.workers)

    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)

    losses = []
    every = max(1, min(200, len(trainloader) // 10))  # the tutorial prints every 2000 at batch 4
    for epoch in range(args.epochs):
        running, seen, t0 = 0.0, 0, time.perf_counter()
        bar = progress(trainloader, desc=f"epoch {epoch + 1}/{args.epochs}", unit="batch")
        for i, (inputs, labels) in enumerate(bar):
            optimizer.zero_grad()
            loss = criterion(net(inputs), labels)
            loss.backward()
            optimizer.step()
            running += loss.item()
            seen += inputs.shape[0]
            if i % every == every - 1:
                losses.append(running / every)
                bar.set_postfix(loss=f"{running / every:.3f}",
                                img_s=f"{seen / (time.perf_counter() - t0):.0f}")
                running = 0.0
        bar.close()
    print("Finished Training")

    path = os.path.join(args.out, "cifar_net.pth")
    torch.save(net.state_dict(), path)
    net = Net()
    net.load_state_dict(torch.load(path, weights_only=True))
    print(f"saved and reloaded {path}")

    correct = {c: 0 for c in CLASSES}
    total = {c: 0 for c in CLASSES}
    with torch.no_grad():
        for images, labels in testloader:
            predictions = net(images).argmax(1)
            for label, pred in zip(labels.tolist(), predictions.tolist()):
                total[CLASSES[label]] += 1
                correct[CLASSES[label]] += int(label == pred)
    accuracy = 100 * sum(correct.values()) / sum(total.values())
    print(f"Accuracy of the network on the {sum(total.values())} test images: {accuracy:.1f} %")
    for c in CLASSES:
        print(f"Accuracy for class: {c:5s} is {100 * correct[c] / max(total[c], 1):.1f} %")

    png = plot_curves({"training loss": losses}, os.path.join(args.out, "loss.png"),
                      xlabel=f"x{every} mini-batches", title="Blitz CIFAR-10 training loss")
    if png:
        print(f"loss curve written to {png}")
    return accuracy


if __name__ == "__main__":
    main()
