"""Tensor contractions and products: einsum, tensordot, kron, cross, trapezoid.

``einsum``'s backward is itself an einsum of the output gradient with the other operands, so it
is differentiable to any order. Repeated subscripts in an operand (``'ii->i'``) get their
gradient placed on the diagonal by contracting with a constant identity, and subscripts summed
inside a single operand (``'ij->i'``) get broadcast back by contracting with a constant ones
vector — both handled by the same einsum call.
"""
from __future__ import annotations

import math
import string

from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import broadcast_shapes, promote, wrap_dim, xp_of
from ._registry import register
from .linalg_base import narrow
from .matmul import matmul

_LETTERS = string.ascii_letters


# ----------------------------------------------------------------------------- einsum
class Einsum(Op):
    @staticmethod
    def forward(ctx, *arrays, subs, out):
        ctx.subs = subs
        ctx.out = out
        ctx.save_for_backward(*arrays)
        eq = ",".join(subs) + "->" + out
        r = xp_of(arrays[0]).einsum(eq, *arrays, optimize=len(arrays) > 1)
        return xp_of(arrays[0]).asarray(r)

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        subs, out = ctx.subs, ctx.out
        used = set("".join(subs)) | set(out)
        fresh = (c for c in _LETTERS if c not in used)
        sizes = {}
        for t, s in zip(ops, subs):
            for c, n in zip(s, t._data.shape):
                sizes[c] = n
        grads = []
        for i, s_i in enumerate(subs):
            if ctx.next_functions[i][0] is None:
                grads.append(None)
                continue
            terms = [g] + [t for j, t in enumerate(ops) if j != i]
            tsubs = [out] + [s for j, s in enumerate(subs) if j != i]
            avail = set("".join(tsubs))
            target, seen = [], set()
            ref = ops[i]._data
            xp = xp_of(ref)
            for c in s_i:
                if c in seen:  # repeated subscript: land on the diagonal via an identity
                    f = next(fresh)
                    terms.append(_wrap(xp.eye(sizes[c], dtype=ref.dtype)))
                    tsubs.append(c + f)
                    target.append(f)
                else:
                    seen.add(c)
                    target.append(c)
                    if c not in avail:  # summed only inside operand i: broadcast back
                        terms.append(_wrap(xp.ones(sizes[c], dtype=ref.dtype)))
                        tsubs.append(c)
                        avail.add(c)
            grads.append(Einsum.apply(*terms, subs=tuple(tsubs), out="".join(target)))
        return tuple(grads)


def _parse_spec(spec: str, op_index: int):
    """Split one operand's subscripts into letters with at most one '...' (kept as '.')."""
    if spec.count("...") > 1 or spec.replace("...", "").count("."):
        raise RuntimeError(f"einsum(): invalid subscripts '{spec}' for operand {op_index}: at "
                           "most one ellipsis '...' is allowed")
    body = spec.replace("...", ".")
    for c in body:
        if c != "." and c not in _LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript '{c}' for operand {op_index}: "
                               "subscripts must be letters a-z or A-Z")
    return body


def _sublist_to_equation(args):
    """einsum(op0, [0, 1], op1, [1, 2], [0, 2]) → ('ab,bc->ac', ops)."""
    def conv(lst):
        return "".join("..." if x is Ellipsis else _LETTERS[int(x)] for x in lst)
    ops, specs = [], []
    args = list(args)
    while len(args) >= 2 and isinstance(args[0], Tensor):
        ops.append(args.pop(0))
        specs.append(conv(args.pop(0)))
    eq = ",".join(specs)
    if args:
        eq += "->" + conv(args[0])
    return eq, ops


