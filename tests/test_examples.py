"""End-to-end runs of the training examples on the real shared data (skipped without it)."""
import os
import subprocess
import sys

import pytest

from conftest import data_root

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
sys.path.insert(0, EXAMPLES)

needs_mnist = pytest.mark.skipif(
    not os.path.isdir(os.path.join(data_root(), "MNIST", "raw")),
    reason=f"MNIST not found under {data_root()} (set EMBER_DATA)")
needs_cifar = pytest.mark.skipif(
    not os.path.isdir(os.path.join(data_root(), "cifar-10-batches-py")),
    reason=f"CIFAR-10 not found under {data_root()} (set EMBER_DATA)")


@needs_mnist
def test_mnist_mlp_reaches_95_percent(monkeypatch):
    monkeypatch.setenv("EMBER_PROGRESS", "0")
    import mnist_mlp
    acc = mnist_mlp.main(["--data", data_root(), "--epochs", "1"])
    assert acc >= 95.0


@needs_cifar
def test_blitz_cifar10_main_job_runs_end_to_end(tmp_path):
    """The README's main job, shortened: train, save + reload, per-class accuracy, plot."""
    env = dict(os.environ, EMBER_PROGRESS="0")
    out = tmp_path / "run"
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, "blitz_cifar10.py"), "--data",
                        data_root(), "--epochs", "1", "--limit", "1000", "--out", str(out)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Finished Training" in r.stdout and "saved and reloaded" in r.stdout
    assert r.stdout.count("Accuracy for class:") == 10
    assert (out / "cifar_net.pth").exists() and (out / "loss.png").exists()
