"""Turning a list of samples into a batch: :func:`default_collate` and :func:`default_convert`."""
from __future__ import annotations

import collections.abc
import copy
import re

import numpy as np

from ..._tensor import Tensor, _wrap

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map"]

_STRING_KIND = re.compile(r"[SaUO]")
_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def _stack_tensors(batch, *, collate_fn_map=None):
    first = batch[0]
    arrays = [t._data for t in batch]
    # fast path: no autograd and one dtype/shape/device -> one np.stack, no graph bookkeeping
    if (not any(t._requires_grad for t in batch) and type(first._data) is np.ndarray
            and all(type(a) is np.ndarray and a.dtype == arrays[0].dtype
                    and a.shape == arrays[0].shape for a in arrays)):
        return _wrap(np.stack(arrays))
    from ...ops.join import stack
    return stack(list(batch), 0)


def _collate_numpy_array(batch, *, collate_fn_map=None):
    elem = batch[0]
    if _STRING_KIND.search(elem.dtype.str) is not None:
        raise TypeError(_ERR.format(elem.dtype))
    return collate([_wrap(np.asarray(b)) for b in batch], collate_fn_map=collate_fn_map)


def _collate_numpy_scalar(batch, *, collate_fn_map=None):
    from ..._creation import as_tensor
    return as_tensor(np.asarray(batch))


def _collate_float(batch, *, collate_fn_map=None):
    return _wrap(np.asarray(batch, dtype=np.float64))


def _collate_int(batch, *, collate_fn_map=None):
    if all(type(b) is bool for b in batch):
        return _wrap(np.asarray(batch, dtype=np.bool_))
    return _wrap(np.asarray(batch, dtype=np.int64))


def _collate_str(batch, *, collate_fn_map=None):
    return batch


def _collate_numpy_dispatch(batch, *, collate_fn_map=None):
    elem = batch[0]
    if isinstance(elem, np.ndarray) and elem.ndim > 0 or type(elem) is np.ndarray:
        return _collate_numpy_array(batch, collate_fn_map=collate_fn_map)
    if _STRING_KIND.search(np.asarray(elem).dtype.str) is not None:
        raise TypeError(_ERR.format(np.asarray(elem).dtype))
    return _collate_numpy_scalar(batch)


default_collate_fn_map: dict = {
    Tensor: _stack_tensors,
    np.ndarray: _collate_numpy_dispatch,
    np.generic: _collate_numpy_dispatch,
    float: _collate_float,
    int: _collate_int,
    str: _collate_str,
    bytes: _collate_str,
}


def collate(batch, *, collate_fn_map: dict | None = None):
    """Collate ``batch`` with per-type functions from ``collate_fn_map``, recursing into
    mappings, namedtuples and sequences (PyTorch's ``torch.utils.data._utils.collate.collate``).
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for base in collate_fn_map:
            if isinstance(elem, base):
                return collate_fn_map[base](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)  # keeps the mapping's type (OrderedDict, defaultdict…)
                clone.update({k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                              for k in elem})
                return clone
            return elem_type({k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                              for k in elem})
        except TypeError:
            return {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                    for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(list(s), collate_fn_map=collate_fn_map)
                           for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        n = len(elem)
        if any(len(e) != n for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size "
                               f"(element 0 has {n} items, others differ)")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):  # PyTorch gives a list for tuples too
            return [collate(list(s), collate_fn_map=collate_fn_map) for s in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, s in enumerate(transposed):
                    clone[i] = collate(list(s), collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(list(s), collate_fn_map=collate_fn_map)
                              for s in transposed])
        except TypeError:
            return [collate(list(s), collate_fn_map=collate_fn_map) for s in transposed]
    raise TypeError(_ERR.format(elem_type))


def default_collate(batch):
    """Stack a list of samples into a batch.

    Tensors are stacked on a new dim 0 (``(N, *shape)``); NumPy arrays become stacked tensors;
    Python ints give an int64 tensor, floats a float64 tensor, bools a bool tensor; strings
    stay a list; dicts, namedtuples, tuples and lists are collated field by field (tuples give
    lists, as in PyTorch).
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """Convert NumPy arrays/scalars inside ``data`` to tensors (the no-batching collate)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        if _STRING_KIND.search(data.dtype.str) is not None:
            return data
        from ..._creation import as_tensor
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({k: default_convert(v) for k, v in data.items()})
                return clone
            return type(data)({k: default_convert(v) for k, v in data.items()})
        except TypeError:
            return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data

