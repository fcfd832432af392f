"""Actor-critic on CartPole-v1 with gymnasium, on Ember.

The PyTorch examples' ``actor_critic.py`` with ``import torch`` replaced by ``import ember as
torch``: one shared hidden layer with two heads (action probabilities and state value), the
advantage ``R - V(s)`` weighting the policy gradient and a smooth-L1 value loss, Adam(lr 3e-2).
With the defaults the running reward passes 475 at episode 556 (about 70 s on two CPU cores).

    pip install gymnasium
    python examples/rl_actor_critic.py
"""
from __future__ import annotations

import argparse
import os
import time
from collections import namedtuple
from itertools import count

import numpy as np

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.distributions import Categorical
from ember.utils.plot import plot_curves
from ember.utils.progress import progress

SavedAction = namedtuple("SavedAction", ["log_prob", "value"])


class Policy(nn.Module):
    """Shared body 4 → 128 (ReLU), then an actor head (2 actions) and a critic head (1)."""

    def __init__(self, n_obs: int = 4, n_actions: int = 2, hidden: int = 128):
        super().__init__()
        self.affine1 = nn.Linear(n_obs, hidden)
        self.action_head = nn.Linear(hidden, n_actions)
        self.value_head = nn.Linear(hidden, 1)
        self.saved_actions = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        action_prob = F.softmax(self.action_head(x), dim=-1)
        state_values = self.value_head(x)
        return action_prob, state_values


def select_action(model, state):
    """Sample an action; remember its log-probability and the critic's value of the state."""
    state = torch.from_numpy(np.asarray(state, dtype=np.float32))
    probs, state_value = model(state)
    m = Categorical(probs)
    action = m.sample()
    model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
    return action.item()


def finish_episode(model, optimizer, gamma: float, eps: float) -> float:
    """Actor loss ``-log π(a|s)·(R - V(s))`` plus critic loss smooth-L1(V(s), R), summed."""
    R, returns = 0.0, []
    for r in model.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    policy_losses, value_losses = [], []
    for (log_prob, value), R in zip(model.saved_actions, returns):
        advantage = R - value.item()
        policy_losses.append(-log_prob * advantage)
        value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))
    optimizer.zero_grad()
    loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum()
    loss.backward()
    optimizer.step()
    del model.rewards[:]
    del model.saved_actions[:]
    return loss.item()


def log(bar, msg: str):
    """Print a line without breaking the progress bar (tqdm.write when it is tqdm)."""
    getattr(bar, "write", print)(msg)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gamma", type=float, default=0.99, help="discount factor")
    ap.add_argument("--lr", type=float, default=3e-2)
    ap.add_argument("--seed", type=int, default=543)
    ap.add_argument("--episodes", type=int, default=1000, help="give up after this many")
    ap.add_argument("--log-interval", type=int, default=10)
    ap.add_argument("--out", default="runs/rl_actor_critic", help="where the plot and model go")
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

    model = Policy()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    running_reward, solved_at, rewards, running = 10.0, None, [], []
    ep_reward = 0.0
    t0 = time.perf_counter()
    bar = progress(range(1, args.episodes + 1), desc="episodes", unit="ep")
    for i_episode in bar:
        # seed once; later resets continue the environment's own seeded generator
        state, _ = env.reset(seed=args.seed if i_episode == 1 else None)
        ep_reward = 0.0
        for _ in count(1):
            action = select_action(model, state)
            state, reward, terminated, truncated, _ = env.step(action)
            model.rewards.append(reward)
            ep_reward += reward
            if terminated or truncated:
                break
        running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
        finish_episode(model, optimizer, args.gamma, eps)
        rewards.append(ep_reward)
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
        print(f"Not solved after {len(rewards)} episodes: running reward {running_reward:.2f} "
              f"({seconds:.0f} s).")
    torch.save(model.state_dict(), os.path.join(args.out, "actor_critic.pth"))
    plot_curves({"episode reward": rewards, "running reward": running},
                os.path.join(args.out, "rewards.png"), xlabel="episode",
                title="Actor-critic on CartPole-v1")
    return {"episodes": len(rewards), "running_reward": running_reward,
            "solved_at": solved_at, "seconds": seconds}


if __name__ == "__main__":
    main()
