"""PackedSequence and the functions that make and undo it.

A PackedSequence stores a batch of variable-length sequences without padding: ``data`` holds
the elements time step by time step (``batch_sizes[t]`` rows for step t), with the batch
sorted by decreasing length so that the sequences still running at step t are always the first
``batch_sizes[t]``. ``sorted_indices``/``unsorted_indices`` remember the permutation applied
to the original batch (None when the input was already sorted).

Packing and padding are single gathers (``index_select``) with index arrays built once in
NumPy, so both directions are differentiable and cost one graph node each.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ... import _creation
from ..._tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
           "unpack_sequence", "unpad_sequence", "invert_permutation"]


def _ops():
    from ... import ops
    return ops.OPS


def _index_tensor(arr: np.ndarray, like: Tensor | None = None) -> Tensor:
    t = _creation.tensor(np.ascontiguousarray(arr, dtype=np.int64))
    if like is not None and like.device.type != "cpu":
        t = t.to(like.device)
    return t


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation tensor (None stays None)."""
    if permutation is None:
        return None
    p = np.asarray(permutation.cpu()._data)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.shape[0], dtype=p.dtype)
    out = _creation.tensor(inv)
    return out.to(permutation.device) if permutation.device.type != "cpu" else out


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices",
                                                    "unsorted_indices"])):
    """Packed variable-length batch: ``data`` (sum of lengths, *), ``batch_sizes`` (T,) int64
    on the CPU, ``sorted_indices``/``unsorted_indices`` (B,) or None.

    Make one with :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                "be created manually; use pack_sequence or pack_padded_sequence.")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """Move/cast ``data`` (indices follow its device; ``batch_sizes`` stays on the CPU)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        si = self.sorted_indices.to(dev) if self.sorted_indices is not None else None
        ui = self.unsorted_indices.to(dev) if self.unsorted_indices is not None else None
        return type(self)(data, self.batch_sizes, si, ui)

    def cuda(self, *args, **kwargs) -> "PackedSequence":
        return self.to(*args, device="cuda", **kwargs) if not args else self.to(*args,
                                                                                  **kwargs)

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def double(self) -> "PackedSequence":
        from ... import _dtype as D
        return self.to(D.float64)

    def float(self) -> "PackedSequence":
        from ... import _dtype as D
        return self.to(D.float32)

    def half(self) -> "PackedSequence":
        from ... import _dtype as D
        return self.to(D.float16)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        if lengths.device.type != "cpu":
            raise RuntimeError(
                f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                f"{lengths.dim()}D {lengths.device} {lengths.dtype} tensor")
        arr = np.asarray(lengths._data)
        if arr.dtype.kind not in "iub":
            arr = arr.astype(np.int64)      # PyTorch converts with .to(int64): truncation
    else:
        arr = np.asarray([int(v) for v in lengths] if not np.isscalar(lengths) else lengths)
    if arr.ndim != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{arr.ndim}D tensor")
    return arr.astype(np.int64)


