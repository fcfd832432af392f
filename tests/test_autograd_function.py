"""Custom ``autograd.Function``: saving tensors, ``needs_input_grad``, non-differentiable and
dirty outputs, materialized grads, ``once_differentiable``, double backward, gradcheck."""
import pytest

import ember
from autograd_helpers import assert_same, close, data, make_functions

pytestmark = [
    pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


# ========================================================================= custom Function
def test_custom_function_matches_torch():
    def prog(L):
        Exp, MulConst, _ = make_functions(L)
        x = L.tensor(data(3), requires_grad=True)
        w = L.tensor(data(3, seed=1), requires_grad=True)
        y = MulConst.apply(Exp.apply(x), 2.5, w)
        assert type(y.grad_fn).__name__ == "MulConstBackward"
        y.sum().backward()
        return y, x.grad, w.grad
    assert_same(prog)


def test_custom_function_needs_input_grad():
    def prog(L):
        _, MulConst, _ = make_functions(L)
        x = L.tensor(data(3), requires_grad=True)
        w = L.tensor(data(3, seed=1))
        y = MulConst.apply(x, 2.0, w)
        y.sum().backward()
        assert tuple(y.grad_fn.seen_needs) == (True, False, False)
        return (x.grad,)
    assert_same(prog)


def test_custom_function_used_twice_in_one_graph():
    def prog(L):
        Exp, _, _ = make_functions(L)
        x = L.tensor(data(3), requires_grad=True)
        y = Exp.apply(x) + Exp.apply(x * 2)
        y.sum().backward()
        return y, x.grad
    assert_same(prog)


def test_custom_function_double_backward():
    def prog(L):
        _, _, Cube = make_functions(L)
        x = L.tensor(data(3), requires_grad=True)
        (g,) = L.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        (gg,) = L.autograd.grad(g.sum(), x)
        return g, gg
    e = assert_same(prog)
    x = ember.tensor(data(3))
    close(e[1], 6 * x)


def test_custom_function_gradcheck_and_gradgradcheck():
    _, _, Cube = make_functions(ember)
    x = ember.tensor(data(3), requires_grad=True)
    assert ember.autograd.gradcheck(Cube.apply, (x,))
    assert ember.autograd.gradgradcheck(Cube.apply, (x,))


def test_mark_non_differentiable():
    def prog(L):
        class SortLike(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                idx = (x > 0).long()
                ctx.mark_non_differentiable(idx)
                return x * 2, idx

            @staticmethod
            def backward(ctx, g, g_idx):
                return g * 2

        x = L.tensor(data(4), requires_grad=True)
        y, idx = SortLike.apply(x)
        assert not idx.requires_grad and y.requires_grad
        y.sum().backward()
        return (x.grad,)
    assert_same(prog)


def test_mark_dirty():
    def prog(L):
        class AddOneInplace(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        a = L.tensor(data(3), requires_grad=True)
        b = a * 2
        v0 = b._version
        c = AddOneInplace.apply(b)
        assert c is b and b._version > v0
        assert type(b.grad_fn).__name__ == "AddOneInplaceBackward"
        (c * c).sum().backward()
        return c, a.grad
    assert_same(prog)


def test_set_materialize_grads():
    def prog(L):
        seen = {}

        class Two(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen["g2"] = g2
                return g1 * 2

        x = L.tensor(data(3), requires_grad=True)
        a, _ = Two.apply(x)
        a.sum().backward()
        assert seen["g2"] is None
        return (x.grad,)
    assert_same(prog)


def test_materialized_grads_default_are_zeros():
    seen = {}

    class Two(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen["g2"] = g2
            return g1 * 2 + g2 * 3

    x = ember.tensor(data(3), requires_grad=True)
    a, _ = Two.apply(x)
    a.sum().backward()
    close(seen["g2"], ember.zeros(3, dtype=ember.float64))


def test_once_differentiable():
    def prog(L):
        from_mod = L.autograd.function

        class Sq(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @from_mod.once_differentiable
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                assert not L.is_grad_enabled()
                return 2 * x * g

        x = L.tensor(data(3), requires_grad=True)
        (g,) = L.autograd.grad(Sq.apply(x).sum(), x, create_graph=True)
        return (g,)
    assert_same(prog)


def test_custom_function_setup_context_style():
    def prog(L):
        class Mul(L.autograd.Function):
            @staticmethod
            def forward(x, y):
                return x * y

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(*inputs)

            @staticmethod
            def backward(ctx, g):
                x, y = ctx.saved_tensors
                return g * y, g * x

        x = L.tensor(data(3), requires_grad=True)
        y = L.tensor(data(3, seed=1), requires_grad=True)
        out = Mul.apply(x, y)
        out.sum().backward()
        return out, x.grad, y.grad
    assert_same(prog)


def test_custom_function_wrong_number_of_grads():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


def test_custom_function_without_grad_runs_forward_only():
    Exp, _, _ = make_functions(ember)
    y = Exp.apply(ember.tensor([0.0, 1.0]))
    assert not y.requires_grad and y.grad_fn is None
    with ember.no_grad():
        assert Exp.apply(ember.ones(2, requires_grad=True)).grad_fn is None


def test_saved_tensors_after_backward_raises():
    Exp, _, _ = make_functions(ember)
    x = ember.ones(2, requires_grad=True)
    y = Exp.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="freed"):
        y.grad_fn.saved_tensors
