"""REINFORCE (Monte-Carlo policy gradient) on CartPole-v1 with gymnasium, on Ember.

The PyTorch examples' ``reinforce.py`` with ``import torch`` replaced by ``import ember as
torch``: a 4-128-2 policy with dropout, Adam(lr 1e-2), discounted returns normalised per
episode. It stops when the running reward passes the environment's threshold (475): with the
defaults that is episode 370, in about 40 s on two CPU cores.

    pip install gymnasium
    python examples/rl_reinforce.py
"""
from __future__ import annotations

import argparse
import os
import time
from itertools import count

import numpy as np

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.distributions import Categorical
from ember.utils.plot import plot_curves
from ember.utils.progress import progress


class Policy(nn.Module):
    """State (4) → 128 → dropout → ReLU → action probabilities (2)."""

    def __init__(self, n_obs: int = 4, n_actions: int = 2, hidden: int = 128):
        super().__init__()
        self.affine1 = nn.Linear(n_obs, hidden)
        self.dropout = nn.Dropout(p=0.6)
        self.affine2 = nn.Linear(hidden, n_actions)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.dropout(self.affine1(x)))
        return F.softmax(self.affine2(x), dim=1)


def select_action(policy, state):
    """Sample an action from the policy and remember its log-probability."""
    state = torch.from_numpy(np.asarray(state, dtype=np.float32)).unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode(policy, optimizer, gamma: float, eps: float):
    """One policy-gradient step from the finished episode's normalised discounted returns."""
    R, returns = 0.0, []
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    policy_loss = [-log_prob * R for log_prob, R in zip(policy.saved_log_probs, returns)]
    loss = torch.cat(policy_loss).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]
    return loss.item()


def log(bar, msg: str):
    """Print a line without breaking the progress bar (tqdm.write when it is tqdm)."""
    getattr(bar, "write", print)(msg)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gamma", type=float, default=0.99, help="discount factor")
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--seed", type=int, default=543)
    ap.add_argument("--episodes", type=int, default=2000, help="give up after this many")
    ap.add_argument("--log-interval", type=int, default=10)
    ap.add_argument("--out", default="runs/rl_reinforce", help="where the plot and model go")
    args = ap.parse_args(argv)

    try:
        import gymnasium as gym  # the examples' optional dependency
    except ImportError as e:
        raise SystemExit("this example needs gymnasium: pip install gymnasium "
                         "(or pip install -e '.[examples]')") from e

    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    env = gym.make("CartPole-v1")
    env.action_space.seed(args.seed)
    threshold = env.spec.reward_threshold
    eps = float(np.finfo(np.float32).eps)

    policy = Policy()
    optimizer = optim.Adam(policy.parameters(), lr=args.lr)
    running_reward, solved_at, lengths, running = 10.0, None, [], []
    t0 = time.perf_counter()
    bar = progress(range(1, args.episodes + 1), desc="episodes", unit="ep")
    for i_episode in bar:
        # seed once; later resets continue the environment's own seeded generator
        state, _ = env.reset(seed=args.seed if i_episode == 1 else None)
        ep_reward = 0.0
        for _ in count(1):
            action = select_action(policy, state)
            state, reward, terminated, truncated, _ = env.step(action)
            policy.rewards.append(reward)
            ep_reward += reward
            if terminated or truncated:
                break
        running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
        finish_episode(policy, optimizer, args.gamma, eps)
        lengths.append(ep_reward)
        running.append(running_reward)
        bar.set_postfix(last=f"{ep_reward:.0f}", running=f"{running_reward:.1f}")
        if i_episode % args.log_interval == 0:
            log(bar, f"Episode {i_episode}\tLast reward: {ep_reward:.0f}\t"
                     f"Average reward: {running_reward:.2f}")
        if running_reward > threshold:
            solved_at = i_episode
            break
    bar.close()
    env.close()
    seconds = time.perf_counter() - t0
    if solved_at is not None:
        print(f"Solved! Running reward is now {running_reward:.2f} and the last episode runs "
              f"to {ep_reward:.0f} time steps (episode {solved_at}, {seconds:.0f} s).")
    else:
        print(f"Not solved after {len(lengths)} episodes: running reward {running_reward:.2f} "
              f"({seconds:.0f} s).")
    torch.save(policy.state_dict(), os.path.join(args.out, "policy.pth"))
    plot_curves({"episode reward": lengths, "running reward": running},
                os.path.join(args.out, "rewards.png"), xlabel="episode",
                title="REINFORCE on CartPole-v1")
    return {"episodes": len(lengths), "running_reward": running_reward,
            "solved_at": solved_at, "seconds": seconds}


if __name__ == "__main__":
    main()
