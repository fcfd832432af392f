"""Tensor creation (from data, filled, ranges), memory sharing with NumPy, and random sampling
(shapes, dtypes, ranges, seeding, generators, RNG state)."""
import warnings

import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch


def tname(dt):
    return str(dt).split(".")[-1]


# ================================================================================ tensor()
DATA_CASES = [
    [1, 2, 3],
    [1.0, 2, 3],
    [True, False],
    [1, True],
    [[1, 2], [3, 4]],
    [[1.5], [2.5]],
    (1, 2.5),
    [(1, 2), [3, 4.5]],
    3,
    3.5,
    True,
    [],
    [[]],
    [[], []],
    [1 + 2j, 3],
    [np.float32(1.5)],
    [np.float64(1.5)],
    [np.float16(1.0), 2.0],
    [np.int32(3)],
    [np.int32(3), 2],
    [1, np.float64(2.0)],
    [np.bool_(True)],
    [[np.int8(1)], [np.int8(2)]],
    np.float64(2.0),
    np.int16(3),
    np.bool_(False),
    [np.array([1, 2], dtype=np.int32)],
    [np.array([1, 2], dtype=np.int32), [3, 4]],
]


@requires_torch
@pytest.mark.parametrize("data", DATA_CASES, ids=repr)
def test_tensor_dtype_inference_matches_torch(data):
    e = ember.tensor(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.tensor(data)
    assert tname(e.dtype) == tname(t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


NP_DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32,
             np.float64, np.complex64, np.complex128]


@pytest.mark.parametrize("npdt", NP_DTYPES, ids=lambda d: np.dtype(d).name)
def test_tensor_from_numpy_array_keeps_dtype(npdt):
    arr = np.arange(6).reshape(2, 3).astype(npdt)
    t = ember.tensor(arr)
    assert tname(t.dtype) == np.dtype(npdt).name.replace("bool", "bool")
    np.testing.assert_array_equal(t.numpy(), arr)
    arr.flat[0] = 5  # tensor() copies
    assert t.numpy().flat[0] == 0
    s = ember.tensor(arr[0, 0])  # NumPy scalar
    assert s.dtype is t.dtype and s.shape == ()


def test_tensor_from_non_contiguous_array():
    arr = np.arange(12.0).reshape(3, 4)[:, ::2]
    np.testing.assert_array_equal(ember.tensor(arr).numpy(), arr)


def test_tensor_explicit_dtype_and_requires_grad():
    t = ember.tensor([1, 2], dtype=ember.float64, requires_grad=True)
    assert t.dtype is ember.float64 and t.requires_grad and t.is_leaf
    t = ember.tensor([1.7, -2.7], dtype=ember.int32)
    assert t.dtype is ember.int32 and t.tolist() == [1, -2]
    assert ember.tensor(1, dtype=float).dtype is ember.float32
    assert ember.tensor(1.0, dtype="float64").dtype is ember.float64


def test_tensor_from_tensors():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = ember.tensor(a.detach())
    assert not b.requires_grad
    b.mul_(2)
    assert a.tolist() == [1.0, 2.0]  # a copy
    c = ember.tensor([ember.tensor(1.0), ember.tensor(2.0)])
    assert c.tolist() == [1.0, 2.0] and c.dtype is ember.float32


def test_default_dtype_affects_inference():
    prev = ember.get_default_dtype()
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.zeros(2).dtype is ember.float64
        assert ember.arange(0.0, 1.0, 0.5).dtype is ember.float64
        assert ember.tensor([1 + 1j]).dtype is ember.complex128
        assert ember.tensor([1]).dtype is ember.int64
    finally:
        ember.set_default_dtype(prev)
    assert ember.tensor([1.5]).dtype is ember.float32


# ======================================================================= as_tensor/from_numpy
def test_from_numpy_shares_memory_both_ways():
    arr = np.arange(4.0)
    t = ember.from_numpy(arr)
    assert t.dtype is ember.float64
    t.add_(1)
    np.testing.assert_array_equal(arr, [1, 2, 3, 4])
    arr[0] = 100
    assert t.tolist()[0] == 100
    assert t.numpy() is arr or np.shares_memory(t.numpy(), arr)


def test_as_tensor_shares_memory_when_possible():
    arr = np.arange(4, dtype=np.float32)
    t = ember.as_tensor(arr)
    arr[1] = -1
    assert t.tolist()[1] == -1
    t.mul_(2)
    assert arr[1] == -2
    c = ember.as_tensor(arr, dtype=ember.float64)  # conversion needs a copy
    arr[0] = 7
    assert c.tolist()[0] != 7
    src = ember.ones(3)
    assert ember.as_tensor(src) is src
    assert ember.as_tensor([1, 2]).dtype is ember.int64
    assert ember.asarray(arr).dtype is ember.float32


def test_numpy_of_tensor_shares_memory():
    t = ember.zeros(3)
    a = t.numpy()
    a[0] = 5
    assert t.tolist()[0] == 5


def test_from_numpy_rejects_non_arrays():
    with pytest.raises(TypeError):
        ember.from_numpy([1, 2])


# ============================================================================ filled tensors
@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([2, 3],), (ember.Size([2, 3]),)],
                         ids=["varargs", "tuple", "list", "Size"])