@register(method=False)
def einsum(equation, *operands) -> Tensor:
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``.

    Operands may be given as varargs or one list; subscripts may repeat within an operand
    (diagonals) and ``...`` stands for broadcast batch dimensions. Without ``->`` the output is
    the ellipsis dims then the once-used subscripts in alphabetical order.
    """
    if not isinstance(equation, str):
        equation, operands = _sublist_to_equation((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    specs = lhs.split(",")
    if len(specs) != len(operands):
        raise RuntimeError(f"einsum(): the equation '{equation}' names {len(specs)} operands "
                           f"but {len(operands)} were given")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    for k, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {k} must be a Tensor, got {type(t).__name__}")
        if t._data.dtype != operands[0]._data.dtype:
            raise RuntimeError(f"einsum(): all operands must have the same dtype, but operand "
                               f"0 is {operands[0].dtype} and operand {k} is {t.dtype}")
    bodies = [_parse_spec(s, k) for k, s in enumerate(specs)]
    used = set(eq)
    pool = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for k, (b, t) in enumerate(zip(bodies, operands)):
        named = len(b) - b.count(".")
        nd = t._data.ndim
        if nd < named or ("." not in b and nd != named):
            raise RuntimeError(f"einsum(): the number of subscripts in '{specs[k]}' does not "
                               f"match the number of dimensions ({nd}) of operand {k} with "
                               f"shape {list(t.shape)}")
        if "." in b:
            n_ell = max(n_ell, nd - named)
    if n_ell > len(pool):
        raise RuntimeError("einsum(): too many dimensions for the available subscript letters")
    ell = "".join(pool[:n_ell])
    subs = []
    for b, t in zip(bodies, operands):
        if "." in b:
            k = t._data.ndim - (len(b) - 1)
            b = b.replace(".", ell[n_ell - k:] if k else "")
        subs.append(b)
    # output subscripts
    if arrow:
        out_body = _parse_spec(rhs, -1) if rhs else ""
        out = out_body.replace(".", ell)
        for c in out:
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once")
            if not any(c in s for s in subs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
    else:
        allsubs = "".join(subs)
        out = ell + "".join(sorted((c for c in set(allsubs) if c not in ell and
                                    allsubs.count(c) == 1), key=_LETTERS.index))
    # sizes: equal per subscript, or 1 (broadcast — expanded here so the op sees equal sizes)
    sizes: dict = {}
    for k, (s, t) in enumerate(zip(subs, operands)):
        for c in set(s):
            if s.count(c) > 1 and len({t._data.shape[i] for i, x in enumerate(s) if x == c}) > 1:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but "
                                   f"the sizes don't match (shape {list(t.shape)})")
        for c, n in zip(s, t._data.shape):
            prev = sizes.get(c, 1)
            if n != 1 and prev != 1 and n != prev:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {prev}")
            if n != 1:
                sizes[c] = n
            else:
                sizes.setdefault(c, 1)
    ops = []
    for k, (s, t) in enumerate(zip(subs, operands)):
        want = tuple(sizes[c] for c in s)
        if want != t._data.shape:
            if any(s.count(c) > 1 for c in s):  # cannot expand a repeated size-1 subscript
                t = t.expand(tuple(sizes[c] if s.count(c) == 1 else n
                                   for c, n in zip(s, t._data.shape)))
            else:
                t = t.expand(want)
        ops.append(t)
    return Einsum.apply(*ops, subs=tuple(subs), out=out)


# ----------------------------------------------------------------------------- tensordot
@register(method=False)
def tensordot(a, b, dims=2, out=None) -> Tensor:
    """Contract ``a``'s dims ``dims[0]`` with ``b``'s ``dims[1]`` (an int ``d`` pairs ``a``'s last
    ``d`` dims with ``b``'s first ``d``). Result: ``a``'s free dims then ``b``'s."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("tensordot(): arguments 'a' and 'b' must be Tensors")
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > na or dims > nb:
            raise RuntimeError(f"tensordot: dims={dims} exceeds the number of dimensions of "
                               f"the inputs (shapes {list(a.shape)} and {list(b.shape)})")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError(f"tensordot: both dimension lists should have the same length, "
                               f"got {da} and {db}")
        da = [wrap_dim(d, na) for d in da]
        db = [wrap_dim(d, nb) for d in db]
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"tensordot: expected both inputs to have the same dtype, but got "
                           f"{a.dtype} and {b.dtype}")
    sa, sb = a._data.shape, b._data.shape
    for x, y in zip(da, db):
        if sa[x] != sb[y]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has "
                               f"size {sa[x]} in dim {x} and second has size {sb[y]} in dim {y} "
                               f"(shapes {list(sa)} and {list(sb)})")
    fa = [d for d in range(na) if d not in da]
    fb = [d for d in range(nb) if d not in db]
    k = math.prod(sa[d] for d in da)
    am = a.permute(fa + da).reshape(math.prod(sa[d] for d in fa), k)
    bm = b.permute(db + fb).reshape(k, math.prod(sb[d] for d in fb))
    return matmul(am, bm).reshape(tuple(sa[d] for d in fa) + tuple(sb[d] for d in fb))


