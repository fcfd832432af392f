"""Shape ops that copy: flip, roll, rot90, movedim, repeat, tile, repeat_interleave, tril/triu,
atleast_nd, and the ``Tensor.new_*`` constructors."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.graph import Op
from ._common import wrap_dim
from ._registry import register
from .shape import _size_args, _xp, permute, reshape


# ------------------------------------------------------------------ copies: flip, roll, repeat …
class Flip(Op):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return _xp(x).ascontiguousarray(_xp(x).flip(x, dims)) if dims else x.copy()

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, dims=ctx.dims)


@register
def flip(input, dims) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy, like PyTorch)."""
    if isinstance(dims, (int, np.integer)):
        dims = (dims,)
    n = input._data.ndim
    axes = tuple(wrap_dim(d, n) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip: dims {list(dims)} has duplicates")
    return Flip.apply(input, dims=axes)


@register
def fliplr(input) -> Tensor:
    """Flip dim 1 (left/right); input must be ≥2-D."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


@register
def flipud(input) -> Tensor:
    """Flip dim 0 (up/down); input must be ≥1-D."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class Roll(Op):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return _xp(x).roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        return Roll.apply(g, shifts=tuple(-s for s in ctx.shifts), dims=ctx.dims)


@register
def roll(input, shifts, dims=None) -> Tensor:
    """Shift elements cyclically by ``shifts`` along ``dims`` (flattened when ``dims`` is None)."""
    sh = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(sh) != 1:
            raise RuntimeError(f"roll: shifts {list(sh)} must be a single int when dims is None")
        return Roll.apply(input.reshape(-1), shifts=(int(sh[0]),), dims=(0,)).reshape(input.shape)
    dm = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(sh) != len(dm):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(sh)}, "
                           f"dims: {len(dm)}")
    n = input._data.ndim
    return Roll.apply(input, shifts=tuple(int(s) for s in sh),
                      dims=tuple(wrap_dim(d, n) for d in dm))


