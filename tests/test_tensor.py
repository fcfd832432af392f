"""Tensor basics and printing: ``repr`` matches PyTorch's character for character (with
``torch.`` → ``ember.``) for a table of values, dtypes, shapes and print options."""
import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch

# name -> builder(lib); every builder runs unchanged on ember and torch
REPR_CASES = {
    "ints": lambda L: L.tensor([1, 2, 3]),
    "neg_ints": lambda L: L.tensor([[-1, 20], [300, 4]]),
    "floats_int_valued": lambda L: L.tensor([1., 2., 3.]),
    "floats_neg_int_valued": lambda L: L.tensor([-1., 2., -30.]),
    "floats_frac": lambda L: L.tensor([1.5, -2.25, 3.125]),
    "floats_mixed": lambda L: L.tensor([[1.5, 2.0], [100.0, -0.001]]),
    "tiny": lambda L: L.tensor([1e-5, 2e-6]),
    "huge": lambda L: L.tensor([1e10, 1.0]),
    "huge_int_valued": lambda L: L.tensor([1e9, 2e9]),
    "wide_range": lambda L: L.tensor([0.001, 10.0]),
    "wide_range2": lambda L: L.tensor([0.0001, 1000.0]),
    "with_zero": lambda L: L.tensor([0.0, 1.5]),
    "zeros": lambda L: L.zeros(3),
    "neg_zero": lambda L: L.tensor([-0.0, 1.0]),
    "nan_inf": lambda L: L.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "nan_inf_int": lambda L: L.tensor([float("nan"), float("inf"), 2.0]),
    "only_nan": lambda L: L.tensor([float("nan")]),
    "bool": lambda L: L.tensor([True, False]),
    "bool_true": lambda L: L.tensor([True, True]),
    "bool_2d": lambda L: L.tensor([[True], [False]]),
    "scalar_float": lambda L: L.tensor(3.5),
    "scalar_int_valued": lambda L: L.tensor(3.0),
    "scalar_int": lambda L: L.tensor(7),
    "scalar_bool": lambda L: L.tensor(True),
    "scalar_tiny": lambda L: L.tensor(1e-7),
    "scalar_f64": lambda L: L.tensor(2.5, dtype=L.float64),
    "empty": lambda L: L.tensor([]),
    "empty_2d": lambda L: L.zeros(0, 3),
    "empty_int": lambda L: L.zeros(0, dtype=L.int64),
    "empty_i32": lambda L: L.zeros(2, 0, dtype=L.int32),
    "2d": lambda L: L.tensor([[1.5, 2.5], [3.5, 4.5]]),
    "3d": lambda L: L.tensor(np.arange(24.).reshape(2, 3, 4) / 4),
    "3d_int": lambda L: L.tensor(np.arange(24).reshape(2, 3, 4)),
    "4d": lambda L: L.tensor(np.arange(16.).reshape(2, 2, 2, 2)),
    "requires_grad": lambda L: L.tensor([1., 2.], requires_grad=True),
    "grad_fn": lambda L: L.tensor([1., 2.], requires_grad=True) * 2,
    "grad_fn_scalar": lambda L: (L.tensor([1., 2.], requires_grad=True) * 2).sum(),
    "f64": lambda L: L.tensor([1.5, 2.0], dtype=L.float64),
    "f64_grad": lambda L: L.tensor([1.5, 2.0], dtype=L.float64, requires_grad=True),
    "f64_gradfn": lambda L: L.tensor([1.5, 2.0], dtype=L.float64, requires_grad=True).exp(),
    "f16": lambda L: L.tensor([1.5, 2.0], dtype=L.float16),
    "i32": lambda L: L.tensor([1, 2], dtype=L.int32),
    "u8": lambda L: L.tensor([1, 255], dtype=L.uint8),
    "i8": lambda L: L.tensor([-1, 2], dtype=L.int8),
    "i16": lambda L: L.tensor([1, 2], dtype=L.int16),
    "c64": lambda L: L.tensor([1+2j, -3.5j]),
    "c128": lambda L: L.tensor([1+2j], dtype=L.complex128),
    "summarized_1d": lambda L: L.tensor(np.arange(2000.)),
    "summarized_1d_int": lambda L: L.tensor(np.arange(1001)),
    "summarized_2d": lambda L: L.tensor(np.arange(3000.).reshape(50, 60) / 7),
    "summarized_3d": lambda L: L.tensor(np.arange(2400).reshape(10, 12, 20)),
    "exactly_1000": lambda L: L.tensor(np.arange(1000.)),
    "long_row_wrap": lambda L: L.tensor(np.arange(30.) / 3),
    "long_row_wrap_int": lambda L: L.tensor(np.arange(40) * 1000),
    "long_2d_wrap": lambda L: L.tensor(np.arange(40.).reshape(2, 20) * 1.5),
    "randn_like": lambda L: L.tensor(np.random.default_rng(0).standard_normal((3, 4))),
    "randn_sci": lambda L: L.tensor(np.random.default_rng(0).standard_normal((2, 3)) * 1e6),
    "large_ints_float": lambda L: L.tensor([123456789.0, 1.0]),
    "big_int": lambda L: L.tensor([2**40, -5]),
    "precision": lambda L: L.tensor([1/3, 2/3]),
    "precision_f64": lambda L: L.tensor([1/3, 2/3], dtype=L.float64),
    "one_elem": lambda L: L.tensor([5.]),
    "one_elem_2d": lambda L: L.tensor([[5.]]),
    "neg_frac": lambda L: L.tensor([-0.5, 0.25]),
    "sci_neg": lambda L: L.tensor([-1e-8, 1.0]),
    "wrap_suffix_f64": lambda L: L.tensor(np.arange(7.) / 3, dtype=L.float64),
    "wrap_suffix_grad": lambda L: L.tensor(np.arange(8.) / 3, requires_grad=True),
    "wrap_suffix_both": lambda L: L.tensor(np.arange(7.) / 3, dtype=L.float64,
                                           requires_grad=True) * 2,
    "c_mixed": lambda L: L.tensor([[1.5+2j, -3-0.25j], [0j, 1e-5j]]),
    "c_scalar": lambda L: L.tensor(1-2j),
    "c_summ": lambda L: L.tensor(np.arange(1500) * (1+1j)),
    "nan_only_float": lambda L: L.tensor([float("nan"), 0.0]),
    "i64_neg_wide": lambda L: L.tensor([-123456789012, 5]),
    "f16_frac": lambda L: L.tensor([0.1, 0.2], dtype=L.float16),
    "2d_1000+": lambda L: L.tensor(np.arange(1002.).reshape(2, 501)),
    "5x1": lambda L: L.tensor(np.arange(5.).reshape(5, 1)),
    "bool_summ": lambda L: L.tensor(np.arange(2000) % 3 == 0),
    "empty_3d": lambda L: L.zeros(2, 0, 3, dtype=L.float64),
    "empty_grad": lambda L: L.zeros(0, requires_grad=True),
}
if ember.bfloat16.np is not None:  # bfloat16 needs the optional ml_dtypes package
    REPR_CASES["bf16"] = lambda L: L.tensor([1.5, 2.0], dtype=L.bfloat16)


