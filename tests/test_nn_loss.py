"""Loss functions and loss layers against PyTorch (forward, input/target gradients) over their
options; gradcheck of the fused losses; double backward of cross-entropy; bad inputs."""
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
    import torch.nn as tnn
    import torch.nn.functional as TF

rng = np.random.default_rng(0)


def _f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _probs(*shape, axis=1):
    p = rng.uniform(0.1, 1.0, shape).astype(np.float32)
    return p / p.sum(axis=axis, keepdims=True)


LOGITS = _f32(5, 4, scale=2)
LOGITS_K = _f32(3, 4, 2, 3)
TGT = np.array([1, 0, 3, 3, 2])
TGT_IGN = np.array([1, -100, 3, 3, 2])
TGT_IGN7 = np.array([1, 7, 7, 0, 2])
TGT_K = rng.integers(0, 4, (3, 2, 3))
TGT_K[0, 1, 2] = -100
W4 = rng.uniform(0.5, 2.0, 4).astype(np.float32)

# (name, arrays, array kinds ('f' float-with-grad, 'i' int, 'c' float constant), kwargs)
CASES = [
    ("cross_entropy", (LOGITS, TGT), "fi", {}),
    ("cross_entropy", (LOGITS, TGT), "fi", {"reduction": "sum"}),
    ("cross_entropy", (LOGITS, TGT), "fi", {"reduction": "none"}),
    ("cross_entropy", (LOGITS, TGT_IGN), "fi", {}),
    ("cross_entropy", (LOGITS, TGT_IGN7), "fi", {"ignore_index": 7}),
    ("cross_entropy", (LOGITS, TGT_IGN, W4), "fic", {}),
    ("cross_entropy", (LOGITS, TGT_IGN, W4), "fic", {"reduction": "none"}),
    ("cross_entropy", (LOGITS, TGT), "fi", {"label_smoothing": 0.2}),
    ("cross_entropy", (LOGITS, TGT_IGN, W4), "fic", {"label_smoothing": 0.1}),
    ("cross_entropy", (LOGITS, TGT_IGN, W4), "fic", {"label_smoothing": 0.3,
                                                      "reduction": "none"}),
    ("cross_entropy", (LOGITS, TGT_IGN, W4), "fic", {"label_smoothing": 0.3,
                                                      "reduction": "sum"}),
    ("cross_entropy", (LOGITS_K, TGT_K), "fi", {}),
    ("cross_entropy", (LOGITS_K, TGT_K, W4), "fic", {"label_smoothing": 0.1}),
    ("cross_entropy", (LOGITS_K, TGT_K), "fi", {"reduction": "none"}),
    ("cross_entropy", (LOGITS[0], np.array(2)), "fi", {}),
    ("cross_entropy", (LOGITS[0], np.array(2)), "fi", {"reduction": "none"}),
    ("cross_entropy", (LOGITS, _probs(5, 4)), "ff", {}),
    ("cross_entropy", (LOGITS, _probs(5, 4), W4), "ffc", {"label_smoothing": 0.2}),
    ("cross_entropy", (LOGITS_K, _probs(3, 4, 2, 3)), "ff", {"reduction": "none"}),
    ("cross_entropy", (LOGITS_K, _probs(3, 4, 2, 3)), "ff", {"reduction": "sum"}),
    ("nll_loss", (LOGITS, TGT), "fi", {}),
    ("nll_loss", (LOGITS, TGT_IGN, W4), "fic", {}),
    ("nll_loss", (LOGITS, TGT_IGN, W4), "fic", {"reduction": "none"}),
    ("nll_loss", (LOGITS_K, TGT_K), "fi", {"reduction": "sum"}),
    ("nll_loss", (LOGITS[0], np.array(3)), "fi", {}),
    ("mse_loss", (_f32(3, 4), _f32(3, 4)), "ff", {}),
    ("mse_loss", (_f32(3, 4), _f32(3, 4)), "ff", {"reduction": "none"}),
    ("mse_loss", (_f32(3, 4), _f32(3, 4)), "ff", {"reduction": "sum"}),
    ("l1_loss", (_f32(3, 4), _f32(3, 4)), "ff", {}),
    ("l1_loss", (_f32(3, 4), _f32(3, 4)), "ff", {"reduction": "none"}),
    ("smooth_l1_loss", (_f32(3, 4, scale=2), _f32(3, 4)), "ff", {}),
    ("smooth_l1_loss", (_f32(3, 4, scale=2), _f32(3, 4)), "ff", {"beta": 0.5,
                                                                  "reduction": "sum"}),
    ("smooth_l1_loss", (_f32(3, 4, scale=2), _f32(3, 4)), "ff", {"beta": 0.0}),
    ("huber_loss", (_f32(3, 4, scale=2), _f32(3, 4)), "ff", {}),
    ("huber_loss", (_f32(3, 4, scale=2), _f32(3, 4)), "ff", {"delta": 0.3,
                                                              "reduction": "none"}),
    ("binary_cross_entropy", (rng.uniform(0.05, 0.95, (3, 4)).astype(np.float32),
                              rng.uniform(0, 1, (3, 4)).astype(np.float32)), "ff", {}),
    ("binary_cross_entropy", (rng.uniform(0.05, 0.95, (3, 4)).astype(np.float32),
                              rng.uniform(0, 1, (3, 4)).astype(np.float32), W4), "ffc",
     {"reduction": "none"}),
    ("binary_cross_entropy_with_logits", (_f32(3, 4, scale=3),
                                          rng.uniform(0, 1, (3, 4)).astype(np.float32)),
     "ff", {}),
    ("binary_cross_entropy_with_logits", (_f32(3, 4, scale=3),
                                          rng.uniform(0, 1, (3, 4)).astype(np.float32),
                                          W4, rng.uniform(0.5, 3, 4).astype(np.float32)),
     "ffcc", {"reduction": "sum"}),
    ("kl_div", (np.log(_probs(3, 4)), _probs(3, 4)), "ff", {"reduction": "batchmean"}),
    ("kl_div", (np.log(_probs(3, 4)), np.log(_probs(3, 4))), "ff",
     {"reduction": "sum", "log_target": True}),
    ("kl_div", (np.log(_probs(3, 4)), _probs(3, 4)), "ff", {"reduction": "none"}),
    ("poisson_nll_loss", (_f32(3, 4), rng.uniform(0, 4, (3, 4)).astype(np.float32)), "ff", {}),
    ("poisson_nll_loss", (rng.uniform(0.1, 3, (3, 4)).astype(np.float32),
                          rng.uniform(0, 4, (3, 4)).astype(np.float32)), "ff",
     {"log_input": False, "full": True, "reduction": "none"}),
    ("gaussian_nll_loss", (_f32(3, 4), _f32(3, 4),
                           rng.uniform(0.1, 2, (3, 4)).astype(np.float32)), "fff", {}),
    ("gaussian_nll_loss", (_f32(3, 4), _f32(3, 4),
                           rng.uniform(0.1, 2, (3,)).astype(np.float32)), "fff",
     {"full": True, "reduction": "sum"}),
    ("gaussian_nll_loss", (_f32(3, 4), _f32(3, 4),
                           rng.uniform(0.1, 2, (3, 1)).astype(np.float32)), "fff",
     {"reduction": "none"}),
    ("cosine_embedding_loss", (_f32(5, 3), _f32(5, 3), np.array([1, -1, 1, -1, -1])), "ffi",
     {"margin": 0.1}),
    ("cosine_embedding_loss", (_f32(3), _f32(3), np.array(-1)), "ffi", {}),
    ("margin_ranking_loss", (_f32(5), _f32(5), np.array([1., -1., 1., -1., 1.],
                                                          dtype=np.float32)), "ffc",
     {"margin": 0.2}),
    ("triplet_margin_loss", (_f32(4, 3), _f32(4, 3), _f32(4, 3)), "fff", {}),
    ("triplet_margin_loss", (_f32(4, 3), _f32(4, 3), _f32(4, 3)), "fff",
     {"p": 1, "swap": True, "margin": 2.0, "reduction": "none"}),
    ("hinge_embedding_loss", (_f32(3, 4), np.sign(_f32(3, 4))), "fc", {"margin": 0.5}),
    ("multi_margin_loss", (_f32(5, 4), TGT), "fi", {}),
    ("multi_margin_loss", (_f32(5, 4), TGT, W4), "fic", {"p": 2, "margin": 0.7,
                                                         "reduction": "none"}),
    ("multi_margin_loss", (_f32(4), np.array(1)), "fi", {}),
    ("multilabel_margin_loss", (_f32(3, 4), np.array([[3, 0, -1, 1], [0, 1, 2, 3],
                                                       [1, -1, 0, 0]])), "fi", {}),
    ("soft_margin_loss", (_f32(3, 4), np.sign(_f32(3, 4))), "fc", {}),
    ("multilabel_soft_margin_loss", (_f32(3, 4), (_f32(3, 4) > 0).astype(np.float32)), "fc",
     {}),
    ("multilabel_soft_margin_loss", (_f32(3, 4), (_f32(3, 4) > 0).astype(np.float32), W4),
     "fcc", {"reduction": "none"}),
]


