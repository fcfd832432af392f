"""DCGAN on MNIST, on Ember, sized for a small CPU.

The PyTorch examples' ``dcgan/main.py`` with ``import torch`` replaced by ``import ember as
torch``, scaled to 28×28 one-channel digits: a generator of transposed convolutions with
batch norm and ReLU (Tanh output), a discriminator of strided convolutions with batch norm and
LeakyReLU (sigmoid output), DCGAN weight init N(0, 0.02), BCE loss and Adam(lr 2e-4, betas
(0.5, 0.999)). Each epoch writes ``fake_samples_epoch_<n>.png`` (64 samples from a fixed
noise batch); the first epoch also writes ``real_samples.png``.

    python examples/dcgan_mnist.py --data ../shared/data --limit 10000 --epochs 5
"""
from __future__ import annotations

import argparse
import os
import time

import ember as torch
import ember.nn as nn
import ember.optim as optim
from ember.utils.data import DataLoader, TensorDataset
from ember.utils.plot import plot_curves
from ember.utils.progress import progress
from ember.vision import datasets
from ember.vision.utils import save_image


class Generator(nn.Module):
    """z (nz×1×1) → 4ngf×7×7 → 2ngf×14×14 → 1×28×28 in [-1, 1]."""

    def __init__(self, nz: int, ngf: int):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 7, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    """1×28×28 → ndf×14×14 → 2ndf×7×7 → probability that the image is real."""

    def __init__(self, ndf: int):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


def weights_init(m):
    """DCGAN's initialisation: conv weights N(0, 0.02), batch-norm scale N(1, 0.02), shift 0."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def mnist_tensors(root: str, limit: int = 0):
    """MNIST training images as (N, 1, 28, 28) floats scaled to [-1, 1] (the Tanh range)."""
    ds = datasets.MNIST(root, train=True, download=False)
    n = min(limit, len(ds)) if limit else len(ds)
    x = ((ds.data[:n].float() / 255) - 0.5) / 0.5
    return TensorDataset(x.unsqueeze(1), ds.targets[:n])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("EMBER_DATA", "./data"),
                    help="folder holding MNIST/raw (default $EMBER_DATA or ./data)")
    ap.add_argument("--limit", type=int, default=10000,
                    help="train on the first N images (0: all 60000)")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--nz", type=int, default=64, help="size of the latent z vector")
    ap.add_argument("--ngf", type=int, default=32, help="generator feature maps")
    ap.add_argument("--ndf", type=int, default=32, help="discriminator feature maps")
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--beta1", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=999)
    ap.add_argument("--out", default="runs/dcgan_mnist", help="where the image grids go")
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)

    dataloader = DataLoader(mnist_tensors(args.data, args.limit), batch_size=args.batch_size,
                            shuffle=True, drop_last=True)
    netG = Generator(args.nz, args.ngf)
    netG.apply(weights_init)
    netD = Discriminator(args.ndf)
    netD.apply(weights_init)

    criterion = nn.BCELoss()
    fixed_noise = torch.randn(64, args.nz, 1, 1)
    real_label, fake_label = 1.0, 0.0
    optimizerD = optim.Adam(netD.parameters(), lr=args.lr, betas=(args.beta1, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=args.lr, betas=(args.beta1, 0.999))

    G_losses, D_losses, D_x_hist, D_G_z_hist = [], [], [], []
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        bar = progress(dataloader, desc=f"epoch {epoch}/{args.epochs}", unit="batch")
        for i, (real, _) in enumerate(bar):
            ############################
            # (1) Update D: maximise log(D(x)) + log(1 - D(G(z)))
            ###########################
            netD.zero_grad()
            batch_size = real.size(0)
            label = torch.full((batch_size,), real_label, dtype=real.dtype)
            output = netD(real)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            noise = torch.randn(batch_size, args.nz, 1, 1)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            ############################
            # (2) Update G: maximise log(D(G(z)))
            ###########################
            netG.zero_grad()
            label.fill_(real_label)  # fake labels are real for the generator's cost
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            G_losses.append(errG.item())
            D_losses.append(errD.item())
            D_x_hist.append(D_x)
            D_G_z_hist.append(D_G_z2)
            if i % 10 == 0:
                bar.set_postfix(Loss_D=f"{errD.item():.3f}", Loss_G=f"{errG.item():.3f}",
                                D_x=f"{D_x:.3f}", D_G_z=f"{D_G_z1:.3f}/{D_G_z2:.3f}")
            if epoch == 1 and i == 0:
                save_image(real[:64], os.path.join(args.out, "real_samples.png"),
                           normalize=True)
        bar.close()
        with torch.no_grad():
            fake = netG(fixed_noise)
        save_image(fake.detach(), os.path.join(args.out, f"fake_samples_epoch_{epoch:03d}.png"),
                   normalize=True)
        n = max(len(dataloader), 1)
        print(f"[{epoch}/{args.epochs}] Loss_D: {sum(D_losses[-n:]) / n:.4f} "
              f"Loss_G: {sum(G_losses[-n:]) / n:.4f} D(x): {sum(D_x_hist[-n:]) / n:.4f} "
              f"D(G(z)): {sum(D_G_z_hist[-n:]) / n:.4f}")
    seconds = time.perf_counter() - t0

    torch.save(netG.state_dict(), os.path.join(args.out, "netG.pth"))
    torch.save(netD.state_dict(), os.path.join(args.out, "netD.pth"))
    plot_curves({"generator": G_losses, "discriminator": D_losses},
                os.path.join(args.out, "loss.png"), xlabel="iteration", ylabel="BCE loss",
                title="DCGAN on MNIST")
    print(f"sample grids written to {args.out} ({seconds:.0f} s)")
    n = max(len(dataloader), 1)
    return {"loss_D": sum(D_losses[-n:]) / n, "loss_G": sum(G_losses[-n:]) / n,
            "D_x": sum(D_x_hist[-n:]) / n, "D_G_z": sum(D_G_z_hist[-n:]) / n,
            "seconds": seconds}


if __name__ == "__main__":
    main()
