"""Bad inputs and special behaviour of the elementwise math and activation ops."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch

INF, NAN = math.inf, math.nan


def _both(fn, *arrays, grad=False):
    """Run ``fn(lib, *tensors)`` for ember and torch on the same float64 arrays."""
    out = []
    for lib in (ember, torch):
        ts = [lib.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad) for a in arrays]
        out.append((fn(lib, *ts), ts))
    return out


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


# ----------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("call", [
    lambda a, b: ember.maximum(a, b),
    lambda a, b: ember.fmin(a, b),
    lambda a, b: ember.atan2(a, b),
    lambda a, b: ember.hypot(a, b),
    lambda a, b: ember.xlogy(a, b),
    lambda a, b: ember.logaddexp(a, b),
    lambda a, b: ember.copysign(a, b),
    lambda a, b: ember.clamp(a, min=b),
    lambda a, b: ember.clamp(a, b, b + 1),
    lambda a, b: ember.lerp(a, b, 0.5),
    lambda a, b: ember.addcmul(a, a, b),
    lambda a, b: ember.addcdiv(a, b, b),
    lambda a, b: ember.heaviside(a, b),
    lambda a, b: ember.isclose(a, b),
], ids=["maximum", "fmin", "atan2", "hypot", "xlogy", "logaddexp", "copysign", "clamp_min",
        "clamp_both", "lerp", "addcmul", "addcdiv", "heaviside", "isclose"])
def test_broadcast_mismatch_names_sizes_and_dim(call):
    a, b = ember.ones(2, 3), ember.ones(4)
    with pytest.raises(RuntimeError) as info:
        call(a, b)
    msg = str(info.value)
    assert "3" in msg and "4" in msg and "dimension" in msg


def test_lerp_weight_broadcast_mismatch():
    with pytest.raises(RuntimeError, match="dimension"):
        ember.lerp(ember.ones(2, 3), ember.ones(2, 3), ember.ones(5))


@pytest.mark.parametrize("call", [
    lambda a, b: a.clamp_(min=b),
    lambda a, b: a.lerp_(b, 0.5),
    lambda a, b: a.atan2_(b),
    lambda a, b: a.xlogy_(b),
    lambda a, b: a.addcmul_(b, b),
    lambda a, b: a.addcdiv_(b, b),
    lambda a, b: a.copysign_(b),
    lambda a, b: a.add_(b),
], ids=["clamp_", "lerp_", "atan2_", "xlogy_", "addcmul_", "addcdiv_", "copysign_", "add_"])
def test_inplace_cannot_grow_self(call):
    a = ember.ones(3)
    b = ember.full((2, 3), 2.0)
    with pytest.raises(RuntimeError, match="in-place|broadcast"):
        call(a, b)
    np.testing.assert_array_equal(a.numpy(), np.ones(3, np.float32))   # untouched


@pytest.mark.parametrize("name", ["sin_", "sigmoid_", "tanh_", "exp2_", "erf_", "rsqrt_",
                                  "log1p_", "logit_"])
def test_float_result_into_int_tensor_in_place(name):
    a = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="can't be cast"):
        getattr(a, name)()
    assert a.tolist() == [1, 2, 3]


def test_clamp_needs_a_bound():
    with pytest.raises(RuntimeError, match="min.*max"):
        ember.clamp(ember.ones(3))
    with pytest.raises(RuntimeError, match="min.*max"):
        ember.ones(3).clamp_()


def test_clamp_rejects_non_number_bound():
    with pytest.raises(TypeError, match="min"):
        ember.clamp(ember.ones(3), min="a")


def test_isclose_dtype_mismatch():
    with pytest.raises(RuntimeError, match="float32.*float64|same dtype"):
        ember.isclose(ember.ones(2), ember.ones(2, dtype=ember.float64))


def test_lerp_dtype_mismatch():
    with pytest.raises(RuntimeError, match="end"):
        ember.lerp(ember.ones(2), ember.ones(2, dtype=ember.float64), 0.5)
    with pytest.raises(RuntimeError, match="weight"):
        ember.lerp(ember.ones(2), ember.ones(2), ember.ones(2, dtype=ember.float64))


def test_addcdiv_integer_rejected():
    i = ember.tensor([1, 2])
    with pytest.raises(RuntimeError, match="integer division"):
        ember.addcdiv(i, i, i)


def test_heaviside_dtype_mismatch():
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.heaviside(ember.ones(2), ember.ones(2, dtype=ember.float64))


@pytest.mark.parametrize("fn", [ember.softmax, ember.log_softmax])
def test_softmax_integer_input(fn):
    x = ember.tensor([1, 2, 3])
    with pytest.raises(NotImplementedError, match="int64"):
        fn(x, 0)
    assert fn(x, 0, dtype=ember.float32).dtype is ember.float32


def test_softmax_dim_out_of_range():
    with pytest.raises(IndexError, match=r"\[-2, 1\]"):
        ember.softmax(ember.ones(2, 3), 2)


@pytest.mark.parametrize("fn", [ember.maximum, ember.logaddexp, ember.atan2, ember.isclose])
def test_tensor_only_binaries_reject_numbers(fn):
    with pytest.raises(TypeError, match="Tensor"):
        fn(ember.ones(2), 1.0)


def test_positive_bool_rejected():
    with pytest.raises(RuntimeError, match="bool"):
        ember.positive(ember.tensor([True]))


def test_frac_integer_rejected():
    with pytest.raises(RuntimeError, match="int64"):
        ember.frac(ember.tensor([1, 2]))


def test_predicate_needs_tensor():
    with pytest.raises(TypeError, match="Tensor"):
        ember.isnan(1.0)


def test_prelu_weight_size_mismatch():
    with pytest.raises(RuntimeError, match="channel"):
        ember.prelu(ember.ones(2, 3, 4), ember.ones(2))


# ----------------------------------------------------------------------------- behaviour
@requires_torch
def test_clamp_min_greater_than_max_like_torch():
    x = np.array([-1.0, 0.5, 3.0])
    (e, ei), (t, ti) = _both(lambda lib, a: lib.clamp(a, 2.0, 1.0), x, grad=True)
    np.testing.assert_array_equal(_np(e), _np(t))
    e.sum().backward()
    t.sum().backward()
    np.testing.assert_array_equal(ei[0].grad.numpy(), ti[0].grad.numpy())


@requires_torch
def test_clamp_tensor_bounds_gradients_like_torch():
    x, lo, hi = [-1.0, 0.5, 3.0, 0.0], [0.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, -1.0]
    res = _both(lambda lib, a, b, c: lib.clamp(a, b, c), x, lo, hi, grad=True)
    for out, ins in res:
        out.backward(out.detach() * 0 + 1)
    (e, ei), (t, ti) = res
    np.testing.assert_array_equal(_np(e), _np(t))
    for a, b in zip(ei, ti):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_clamp_boundary_gradient_is_one():
    x = ember.tensor([0.0, 1.0, 0.5, 2.0], requires_grad=True)
    x.clamp(0.0, 1.0).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0, 0.0]


def test_clamp_integer_tensor_with_float_bound_promotes():
    r = ember.clamp(ember.tensor([1, 2, 3]), min=1.5)
    assert r.dtype is ember.float32 and r.tolist() == [1.5, 2.0, 3.0]
    assert ember.clamp(ember.tensor([1, 5, 3]), min=4, max=2).tolist() == [2, 2, 2]


@requires_torch
@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_tie_and_nan_gradients_like_torch(name):
    a, b = [1.0, 2.0, NAN, 3.0, NAN], [1.0, 5.0, 1.0, NAN, NAN]
    res = _both(lambda lib, x, y: getattr(lib, name)(x, y), a, b, grad=True)
    for out, _ in res:
        out.sum().backward()
    (e, ei), (t, ti) = res
    np.testing.assert_array_equal(_np(e), _np(t))
    for x, y in zip(ei, ti):
        np.testing.assert_array_equal(x.grad.numpy(), y.grad.numpy())


def test_sigmoid_extremes_are_finite_and_accurate():
    x = ember.tensor([-1000.0, -100.0, -30.0, 0.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = ember.sigmoid(x).numpy()
    assert y[0] == 0.0 and y[-1] == 1.0 and y[3] == 0.5
    np.testing.assert_allclose(y[2], 1 / (1 + math.exp(30)), rtol=1e-6)


def test_softmax_large_logits_stable():
    x = ember.tensor([[1000.0, 1000.0, -1000.0], [-INF, 0.0, 0.0]])
    np.testing.assert_allclose(ember.softmax(x, 1).numpy(), [[0.5, 0.5, 0], [0, 0.5, 0.5]])
    ls = ember.log_softmax(x, 1).numpy()
    np.testing.assert_allclose(ls[0, :2], [-math.log(2)] * 2, rtol=1e-6)
    assert ls[1, 0] == -INF


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="dim"):
        y = ember.softmax(ember.ones(2, 3))
    np.testing.assert_allclose(y.numpy(), np.full((2, 3), 1 / 3), rtol=1e-6)


def test_softmax_empty_and_zero_dim():
    assert ember.softmax(ember.ones(0, 3), 1).shape == (0, 3)
    assert ember.softmax(ember.tensor(3.0), 0).item() == 1.0
    assert ember.log_softmax(ember.tensor(3.0), 0).item() == 0.0


@requires_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_double_backward_like_torch(name):
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    grads = []
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        y = getattr(lib, name)(t, 1)
        g, = lib.autograd.grad((y * lib.tensor(w)).sum(), t, create_graph=True)
        gg, = lib.autograd.grad((g * g).sum(), t)
        grads.append((_np(g), _np(gg)))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


@requires_torch
def test_erf_family_accuracy_against_torch():
    x = np.linspace(-7, 7, 20001)
    for name in ("erf", "erfc"):
        e = getattr(ember, name)(ember.tensor(x)).numpy()
        t = getattr(torch, name)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(e, t, rtol=1e-13, atol=1e-300)
    p = np.concatenate([np.linspace(-1, 1, 20001), [1 - 1e-12, -1 + 1e-15, 1e-300]])
    e = ember.erfinv(ember.tensor(p)).numpy()
    t = torch.erfinv(torch.tensor(p)).numpy()
    np.testing.assert_allclose(e, t, rtol=1e-9)
    assert np.isnan(ember.erfinv(ember.tensor([1.5, -2.0, NAN])).numpy()).all()


def test_erf_special_values():
    x = ember.tensor([0.0, INF, -INF, NAN])
    np.testing.assert_array_equal(ember.erf(x).numpy(), [0.0, 1.0, -1.0, NAN])
    np.testing.assert_array_equal(ember.erfc(x).numpy(), [1.0, 0.0, 2.0, NAN])


def test_round_half_to_even_and_decimals():
    x = ember.tensor([0.5, 1.5, 2.5, -0.5, -2.5])
    assert ember.round(x).tolist() == [0.0, 2.0, 2.0, -0.0, -2.0]
    np.testing.assert_allclose(ember.round(ember.tensor([1.2345, 1234.5]), decimals=2).numpy(),
                               [1.23, 1234.5], rtol=1e-6)
    assert ember.round(ember.tensor([1250.0]), decimals=-2).tolist() == [1200.0]


def test_frac_gradient_passes_through():
    x = ember.tensor([1.5, -2.25], requires_grad=True)
    x.frac().sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    assert x.detach().frac().tolist() == [0.5, -0.25]


@pytest.mark.parametrize("name,lo,hi", [("sin", -2, 2), ("log1p", 0, 2), ("sqrt", 0.5, 2),
                                        ("erf", -2, 2), ("clamp", -2, 2), ("xlogy", 0.5, 2)])
def test_inplace_on_saved_input_still_differentiates(name, lo, hi):
    # the op saves its input for backward; the in-place form must not corrupt it
    v = np.random.default_rng(1).uniform(lo, hi, 5)
    args = {"clamp": (-0.5, 0.5), "xlogy": (ember.tensor(v + 1),)}.get(name, ())
    x = ember.tensor(v, requires_grad=True)
    y = x * 1
    getattr(y, name + "_")(*args)
    y.sum().backward()
    x2 = ember.tensor(v, requires_grad=True)
    getattr(ember, name)(x2, *args).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy())


def test_fast_inplace_paths_under_no_grad():
    a = ember.ones(2, 3)
    b = ember.full((3,), 2.0)
    with ember.no_grad():
        r = a.addcmul_(b, b, value=0.5)
        assert r is a
        np.testing.assert_allclose(a.numpy(), np.full((2, 3), 3.0))
        a.addcdiv_(b, b, value=-1.0)
        np.testing.assert_allclose(a.numpy(), np.full((2, 3), 2.0))
        a.clamp_(max=1.5)
        np.testing.assert_allclose(a.numpy(), np.full((2, 3), 1.5))
        a.lerp_(ember.zeros(2, 3), 0.5)
        np.testing.assert_allclose(a.numpy(), np.full((2, 3), 0.75))


def test_inplace_methods_exist():
    for name in ("sigmoid_", "tanh_", "clamp_", "clip_", "clamp_min_", "clamp_max_",
                 "arctan2_", "atan2_", "arcsin_", "erfinv_", "nan_to_num_", "round_",
                 "logit_", "xlogy_", "copysign_", "heaviside_", "hypot_"):
        assert hasattr(ember.Tensor, name), name
    x = ember.tensor([0.0, 1.0])
    assert x.sigmoid_() is x and x.tolist()[0] == 0.5


def test_allclose_and_equal_return_python_bool():
    a = ember.tensor([1.0, 2.0])
    assert ember.allclose(a, a + 1e-9) is True
    assert ember.allclose(a, a + 1) is False
    assert ember.equal(a, a.clone()) is True
    assert ember.equal(a, ember.tensor([1.0, 2.0, 3.0])) is False
    assert a.equal(a) is True


def test_isclose_infinities():
    a = ember.tensor([INF, INF, -INF, 1.0])
    b = ember.tensor([INF, 1e38, INF, INF])
    assert ember.isclose(a, b, rtol=10.0).tolist() == [True, False, False, False]


def test_nan_to_num_defaults_use_dtype_limits():
    r = ember.nan_to_num(ember.tensor([NAN, INF, -INF]))
    f = np.finfo(np.float32)
    assert r.tolist() == [0.0, float(f.max), float(f.min)]


def test_out_argument():
    out = ember.empty(3)
    r = ember.sin(ember.tensor([0.0, 1.0, 2.0]), out=out)
    assert r is out
    np.testing.assert_allclose(out.numpy(), np.sin([0.0, 1.0, 2.0]), rtol=1e-6)


def test_integer_inputs_give_default_float():
    i = ember.tensor([1, 2, 3])
    for fn in (ember.sin, ember.sigmoid, ember.erf, ember.log2, ember.exp2, ember.rsqrt):
        assert fn(i).dtype is ember.float32
    assert ember.floor(i).dtype is ember.int64 and ember.square(i).dtype is ember.int64
    assert ember.maximum(i, i).dtype is ember.int64


def test_rrelu_training_slopes_in_range():
    ember.manual_seed(0)
    x = -ember.ones(1000)
    y = ember.rrelu(x, 0.1, 0.3, training=True).numpy()
    assert ((y <= -0.1) & (y >= -0.3)).all() and y.std() > 0.01


def test_grad_fn_names_match_torch():
    x = ember.tensor([0.5, 0.2], requires_grad=True)
    assert type(ember.sigmoid(x).grad_fn).__name__ == "Sigmoid"
    assert ember.sigmoid(x).grad_fn.name() == "SigmoidBackward0"
    assert ember.clamp(x, 0, 1).grad_fn.name() == "ClampBackward1"
    assert ember.clamp(x, x * 0).grad_fn.name() == "ClampBackward0"
    assert ember.softmax(x, 0).grad_fn.name() == "SoftmaxBackward0"
    assert ember.erfinv(x).grad_fn.name() == "ErfinvBackward0"


def test_int_tensor_with_float_tensor_promotes_to_float32():
    i, f = ember.tensor([1, -2]), ember.tensor([1.0, 1.0])
    assert ember.copysign(i, f).dtype is ember.float32
