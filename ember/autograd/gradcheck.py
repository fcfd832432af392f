"""Finite-difference checks of analytical gradients (float64): ``gradcheck``, ``gradgradcheck``."""
from __future__ import annotations

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical Jacobians differ."""


def _flat_outputs(out):
    from .._tensor import Tensor
    if isinstance(out, Tensor):
        return (out,)
    return tuple(o for o in out if isinstance(o, Tensor))


def _diff_inputs(inputs):
    from .._tensor import Tensor
    return [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]


def _numerical_jacobian(fn, inputs, idx, eps):
    """J[k][col][out]: central differences, one input element at a time.

    Grad mode stays on: gradgradcheck's function itself calls ``autograd.grad``.
    """
    jac = []
    for k in idx:
        x = inputs[k]
        if not x._data.flags.c_contiguous:
            raise GradcheckError("gradcheck needs contiguous inputs")
        flat = x._data.reshape(-1)
        cols = []
        for j in range(flat.size):
            orig = flat[j].copy()
            flat[j] = orig + eps
            plus = [o._data.astype(np.float64).ravel().copy()
                    for o in _flat_outputs(fn(*inputs))]
            flat[j] = orig - eps
            minus = [o._data.astype(np.float64).ravel().copy()
                     for o in _flat_outputs(fn(*inputs))]
            flat[j] = orig
            cols.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
        jac.append(cols)
    return jac


def _analytical_jacobian(fn, inputs, idx):
    from .._tensor import _wrap
    from . import grad as autograd_grad
    outs = _flat_outputs(fn(*inputs))
    res = []  # res[out][k] -> (out_numel, in_numel)
    for o in outs:
        per_in = [np.zeros((o._data.size, inputs[k]._data.size)) for k in idx]
        if not o.requires_grad or not (o.dtype.is_floating_point or o.dtype.is_complex):
            res.append(per_in)
            continue
        for r in range(o._data.size):
            go = np.zeros(o._data.size, dtype=o._data.dtype)
            go[r] = 1
            gs = autograd_grad(o, [inputs[k] for k in idx], _wrap(go.reshape(o._data.shape)),
                               retain_graph=True, allow_unused=True)
            for n, g in enumerate(gs):
                if g is not None:
                    per_in[n][r] = g._data.astype(np.float64).ravel()
        res.append(per_in)
    return res


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, fast_mode: bool = False, **kwargs) -> bool:
    """Compare the autograd Jacobian of ``func`` at ``inputs`` with central differences."""
    from .._tensor import Tensor
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    idx = _diff_inputs(inputs)
    if not idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for k in idx:
        if inputs[k].dtype.name not in ("float64", "complex128"):
            import warnings
            warnings.warn(f"Input #{k} requires gradient and is not a double precision floating "
                          "point. gradcheck may fail with lower precision.", stacklevel=2)
    num = _numerical_jacobian(func, inputs, idx, eps)
    ana = _analytical_jacobian(func, inputs, idx)
    for n, k in enumerate(idx):
        for o in range(len(ana)):
            a = ana[o][n]
            m = np.array([col[o] for col in num[n]]).T if num[n] else np.zeros_like(a)
            m = m.reshape(a.shape)
            if not np.allclose(a, m, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {o} with respect to input {k},\n"
                    f"numerical:{m}\nanalytical:{a}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, **kwargs) -> bool:
    """gradcheck of the first derivative: checks second-order gradients of ``func``."""
    from .._creation import randn
    from .._tensor import Tensor
    from . import grad as autograd_grad
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    outs = _flat_outputs(func(*inputs))
    if grad_outputs is None:
        grad_outputs = tuple(randn(o.shape, dtype=o.dtype, requires_grad=True) for o in outs
                             if o.requires_grad)
    grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    idx = _diff_inputs(inputs)
    n_in = len(inputs)

    def first_grad(*args):
        xs, gos = args[:n_in], args[n_in:]
        outs = [o for o in _flat_outputs(func(*xs)) if o.requires_grad]
        gs = autograd_grad(outs, [xs[k] for k in idx], gos, create_graph=True,
                           allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grad, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
