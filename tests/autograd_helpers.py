"""Helpers shared by the autograd test files: run one program on ember and torch, compare."""
import numpy as np

import ember
from conftest import HAVE_TORCH

if HAVE_TORCH:
    import torch
else:  # pragma: no cover
    torch = None

LIBS = [ember] + ([torch] if HAVE_TORCH else [])


def npy(t):
    return None if t is None else t.detach().numpy()


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(npy(a), npy(b), rtol=tol, atol=tol)


def run_both(program):
    """Run ``program(lib)`` with ember and torch; return both results (torch's may be None)."""
    e = program(ember)
    t = program(torch) if HAVE_TORCH else None
    return e, t


def assert_same(program, tol=1e-5):
    e, t = run_both(program)
    if t is None:
        return e
    e = e if isinstance(e, (tuple, list)) else (e,)
    t = t if isinstance(t, (tuple, list)) else (t,)
    assert len(e) == len(t)
    for a, b in zip(e, t):
        if a is None or b is None:
            assert a is None and b is None
        elif isinstance(a, (bool, int, float, str)):
            assert a == b
        else:
            close(a, b, tol)
    return e


def data(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def make_functions(L):
    class Exp(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class MulConst(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, w):
            ctx.k = k
            ctx.save_for_backward(x, w)
            return x * w * k

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            ctx.seen_needs = ctx.needs_input_grad
            gx = g * w * ctx.k if ctx.needs_input_grad[0] else None
            gw = g * x * ctx.k if ctx.needs_input_grad[2] else None
            return gx, None, gw

    class Cube(L.autograd.Function):  # backward uses differentiable ops: double backward works
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    return Exp, MulConst, Cube
