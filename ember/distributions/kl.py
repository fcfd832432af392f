"""KL divergences between distributions of the same family."""
from __future__ import annotations

from .continuous import Normal
from .discrete import Bernoulli, Categorical


def kl_divergence(p, q):
    """KL(p ‖ q) for Normal/Normal, Categorical/Categorical, Bernoulli/Bernoulli."""
    if isinstance(p, Normal) and isinstance(q, Normal):
        var_ratio = (p.scale / q.scale) ** 2
        t1 = ((p.loc - q.loc) / q.scale) ** 2
        return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        return (p.probs * (p.logits - q.logits)).sum(-1)
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):
        return (p.probs * (p.logits.sigmoid().log() - q.logits.sigmoid().log())
                + (1 - p.probs) * ((-p.logits).sigmoid().log() - (-q.logits).sigmoid().log()))
    raise NotImplementedError(f"kl_divergence({type(p).__name__}, {type(q).__name__}) is not "
                              "implemented")
