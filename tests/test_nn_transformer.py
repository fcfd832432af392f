"""Transformer encoder/decoder layers, stacks and nn.Transformer against PyTorch (weights
loaded from PyTorch state_dicts): outputs and gradients in train mode with dropout 0 and in
eval mode, norm_first, gelu/callable activations, causal and padding masks, unbatched
inputs; deep copies, initialisation, reprs and bad inputs."""
import copy
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch

rng = np.random.default_rng(0)
D, NH, FF, N = 8, 2, 16, 3


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _load(em, tm):
    """Load a PyTorch module's state_dict into the Ember one; the key lists must agree."""
    assert list(em.state_dict()) == list(tm.state_dict())
    res = em.load_state_dict({k: ember.tensor(v.detach().numpy())
                              for k, v in tm.state_dict().items()})
    assert not res.missing_keys and not res.unexpected_keys


def _close(a, b, tol=2e-5):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def _pair(ctor_t, ctor_e, train, seed=0):
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # enable_nested_tensor notices
        tm, em = ctor_t(), ctor_e()
    _load(em, tm)
    tm.train(train)
    em.train(train)
    return tm, em


def _seq(bf, s, unbatched=False):
    if unbatched:
        return _x(s, D)
    return _x(N, s, D) if bf else _x(s, N, D)


def _pad_mask(s, unbatched=False, kind="bool"):
    m = np.zeros((s,) if unbatched else (N, s), bool)
    if unbatched:
        m[-1] = True
    else:
        m[0, -2:] = True
        m[2, -1] = True
    if kind == "float":
        return np.where(m, -np.inf, 0.0).astype(np.float32)
    return m


def _check_grads(tm, em, t_in, e_in, to, eo):
    g = _x(*to.shape)
    (to * torch.tensor(g)).sum().backward()
    (eo * ember.tensor(g)).sum().backward()
    for a, b in zip(e_in, t_in):
        _close(a.grad, b.grad, 1e-4)
    tp = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        _close(p.grad, tp[name].grad, 1e-4)


def _act(name):
    if name == "callable":
        return (lambda x: x.tanh()), (lambda x: x.tanh())
    if name == "module":
        return torch.nn.GELU(), nn.GELU()
    return name, name


ENC_CASES = [
    dict(),
    dict(batch_first=True),
    dict(norm_first=True, activation="gelu"),
    dict(batch_first=True, norm_first=True, activation="callable"),
    dict(activation="module", bias=False),
    dict(batch_first=True, layer_norm_eps=1e-3, mask="causal"),
    dict(mask="causal_hint"),
    dict(batch_first=True, kpm="bool"),
    dict(kpm="float", mask="causal", norm_first=True),
    dict(unbatched=True, mask="causal"),
    dict(batch_first=True, unbatched=True, kpm="bool"),
]


def _enc_masks(lib, case, s):
    kw = {}
    unb = case.get("unbatched", False)
    if case.get("mask") in ("causal", "causal_hint"):
        kw["src_mask"] = lib.nn.Transformer.generate_square_subsequent_mask(s)
        if case["mask"] == "causal_hint":
            kw["is_causal"] = True
    if "kpm" in case:
        kw["src_key_padding_mask"] = lib.tensor(_pad_mask(s, unb, case["kpm"]))
    return kw


def _ctor_kw(case):
    return {k: v for k, v in case.items() if k not in ("mask", "kpm", "unbatched")}


@requires_torch
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("case", ENC_CASES, ids=[str(i) for i in range(len(ENC_CASES))])
def test_encoder_layer_matches_torch(case, train):
    kw = _ctor_kw(case)
    ta, ea = _act(kw.pop("activation", "relu"))
    tm, em = _pair(lambda: torch.nn.TransformerEncoderLayer(D, NH, FF, 0.0, ta, **kw),
                   lambda: nn.TransformerEncoderLayer(D, NH, FF, 0.0, ea, **kw), train)
    bf = kw.get("batch_first", False)
    x = _seq(bf, 5, case.get("unbatched", False))
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    to = tm(tx, **_enc_masks(torch, case, 5))
    eo = em(ex, **_enc_masks(ember, case, 5))
    _close(eo, to)
    _check_grads(tm, em, [tx], [ex], to, eo)


