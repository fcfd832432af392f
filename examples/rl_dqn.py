"""A deep Q-network (DQN) on CartPole-v1 with gymnasium, on Ember.

PyTorch's "Reinforcement Learning (DQN) Tutorial" with ``import torch`` replaced by ``import
ember as torch``: a replay memory of ``Transition`` tuples, a policy network and a target
network updated softly (τ = 0.005), ε-greedy exploration with exponential decay, the Huber
(smooth-L1) loss, AdamW(lr 1e-4, amsgrad) and gradient value clipping at 100. It prints the
episode lengths and reports the running average over the last 100 episodes: with the defaults
(600 episodes, ~96k steps) that average reaches 457 of the possible 500.

    pip install gymnasium
    python examples/rl_dqn.py --episodes 600
"""
from __future__ import annotations

import argparse
import math
import os
import random
import time
from collections import deque, namedtuple
from itertools import count

import numpy as np

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.utils.plot import plot_curves
from ember.utils.progress import progress

Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))


class ReplayMemory:
    """A bounded buffer of transitions, sampled uniformly at random."""

    def __init__(self, capacity: int):
        self.memory = deque([], maxlen=capacity)

    def push(self, *args):
        """Save a transition."""
        self.memory.append(Transition(*args))

    def sample(self, batch_size: int):
        return random.sample(self.memory, batch_size)

    def __len__(self):
        return len(self.memory)


class DQN(nn.Module):
    """Observation → 128 → 128 → one Q-value per action."""

    def __init__(self, n_observations: int, n_actions: int):
        super().__init__()
        self.layer1 = nn.Linear(n_observations, 128)
        self.layer2 = nn.Linear(128, 128)
        self.layer3 = nn.Linear(128, n_actions)

    def forward(self, x):
        x = F.relu(self.layer1(x))
        x = F.relu(self.layer2(x))
        return self.layer3(x)


class Agent:
    """The tutorial's globals (networks, optimiser, memory, step count) in one place."""

    def __init__(self, env, args):
        self.env, self.args = env, args
        n_actions = env.action_space.n
        n_observations = env.observation_space.shape[0]
        self.policy_net = DQN(n_observations, n_actions)
        self.target_net = DQN(n_observations, n_actions)
        self.target_net.load_state_dict(self.policy_net.state_dict())
        self.optimizer = optim.AdamW(self.policy_net.parameters(), lr=args.lr, amsgrad=True)
        self.memory = ReplayMemory(args.memory)
        self.steps_done = 0

    def select_action(self, state):
        """ε-greedy: the greedy action with probability 1-ε, ε decaying from 0.9 to 0.05."""
        a = self.args
        sample = random.random()
        eps_threshold = a.eps_end + (a.eps_start - a.eps_end) * math.exp(
            -1.0 * self.steps_done / a.eps_decay)
        self.steps_done += 1
        if sample > eps_threshold:
            with torch.no_grad():
                # max(1).indices: the action with the larger expected reward
                return self.policy_net(state).max(1).indices.view(1, 1)
        return torch.tensor([[self.env.action_space.sample()]], dtype=torch.long)

    def optimize_model(self):
        """One Q-learning step on a random batch: Huber(Q(s, a), r + γ max_a' Q_target(s', a'))."""
        a = self.args
        if len(self.memory) < a.batch_size:
            return None
        transitions = self.memory.sample(a.batch_size)
        # a batch of Transitions → a Transition of batches
        batch = Transition(*zip(*transitions))
        non_final_mask = torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)),
                                      dtype=torch.bool)
        non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
        state_batch = torch.cat(batch.state)
        action_batch = torch.cat(batch.action)
        reward_batch = torch.cat(batch.reward)

        state_action_values = self.policy_net(state_batch).gather(1, action_batch)
        next_state_values = torch.zeros(a.batch_size)
        with torch.no_grad():
            next_state_values[non_final_mask] = self.target_net(non_final_next_states).max(1).values
        expected_state_action_values = (next_state_values * a.gamma) + reward_batch

        criterion = nn.SmoothL1Loss()
        loss = criterion(state_action_values, expected_state_action_values.unsqueeze(1))
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(self.policy_net.parameters(), 100)
        self.optimizer.step()
        return loss.item()

    def soft_update(self):
        """θ′ ← τ θ + (1 − τ) θ′."""
        tau = self.args.tau
        target_net_state_dict = self.target_net.state_dict()
        policy_net_state_dict = self.policy_net.state_dict()
        for key in policy_net_state_dict:
            target_net_state_dict[key] = (policy_net_state_dict[key] * tau
                                          + target_net_state_dict[key] * (1 - tau))
        self.target_net.load_state_dict(target_net_state_dict)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--eps-start", type=float, default=0.9)
    ap.add_argument("--eps-end", type=float, default=0.05)
    ap.add_argument("--eps-decay", type=float, default=1000)
    ap.add_argument("--tau", type=float, default=0.005, help="target network update rate")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--memory", type=int, default=10000, help="replay memory capacity")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log-interval", type=int, default=10)
    ap.add_argument("--out", default="runs/rl_dqn", help="where the plot and model go")
    args = ap.parse_args(argv)

    try:
        import gymnasium as gym  # the examples' optional dependency
    except ImportError as e:
        raise SystemExit("this example needs gymnasium: pip install gymnasium "
                         "(or pip install -e '.[examples]')") from e

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    env = gym.make("CartPole-v1")
    env.action_space.seed(args.seed)
    agent = Agent(env, args)

    episode_durations, averages, losses = [], [], []
    t0 = time.perf_counter()
    bar = progress(range(1, args.episodes + 1), desc="episodes", unit="ep")
    for i_episode in bar:
        state, info = env.reset(seed=args.seed if i_episode == 1 else None)
        state = torch.tensor(state, dtype=torch.float32).unsqueeze(0)
        for t in count():
            action = agent.select_action(state)
            observation, reward, terminated, truncated, _ = env.step(action.item())
            reward = torch.tensor([reward])
            done = terminated or truncated
            if terminated:
                next_state = None
            else:
                next_state = torch.tensor(observation, dtype=torch.float32).unsqueeze(0)
            agent.memory.push(state, action, next_state, reward)
            state = next_state
            loss = agent.optimize_model()
            if loss is not None:
                losses.append(loss)
            agent.soft_update()
            if done:
                episode_durations.append(t + 1)
                break
        avg = float(np.mean(episode_durations[-100:]))
        averages.append(avg)
        bar.set_postfix(length=episode_durations[-1], avg100=f"{avg:.1f}")
        if i_episode % args.log_interval == 0:
            getattr(bar, "write", print)(
                f"Episode {i_episode}\tlength {episode_durations[-1]}\t"
                f"average of the last 100: {avg:.1f}")
    bar.close()
    env.close()
    seconds = time.perf_counter() - t0
    avg = averages[-1] if averages else 0.0
    print(f"Complete: {len(episode_durations)} episodes, {agent.steps_done} steps in "
          f"{seconds:.0f} s; average episode length over the last 100 episodes {avg:.1f}, "
          f"best 100-episode average {max(averages, default=0.0):.1f}")
    torch.save(agent.policy_net.state_dict(), os.path.join(args.out, "dqn.pth"))
    plot_curves({"episode length": episode_durations, "average of last 100": averages},
                os.path.join(args.out, "durations.png"), xlabel="episode",
                title="DQN on CartPole-v1")
    return {"episodes": len(episode_durations), "average_length": avg,
            "best_average": max(averages, default=0.0), "steps": agent.steps_done,
            "seconds": seconds, "final_loss": losses[-1] if losses else None}


if __name__ == "__main__":
    main()
