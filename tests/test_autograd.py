"""Autograd semantics: backward/grad options, grad modes, hooks, graph structure, gradcheck,
anomaly mode and graph lifetime (custom Functions and ``autograd.functional`` have their own
files).

Wherever PyTorch is importable the same program runs on both and the results are compared.
"""
import gc
import weakref

import numpy as np
import pytest

import ember
from autograd_helpers import LIBS, assert_same, close, data, make_functions, npy, run_both

pytestmark = [
    pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph"),
    pytest.mark.filterwarnings("ignore:Error detected in"),  # torch's anomaly-mode warning
    pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
]


# ============================================================================ backward options
@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
def test_backward_gradient_argument(lib):
    x = lib.tensor(data(3), requires_grad=True)
    y = x * 2
    y.backward(gradient=lib.tensor([1.0, 0.5, -1.0], dtype=lib.float64))
    np.testing.assert_allclose(npy(x.grad), [2.0, 1.0, -2.0])


def test_backward_options_match_torch():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        w = L.tensor(data(3, seed=1), requires_grad=True)
        loss = (x.exp() * w).sum()
        loss.backward(retain_graph=True)
        g1 = x.grad.clone()
        loss.backward()  # accumulates into .grad
        return g1, x.grad, w.grad
    e = assert_same(prog)
    close(e[1], e[0] * 2)


