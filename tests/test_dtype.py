"""dtype objects and PyTorch's type promotion: ``promote_types``, ``result_type`` and the dtype
of ``a + b``, ``a * b``, ``a / b`` for every pair of dtypes, for dimensioned tensors, 0-d
tensors and Python scalars, compared with PyTorch."""
import itertools
import pickle

import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
if ember.bfloat16.np is not None:  # needs the optional ml_dtypes package
    NAMES.append("bfloat16")

SCALARS = [True, 2, -3, 2.5, 1 + 1j]


def tname(dt):
    return str(dt).split(".")[-1]


def make(lib, name, zero_dim=False):
    dt = getattr(lib, name)
    shape = () if zero_dim else (2,)
    return lib.ones(shape, dtype=dt)


@requires_torch
@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types_and_binary_ops(a, b):
    da, db = getattr(ember, a), getattr(ember, b)
    expect = tname(torch.promote_types(getattr(torch, a), getattr(torch, b)))
    assert tname(ember.promote_types(da, db)) == expect
    for za, zb in [(False, False), (True, False), (False, True), (True, True)]:
        ea, eb = make(ember, a, za), make(ember, b, zb)
        ta, tb = make(torch, a, za), make(torch, b, zb)
        case = f"{a}{'(0-d)' if za else ''} op {b}{'(0-d)' if zb else ''}"
        assert tname(ember.result_type(ea, eb)) == tname(torch.result_type(ta, tb)), case
        assert tname((ea + eb).dtype) == tname((ta + tb).dtype), "+ " + case
        assert tname((ea * eb).dtype) == tname((ta * tb).dtype), "* " + case
        assert tname((ea / eb).dtype) == tname((ta / tb).dtype), "/ " + case


@requires_torch
@pytest.mark.parametrize("a,s", [(a, s) for a in NAMES for s in SCALARS],
                         ids=[f"{a}-{s!r}" for a in NAMES for s in SCALARS])
@pytest.mark.parametrize("zero_dim", [False, True], ids=["dim", "0d"])
def test_tensor_scalar_promotion(a, s, zero_dim):
    if isinstance(s, complex) and a in ("float16", "bfloat16"):
        pytest.skip("PyTorch gives complex32 (ComplexHalf), which Ember does not have")
    e, t = make(ember, a, zero_dim), make(torch, a, zero_dim)
    assert tname(ember.result_type(e, s)) == tname(torch.result_type(t, s))
    for op in ("__add__", "__mul__", "__truediv__", "__radd__", "__rmul__", "__rtruediv__"):
        te = getattr(e, op)(s)
        tt = getattr(t, op)(s)
        assert tname(te.dtype) == tname(tt.dtype), f"{a} {op} {s!r}"


@requires_torch
@pytest.mark.parametrize("x,y", [(2.5, 1), (1, True), (True, False), (1, 1 + 2j), (2.0, 1j)],
                         ids=str)
def test_result_type_of_two_scalars(x, y):
    assert tname(ember.result_type(x, y)) == tname(torch.result_type(x, y))


def test_result_type_of_three_operands():
    """Dimensioned tensors outrank 0-d tensors, which outrank Python scalars (per category)."""
    i8, f64_0d = ember.ones(2, dtype=ember.int8), ember.tensor(1.0, dtype=ember.float64)
    assert ember.result_type(i8, ember.ones(2, dtype=ember.int16), 2.5) is ember.float32
    assert ember.result_type(i8, f64_0d, 1) is ember.float64
    assert ember.result_type(ember.ones(2, dtype=ember.float32), f64_0d, 1j) is ember.complex64


def test_default_dtype_controls_scalar_promotion():
    prev = ember.get_default_dtype()
    try:
        ember.set_default_dtype(ember.float64)
        assert (ember.ones(2, dtype=ember.int64) * 1.5).dtype is ember.float64
        assert (ember.ones(2, dtype=ember.float16) * 1.5).dtype is ember.float16
        assert (ember.ones(2, dtype=ember.int32) / 2).dtype is ember.float64
    finally:
        ember.set_default_dtype(prev)
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


def test_dtype_objects():
    assert repr(ember.float32) == "ember.float32" and str(ember.int64) == "ember.int64"
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.long is ember.int64 and ember.int is ember.int32 and ember.half is ember.float16
    assert ember.short is ember.int16 and ember.cfloat is ember.complex64
    assert ember.float32.is_floating_point and not ember.int8.is_floating_point
    assert ember.complex64.is_complex and not ember.float64.is_complex
    assert ember.int8.is_signed and not ember.uint8.is_signed and not ember.bool.is_signed
    assert ember.float64.itemsize == 8 and ember.bfloat16.itemsize == 2
    assert pickle.loads(pickle.dumps(ember.float16)) is ember.float16
    assert ember.ones(1, dtype=ember.float64).element_size() == 8
    assert ember.complex64.to_real() is ember.float32
    assert ember.float64.to_complex() is ember.complex128


@pytest.mark.parametrize("spec,expect", [
    ("float32", ember.float32), ("torch.float64", ember.float64), (np.float16, ember.float16),
    (np.dtype("int8"), ember.int8), (float, ember.float32), (int, ember.int64),
    (bool, ember.bool), ("long", ember.int64)])
def test_dtype_arguments_accept_aliases(spec, expect):
    assert ember.zeros(1, dtype=spec).dtype is expect
    if not isinstance(spec, str):  # like PyTorch, a string in .to() names a device
        assert ember.ones(1).to(spec).dtype is expect


def test_bad_dtype_argument():
    with pytest.raises(TypeError):
        ember.zeros(1, dtype="floaty")


@requires_torch
@pytest.mark.parametrize("name", ["float16", "float32", "float64"] +
                         (["bfloat16"] if "bfloat16" in NAMES else []))
def test_finfo_matches_torch(name):
    e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "resolution"):
        assert getattr(e, attr) == pytest.approx(getattr(t, attr)), attr
    assert ember.finfo().eps == torch.finfo().eps


@requires_torch
@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (e.min, e.max, e.bits) == (t.min, t.max, t.bits)


@requires_torch
@pytest.mark.skipif("bfloat16" not in NAMES, reason="bfloat16 needs ml_dtypes")
def test_bfloat16_round_trip_and_values():
    vals = [1.0, 1.00390625, 3.14159, -2.5e3, 1e-3]
    e = ember.tensor(vals, dtype=ember.bfloat16)
    t = torch.tensor(vals, dtype=torch.bfloat16)
    assert e.dtype is ember.bfloat16
    assert e.tolist() == t.tolist()
    assert e.float().tolist() == t.float().tolist()
    assert (e + e).dtype is ember.bfloat16
    assert isinstance(e[0].item() if hasattr(e, "__getitem__") else e.sum().item(), float)
