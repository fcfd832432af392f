"""The Tensor: an array plus autograd bookkeeping.

Op methods (``add``, ``sum``, ``view`` …) are attached by the op registry (``ember.ops``);
this file holds only what every tensor is: its data, grad, grad_fn, version and views.
"""
from __future__ import annotations

import math
import weakref

import numpy as np

from . import _dtype as D
from . import _state
from . import backend
from ._device import device as _device
from .autograd import graph as _graph
from .autograd.graph import AccumulateGrad, _RemovableHandle, _Version

_gstate = _state.state
_FROM_NP = D._FROM_NP
_new = object.__new__


class Size(tuple):
    """The shape of a tensor: a tuple that prints like PyTorch's ``Size``."""

    def __repr__(self) -> str:
        return f"ember.Size({list(self)})"

    def numel(self) -> int:
        return math.prod(self)

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r


class Tensor:
    """A multi-dimensional array that records operations for automatic differentiation."""

    __slots__ = ("_data", "_requires_grad", "_grad_fn", "_output_nr", "_ver", "_base", "_grad",
                 "__dict__", "__weakref__")
    __array_priority__ = 1000
    _hooks = None
    _post_acc_hooks = None
    _acc_ref = None
    _retains_grad = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    is_nested = False
    layout = "strided"

    def __new__(cls, *args, device=None, dtype=None):
        from ._creation import tensor as _make_tensor
        if len(args) == 1 and not isinstance(args[0], int):
            data = args[0]
            if isinstance(data, Tensor):
                return data
            t = _make_tensor(data, dtype=dtype or D.get_default_dtype(), device=device)
        else:
            shape = args if args else (0,)
            if any(not isinstance(s, (int, np.integer)) for s in shape):
                raise TypeError(f"Tensor(): expected ints as sizes, got {shape}")
            t = _make_tensor(np.empty(shape, dtype=(dtype or D.get_default_dtype()).np),
                             device=device)
        if cls is not Tensor:
            obj = _new(cls)
            _init(obj, t._data)
            return obj
        return t

    # ---------------------------------------------------------------- basic attributes
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    @property
    def dtype(self) -> D.dtype:
        return _FROM_NP[self._data.dtype]

    @property
    def device(self) -> _device:
        return backend.device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    def get_device(self) -> int:
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def stride(self, dim: int | None = None):
        """Strides in elements (not bytes), as PyTorch reports them."""
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[self._wrap_dim(dim)]

    def storage_offset(self) -> int:
        base = self._data
        while base.base is not None and isinstance(base.base, np.ndarray):
            base = base.base
        if base is self._data:
            return 0
        return (self._data.__array_interface__["data"][0]
                - base.__array_interface__["data"][0]) // self._data.itemsize

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0] if type(self._data) is np.ndarray \
            else self._data.data.ptr

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return self.dtype.is_complex

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def _wrap_dim(self, dim: int) -> int:
        n = self._data.ndim
        lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
        if not lo <= dim <= hi:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
        return dim % n if n else 0

    # ---------------------------------------------------------------- autograd attributes
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set whether autograd records operations on this (leaf) tensor; returns self."""
        requires_grad = bool(requires_grad)
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return self
        if requires_grad:
            d = self.dtype
            if not (d.is_floating_point or d.is_complex):
                raise RuntimeError(
                    f"only Tensors of floating point and complex dtype can require gradients "
                    f"(got dtype {d})")
        self._requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: tensor has shape "
                    f"{list(self._data.shape)}, grad has shape {list(value._data.shape)}")
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: tensor is {self.dtype}, "
                    f"grad is {value.dtype}")
            if value.device != self.device:
                raise RuntimeError(
                    f"assigned grad has data located on a different device: tensor is on "
                    f"{self.device}, grad is on {value.device}")
        self._grad = value

    @property
    def data(self) -> "Tensor":
        """The same memory as a tensor outside autograd (its own version counter)."""
        return _wrap(self._data)

    @data.setter
    def data(self, value: "Tensor"):
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data must be set to a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def _version(self) -> int:
        v = self._ver
        return 0 if v is None else v.v

    def _counter(self) -> _Version:
        v = self._ver
        if v is None:
            v = self._ver = _Version()
        return v

    def _bump(self):
        v = self._ver
        if v is None:
            v = self._ver = _Version()
        v.v += 1

    def _accumulator(self) -> AccumulateGrad:
        ref = self._acc_ref
        acc = ref() if ref is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._acc_ref = weakref.ref(acc)
        return acc

    def detach(self) -> "Tensor":
        """A tensor sharing memory and version counter, cut from the graph."""
        t = _wrap(self._data)
        t._ver = self._counter()
        return t

    def detach_(self) -> "Tensor":
        self._grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def _store(grad):
            t = ref()
            if t is not None:
                g = _wrap(grad._data.copy()) if not _gstate.enabled else grad
                t._grad = g if t._grad is None else t._grad + g
        self._grad_fn._add_pre_hook(self._output_nr, _store)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn._add_pre_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after a gradient was accumulated into this leaf's ``.grad``."""
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
        self._post_acc_hooks.append(hook)
        return _RemovableHandle(self._post_acc_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ---------------------------------------------------------------- conversion to Python
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar "
                f"(shape {list(self._data.shape)}); use .tolist() or index it first")
        v = self._data.reshape(()).item() if type(self._data) is np.ndarray else \
            backend.to_numpy(self._data).reshape(()).item()
        if self._data.dtype == D._BF16:
            v = float(v)
        return v

    def tolist(self):
        arr = backend.to_numpy(self._data)
        if D._BF16 is not None and arr.dtype == D._BF16:
            arr = arr.astype(np.float32)
        return arr.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The NumPy array behind this CPU tensor (same memory)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        if type(self._data) is not np.ndarray:
            if force:
                return backend.to_numpy(self._data)
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def __dlpack__(self, stream=None, **kwargs):
        if self._requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(**({} if stream is None else {"stream": stream}))

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        n = self._data.size
        if n != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'}"
                f" is ambiguous (shape {list(self._data.shape)}); use .any() or .all()")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.dtype is D.bool_ or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec) if spec else repr(self)

    def __repr__(self) -> str:
        from ._formatting import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        # pickling (DataLoader workers, deepcopy): array + requires_grad
        state = {k: v for k, v in self.__dict__.items() if k != "_acc_ref"} or None
        return (_rebuild, (backend.to_numpy(self._data), self._requires_grad, type(self), state))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment")
        new = _new(type(self))
        _init(new, self._data.copy(), self._requires_grad)
        if self._grad is not None:
            new._grad = _wrap(self._grad._data.copy())
        for k, v in self.__dict__.items():
            if k not in ("_acc_ref",):
                import copy
                new.__dict__[k] = copy.deepcopy(v, memo)
        memo[id(self)] = new
        return new


def _init(t, arr, requires_grad=False, grad_fn=None, output_nr=0):
    t._data = arr
    t._requires_grad = requires_grad
    t._grad_fn = grad_fn
    t._output_nr = output_nr
    t._ver = None
    t._base = None
    t._grad = None


def _wrap(arr, requires_grad=False, grad_fn=None, output_nr=0) -> Tensor:
    """Make a Tensor around an array (the one fast constructor every op uses)."""
    if type(arr) is not np.ndarray:
        if isinstance(arr, np.generic) or not hasattr(arr, "__array_namespace__"):
            arr = np.asarray(arr)
    t = _new(Tensor)
    t._data = arr
    t._requires_grad = requires_grad
    t._grad_fn = grad_fn
    t._output_nr = output_nr
    t._ver = None
    t._base = None
    t._grad = None
    return t


_graph.Tensor = Tensor
_graph._wrap = _wrap


def _rebuild(arr, requires_grad, cls=Tensor, state=None):
    t = _new(cls)
    _init(t, np.array(arr), requires_grad)
    if state:
        t.__dict__.update(state)
    return t