DEC_CASES = [
    dict(),
    dict(batch_first=True, norm_first=True),
    dict(activation="gelu", mask="causal", memory_mask=True),
    dict(batch_first=True, kpm=True, mask="causal"),
    dict(unbatched=True, mask="causal", kpm=True),
    dict(bias=False, activation="callable", norm_first=True, kpm=True),
]


def _dec_masks(lib, case, t, s):
    kw = {}
    unb = case.get("unbatched", False)
    if case.get("mask") == "causal":
        kw["tgt_mask"] = lib.nn.Transformer.generate_square_subsequent_mask(t)
        kw["tgt_is_causal"] = True
    if case.get("memory_mask"):
        kw["memory_mask"] = lib.tensor(np.triu(np.ones((t, s), bool), 2))
    if case.get("kpm"):
        kw["tgt_key_padding_mask"] = lib.tensor(_pad_mask(t, unb))
        kw["memory_key_padding_mask"] = lib.tensor(_pad_mask(s, unb, "float"))
    return kw


@requires_torch
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("case", DEC_CASES, ids=[str(i) for i in range(len(DEC_CASES))])
def test_decoder_layer_matches_torch(case, train):
    kw = {k: v for k, v in case.items() if k not in ("mask", "kpm", "unbatched", "memory_mask")}
    ta, ea = _act(kw.pop("activation", "relu"))
    tm, em = _pair(lambda: torch.nn.TransformerDecoderLayer(D, NH, FF, 0.0, ta, **kw),
                   lambda: nn.TransformerDecoderLayer(D, NH, FF, 0.0, ea, **kw), train)
    bf, unb = kw.get("batch_first", False), case.get("unbatched", False)
    tgt, mem = _seq(bf, 4, unb), _seq(bf, 6, unb)
    t_in = [torch.tensor(a, requires_grad=True) for a in (tgt, mem)]
    e_in = [ember.tensor(a, requires_grad=True) for a in (tgt, mem)]
    to = tm(*t_in, **_dec_masks(torch, case, 4, 6))
    eo = em(*e_in, **_dec_masks(ember, case, 4, 6))
    _close(eo, to)
    _check_grads(tm, em, t_in, e_in, to, eo)


@requires_torch
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True, norm_first=True,
                                             activation="gelu")], ids=["default", "bf-nf"])
def test_transformer_matches_torch(kw, train):
    tm, em = _pair(lambda: torch.nn.Transformer(D, NH, 2, 2, FF, 0.0, **kw),
                   lambda: nn.Transformer(D, NH, 2, 2, FF, 0.0, **kw), train)
    bf = kw.get("batch_first", False)
    src, tgt = _seq(bf, 6, False), _seq(bf, 4, False)
    t_in = [torch.tensor(a, requires_grad=True) for a in (src, tgt)]
    e_in = [ember.tensor(a, requires_grad=True) for a in (src, tgt)]
    masks = {}
    for lib in (torch, ember):
        masks[lib] = dict(tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(4),
                          src_key_padding_mask=lib.tensor(_pad_mask(6)),
                          memory_key_padding_mask=lib.tensor(_pad_mask(6)))
    to = tm(*t_in, **masks[torch])
    eo = em(*e_in, **masks[ember])
    _close(eo, to)
    _check_grads(tm, em, t_in, e_in, to, eo)