@register
def rot90(input, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90° ``k`` times in the plane of ``dims`` (from the first towards the second)."""
    dims = tuple(dims)
    n = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = wrap_dim(dims[0], n), wrap_dim(dims[1], n)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k = int(k) % 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return input.clone()


@register(aliases=("moveaxis",))
def movedim(input, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (others keep their order)."""
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    n = input._data.ndim
    src = tuple(wrap_dim(d, n) for d in src)
    dst = tuple(wrap_dim(d, n) for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError("movedim: repeated dim in source or destination")
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


class Repeat(Op):
    @staticmethod
    def forward(ctx, x, reps):
        lead = len(reps) - x.ndim
        ctx.in_shape = x.shape
        ctx.reps = reps
        xs = x.reshape((1,) * lead + x.shape)
        ctx.padded = xs.shape
        return _xp(x).tile(xs, reps)

    @staticmethod
    def backward(ctx, g):
        # output dim i = (reps[i], padded[i]) interleaved; sum the repeat axes away
        inter = []
        for r, s in zip(ctx.reps, ctx.padded):
            inter += [r, s]
        g = g.reshape(inter).sum(tuple(range(0, len(inter), 2)))
        return g.reshape(ctx.in_shape)


@register(public=False)
def repeat(input, *sizes) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along dim i (leading new dims allowed)."""
    reps = _size_args(sizes)
    if len(reps) < input._data.ndim:
        raise RuntimeError(
            f"Number of dimensions of repeat dims ({len(reps)}) can not be smaller than number "
            f"of dimensions of tensor ({input._data.ndim})")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeats "
                           f"{list(reps)}")
    return Repeat.apply(input, reps=reps)


@register
def tile(input, dims) -> Tensor:
    """Like ``repeat``, but ``dims`` shorter than the tensor's rank is padded with 1s in front."""
    dims = tuple(int(d) for d in dims)
    n = input._data.ndim
    if len(dims) < n:
        dims = (1,) * (n - len(dims)) + dims
    return repeat(input, dims)


@register
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (flattened when ``dim`` is None).
    ``repeat_interleave(repeats_tensor)`` gives ``arange(n)`` repeated by the tensor."""
    from .._tensor import _wrap
    if repeats is None:   # torch.repeat_interleave(repeats): indices repeated
        r = input._data
        if r.ndim > 1 or r.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be a 0-dim or 1-dim int tensor")
        return _wrap(_xp(r).repeat(_xp(r).arange(r.size, dtype=np.int64), r.reshape(-1)))
    if dim is None:
        input = input.reshape(-1)
        d = 0
    else:
        d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    xp = _xp(input._data)
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.ndim > 1 or (r.size != 1 and r.size != n):
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input "
                               f"along dim {d} ({n}), got shape {list(repeats.shape)}")
        r = r.reshape(-1)
    else:
        r = int(repeats)
    if (np.asarray(r) < 0).any() if not isinstance(r, int) else r < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    idx = xp.repeat(xp.arange(n, dtype=np.int64), r)
    if input._data.ndim == 0:
        input = input.reshape(1)
    from .scatter import index_select
    return index_select(input, d, _wrap(idx))


class Tril(Op):
    @staticmethod
    def forward(ctx, x, k, upper):
        ctx.k, ctx.upper = k, upper
        xp = _xp(x)
        return xp.triu(x, k) if upper else xp.tril(x, k)

    @staticmethod
    def backward(ctx, g):
        return Tril.apply(g, k=ctx.k, upper=ctx.upper)


class Triu(Tril):
    pass


def _tri_check(input, name):
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions (got shape "
                           f"{list(input.shape)})")


@register(inplace=True)
def tril(input, diagonal: int = 0) -> Tensor:
    """Lower triangle of the last two dims (elements above ``diagonal`` set to 0)."""
    _tri_check(input, "tril")
    return Tril.apply(input, k=int(diagonal), upper=False)


@register(inplace=True)
def triu(input, diagonal: int = 0) -> Tensor:
    """Upper triangle of the last two dims (elements below ``diagonal`` set to 0)."""
    _tri_check(input, "triu")
    return Triu.apply(input, k=int(diagonal), upper=True)


def _atleast(tensors, nd):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_one_atleast(t, nd) for t in tensors[0])
    if len(tensors) == 1:
        return _one_atleast(tensors[0], nd)
    return tuple(_one_atleast(t, nd) for t in tensors)


def _one_atleast(t, nd):
    s = t._data.shape
    if len(s) >= nd:
        return t
    if nd == 1:
        new = (1,)
    elif nd == 2:
        new = (1,) + s if len(s) == 1 else (1, 1)
    else:
        new = {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)]
    return reshape(t, new)


@register(method=False)
def atleast_1d(*tensors):
    """Each input viewed with at least 1 dimension (a tuple when several are given)."""
    return _atleast(tensors, 1)


@register(method=False)
def atleast_2d(*tensors):
    """Each input viewed with at least 2 dimensions (1-D ``(n,)`` becomes ``(1, n)``)."""
    return _atleast(tensors, 2)


@register(method=False)
def atleast_3d(*tensors):
    """Each input with at least 3 dims: ``(n,)`` → ``(1, n, 1)``, ``(m, n)`` → ``(m, n, 1)``."""
    return _atleast(tensors, 3)


# ------------------------------------------------------------------ Tensor.new_* constructors
def _new_args(self, size, dtype, device):
    from .. import _creation as C
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = tuple(size[0])
    return (C._shape_arg(size), self.dtype if dtype is None else dtype,
            self.device if device is None else device)


@register(public=False)
def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False) -> Tensor:
    """Zeros of ``size`` with ``self``'s dtype and device unless given."""
    from .. import _creation as C
    shape, dt, dev = _new_args(self, size, dtype, device)
    return C.zeros(shape, dtype=dt, device=dev, requires_grad=requires_grad)


@register(public=False)
def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False) -> Tensor:
    """Ones of ``size`` with ``self``'s dtype and device unless given."""
    from .. import _creation as C
    shape, dt, dev = _new_args(self, size, dtype, device)
    return C.ones(shape, dtype=dt, device=dev, requires_grad=requires_grad)


@register(public=False)
def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False) -> Tensor:
    """An uninitialised tensor of ``size`` with ``self``'s dtype and device unless given."""
    from .. import _creation as C
    shape, dt, dev = _new_args(self, size, dtype, device)
    return C.empty(shape, dtype=dt, device=dev, requires_grad=requires_grad)


@register(public=False)
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False) -> Tensor:
    """``fill_value`` everywhere in ``size``, with ``self``'s dtype and device unless given."""
    from .. import _creation as C
    shape, dt, dev = _new_args(self, (size,), dtype, device)
    return C.full(shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


@register(public=False)
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False) -> Tensor:
    """A copy of ``data`` with ``self``'s dtype and device unless given."""
    from .. import _creation as C
    if isinstance(data, Tensor):
        data = data.detach()
        out = data.to(dtype=self.dtype if dtype is None else dtype,
                      device=self.device if device is None else device, copy=True)
        return out.requires_grad_(requires_grad) if requires_grad else out
    return C.tensor(data, dtype=self.dtype if dtype is None else dtype,
                    device=self.device if device is None else device,
                    requires_grad=requires_grad)
