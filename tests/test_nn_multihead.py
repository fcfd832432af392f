"""nn.MultiheadAttention and F.multi_head_attention_forward against PyTorch: outputs, attention
weights and input/parameter gradients over the options, masks, float64 gradcheck /
gradgradcheck, initialisation, state_dict layout and bad inputs."""
import copy
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
E, H, N, L, S = 8, 2, 3, 4, 5


def _copy_from_torch(em, tm):
    """Load a PyTorch module's state_dict into the Ember module (the user's path)."""
    sd = {k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}
    res = em.load_state_dict(sd)
    assert not res.missing_keys and not res.unexpected_keys
    assert list(em.state_dict()) == list(tm.state_dict())


def _close(a, b, tol=1e-5):
    if b is None:
        assert a is None
        return
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _bool_mask(*shape):
    m = rng.random(shape) < 0.3
    m[..., 0] = False       # never mask a whole row (PyTorch gives NaN there on one path)
    return m


def _float_mask(*shape):
    return rng.standard_normal(shape).astype(np.float32)


SELF = "self"       # query is key is value
CROSS = "cross"     # key is value, query differs
SEP = "sep"         # three different tensors

# (ctor kwargs, which inputs, call kwargs as arrays) — batch dims as for batch_first=False
MHA_CASES = [
    ({}, SELF, {}),
    ({"batch_first": True}, SELF, {}),
    ({}, CROSS, {}),
    ({"batch_first": True}, SEP, {}),
    ({"kdim": 3, "vdim": 5}, SEP, {}),
    ({"kdim": 3, "vdim": 5, "batch_first": True}, SEP, {"need_weights": False}),
    ({}, SELF, {"need_weights": False}),
    ({}, SELF, {"average_attn_weights": False}),
    ({"batch_first": True}, CROSS, {"average_attn_weights": False}),
    ({"bias": False}, SELF, {}),
    ({"add_bias_kv": True}, SELF, {}),
    ({"add_zero_attn": True}, CROSS, {}),
    ({"add_bias_kv": True, "add_zero_attn": True, "batch_first": True}, SEP, {}),
    ({}, SELF, {"attn_mask": "bool2"}),
    ({}, SELF, {"attn_mask": "float2", "need_weights": False}),
    ({"batch_first": True}, CROSS, {"attn_mask": "bool3"}),
    ({}, SEP, {"attn_mask": "float3", "need_weights": False}),
    ({}, SELF, {"key_padding_mask": "bool"}),
    ({"batch_first": True}, CROSS, {"key_padding_mask": "float", "need_weights": False}),
    ({}, SELF, {"key_padding_mask": "bool", "attn_mask": "bool2"}),
    ({"add_bias_kv": True, "add_zero_attn": True}, CROSS,
     {"key_padding_mask": "bool", "attn_mask": "float3"}),
    ({}, SELF, {"attn_mask": "causal", "is_causal": True}),
    ({"batch_first": True}, SELF, {"attn_mask": "causal", "is_causal": True,
                                   "need_weights": False}),
    ({}, SELF, {"unbatched": True}),
    ({"kdim": 3, "vdim": 5}, SEP, {"unbatched": True, "key_padding_mask": "bool",
                                   "attn_mask": "bool3"}),
    ({"batch_first": True}, SELF, {"unbatched": True, "need_weights": False,
                                   "average_attn_weights": False}),
]


