"""Runs the op table (tests/optable_*.py) against PyTorch and float64 gradcheck."""
from __future__ import annotations

import glob
import importlib
import os
import zlib

import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH
from op_records import make_arrays

RECORDS = []
for _path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "optable_*.py"))):
    _mod = importlib.import_module(os.path.basename(_path)[:-3])
    RECORDS.extend(_mod.RECORDS)

if HAVE_TORCH:
    import torch


def _cases():
    for rec in RECORDS:
        for i, sample in enumerate(rec.iter_samples()):
            yield pytest.param(rec, i, sample, id=f"{rec.name}-{i}")


def _seed(rec, i):
    return zlib.crc32(f"{rec.name}/{i}".encode())


def _to_lib(lib, arrays, noncontig=False, requires_grad=True):
    vals = []
    for kind, v, grad in arrays:
        if kind == "plain":
            vals.append(v)
            continue
        if noncontig and kind == "float" and v.ndim >= 2:
            base = np.ascontiguousarray(np.swapaxes(v, -1, -2))
            t = lib.tensor(base).transpose(-1, -2)
            t = t.detach()
        else:
            t = lib.tensor(v)
        if kind == "float" and grad and requires_grad:
            t.requires_grad_(True)
        vals.append(t)
    return vals


def _flatten(out):
    if isinstance(out, (tuple, list)):
        r = []
        for o in out:
            r.extend(_flatten(o))
        return r
    return [out]


def _np(x):
    if HAVE_TORCH and isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, ember.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def _compare(e_out, t_out, rec, what):
    eo, to = _flatten(e_out), _flatten(t_out)
    assert len(eo) == len(to), f"{rec.name}: {len(eo)} outputs vs torch's {len(to)}"
    for k, (a, b) in enumerate(zip(eo, to)):
        if isinstance(b, torch.Tensor):
            assert isinstance(a, ember.Tensor), f"{rec.name} output {k} is {type(a)}"
            assert a.dtype.name == str(b.dtype).replace("torch.", ""), \
                f"{rec.name} {what} output {k}: dtype {a.dtype} vs torch {b.dtype}"
            assert tuple(a.shape) == tuple(b.shape), \
                f"{rec.name} {what} output {k}: shape {tuple(a.shape)} vs {tuple(b.shape)}"
        an, bn = _np(a), _np(b)
        if an.dtype.kind in "biu" or bn.dtype.kind in "biu":
            np.testing.assert_array_equal(an, bn, err_msg=f"{rec.name} {what} output {k}")
        else:
            np.testing.assert_allclose(an, bn, rtol=rec.rtol if an.dtype != np.float64 else 1e-7,
                                       atol=rec.atol if an.dtype != np.float64 else 1e-9,
                                       equal_nan=True, err_msg=f"{rec.name} {what} output {k}")


def _float_outputs(out):
    return [o for o in _flatten(out) if isinstance(o, (ember.Tensor,)) and
            o.dtype.is_floating_point and o.requires_grad]


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch (the test oracle) is not installed")
@pytest.mark.parametrize("rec,i,sample", list(_cases()))
@pytest.mark.parametrize("noncontig", [False, True], ids=["contig", "strided"])
def test_against_torch(rec, i, sample, noncontig):
    if rec.skip_torch_reason:
        pytest.skip(rec.skip_torch_reason)
    if noncontig and not rec.noncontig:
        pytest.skip("record opts out of strided inputs")
    arrays = make_arrays(sample, "float32", _seed(rec, i))
    if noncontig and not any(k == "float" and v.ndim >= 2 for k, v, _ in arrays):
        pytest.skip("no ≥2-D float input to make strided")
    e_in = _to_lib(ember, arrays, noncontig)
    t_in = _to_lib(torch, arrays, noncontig)
    e_out = rec.invoke(ember, *e_in, **sample.kwargs)
    t_out = rec.invoke(torch, *t_in, **sample.kwargs)
    _compare(e_out, t_out, rec, "forward")
    if not rec.grad:
        return
    e_f = _float_outputs(e_out)
    t_f = [o for o in _flatten(t_out) if isinstance(o, torch.Tensor) and o.dtype.is_floating_point
           and o.requires_grad]
    if not e_f:
        return
    rng = np.random.default_rng(_seed(rec, i) + 1)
    ws = [rng.uniform(-1, 1, tuple(o.shape)).astype(np.float32) for o in e_f]
    e_loss = sum((o * ember.tensor(w)).sum() for o, w in zip(e_f, ws))
    t_loss = sum((o * torch.tensor(w)).sum() for o, w in zip(t_f, ws))
    e_req = [x for x in e_in if isinstance(x, ember.Tensor) and x.requires_grad]
    t_req = [x for x in t_in if isinstance(x, torch.Tensor) and x.requires_grad]
    e_g = ember.autograd.grad(e_loss, e_req, allow_unused=True)
    t_g = torch.autograd.grad(t_loss, t_req, allow_unused=True)
    for k, (a, b) in enumerate(zip(e_g, t_g)):
        if b is None:
            assert a is None or np.allclose(_np(a), 0), f"{rec.name}: grad {k} should be None"
            continue
        assert a is not None, f"{rec.name}: missing gradient for input {k}"
        np.testing.assert_allclose(_np(a), _np(b), rtol=max(rec.rtol, 1e-4), atol=max(rec.atol,
                                   1e-5), err_msg=f"{rec.name}: gradient of input {k}")


def _gradcheck_cases():
    for rec in RECORDS:
        if rec.grad and rec.gradcheck:
            for i, sample in enumerate(rec.iter_samples()):
                yield pytest.param(rec, i, sample, id=f"{rec.name}-{i}")


@pytest.mark.parametrize("rec,i,sample", list(_gradcheck_cases()))
def test_gradcheck(rec, i, sample):
    arrays = make_arrays(sample, "float64", _seed(rec, i))
    inputs = _to_lib(ember, arrays)
    if not any(isinstance(x, ember.Tensor) and x.requires_grad for x in inputs):
        pytest.skip("no differentiable input")

    def fn(*xs):
        return rec.invoke(ember, *xs, **sample.kwargs)
    assert ember.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
    if rec.gradgrad:
        assert ember.autograd.gradgradcheck(fn, inputs, eps=1e-6, atol=1e-4, rtol=1e-3)


def test_every_public_op_has_a_record():
    recorded = {r.name for r in RECORDS}
    methods = {m for m in ember.ops.METHODS if not m.endswith("_")}
    missing = sorted((set(ember.ops.OPS) | methods) - recorded)
    assert not missing, f"public ops without an op-table record: {missing}"


def test_op_count():
    assert len({r.name for r in RECORDS}) >= len(ember.ops.OPS)