def _batch_sizes(sorted_lengths: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = number of sequences longer than t (lengths sorted decreasingly)."""
    T = int(sorted_lengths[0]) if sorted_lengths.size else 0
    return (sorted_lengths[None, :] > np.arange(T)[:, None]).sum(1).astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch. Shapes: input (T, B, *) or (B, T, *) with ``batch_first``;
    lengths (B,) (list or CPU tensor) → PackedSequence with data (sum(lengths), *)."""
    lens = _lengths_array(lengths)
    if input.dim() < 2:
        raise RuntimeError(f"pack_padded_sequence: input must have at least 2 dimensions "
                           f"(T, B, *), got shape {list(input.shape)}")
    if batch_first:
        B, T = input.shape[0], input.shape[1]
    else:
        T, B = input.shape[0], input.shape[1]
    if lens.shape[0] != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.shape[0]} (batch_size={B})")
    if enforce_sorted:
        if lens.size > 1 and np.any(lens[:-1] < lens[1:]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                f"exportability (got lengths {lens.tolist()}).")
        order = None
        slens = lens
    else:
        order = np.argsort(-lens, kind="stable")
        slens = lens[order]
    if slens.size and slens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           f"element in 'lengths' that is <= 0 (lengths {lens.tolist()})")
    if slens.size and slens[0] > T:
        raise RuntimeError(f"pack_padded_sequence: a length ({int(slens[0])}) exceeds the "
                           f"padded sequence length {T} of input of shape {list(input.shape)}")
    bs = _batch_sizes(slens)
    cols = order if order is not None else np.arange(B)
    # Row of the flattened input for every packed element, step by step.
    idx = []
    for t, n in enumerate(bs):
        c = cols[:n]
        idx.append(c * T + t if batch_first else t * B + c)
    idx = np.concatenate(idx) if idx else np.zeros(0, np.int64)
    flat = input.reshape((T * B,) + tuple(input.shape[2:]))
    data = flat.index_select(0, _index_tensor(idx, input))
    sorted_indices = _index_tensor(order, input) if order is not None else None
    return PackedSequence(data, _creation.tensor(bs), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """Undo :func:`pack_padded_sequence`. Returns (padded (T, B, *) or (B, T, *), lengths (B,)
    int64 on the CPU), in the original batch order."""
    data, batch_sizes = sequence.data, sequence.batch_sizes
    bs = np.asarray(batch_sizes._data, dtype=np.int64)
    T = bs.shape[0]
    if total_length is not None:
        if total_length < T:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {T}")
        T = int(total_length)
    B = int(bs[0]) if bs.size else 0
    N = data.shape[0]
    # table row N is the padding value; pos[t, j] = packed row of sorted sequence j at step t.
    pos = np.full((T, B), N, dtype=np.int64)
    off = 0
    for t, n in enumerate(bs):
        pos[t, :n] = np.arange(off, off + n)
        off += n
    slens = (bs[None, :] > np.arange(B)[:, None]).sum(1) if B else np.zeros(0, np.int64)
    if sequence.unsorted_indices is not None:
        un = np.asarray(sequence.unsorted_indices.cpu()._data)
        pos = pos[:, un]
        lengths = slens[un]
    else:
        lengths = slens
    if batch_first:
        pos = pos.T
    pad = _creation.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype,
                         device=data.device)
    table = _ops()["cat"]([data, pad], 0)
    out = table.index_select(0, _index_tensor(pos.reshape(-1), data))
    out = out.reshape(pos.shape + tuple(data.shape[1:]))
    return out, _creation.tensor(np.ascontiguousarray(lengths, dtype=np.int64))


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors of shapes (L_i, *) (decreasing L_i unless
    ``enforce_sorted=False``) into a PackedSequence."""
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pack_sequence: received an empty list of sequences")
    lens = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    tail = tuple(sequences[0].shape[1:])
    for k, s in enumerate(sequences):
        if tuple(s.shape[1:]) != tail:
            raise RuntimeError(f"pack_sequence: all sequences must have the same trailing "
                               f"shape; sequence 0 has {list(sequences[0].shape)} and "
                               f"sequence {k} has {list(s.shape)}")
    if enforce_sorted:
        if lens.size > 1 and np.any(lens[:-1] < lens[1:]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                f"exportability (got lengths {lens.tolist()}).")
        order = np.arange(lens.size)
    else:
        order = np.argsort(-lens, kind="stable")
    slens = lens[order]
    if slens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           f"element in 'lengths' that is <= 0 (lengths {lens.tolist()})")
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    bs = _batch_sizes(slens)
    idx = np.concatenate([starts[order[:n]] + t for t, n in enumerate(bs)])
    flat = _ops()["cat"](sequences, 0)
    data = flat.index_select(0, _index_tensor(idx, flat))
    si = _index_tensor(order, flat) if not enforce_sorted else None
    return PackedSequence(data, _creation.tensor(bs), si, None)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of (L_i, *) tensors a PackedSequence was made from (original order)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return [padded[i, :int(n)] for i, n in enumerate(lengths.tolist())]


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """Split a padded batch (T, B, *) / (B, T, *) back into a list of (L_i, *) tensors."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = _lengths_array(lengths) if not isinstance(lengths, Tensor) else \
        np.asarray(lengths.cpu()._data)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lens.tolist())]