def _both_reprs(build):
    e = repr(build(ember))
    t = repr(build(torch)).replace("torch.", "ember.")
    return e, t


@pytest.fixture
def default_print_options():
    yield
    ember.set_printoptions(profile="default")
    if HAVE_TORCH:
        torch.set_printoptions(profile="default")


@requires_torch
@pytest.mark.parametrize("name", list(REPR_CASES))
def test_repr_matches_torch(name):
    e, t = _both_reprs(REPR_CASES[name])
    assert e == t


PRINT_OPTIONS = [dict(precision=2), dict(sci_mode=False), dict(sci_mode=True),
                 dict(threshold=5, edgeitems=2), dict(linewidth=40), dict(profile="short"),
                 dict(edgeitems=0, threshold=3), dict(profile="full"),
                 dict(precision=6, linewidth=120)]


@requires_torch
@pytest.mark.parametrize("opts", PRINT_OPTIONS, ids=str)
def test_repr_with_print_options_matches_torch(opts, default_print_options):
    ember.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    bad = []
    for name, build in REPR_CASES.items():
        e, t = _both_reprs(build)
        if e != t:
            bad.append(f"{name}:\n{e}\n--- torch:\n{t}")
    assert not bad, "\n".join(bad[:3])


def test_str_equals_repr_and_format():
    t = ember.tensor([1.5, 2.0])
    assert str(t) == repr(t) == "tensor([1.5000, 2.0000])"
    assert f"{ember.tensor(2.5):.2f}" == "2.50"
    assert f"{t}" == repr(t)


