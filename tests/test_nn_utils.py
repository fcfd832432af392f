"""nn.utils (gradient clipping, parameter/vector conversion, pad_sequence) and
nn.DataParallel against PyTorch."""
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch

rng = np.random.default_rng(0)
SHAPES = [(4, 3), (3,), (2, 2, 2)]


def _params(scale=1.0):
    grads = [(rng.standard_normal(s) * scale).astype(np.float32) for s in SHAPES]
    ep, tp = [], []
    for s, g in zip(SHAPES, grads):
        e = nn.Parameter(ember.zeros(*s))
        e.grad = ember.tensor(g)
        t = torch.nn.Parameter(torch.zeros(*s))
        t.grad = torch.tensor(g)
        ep.append(e)
        tp.append(t)
    return ep, tp


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ep, tp = _params()
    en = nn.utils.clip_grad_norm_(ep, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type)
    assert isinstance(en, ember.Tensor) and en.dim() == 0 and en.dtype == ember.float32
    np.testing.assert_allclose(float(en), float(tn), rtol=1e-6)
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-7)


@requires_torch
def test_get_total_norm_and_clip_grads_with_norm():
    ep, tp = _params()
    en = nn.utils.get_total_norm([p.grad for p in ep], 2.0)
    tn = torch.nn.utils.get_total_norm([p.grad for p in tp], 2.0)
    np.testing.assert_allclose(float(en), float(tn), rtol=1e-6)
    nn.utils.clip_grads_with_norm_(ep, 1.0, en)
    torch.nn.utils.clip_grads_with_norm_(tp, 1.0, tn)
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_nonfinite():
    p = nn.Parameter(ember.zeros(3))
    p.grad = ember.tensor([1.0, float("nan"), 2.0])
    before = p.grad.numpy().copy()
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(p.grad.numpy(), before)   # nothing was scaled
    n = nn.utils.clip_grad_norm_(p, 1.0)                      # a single tensor is accepted
    assert math.isnan(float(n))


def test_clip_grad_norm_without_grads():
    p = nn.Parameter(ember.zeros(3))
    assert float(nn.utils.clip_grad_norm_([p], 1.0)) == 0.0


@requires_torch
def test_clip_grad_value_matches_torch():
    ep, tp = _params(scale=3.0)
    assert nn.utils.clip_grad_value_(ep, 1.5) is None
    torch.nn.utils.clip_grad_value_(tp, 1.5)
    for e, t in zip(ep, tp):
        np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())


@requires_torch
def test_parameters_to_vector_round_trip():
    m = nn.Linear(3, 2)
    tm = torch.nn.Linear(3, 2)
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(m.weight.detach().numpy()))
        tm.bias.copy_(torch.tensor(m.bias.detach().numpy()))
    v = nn.utils.parameters_to_vector(m.parameters())
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    np.testing.assert_array_equal(v.detach().numpy(), tv.detach().numpy())
    v.sum().backward()   # differentiable
    assert float(m.weight.grad.sum()) == 6.0
    new = ember.arange(8, dtype=ember.float32)
    nn.utils.vector_to_parameters(new, m.parameters())
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(m.bias.detach().numpy(), [6, 7])
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters(np.arange(8.0), m.parameters())


@requires_torch
@pytest.mark.parametrize("kw", [
    {}, {"batch_first": True}, {"padding_value": -1.5}, {"padding_side": "left"},
    {"batch_first": True, "padding_side": "left", "padding_value": 7.0},
])
def test_pad_sequence_matches_torch(kw):
    seqs = [rng.standard_normal((n, 3)).astype(np.float32) for n in (4, 1, 3)]
    es = [ember.tensor(s, requires_grad=True) for s in seqs]
    ts = [torch.tensor(s) for s in seqs]
    eo = nn.utils.rnn.pad_sequence(es, **kw)
    to = torch.nn.utils.rnn.pad_sequence(ts, **kw)
    np.testing.assert_array_equal(eo.detach().numpy(), to.numpy())
    eo.sum().backward()
    assert all(float(e.grad.sum()) == e.numel() for e in es)


def test_pad_sequence_bad_inputs():
    with pytest.raises(RuntimeError, match="empty list"):
        nn.utils.rnn.pad_sequence([])
    with pytest.raises(ValueError, match="padding_side"):
        nn.utils.rnn.pad_sequence([ember.ones(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match="trailing dimensions"):
        nn.utils.rnn.pad_sequence([ember.ones(2, 3), ember.ones(2, 4)])


@requires_torch
def test_data_parallel_single_device():
    inner = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    dp = nn.DataParallel(inner)
    assert dp.module is inner
    assert repr(dp) == repr(torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(4, 3),
                                                                      torch.nn.ReLU())))
    x = ember.randn(5, 4)
    np.testing.assert_array_equal(dp(x).detach().numpy(), inner(x).detach().numpy())
    keys = list(dp.state_dict())
    assert keys == ["module.0.weight", "module.0.bias"]
    fresh = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    fresh.load_state_dict({k[len("module."):]: v for k, v in dp.state_dict().items()})
    np.testing.assert_array_equal(fresh(x).detach().numpy(), inner(x).detach().numpy())
    dp(x).sum().backward()
    assert inner[0].weight.grad is not None
    assert nn.parallel.data_parallel(inner, x).shape == (5, 3)


def test_distributed_data_parallel_explains():
    with pytest.raises(RuntimeError, match="ember.distributed"):
        nn.DistributedDataParallel(nn.Linear(2, 2))