@requires_torch
@pytest.mark.parametrize("norm", [True, False])
@pytest.mark.parametrize("bf", [True, False])
def test_encoder_stack_eval_no_grad_matches_torch(bf, norm):
    """Eval + no_grad + padding mask: PyTorch's nested-tensor path zeroes padded positions
    (batch_first only); the stack must give the same numbers either way."""
    def mk(lib):
        layer = lib.nn.TransformerEncoderLayer(D, NH, FF, batch_first=bf)
        return lib.nn.TransformerEncoder(layer, 3, lib.nn.LayerNorm(D) if norm else None)
    tm, em = _pair(lambda: mk(torch), lambda: mk(ember), False)
    x = _seq(bf, 5)
    kpm = _pad_mask(5)
    with torch.no_grad():
        to = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    with ember.no_grad():
        eo = em(ember.tensor(x), src_key_padding_mask=ember.tensor(kpm))
    _close(eo, to)
    to2 = tm(torch.tensor(x), mask=torch.nn.Transformer.generate_square_subsequent_mask(5))
    eo2 = em(ember.tensor(x), mask=nn.Transformer.generate_square_subsequent_mask(5))
    _close(eo2, to2)


@requires_torch
def test_torch_state_dict_gives_same_outputs_default_config():
    """A default nn.Transformer trained in PyTorch, loaded into Ember, in eval mode."""
    tm, em = _pair(lambda: torch.nn.Transformer(16, 4, 2, 2, 32),
                   lambda: nn.Transformer(16, 4, 2, 2, 32), False, seed=3)
    src, tgt = _x(7, 2, 16), _x(5, 2, 16)
    with torch.no_grad():
        to = tm(torch.tensor(src), torch.tensor(tgt),
                tgt_mask=tm.generate_square_subsequent_mask(5))
    eo = em(ember.tensor(src), ember.tensor(tgt), tgt_mask=em.generate_square_subsequent_mask(5))
    _close(eo, to)


@requires_torch
def test_reprs_state_dict_and_init():
    tt = torch.nn.Transformer(D, NH, 2, 1, FF)
    et = nn.Transformer(D, NH, 2, 1, FF)
    assert repr(et.decoder) == repr(tt.decoder)      # a one-layer stack
    assert list(et.state_dict()) == list(tt.state_dict())
    for nm, t in tt.state_dict().items():
        assert tuple(et.state_dict()[nm].shape) == tuple(t.shape)
    # Xavier-uniform for every >1-D parameter (incl. the FF layers), LayerNorm ones/zeros
    for nm, p in et.named_parameters():
        a = p.detach().numpy()
        if a.ndim > 1:
            bound = np.sqrt(6.0 / (a.shape[0] + a.shape[1]))
            assert np.abs(a).max() <= bound + 1e-7, nm
        elif "norm" in nm:
            assert np.all(a == (1.0 if nm.endswith("weight") else 0.0)), nm
    for cls in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        te = getattr(torch.nn, cls)(D, NH, FF, activation="gelu", norm_first=True, bias=False)
        ee = getattr(nn, cls)(D, NH, FF, activation="gelu", norm_first=True, bias=False)
        assert repr(ee) == repr(te)
        assert list(ee.state_dict()) == list(te.state_dict())
    assert nn.TransformerEncoderLayer(D, NH).activation_relu_or_gelu == 1
    assert nn.TransformerEncoderLayer(D, NH, activation="gelu").activation_relu_or_gelu == 2
    assert nn.TransformerEncoderLayer(D, NH, activation=F.silu).activation_relu_or_gelu == 0


@requires_torch
def test_stack_repr_collapses_repeated_layers():
    assert repr(nn.Transformer(D, NH, 2, 2, FF)) == repr(torch.nn.Transformer(D, NH, 2, 2, FF))


@requires_torch
def test_generate_square_subsequent_mask():
    for sz in (1, 4):
        np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(sz).numpy(),
                                      torch.nn.Transformer.generate_square_subsequent_mask(sz))
    m = nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64)
    assert m.dtype == ember.float64


