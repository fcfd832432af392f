"""Dropout family (statistics, scaling, reproducibility) and Embedding / EmbeddingBag
(against PyTorch: padding_idx, max_norm, scale_grad_by_freq, bags, bad inputs)."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch
    import torch.nn.functional as TF

rng = np.random.default_rng(0)


# ------------------------------------------------------------------ dropout
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_fraction_scaling_and_gradient(p):
    x = ember.ones(200, 300, requires_grad=True)
    y = F.dropout(x, p)
    yv = y.detach().numpy()
    kept = yv != 0
    assert abs(1 - kept.mean() - p) < 0.01
    np.testing.assert_allclose(yv[kept], 1 / (1 - p), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), yv)   # the gradient is the scaled mask
    assert y.grad_fn.name() == "NativeDropoutBackward0"


def test_dropout_eval_identity_and_edge_probabilities():
    x = ember.randn(4, 5)
    assert F.dropout(x, 0.5, training=False) is x
    d = nn.Dropout(0.5).eval()
    assert d(x) is x
    np.testing.assert_array_equal(F.dropout(x, 0.0).numpy(), x.numpy())
    assert float(F.dropout(x, 1.0).abs().sum()) == 0.0


def test_dropout_reproducible_with_manual_seed():
    x = ember.ones(50, 40)
    ember.manual_seed(123)
    a = F.dropout(x, 0.3)
    b = F.dropout(x, 0.3)
    ember.manual_seed(123)
    c = F.dropout(x, 0.3)
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    assert not np.array_equal(a.numpy(), b.numpy())


def test_dropout_inplace():
    x = ember.ones(30, 30)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x and (x.numpy() == 0).any()
    leaf = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        nn.Dropout(0.5, inplace=True)(leaf)
    z = ember.ones(100, requires_grad=True)
    h = z * 1
    nn.Dropout(0.5, inplace=True)(h).sum().backward()
    np.testing.assert_array_equal(z.grad.numpy(), h.detach().numpy())


@pytest.mark.parametrize("fn,shape", [
    (F.dropout1d, (20, 30, 8)), (F.dropout1d, (30, 8)), (F.dropout2d, (20, 30, 4, 5)),
    (F.dropout3d, (10, 30, 2, 3, 4)), (F.dropout3d, (30, 2, 3, 4)),
])
def test_channel_dropout_zeroes_whole_channels(fn, shape):
    x = ember.ones(*shape, requires_grad=True)
    y = fn(x, 0.5)
    v = y.detach().numpy()
    lead = 2 if len(shape) in (3, 4, 5) and not (fn is F.dropout1d and len(shape) == 2) \
        and not (fn is F.dropout3d and len(shape) == 4) else 1
    planes = v.reshape(int(np.prod(shape[:lead])), -1)
    assert all(np.all(r == r[0]) for r in planes)     # one decision per channel
    assert set(np.unique(v)) <= {0.0, 2.0}
    assert 0.3 < (planes[:, 0] == 0).mean() < 0.7
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)


def test_dropout2d_3d_input_is_channelwise_1d():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = F.dropout2d(ember.ones(8, 40, 6), 0.5).numpy()
    assert all(np.all(r == r[0]) for r in y.reshape(320, 6))


def test_dropout1d_rank_error():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(ember.ones(2, 3, 4, 5))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_out_of_range(p):
    for make in (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
                 nn.FeatureAlphaDropout):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            make(p)
    with pytest.raises(ValueError, match=f"but got {p}"):
        F.dropout(ember.ones(3), p)


def test_alpha_dropout_keeps_selu_statistics():
    ember.manual_seed(0)
    x = ember.randn(400, 500)
    assert F.alpha_dropout(x, 0.3) is x          # training=False by default, like PyTorch
    y = F.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * 0.3 + 1) * 0.7)
    dropped_value = -alpha * a + alpha * a * 0.3
    assert abs((np.isclose(y, dropped_value)).mean() - 0.3) < 0.01
    xg = ember.randn(50, requires_grad=True)
    nn.AlphaDropout(0.5)(xg).sum().backward()
    a5 = 1 / np.sqrt((alpha ** 2 * 0.5 + 1) * 0.5)
    grads = xg.grad.numpy()
    assert np.all(np.isclose(grads, 0) | np.isclose(grads, a5))
    assert nn.AlphaDropout(0.5).eval()(x) is x


def test_feature_alpha_dropout_channels():
    ember.manual_seed(1)
    y = nn.FeatureAlphaDropout(0.5)(ember.zeros(10, 20, 6)).numpy()
    assert all(np.all(r == r[0]) for r in y.reshape(200, 6))
    assert len(np.unique(y)) == 2


# ------------------------------------------------------------------ embedding
W = rng.standard_normal((10, 4)).astype(np.float32)
IDX = rng.integers(0, 10, (3, 5))


def _pair(w=W, **kw):
    e = nn.Embedding(*w.shape, **kw)
    t = torch.nn.Embedding(*w.shape, **kw)
    with ember.no_grad():
        e.weight.copy_(ember.tensor(w))
    with torch.no_grad():
        t.weight.copy_(torch.tensor(w))
    return e, t


@requires_torch
@pytest.mark.parametrize("kw", [
    {}, {"padding_idx": 3}, {"padding_idx": -2}, {"scale_grad_by_freq": True},
    {"padding_idx": 1, "scale_grad_by_freq": True}, {"max_norm": 1.0},
    {"max_norm": 1.5, "norm_type": 1.0}, {"max_norm": 0.8, "norm_type": float("inf")},
    {"sparse": True},
])
def test_embedding_matches_torch(kw):
    e, t = _pair(**kw)
    assert repr(e) == repr(t)
    eo, to = e(ember.tensor(IDX)), t(torch.tensor(IDX))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-6, atol=1e-6)
    # max_norm renormalises the table in place (only the looked-up rows)
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-6,
                               atol=1e-6)
    g = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    tg = t.weight.grad.to_dense() if t.weight.grad.is_sparse else t.weight.grad
    np.testing.assert_allclose(e.weight.grad.numpy(), tg.numpy(), rtol=1e-5, atol=1e-5)
    assert eo.grad_fn.name() == "EmbeddingBackward0"


def test_embedding_padding_row_initialised_to_zero_and_no_grad():
    e = nn.Embedding(6, 3, padding_idx=2)
    assert float(e.weight[2].abs().sum()) == 0.0
    e(ember.tensor([[2, 2, 1]])).sum().backward()
    assert float(e.weight.grad[2].abs().sum()) == 0.0
    assert float(e.weight.grad[1].sum()) == 3.0


@requires_torch
def test_embedding_large_table_backward_matches_torch():
    w = rng.standard_normal((5000, 8)).astype(np.float32)
    idx = rng.integers(0, 5000, (40, 30))
    e, t = _pair(w)
    eo, to = e(ember.tensor(idx)), t(torch.tensor(idx))
    g = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-5)


def test_embedding_gradcheck_and_double_backward():
    w = ember.tensor(rng.standard_normal((5, 3)), dtype=ember.float64, requires_grad=True)
    idx = ember.tensor([[0, 4, 4], [2, 0, 1]])

    def f(w):
        return F.embedding(idx, w) ** 2
    assert ember.autograd.gradcheck(f, (w,))
    assert ember.autograd.gradgradcheck(f, (w,))


def test_embedding_from_pretrained():
    table = ember.tensor(W)
    e = nn.Embedding.from_pretrained(table)
    assert not e.weight.requires_grad
    np.testing.assert_array_equal(e(ember.tensor([1, 2])).numpy(), W[[1, 2]])
    e2 = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=0)
    assert e2.weight.requires_grad and e2.padding_idx == 0
    assert float(e2.weight[0].abs().sum()) != 0.0   # the given table is not modified
    with pytest.raises(ValueError, match="2-dimensional"):
        nn.Embedding.from_pretrained(ember.ones(3))
    bag = nn.EmbeddingBag.from_pretrained(table, mode="sum")
    np.testing.assert_allclose(bag(ember.tensor([[1, 2]])).numpy(), W[[1]] + W[[2]], rtol=1e-6)


def test_embedding_bad_indices():
    e = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"index 12 .*10 rows"):
        e(ember.tensor([1, 12]))
    with pytest.raises(IndexError, match=r"index -1 .*10 rows"):
        e(ember.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match="float32"):
        e(ember.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(5, 2, padding_idx=5)


@requires_torch
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("layout", ["2d", "offsets", "last_offset", "padding"])
def test_embedding_bag_matches_torch(mode, layout):
    kw, call = {"mode": mode}, {}
    idx = IDX
    if layout == "padding":
        kw["padding_idx"] = int(IDX[0, 0])
    if layout in ("offsets", "last_offset"):
        idx = IDX.reshape(-1)
        off = np.array([0, 4, 4, 9] + ([15] if layout == "last_offset" else []))
        kw["include_last_offset"] = layout == "last_offset"
    e = nn.EmbeddingBag(10, 4, **kw)
    t = torch.nn.EmbeddingBag(10, 4, **kw)
    with ember.no_grad():
        e.weight.copy_(ember.tensor(W))
    with torch.no_grad():
        t.weight.copy_(torch.tensor(W))
    assert repr(e) == repr(t)
    ea = (ember.tensor(off),) if "off" in layout else ()
    ta = (torch.tensor(off),) if "off" in layout else ()
    eo, to = e(ember.tensor(idx), *ea, **call), t(torch.tensor(idx), *ta, **call)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-6)


@requires_torch
def test_embedding_bag_per_sample_weights():
    psw = rng.standard_normal(IDX.shape).astype(np.float32)
    ep, tp = ember.tensor(psw, requires_grad=True), torch.tensor(psw, requires_grad=True)
    ew, tw = ember.tensor(W, requires_grad=True), torch.tensor(W, requires_grad=True)
    eo = F.embedding_bag(ember.tensor(IDX), ew, mode="sum", per_sample_weights=ep)
    to = TF.embedding_bag(torch.tensor(IDX), tw, mode="sum", per_sample_weights=tp)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    eo.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="per_sample_weights"):
        F.embedding_bag(ember.tensor(IDX), ew, mode="mean", per_sample_weights=ep)


def test_embedding_bag_bad_inputs():
    w = ember.randn(10, 3)
    with pytest.raises(ValueError, match="offsets has to be None"):
        F.embedding_bag(ember.tensor(IDX), w, ember.tensor([0, 1]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(ember.tensor([1, 2]), w)
    with pytest.raises(ValueError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(ember.tensor([1, 2]), w, ember.tensor([1]))
    with pytest.raises(IndexError, match="index 10"):
        F.embedding_bag(ember.tensor([[1, 10]]), w)
