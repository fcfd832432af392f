"""Normalisation (functional and layers) against PyTorch: batch/layer/group/instance norm,
RMSNorm, local response norm, normalize; running statistics, gradcheck, bad inputs."""
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


def _arr(*shape, shift=0.0, scale=1.0):
    return (rng.standard_normal(shape) * scale + shift).astype(np.float32)


X4 = _arr(4, 3, 5, 6, shift=1.0, scale=2.0)
X3 = _arr(5, 3, 7)
X2 = _arr(6, 3)
X5 = _arr(2, 3, 3, 4, 2)
W3, B3 = _arr(3), _arr(3)
RM, RV = _arr(3), (rng.random(3) + 0.5).astype(np.float32)
LW, LB = _arr(5, 6), _arr(5, 6)


def _compare(ef, tf, arrays, rtol=1e-4, atol=1e-5):
    e = [ember.tensor(a, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    eo, to = ef(*e), tf(*t)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    w = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    for a, b in zip(e, t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol * 10)


def _bn(lib, train, stats):
    def f(x, w, b):
        rm = lib.tensor(RM) if stats else None
        rv = lib.tensor(RV) if stats else None
        return lib.nn.functional.batch_norm(x, rm, rv, w, b, train, 0.1, 1e-5)
    return f


FUNCS = {
    "bn-train-4d": (lambda lib: _bn(lib, True, False), [X4, W3, B3]),
    "bn-train-stats-3d": (lambda lib: _bn(lib, True, True), [X3, W3, B3]),
    "bn-train-2d": (lambda lib: _bn(lib, True, False), [X2, W3, B3]),
    "bn-eval-4d": (lambda lib: _bn(lib, False, True), [X4, W3, B3]),
    "bn-train-5d": (lambda lib: _bn(lib, True, False), [X5, W3, B3]),
    "bn-noaffine": (lambda lib: lambda x: lib.nn.functional.batch_norm(x, None, None,
                                                                       training=True), [X4]),
    "ln-2dims": (lambda lib: lambda x, w, b: lib.nn.functional.layer_norm(x, (5, 6), w, b),
                 [X4, LW, LB]),
    "ln-noaffine": (lambda lib: lambda x: lib.nn.functional.layer_norm(x, [7]), [X3]),
    "ln-weight-only": (lambda lib: lambda x, w: lib.nn.functional.layer_norm(x, (6,), w),
                       [X4, LW[0]]),
    "gn": (lambda lib: lambda x, w, b: lib.nn.functional.group_norm(x, 3, w, b), [X4, W3, B3]),
    "gn-one-group": (lambda lib: lambda x: lib.nn.functional.group_norm(x, 1), [X3]),
    "in": (lambda lib: lambda x, w, b: lib.nn.functional.instance_norm(x, weight=w, bias=b),
           [X4, W3, B3]),
    "in-1d": (lambda lib: lambda x: lib.nn.functional.instance_norm(x), [X3]),
    "lrn-3": (lambda lib: lambda x: lib.nn.functional.local_response_norm(x, 3), [X4]),
    "lrn-4-3d": (lambda lib: lambda x: lib.nn.functional.local_response_norm(
        x, 4, alpha=0.1, beta=0.5, k=2.0), [X3]),
    "normalize": (lambda lib: lambda x: lib.nn.functional.normalize(x), [X4]),
    "normalize-p1-dim": (lambda lib: lambda x: lib.nn.functional.normalize(x, 1.0, -1), [X3]),
    "rms": (lambda lib: lambda x, w: lib.nn.functional.rms_norm(x, (6,), w), [X4, LW[0]]),
    "rms-eps": (lambda lib: lambda x: lib.nn.functional.rms_norm(x, (5, 6), eps=1e-3), [X4]),
}


@requires_torch
@pytest.mark.parametrize("name", list(FUNCS))
def test_functional_matches_torch(name):
    make, arrays = FUNCS[name]
    _compare(make(ember), make(torch), arrays)


@requires_torch
def test_batch_norm_running_update_functional():
    er, ev = ember.tensor(RM), ember.tensor(RV)
    tr, tv = torch.tensor(RM), torch.tensor(RV)
    for m in (0.1, 0.5):
        F.batch_norm(ember.tensor(X4), er, ev, training=True, momentum=m)
        TF.batch_norm(torch.tensor(X4), tr, tv, training=True, momentum=m)
    np.testing.assert_allclose(er.numpy(), tr.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=1e-5, atol=1e-6)


@requires_torch
def test_batch_norm_large_mean_accuracy():
    x = _arr(8, 4, 16, 16, shift=50.0, scale=0.5)
    _compare(lambda a: F.batch_norm(a, None, None, training=True),
             lambda a: TF.batch_norm(a.double(), None, None, training=True).float(), [x],
             rtol=1e-3, atol=1e-4)


@requires_torch
@pytest.mark.parametrize("shape", [(6, 8, 64, 64), (2, 4, 512, 300)],
                         ids=["several-blocks", "large-samples"])
def test_batch_norm_blocked_kernels(shape):
    x = _arr(*shape, shift=0.5)
    w, b = _arr(shape[1]), _arr(shape[1])
    _compare(lambda a, c, d: F.batch_norm(a, None, None, c, d, training=True),
             lambda a, c, d: TF.batch_norm(a, None, None, c, d, training=True), [x, w, b],
             rtol=1e-3, atol=1e-4)


@requires_torch
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_parameter_grads_only(train):
    grads = []
    for lib in (ember, torch):
        w = lib.tensor(W3, requires_grad=True)
        b = lib.tensor(B3, requires_grad=True)
        y = lib.nn.functional.batch_norm(lib.tensor(X4), lib.tensor(RM), lib.tensor(RV), w, b,
                                         train)
        (y * lib.tensor(X4[::-1].copy())).sum().backward()
        grads.append((w.grad.numpy(), b.grad.numpy()))
    for a, c in zip(*grads):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4)


@requires_torch
def test_batch_norm_noncontiguous_input():
    x = _arr(4, 5, 6, 3)   # NHWC memory, viewed as NCHW
    _compare(lambda a: F.batch_norm(a.permute(0, 3, 1, 2), None, None, training=True),
             lambda a: TF.batch_norm(a.permute(0, 3, 1, 2), None, None, training=True), [x])


BN_CONFIGS = [
    (nn.BatchNorm1d, "BatchNorm1d", X2, {}),
    (nn.BatchNorm1d, "BatchNorm1d", X3, {"momentum": None}),
    (nn.BatchNorm2d, "BatchNorm2d", X4, {"affine": False}),
    (nn.BatchNorm2d, "BatchNorm2d", X4, {"momentum": 0.3, "eps": 1e-3}),
    (nn.BatchNorm2d, "BatchNorm2d", X4, {"track_running_stats": False}),
    (nn.BatchNorm2d, "BatchNorm2d", X4, {"bias": False}),
    (nn.BatchNorm3d, "BatchNorm3d", X5, {}),
]


def _copy_params(em, tm):
    with torch.no_grad():
        for (n1, p1), (n2, p2) in zip(em.named_parameters(), tm.named_parameters()):
            assert n1 == n2
            p2.copy_(torch.tensor(p1.detach().numpy()))


@requires_torch
@pytest.mark.parametrize("cls,name,x,kw", BN_CONFIGS,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(BN_CONFIGS)])
def test_batchnorm_module_train_eval(cls, name, x, kw):
    em, tm = cls(3, **kw), getattr(torch.nn, name)(3, **kw)
    if em.weight is not None:
        with ember.no_grad():
            em.weight.copy_(ember.tensor(W3))
    _copy_params(em, tm)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    for step in range(3):
        xs = x * (1 + step) + step
        _compare(lambda a: em(a), lambda a: tm(a), [xs])
    for (n1, b1), (n2, b2) in zip(em.named_buffers(), tm.named_buffers()):
        assert n1 == n2
        np.testing.assert_allclose(b1.numpy(), b2.numpy(), rtol=1e-5, atol=1e-6)
    if em.num_batches_tracked is not None:
        assert int(em.num_batches_tracked) == 3
        assert em.num_batches_tracked.dtype == ember.int64
    em.eval()
    tm.eval()
    _compare(lambda a: em(a), lambda a: tm(a), [x])
    for p1, p2 in zip(em.parameters(), tm.parameters()):
        np.testing.assert_allclose(p1.grad.numpy(), p2.grad.numpy(), rtol=1e-4, atol=1e-4)


