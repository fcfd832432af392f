"""A variational autoencoder (784-400-20) on MNIST, on Ember.

The PyTorch examples' ``vae/main.py`` with ``import torch`` replaced by ``import ember as
torch``: an MLP encoder to the mean and log-variance of a 20-dimensional Gaussian, the
reparameterisation trick, an MLP decoder, and the loss BCE(reconstruction) + KL divergence,
trained with Adam(lr 1e-3). Each epoch writes ``reconstruction_<epoch>.png`` (originals above
their reconstructions) and ``sample_<epoch>.png`` (64 decoded samples from the prior).

    python examples/vae_mnist.py --data ../shared/data --epochs 10
"""
from __future__ import annotations

import argparse
import os
import time

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.utils.data import DataLoader, TensorDataset
from ember.utils.plot import plot_curves
from ember.utils.progress import progress
from ember.vision import datasets
from ember.vision.utils import save_image


class VAE(nn.Module):
    """Encoder 784 → 400 → (μ, log σ²) ∈ R²⁰; decoder 20 → 400 → 784 (sigmoid)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    """Reconstruction + KL divergence, summed over the batch.

    KLD = -½ Σ (1 + log σ² − μ² − σ²)  (appendix B of Kingma & Welling, 2014).
    """
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def mnist_tensors(root: str, train: bool, limit: int = 0):
    """MNIST as a (N, 1, 28, 28) float dataset in [0, 1] (what ToTensor gives), all at once."""
    ds = datasets.MNIST(root, train=train, download=False)
    n = min(limit, len(ds)) if limit else len(ds)
    return TensorDataset((ds.data[:n].float() / 255).unsqueeze(1), ds.targets[:n])


def train(model, loader, optimizer, epoch: int, epochs: int) -> float:
    model.train()
    train_loss, seen = 0.0, 0
    bar = progress(loader, desc=f"epoch {epoch}/{epochs}", unit="batch")
    for batch_idx, (data, _) in enumerate(bar):
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        seen += len(data)
        optimizer.step()
        if batch_idx % 20 == 0:
            bar.set_postfix(loss=f"{loss.item() / len(data):.2f}")
    bar.close()
    return train_loss / max(seen, 1)


def test(model, loader, epoch: int, out: str) -> float:
    model.eval()
    test_loss, seen = 0.0, 0
    with torch.no_grad():
        for i, (data, _) in enumerate(loader):
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
            seen += len(data)
            if i == 0:
                n = min(data.size(0), 8)
                comparison = torch.cat([data[:n], recon_batch.view(-1, 1, 28, 28)[:n]])
                save_image(comparison, os.path.join(out, f"reconstruction_{epoch}.png"), nrow=n)
    return test_loss / max(seen, 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("EMBER_DATA", "./data"),
                    help="folder holding MNIST/raw (default $EMBER_DATA or ./data)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--limit", type=int, default=0, help="use only N training images (0: all)")
    ap.add_argument("--test-limit", type=int, default=0, help="use only N test images (0: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="runs/vae_mnist", help="where the image grids go")
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)

    train_loader = DataLoader(mnist_tensors(args.data, True, args.limit),
                              batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(mnist_tensors(args.data, False, args.test_limit),
                             batch_size=args.batch_size, shuffle=False)
    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)

    train_losses, test_losses = [], []
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        train_losses.append(train(model, train_loader, optimizer, epoch, args.epochs))
        test_losses.append(test(model, test_loader, epoch, args.out))
        print(f"====> Epoch: {epoch} Average loss: {train_losses[-1]:.4f}  "
              f"Test set loss: {test_losses[-1]:.4f}")
        with torch.no_grad():
            sample = model.decode(torch.randn(64, 20))
            save_image(sample.view(64, 1, 28, 28), os.path.join(args.out, f"sample_{epoch}.png"))
    seconds = time.perf_counter() - t0
    torch.save(model.state_dict(), os.path.join(args.out, "vae.pth"))
    plot_curves({"train loss": train_losses, "test loss": test_losses},
                os.path.join(args.out, "loss.png"), xlabel="epoch", ylabel="loss per image",
                title="VAE on MNIST")
    print(f"images written to {args.out} ({seconds:.0f} s)")
    return {"train_loss": train_losses[-1], "test_loss": test_losses[-1], "seconds": seconds}


if __name__ == "__main__":
    main()
