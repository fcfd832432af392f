"""PackedSequence and pack/pad/unpack helpers against PyTorch, gradients and bad inputs."""
import numpy as np
import pytest

import ember
from ember.nn.utils import _packed as P
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch
    import torch.nn.utils.rnn as TR

rng = np.random.default_rng(1)


def _np(t):
    return t.detach().numpy() if t is not None else None


def _same_packed(e, t):
    np.testing.assert_allclose(_np(e.data), _np(t.data), rtol=1e-6)
    np.testing.assert_array_equal(e.batch_sizes.numpy(), t.batch_sizes.numpy())
    assert e.batch_sizes.dtype == ember.int64
    for a, b in ((e.sorted_indices, t.sorted_indices), (e.unsorted_indices, t.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.numpy(), b.numpy())


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce", [([5, 3, 2], True), ([2, 5, 1, 4], False),
                                             ([4, 4, 1], False)])
def test_pack_pad_roundtrip_matches_torch(lengths, enforce, batch_first):
    T, B = max(lengths) + 1, len(lengths)
    shape = (B, T, 3) if batch_first else (T, B, 3)
    x = rng.standard_normal(shape).astype(np.float32)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ep = P.pack_padded_sequence(ex, lengths, batch_first=batch_first, enforce_sorted=enforce)
    tp = TR.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=enforce)
    _same_packed(ep, tp)
    for kw in ({}, {"padding_value": -1.5}, {"total_length": T + 2}):
        eo, el = P.pad_packed_sequence(ep, batch_first=batch_first, **kw)
        to, tl = TR.pad_packed_sequence(tp, batch_first=batch_first, **kw)
        np.testing.assert_allclose(_np(eo), _np(to))
        np.testing.assert_array_equal(el.numpy(), tl.numpy())
        assert el.dtype == ember.int64
    w = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy())


@requires_torch
def test_lengths_as_tensor_and_sorted_indices():
    x = rng.standard_normal((4, 3, 2)).astype(np.float32)
    lengths = np.array([2, 4, 3])
    ep = P.pack_padded_sequence(ember.tensor(x), ember.tensor(lengths), enforce_sorted=False)
    tp = TR.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths), enforce_sorted=False)
    _same_packed(ep, tp)
    # float lengths are converted to int64 like PyTorch does
    ep2 = P.pack_padded_sequence(ember.tensor(x), ember.tensor([4.0, 3.0, 2.0]))
    tp2 = TR.pack_padded_sequence(torch.tensor(x), torch.tensor([4.0, 3.0, 2.0]))
    _same_packed(ep2, tp2)


@requires_torch
@pytest.mark.parametrize("enforce", [True, False])
def test_pack_sequence_and_unpack(enforce):
    lens = [4, 3, 1] if enforce else [2, 4, 1, 3]
    seqs = [rng.standard_normal((n, 2)).astype(np.float32) for n in lens]
    es = [ember.tensor(s, requires_grad=True) for s in seqs]
    ts = [torch.tensor(s, requires_grad=True) for s in seqs]
    ep = P.pack_sequence(es, enforce_sorted=enforce)
    tp = TR.pack_sequence(ts, enforce_sorted=enforce)
    _same_packed(ep, tp)
    eu, tu = P.unpack_sequence(ep), TR.unpack_sequence(tp)
    assert len(eu) == len(tu)
    for a, b in zip(eu, tu):
        np.testing.assert_allclose(_np(a), _np(b))
    sum(((u * (k + 1)).sum() for k, u in enumerate(eu)), ember.tensor(0.0)).backward()
    sum(((u * (k + 1)).sum() for k, u in enumerate(tu)), torch.tensor(0.0)).backward()
    for a, b in zip(es, ts):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence(batch_first):
    x = rng.standard_normal((3, 5, 2) if batch_first else (5, 3, 2)).astype(np.float32)
    lengths = [5, 2, 3]
    e = P.unpad_sequence(ember.tensor(x), ember.tensor(lengths), batch_first=batch_first)
    t = TR.unpad_sequence(torch.tensor(x), torch.tensor(lengths), batch_first=batch_first)
    for a, b in zip(e, t):
        np.testing.assert_allclose(_np(a), _np(b))


def test_packed_sequence_object():
    x = ember.randn(3, 2, 4)
    p = P.pack_padded_sequence(x, [3, 1], enforce_sorted=False)
    data, bs, si, ui = p
    assert p.data is data and p._fields == ("data", "batch_sizes", "sorted_indices",
                                           "unsorted_indices")
    assert repr(p).startswith("PackedSequence(data=tensor(")
    np.testing.assert_array_equal(ui.numpy(), np.argsort(si.numpy()))
    q = p.to(ember.float64)
    assert q.data.dtype == ember.float64 and q.batch_sizes is p.batch_sizes
    assert p.to(ember.float32) is p
    assert p.double().data.dtype == ember.float64 and not p.is_cuda
    r = P.PackedSequence(p.data, p.batch_sizes, p.sorted_indices)
    np.testing.assert_array_equal(r.unsorted_indices.numpy(), ui.numpy())
    r2 = P.PackedSequence((p.data, p.batch_sizes))
    assert r2.sorted_indices is None and r2.batch_sizes is p.batch_sizes


def test_reexported_from_utils_rnn():
    try:
        from ember.nn.utils import rnn as R
    except ImportError:
        pytest.skip("ember.nn.utils.rnn not there yet")
    if not hasattr(R, "pack_padded_sequence"):
        pytest.skip("pack functions not yet re-exported from ember.nn.utils.rnn")
    for name in ("PackedSequence", "pack_padded_sequence", "pad_packed_sequence",
                 "pack_sequence", "unpack_sequence", "unpad_sequence"):
        assert getattr(R, name) is getattr(P, name)


def test_bad_inputs():
    x = ember.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        P.pack_padded_sequence(x, [2, 4, 3])
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        P.pack_sequence([ember.randn(1, 2), ember.randn(3, 2)])
    with pytest.raises(RuntimeError, match=r"len\(lengths\)"):
        P.pack_padded_sequence(x, [4, 3])
    with pytest.raises(RuntimeError, match="greater than 0"):
        P.pack_padded_sequence(x, [4, 3, 0])
    with pytest.raises(RuntimeError, match="exceeds"):
        P.pack_padded_sequence(x, [5, 3, 1])
    p = P.pack_padded_sequence(x, [4, 3, 1])
    with pytest.raises(ValueError, match="total_length=2"):
        P.pad_packed_sequence(p, total_length=2)


@requires_torch
def test_bad_inputs_same_types_as_torch():
    for lib, mod in ((torch, TR), (ember, P)):
        x = lib.randn(4, 3, 2)
        with pytest.raises(RuntimeError):
            mod.pack_padded_sequence(x, [2, 4, 3])
        with pytest.raises(RuntimeError):
            mod.pack_padded_sequence(x, [4, 3, 0])
        with pytest.raises(ValueError):
            mod.pad_packed_sequence(mod.pack_padded_sequence(x, [4, 3, 1]), total_length=2)
