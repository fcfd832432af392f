"""``ember.autograd.functional``: jacobian, hessian, vjp, jvp, hvp, vhp compared with PyTorch."""
import numpy as np
import pytest

import ember
from autograd_helpers import LIBS, assert_same, close, data
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch

pytestmark = [
    pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


# ====================================================================== autograd.functional
def _fn_pairs():
    """(name, f(L, *inputs), input shapes)."""
    return [
        ("elementwise", lambda L, a: a.exp() * a, [(3,)]),
        ("matrix", lambda L, a: (a @ a.t()).sqrt(), [(2, 3)]),
        ("two_inputs", lambda L, a, b: (a * b).exp(), [(3,), (2, 3)]),
        ("tuple_out", lambda L, a, b: (a * b, (a.exp() * b).sum()), [(3,), (2, 3)]),
        ("scalar", lambda L, a: (a * a * a).sum(), [(4,)]),
    ]


def _inputs(L, shapes, positive=True):
    rng = np.random.default_rng(3)
    return tuple(L.tensor(rng.uniform(0.5, 1.5, s)) for s in shapes)


def _cmp_nested(e, t, tol=1e-6):
    if isinstance(t, (tuple, list)):
        assert isinstance(e, tuple) and len(e) == len(t)
        for a, b in zip(e, t):
            _cmp_nested(a, b, tol)
    else:
        assert isinstance(e, ember.Tensor)
        assert tuple(e.shape) == tuple(t.shape)
        close(e, t, tol)


def _call(fn, f, lib, shapes, **kw):
    xs = _inputs(lib, shapes)
    return fn(lambda *a: f(lib, *a), xs if len(xs) > 1 else xs[0], **kw)


@requires_torch
@pytest.mark.parametrize("name,f,shapes", _fn_pairs(), ids=[p[0] for p in _fn_pairs()])
def test_functional_jacobian(name, f, shapes):
    e = _call(ember.autograd.functional.jacobian, f, ember, shapes)
    t = _call(torch.autograd.functional.jacobian, f, torch, shapes)
    _cmp_nested(e, t)


@requires_torch
def test_functional_jacobian_tuple_of_one_input():
    f = lambda a: a.exp()  # noqa: E731
    e = ember.autograd.functional.jacobian(f, (ember.tensor(data(2)),))
    t = torch.autograd.functional.jacobian(f, (torch.tensor(data(2)),))
    _cmp_nested(e, t)


@requires_torch
@pytest.mark.parametrize("strategy,vectorize", [("reverse-mode", False), ("reverse-mode", True),
                                                ("forward-mode", True)])
def test_functional_jacobian_strategies(strategy, vectorize):
    f = lambda L, a, b: (a * b).exp()  # noqa: E731
    kw = dict(strategy=strategy, vectorize=vectorize)
    e = _call(ember.autograd.functional.jacobian, f, ember, [(3,), (2, 3)], **kw)
    t = _call(torch.autograd.functional.jacobian, f, torch, [(3,), (2, 3)], **kw)
    _cmp_nested(e, t)


def test_functional_jacobian_create_graph():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        j = L.autograd.functional.jacobian(lambda a: a.exp() * a, x, create_graph=True)
        assert j.requires_grad
        (g,) = L.autograd.grad(j.sum(), x)
        return j, g
    assert_same(prog)


def test_functional_jacobian_independent_and_strict():
    def prog(L):
        x = L.tensor(data(3))
        y = L.tensor(data(2))
        return L.autograd.functional.jacobian(lambda a, b: a * 2, (x, y))
    e = assert_same(prog)
    close(e[1], ember.zeros(3, 2, dtype=ember.float64))
    for L in LIBS:
        with pytest.raises(RuntimeError, match="independent of input 1"):
            L.autograd.functional.jacobian(lambda a, b: a * 2, (L.ones(3), L.ones(2)),
                                           strict=True)


def test_functional_jacobian_does_not_touch_inputs():
    x = ember.tensor(data(3))
    ember.autograd.functional.jacobian(lambda a: a.exp(), x)
    assert not x.requires_grad and x.grad is None


@requires_torch
@pytest.mark.parametrize("shapes", [[(4,)], [(2, 2)], [(3,), (2,)]], ids=str)
def test_functional_hessian(shapes):
    if len(shapes) == 1:
        f = lambda L, a: (a.exp() * a * a).sum()  # noqa: E731
    else:
        f = lambda L, a, b: (a.exp().sum() * (b * b).sum()) + (a * a).sum()  # noqa: E731
    e = _call(ember.autograd.functional.hessian, f, ember, shapes)
    t = _call(torch.autograd.functional.hessian, f, torch, shapes)
    _cmp_nested(e, t)


def test_functional_hessian_linear_is_zero_and_rejects_vector_output():
    h = ember.autograd.functional.hessian(lambda a: (a * 3).sum(), ember.ones(3))
    close(h, ember.zeros(3, 3))
    with pytest.raises(RuntimeError, match="single element"):
        ember.autograd.functional.hessian(lambda a: a * a, ember.ones(3))


@requires_torch
@pytest.mark.parametrize("fn", ["vjp", "jvp", "hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_functional_products(fn, create_graph):
    rng = np.random.default_rng(5)
    xa, xb = rng.uniform(0.5, 1.5, 3), rng.uniform(0.5, 1.5, (2, 3))
    if fn in ("hvp", "vhp"):
        f = lambda a, b: (a.exp() * b * b).sum()  # noqa: E731
        va, vb = rng.standard_normal(3), rng.standard_normal((2, 3))
        v = lambda L: (L.tensor(va), L.tensor(vb))  # noqa: E731
    elif fn == "vjp":
        f = lambda a, b: (a * b, (a.exp() * b).sum())  # noqa: E731
        va, vb = rng.standard_normal((2, 3)), rng.standard_normal(())
        v = lambda L: (L.tensor(va), L.tensor(vb))  # noqa: E731
    else:
        f = lambda a, b: (a * b, (a.exp() * b).sum())  # noqa: E731
        va, vb = rng.standard_normal(3), rng.standard_normal((2, 3))
        v = lambda L: (L.tensor(va), L.tensor(vb))  # noqa: E731
    res = {}
    for L in (ember, torch):
        ins = (L.tensor(xa, requires_grad=create_graph), L.tensor(xb, requires_grad=create_graph))
        out, prod = getattr(L.autograd.functional, fn)(f, ins, v(L), create_graph=create_graph)
        res[L.__name__] = (out, prod)
        outs = out if isinstance(out, tuple) else (out,)
        if create_graph:
            assert any(p.requires_grad for p in prod)
        else:
            assert not any(p.requires_grad for p in prod + outs)
    _cmp_nested(res["ember"], res["torch"])


def test_functional_vjp_default_v_and_errors():
    out, g = ember.autograd.functional.vjp(lambda a: (a * a).sum(), ember.tensor([1.0, 2.0]))
    close(g, ember.tensor([2.0, 4.0]))
    with pytest.raises(RuntimeError, match="v can only be None"):
        ember.autograd.functional.vjp(lambda a: a * a, ember.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="invalid size"):
        ember.autograd.functional.vjp(lambda a: a * a, ember.ones(2), ember.ones(3))
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple"):
        ember.autograd.functional.vjp(lambda a: a, [ember.ones(2), 3])


def test_functional_jvp_scalar_input_default_v():
    out, g = ember.autograd.functional.jvp(lambda a: a * a * 3, ember.tensor(2.0))
    assert g.item() == pytest.approx(12.0)


def test_functional_create_graph_connects_to_input_history():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        _, hv = L.autograd.functional.hvp(lambda a: (a.exp() * a).sum(), x, L.ones(3,
                                          dtype=L.float64), create_graph=True)
        hv.sum().backward()
        return hv, x.grad
    assert_same(prog)
