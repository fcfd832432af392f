"""``nn.Parameter``: a tensor that a Module registers as a learnable parameter."""
from __future__ import annotations

from .._tensor import Tensor, _init
from .. import _creation


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and is registered by ``Module``.

    It shares memory with the tensor it was made from.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = _creation.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")
        p = object.__new__(cls)
        _init(p, data._data)
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        from .._tensor import _rebuild
        from .. import backend
        return (_rebuild, (backend.to_numpy(self._data), self._requires_grad, Parameter, None))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(_creation.tensor(self.detach()), self._requires_grad)
        if self._grad is not None:
            p._grad = self._grad.clone()
        memo[id(self)] = p
        return p


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute."""

    def __new__(cls, data: Tensor, *, persistent: bool = True):
        b = object.__new__(cls)
        _init(b, data._data)
        b.persistent = persistent
        return b


def is_lazy(param) -> bool:
    return False