def test_filled_size_forms(fn, size):
    t = getattr(ember, fn)(*size)
    assert t.shape == (2, 3) and isinstance(t.shape, ember.Size)
    assert t.dtype is ember.float32
    if fn != "empty":
        assert (t.numpy() == (fn == "ones")).all()


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
def test_filled_dtype_and_grad(fn):
    t = getattr(ember, fn)(2, dtype=ember.int32)
    assert t.dtype is ember.int32
    t = getattr(ember, fn)(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert getattr(ember, fn)(()).shape == ()
    assert getattr(ember, fn)(0, 3).shape == (0, 3)


@requires_torch
@pytest.mark.parametrize("fill", [1.5, 3, True, -2, 0.0, 1 + 2j])
def test_full_dtype_inference_matches_torch(fill):
    e, t = ember.full((2, 2), fill), torch.full((2, 2), fill)
    assert tname(e.dtype) == tname(t.dtype)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    if not isinstance(fill, complex):
        assert ember.full([3], fill, dtype=ember.float64).dtype is ember.float64


@requires_torch
def test_full_negative_into_uint8_wraps_like_torch():
    assert ember.full((2,), -1, dtype=ember.uint8).tolist() == \
        torch.full((2,), -1, dtype=torch.uint8).tolist()


@pytest.mark.parametrize("fill,dt", [(1 + 2j, "float64"), (300, "uint8"), (-256, "uint8"),
                                     (2 ** 40, "int32")])
def test_full_value_that_does_not_fit_raises(fill, dt):
    for lib in [ember] + ([torch] if HAVE_TORCH else []):
        with pytest.raises(RuntimeError, match="cannot be converted"):
            lib.full((2,), fill, dtype=getattr(lib, dt))


@requires_torch
@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like", "full_like",
                                "rand_like", "randn_like"])
@pytest.mark.parametrize("dt", ["int32", "float64", "float32"])
def test_like_functions(fn, dt):
    if fn in ("rand_like", "randn_like") and dt == "int32":
        return
    src = ember.ones(2, 3, dtype=getattr(ember, dt))
    args = (2.7,) if fn == "full_like" else ()
    e = getattr(ember, fn)(src, *args)
    t = getattr(torch, fn)(torch.ones(2, 3, dtype=getattr(torch, dt)), *args)
    assert e.shape == (2, 3) and tname(e.dtype) == tname(t.dtype)
    if fn in ("zeros_like", "ones_like", "full_like"):
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    e2 = getattr(ember, fn)(src, *args, dtype=ember.float64, requires_grad=True)
    assert e2.dtype is ember.float64 and e2.requires_grad


# ==================================================================================== ranges
ARANGE_CASES = [(5,), (1, 5), (0, 5, 2), (5, 0, -1), (10, 0, -3), (0.0, 1.0, 0.25),
                (1, 2.5, 0.5), (0, 1, 0.1), (1.5,), (0, 1, 0.3), (-1, 1, 0.1), (-3, 3),
                (0, 0), (2, 2.5, 1)]


@requires_torch
@pytest.mark.parametrize("args", ARANGE_CASES, ids=str)
def test_arange_matches_torch(args):
    e, t = ember.arange(*args), torch.arange(*args)
    assert tname(e.dtype) == tname(t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


def test_arange_dtype_argument_and_errors():
    assert ember.arange(5, dtype=ember.float32).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert ember.arange(0.0, 3.0, dtype=ember.int64).tolist() == [0, 1, 2]
    assert ember.arange(ember.tensor(3)).tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError, match="step"):
        ember.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        ember.arange(0, 5, -1)


@requires_torch
@pytest.mark.parametrize("args", [(0, 1, 5), (1, -1, 3), (0, 1, 1), (0, 1, 0), (2, 3, 4),
                                  (0, 1, 7), (-5.5, 5.5, 12)], ids=str)
