"""pad, interpolate, pixel_shuffle, one_hot, affine_grid, grid_sample, distances and their
layers, against PyTorch (forward + gradients), plus float64 gradchecks and bad inputs."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch
    import torch.nn.functional as TF

rng = np.random.default_rng(0)


def _arr(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _compare(fn_e, fn_t, arrays, rtol=1e-5, atol=1e-5, grad=True):
    """Run ``fn`` on ember and torch copies; compare outputs and input gradients."""
    e = [ember.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    t = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    eo, to = fn_e(*e), fn_t(*t)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    if grad:
        w = rng.standard_normal(tuple(to.shape)).astype(eo.detach().numpy().dtype)
        (eo * ember.tensor(w)).sum().backward()
        (to * torch.tensor(w)).sum().backward()
        for a, b in zip(e, t):
            if b.requires_grad:
                if a.grad is None:  # no graph edge (e.g. nearest grid_sample): zeros
                    assert not b.grad.numpy().any()
                    continue
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol,
                                           atol=atol * 10)
    return eo, to


# ------------------------------------------------------------------------------------- pad
PAD_CASES = [
    ((2, 3, 5), (1, 2), "constant", 0.0),
    ((2, 3, 5), (1, 2, 0, 1), "constant", 1.5),
    ((2, 3, 4, 5), (2, -1, -1, 3), "constant", 0.0),
    ((2, 3, 4, 5), (1, 1, 1, 1, 1, 1, 1, 1), "constant", -2.0),
    ((3,), (2, 1), "constant", 0.0),
    ((2, 3, 5), (2, 3), "reflect", None),
    ((3, 5), (4, 4), "reflect", None),
    ((2, 3, 4, 5), (1, 2, 3, 1), "reflect", None),
    ((2, 2, 3, 4, 5), (1, 2, 2, 1, 1, 2), "reflect", None),
    ((2, 3, 4, 5), (-1, 2, 2, -2), "reflect", None),
    ((2, 3, 5), (3, 6), "replicate", None),
    ((2, 3, 4, 5), (1, 2, 3, 0), "replicate", None),
    ((2, 3, 4, 5), (-1, 2, 3, -1), "replicate", None),
    ((1, 2, 3, 4, 5), (2, 2, 1, 1, 3, 0), "replicate", None),
    ((2, 3, 5), (2, 5), "circular", None),
    ((2, 3, 4, 5), (1, 2, 3, 4), "circular", None),
    ((2, 3, 4, 5), (-1, 2, 1, -2), "circular", None),
    ((1, 2, 3, 4, 5), (1, 1, 2, 0, 0, 3), "circular", None),
]


@requires_torch
@pytest.mark.parametrize("shape,pads,mode,value", PAD_CASES,
                         ids=[f"{c[2]}-{i}" for i, c in enumerate(PAD_CASES)])
def test_pad_matches_torch(shape, pads, mode, value):
    kw = {} if value is None else {"value": value}
    eo, to = _compare(lambda x: F.pad(x, pads, mode, **kw),
                      lambda x: TF.pad(x, pads, mode, **kw), [_arr(*shape)])
    assert eo.shape == to.shape
    if mode != "circular":
        assert type(eo.grad_fn).name() == to.grad_fn.name()


@requires_torch
def test_pad_strided_and_integer_inputs():
    x = _arr(4, 6, 5)
    _compare(lambda a: F.pad(a.transpose(1, 2), (2, 1), "reflect"),
             lambda a: TF.pad(a.transpose(1, 2), (2, 1), "reflect"), [x])
    i = np.arange(12).reshape(1, 3, 4)
    for mode in ("constant", "replicate", "circular", "reflect"):
        e = F.pad(ember.tensor(i), (1, 2), mode)
        t = TF.pad(torch.tensor(i), (1, 2), mode)
        assert e.dtype == ember.int64
        np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("mode,pads", [("constant", (1, -1, 2, 1)), ("reflect", (2, 1, 1, 2)),
                                       ("replicate", (3, 1, 0, 2)), ("circular", (2, 3, 1, -1))])
def test_pad_gradcheck(mode, pads):
    x = ember.tensor(rng.standard_normal((2, 2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda a: F.pad(a, pads, mode), (x,))
    assert gradgradcheck(lambda a: F.pad(a, pads, mode), (x,))


@pytest.mark.parametrize("shape,pads,mode,exc", [
    ((2, 3), (1,), "constant", RuntimeError),
    ((2, 3), (1, 1, 1, 1, 1, 1), "constant", RuntimeError),
    ((2, 3), (-3, -1), "constant", RuntimeError),
    ((1, 2, 3), (3, 0), "reflect", RuntimeError),
    ((1, 2, 3), (4, 0), "circular", RuntimeError),
    ((4,), (1, 1), "reflect", NotImplementedError),
    ((2, 2, 2, 2, 2, 2), (1, 1), "replicate", NotImplementedError),
    ((2, 3, 4), (1, 1), "wrap", NotImplementedError),
])
def test_pad_bad_inputs(shape, pads, mode, exc):
    with pytest.raises(exc, match=r"pad\(\)"):
        F.pad(ember.zeros(*shape), pads, mode)
    with pytest.raises(RuntimeError, match="value"):
        F.pad(ember.zeros(1, 2, 3), (1, 1), "reflect", value=2.0)


PAD_LAYERS = [("ZeroPad1d", (2,)), ("ZeroPad2d", ((1, 2, 0, 3),)), ("ZeroPad3d", (1,)),
              ("ConstantPad1d", ((1, 2), 3.5)), ("ConstantPad2d", (1, -1.0)),
              ("ConstantPad3d", ((1, 0, 0, 1, 2, 0), 2.0)), ("ReflectionPad1d", (2,)),
              ("ReflectionPad2d", ((1, 2, 2, 0),)), ("ReflectionPad3d", (1,)),
              ("ReplicationPad1d", ((3, 1),)), ("ReplicationPad2d", (2,)),
              ("ReplicationPad3d", ((1, 0, 2, 1, 0, 1),)), ("CircularPad1d", (2,)),
              ("CircularPad2d", ((1, 2, 3, 0),)), ("CircularPad3d", (1,))]


@requires_torch
@pytest.mark.parametrize("name,args", PAD_LAYERS, ids=[p[0] for p in PAD_LAYERS])
def test_pad_layers_match_torch(name, args):
    e, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(e) == repr(t)
    nd = int(name[-2])
    x = _arr(*((2, 3, 4, 5, 6)[:nd + 2]))
    _compare(e, t, [x])
    _compare(e, t, [x[0]])      # unbatched


@requires_torch
@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("nd", [1, 2])
def test_conv_padding_modes_match_torch(padding_mode, nd):
    cls = "Conv1d" if nd == 1 else "Conv2d"
    ember.manual_seed(0)
    e = getattr(nn, cls)(3, 4, 3, padding=(2 if nd == 1 else (1, 2)), padding_mode=padding_mode)
    t = getattr(torch.nn, cls)(3, 4, 3, padding=(2 if nd == 1 else (1, 2)),
                               padding_mode=padding_mode)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(e.weight.detach().numpy()))
        t.bias.copy_(torch.tensor(e.bias.detach().numpy()))
    x = _arr(*((2, 3, 7) if nd == 1 else (2, 3, 6, 7)))
    _compare(e, t, [x], rtol=1e-4, atol=1e-5)
    (e(ember.tensor(x)) ** 2).sum().backward()
    (t(torch.tensor(x)) ** 2).sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-4,
                               atol=1e-4)
    assert repr(e) == repr(t)


# ----------------------------------------------------------------------------- interpolate
INTERP_CASES = [
    ((2, 3, 5), dict(scale_factor=2)),
    ((2, 3, 5), dict(size=7)),
    ((2, 3, 7), dict(size=3)),
    ((2, 3, 5), dict(scale_factor=1.7)),
    ((2, 3, 5), dict(scale_factor=1.7, recompute_scale_factor=True)),
    ((2, 3, 5), dict(size=7, mode="nearest-exact")),
    ((2, 3, 5), dict(scale_factor=0.6, mode="nearest-exact")),
    ((2, 3, 5), dict(size=8, mode="linear")),
    ((2, 3, 5), dict(size=8, mode="linear", align_corners=True)),
    ((2, 3, 8), dict(scale_factor=0.4, mode="linear")),
    ((2, 3, 4, 5), dict(scale_factor=2)),
    ((2, 3, 4, 5), dict(size=(7, 3))),
    ((2, 3, 4, 5), dict(scale_factor=(1.5, 2.3))),
    ((2, 3, 4, 5), dict(size=(6, 9), mode="nearest-exact")),
    ((2, 3, 4, 5), dict(scale_factor=2, mode="bilinear")),
    ((2, 3, 4, 5), dict(size=(7, 3), mode="bilinear")),
    ((2, 3, 4, 5), dict(size=(7, 3), mode="bilinear", align_corners=True)),
    ((2, 3, 4, 5), dict(scale_factor=(1.5, 0.7), mode="bilinear")),
    ((2, 3, 4, 5), dict(scale_factor=(1.5, 0.7), mode="bilinear", recompute_scale_factor=True)),
    ((2, 3, 4, 5), dict(size=(4, 5), mode="bilinear")),
    ((2, 3, 6, 7), dict(size=(3, 4), mode="bilinear")),
    ((2, 3, 4, 5), dict(scale_factor=2, mode="bicubic")),
    ((2, 3, 4, 5), dict(size=(7, 3), mode="bicubic", align_corners=True)),
    ((2, 3, 6, 7), dict(size=(4, 9), mode="bicubic")),
    ((2, 3, 6, 7), dict(size=(4, 3), mode="area")),
    ((2, 3, 6, 7), dict(scale_factor=0.5, mode="area")),
    ((2, 3, 7), dict(size=3, mode="area")),
    ((1, 2, 3, 4, 5), dict(scale_factor=2)),
    ((1, 2, 3, 4, 5), dict(size=(4, 6, 3), mode="trilinear")),
    ((1, 2, 3, 4, 5), dict(size=(4, 6, 3), mode="trilinear", align_corners=True)),
    ((1, 2, 4, 6, 5), dict(size=(2, 3, 2), mode="area")),
]


@requires_torch
@pytest.mark.parametrize("shape,kw", INTERP_CASES, ids=[str(i) for i in range(len(INTERP_CASES))])
def test_interpolate_matches_torch(shape, kw):
    eo, to = _compare(lambda x: F.interpolate(x, **kw), lambda x: TF.interpolate(x, **kw),
                      [_arr(*shape)], rtol=1e-5, atol=1e-5)
    assert eo.shape == to.shape


@requires_torch
def test_interpolate_float64_int_and_grad_fn_names():
    x = _arr(2, 3, 4, 5, dtype=np.float64)
    _compare(lambda a: F.interpolate(a, scale_factor=1.3, mode="bilinear"),
             lambda a: TF.interpolate(a, scale_factor=1.3, mode="bilinear"), [x], rtol=1e-12,
             atol=1e-12)
    img = rng.integers(0, 255, (1, 3, 4, 5)).astype(np.uint8)
    e = F.interpolate(ember.tensor(img), size=(7, 8))
    t = TF.interpolate(torch.tensor(img), size=(7, 8))
    assert e.dtype == ember.uint8
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    for mode in ("nearest", "bilinear", "bicubic", "nearest-exact"):
        xe = ember.zeros(1, 1, 2, 2, requires_grad=True)
        xt = torch.zeros(1, 1, 2, 2, requires_grad=True)
        assert type(F.interpolate(xe, scale_factor=2, mode=mode).grad_fn).name() == \
            TF.interpolate(xt, scale_factor=2, mode=mode).grad_fn.name()


@pytest.mark.parametrize("kw", [dict(scale_factor=1.5, mode="bilinear"),
                                dict(size=(5, 3), mode="bilinear", align_corners=True),
                                dict(size=(5, 7), mode="nearest"),
                                dict(size=(5, 2), mode="bicubic")])
def test_interpolate_gradcheck(kw):
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda a: F.interpolate(a, **kw), (x,))
    assert gradgradcheck(lambda a: F.interpolate(a, **kw), (x,))


@pytest.mark.parametrize("shape,kw,exc", [
    ((1, 2, 4, 4), dict(size=4, scale_factor=2), ValueError),
    ((1, 2, 4, 4), dict(), ValueError),
    ((1, 2, 4, 4), dict(size=(2, 3, 4)), ValueError),
    ((1, 2, 4, 4), dict(scale_factor=(2, 3, 4)), ValueError),
    ((1, 2, 4, 4), dict(size=4, mode="nearest", align_corners=True), ValueError),
    ((1, 2, 4), dict(size=4, mode="bilinear"), NotImplementedError),
    ((1, 2, 4, 4), dict(size=4, mode="linear"), NotImplementedError),
    ((4, 4), dict(size=4), NotImplementedError),
    ((1, 2, 4, 4), dict(size=4, mode="cubic"), NotImplementedError),
    ((1, 2, 4, 4), dict(size=(2.5, 3)), TypeError),
    ((1, 2, 4, 4), dict(size=4, recompute_scale_factor=True), ValueError),
])
def test_interpolate_bad_inputs(shape, kw, exc):
    with pytest.raises(exc):
        F.interpolate(ember.zeros(*shape), **kw)


@requires_torch
@pytest.mark.parametrize("cls,kw", [("Upsample", dict(scale_factor=2)),
                                    ("Upsample", dict(size=(5, 7), mode="bilinear")),
                                    ("Upsample", dict(scale_factor=(2, 1.5), mode="bicubic",
                                                      align_corners=True)),
                                    ("UpsamplingNearest2d", dict(scale_factor=3)),
                                    ("UpsamplingBilinear2d", dict(size=(6, 5)))])
def test_upsample_layers_match_torch(cls, kw):
    e, t = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    assert repr(e) == repr(t)
    _compare(e, t, [_arr(2, 3, 4, 3)])


# ---------------------------------------------------------------- pixel shuffle / one_hot
@requires_torch
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((9, 2, 3), 3), ((2, 2, 4, 2, 3), 2)])
def test_pixel_shuffle_matches_torch(shape, r):
    _compare(lambda x: F.pixel_shuffle(x, r), lambda x: TF.pixel_shuffle(x, r), [_arr(*shape)])
    un = tuple(shape[:-3]) + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    _compare(lambda x: F.pixel_unshuffle(x, r), lambda x: TF.pixel_unshuffle(x, r),
             [_arr(*un)])
    e, t = nn.PixelShuffle(r), torch.nn.PixelShuffle(r)
    assert repr(e) == repr(t)
    _compare(e, t, [_arr(*shape)])
    e, t = nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r)
    assert repr(e) == repr(t)
    _compare(e, t, [_arr(*un)])


def test_pixel_shuffle_bad_inputs():
    with pytest.raises(RuntimeError, match="divisible"):
        F.pixel_shuffle(ember.zeros(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError, match="3 dimensions"):
        F.pixel_shuffle(ember.zeros(4, 2), 2)
    with pytest.raises(RuntimeError, match="height"):
        F.pixel_unshuffle(ember.zeros(1, 1, 5, 4), 2)


@requires_torch
def test_one_hot_matches_torch():
    idx = np.array([[0, 3], [2, 1]])
    for nc in (-1, 5):
        e = F.one_hot(ember.tensor(idx), nc)
        t = TF.one_hot(torch.tensor(idx), nc)
        assert e.dtype == ember.int64
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert F.one_hot(ember.tensor(np.zeros(0, np.int64)), 3).shape == (0, 3)
    for bad, nc in ((np.array([1.0, 2.0]), -1), (np.array([-1, 2]), -1), (np.array([1, 5]), 3),
                    (np.zeros(0, np.int64), -1), (np.array([1, 2], np.int32), -1)):
        with pytest.raises(RuntimeError):
            F.one_hot(ember.tensor(bad), nc)


# -------------------------------------------------------------- affine_grid / grid_sample
@requires_torch
@pytest.mark.parametrize("align", [False, True])
def test_affine_grid_matches_torch(align):
    theta = _arr(2, 2, 3)
    _compare(lambda th: F.affine_grid(th, (2, 3, 4, 5), align_corners=align),
             lambda th: TF.affine_grid(th, (2, 3, 4, 5), align_corners=align), [theta])
    theta3 = _arr(2, 3, 4)
    _compare(lambda th: F.affine_grid(th, (2, 1, 3, 4, 2), align_corners=align),
             lambda th: TF.affine_grid(th, (2, 1, 3, 4, 2), align_corners=align), [theta3])


def test_affine_grid_bad_inputs():
    with pytest.raises(ValueError, match="2, 3"):
        F.affine_grid(ember.zeros(2, 3, 3), (2, 1, 4, 4), align_corners=False)
    with pytest.raises(ValueError, match="floating"):
        F.affine_grid(ember.zeros(2, 2, 3, dtype=ember.int64), (2, 1, 4, 4), False)
    with pytest.raises(NotImplementedError):
        F.affine_grid(ember.zeros(2, 2, 3), (2, 4, 4), align_corners=False)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        F.affine_grid(ember.zeros(1, 2, 3), (1, 1, 2, 2))
    assert any("align_corners" in str(x.message) for x in w)


@requires_torch
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample_matches_torch(mode, padding_mode, align):
    x = _arr(2, 3, 5, 6)
    # grid inside and well outside [-1, 1], avoiding exact pixel boundaries (kinks)
    grid = (rng.uniform(-1.7, 1.7, (2, 4, 7, 2))).astype(np.float32)
    _compare(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align),
             lambda a, g: TF.grid_sample(a, g, mode, padding_mode, align), [x, grid],
             rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck(padding_mode):
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = ember.tensor(rng.uniform(-1.3, 1.3, (1, 2, 3, 2)), requires_grad=True)
    assert gradcheck(lambda a, b: F.grid_sample(a, b, "bilinear", padding_mode, False), (x, g))


@requires_torch
def test_spatial_transformer_pipeline():
    """affine_grid → grid_sample, gradients flowing back to theta (the STN tutorial)."""
    x = _arr(3, 1, 8, 8)
    theta = np.tile(np.array([[[0.9, 0.1, 0.05], [-0.1, 1.1, 0.03]]], np.float32), (3, 1, 1))

    def run(lib, Fm, xa, th):
        g = Fm.affine_grid(th, list(xa.shape), align_corners=False)
        return Fm.grid_sample(xa, g, align_corners=False)
    _compare(lambda xa, th: run(ember, F, xa, th), lambda xa, th: run(torch, TF, xa, th),
             [x, theta], rtol=1e-4, atol=1e-5)


def test_grid_sample_bad_inputs():
    with pytest.raises(ValueError, match="mode"):
        F.grid_sample(ember.zeros(1, 1, 2, 2), ember.zeros(1, 2, 2, 2), mode="cubic")
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(ember.zeros(1, 1, 2, 2), ember.zeros(1, 2, 2, 2), padding_mode="wrap")
    with pytest.raises(RuntimeError, match=r"\[1, 2, 2, 3\]"):
        F.grid_sample(ember.zeros(1, 1, 2, 2), ember.zeros(1, 2, 2, 3), align_corners=False)
    with pytest.raises(RuntimeError, match="4-D"):
        F.grid_sample(ember.zeros(1, 2, 2), ember.zeros(1, 2, 2, 2), align_corners=False)


# ---------------------------------------------------------------------------------- distance
@requires_torch
@pytest.mark.parametrize("s1,s2,kw", [((4, 5), (4, 5), {}), ((3, 4, 5), (1, 4, 5), {"dim": -1}),
                                      ((4, 5), (5,), {"dim": 1, "eps": 1e-3}),
                                      ((6,), (6,), {"dim": 0})])
def test_cosine_similarity_matches_torch(s1, s2, kw):
    _compare(lambda a, b: F.cosine_similarity(a, b, **kw),
             lambda a, b: TF.cosine_similarity(a, b, **kw), [_arr(*s1), _arr(*s2)])
    e, t = nn.CosineSimilarity(**kw), torch.nn.CosineSimilarity(**kw)
    assert repr(e) == repr(t)
    _compare(e, t, [_arr(*s1), _arr(*s2)])


@requires_torch
def test_cosine_similarity_tiny_and_zero_vectors():
    a = np.zeros((2, 3), np.float32)
    a[1] = 1e-10
    b = _arr(2, 3)
    _compare(lambda x, y: F.cosine_similarity(x, y), lambda x, y: TF.cosine_similarity(x, y),
             [a, b], atol=1e-4)


def test_cosine_similarity_gradcheck_and_errors():
    a = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda x, y: F.cosine_similarity(x, y), (a, b))
    with pytest.raises(RuntimeError):
        F.cosine_similarity(ember.zeros(2, 3), ember.zeros(2, 4))
    with pytest.raises(RuntimeError, match="floating"):
        F.cosine_similarity(ember.tensor([1, 2]), ember.tensor([2, 3]), dim=0)


@requires_torch
@pytest.mark.parametrize("s1,s2,kw", [((4, 5), (4, 5), {}), ((4, 5), (4, 5), {"p": 1.0}),
                                      ((4, 5), (1, 5), {"p": 3.0, "keepdim": True}),
                                      ((5,), (5,), {"eps": 0.0}),
                                      ((2, 4, 5), (4, 5), {"p": float("inf")})])
def test_pairwise_distance_matches_torch(s1, s2, kw):
    _compare(lambda a, b: F.pairwise_distance(a, b, **kw),
             lambda a, b: TF.pairwise_distance(a, b, **kw), [_arr(*s1), _arr(*s2)], atol=1e-4)
    e, t = nn.PairwiseDistance(**kw), torch.nn.PairwiseDistance(**kw)
    assert repr(e) == repr(t)
    _compare(e, t, [_arr(*s1), _arr(*s2)], atol=1e-4)


@requires_torch
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_pdist_matches_torch(p):
    _compare(lambda x: F.pdist(x, p), lambda x: TF.pdist(x, p), [_arr(5, 3)], atol=1e-4)


def test_pdist_gradcheck_and_errors():
    x = ember.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda a: F.pdist(a), (x,))
    with pytest.raises(RuntimeError, match="2-D"):
        F.pdist(ember.zeros(2, 3, 4))
    assert F.pdist(ember.zeros(1, 3)).shape == (0,)
