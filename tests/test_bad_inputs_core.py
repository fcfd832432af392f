"""Bad inputs to core tensors and autograd (rows of /work/shared/BAD_INPUTS.md).

Each case checks the exception *type* (PyTorch's, so ported ``except`` clauses keep working),
that the message names what is wrong (shapes, dtypes, sizes), and for in-place errors that the
tensor was left unchanged. Where PyTorch is importable, it must raise the same type.
"""
import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH

if HAVE_TORCH:
    import torch

pytestmark = [
    pytest.mark.filterwarnings("ignore:Error detected in"),  # torch's anomaly-mode warning
    pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def raises_like_torch(exc, build, *words, torch_exc=None):
    """``build(lib)`` raises ``exc`` on Ember (message containing ``words``) and on torch."""
    with pytest.raises(exc) as info:
        build(ember)
    msg = str(info.value)
    for w in words:
        assert w in msg, f"{w!r} not in message: {msg}"
    if HAVE_TORCH:
        with pytest.raises(torch_exc or exc):
            build(torch)
    return msg


# ----------------------------------------------------------------- 4 / 5 / 6: broadcasting
def test_04_shapes_cannot_broadcast():
    raises_like_torch(RuntimeError, lambda L: L.ones(2, 3) + L.ones(4, 3), "2", "4",
                      "dimension 0")
    raises_like_torch(RuntimeError, lambda L: L.ones(2, 3) * L.ones(2, 4), "3", "4",
                      "dimension 1")


def test_05_inplace_result_would_grow_self():
    for L in (ember, torch) if HAVE_TORCH else (ember,):
        t = L.ones(1, 3)
        with pytest.raises(RuntimeError) as info:
            t.add_(L.ones(4, 3))
        assert t.shape == (1, 3) and t.tolist() == [[1.0, 1.0, 1.0]]
    assert "[1, 3]" in str(info.value) or L is torch
    t = ember.ones(1, 3)
    with pytest.raises(RuntimeError, match=r"\[1, 3\].*\[4, 3\]"):
        t.mul_(ember.full((4, 3), 2.0))
    assert t.tolist() == [[1.0, 1.0, 1.0]]


def test_06_expand_to_incompatible_size():
    raises_like_torch(RuntimeError, lambda L: L.ones(2, 3).expand(3, 3), "[3, 3]", "[2, 3]")


# ------------------------------------------------------------------- 8: float into int
@pytest.mark.parametrize("op", ["add_", "mul_", "sub_", "div_"])
def test_08_inplace_float_result_into_int_tensor(op):
    t = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError) as info:
        getattr(t, op)(ember.tensor([0.5, 0.5, 0.5]))
    assert "float" in str(info.value) and "int64" in str(info.value)
    assert t.tolist() == [1, 2, 3] and t.dtype is ember.int64
    if HAVE_TORCH:
        with pytest.raises(RuntimeError):
            getattr(torch.tensor([1, 2, 3]), op)(torch.tensor([0.5, 0.5, 0.5]))


def test_08_inplace_float_scalar_into_int_tensor():
    t = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="int64"):
        t.mul_(1.5)
    assert t.tolist() == [1, 2, 3]


# ------------------------------------------------------------------------- 9: devices
def test_09_cuda_unavailable_is_a_clear_runtime_error():
    if ember.cuda.is_available():
        pytest.skip("a GPU is present: the cross-device checks live in the GPU tests")
    t = ember.ones(2)
    for make in (lambda: t.to("cuda"), lambda: t.cuda(), lambda: ember.ones(2, device="cuda"),
                 lambda: ember.tensor([1.0], device="cuda:0"), lambda: t.to("cuda:1")):
        with pytest.raises(RuntimeError, match="cuda") as info:
            make()
        assert "is_available" in str(info.value) or "CuPy" in str(info.value)
    assert t.device == ember.device("cpu") and t.tolist() == [1.0, 1.0]