def test_linspace_logspace_match_torch(args):
    for fn in ("linspace", "logspace"):
        e, t = getattr(ember, fn)(*args), getattr(torch, fn)(*args)
        assert tname(e.dtype) == tname(t.dtype) and tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)
    e = ember.logspace(0, 3, 4, base=2.0, dtype=ember.float64)
    np.testing.assert_allclose(e.numpy(), [1, 2, 4, 8])
    assert e.dtype is ember.float64


@requires_torch
def test_linspace_integer_dtype():
    e, t = ember.linspace(0, 10, 5, dtype=ember.int64), torch.linspace(0, 10, 5,
                                                                       dtype=torch.int64)
    assert e.tolist() == t.tolist() and e.dtype is ember.int64


@pytest.mark.parametrize("n,m", [(3, None), (2, 4), (4, 2), (0, None), (1, 1)])
def test_eye(n, m):
    e = ember.eye(n, m) if m is not None else ember.eye(n)
    np.testing.assert_array_equal(e.numpy(), np.eye(n, m))
    assert e.dtype is ember.float32
    assert ember.eye(3, dtype=ember.int64).dtype is ember.int64


# ==================================================================================== random
def test_random_shapes_dtypes_ranges():
    ember.manual_seed(0)
    r = ember.rand(200, 3)
    assert r.shape == (200, 3) and r.dtype is ember.float32
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    assert ember.rand(2, dtype=ember.float64).dtype is ember.float64
    assert ember.rand((2, 2)).shape == (2, 2)
    n = ember.randn(4000)
    assert abs(float(n.numpy().mean())) < 0.1 and abs(float(n.numpy().std()) - 1) < 0.1
    assert ember.randn(2, 3, dtype=ember.float64).dtype is ember.float64
    assert ember.randn(2, requires_grad=True).requires_grad
    i = ember.randint(3, 10, (500,))
    assert i.dtype is ember.int64 and i.numpy().min() >= 3 and i.numpy().max() <= 9
    assert set(i.tolist()) == set(range(3, 10))
    assert ember.randint(5, (2, 2)).shape == (2, 2)
    assert ember.randint(0, 5, (3,), dtype=ember.int32).dtype is ember.int32
    p = ember.randperm(10)
    assert p.dtype is ember.int64 and sorted(p.tolist()) == list(range(10))
    assert ember.randperm(0).shape == (0,)


def test_normal_forms():
    ember.manual_seed(0)
    assert ember.normal(0.0, 1.0, (3, 2)).shape == (3, 2)
    m = ember.normal(ember.full((2000,), 5.0), 0.1)
    assert m.shape == (2000,) and abs(float(m.numpy().mean()) - 5) < 0.05
    s = ember.normal(ember.zeros(3), ember.ones(3))
    assert s.shape == (3,) and s.dtype is ember.float32
    s = ember.normal(2.0, ember.full((2000,), 0.5))
    assert abs(float(s.numpy().std()) - 0.5) < 0.05


def test_bernoulli_and_multinomial():
    ember.manual_seed(0)
    b = ember.bernoulli(ember.full((4000,), 0.3))
    assert b.dtype is ember.float32 and set(b.tolist()) <= {0.0, 1.0}
    assert abs(float(b.numpy().mean()) - 0.3) < 0.05
    assert set(ember.bernoulli(ember.tensor([0.0, 1.0])).tolist()) == {0.0, 1.0}
    m = ember.multinomial(ember.tensor([0.0, 1.0, 0.0]), 4, replacement=True)
    assert m.dtype is ember.int64 and m.tolist() == [1, 1, 1, 1]
    m = ember.multinomial(ember.tensor([[1.0, 1.0, 1.0, 0.0], [0.0, 2.0, 1.0, 1.0]]), 3)
    assert m.shape == (2, 3)
    assert sorted(m.tolist()[0]) == [0, 1, 2]  # without replacement: distinct, nonzero weight
    assert 0 not in m.tolist()[1] and len(set(m.tolist()[1])) == 3
    with pytest.raises(RuntimeError):
        ember.multinomial(ember.tensor([1.0, 1.0]), 3)
    with pytest.raises(RuntimeError):
        ember.multinomial(ember.tensor([-1.0, 1.0]), 1)