def _build_call(kind, ctor, call):
    """Arrays for query/key/value and the masks of one case."""
    bf = ctor.get("batch_first", False)
    unb = call.get("unbatched", False)
    tgt = L if kind != SELF else S
    kdim, vdim = ctor.get("kdim", E), ctor.get("vdim", E)

    def seq(n, e):
        if unb:
            return _x(n, e)
        return _x(N, n, e) if bf else _x(n, N, e)
    q = seq(tgt, E)
    k = q if kind == SELF else seq(S, kdim)
    v = k if kind in (SELF, CROSS) else seq(S, vdim)
    masks = {}
    am = call.get("attn_mask")
    nb = 1 if unb else N
    if am == "bool2":
        masks["attn_mask"] = _bool_mask(tgt, S)
    elif am == "float2":
        masks["attn_mask"] = _float_mask(tgt, S)
    elif am == "bool3":
        masks["attn_mask"] = _bool_mask(nb * H, tgt, S)
    elif am == "float3":
        masks["attn_mask"] = _float_mask(nb * H, tgt, S)
    elif am == "causal":
        masks["attn_mask"] = np.triu(np.ones((S, S), bool), 1)
    kp = call.get("key_padding_mask")
    if kp == "bool":
        masks["key_padding_mask"] = _bool_mask(*((S,) if unb else (N, S)))
    elif kp == "float":
        masks["key_padding_mask"] = _float_mask(*((S,) if unb else (N, S)))
    rest = {k2: v2 for k2, v2 in call.items()
            if k2 not in ("attn_mask", "key_padding_mask", "unbatched")}
    return q, k, v, masks, rest


def _inputs(lib, kind, q, k, v, masks):
    tq = lib.tensor(q, requires_grad=True)
    tk = tq if kind == SELF else lib.tensor(k, requires_grad=True)
    tv = tk if kind in (SELF, CROSS) else lib.tensor(v, requires_grad=True)
    mk = {n: lib.tensor(a) for n, a in masks.items()}
    return (tq, tk, tv), mk


@requires_torch
@pytest.mark.parametrize("ctor,kind,call", MHA_CASES,
                         ids=[f"{i}-{c[1]}-{'-'.join(sorted(c[0]))}-{'-'.join(sorted(c[2]))}"
                              for i, c in enumerate(MHA_CASES)])
def test_mha_matches_torch(ctor, kind, call):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(E, H, **ctor)
    em = nn.MultiheadAttention(E, H, **ctor)
    _copy_from_torch(em, tm)
    q, k, v, masks, rest = _build_call(kind, ctor, call)
    tin, tmk = _inputs(torch, kind, q, k, v, masks)
    ein, emk = _inputs(ember, kind, q, k, v, masks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # PyTorch's mixed mask-dtype deprecation warning
        to, tw = tm(*tin, **tmk, **rest)
        eo, ew = em(*ein, **emk, **rest)
    assert tuple(eo.shape) == tuple(to.shape)
    _close(eo, to)
    _close(ew, tw)
    # gradients through the output (and the weights, where returned)
    go = _x(*to.shape)
    tl = (to * torch.tensor(go)).sum()
    el = (eo * ember.tensor(go)).sum()
    if tw is not None:
        gw = _x(*tw.shape)
        tl = tl + (tw * torch.tensor(gw)).sum()
        el = el + (ew * ember.tensor(gw)).sum()
    tl.backward()
    el.backward()
    for a, b in zip(ein, tin):
        _close(a.grad, b.grad, 1e-4)
    tp = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        _close(p.grad, tp[name].grad, 1e-4)


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_fully_masked_rows_like_torch(need_weights):
    """PyTorch: NaN rows with need_weights=True (plain softmax), zeros without (SDPA)."""
    torch.manual_seed(1)
    tm = torch.nn.MultiheadAttention(E, H, batch_first=True)
    em = nn.MultiheadAttention(E, H, batch_first=True)
    _copy_from_torch(em, tm)
    x = _x(2, S, E)
    kpm = np.zeros((2, S), bool)
    kpm[1] = True
    to = tm(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(kpm),
            need_weights=need_weights)[0]
    eo = em(*[ember.tensor(x)] * 3, key_padding_mask=ember.tensor(kpm),
            need_weights=need_weights)[0]
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-5)


