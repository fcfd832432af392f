"""Sequence helpers for recurrent networks: pad_sequence and packed sequences."""
from __future__ import annotations

from ..._tensor import Tensor
from ._packed import (PackedSequence, invert_permutation, pack_padded_sequence,  # noqa: F401
                      pack_sequence, pad_packed_sequence, unpack_sequence, unpad_sequence)

__all__ = ["pad_sequence", "PackedSequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpack_sequence", "unpad_sequence", "invert_permutation"]


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack variable-length tensors (L_i, *) into (L_max, B, *) — or (B, L_max, *) with
    ``batch_first`` — padding with ``padding_value`` on ``padding_side`` (differentiable)."""
    from ... import _creation, ops
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    for s in sequences:
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: expected a sequence of Tensors, got "
                            f"{type(s).__name__}")
        if s.dim() == 0:
            raise RuntimeError("pad_sequence: every sequence must have at least one dimension "
                               "(the length), got a 0-d tensor")
    trailing = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(
                f"pad_sequence: all sequences must have the same trailing dimensions; sequence "
                f"0 has shape {list(sequences[0].shape)} but sequence {i} has shape "
                f"{list(s.shape)}")
    dtype = sequences[0].dtype
    for s in sequences[1:]:
        if s.dtype != dtype:
            from ... import _dtype as D
            dtype = D.promote_types(dtype, s.dtype)
    longest = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        s = s.to(dtype)
        missing = longest - s.shape[0]
        if missing:
            pad = _creation.full((missing,) + trailing, padding_value, dtype=dtype,
                                 device=s.device)
            s = ops.cat([s, pad] if padding_side == "right" else [pad, s], 0)
        rows.append(s)
    return ops.stack(rows, 0 if batch_first else 1)
