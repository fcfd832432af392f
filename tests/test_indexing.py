"""Indexing and shape-op behaviours beyond the op table: views sharing memory and the version
counter, setitem semantics (writes through views, autograd), and bad inputs."""
import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch


def _np(t):
    return t.detach().numpy()


# ------------------------------------------------------------------ views share memory
@pytest.mark.parametrize("make", [
    lambda x: x[1],
    lambda x: x[:, 1:3],
    lambda x: x[None, ..., ::2],
    lambda x: x.narrow(1, 1, 2),
    lambda x: x.select(0, 2),
    lambda x: x.diagonal(),
    lambda x: x.split(1)[1],
    lambda x: x.chunk(2, 1)[0],
    lambda x: x.unbind(1)[2],
    lambda x: x.tensor_split(3, 1)[1],
    lambda x: ember.as_strided(x, (2, 2), (1, 4)),
], ids=["int", "slice", "none_ellipsis_step", "narrow", "select", "diagonal", "split", "chunk",
        "unbind", "tensor_split", "as_strided"])
def test_views_share_memory_and_version(make):
    x = ember.arange(12.).reshape(3, 4).clone()
    v = make(x)
    assert v._base is x
    before = x._version
    v.fill_(-7.0) if v.numel() else None
    assert (x == -7).sum().item() == v.numel()
    assert x._version > before and v._version == x._version


def test_advanced_index_is_a_copy():
    x = ember.arange(6.).reshape(2, 3)
    y = x[[0, 1]]
    y[0, 0] = 100
    assert x[0, 0].item() == 0
    assert x[x > 2]._base is None


def test_setitem_writes_through_views_to_base():
    x = ember.zeros(3, 4)
    x[0] = 5
    x[:, 1] += 1
    row = x[2]
    row[3] = 9
    x[x > 5] = -1
    expect = np.zeros((3, 4))
    expect[0] = 5
    expect[:, 1] += 1
    expect[2, 3] = 9
    expect[expect > 5] = -1
    np.testing.assert_array_equal(_np(x), expect)


