"""Flatten parameters into one vector and back: parameters_to_vector, vector_to_parameters."""
from __future__ import annotations

from collections.abc import Iterable

from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_device(p: Tensor, device):
    if device is None:
        return p.device
    if p.device != device:
        raise TypeError(f"Found two parameters on different devices, this is currently not "
                        f"supported (got {device} and {p.device})")
    return device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All ``parameters`` flattened and concatenated into one 1-D tensor (differentiable)."""
    from ... import ops
    device = None
    vec = []
    for p in parameters:
        device = _check_device(p, device)
        vec.append(p.reshape(-1))
    if not vec:
        raise RuntimeError("parameters_to_vector: got no parameters to flatten")
    return ops.cat(vec)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each parameter's data the next slice of the 1-D ``vec`` (shared memory, as in
    PyTorch: the parameters become views of ``vec``)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.dim() != 1 or vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: expected a 1-D vector of {total} elements "
                           f"(the parameters' total), got shape {list(vec.shape)}")
    device = None
    pointer = 0
    for p in params:
        device = _check_device(p, device)
        n = p.numel()
        p.data = vec[pointer:pointer + n].view_as(p).data
        pointer += n