def test_default_dtype_changes_dtype_suffix():
    prev = ember.get_default_dtype()
    try:
        ember.set_default_dtype(ember.float64)
        assert repr(ember.tensor([1.5])) == "tensor([1.5000])"
        assert repr(ember.tensor([1.5], dtype=ember.float32)) == \
            "tensor([1.5000], dtype=ember.float32)"
    finally:
        ember.set_default_dtype(prev)


def test_custom_function_grad_fn_in_repr():
    class Double(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Double.apply(ember.ones(2, requires_grad=True))
    assert repr(y) == "tensor([2., 2.], grad_fn=<DoubleBackward>)"


# ================================================================================== basics
def test_size_object():
    s = ember.zeros(2, 3, 4).shape
    assert isinstance(s, ember.Size) and isinstance(s, tuple)
    assert s == (2, 3, 4) and repr(s) == "ember.Size([2, 3, 4])"
    assert s.numel() == 24 and isinstance(s[1:], ember.Size) and s[-1] == 4
    assert ember.zeros(2, 3).size() == (2, 3) and ember.zeros(2, 3).size(-1) == 3
    with pytest.raises(IndexError, match=r"range of \[-2, 1\]"):
        ember.zeros(2, 3).size(2)


def test_basic_attributes():
    t = ember.zeros(2, 3, dtype=ember.float64)
    assert t.dim() == t.ndim == 2 and t.numel() == t.nelement() == 6
    assert t.element_size() == 8 and t.nbytes == 48 and t.itemsize == 8
    assert t.stride() == (3, 1) and t.is_contiguous()
    assert t.device == ember.device("cpu") and t.is_cpu and not t.is_cuda
    assert t.get_device() == -1
    assert t.is_floating_point() and not t.is_complex() and t.is_signed()
    assert ember.is_tensor(t) and not ember.is_tensor(np.zeros(2))
    assert ember.numel(t) == 6 and ember.is_floating_point(t)
    assert len(t) == 2
    with pytest.raises(TypeError):
        len(ember.tensor(1.0))


def test_item_tolist_and_python_conversions():
    assert ember.tensor([[2.5]]).item() == 2.5
    assert isinstance(ember.tensor(3).item(), int)
    assert isinstance(ember.tensor(True).item(), bool)
    assert ember.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ember.tensor(1.5).tolist() == 1.5
    assert float(ember.tensor([2.5])) == 2.5 and int(ember.tensor(3.7)) == 3
    assert bool(ember.tensor([1])) and not bool(ember.tensor(0.0))
    assert [1, 2, 3][ember.tensor(1)] == 2  # __index__
    with pytest.raises(TypeError):
        [1, 2][ember.tensor(1.0)]


def test_numpy_array_protocol():
    t = ember.tensor([1.0, 2.0])
    a = np.asarray(t)
    assert a.dtype == np.float32 and a.tolist() == [1.0, 2.0]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_iteration_yields_rows():
    rows = list(ember.tensor([[1, 2], [3, 4]]))
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]
    with pytest.raises(TypeError):
        iter(ember.tensor(1))


