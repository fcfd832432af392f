"""dtype and device conversion: ``to``, ``type``, ``float()`` …, ``clone``, ``contiguous``."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .. import _state
from .. import backend
from .._device import device as _device
from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._registry import register

_gstate = _state.state


class Cast(Op):
    @staticmethod
    def forward(ctx, x, dt):
        ctx.src = D._FROM_NP[x.dtype]
        return x.astype(dt.np)

    @staticmethod
    def backward(ctx, g):
        src = ctx.src
        if not (src.is_floating_point or src.is_complex):
            return None
        return g.to(src)


class ToDevice(Op):
    @staticmethod
    def forward(ctx, x, dev):
        ctx.src = backend.device_of(x)
        return backend.to_device(x, dev)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.src)


def _parse_to(args, kwargs):
    dev = kwargs.pop("device", None)
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dev, dt = a.device, a.dtype
        elif isinstance(a, D.dtype):
            dt = a
        elif isinstance(a, (str, _device, int)) and not isinstance(a, bool):
            dev = a
        elif isinstance(a, bool):
            pass  # non_blocking / copy positional flags
        elif a is not None:
            dt = D.to_dtype(a)
    return (None if dev is None else _device(dev)), (None if dt is None else D.to_dtype(dt)), copy


@register(public=False)
def to(input, *args, **kwargs) -> Tensor:
    """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(other)``. Returns ``input`` itself when nothing changes (unless ``copy=True``)."""
    dev, dt, copy = _parse_to(args, dict(kwargs))
    out = input
    if dev is not None and not (dev.type == "cuda" and dev.index is None and input.is_cuda) \
            and dev != input.device:
        out = ToDevice.apply(out, dev=dev)
    if dt is not None and dt.np != out._data.dtype:
        if dt.np is None:
            raise TypeError(f"{dt} needs the optional package ml_dtypes (pip install ml_dtypes)")
        out = Cast.apply(out, dt=dt)
    if copy and out is input:
        out = clone(input)
    return out


def _typed(dt):
    def conv(self, memory_format=None) -> Tensor:
        return to(self, dt)
    conv.__doc__ = f"``self.to({dt})``"
    return conv


for _n, _d in (("float", D.float32), ("double", D.float64), ("half", D.float16),
               ("bfloat16", D.bfloat16), ("long", D.int64), ("int", D.int32),
               ("short", D.int16), ("char", D.int8), ("byte", D.uint8), ("bool", D.bool_),
               ("cfloat", D.complex64), ("cdouble", D.complex128)):
    setattr(Tensor, _n, _typed(_d))

_TYPE_NAMES = {"torch.FloatTensor": D.float32, "torch.DoubleTensor": D.float64,
               "torch.HalfTensor": D.float16, "torch.LongTensor": D.int64,
               "torch.IntTensor": D.int32, "torch.ShortTensor": D.int16,
               "torch.CharTensor": D.int8, "torch.ByteTensor": D.uint8,
               "torch.BoolTensor": D.bool_, "torch.BFloat16Tensor": D.bfloat16}


def _type(self, dtype=None, non_blocking=False, **kw):
    """Without arguments, the type name (``'torch.FloatTensor'``); otherwise ``to(dtype)``."""
    if dtype is None:
        inv = {v: k for k, v in _TYPE_NAMES.items()}
        name = inv.get(self.dtype, f"torch.{self.dtype.name}")
        return name.replace("torch.", "torch.cuda.") if self.is_cuda else name
    if isinstance(dtype, str) and dtype.replace(".cuda", "") in _TYPE_NAMES:
        dt = _TYPE_NAMES[dtype.replace(".cuda", "")]
        out = to(self, dt)
        return to(out, "cuda") if ".cuda." in dtype else out
    return to(self, D.to_dtype(dtype))


Tensor.type = _type
Tensor.type_as = lambda self, other: to(self, other.dtype)
Tensor.cpu = lambda self, memory_format=None: to(self, "cpu")


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    return to(self, _device("cuda", device if isinstance(device, int) else None)
              if not isinstance(device, (str, _device)) else device)


Tensor.cuda = _cuda


class Clone(Op):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


@register
def clone(input, *, memory_format=None) -> Tensor:
    """A copy with its own memory; gradients flow back to ``input``."""
    return Clone.apply(input)


@register(public=False)
def contiguous(input, memory_format=None) -> Tensor:
    """``input`` if it is C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return Clone.apply(input)


def view_as_dtype(input, dtype) -> Tensor:
    """Reinterpret the bytes as another dtype (``tensor.view(dtype)``)."""
    dt = D.to_dtype(dtype)
    return _wrap(input._data.view(dt.np))


def _copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast) into ``self`` in place; dtype converts, gradients flow to src."""
    from ._registry import apply_inplace, check_inplace_leaf
    from .shape import expand
    if not isinstance(src, Tensor):
        src = _wrap(np.asarray(src))
    check_inplace_leaf(self)
    s = src
    if s.device != self.device:
        s = to(s, self.device)
    if s._data.shape != self._data.shape:
        try:
            s = expand(s, self._data.shape)
        except RuntimeError:
            raise RuntimeError(
                f"copy_: the source of shape {list(src.shape)} cannot be broadcast to the "
                f"destination of shape {list(self.shape)}") from None
    if s._data.dtype != self._data.dtype:
        s = Cast.apply(s, dt=self.dtype)
    if _gstate.enabled and (s._requires_grad or self._grad_fn is not None):
        if s._requires_grad:
            return apply_inplace(self, Clone.apply(s))
        if self._base is not None:
            raise RuntimeError("Ember does not support autograd through copy_ into a view of a "
                               "tensor that requires grad; build the tensor out of place "
                               "(e.g. with ember.cat or ember.where)")
        _raw_copy(self, s)
        self._grad_fn = None  # the old history no longer influences the values
        self._requires_grad = False
        return self
    return _raw_copy(self, s)


def _raw_copy(self, s):
    try:
        self._data[...] = s._data
    except ValueError:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.") from None
    self._bump()
    return self


Tensor.copy_ = _copy_