# ----------------------------------------------------------------------------- kron
@register
def kron(input, other, *, out=None) -> Tensor:
    """Kronecker product: for shapes ``(a0, a1, …)`` and ``(b0, b1, …)`` (padded with leading
    ones to equal rank) the result has shape ``(a0*b0, a1*b1, …)``."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("kron(): arguments must be Tensors")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"kron: both inputs should have the same dtype, but got "
                           f"{input.dtype} and {other.dtype}")
    nd = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (nd - input._data.ndim) + input._data.shape
    sb = (1,) * (nd - other._data.ndim) + other._data.shape
    a = input.reshape(tuple(x for n in sa for x in (n, 1)))
    b = other.reshape(tuple(x for n in sb for x in (1, n)))
    return (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))


# ----------------------------------------------------------------------------- cross
class LinalgCross(Op):
    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.dim = dim
        ctx.save_for_backward(a, b)
        xp = xp_of(a)
        a, b = xp.broadcast_arrays(a, b)
        return xp.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        nf = ctx.next_functions
        ga = LinalgCross.apply(b, g, dim=ctx.dim) if nf[0][0] is not None else None
        gb = LinalgCross.apply(g, a, dim=ctx.dim) if nf[1][0] is not None else None
        return ga, gb


def _cross(input, other, dim, op):
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"{op}(): arguments must be Tensors")
    if input._data.ndim != other._data.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions, but got "
                           f"shapes {list(input.shape)} and {list(other.shape)}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{op}: expected both inputs to have the same dtype, but got "
                           f"{input.dtype} and {other.dtype}")
    shape = broadcast_shapes(input._data.shape, other._data.shape)
    if dim is None:  # PyTorch's legacy default: the first dimension of size 3
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"{op}: no dimension of size 3 in input (shape {list(shape)})")
    d = wrap_dim(dim, len(shape))
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"{op}: inputs dimension {dim} must have length 3. Got "
                           f"{input._data.shape[d]} and {other._data.shape[d]}")
    return LinalgCross.apply(input, other, dim=d)


@register
def cross(input, other, dim=None, *, out=None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (default: the first dim of size 3)."""
    return _cross(input, other, dim, "cross")


@register(name="linalg.cross", method=False)
def linalg_cross(input, other, *, dim=-1, out=None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (default -1); batch dims broadcast."""
    return _cross(input, other, dim, "linalg.cross")


# ----------------------------------------------------------------------------- trapezoid
@register(method=False, aliases=("trapz",))
def trapezoid(y, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """Trapezoidal rule along ``dim``: spacing ``dx`` (default 1) or sample points ``x``
    (same shape as ``y``, or 1-D along ``dim``)."""
    if not isinstance(y, Tensor):
        raise TypeError(f"trapezoid(): argument 'y' must be a Tensor, got {type(y).__name__}")
    nd = y._data.ndim
    d = wrap_dim(dim, nd)
    n = y._data.shape[d]
    if isinstance(x, (int, float)) and dx is None:
        x, dx = None, x
    if x is not None and dx is not None:
        raise RuntimeError("trapezoid: give either sample points x or a spacing dx, not both")
    if n == 0:
        return y.sum(d) * 0
    if x is None:
        total = y.sum(d) - (narrow(y, d, 0, 1) + narrow(y, d, n - 1, 1)).squeeze(d) * 0.5
        return total if dx is None or dx == 1 else total * dx
    if not isinstance(x, Tensor):
        raise TypeError(f"trapezoid(): argument 'x' must be a Tensor, got {type(x).__name__}")
    if x._data.ndim == 1:
        if x._data.shape[0] != n:
            raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point "
                               f"(x has {x._data.shape[0]}, y has {n} along dim {dim})")
        x = x.reshape(tuple(n if i == d else 1 for i in range(nd)))
        xd = d
    else:
        xd = wrap_dim(dim, x._data.ndim)
    if n == 1:
        return y.sum(d) * 0
    m = x._data.shape[xd]
    if m != n and m != 1:
        raise RuntimeError(f"trapezoid: x has {m} points along dim {dim} but y has {n}")
    dxs = narrow(x, xd, 1, m - 1) - narrow(x, xd, 0, m - 1)
    mid = (narrow(y, d, 1, n - 1) + narrow(y, d, 0, n - 1)) * 0.5
    a, b = promote(dxs, mid, "trapezoid")
    return (a * b).sum(d)