@requires_torch
@pytest.mark.parametrize("use_static", [False, True])
def test_functional_matches_torch(use_static):
    """F.multi_head_attention_forward with separate projection weights and static k/v."""
    w = [_x(E, E), _x(E, 3), _x(E, 5)]
    b = _x(3 * E)
    ow, ob = _x(E, E), _x(E)
    q, k, v = _x(L, N, E), _x(S, N, 3), _x(S, N, 5)
    sk, sv = _x(N * H, S + 1, E // H), _x(N * H, S + 1, E // H)
    outs = []
    for lib, Fn in ((torch, TF), (ember, F)):
        t = [lib.tensor(a, requires_grad=True) for a in (q, k, v, *w, b, ow, ob, sk, sv)]
        kw = dict(use_separate_proj_weight=True, q_proj_weight=t[3], k_proj_weight=t[4],
                  v_proj_weight=t[5], training=False)
        if use_static:
            kw.update(static_k=t[9], static_v=t[10])
        o, aw = Fn.multi_head_attention_forward(t[0], t[1], t[2], E, H, None, t[6], None, None,
                                                False, 0.0, t[7], t[8], **kw)
        (o.sum() + (aw * aw).sum()).backward()
        outs.append((o, aw, t))
    (to, tw, tt), (eo, ew, et) = outs
    _close(eo, to)
    _close(ew, tw)
    for a, bb in zip(et, tt):
        if bb.grad is None:
            assert a.grad is None or not a.grad.numpy().any()
        else:
            _close(a.grad, bb.grad, 1e-4)


@requires_torch
def test_learnable_float_mask_gets_gradient():
    torch.manual_seed(2)
    tm = torch.nn.MultiheadAttention(E, H)
    em = nn.MultiheadAttention(E, H)
    _copy_from_torch(em, tm)
    x, m = _x(L, N, E), _float_mask(L, L)
    tmk, emk = torch.tensor(m, requires_grad=True), ember.tensor(m, requires_grad=True)
    tx, ex = torch.tensor(x), ember.tensor(x)
    to = tm(tx, tx, tx, attn_mask=tmk, need_weights=False)[0]
    eo = em(ex, ex, ex, attn_mask=emk, need_weights=False)[0]
    _close(eo, to)
    (to ** 2).sum().backward()
    (eo ** 2).sum().backward()
    _close(emk.grad, tmk.grad, 1e-4)


def _small_mha64(**kw):
    ember.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, dtype=ember.float64, **kw)
    with ember.no_grad():
        for p in m.parameters():
            p.add_(ember.randn(*p.shape, dtype=ember.float64) * 0.3)
    return m


@pytest.mark.parametrize("case", ["self", "cross-weights", "sep-mask", "perhead"])
def test_gradcheck_float64(case):
    g = np.random.default_rng(3)
    if case == "sep-mask":
        m = _small_mha64(kdim=3, vdim=2, add_bias_kv=True)
    else:
        m = _small_mha64()
    x = ember.tensor(g.standard_normal((3, 2, 4)), requires_grad=True)
    y = ember.tensor(g.standard_normal((2, 2, 4)), requires_grad=True)
    kpm = ember.tensor(np.array([[False, False, True], [False, True, False]]))

    if case == "self":
        def f(a):
            return m(a, a, a, need_weights=False)[0]
        inputs = (x,)
    elif case == "cross-weights":
        def f(a, b):
            o, w = m(a, b, b)
            return o, w
        inputs = (x, y)
    elif case == "sep-mask":
        k = ember.tensor(g.standard_normal((3, 2, 3)), requires_grad=True)
        v = ember.tensor(g.standard_normal((3, 2, 2)), requires_grad=True)

        def f(a, b, c):
            return m(a, b, c, key_padding_mask=kpm)
        inputs = (x, k, v)
    else:
        def f(a):
            return m(a, a, a, average_attn_weights=False)
        inputs = (x,)
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)
    params = tuple(p for p in m.parameters())

    def fp(*ps):
        return f(*inputs)
    assert gradcheck(fp, params)