def test_stack_layers_are_independent_deep_copies():
    layer = nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0)
    enc = nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    names = [n for n, _ in enc.named_parameters()]
    assert names[0] == "layers.0.self_attn.in_proj_weight"
    assert any(n.startswith("layers.2.") for n in names)
    ps = [enc.layers[i].linear1.weight for i in range(3)]
    assert ps[0] is not ps[1] and ps[0] is not layer.linear1.weight
    np.testing.assert_array_equal(ps[0].detach().numpy(), ps[2].detach().numpy())
    with ember.no_grad():
        enc.layers[1].linear1.weight.zero_()
    assert enc.layers[0].linear1.weight.detach().numpy().any()
    assert layer.linear1.weight.detach().numpy().any()
    # gradients go to each copy separately
    x = ember.randn(4, 2, D)
    enc(x).sum().backward()
    assert all(enc.layers[i].linear1.weight.grad is not None for i in range(3))
    assert layer.linear1.weight.grad is None


def test_deepcopy_module_with_parameters_and_buffers():
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    m[1].running_mean.add_(1.0)
    c = copy.deepcopy(m)
    assert c[0].weight is not m[0].weight and isinstance(c[0].weight, nn.Parameter)
    assert c[0].weight.requires_grad
    np.testing.assert_array_equal(c[1].running_mean.numpy(), m[1].running_mean.numpy())
    c[1].running_mean.zero_()
    assert m[1].running_mean.numpy().all()
    assert list(c.state_dict()) == list(m.state_dict())


def test_training_a_small_transformer_reduces_loss():
    ember.manual_seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, dropout=0.1,
                                                           batch_first=True), 1,
                                enable_nested_tensor=False)
    head = nn.Linear(16, 4)
    opt = ember.optim.AdamW(list(enc.parameters()) + list(head.parameters()), lr=1e-2)
    x = ember.randn(8, 6, 16)
    y = ember.randint(0, 4, (8, 6))
    mask = nn.Transformer.generate_square_subsequent_mask(6)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = F.cross_entropy(head(enc(x, mask=mask, is_causal=True)).reshape(-1, 4),
                               y.reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_nested_tensor_warning_and_flags():
    with pytest.warns(UserWarning, match="batch_first was not True"):
        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH), 1)
    assert enc.use_nested_tensor is False and enc.enable_nested_tensor is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, batch_first=True), 1)
    assert enc.use_nested_tensor is True


@requires_torch
def test_bad_inputs_like_torch():
    def both(fn):
        with pytest.raises(Exception) as te:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(torch)
        with pytest.raises(type(te.value)) as ee:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(ember)
        assert str(ee.value)

    both(lambda lib: lib.nn.TransformerEncoderLayer(D, NH, activation="tanh"))
    both(lambda lib: lib.nn.Transformer(D, NH, 1, 1, FF)(lib.zeros(5, 2, D), lib.zeros(4, 3, D)))
    both(lambda lib: lib.nn.Transformer(D, NH, 1, 1, FF, batch_first=True)(
        lib.zeros(2, 5, D), lib.zeros(3, 4, D)))
    both(lambda lib: lib.nn.Transformer(D, NH, 1, 1, FF)(lib.zeros(5, 2, D),
                                                         lib.zeros(4, 2, D + 2)))
    both(lambda lib: lib.nn.TransformerEncoderLayer(D, NH)(lib.zeros(5, 2, D),
                                                           src_mask=lib.zeros(4, 4)))
    both(lambda lib: lib.nn.TransformerEncoderLayer(D, NH)(
        lib.zeros(5, 2, D), src_key_padding_mask=lib.zeros(2, 5, dtype=lib.int64)))
    both(lambda lib: lib.nn.TransformerEncoderLayer(D, NH)(lib.zeros(5, 2, D), is_causal=True))
    both(lambda lib: lib.nn.TransformerDecoderLayer(D, NH)(lib.zeros(5, 2, D),
                                                           lib.zeros(3, 2, D + 1)))
    both(lambda lib: lib.nn.TransformerEncoderLayer(D, 3))