def _make(arrays, kinds, lib):
    out = []
    for a, k in zip(arrays, kinds):
        if k == "i":
            out.append(lib.tensor(np.asarray(a, dtype=np.int64)))
        else:
            out.append(lib.tensor(a, requires_grad=(k == "f")))
    return out


def _run(fn_e, fn_t, arrays, kinds, kw, rtol=1e-5, atol=1e-6):
    e, t = _make(arrays, kinds, ember), _make(arrays, kinds, torch)
    eo, to = fn_e(*e, **kw), fn_t(*t, **kw)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    w = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    for a, b, k in zip(e, t, kinds):
        if k == "f":
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


@requires_torch
@pytest.mark.parametrize("name,arrays,kinds,kw", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_functional_matches_torch(name, arrays, kinds, kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name in ("cross_entropy", "nll_loss", "binary_cross_entropy",
                    "binary_cross_entropy_with_logits", "multi_margin_loss",
                    "multilabel_soft_margin_loss") and len(arrays) > 2:
            extra = {"binary_cross_entropy_with_logits": ("weight", "pos_weight")}.get(
                name, ("weight",))
            base, rest = arrays[:2], arrays[2:]
            ek = dict(kw)
            tk = dict(kw)
            for n, a in zip(extra, rest):
                ek[n], tk[n] = ember.tensor(a), torch.tensor(a)
            e, t = _make(base, kinds[:2], ember), _make(base, kinds[:2], torch)
            eo, to = getattr(F, name)(*e, **ek), getattr(TF, name)(*t, **tk)
            np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5,
                                       atol=1e-6)
            w = rng.standard_normal(tuple(to.shape)).astype(np.float32)
            (eo * ember.tensor(w)).sum().backward()
            (to * torch.tensor(w)).sum().backward()
            for a, b, k in zip(e, t, kinds):
                if k == "f":
                    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4,
                                               atol=1e-5)
        else:
            _run(getattr(F, name), getattr(TF, name), arrays, kinds, kw)


