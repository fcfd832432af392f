"""Activation functions and layers against PyTorch: forward, input gradients, PReLU weight
gradients, in-place behaviour, reprs, gradcheck / gradgradcheck of the fused ops."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch
    import torch.nn as tnn
    import torch.nn.functional as TF

rng = np.random.default_rng(0)
# values spread over the interesting ranges (±3 for hard*, beyond threshold for softplus);
# no exact ties with the kink points
X = (rng.standard_normal((3, 4, 5)) * 3).astype(np.float32)
X_GLU = rng.standard_normal((3, 6, 4)).astype(np.float32)

F_CASES = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {}), ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {"alpha": 2.0}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
    ("sigmoid", {}), ("tanh", {}), ("hardtanh", {}), ("hardtanh", {"min_val": -2.0,
                                                                   "max_val": 0.5}),
    ("hardswish", {}), ("hardsigmoid", {}), ("softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 3.0}), ("softsign", {}),
    ("softmax", {"dim": 1}), ("softmax", {"dim": -1}), ("log_softmax", {"dim": 0}),
    ("softmin", {"dim": 2}), ("threshold", {"threshold": 0.3, "value": -2.0}),
    ("logsigmoid", {}), ("tanhshrink", {}), ("hardshrink", {}), ("hardshrink", {"lambd": 1.5}),
    ("softshrink", {}), ("softshrink", {"lambd": 1.2}), ("rrelu", {}),
    ("rrelu", {"lower": 0.1, "upper": 0.5}),
]


def _compare(eo, to, e_inputs, t_inputs, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    w = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    for a, b in zip(e_inputs, t_inputs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol * 10, atol=atol * 10)


@requires_torch
@pytest.mark.parametrize("name,kw", F_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(F_CASES)])
def test_functional_matches_torch(name, kw):
    e, t = ember.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    _compare(getattr(F, name)(e, **kw), getattr(TF, name)(t, **kw), [e], [t])


@requires_torch
@pytest.mark.parametrize("dim", [-1, 1])
def test_glu_matches_torch(dim):
    e, t = ember.tensor(X_GLU, requires_grad=True), torch.tensor(X_GLU, requires_grad=True)
    _compare(F.glu(e, dim), TF.glu(t, dim), [e], [t])
    with pytest.raises(RuntimeError, match="even"):
        F.glu(ember.zeros(3, 5))


@requires_torch
@pytest.mark.parametrize("shape,n", [((3, 4, 5), 4), ((3, 4, 5), 1), ((6,), 1), ((2, 3), 3)])
def test_prelu_matches_torch(shape, n):
    x = (rng.standard_normal(shape) * 2).astype(np.float32)
    em, tm = nn.PReLU(n, init=0.1), tnn.PReLU(n, init=0.1)
    w = rng.uniform(0.05, 0.5, n).astype(np.float32)
    with ember.no_grad():
        em.weight.copy_(ember.tensor(w))
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(w))
    e, t = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    _compare(em(e), tm(t), [e, em.weight], [t, tm.weight])
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert np.allclose(nn.PReLU(3).weight.detach().numpy(), 0.25)


def _modules(lib):
    m = lib.nn
    return [
        m.ReLU(), m.ReLU(inplace=True), m.ReLU6(), m.ReLU6(True), m.LeakyReLU(),
        m.LeakyReLU(0.2, True), m.ELU(), m.ELU(0.5, True), m.SELU(), m.SELU(True), m.CELU(1.5),
        m.GELU(), m.GELU("tanh"), m.SiLU(), m.SiLU(True), m.Mish(), m.Mish(True), m.Sigmoid(),
        m.Tanh(), m.Hardtanh(), m.Hardtanh(-2.0, 2.0, True), m.Hardswish(), m.Hardswish(True),
        m.Hardsigmoid(), m.Hardsigmoid(True), m.Softplus(), m.Softplus(2.0, 5.0), m.Softsign(),
        m.Softmax(1), m.Softmax(dim=-1), m.LogSoftmax(0), m.Softmin(2),
        m.Threshold(0.1, 20.0), m.Threshold(0.1, 2.0, True), m.LogSigmoid(), m.Tanhshrink(),
        m.Hardshrink(), m.Hardshrink(1.0), m.Softshrink(0.3), m.GLU(1), m.RReLU().eval(),
        m.RReLU(0.1, 0.3, True).eval(), m.Softmax2d(),
    ]


@requires_torch
@pytest.mark.parametrize("i", range(len(_modules(ember))))
def test_module_matches_torch(i):
    em, tm = _modules(ember)[i], _modules(torch)[i]
    assert repr(em) == repr(tm)
    x = X_GLU if isinstance(em, nn.GLU) else X
    # in-place layers need a non-leaf input; compare the gradient through a (·1.5) op
    e0, t0 = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    e, t = e0 * 1.5, t0 * 1.5
    eo, to = em(e), tm(t)
    if getattr(tm, "inplace", False):
        assert eo is e
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
    _compare(eo, to, [e0], [t0])
    assert list(em.state_dict()) == list(tm.state_dict())


def test_relu_inplace_really_in_place():
    x = ember.tensor([-1.0, 2.0, -3.0])
    y = F.relu(x, inplace=True)
    assert y is x and x.tolist() == [0.0, 2.0, 0.0]
    a = ember.tensor([-1.0, 0.5], requires_grad=True)
    b = a * 2
    c = F.relu(b, inplace=True)
    assert c is b and c.grad_fn is not None
    c.sum().backward()
    assert a.grad.tolist() == [0.0, 2.0]
    for fn, kw in ((F.leaky_relu, {"negative_slope": 0.5}), (F.elu, {}), (F.hardtanh, {}),
                   (F.silu, {}), (F.hardswish, {}), (F.threshold, {"threshold": 0.0,
                                                                   "value": 7.0})):
        x = ember.tensor([-1.0, 2.0])
        ref = fn(x.clone(), **kw)
        out = fn(x, **kw, inplace=True)
        assert out is x and np.allclose(x.numpy(), ref.numpy())
    leaf = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        F.relu(leaf, inplace=True)


@pytest.mark.parametrize("name,kw", [
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
    ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 1.5}), ("logsigmoid", {}),
    ("leaky_relu", {"negative_slope": 0.3}), ("hardswish", {}), ("hardsigmoid", {}),
    ("hardtanh", {}), ("softshrink", {}), ("elu", {}),
])
def test_gradcheck_float64(name, kw):
    x = ember.tensor(rng.uniform(-4, 4, (3, 4)) + 0.01, dtype=ember.float64, requires_grad=True)
    fn = getattr(F, name)
    assert gradcheck(lambda t: fn(t, **kw), (x,))
    assert gradgradcheck(lambda t: fn(t, **kw), (x,))


def test_stable_at_extremes():
    x = ember.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    for fn in (F.softplus, F.logsigmoid, F.silu, F.mish, F.gelu, F.sigmoid):
        y = fn(x)
        y.sum().backward()
        assert np.isfinite(y.detach().numpy()).all(), fn.__name__
        assert np.isfinite(x.grad.numpy()).all(), fn.__name__
        x.grad = None
    assert F.logsigmoid(ember.tensor([-1000.0])).item() == -1000.0
    assert F.softplus(ember.tensor([1000.0])).item() == 1000.0


@requires_torch
def test_grad_fn_names():
    x = ember.tensor(X, requires_grad=True)
    assert type(F.gelu(x).grad_fn).name() == "GeluBackward0"
    assert type(F.silu(x).grad_fn).name() == "SiluBackward0"
    assert type(F.softplus(x).grad_fn).name() == "SoftplusBackward0"
    assert type(F.logsigmoid(x).grad_fn).name() == "LogSigmoidBackward0"
    assert type(F.leaky_relu(x).grad_fn).name() == "LeakyReluBackward0"


@requires_torch
def test_softmax_implicit_dim_warns():
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x = rng.standard_normal(shape).astype(np.float32)
        with pytest.warns(UserWarning, match="Implicit dimension"):
            e = F.softmax(ember.tensor(x))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = TF.softmax(torch.tensor(x))
            tl = tnn.LogSoftmax()(torch.tensor(x))
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)
        with pytest.warns(UserWarning, match="Implicit dimension"):
            el = nn.LogSoftmax()(ember.tensor(x))
        np.testing.assert_allclose(el.numpy(), tl.numpy(), rtol=1e-5, atol=1e-6)


def test_rrelu_training_randomness_and_eval_mean():
    x = ember.tensor(-np.ones((200, 50), dtype=np.float32))
    m = nn.RReLU(0.1, 0.3)
    y = m(x).numpy()
    assert ((y <= -0.1 + 1e-6) & (y >= -0.3 - 1e-6)).all()
    assert y.std() > 0.03                          # a different slope per element
    m.eval()
    assert np.allclose(m(x).numpy(), -0.2)
    pos = ember.tensor([1.0, 2.0])
    assert m.train()(pos).tolist() == [1.0, 2.0]


def test_softmax2d_and_errors():
    x = ember.randn(2, 3, 4, 5)
    np.testing.assert_allclose(nn.Softmax2d()(x).sum(1).numpy(), 1.0, rtol=1e-5)
    with pytest.raises(AssertionError):
        nn.Softmax2d()(ember.randn(3, 4))
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(x, approximate="fast")
    with pytest.raises(RuntimeError, match="lambda"):
        F.softshrink(x, -1.0)
    with pytest.raises(RuntimeError, match="mismatch"):
        F.prelu(ember.randn(2, 3), ember.ones(4))