def test_backward_create_graph_gives_differentiable_grad():
    def prog(L):
        x = L.tensor(data(4), requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad and g.grad_fn is not None
        (h,) = L.autograd.grad(g.sum(), x)
        return g, h
    assert_same(prog)


def test_backward_inputs_only_accumulates_those():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        w = L.tensor(data(3, seed=1), requires_grad=True)
        (x * w).sum().backward(inputs=[w])
        return x.grad, w.grad
    e = assert_same(prog)
    assert e[0] is None


def test_backward_inputs_non_leaf_accumulates_grad():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        h = x * 2
        (h * h).sum().backward(inputs=[h])
        return h.grad, x.grad
    assert_same(prog)


def test_gradient_accumulates_across_backward_calls():
    def prog(L):
        x = L.tensor(data(2, 3), requires_grad=True)
        (x * x).sum().backward()
        (3 * x).mean().backward()
        return (x.grad,)
    assert_same(prog)


# ================================================================================ autograd.grad
def test_grad_basic_does_not_touch_dot_grad():
    x = ember.tensor(data(3), requires_grad=True)
    (g,) = ember.autograd.grad((x * x).sum(), x)
    assert x.grad is None
    close(g, 2 * x)
    assert not g.requires_grad


def test_grad_single_tensor_input_returns_tuple():
    x = ember.tensor(2.0, requires_grad=True)
    r = ember.autograd.grad(x * x, x)
    assert isinstance(r, tuple) and len(r) == 1


def test_grad_allow_unused():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        y = L.tensor(data(3), requires_grad=True)
        gx, gy = L.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
        return gx, gy
    e = assert_same(prog)
    assert e[1] is None


def test_grad_unused_input_without_allow_unused_raises():
    x = ember.tensor(data(3), requires_grad=True)
    y = ember.tensor(data(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        ember.autograd.grad((x * 2).sum(), [x, y])


def test_grad_materialize_grads():
    x = ember.tensor(data(3), requires_grad=True)
    y = ember.tensor(data(3), requires_grad=True)
    gx, gy = ember.autograd.grad((x * 2).sum(), [x, y], materialize_grads=True)
    close(gy, ember.zeros(3, dtype=ember.float64))


def test_grad_grad_outputs_and_multiple_outputs():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        a, b = x.exp(), x * x
        return L.autograd.grad([a, b], x, grad_outputs=[L.ones(3, dtype=L.float64),
                                                        L.tensor([1., 2., 3.], dtype=L.float64)])
    assert_same(prog)


def test_hessian_vector_product_via_double_grad():
    def prog(L):
        x = L.tensor(data(4), requires_grad=True)
        v = L.tensor(data(4, seed=2))
        y = (x.exp() * x * x).sum()
        (g,) = L.autograd.grad(y, x, create_graph=True)
        (hv,) = L.autograd.grad(g, x, grad_outputs=v)
        return g, hv
    assert_same(prog)


def test_gradient_penalty():
    """WGAN-GP style: penalty on the norm of d(critic)/d(input), trained through."""
    def prog(L):
        w = L.tensor(data(3, 1), requires_grad=True)
        inp = L.tensor(data(5, 3, seed=1), requires_grad=True)
        out = (inp @ w).exp()
        (g,) = L.autograd.grad(out, inp, grad_outputs=L.ones_like(out), create_graph=True)
        penalty = (((g * g).sum(1).sqrt() - 1) ** 2).mean()
        penalty.backward()
        return penalty, w.grad, inp.grad
    assert_same(prog)


# ============================================================================ retain_grad etc.
def test_retain_grad_on_non_leaf():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        h = x.exp()
        h.retain_grad()
        assert h.retains_grad and not x.retains_grad
        (h * h).sum().backward()
        return h.grad, x.grad
    assert_same(prog)


def test_non_leaf_grad_is_none_without_retain_grad():
    x = ember.tensor(data(3), requires_grad=True)
    h = x * 2
    h.sum().backward()
    assert h.grad is None


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
def test_requires_grad_detach(lib):
    x = lib.tensor([1.0, 2.0])
    assert not x.requires_grad and x.is_leaf
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    assert not y.is_leaf and y.requires_grad
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.mul_(0)  # shares memory with y
    assert y.detach().numpy().tolist() == [0.0, 0.0]
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError):
        (x * 2).requires_grad_(False)


def test_detach_shares_version_counter_add_():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    d = y.detach()
    d.add_(1)
    assert y._version == d._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ================================================================================ grad modes
@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
def test_grad_mode_context_managers(lib):
    x = lib.ones(2, requires_grad=True)
    with lib.no_grad():
        assert not lib.is_grad_enabled()
        assert not (x * 2).requires_grad
        with lib.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert lib.is_grad_enabled()
    with lib.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert lib.is_grad_enabled()
    lib.set_grad_enabled(False)  # also a plain function call
    assert not lib.is_grad_enabled()
    lib.set_grad_enabled(True)
    with lib.inference_mode():
        assert not (x * 2).requires_grad
        assert lib.is_inference_mode_enabled()
    with lib.inference_mode(False):
        assert (x * 2).requires_grad
    assert not lib.is_inference_mode_enabled()


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
def test_grad_modes_as_decorators(lib):
    x = lib.ones(2, requires_grad=True)

    @lib.no_grad()
    def f_ng():
        return x * 2

    @lib.no_grad
    def f_ng_bare():
        return x * 2

    @lib.enable_grad()
    def f_eg():
        return x * 2

    @lib.set_grad_enabled(False)
    def f_sg():
        return x * 2

    @lib.inference_mode()
    def f_inf():
        return x * 2

    @lib.inference_mode
    def f_inf_bare():
        return x * 2

    assert lib.is_grad_enabled()  # defining the decorated functions changed nothing
    assert not f_ng().requires_grad
    assert not f_ng_bare().requires_grad
    assert not f_sg().requires_grad
    assert not f_inf().requires_grad
    assert not f_inf_bare().requires_grad
    with lib.no_grad():
        assert f_eg().requires_grad  # enable_grad inside no_grad
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with ember.no_grad():
            raise ValueError
    assert ember.is_grad_enabled()

    @ember.no_grad()
    def boom():
        raise ValueError

    with pytest.raises(ValueError):
        boom()
    assert ember.is_grad_enabled()


def test_nested_no_grad_decorator_recursion():
    @ember.no_grad()
    def rec(n):
        assert not ember.is_grad_enabled()
        return 0 if n == 0 else rec(n - 1)
    rec(3)
    assert ember.is_grad_enabled()


# ==================================================================================== hooks
def test_hooks_leaf_and_non_leaf_match_torch():
    def prog(L):
        seen = []
        x = L.tensor(data(3), requires_grad=True)
        x.register_hook(lambda g: seen.append(g.clone()))
        h = x.exp()
        h.register_hook(lambda g: g * 10)  # modifies what flows further back
        (h * 2).sum().backward()
        return seen[0], x.grad
    assert_same(prog)


def test_hook_handle_remove():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        handle = x.register_hook(lambda g: g * 0)
        handle.remove()
        h = x * 3
        hh = h.register_hook(lambda g: g * 0)
        hh.remove()
        h.sum().backward()
        return (x.grad,)
    e = assert_same(prog)
    close(e[0], ember.full((3,), 3.0, dtype=ember.float64))


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ember.ones(2).register_hook(lambda g: g)


def test_post_accumulate_grad_hook():
    x = ember.ones(2, requires_grad=True)
    calls = []
    x.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.clone()))
    (x * 3).sum().backward()
    assert len(calls) == 1
    close(calls[0], ember.full((2,), 3.0))


# ============================================================================ graph structure
def _structure(fn):
    if fn is None:
        return None
    name = fn.name().replace("torch::autograd::", "")
    return (name, tuple(_structure(c) for c, _ in fn.next_functions))


def test_grad_fn_names_and_next_functions_match_torch():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        y = L.tensor(data(3))
        z = L.tensor(data(3), requires_grad=True)
        loss = (x * y + z).sum()
        s = _structure(loss.grad_fn)
        loss2 = ((x.exp() - z).mean() / 2.0).neg()
        return s, _structure(loss2.grad_fn)
    e, t = run_both(prog)
    assert e[0] == ("SumBackward0", (("AddBackward0", (("MulBackward0", (("AccumulateGrad", ()),
                                                                       None)),
                                                     ("AccumulateGrad", ()))),))
    if t is not None:
        assert e == t


def test_accumulate_grad_variable_and_output_nr():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    acc = y.grad_fn.next_functions[0][0]
    assert acc.name() == "AccumulateGrad" and acc.variable is x
    # the same AccumulateGrad node is reused while it is alive
    assert (x * 3).grad_fn.next_functions[0][0] is acc
    assert y.output_nr == 0


