"""Smoke tests of the generative, reinforcement-learning and time-series examples.

Each runs the example's ``main(argv)`` in-process with tiny sizes (a few seconds) and checks
the numbers it returns and the files it writes. The full runs are in the examples' docstrings.
"""
import math
import os
import sys

import pytest

from conftest import data_root

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples"))

needs_mnist = pytest.mark.skipif(
    not os.path.isdir(os.path.join(data_root(), "MNIST", "raw")),
    reason=f"MNIST not found under {data_root()} (set EMBER_DATA)")


@pytest.fixture(autouse=True)
def _plain_progress(monkeypatch):
    # plain progress lines instead of tqdm redraws in the test log
    monkeypatch.setenv("EMBER_PROGRESS", "0")


def _finite(*values):
    return all(isinstance(v, float) and math.isfinite(v) for v in values)


@needs_mnist
def test_dcgan_mnist_trains_and_writes_sample_grids(tmp_path):
    import dcgan_mnist
    out = tmp_path / "dcgan"
    r = dcgan_mnist.main(["--data", data_root(), "--limit", "64", "--batch-size", "32",
                          "--epochs", "1", "--nz", "16", "--ngf", "8", "--ndf", "8",
                          "--out", str(out)])
    assert _finite(r["loss_D"], r["loss_G"], r["D_x"], r["D_G_z"])
    assert r["loss_D"] > 0 and r["loss_G"] > 0
    assert 0 < r["D_x"] < 1 and 0 < r["D_G_z"] < 1
    for name in ("real_samples.png", "fake_samples_epoch_001.png", "netG.pth", "loss.png"):
        assert (out / name).stat().st_size > 0, name
    from PIL import Image
    with Image.open(out / "fake_samples_epoch_001.png") as im:
        assert im.size == (8 * 30 + 2, 8 * 30 + 2)  # 64 images of 28×28, padding 2


@needs_mnist
def test_vae_mnist_learns_and_writes_grids(tmp_path):
    import vae_mnist
    out = tmp_path / "vae"
    r = vae_mnist.main(["--data", data_root(), "--limit", "512", "--test-limit", "256",
                        "--epochs", "1", "--out", str(out)])
    assert _finite(r["train_loss"], r["test_loss"])
    # BCE of a uniform 0.5 guess is 784·ln 2 ≈ 543 per image; a few steps already beat it
    assert r["test_loss"] < 784 * math.log(2)
    for name in ("reconstruction_1.png", "sample_1.png", "vae.pth", "loss.png"):
        assert (out / name).stat().st_size > 0, name


@pytest.mark.parametrize("example, model_file", [("rl_reinforce", "policy.pth"),
                                                 ("rl_actor_critic", "actor_critic.pth")])
def test_policy_gradient_examples_run_episodes(tmp_path, example, model_file):
    pytest.importorskip("gymnasium")
    mod = __import__(example)
    out = tmp_path / example
    r = mod.main(["--episodes", "4", "--log-interval", "2", "--out", str(out)])
    assert r["episodes"] == 4 and r["solved_at"] is None
    assert _finite(r["running_reward"]) and 9 < r["running_reward"] < 475
    assert (out / model_file).stat().st_size > 0 and (out / "rewards.png").exists()


def test_rl_reinforce_is_reproducible(tmp_path):
    pytest.importorskip("gymnasium")
    import rl_reinforce
    argv = ["--episodes", "3", "--out", str(tmp_path)]
    assert rl_reinforce.main(argv)["running_reward"] == rl_reinforce.main(argv)["running_reward"]


def test_rl_dqn_optimises_from_replay_memory(tmp_path):
    pytest.importorskip("gymnasium")
    import rl_dqn
    out = tmp_path / "dqn"
    r = rl_dqn.main(["--episodes", "3", "--batch-size", "16", "--out", str(out)])
    assert r["episodes"] == 3 and r["steps"] >= 3 * 8
    assert _finite(r["average_length"], r["final_loss"])
    assert (out / "dqn.pth").exists() and (out / "durations.png").exists()


def test_rl_dqn_replay_memory_and_soft_update():
    import rl_dqn
    import ember as torch
    mem = rl_dqn.ReplayMemory(3)
    for i in range(5):
        mem.push(i, i, None, float(i))
    assert len(mem) == 3 and sorted(t.state for t in mem.sample(3)) == [2, 3, 4]

    class Env:  # just what Agent reads from a gymnasium environment
        class action_space:
            n = 2

        class observation_space:
            shape = (4,)

    args = type("Args", (), dict(lr=1e-4, memory=10, tau=0.5))()
    agent = rl_dqn.Agent(Env, args)
    with torch.no_grad():
        for p in agent.policy_net.parameters():
            p.fill_(1.0)
        for p in agent.target_net.parameters():
            p.fill_(3.0)
    agent.soft_update()
    for p in agent.target_net.parameters():
        assert torch.allclose(p, torch.full_like(p, 2.0))


@pytest.mark.parametrize("opt", ["adam", "lbfgs"])
def test_lstm_timeseries_beats_zero_prediction_and_plots(tmp_path, opt):
    import lstm_timeseries
    out = tmp_path / "ts"
    r = lstm_timeseries.main(["--train-size", "8", "--test-size", "4", "--length", "40",
                              "--hidden", "12", "--layers", "1", "--future", "10",
                              "--steps", "30" if opt == "adam" else "2", "--optim", opt,
                              "--out", str(out)])
    assert _finite(r["train_loss"], r["test_mse"], r["baseline_mse"], r["forecast_mse"])
    # predicting 0 everywhere gives ≈ 0.5 (the mean square of a unit sine)
    assert r["test_mse"] < 0.3
    assert (out / "prediction.png").stat().st_size > 0 and (out / "lstm.pth").exists()