def test_09_unknown_device_string():
    raises_like_torch(RuntimeError, lambda L: L.ones(2, device="tpu"), "tpu")


# ----------------------------------------------------------------- 13 / 14: view/reshape
def test_13_view_that_strides_cannot_express_suggests_reshape():
    msg = raises_like_torch(RuntimeError, lambda L: L.ones(2, 3).t().view(6), "reshape")
    assert "[3, 2]" in msg or "(3, 2)" in msg


@pytest.mark.parametrize("method", ["view", "reshape"])
def test_14_reshape_to_different_number_of_elements(method):
    raises_like_torch(RuntimeError, lambda L: getattr(L.ones(2, 3), method)(4, 2), "[4, 2]", "6")
    raises_like_torch(RuntimeError, lambda L: getattr(L.ones(2, 3), method)(-1, 4), "6")


# ----------------------------------------------------------------- 17: negative dimension
@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
def test_17_negative_dimension_at_creation(fn):
    raises_like_torch(RuntimeError, lambda L: getattr(L, fn)(2, -3), "-3")


def test_17_negative_dimension_full_and_randint():
    raises_like_torch(RuntimeError, lambda L: L.full((-1, 2), 1.0), "-1")
    raises_like_torch(RuntimeError, lambda L: L.randint(0, 5, (3, -2)), "-2")


# -------------------------------------------------------------------- 18: ragged lists
@pytest.mark.parametrize("data", [[[1, 2], [3]], [[[1, 2], [3, 4]], [[1, 2]]], [[1, 2], 3],
                                  [1, [2]]], ids=str)
def test_18_ragged_nested_list(data):
    with pytest.raises(ValueError) as info:
        ember.tensor(data)
    assert "dim" in str(info.value)
    if HAVE_TORCH:
        with pytest.raises((ValueError, TypeError)):
            torch.tensor(data)


def test_18_ragged_message_names_lengths():
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1 \\(got 1\\)"):
        ember.tensor([[1, 2], [3]])


# ---------------------------------------------------------------- 29: item()/bool()
def test_29_item_and_bool_of_multi_element_tensor():
    raises_like_torch(RuntimeError, lambda L: L.ones(3).item(), "3 elements")
    raises_like_torch(RuntimeError, lambda L: bool(L.ones(2, 2)), "more than one value")
    raises_like_torch(RuntimeError, lambda L: bool(L.ones(0)), "no values")
    raises_like_torch(RuntimeError, lambda L: L.ones(0).item(), "0 elements")


# ------------------------------------------------------------------- 30..37: autograd
def test_30_backward_on_non_scalar_without_gradient():
    raises_like_torch(RuntimeError, lambda L: L.ones(3, requires_grad=True).exp().backward(),
                      "scalar", "[3]")


def test_30_gradient_of_wrong_shape():
    raises_like_torch(RuntimeError,
                      lambda L: L.ones(3, requires_grad=True).exp().backward(L.ones(2)),
                      "[2]", "[3]")


def test_31_second_backward_through_freed_graph():
    def build(L):
        y = (L.ones(3, requires_grad=True).exp() * 2).sum()
        y.backward()
        y.backward()
    raises_like_torch(RuntimeError, build, "second time", "retain_graph=True")


def test_31_autograd_grad_twice():
    def build(L):
        x = L.ones(3, requires_grad=True)
        y = x.exp().sum()
        L.autograd.grad(y, x)
        L.autograd.grad(y, x)
    raises_like_torch(RuntimeError, build, "second time")


def test_32_saved_tensor_modified_in_place():
    def build(L):
        x = L.ones(3, requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()
    raises_like_torch(RuntimeError, build, "modified by an inplace operation", "[3]",
                      "version 1", "version 0")


def test_33_inplace_on_leaf_requiring_grad():
    for L in (ember, torch) if HAVE_TORCH else (ember,):
        x = L.ones(3, requires_grad=True)
        for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.exp_()):
            with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
                op()
        assert x.detach().tolist() == [1.0, 1.0, 1.0] and x.grad_fn is None
        with L.no_grad():
            x.add_(1)  # allowed under no_grad
        assert x.detach().tolist() == [2.0, 2.0, 2.0]


