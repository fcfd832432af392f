"""``nn.DataParallel`` (single-device execution) and a ``DistributedDataParallel`` that
explains why it is unavailable.

DataParallel in PyTorch scatters a batch over several GPUs and gathers the outputs. Ember
runs a model on one device, so DataParallel moves the inputs to its first device (when CUDA
is in use), calls the wrapped module, and moves the output to ``output_device``: the same
results, and the same ``module.``-prefixed state_dict keys, as PyTorch's wrapper.
"""
from __future__ import annotations

from .. import backend
from .._device import device as _device
from .._tensor import Tensor
from .modules.module import Module

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]


def _index(d) -> int:
    if isinstance(d, int):
        return d
    if isinstance(d, _device):
        return d.index or 0
    if isinstance(d, str):
        return int(d.split(":")[1]) if ":" in d else 0
    raise TypeError(f"DataParallel: device ids must be ints or devices, got {d!r}")


def _move(obj, dev):
    """``obj`` with every tensor inside (tuples, lists, dicts) moved to ``dev``."""
    if isinstance(obj, Tensor):
        return obj.to(dev)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_move(o, dev) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_move(o, dev) for o in obj)
    if isinstance(obj, dict):
        return type(obj)((k, _move(v, dev)) for k, v in obj.items())
    return obj


class DataParallel(Module):
    """Runs ``module`` on one device (``device_ids[0]``; the CPU when CUDA is absent).

    ``module``: the wrapped model (``self.module``); ``device_ids``: CUDA device indices
    (default: all visible); ``output_device``: where outputs go (default ``device_ids[0]``);
    ``dim``: the batch dimension (kept for API compatibility: the batch is not split).
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.dim = dim
        if not backend.cuda_available():
            self.device_ids = []
            self.output_device = None
            self.src_device_obj = _device("cpu")
            return
        if device_ids is None:
            device_ids = list(range(backend.cuda_device_count()))
        self.device_ids = [_index(d) for d in device_ids]
        if output_device is None:
            output_device = self.device_ids[0] if self.device_ids else None
        self.output_device = None if output_device is None else _index(output_device)
        self.src_device_obj = _device("cuda", self.device_ids[0]) if self.device_ids \
            else _device("cpu")
        if self.device_ids:
            self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for name, t in list(self.module.named_parameters()) + list(self.module.named_buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError(
                    f"module must have its parameters and buffers on device "
                    f"{self.src_device_obj} (device_ids[0]) but found {name} on device "
                    f"{t.device}")
        dev = self.src_device_obj
        out = self.module(*_move(inputs, dev), **_move(kwargs, dev))
        if self.output_device is not None and self.output_device != self.device_ids[0]:
            out = _move(out, _device("cuda", self.output_device))
        return out


def data_parallel(module: Module, inputs, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs=None):
    """Functional form of :class:`DataParallel`: evaluate ``module(*inputs)``."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return DataParallel(module, device_ids, output_device, dim)(*inputs,
                                                                **(module_kwargs or {}))


class DistributedDataParallel(Module):
    """Not available: Ember has no ``ember.distributed`` (process groups, all-reduce)."""

    def __init__(self, module: Module, *args, **kwargs):
        raise RuntimeError(
            "DistributedDataParallel is not supported: Ember has no ember.distributed package "
            "(no process groups or collective communication), so multi-process training "
            "cannot synchronise gradients. Train in a single process instead, optionally "
            "wrapping the model in nn.DataParallel (which runs it on one device).")