def _loss_modules(lib):
    m = lib.nn
    w = lib.tensor(W4)
    return [
        (m.CrossEntropyLoss(), "ce"), (m.CrossEntropyLoss(weight=w, ignore_index=1,
                                                           label_smoothing=0.1), "ce"),
        (m.CrossEntropyLoss(reduction="sum"), "ce"), (m.NLLLoss(weight=w), "ce"),
        (m.NLLLoss(reduction="none"), "ce"), (m.MSELoss(), "reg"),
        (m.L1Loss(reduction="sum"), "reg"),
        (m.SmoothL1Loss(beta=0.5), "reg"), (m.HuberLoss(delta=0.5), "reg"),
        (m.BCELoss(weight=w), "bce"), (m.BCEWithLogitsLoss(pos_weight=w), "reg"),
        (m.BCEWithLogitsLoss(weight=w, reduction="none"), "reg"),
        (m.KLDivLoss(reduction="batchmean", log_target=True), "reg"),
        (m.SoftMarginLoss(), "sign"), (m.MultiLabelSoftMarginLoss(weight=w), "bin"),
        (m.HingeEmbeddingLoss(margin=2.0), "sign"), (m.MultiMarginLoss(p=2, weight=w), "ce"),
        (m.PoissonNLLLoss(full=True), "pos"), (m.GaussianNLLLoss(full=True), "gauss"),
        (m.MarginRankingLoss(0.5), "rank"), (m.CosineEmbeddingLoss(0.2), "cos"),
        (m.TripletMarginLoss(margin=0.5, p=1.5), "trip"), (m.MultiLabelMarginLoss(), "mlm"),
    ]