@requires_torch
def test_batchnorm_state_dict_roundtrip_and_legacy():
    tm = torch.nn.BatchNorm2d(3)
    tm(torch.tensor(X4))
    sd = {k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()}
    em = nn.BatchNorm2d(3)
    em.load_state_dict(sd)
    em.eval()
    tm.eval()
    np.testing.assert_allclose(em(ember.tensor(X4)).detach().numpy(),
                               tm(torch.tensor(X4)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    del sd["num_batches_tracked"]   # checkpoints older than the buffer still load
    missing, unexpected = nn.BatchNorm2d(3).load_state_dict(sd)
    assert missing == [] and unexpected == []


def test_batchnorm_output_may_be_modified_in_place():
    bn = nn.BatchNorm2d(3)
    x = ember.tensor(X4, requires_grad=True)
    y = bn(x)
    y.relu_()
    y.sum().backward()
    assert x.grad is not None and bn.weight.grad is not None


@requires_torch
@pytest.mark.parametrize("name,kw,x", [
    ("InstanceNorm1d", {}, X3),
    ("InstanceNorm2d", {"affine": True}, X4),
    ("InstanceNorm2d", {"track_running_stats": True}, X4),
    ("InstanceNorm3d", {"affine": True, "track_running_stats": True, "momentum": 0.3}, X5),
    ("InstanceNorm1d", {"affine": True}, X3[0]),
])
def test_instancenorm_module(name, kw, x):
    em, tm = getattr(nn, name)(3, **kw), getattr(torch.nn, name)(3, **kw)
    _copy_params(em, tm)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    for _ in range(2):
        _compare(lambda a: em(a), lambda a: tm(a), [x])
    for b1, b2 in zip(em.buffers(), tm.buffers()):
        np.testing.assert_allclose(b1.numpy(), b2.numpy(), rtol=1e-5, atol=1e-6)
    em.eval()
    tm.eval()
    _compare(lambda a: em(a), lambda a: tm(a), [x])


@requires_torch
@pytest.mark.parametrize("name,args,kw,x", [
    ("LayerNorm", ((5, 6),), {}, X4),
    ("LayerNorm", (7,), {"elementwise_affine": False}, X3),
    ("LayerNorm", ([6],), {"bias": False, "eps": 1e-3}, X4),
    ("GroupNorm", (3, 3), {}, X4),
    ("GroupNorm", (1, 3), {"affine": False}, X3),
    ("GroupNorm", (3, 3), {"bias": False}, X5),
    ("LocalResponseNorm", (2,), {}, X4),
    ("LocalResponseNorm", (3,), {"alpha": 0.01, "beta": 0.9, "k": 2.0}, X5),
    ("RMSNorm", (6,), {}, X4),
    ("RMSNorm", ((5, 6),), {"eps": 1e-4, "elementwise_affine": False}, X4),
])
def test_norm_layers(name, args, kw, x):
    em, tm = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    with ember.no_grad():
        for p in em.parameters():
            p.copy_(ember.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    _copy_params(em, tm)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    _compare(lambda a: em(a), lambda a: tm(a), [x])
    for p1, p2 in zip(em.parameters(), tm.parameters()):
        np.testing.assert_allclose(p1.grad.numpy(), p2.grad.numpy(), rtol=1e-4, atol=1e-4)


def _d(*shape):
    return ember.tensor(rng.standard_normal(shape), dtype=ember.float64, requires_grad=True)


_RM64 = ember.tensor(RM.astype(np.float64))
_RV64 = ember.tensor(RV.astype(np.float64))

GRADCHECK = {
    "bn-train": (lambda x, w, b: F.batch_norm(x, None, None, w, b, True), (3, 3, 4)),
    "bn-train-2d": (lambda x, w, b: F.batch_norm(x, None, None, w, b, True), (5, 3)),
    "bn-eval": (lambda x, w, b: F.batch_norm(x, _RM64, _RV64, w, b, False), (2, 3, 2, 2)),
    "ln": (lambda x, w, b: F.layer_norm(x, (4,), w, b), (3, 3, 4)),
    "gn": (lambda x, w, b: F.group_norm(x, 3, w, b), (2, 3, 4)),
    "in": (lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (2, 3, 4)),
}


@pytest.mark.parametrize("name", list(GRADCHECK))
def test_gradcheck_and_double_backward(name):
    fn, shape = GRADCHECK[name]
    x = _d(*shape)
    c = 4 if name == "ln" else 3
    args = (x, _d(c), _d(c))
    assert ember.autograd.gradcheck(fn, args)
    assert ember.autograd.gradgradcheck(fn, args)


@requires_torch
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_double_backward_matches_torch(train):
    x = X4[:2].astype(np.float64)

    def run(lib, mod):
        xt = lib.tensor(x, requires_grad=True)
        w = lib.tensor(W3.astype(np.float64), requires_grad=True)
        rm, rv = lib.tensor(RM.astype(np.float64)), lib.tensor(RV.astype(np.float64))
        y = mod.batch_norm(xt, rm, rv, w, None, train, 0.1, 1e-5)
        gx, gw = lib.autograd.grad((y * y * y).sum(), (xt, w), create_graph=True)
        (gx.pow(2).sum() + gw.sum()).backward()
        return xt.grad.numpy(), w.grad.numpy()

    for a, b in zip(run(ember, F), run(torch, TF)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


W7 = rng.standard_normal(7)


@requires_torch
def test_layer_norm_double_backward_matches_torch():
    x = X3.astype(np.float64)

    def run(lib, mod):
        xt = lib.tensor(x, requires_grad=True)
        w = lib.tensor(W7, requires_grad=True)
        y = mod.layer_norm(xt, (7,), w)
        (gx,) = lib.autograd.grad(y.sin().sum(), (xt,), create_graph=True)
        gx.pow(2).sum().backward()
        return xt.grad.numpy(), w.grad.numpy()

    for a, b in zip(run(ember, F), run(torch, TF)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_normalize_out_and_eps():
    x = ember.zeros(2, 3)
    out = ember.empty(2, 3)
    r = F.normalize(x, out=out)
    assert r is out and float(out.abs().sum()) == 0.0


# ------------------------------------------------------------------ bad inputs
def test_batchnorm_one_value_per_channel_raises_without_side_effects():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when "
                       r"training, got input size \[1, 3\]"):
        bn(ember.randn(1, 3))
    assert int(bn.num_batches_tracked) == 0
    assert float(bn.running_mean.abs().sum()) == 0.0
    bn.eval()
    assert bn(ember.randn(1, 3)).shape == (1, 3)   # evaluation uses the running stats


@pytest.mark.parametrize("cls,shape,msg", [
    (nn.BatchNorm1d, (2, 3, 4, 5), "expected 2D or 3D input \\(got 4D input\\)"),
    (nn.BatchNorm2d, (2, 3, 4), "expected 4D input \\(got 3D input\\)"),
    (nn.BatchNorm3d, (2, 3, 4, 4), "expected 5D input \\(got 4D input\\)"),
    (nn.InstanceNorm2d, (3, 4), "expected 3D or 4D input \\(got 2D input\\)"),
])
def test_norm_wrong_rank(cls, shape, msg):
    with pytest.raises(ValueError, match=msg):
        cls(3)(ember.randn(*shape))


def test_norm_bad_inputs():
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm2d(3)(ember.randn(2, 4, 3, 3))
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(ember.randn(2, 3), None, None, training=False)
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\].*\[3, 5\]"):
        nn.LayerNorm(4)(ember.randn(3, 5))
    with pytest.raises(ValueError, match="num_channels \\(6\\) must be divisible by num_groups"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match=r"divisible by num_groups.*\[2, 6, 3\]"):
        F.group_norm(ember.randn(2, 6, 3), 4)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm1d(3)(ember.randn(2, 3, 1))
    with pytest.raises(ValueError, match="expected input's size at dim=1 to match num_features"):
        nn.InstanceNorm1d(3, affine=True)(ember.randn(2, 4, 5))
