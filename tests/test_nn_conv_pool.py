"""Convolution and pooling (functional and layers) against PyTorch, plus gradcheck."""
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
X4 = rng.standard_normal((2, 4, 9, 8)).astype(np.float32)
X3 = rng.standard_normal((2, 4, 10)).astype(np.float32)
W = rng.standard_normal((6, 4, 3, 3)).astype(np.float32)
WG = rng.standard_normal((6, 2, 3, 2)).astype(np.float32)
WT = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
W1 = rng.standard_normal((3, 4, 3)).astype(np.float32)
B6 = rng.standard_normal(6).astype(np.float32)

XBIG = rng.standard_normal((2, 3, 20, 19)).astype(np.float32)   # output plane > 256 elements
WBIG = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)

CASES = [
    ("conv2d", (X4, W, B6), {}),
    ("conv2d", (XBIG, WBIG), {"padding": 1}),
    ("conv2d", (XBIG, WBIG), {"stride": 2, "dilation": 2}),
    ("conv2d", (X4, W, B6), {"stride": 2, "padding": 1, "dilation": 2}),
    ("conv2d", (X4, WG, B6), {"groups": 2, "padding": (1, 0)}),
    ("conv2d", (X4, W, B6), {"padding": "same"}),
    ("conv2d", (X4, WG[:, :, :2, :2].copy(), B6), {"padding": "same", "groups": 2}),
    ("conv1d", (X3, W1[:, :, :2].copy()), {"padding": "same", "dilation": 3}),
    ("conv2d", (X4, W), {"padding": "valid", "stride": (2, 1)}),
    ("conv2d", (X4[0], W, B6), {}),
    ("conv_transpose2d", (X4, WT), {"stride": 2, "padding": 1, "output_padding": 1}),
    ("conv_transpose2d", (X4, WT), {}),
    ("conv1d", (X3, W1), {"stride": 2, "padding": 1}),
    ("conv_transpose1d", (X3, W1.transpose(1, 0, 2).copy()), {"stride": 2}),
    ("max_pool2d", (X4,), {"kernel_size": 2}),
    ("max_pool2d", (X4,), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("max_pool2d", (X4,), {"kernel_size": (2, 3), "stride": 1, "dilation": 2}),
    ("avg_pool2d", (X4,), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("avg_pool2d", (X4,), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                           "count_include_pad": False}),
    ("avg_pool2d", (X4,), {"kernel_size": 2, "divisor_override": 3}),
    ("adaptive_avg_pool2d", (X4,), {"output_size": (1, 1)}),
    ("adaptive_avg_pool2d", (X4,), {"output_size": (4, 3)}),
    ("adaptive_max_pool2d", (X4,), {"output_size": (3, 4)}),
    ("adaptive_max_pool2d", (X4,), {"output_size": 1}),
    ("max_pool1d", (X3,), {"kernel_size": 2}),
    ("avg_pool1d", (X3,), {"kernel_size": 3, "stride": 2}),
    ("adaptive_avg_pool1d", (X3,), {"output_size": 3}),
    ("unfold", (X4,), {"kernel_size": (2, 3), "padding": 1, "stride": 2}),
]


@requires_torch
@pytest.mark.parametrize("name,arrays,kw", CASES, ids=[f"{c[0]}-{i}" for i, c in
                                                       enumerate(CASES)])
def test_functional_matches_torch(name, arrays, kw):
    e = [ember.tensor(a, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    eo, to = getattr(F, name)(*e, **kw), getattr(TF, name)(*t, **kw)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
    w = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    for a, b in zip(e, t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-4)


@requires_torch
def test_fold_and_indices_match_torch():
    cols = rng.standard_normal((2, 4 * 6, 16)).astype(np.float32)
    e = F.fold(ember.tensor(cols), (5, 6), (2, 3), stride=(1, 1))
    t = TF.fold(torch.tensor(cols), (5, 6), (2, 3), stride=(1, 1))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-5)
    ev, ei = F.max_pool2d(ember.tensor(X4), 3, 2, 1, return_indices=True)
    tv, ti = TF.max_pool2d(torch.tensor(X4), 3, 2, 1, return_indices=True)
    assert np.array_equal(ei.numpy(), ti.numpy())
    up = F.max_unpool2d(ev, ei, 3, 2, 1, output_size=X4.shape[2:])
    tup = TF.max_unpool2d(tv, ti, 3, 2, 1, output_size=X4.shape[2:])
    np.testing.assert_allclose(up.numpy(), tup.numpy())


@pytest.mark.parametrize("fn,x_shape", [
    (lambda a, b: F.conv2d(a, b, stride=2, padding=1), (1, 2, 5, 5)),
    (lambda a, b: F.conv2d(a, b, dilation=2, padding=2), (1, 2, 5, 5)),
    (lambda a, b: F.conv_transpose2d(a, b, stride=2, output_padding=1), (1, 3, 4, 4)),
])
def test_conv_gradcheck_and_double_backward(fn, x_shape):
    x = ember.tensor(rng.standard_normal(x_shape), requires_grad=True)
    w = ember.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    assert ember.autograd.gradcheck(fn, (x, w))
    assert ember.autograd.gradgradcheck(fn, (x, w))


@pytest.mark.parametrize("fn", [lambda a: F.max_pool2d(a, 2), lambda a: F.avg_pool2d(a, 3, 2, 1),
                                lambda a: F.adaptive_avg_pool2d(a, (2, 3))])
def test_pool_gradcheck(fn):
    x = ember.tensor(rng.standard_normal((1, 2, 5, 6)), requires_grad=True)
    assert ember.autograd.gradcheck(fn, (x,))
    assert ember.autograd.gradgradcheck(fn, (x,))


@requires_torch
@pytest.mark.parametrize("layer,args", [
    ("Conv2d", dict(in_channels=3, out_channels=6, kernel_size=5)),
    ("Conv2d", dict(in_channels=4, out_channels=4, kernel_size=3, padding=1, groups=2,
                    bias=False)),
    ("Conv1d", dict(in_channels=3, out_channels=2, kernel_size=3, stride=2)),
    ("ConvTranspose2d", dict(in_channels=3, out_channels=2, kernel_size=3, stride=2,
                             padding=1, output_padding=1)),
    ("MaxPool2d", dict(kernel_size=2, stride=2)),
    ("AvgPool2d", dict(kernel_size=2)),
    ("AdaptiveAvgPool2d", dict(output_size=(1, 1))),
])
def test_layers_match_torch(layer, args):
    em = getattr(nn, layer)(**args)
    tm = getattr(torch.nn, layer)(**args)
    assert repr(em) == repr(tm)
    with torch.no_grad():
        for (ke, pe), (kt, pt) in zip(em.named_parameters(), tm.named_parameters()):
            assert ke == kt and tuple(pe.shape) == tuple(pt.shape)
            pt.copy_(torch.tensor(pe.detach().numpy()))
    c = args.get("in_channels", 3)
    shape = (2, c, 12) if "1d" in layer else (2, c, 12, 12)
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(em(ember.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_conv_bad_inputs():
    conv = nn.Conv2d(3, 6, 5)
    with pytest.raises(RuntimeError, match=r"expected input.*3 channels, but got 4"):
        conv(ember.randn(1, 4, 32, 32))
    with pytest.raises(RuntimeError, match=r"3D \(unbatched\) or 4D"):
        conv(ember.randn(32, 32))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        conv(ember.randn(1, 3, 4, 4))
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.max_pool2d(ember.randn(1, 1, 1, 1), 2)
    with pytest.raises(RuntimeError, match="3D or 4D"):
        F.max_pool2d(ember.randn(4, 4), 2)
    with pytest.raises(RuntimeError, match="should be the same"):
        conv(ember.randn(1, 3, 8, 8, dtype=ember.float64))
    with pytest.raises(ValueError):
        nn.Conv2d(3, 6, 3, groups=2)