def test_dropout_is_seeded_and_off_in_eval():
    m = nn.MultiheadAttention(E, H, dropout=0.5, batch_first=True)
    x = ember.randn(2, S, E)
    ember.manual_seed(5)
    a, wa = m(x, x, x)
    ember.manual_seed(5)
    b, wb = m(x, x, x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    # dropped weights: some zeros, the kept ones scaled by 2
    w = m(x, x, x, average_attn_weights=False)[1].detach().numpy()
    assert (w == 0).any()
    m.eval()
    c, wc = m(x, x, x)
    d, wd = m(x, x, x)
    np.testing.assert_array_equal(c.detach().numpy(), d.detach().numpy())
    np.testing.assert_allclose(wc.detach().numpy().sum(-1), 1.0, rtol=1e-5)


def test_train_dropout_gradient_matches_numeric():
    """With dropout the gradient must use the same mask as the forward."""
    m = _small_mha64()
    m.dropout = 0.3
    x = ember.tensor(np.random.default_rng(4).standard_normal((3, 2, 4)), requires_grad=True)

    def f(a):
        ember.manual_seed(11)
        return m(a, a, a)
    assert gradcheck(f, (x,))


@requires_torch
def test_init_state_dict_repr_and_deepcopy():
    for kw in ({}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True}, {"bias": False}):
        tm = torch.nn.MultiheadAttention(16, 4, **kw)
        em = nn.MultiheadAttention(16, 4, **kw)
        assert list(em.state_dict()) == list(tm.state_dict())
        assert [tuple(v.shape) for v in em.state_dict().values()] == \
            [tuple(v.shape) for v in tm.state_dict().values()]
        assert repr(em) == repr(tm)
        assert type(em.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
        assert isinstance(em.out_proj, nn.Linear)
    em = nn.MultiheadAttention(64, 4)
    bound = float(np.sqrt(6.0 / (64 + 3 * 64)))
    w = em.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not em.in_proj_bias.detach().numpy().any()
    assert not em.out_proj.bias.detach().numpy().any()
    assert em.head_dim == 16 and em._qkv_same_embed_dim
    c = copy.deepcopy(em)
    assert c.in_proj_weight is not em.in_proj_weight
    np.testing.assert_array_equal(c.in_proj_weight.detach().numpy(), w)
    with ember.no_grad():
        c.in_proj_weight.zero_()
    assert em.in_proj_weight.detach().numpy().any()


def _raises_like_torch(fn):
    """Run ``fn(lib, nn, F)`` for both libraries; the exception types must agree."""
    with pytest.raises(Exception) as te:
        fn(torch, torch.nn, TF)
    with pytest.raises(type(te.value)) as ee:
        fn(ember, nn, F)
    return str(ee.value)


BAD = {
    "attn_mask 2-D shape": lambda lib, m, x: m(x, x, x, attn_mask=lib.zeros(3, 3)),
    "attn_mask 3-D shape": lambda lib, m, x: m(x, x, x, attn_mask=lib.zeros(2, S, S)),
    "attn_mask 4-D": lambda lib, m, x: m(x, x, x, attn_mask=lib.zeros(1, 1, S, S)),
    "attn_mask int dtype": lambda lib, m, x: m(x, x, x, attn_mask=lib.zeros(S, S,
                                                                             dtype=lib.int64)),
    "kpm int dtype": lambda lib, m, x: m(x, x, x, key_padding_mask=lib.zeros(N, S,
                                                                             dtype=lib.int32)),
    "attn_mask float64": lambda lib, m, x: m(x, x, x, attn_mask=lib.zeros(S, S,
                                                                          dtype=lib.float64)),
    "kpm float64": lambda lib, m, x: m(x, x, x, need_weights=False,
                                       key_padding_mask=lib.zeros(N, S, dtype=lib.float64)),
    "kpm shape": lambda lib, m, x: m(x, x, x, key_padding_mask=lib.zeros(N, S + 1,
                                                                         dtype=lib.bool)),
    "kpm batch": lambda lib, m, x: m(x, x, x, key_padding_mask=lib.zeros(N + 1, S,
                                                                         dtype=lib.bool)),
    "kpm rank": lambda lib, m, x: m(x, x, x, key_padding_mask=lib.zeros(S, dtype=lib.bool)),
    "query rank": lambda lib, m, x: m(x[None], x[None], x[None]),
    "key rank": lambda lib, m, x: m(x, x[0], x[0]),
    "embed dim": lambda lib, m, x: m(x[..., :4], x[..., :4], x[..., :4]),
    "key/value shapes": lambda lib, m, x: m(x, x, x[:2]),
    "is_causal without mask": lambda lib, m, x: m(x, x, x, is_causal=True),
    "unbatched 3-D mask": lambda lib, m, x: m(x[:, 0], x[:, 0], x[:, 0],
                                              attn_mask=lib.zeros(H + 1, S, S)),
}


@requires_torch
@pytest.mark.parametrize("name", list(BAD))
def test_bad_inputs_like_torch(name):
    x = _x(S, N, E)

    def fn(lib, tnn, _F):
        lib.manual_seed(0)
        return BAD[name](lib, tnn.MultiheadAttention(E, H), lib.tensor(x))
    msg = _raises_like_torch(fn)
    assert msg


@requires_torch
def test_bad_constructor_args_like_torch():
    _raises_like_torch(lambda lib, tnn, _F: tnn.MultiheadAttention(0, 2))
    _raises_like_torch(lambda lib, tnn, _F: tnn.MultiheadAttention(6, 4))


def test_mask_shape_message_names_shapes():
    m = nn.MultiheadAttention(E, H)
    x = ember.randn(S, N, E)
    with pytest.raises(RuntimeError, match=r"\(3, 3\).*should be \(5, 5\)"):
        m(x, x, x, attn_mask=ember.zeros(3, 3))
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask"):
        m(x, x, x, attn_mask=ember.zeros(S, S, dtype=ember.int64))


def test_mixed_mask_dtypes_warn():
    m = nn.MultiheadAttention(E, H)
    x = ember.randn(S, N, E)
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        m(x, x, x, key_padding_mask=ember.zeros(N, S, dtype=ember.bool),
          attn_mask=ember.zeros(S, S))


@requires_torch
@pytest.mark.parametrize("self_attn", [True, False])
def test_functional_packed_weights_only_gradient(self_attn):
    """Packed in_proj_weight, bias_k/bias_v, a padding mask, and a loss on the per-head
    attention weights alone (no gradient reaches the output)."""
    arrays = (_x(S, N, E), _x(S, N, E), _x(3 * E, E), _x(3 * E), _x(E, E), _x(E),
              _x(1, 1, E), _x(1, 1, E))
    kpm = _bool_mask(N, S)
    gw = _x(N, H, S, S + 1)
    res = []
    for lib, Fn in ((torch, TF), (ember, F)):
        q, m, wi, bi, ow, ob, bk, bv = t = [lib.tensor(a, requires_grad=True) for a in arrays]
        key = q if self_attn else m
        o, w = Fn.multi_head_attention_forward(
            q, key, key, E, H, wi, bi, bk, bv, False, 0.0, ow, ob,
            key_padding_mask=lib.tensor(kpm), average_attn_weights=False)
        (w * lib.tensor(gw)).sum().backward()
        res.append((o, w, t))
    (to, tw, tt), (eo, ew, et) = res
    _close(eo, to)
    _close(ew, tw)
    for a, b in zip(et, tt):
        if b.grad is None or not b.grad.numpy().any():
            assert a.grad is None or not a.grad.numpy().any()
        else:
            _close(a.grad, b.grad, 1e-4)