def test_manual_seed_reproducible():
    ember.manual_seed(123)
    a = (ember.rand(5), ember.randn(3), ember.randint(0, 100, (4,)), ember.randperm(6))
    ember.manual_seed(123)
    b = (ember.rand(5), ember.randn(3), ember.randint(0, 100, (4,)), ember.randperm(6))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    ember.manual_seed(124)
    assert ember.rand(5).tolist() != a[0].tolist()
    assert ember.initial_seed() == 124
    assert isinstance(ember.manual_seed(1), ember.Generator)


def test_generator_objects():
    g1 = ember.Generator().manual_seed(7)
    g2 = ember.Generator()
    g2.manual_seed(7)
    assert g1.initial_seed() == 7
    a = ember.rand(4, generator=g1)
    ember.manual_seed(0)
    ember.rand(10)  # the default generator is independent
    b = ember.rand(4, generator=g2)
    assert a.tolist() == b.tolist()
    assert ember.randn(3, generator=g1).tolist() == ember.randn(3, generator=g2).tolist()
    assert ember.randint(0, 9, (3,), generator=g1).tolist() == \
        ember.randint(0, 9, (3,), generator=g2).tolist()
    assert ember.randperm(5, generator=g1).tolist() == ember.randperm(5, generator=g2).tolist()
    assert ember.Generator().device == ember.device("cpu")


def test_rng_state_round_trip():
    ember.manual_seed(3)
    ember.rand(2)
    state = ember.get_rng_state()
    assert state.dtype is ember.uint8
    a = ember.rand(5).tolist()
    ember.rand(3)
    ember.set_rng_state(state)
    assert ember.rand(5).tolist() == a
    g = ember.Generator().manual_seed(1)
    s = g.get_state()
    x = ember.randn(3, generator=g).tolist()
    g.set_state(s)
    assert ember.randn(3, generator=g).tolist() == x
    with pytest.raises(RuntimeError):
        ember.set_rng_state(ember.zeros(4, dtype=ember.uint8))


def test_fork_rng():
    ember.manual_seed(5)
    with ember.random.fork_rng():
        inside = ember.rand(3).tolist()
    after = ember.rand(3).tolist()
    assert inside == after  # the fork's draws did not advance the outer stream
    ember.manual_seed(5)
    assert ember.random.get_rng_state().tolist() == ember.get_rng_state().tolist()


def test_seed_and_cuda_manual_seed_are_callable():
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    ember.cuda.manual_seed(0)
    ember.cuda.manual_seed_all(0)
    ember.random.manual_seed(0)


# ---------------------------------------------------------------- in-place random fillers
@pytest.mark.parametrize("name,args,check", [
    ("normal_", (2.0, 0.5), lambda a: abs(a.mean() - 2.0) < 0.05 and abs(a.std() - 0.5) < 0.05),
    ("uniform_", (-1.0, 3.0), lambda a: a.min() >= -1 and a.max() < 3 and abs(a.mean() - 1) < 0.1),
    ("exponential_", (2.0,), lambda a: a.min() >= 0 and abs(a.mean() - 0.5) < 0.05),
    ("bernoulli_", (0.3,), lambda a: set(np.unique(a)) <= {0, 1} and abs(a.mean() - 0.3) < 0.03),
    ("log_normal_", (0.0, 0.25), lambda a: a.min() > 0),
    ("cauchy_", (), lambda a: np.isfinite(a).all()),
])
def test_inplace_random_fillers(name, args, check):
    t = ember.empty(4000)
    v = t._version
    ember.manual_seed(3)
    r = getattr(t, name)(*args)
    assert r is t and t._version == v + 1 and t.dtype == ember.float32
    assert check(t.numpy())
    ember.manual_seed(3)
    again = getattr(ember.empty(4000), name)(*args)
    np.testing.assert_array_equal(again.numpy(), t.numpy())


def test_inplace_random_fillers_integers_generator_and_errors():
    t = ember.empty(1000, dtype=ember.int64).random_(0, 5)
    assert set(np.unique(t.numpy())) <= set(range(5))
    g = ember.Generator().manual_seed(0)
    a = ember.empty(5).normal_(generator=g)
    g.manual_seed(0)
    np.testing.assert_array_equal(ember.empty(5).normal_(generator=g).numpy(), a.numpy())
    with pytest.raises(RuntimeError, match="leaf Variable"):
        ember.zeros(3, requires_grad=True).normal_()
    with ember.no_grad():
        ember.zeros(3, requires_grad=True).uniform_()
    with pytest.raises(RuntimeError, match="std >= 0"):
        ember.empty(3).normal_(0, -1)
    with pytest.raises(RuntimeError, match="floating point"):
        ember.empty(3, dtype=ember.int64).normal_()