def _module_inputs(kind):
    if kind == "ce":
        return [(LOGITS, "f"), (TGT, "i")]
    if kind == "reg":
        return [(_f32(5, 4), "f"), (_f32(5, 4), "f")]
    if kind == "bce":
        return [(rng.uniform(0.05, 0.95, (5, 4)).astype(np.float32), "f"),
                (rng.uniform(0, 1, (5, 4)).astype(np.float32), "f")]
    if kind == "sign":
        return [(_f32(5, 4), "f"), (np.sign(_f32(5, 4)), "c")]
    if kind == "bin":
        return [(_f32(5, 4), "f"), ((_f32(5, 4) > 0).astype(np.float32), "c")]
    if kind == "pos":
        return [(_f32(5, 4), "f"), (rng.uniform(0, 4, (5, 4)).astype(np.float32), "c")]
    if kind == "gauss":
        return [(_f32(5, 4), "f"), (_f32(5, 4), "f"),
                (rng.uniform(0.1, 2, (5, 4)).astype(np.float32), "f")]
    if kind == "rank":
        return [(_f32(5), "f"), (_f32(5), "f"), (np.sign(_f32(5)), "c")]
    if kind == "cos":
        return [(_f32(5, 3), "f"), (_f32(5, 3), "f"), (np.array([1, -1, 1, 1, -1]), "i")]
    if kind == "trip":
        return [(_f32(5, 3), "f"), (_f32(5, 3), "f"), (_f32(5, 3), "f")]
    return [(_f32(2, 4), "f"), (np.array([[2, 1, -1, 0], [3, -1, 0, 0]]), "i")]


@requires_torch
@pytest.mark.parametrize("i", range(len(_loss_modules(ember))))
def test_loss_module_matches_torch(i):
    (em, kind), (tm, _) = _loss_modules(ember)[i], _loss_modules(torch)[i]
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert em.reduction == tm.reduction
    inputs = _module_inputs(kind)
    _run(lambda *a: em(*a), lambda *a: tm(*a), [a for a, _ in inputs],
         "".join(k for _, k in inputs), {})


@requires_torch
@pytest.mark.parametrize("size_average,reduce", [(None, False), (False, None), (True, True),
                                                 (False, True)])
def test_legacy_reduction_args(size_average, reduce):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        em = nn.CrossEntropyLoss(size_average=size_average, reduce=reduce)
        tm = tnn.CrossEntropyLoss(size_average=size_average, reduce=reduce)
        eo = F.mse_loss(ember.tensor(LOGITS), ember.tensor(LOGITS * 2),
                        size_average=size_average, reduce=reduce)
        to = TF.mse_loss(torch.tensor(LOGITS), torch.tensor(LOGITS * 2),
                         size_average=size_average, reduce=reduce)
    assert em.reduction == tm.reduction
    np.testing.assert_allclose(eo.numpy(), to.numpy(), rtol=1e-6)


# --------------------------------------------------------------------------- gradcheck
def _d(a):
    return ember.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("kw", [
    {}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.2},
    {"weight": "w", "ignore_index": 1}, {"weight": "w", "label_smoothing": 0.3},
    {"weight": "w", "ignore_index": 3, "label_smoothing": 0.1, "reduction": "none"},
    {"soft": True}, {"soft": True, "weight": "w", "label_smoothing": 0.1},
    {"kdim": True, "weight": "w"},
])
def test_cross_entropy_gradcheck(kw):
    kw = dict(kw)
    soft, kdim = kw.pop("soft", False), kw.pop("kdim", False)
    if kw.get("weight") == "w":
        kw["weight"] = ember.tensor(W4.astype(np.float64))
    if kdim:
        x, t = _d(LOGITS_K), ember.tensor(np.where(TGT_K < 0, 1, TGT_K))
    else:
        x, t = _d(LOGITS), ember.tensor(TGT)
    inputs = (x,)
    if soft:
        t = _d(_probs(*x.shape))
        inputs = (x, t)

        def fn(a, b):
            return F.cross_entropy(a, b, **kw)
    else:
        def fn(a):
            return F.cross_entropy(a, t, **kw)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("fn", [
    lambda a, b: F.binary_cross_entropy_with_logits(a, b),
    lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, weight=ember.tensor(W4.astype(np.float64)),
        pos_weight=ember.tensor(np.array([0.5, 2.0, 1.0, 3.0])), reduction="none"),
    lambda a, b: F.binary_cross_entropy(a.sigmoid(), b),
    lambda a, b: F.mse_loss(a, b),
    lambda a, b: F.nll_loss(a, ember.tensor(TGT[:3] % 4),
                            weight=ember.tensor(W4.astype(np.float64))),
], ids=["bce_logits", "bce_logits_weights", "bce", "mse", "nll"])
def test_fused_loss_gradcheck(fn):
    a = _d(rng.standard_normal((3, 4)) * 2)
    b = _d(rng.uniform(0.05, 0.95, (3, 4)))
    assert gradcheck(fn, (a, b))
    assert gradgradcheck(fn, (a, b))