def test_tensor_constructor_legacy_forms():
    assert ember.Tensor(2, 3).shape == (2, 3) and ember.Tensor(2, 3).dtype is ember.float32
    assert ember.Tensor([1, 2]).dtype is ember.float32
    assert ember.FloatTensor([1, 2]).tolist() == [1.0, 2.0]


def test_deepcopy_and_pickle_round_trip():
    import copy
    import pickle
    t = ember.tensor([1.0, 2.0], requires_grad=True)
    c = copy.deepcopy(t)
    assert c is not t and c.tolist() == t.tolist() and c.requires_grad
    p = pickle.loads(pickle.dumps(t))
    assert p.tolist() == [1.0, 2.0] and p.requires_grad and p.dtype is ember.float32
    with pytest.raises(RuntimeError):
        copy.deepcopy(t * 2)


def test_device_objects():
    d = ember.device("cuda:1")
    assert d.type == "cuda" and d.index == 1 and str(d) == "cuda:1"
    assert repr(d) == "device(type='cuda', index=1)"
    assert ember.device("cpu") == "cpu" and ember.device("cuda", 0) == ember.device("cuda:0")
    assert ember.device(ember.device("cpu")) is ember.device("cpu")
    with pytest.raises(RuntimeError):
        ember.device("tpu")
    with pytest.raises(RuntimeError):
        ember.device("cuda:x")


def test_cuda_queries_without_gpu():
    if ember.cuda.is_available():
        pytest.skip("a GPU is present")
    assert ember.cuda.device_count() == 0
    assert ember.accelerator.current_accelerator() is None
    assert not ember.accelerator.is_available()
    ember.cuda.synchronize()  # no-ops without a GPU
    ember.cuda.empty_cache()
    with pytest.raises(RuntimeError, match="CUDA"):
        ember.cuda.current_device()


def test_testing_assert_close():
    a = ember.tensor([1.0, 2.0])
    ember.testing.assert_close(a, ember.tensor([1.0, 2.0 + 1e-7]))
    with pytest.raises(AssertionError, match="not close"):
        ember.testing.assert_close(a, ember.tensor([1.0, 2.1]))
    with pytest.raises(AssertionError, match="dtype"):
        ember.testing.assert_close(a, a.double())
    with pytest.raises(AssertionError, match="shape"):
        ember.testing.assert_close(a, ember.ones(3))
    ember.testing.assert_close(ember.tensor([float("nan")]), ember.tensor([float("nan")]),
                               equal_nan=True)


def test_misc_helpers_match_torch():
    torch = pytest.importorskip("torch")
    assert tuple(ember.broadcast_shapes((2, 1), (3,), 1)) == tuple(torch.broadcast_shapes(
        (2, 1), (3,), 1))
    with pytest.raises(RuntimeError):
        ember.broadcast_shapes((2,), (3,))
    for args in ((3, 3), (4, 3, 1), (3, 5, -1)):
        assert ember.tril_indices(*args).tolist() == torch.tril_indices(*args).tolist()
        assert ember.triu_indices(*args).tolist() == torch.triu_indices(*args).tolist()
    for a, b in ((ember.float32, ember.int64), (ember.int64, ember.float32),
                 (ember.bool, ember.uint8)):
        ta, tb = (getattr(torch, d.name) for d in (a, b))
        assert ember.can_cast(a, b) == torch.can_cast(ta, tb)
    x = ember.tensor([1.0, -2.0])
    assert x.real is x and x.conj() is x and x.pin_memory() is x and not x.is_pinned()
    with pytest.raises(RuntimeError, match="non-complex"):
        x.imag
    assert ember.is_nonzero(ember.tensor([3])) and not ember.is_nonzero(ember.tensor(0.0))
