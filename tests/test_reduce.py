"""Reductions, scans, sorting: bad inputs and behaviours the op table cannot express
(gradients with zeros and ties, return types, stability, in-place scans)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch


def _both(arr, grad=False):
    e = ember.tensor(np.asarray(arr, dtype=np.float64), requires_grad=grad)
    t = torch.tensor(np.asarray(arr, dtype=np.float64), requires_grad=grad) if HAVE_TORCH \
        else None
    return e, t


def _grad_close(fn, arr, w=None):
    """Compare d(sum(fn(x) * w))/dx between Ember and PyTorch."""
    e, t = _both(arr, True)
    eo, to = fn(ember, e), fn(torch, t)
    w = np.random.default_rng(0).uniform(0.5, 1.5, tuple(to.shape)) if w is None else w
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-10,
                               equal_nan=True)
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------------ bad inputs
@pytest.mark.parametrize("name", ["mean", "var", "std", "nanmean"])
def test_float_only_reductions_reject_integers(name):
    x = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="int64"):
        getattr(ember, name)(x)


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_var_mean_reject_integers(name):
    with pytest.raises(RuntimeError, match="int64"):
        getattr(ember, name)(ember.tensor([1, 2]))


@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin", "amax", "amin", "median",
                                  "nanmedian", "aminmax"])
def test_empty_reduction_without_dim(name):
    with pytest.raises(RuntimeError, match="empty"):
        getattr(ember, name)(ember.zeros(0))
    with pytest.raises(IndexError):   # PyTorch raises IndexError for some of these
        getattr(ember, name)(ember.zeros(0, 3))


@pytest.mark.parametrize("name", ["max", "min", "argmax", "amax", "median", "mode"])
def test_empty_reduction_dim(name):
    with pytest.raises(IndexError, match="non-zero size"):
        getattr(ember, name)(ember.zeros(0, 3), 0)


def test_empty_reduction_along_nonempty_dim_is_fine():
    v, i = ember.max(ember.zeros(0, 3), 1)
    assert v.shape == (0,) and i.shape == (0,) and i.dtype == ember.int64


@pytest.mark.parametrize("call", [
    lambda x: ember.sum(x, 2), lambda x: ember.mean(x, -3), lambda x: ember.max(x, 2),
    lambda x: ember.argmax(x, 5), lambda x: ember.var(x, 2), lambda x: ember.cumsum(x, 2),
    lambda x: ember.sort(x, 3), lambda x: ember.topk(x, 1, 2), lambda x: ember.amax(x, (0, 2)),
    lambda x: ember.logsumexp(x, 2), lambda x: ember.prod(x, -3), lambda x: ember.median(x, 2),
    lambda x: ember.quantile(x, 0.5, 2), lambda x: ember.cummax(x, 2),
    lambda x: ember.all(x, 2), lambda x: ember.count_nonzero(x, 2),
    lambda x: ember.norm(x, dim=2)])
def test_dim_out_of_range(call):
    with pytest.raises(IndexError, match=r"\[-2, 1\]"):
        call(ember.ones(2, 3))


def test_topk_k_too_large():
    with pytest.raises(RuntimeError, match="out of range"):
        ember.topk(ember.ones(4), 5)
    with pytest.raises(RuntimeError, match="out of range"):
        ember.kthvalue(ember.ones(4), 5)
    with pytest.raises(RuntimeError, match="out of range"):
        ember.kthvalue(ember.ones(4), 0)


def test_quantile_bad_inputs():
    x = ember.rand(5)
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        ember.quantile(x, 1.5)
    with pytest.raises(RuntimeError, match="dtype"):
        ember.quantile(x, ember.tensor([0.5], dtype=ember.float64))
    with pytest.raises(RuntimeError, match="float"):
        ember.quantile(ember.tensor([1, 2]), 0.5)
    with pytest.raises(ValueError, match="interpolation"):
        ember.quantile(x, 0.5, interpolation="cubic")


def test_search_and_count_bad_inputs():
    with pytest.raises(RuntimeError, match="non-negative"):
        ember.bincount(ember.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="1-d"):
        ember.bincount(ember.tensor([[1]]))
    with pytest.raises(RuntimeError, match="leading dimensions"):
        ember.searchsorted(ember.tensor([[1.0, 2.0]]), ember.tensor([[1.0], [2.0]]))
    with pytest.raises(RuntimeError, match="1 dimension"):
        ember.bucketize(ember.tensor([1.0]), ember.tensor([[1.0]]))
    with pytest.raises(RuntimeError, match="floating"):
        ember.histc(ember.tensor([1, 2]))


def test_var_correction_conflict():
    with pytest.raises(RuntimeError, match="unbiased"):
        ember.var(ember.ones(3), 0, True, correction=0)


def test_diff_bad_prepend():
    with pytest.raises(RuntimeError, match="prepend"):
        ember.diff(ember.ones(2, 3), prepend=ember.ones(3, 1))


# ------------------------------------------------------------------------------ return types
def test_return_types_behave_like_torch():
    x = ember.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    r = x.max(1)
    assert isinstance(r, tuple) and len(r) == 2
    v, i = r
    assert r.values is v and r.indices is i
    assert i.dtype == ember.int64 and i.tolist() == [1, 0]
    assert type(r).__name__ == "max" and "values=" in repr(r)
    assert ember.sort(x).indices.tolist() == [[0, 2, 1], [1, 2, 0]]
    mm = ember.aminmax(x)
    assert mm.min.item() == 0.0 and mm.max.item() == 7.0
    assert x.topk(1).values.tolist() == [[5.0], [7.0]]
    assert ember.return_types.sort is type(ember.sort(x))


def test_max_binary_form_is_maximum():
    a, b = ember.tensor([1.0, 5.0]), ember.tensor([3.0, 2.0])
    assert ember.max(a, b).tolist() == [3.0, 5.0]
    assert ember.min(a, b).tolist() == [1.0, 2.0]


@requires_torch
def test_max_binary_gradient_matches_torch():
    b = np.array([[3.0, 3.0, 0.0], [0.0, 2.0, 9.0], [1.0, 0.0, 3.0]])
    _grad_close(lambda lib, x: lib.max(x, lib.tensor(b, dtype=lib.float64)),
                [[1.0, 3.0, 3.0], [3.0, 2.0, 2.0], [-3.0, 0.0, 3.0]])


@requires_torch
def test_dtypes_match_torch():
    i = np.array([[1, 0, 3], [2, 2, 0]])
    for name, kw in [("prod", {}), ("cumsum", {"dim": 0}), ("cumprod", {"dim": 1}),
                     ("all", {}), ("any", {"dim": 1}), ("count_nonzero", {}),
                     ("argmax", {}), ("nansum", {}), ("amax", {})]:
        e = getattr(ember, name)(ember.tensor(i), **kw)
        t = getattr(torch, name)(torch.tensor(i), **kw)
        assert e.dtype.name == str(t.dtype)[6:], name
    u = np.array([1, 0, 2], dtype=np.uint8)
    assert ember.all(ember.tensor(u)).dtype == ember.uint8
    assert ember.logsumexp(ember.tensor([1, 2]), 0).dtype == ember.float32


# ------------------------------------------------------------------------------ gradients
@requires_torch
@pytest.mark.parametrize("arr", [[[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -1.0]],
                                 [[2.0, 3.0, 0.5], [4.0, 0.0, 1.0], [1.0, 1.0, 1.0]]])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_gradient_with_zeros(arr, dim):
    _grad_close(lambda lib, x: x.prod() if dim is None else x.prod(dim), arr)


@requires_torch
def test_prod_double_backward_with_one_zero():
    arr = [2.0, 0.0, 3.0, -1.5]
    outs = []
    for lib in (ember, torch):
        x = lib.tensor(arr, dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad(x.prod(), x, create_graph=True)
        gg, = lib.autograd.grad((g * lib.tensor([1.0, 2.0, 3.0, 4.0],
                                                dtype=lib.float64)).sum(), x)
        outs.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0])
    np.testing.assert_allclose(outs[0][1], outs[1][1])


@requires_torch
@pytest.mark.parametrize("arr", [[[1.5, 0.0, 2.0, 3.0], [2.0, 1.5, 0.0, 0.0],
                                  [0.0, 2.0, 0.5, 1.0], [1.0, -2.0, 0.5, 3.0]]])
@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_gradient_with_zeros(arr, dim):
    _grad_close(lambda lib, x: x.cumprod(dim), arr)


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.max(), lambda lib, x: x.min(), lambda lib, x: x.amax(),
    lambda lib, x: x.amax(1), lambda lib, x: x.amin(0, keepdim=True),
    lambda lib, x: x.max(1).values, lambda lib, x: x.median(),
    lambda lib, x: x.norm(p=math.inf), lambda lib, x: x.norm(p=math.inf, dim=1),
    lambda lib, x: x.cummax(1).values, lambda lib, x: x.cummin(0).values,
    lambda lib, x: x.sort(1).values, lambda lib, x: x.kthvalue(2, 1).values,
    lambda lib, x: x.nanmedian()])
def test_gradients_with_ties(fn):
    _grad_close(fn, [[1.0, 3.0, 3.0], [3.0, 2.0, 2.0], [-3.0, 0.0, 3.0]])


@requires_torch
@pytest.mark.parametrize("p", [2, "fro", 3])
def test_norm_gradient_at_zero_is_zero(p):
    e = ember.zeros(3, dtype=ember.float64, requires_grad=True)
    ember.norm(e, p=p).backward()
    assert e.grad.tolist() == [0.0, 0.0, 0.0]
    _grad_close(lambda lib, x: x.norm(p=p, dim=1), [[0.0, 0.0], [3.0, 4.0]])


@requires_torch
def test_std_gradient_of_constant_is_zero():
    _grad_close(lambda lib, x: x.std(1), [[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])


@requires_torch
def test_logsumexp_is_stable():
    for arr in ([1000.0, 1000.0], [-1000.0, -1001.0], [math.inf, 1.0], [-math.inf, -math.inf],
                [math.inf, math.inf]):
        e, t = _both(arr)
        np.testing.assert_allclose(ember.logsumexp(e, 0).item(), torch.logsumexp(t, 0).item())
    _grad_close(lambda lib, x: x.logsumexp(1), [[1000.0, 999.0], [-1000.0, -1001.0]])
    e, t = _both([[900.0, -900.0, 0.0]])
    np.testing.assert_allclose(ember.logcumsumexp(e, 1).numpy(),
                               torch.logcumsumexp(t, 1).numpy())


@requires_torch
def test_scan_inplace_gradient():
    outs = []
    for lib in (ember, torch):
        x = lib.tensor([[1.0, 2.0, 0.5], [3.0, -1.0, 2.0]], dtype=lib.float64,
                       requires_grad=True)
        y = x * 1
        y.cumsum_(0)
        y.cumprod_(1)
        y.sum().backward()
        outs.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0])
    np.testing.assert_allclose(outs[0][1], outs[1][1])


# ------------------------------------------------------------------------------ behaviours
@requires_torch
def test_median_and_quantile_semantics():
    for arr in ([4.0, 1.0, 3.0, 2.0], [1.0, math.nan, 2.0], [5.0]):
        e, t = _both(arr)
        np.testing.assert_allclose(ember.median(e).item(), torch.median(t).item(),
                                   equal_nan=True)
        np.testing.assert_allclose(ember.nanmedian(e).item(), torch.nanmedian(t).item())
        np.testing.assert_allclose(ember.quantile(e, 0.3).item(), torch.quantile(t, 0.3).item(),
                                   equal_nan=True)
        np.testing.assert_allclose(ember.nanquantile(e, 0.3).item(),
                                   torch.nanquantile(t, 0.3).item())


def test_sort_is_stable_and_nan_last():
    x = ember.tensor([2.0, 1.0, 2.0, math.nan, 1.0])
    v, i = ember.sort(x)
    assert i.tolist() == [1, 4, 0, 2, 3]
    v, i = ember.sort(x, descending=True)
    assert i.tolist() == [3, 0, 2, 1, 4]
    assert math.isnan(v[0].item())


@requires_torch
def test_unique_and_search_against_torch():
    a = np.array([3, 1, 2, 3, 3, 0, 1])
    e, t = ember.tensor(a), torch.tensor(a)
    for kw in ({}, {"return_inverse": True, "return_counts": True}):
        eo, to = ember.unique(e, **kw), torch.unique(t, **kw)
        for x, y in zip(eo if kw else [eo], to if kw else [to]):
            assert x.tolist() == y.tolist()
    eo = ember.unique_consecutive(e, return_counts=True)
    to = torch.unique_consecutive(t, return_counts=True)
    assert [x.tolist() for x in eo] == [x.tolist() for x in to]
    s = np.array([1.0, 2.0, 2.0, 5.0])
    v = np.array([2.0, 0.0, 6.0])
    for right in (False, True):
        assert ember.searchsorted(ember.tensor(s), ember.tensor(v), right=right).tolist() == \
            torch.searchsorted(torch.tensor(s), torch.tensor(v), right=right).tolist()
    h = np.random.default_rng(3).normal(size=200).astype(np.float32)
    assert ember.histc(ember.tensor(h), bins=9).tolist() == \
        torch.histc(torch.tensor(h), bins=9).tolist()


def test_all_any_empty():
    assert ember.all(ember.zeros(0)).item() is True
    assert ember.any(ember.zeros(0)).item() is False
    assert ember.prod(ember.zeros(0)).item() == 1.0