@requires_torch
def test_cross_entropy_double_backward_gradient_penalty():
    """WGAN-GP style: penalise the norm of d(loss)/d(input), then backprop to a layer."""
    x = _f32(6, 5)
    wl, bl = _f32(4, 5), _f32(4)
    t = np.array([0, 3, 1, 2, 2, 1])
    grads = []
    for lib, fn in ((ember, F), (torch, TF)):
        xi = lib.tensor(x, requires_grad=True)
        w, b = lib.tensor(wl, requires_grad=True), lib.tensor(bl, requires_grad=True)
        loss = fn.cross_entropy(fn.linear(xi, w, b), lib.tensor(t), label_smoothing=0.1)
        g, = lib.autograd.grad(loss, xi, create_graph=True)
        penalty = ((g * g).sum(1).sqrt() - 1).pow(2).mean()
        (loss + 10 * penalty).backward()
        grads.append([v.grad.numpy().copy() for v in (xi, w, b)])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@requires_torch
def test_cross_entropy_stable_and_names():
    x = ember.tensor([[1000.0, -1000.0, 0.0], [-5e4, 5e4, 1.0]], requires_grad=True)
    loss = F.cross_entropy(x, ember.tensor([1, 1]))
    tl = TF.cross_entropy(torch.tensor(x.detach().numpy()), torch.tensor([1, 1]))
    np.testing.assert_allclose(loss.item(), tl.item(), rtol=1e-6)
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all()
    assert "NllLossBackward0" in repr(loss)
    assert "NllLossBackward0" in repr(F.nll_loss(x, ember.tensor([0, 2])))
    # every target ignored: mean is 0/0 = nan, as in PyTorch
    assert np.isnan(F.cross_entropy(x, ember.tensor([-100, -100])).item())


def test_bce_with_logits_extreme_logits_stable():
    x = ember.tensor([-200.0, 200.0, 0.0], requires_grad=True)
    y = ember.tensor([1.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [200.0, 200.0, np.log(2)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 1.0, -0.5])
    # BCE clamps its logs at -100
    b = F.binary_cross_entropy(ember.tensor([0.0, 1.0]), ember.tensor([1.0, 0.0]))
    assert b.item() == 100.0


# --------------------------------------------------------------------------- bad inputs
def test_bad_inputs():
    x = ember.randn(3, 5)
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(4\)\."):
        F.cross_entropy(x, ember.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="batch_size"):
        F.nll_loss(x, ember.tensor([0, 1]))
    with pytest.raises(IndexError, match=r"target 5 .* 5 classes"):
        F.cross_entropy(x, ember.tensor([0, 5, 1]))
    with pytest.raises(IndexError, match=r"target -1 .* 5 classes"):
        F.cross_entropy(x, ember.tensor([0, -1, 1]))
    with pytest.raises(IndexError, match="target 9"):
        nn.NLLLoss()(x, ember.tensor([0, 9, 1]))
    with pytest.raises(RuntimeError, match="float32"):
        F.cross_entropy(x, ember.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match="int64"):
        F.cross_entropy(x, ember.zeros(3, 5, dtype=ember.int64))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, ember.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="meen")(x, x)
    with pytest.raises(RuntimeError, match="weight"):
        F.cross_entropy(x, ember.tensor([0, 1, 2]), weight=ember.ones(4))
    with pytest.raises(RuntimeError, match="label_smoothing"):
        F.cross_entropy(x, ember.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ember.tensor([0.5, 1.5]), ember.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="size"):
        F.binary_cross_entropy(ember.tensor([0.5, 0.5]), ember.tensor([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="size"):
        F.binary_cross_entropy_with_logits(ember.zeros(2, 3), ember.zeros(3))
    with pytest.raises(ValueError, match="var"):
        F.gaussian_nll_loss(ember.zeros(3, 4), ember.zeros(3, 4), ember.ones(2))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(ember.zeros(3, 4), ember.zeros(3, 4), -ember.ones(3, 4))
    with pytest.raises(ValueError, match="p == 1"):
        F.multi_margin_loss(x, ember.tensor([0, 1, 2]), p=3)
    with pytest.raises(RuntimeError, match="dimensions"):
        F.triplet_margin_loss(ember.zeros(2, 3), ember.zeros(2, 3), ember.zeros(3))


def test_mse_warns_on_broadcast_and_ok_on_same_shape():
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(ember.zeros(3, 1), ember.zeros(3))
    with pytest.warns(UserWarning, match="target size"):
        F.l1_loss(ember.zeros(3, 1), ember.zeros(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(ember.zeros(3), ember.zeros(3))


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(ember.zeros(2, 3), ember.ones(2, 3) / 3)