def test_setitem_bumps_version_and_detects_saved_tensor_change():
    a = ember.randn(3, requires_grad=True)
    b = a * 1
    c = b * b          # saves b
    b[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_setitem_on_leaf_requiring_grad_is_refused():
    w = ember.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = 1.0
    with ember.no_grad():
        w[0] = 1.0
    assert w[0].item() == 1.0


@requires_torch
@pytest.mark.parametrize("index", [
    (slice(None), [0, 2]), ([0, 1], [1, 3]), (0, slice(None), [1, 2]), (Ellipsis, 1),
    ([[0, 1], [1, 2]],), (np.array([True, False, True]),), (None, 1, slice(1, 3)),
], ids=["slice_list", "two_lists", "int_slice_list", "ellipsis", "nested_list", "np_mask",
        "none_int_slice"])
def test_setitem_grad_to_base_and_value(index):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((3, 4, 5)).astype(np.float32)

    def run(lib):
        x = lib.tensor(base, requires_grad=True)
        y = x * 2
        shape = y[index].shape
        v = lib.tensor(rng_v[: int(np.prod(shape))].reshape(tuple(shape)), requires_grad=True)
        y[index] = v * 3
        (y * lib.tensor(weights)).sum().backward()
        return y, x.grad, v.grad

    rng_v = rng.standard_normal(200).astype(np.float32)
    weights = rng.standard_normal((3, 4, 5)).astype(np.float32)
    for e, t in zip(run(ember), run(torch)):
        np.testing.assert_allclose(_np(e), t.detach().numpy(), rtol=1e-6)


@requires_torch
@pytest.mark.parametrize("index", [
    (0, slice(None), [1, 2]), (slice(None), 0, [1, 2]), ([0, 2], slice(None), [1, 3]),
    (slice(None), [[0], [1]], [2, 3]), (True,), (False,), (Ellipsis, None, [0]), ([],),
    (1, [0, 0, 3], slice(1, 3)),
])
def test_getitem_shapes_match_torch(index):
    x = np.arange(60.).reshape(3, 4, 5).astype(np.float32)
    e = ember.tensor(x)[index]
    t = torch.tensor(x)[index]
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(_np(e), t.numpy())


def test_repeated_index_gradient_accumulates():
    x = ember.randn(4, requires_grad=True)
    x[[0, 0, 3, 0]].sum().backward()
    np.testing.assert_array_equal(_np(x.grad), [3, 0, 0, 1])


def test_fill_and_zero_fast_paths():
    g = ember.ones(3, 4)
    g.zero_()
    assert g.sum().item() == 0
    g.fill_(2)
    assert g.sum().item() == 24
    g.fill_(ember.tensor(1.5))
    assert g[0, 0].item() == 1.5
    w = ember.randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.zero_()


def test_masked_fill_inplace_and_index_put_accumulate():
    x = ember.zeros(2, 3)
    x.masked_fill_(ember.tensor([True, False, True]), 4.0)
    np.testing.assert_array_equal(_np(x), [[4, 0, 4], [4, 0, 4]])
    y = ember.zeros(4)
    y.index_put_((ember.tensor([1, 1, 2]),), ember.tensor([1., 2., 3.]), accumulate=True)
    np.testing.assert_array_equal(_np(y), [0, 3, 3, 0])


def test_scatter_src_larger_than_index_gradient():
    x = ember.randn(3, 4, requires_grad=True)
    s = ember.randn(2, 4, requires_grad=True)
    idx = ember.tensor([[0, 2, 1], [1, 0, 3]])
    ember.scatter(x, 1, idx, s).sum().backward()
    np.testing.assert_array_equal(_np(s.grad), [[1, 1, 1, 0], [1, 1, 1, 0]])


@requires_torch
@pytest.mark.filterwarnings("ignore:The reduce argument")
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_argument(reduce):
    x = np.arange(12.).reshape(3, 4).astype(np.float32) + 1
    idx = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
    src = np.full((2, 4), 2.0, np.float32)
    e = ember.tensor(x).scatter(0, ember.tensor(idx), ember.tensor(src), reduce=reduce)
    t = torch.tensor(x).scatter(0, torch.tensor(idx), torch.tensor(src), reduce=reduce)
    np.testing.assert_allclose(_np(e), t.numpy())


def test_cat_promotes_and_skips_legacy_empty():
    out = ember.cat([ember.tensor([1, 2]), ember.tensor([0.5]), ember.zeros(0)])
    assert out.dtype == ember.float32
    out = ember.cat([ember.ones(2, 3), ember.zeros(0)], dim=1)
    assert out.shape == (2, 3)


def test_iteration_uses_unbind():
    rows = list(ember.arange(6).reshape(3, 2))
    assert [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]


def test_new_constructors_follow_self():
    x = ember.ones(2, dtype=ember.float64)
    assert x.new_zeros(3).dtype == ember.float64
    assert x.new_tensor([1, 2]).dtype == ember.float64
    assert x.new_full((2,), 3, dtype=ember.int64).tolist() == [3, 3]


# ------------------------------------------------------------------ bad inputs
x34 = ember.arange(12.).reshape(3, 4)


@pytest.mark.parametrize("fn,exc,words", [
    (lambda: x34[10], IndexError, ["10", "dimension 0", "size 3"]),
    (lambda: x34[:, -5], IndexError, ["-5", "dimension 1", "size 4"]),
    (lambda: x34[[0, 3]], IndexError, ["3", "dimension 0", "size 3"]),
    (lambda: x34[:, ember.tensor([4])], IndexError, ["4", "dimension 1", "size 4"]),
    (lambda: x34[ember.tensor([1.0])], IndexError, ["long, int, byte or bool"]),
    (lambda: x34[[0.5]], IndexError, ["long, int, byte or bool"]),
    (lambda: x34[0, 0, 0], IndexError, ["too many indices", "dimension 2"]),
    (lambda: x34[..., ...], IndexError, ["single ellipsis"]),
    (lambda: x34[ember.tensor([True, False])], IndexError, ["mask [2]", "[3, 4]"]),
    (lambda: x34[::-1], ValueError, ["step must be greater than zero"]),
    (lambda: x34["a"], IndexError, ["valid indices"]),
    (lambda: ember.tensor(1.)[0], IndexError, ["0-dim"]),
    (lambda: ember.cat([x34, ember.zeros(2, 3)]), RuntimeError,
     ["dimension 0", "[3, 4]", "[2, 3]"]),
    (lambda: ember.cat([x34, ember.zeros(3)]), RuntimeError, ["same number of dimensions"]),
    (lambda: ember.cat([]), RuntimeError, ["non-empty"]),
    (lambda: ember.stack([x34, ember.zeros(2, 3)]), RuntimeError, ["[3, 4]", "[2, 3]", "entry 1"]),
    (lambda: ember.cat([x34, x34], dim=2), IndexError, ["[-2, 1]", "2"]),
    (lambda: x34.select(2, 0), IndexError, ["[-2, 1]"]),
    (lambda: x34.select(0, 3), IndexError, ["index 3", "dimension 0"]),
    (lambda: x34.narrow(1, 2, 3), RuntimeError, ["exceeds dimension size"]),
    (lambda: ember.gather(x34, 1, ember.tensor([[4]])), RuntimeError, ["4", "size 4"]),
    (lambda: ember.gather(x34, 1, ember.tensor([[4]])), IndexError, ["4", "size 4"]),
    (lambda: ember.gather(x34, 1, ember.tensor([1])), RuntimeError, ["same number of dim"]),
    (lambda: ember.gather(x34, 1, ember.zeros(4, 1, dtype=ember.int64)), RuntimeError,
     ["no larger than self"]),
    (lambda: ember.gather(x34, 1, ember.tensor([[0.]])), RuntimeError, ["int64"]),
    (lambda: ember.index_select(x34, 0, ember.tensor([3])), IndexError, ["3", "size 3"]),
    (lambda: ember.scatter(x34, 0, ember.tensor([[3]]), ember.ones(1, 1)), RuntimeError,
     ["index 3", "size 3"]),
    (lambda: ember.masked_fill(x34, ember.ones(3, 4), 0.), RuntimeError, ["boolean"]),
    (lambda: ember.masked_fill(x34, ember.ones(3, 4).bool(), ember.ones(2)), RuntimeError,
     ["0-dimensional"]),
    (lambda: ember.masked_fill(x34, ember.ones(2).bool(), 0.), RuntimeError, ["[2]", "[3, 4]"]),
    (lambda: x34.clone().__setitem__(0, ember.ones(3)), RuntimeError, ["[3]", "[4]"]),
    (lambda: ember.split(x34, [1, 1]), RuntimeError, ["sum exactly to 3"]),
    (lambda: ember.chunk(x34, 0), RuntimeError, ["greater than 0"]),
    (lambda: x34.repeat(2), RuntimeError, ["can not be smaller"]),
    (lambda: ember.diagonal(x34, 0, 1, -1), RuntimeError, ["cannot be identical"]),
    (lambda: ember.index_put(x34, (ember.tensor([0]),), ember.ones(4, dtype=ember.float64)),
     RuntimeError, ["dtypes match"]),
    (lambda: ember.masked_scatter(x34, x34 > 0, ember.ones(3)), RuntimeError, ["at least 11"]),
    (lambda: ember.take(x34, ember.tensor([12])), IndexError, ["12", "size 12"]),
])
def test_bad_inputs(fn, exc, words):
    with pytest.raises(exc) as info:
        fn()
    msg = str(info.value)
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"


def test_failed_setitem_leaves_tensor_unchanged():
    x = ember.arange(6.).reshape(2, 3)
    with pytest.raises(RuntimeError):
        x[:, [0, 1]] = ember.ones(3)
    with pytest.raises(IndexError):
        x[[0, 5]] = 1.0
    np.testing.assert_array_equal(_np(x), np.arange(6.).reshape(2, 3))


@requires_torch
def test_metadata_inplace_ops_match_torch():
    import torch
    out = {}
    for lib in (ember, torch):
        w = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        x = w * 1
        x.t_()
        x.unsqueeze_(0)
        x.squeeze_(0)
        x.transpose_(0, 1)
        (x * lib.arange(6.0).reshape(2, 3)).sum().backward()
        out[lib.__name__] = (tuple(x.shape), x.detach().numpy().copy(), w.grad.numpy().copy())
    assert out["ember"][0] == out["torch"][0]
    np.testing.assert_array_equal(out["ember"][1], out["torch"][1])
    np.testing.assert_array_equal(out["ember"][2], out["torch"][2])


@requires_torch
@pytest.mark.parametrize("case", ["mul_base", "setitem_row", "no_grad_change", "view_of_view"])
def test_views_made_before_an_inplace_change_of_their_base_match_torch(case):
    """A view taken before its base was modified in place must backpropagate through the
    base's new history (PyTorch regenerates it), never silently through the old one."""
    import torch
    grads = {}
    for lib in (ember, torch):
        w = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        x = w * 2
        v = x[0] if case != "view_of_view" else x[:, 1:][0]
        if case == "mul_base":
            x.mul_(3)
        elif case == "setitem_row":
            x[0] = x[1] * 5
        elif case == "no_grad_change":
            with lib.no_grad():
                x.add_(1)
        else:
            x.mul_(lib.tensor([[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]))
        (v * lib.arange(1.0, v.numel() + 1)).sum().backward()
        grads[lib.__name__] = (v.detach().numpy().copy(), w.grad.numpy().copy())
    np.testing.assert_allclose(grads["ember"][0], grads["torch"][0])
    np.testing.assert_allclose(grads["ember"][1], grads["torch"][1])
