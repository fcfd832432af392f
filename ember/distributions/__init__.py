"""``ember.distributions``: probability distributions with sampling, log_prob and entropy
(the subset used by RL, VAE and GAN tutorials)."""
from .distribution import Distribution  # noqa: F401
from .discrete import Bernoulli, Categorical, OneHotCategorical  # noqa: F401
from .continuous import Normal, Uniform  # noqa: F401
from .kl import kl_divergence  # noqa: F401

__all__ = ["Distribution", "Bernoulli", "Categorical", "OneHotCategorical", "Normal", "Uniform",
           "kl_divergence"]
