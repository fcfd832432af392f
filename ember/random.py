"""``ember.random``: seeding and RNG state of the default generator."""
from ._random import (fork_rng, get_rng_state, initial_seed, manual_seed,  # noqa: F401
                      seed, set_rng_state)