def test_34_backward_on_tensor_not_requiring_grad():
    raises_like_torch(RuntimeError, lambda L: L.ones(3).sum().backward(),
                      "does not require grad")

    def under_no_grad(L):
        x = L.ones(3, requires_grad=True)
        with L.no_grad():
            y = (x * 2).sum()
        y.backward()
    raises_like_torch(RuntimeError, under_no_grad, "does not require grad")


@pytest.mark.parametrize("dt", ["int64", "int32", "uint8", "bool"])
def test_35_requires_grad_on_integer_tensor(dt):
    raises_like_torch(RuntimeError,
                      lambda L: L.ones(2, dtype=getattr(L, dt), requires_grad=True),
                      "floating point", dt)
    raises_like_torch(RuntimeError, lambda L: L.ones(2, dtype=getattr(L, dt)).requires_grad_(),
                      dt)
    raises_like_torch(RuntimeError, lambda L: L.tensor([1, 2], dtype=getattr(L, dt),
                                                       requires_grad=True), dt)


def test_36_numpy_on_tensor_requiring_grad():
    raises_like_torch(RuntimeError, lambda L: L.ones(2, requires_grad=True).numpy(), "detach()")
    raises_like_torch(RuntimeError, lambda L: (L.ones(2, requires_grad=True) * 2).numpy(),
                      "detach()")
    assert ember.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]


def test_37_assigning_grad_of_wrong_shape_or_dtype():
    for L in (ember, torch) if HAVE_TORCH else (ember,):
        x = L.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            x.grad = L.ones(2)
        assert x.grad is None
        if L is ember:
            assert "[3]" in str(info.value) and "[2]" in str(info.value)
        with pytest.raises(RuntimeError) as info:
            x.grad = L.ones(3, dtype=L.float64)
        if L is ember:
            assert "float32" in str(info.value) and "float64" in str(info.value)
        with pytest.raises(TypeError):
            x.grad = [1.0, 2.0, 3.0]
        x.grad = L.full((3,), 2.0)
        assert x.grad.tolist() == [2.0, 2.0, 2.0]


# --------------------------------------------------------------------- 41: anomaly NaN
def test_41_nan_in_backward_under_detect_anomaly_names_op():
    def build(L):
        x = L.tensor([-1.0, 4.0], requires_grad=True)
        with L.autograd.detect_anomaly():
            L.sqrt(x).sum().backward()
    with np.errstate(invalid="ignore"):
        msg = raises_like_torch(RuntimeError, build, "SqrtBackward0", "nan")
    assert "sqrt" in msg  # the forward line that created the node is shown


def test_41_nan_from_log_of_zero_times_zero():
    def build(L):
        x = L.tensor([0.0, 1.0], requires_grad=True)
        with L.autograd.detect_anomaly():
            (L.log(x) * 0).sum().backward()
    with np.errstate(divide="ignore", invalid="ignore"):
        raises_like_torch(RuntimeError, build, "nan")


# ------------------------------------------------------------- 42: NumPy object array
@pytest.mark.parametrize("fn", ["tensor", "as_tensor", "from_numpy"])
def test_42_numpy_object_array(fn):
    arr = np.array([1, "a", None], dtype=object)
    raises_like_torch(TypeError, lambda L: getattr(L, fn)(arr), "object")


def test_42_unsupported_numpy_dtype_and_python_objects():
    with pytest.raises(TypeError, match="<U1|str"):
        ember.tensor(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        ember.tensor(["a", "b"])
    with pytest.raises(TypeError):
        ember.tensor({"a": 1})
    with pytest.raises(TypeError):
        ember.tensor([object()])
