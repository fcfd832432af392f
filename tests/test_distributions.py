"""ember.distributions against torch.distributions: log_prob, entropy, KL, gradients, and
sample statistics (random streams differ, so samples are checked by their statistics)."""
import numpy as np
import pytest

import ember
from ember import distributions as D
from conftest import requires_torch

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((4, 5)).astype(np.float32)


@requires_torch
@pytest.mark.parametrize("use_logits", [True, False])
def test_categorical_matches_torch(use_logits):
    import torch
    arr = LOGITS if use_logits else np.exp(LOGITS)
    e_p, t_p = ember.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    kw = "logits" if use_logits else "probs"
    ed, td = D.Categorical(**{kw: e_p}), torch.distributions.Categorical(**{kw: t_p})
    value = np.array([0, 4, 2, 1])
    el, tl = ed.log_prob(ember.tensor(value)), td.log_prob(torch.tensor(value))
    np.testing.assert_allclose(el.detach().numpy(), tl.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ed.entropy().detach().numpy(), td.entropy().detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    (el.sum() + ed.entropy().sum()).backward()
    (tl.sum() + td.entropy().sum()).backward()
    np.testing.assert_allclose(e_p.grad.numpy(), t_p.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_categorical_sampling_statistics_and_seed():
    probs = ember.tensor([0.1, 0.2, 0.7])
    ember.manual_seed(0)
    s = D.Categorical(probs=probs).sample((20000,))
    assert s.shape == (20000,) and s.dtype == ember.int64
    freq = np.bincount(s.numpy(), minlength=3) / 20000
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.02)
    ember.manual_seed(0)
    assert np.array_equal(D.Categorical(probs=probs).sample((20000,)).numpy(), s.numpy())
    with pytest.raises(ValueError):
        D.Categorical()
    with pytest.raises(ValueError):
        D.Categorical(probs=ember.tensor([0.5, -0.1]))


@requires_torch
def test_normal_bernoulli_kl_match_torch():
    import torch
    loc, scale = rng.standard_normal(3).astype(np.float32), rng.uniform(0.5, 2, 3).astype(
        np.float32)
    x = rng.standard_normal(3).astype(np.float32)
    en, tn = D.Normal(ember.tensor(loc), ember.tensor(scale)), torch.distributions.Normal(
        torch.tensor(loc), torch.tensor(scale))
    np.testing.assert_allclose(en.log_prob(ember.tensor(x)).numpy(),
                               tn.log_prob(torch.tensor(x)).numpy(), rtol=1e-5)
    np.testing.assert_allclose(en.entropy().numpy(), tn.entropy().numpy(), rtol=1e-5)
    en2 = D.Normal(ember.zeros(3), ember.ones(3))
    tn2 = torch.distributions.Normal(torch.zeros(3), torch.ones(3))
    np.testing.assert_allclose(D.kl_divergence(en, en2).numpy(),
                               torch.distributions.kl_divergence(tn, tn2).numpy(), rtol=1e-5)
    p = rng.uniform(0.1, 0.9, 4).astype(np.float32)
    eb, tb = D.Bernoulli(probs=ember.tensor(p)), torch.distributions.Bernoulli(
        probs=torch.tensor(p))
    v = np.array([0.0, 1.0, 1.0, 0.0], dtype=np.float32)
    np.testing.assert_allclose(eb.log_prob(ember.tensor(v)).numpy(),
                               tb.log_prob(torch.tensor(v)).numpy(), rtol=1e-5)
    np.testing.assert_allclose(eb.entropy().numpy(), tb.entropy().numpy(), rtol=1e-5)


def test_normal_rsample_is_differentiable():
    loc = ember.zeros(2, requires_grad=True)
    scale = ember.ones(2, requires_grad=True)
    ember.manual_seed(1)
    z = D.Normal(loc, scale).rsample((1000,))
    z.mean().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [0.5, 0.5], rtol=1e-4)
    assert scale.grad is not None
    assert abs(float(z.detach().std()) - 1.0) < 0.1