def test_grad_fn_hooks_on_nodes():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    seen = []
    y.grad_fn.register_hook(lambda gi, go: seen.append((len(gi), len(go))))
    y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    y.sum().backward()
    assert seen == [(2, 1)]
    close(x.grad, ember.full((2,), 20.0))


# ========================================================================= gradcheck / anomaly
class _WrongGrad(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # should be 2 * x * g


def test_gradcheck_detects_wrong_backward():
    x = ember.tensor(data(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        ember.autograd.gradcheck(_WrongGrad.apply, (x,))
    assert ember.autograd.gradcheck(_WrongGrad.apply, (x,), raise_exception=False) is False


def test_gradcheck_passes_builtin_ops_and_gradgradcheck():
    x = ember.tensor(data(2, 3), requires_grad=True)
    w = ember.tensor(data(3, 2, seed=1), requires_grad=True)
    f = lambda a, b: (a @ b).exp()  # noqa: E731
    assert ember.autograd.gradcheck(f, (x, w))
    assert ember.autograd.gradgradcheck(f, (x, w))


def test_gradgradcheck_detects_wrong_double_backward():
    class WrongDouble(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            # right value, wrong second derivative: 3 * x.detach()**2 cuts the x dependence
            return g * 3 * x.detach() ** 2

    x = ember.tensor(data(3), requires_grad=True)
    assert ember.autograd.gradcheck(WrongDouble.apply, (x,))
    with pytest.raises(RuntimeError):
        ember.autograd.gradgradcheck(WrongDouble.apply, (x,))


def test_gradcheck_accessible_as_submodule_function():
    from ember.autograd import gradcheck
    assert callable(gradcheck)
    assert callable(ember.autograd.gradcheck)


def test_detect_anomaly_names_backward_node():
    x = ember.tensor([-1.0, 4.0], requires_grad=True)
    with ember.autograd.detect_anomaly():
        y = x.sqrt()  # NaN forward on -1, NaN in backward
        with pytest.raises(RuntimeError, match="SqrtBackward0") as info:
            y.sum().backward()
    assert "nan" in str(info.value).lower()
    assert "y = x.sqrt()" in str(info.value)  # the forward line that created the node
    assert not ember.autograd.is_anomaly_enabled()


def test_detect_anomaly_decorator_and_set_detect_anomaly():
    @ember.autograd.detect_anomaly()
    def f():
        return ember.autograd.is_anomaly_enabled()
    assert f() and not ember.autograd.is_anomaly_enabled()
    with ember.autograd.set_detect_anomaly(True):
        assert ember.autograd.is_anomaly_enabled()
    assert not ember.autograd.is_anomaly_enabled()


def test_without_anomaly_nan_passes_silently():
    x = ember.tensor([-1.0, 4.0], requires_grad=True)
    x.sqrt().sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_variable_legacy_alias():
    def prog(L):
        v = L.autograd.Variable(L.tensor([1.0, 2.0]), requires_grad=True)
        assert isinstance(v, L.Tensor) and v.requires_grad and v.is_leaf
        (v * v).sum().backward()
        return (v.grad,)
    assert_same(prog)


# ============================================================================= graph lifetime
@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
def test_second_backward_raises_unless_retain_graph(lib):
    x = lib.ones(3, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_graph_collected_without_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        x = ember.ones(4, requires_grad=True)
        w = ember.ones(4, requires_grad=True)
        h = (x * w).exp()
        out = h.sqrt() * h
        loss = out.sum()
        refs = [weakref.ref(loss.grad_fn), weakref.ref(out.grad_fn), weakref.ref(h.grad_fn)]
        loss.backward()
        del h, out, loss
        assert all(r() is None for r in refs), "graph nodes kept alive by a reference cycle"
        # and likewise without running backward
        h = (x * w).exp()
        loss = (h * h).sum()
        refs = [weakref.ref(loss.grad_fn), weakref.ref(h.grad_fn)]
        del h, loss
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_custom_function_graph_collected_without_cycle_collector():
    Exp, _, _ = make_functions(ember)
    gc.collect()
    gc.disable()
    try:
        x = ember.ones(4, requires_grad=True)
        y = Exp.apply(x)
        ref = weakref.ref(y.grad_fn)
        y.sum().backward()
        del y
        assert ref() is None
    finally:
        gc.enable()


def test_version_counter_error():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # saves its output
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
        y.sum().backward()
    assert "ExpBackward0" in str(info.value) and "version 1" in str(info.value)


def test_version_counter_saved_input():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = h * h  # saves its inputs
    h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_non_leaf_is_differentiated():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        h = x * 2
        h.add_(1)
        h.sub_(x)
        (h * h).sum().backward()
        return h, x.grad
    assert_same(prog)


def test_inplace_mul_by_scalar_then_inplace_again():
    def prog(L):
        x = L.tensor(data(3), requires_grad=True)
        h = x * 2
        h.mul_(3)
        h.add_(1)
        (h * h).sum().backward()
        return h, x.grad
    assert_same(prog)
