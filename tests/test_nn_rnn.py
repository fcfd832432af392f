"""RNN / LSTM / GRU layers and cells against PyTorch (weights copied in), gradcheck, bad inputs."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn.utils._packed import pack_padded_sequence, pad_packed_sequence
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch

rng = np.random.default_rng(0)
I, H = 5, 7


def _copy(em, tm):
    """Copy Ember's parameters into the torch module (names must match one to one)."""
    ep, tp = dict(em.named_parameters()), dict(tm.named_parameters())
    assert list(ep) == list(tp)
    with torch.no_grad():
        for k, p in tp.items():
            p.copy_(torch.tensor(ep[k].detach().numpy()))


def _close(a, b, tol=2e-5):
    a = a.detach().numpy() if hasattr(a, "detach") else a
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _states(h, mode):
    return list(h) if mode == "LSTM" else [h]


def _run_both(mode, kw, x, hx=None, train=True):
    em = getattr(nn, mode)(I, H, **kw)
    tm = getattr(torch.nn, mode)(I, H, **kw)
    _copy(em, tm)
    em.train(train)
    tm.train(train)
    ex = ember.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    eh = th = None
    if hx is not None:
        eh = [ember.tensor(h, requires_grad=True) for h in hx]
        th = [torch.tensor(h, requires_grad=True) for h in hx]
    earg = None if eh is None else (tuple(eh) if mode == "LSTM" else eh[0])
    targ = None if th is None else (tuple(th) if mode == "LSTM" else th[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eo, ehn = em(ex, earg)
        to, thn = tm(tx, targ)
    return em, tm, ex, tx, eh, th, eo, to, _states(ehn, mode), _states(thn, mode)


def _check_grads(em, tm, ex, tx, eh, th, eo, to, ehn, thn):
    w = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    ws = [rng.standard_normal(tuple(h.shape)).astype(np.float32) for h in thn]
    le = (eo * ember.tensor(w)).sum()
    lt = (to * torch.tensor(w)).sum()
    for a, b, v in zip(ehn, thn, ws):
        le = le + (a * ember.tensor(v)).sum()
        lt = lt + (b * torch.tensor(v)).sum()
    le.backward()
    lt.backward()
    _close(ex.grad, tx.grad)
    for a, b in zip(eh or [], th or []):
        _close(a.grad, b.grad)
    for (name, pe), (_, pt) in zip(em.named_parameters(), tm.named_parameters()):
        assert pe.grad is not None, name
        _close(pe.grad, pt.grad, 5e-5)


CONFIGS = [
    ("RNN", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("RNN", {"bidirectional": True, "batch_first": True}), ("RNN", {"bias": False}),
    ("LSTM", {}), ("LSTM", {"num_layers": 2}), ("LSTM", {"bidirectional": True}),
    ("LSTM", {"batch_first": True}), ("LSTM", {"proj_size": 3}),
    ("LSTM", {"proj_size": 4, "num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("LSTM", {"bias": False, "num_layers": 2, "dropout": 0.0}),
    ("GRU", {}), ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {"batch_first": True, "bias": False}),
]


def _hidden_shapes(mode, kw, B):
    dirs = 2 if kw.get("bidirectional") else 1
    n = kw.get("num_layers", 1) * dirs
    hout = kw.get("proj_size") or H
    shapes = [(n, B, hout)]
    if mode == "LSTM":
        shapes.append((n, B, H))
    return shapes


@requires_torch
@pytest.mark.parametrize("with_h0", [False, True])
@pytest.mark.parametrize("mode,kw", CONFIGS,
                         ids=[f"{m}-{'-'.join(f'{k}={v}' for k, v in c.items())}"
                              for m, c in CONFIGS])
def test_layer_matches_torch(mode, kw, with_h0):
    T, B = 6, 3
    shape = (B, T, I) if kw.get("batch_first") else (T, B, I)
    x = rng.standard_normal(shape).astype(np.float32)
    hx = None
    if with_h0:
        hx = [rng.standard_normal(s).astype(np.float32) * 0.5
              for s in _hidden_shapes(mode, kw, B)]
    em, tm, ex, tx, eh, th, eo, to, ehn, thn = _run_both(mode, kw, x, hx)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    _close(eo, to)
    for a, b in zip(ehn, thn):
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b)
    _check_grads(em, tm, ex, tx, eh, th, eo, to, ehn, thn)


@requires_torch
@pytest.mark.parametrize("mode,kw", [("LSTM", {}), ("GRU", {"batch_first": True}),
                                     ("RNN", {"num_layers": 2, "bidirectional": True}),
                                     ("LSTM", {"proj_size": 3, "bidirectional": True})])
def test_unbatched_matches_torch(mode, kw):
    x = rng.standard_normal((5, I)).astype(np.float32)
    hx = [rng.standard_normal((s[0], s[2])).astype(np.float32) for s in
          _hidden_shapes(mode, kw, 1)]
    em, tm, ex, tx, eh, th, eo, to, ehn, thn = _run_both(mode, kw, x, hx)
    assert tuple(eo.shape) == tuple(to.shape)
    _close(eo, to)
    for a, b in zip(ehn, thn):
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b)
    _check_grads(em, tm, ex, tx, eh, th, eo, to, ehn, thn)


@requires_torch
@pytest.mark.parametrize("mode,kw", [
    ("LSTM", {}), ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 3, "batch_first": True}), ("GRU", {"bidirectional": True}),
    ("RNN", {"batch_first": True, "num_layers": 2}), ("RNN", {"bidirectional": True}),
])
@pytest.mark.parametrize("with_h0", [False, True])
def test_packed_input_matches_torch(mode, kw, with_h0):
    """Unsorted lengths with enforce_sorted=False: outputs, final states at each sequence's
    true length, and gradients (through pack and pad) match PyTorch."""
    T, B = 6, 4
    bf = kw.get("batch_first", False)
    lengths = [3, 6, 1, 4]
    x = rng.standard_normal((B, T, I) if bf else (T, B, I)).astype(np.float32)
    em = getattr(nn, mode)(I, H, **kw)
    tm = getattr(torch.nn, mode)(I, H, **kw)
    _copy(em, tm)
    ex = ember.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    hx = eh = th = None
    if with_h0:
        hx = [rng.standard_normal(s).astype(np.float32) for s in _hidden_shapes(mode, kw, B)]
        eh = [ember.tensor(h, requires_grad=True) for h in hx]
        th = [torch.tensor(h, requires_grad=True) for h in hx]
    ep = pack_padded_sequence(ex, lengths, batch_first=bf, enforce_sorted=False)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=bf,
                                                 enforce_sorted=False)
    earg = None if eh is None else (tuple(eh) if mode == "LSTM" else eh[0])
    targ = None if th is None else (tuple(th) if mode == "LSTM" else th[0])
    eo, ehn = em(ep, earg)
    to, thn = tm(tp, targ)
    assert type(eo).__name__ == "PackedSequence"
    np.testing.assert_array_equal(eo.batch_sizes.numpy(), to.batch_sizes.numpy())
    _close(eo.data, to.data)
    epad, elen = pad_packed_sequence(eo, batch_first=bf)
    tpad, tlen = torch.nn.utils.rnn.pad_packed_sequence(to, batch_first=bf)
    np.testing.assert_array_equal(elen.numpy(), tlen.numpy())
    ehn, thn = _states(ehn, mode), _states(thn, mode)
    for a, b in zip(ehn, thn):
        _close(a, b)
    _check_grads(em, tm, ex, tx, eh, th, epad, tpad, ehn, thn)


@requires_torch
def test_torch_state_dict_loads_and_matches():
    tm = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True)
    em = nn.LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True)
    sd = {k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}
    em.load_state_dict(sd)
    x = rng.standard_normal((2, 5, I)).astype(np.float32)
    eo, (eh, ec) = em(ember.tensor(x))
    to, (th, tc) = tm(torch.tensor(x))
    _close(eo, to)
    _close(eh, th)
    _close(ec, tc)
    for mode in ("GRU", "RNN"):
        tm = getattr(torch.nn, mode)(I, H, 2)
        em = getattr(nn, mode)(I, H, 2)
        em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
        _close(em(ember.tensor(x))[0], tm(torch.tensor(x))[0])


def test_parameters_layout_and_init():
    m = nn.LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5)
    shapes = {k: tuple(v.shape) for k, v in m.named_parameters()}
    assert shapes["weight_ih_l0"] == (80, 10)
    assert shapes["weight_hh_l0_reverse"] == (80, 5)
    assert shapes["weight_ih_l1"] == (80, 10)
    assert shapes["weight_hr_l1_reverse"] == (5, 20)
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                "weight_hr_l0"]
    bound = 1 / np.sqrt(20)
    for p in m.parameters():
        a = p.detach().numpy()
        assert a.min() >= -bound and a.max() <= bound and a.std() > bound / 4
    assert repr(nn.LSTM(10, 20, num_layers=2, batch_first=True)) == \
        "LSTM(10, 20, num_layers=2, batch_first=True)"
    assert repr(nn.GRU(3, 4, bias=False, dropout=0.5, num_layers=2, bidirectional=True)) == \
        "GRU(3, 4, num_layers=2, bias=False, dropout=0.5, bidirectional=True)"
    m.flatten_parameters()
    assert len(m.all_weights) == 4 and len(m._flat_weights) == 20


@pytest.mark.parametrize("mode", ["RNN", "GRU", "LSTM"])
def test_no_grad_forward_matches(mode):
    """The inference path (nothing saved for backward) gives the same numbers."""
    kw = {"proj_size": 3} if mode == "LSTM" else {}
    m = getattr(nn, mode)(I, H, num_layers=2, bidirectional=True, **kw)
    x = ember.tensor(rng.standard_normal((5, 3, I)).astype(np.float32))
    packed = pack_padded_sequence(x, [5, 2, 4], enforce_sorted=False)
    for inp in (x, packed):
        a = m(inp)
        with ember.no_grad():
            b = m(inp)
        a0 = a[0].data if hasattr(a[0], "batch_sizes") else a[0]
        b0 = b[0].data if hasattr(b[0], "batch_sizes") else b[0]
        np.testing.assert_allclose(a0.detach().numpy(), b0.numpy(), rtol=1e-6, atol=1e-7)
        for u, v in zip(_states(a[1], mode), _states(b[1], mode)):
            np.testing.assert_allclose(u.detach().numpy(), v.numpy(), rtol=1e-6, atol=1e-7)


def test_eval_and_train_dropout():
    m = nn.LSTM(I, H, num_layers=3, dropout=0.5)
    x = ember.tensor(rng.standard_normal((4, 2, I)).astype(np.float32))
    m.eval()
    a = m(x)[0]
    with ember.no_grad():
        b = m(x)[0]
    np.testing.assert_allclose(a.detach().numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    m.train()
    ember.manual_seed(0)
    c = m(x)[0]
    assert not np.allclose(c.detach().numpy(), a.detach().numpy())
    with pytest.warns(UserWarning, match="dropout"):
        nn.GRU(I, H, dropout=0.2)


def test_fused_layer_gradcheck_float64():
    """First-order gradcheck of the fused op through the module (every input and weight)."""
    for mode, kw in [("LSTM", {"proj_size": 2, "bidirectional": True}), ("GRU", {}),
                     ("RNN", {"nonlinearity": "tanh", "batch_first": True})]:
        m = getattr(nn, mode)(3, 4, dtype=ember.float64, **kw).double()
        params = list(m.parameters())
        names = [n for n, _ in m.named_parameters()]
        xs = (2, 3, 3) if kw.get("batch_first") else (3, 2, 3)
        x = ember.tensor(rng.standard_normal(xs), requires_grad=True)
        shapes = _hidden_shapes(mode, dict(kw, num_layers=1), 2)
        shapes = [(s[0], s[1], 2 if (kw.get("proj_size") and k == 0) else 4)
                  for k, s in enumerate(shapes)]
        hs = [ember.tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in shapes]

        def f(x, *args):
            hx = args[:len(hs)]
            ws = args[len(hs):]
            sd = dict(zip(names, ws))
            for n, w in sd.items():
                m._parameters[n] = w
            out, hn = m(x, tuple(hx) if mode == "LSTM" else hx[0])
            return (out,) + tuple(_states(hn, mode))
        try:
            assert ember.autograd.gradcheck(f, (x, *hs, *params))
        finally:
            for n, p in zip(names, params):
                m._parameters[n] = p


def test_fused_layer_double_backward_raises():
    m = nn.LSTM(3, 4).double()
    x = ember.tensor(rng.standard_normal((3, 2, 3)), requires_grad=True)
    out = m(x)[0].pow(2).sum()
    (g,) = ember.autograd.grad(out, x, create_graph=True)
    with pytest.raises(RuntimeError, match="double backward"):
        g.sum().backward()


# ---------------------------------------------------------------------------------- cells
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
         ("LSTMCell", {}), ("LSTMCell", {"bias": False}), ("GRUCell", {}),
         ("GRUCell", {"bias": False})]


@requires_torch
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("name,kw", CELLS)
def test_cells_match_torch(name, kw, batched):
    em = getattr(nn, name)(I, H, **kw)
    tm = getattr(torch.nn, name)(I, H, **kw)
    assert repr(em) == repr(tm)
    _copy(em, tm)
    xs = (3, I) if batched else (I,)
    hs = (3, H) if batched else (H,)
    x = rng.standard_normal(xs).astype(np.float32)
    hx = [rng.standard_normal(hs).astype(np.float32) for _ in range(2 if "LSTM" in name else 1)]
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    eh = [ember.tensor(h, requires_grad=True) for h in hx]
    th = [torch.tensor(h, requires_grad=True) for h in hx]
    lstm = "LSTM" in name
    eo = em(ex, tuple(eh) if lstm else eh[0])
    to = tm(tx, tuple(th) if lstm else th[0])
    eo, to = (list(eo), list(to)) if lstm else ([eo], [to])
    le, lt = 0, 0
    for a, b in zip(eo, to):
        _close(a, b)
        w = rng.standard_normal(tuple(b.shape)).astype(np.float32)
        le = le + (a * ember.tensor(w)).sum()
        lt = lt + (b * torch.tensor(w)).sum()
    le.backward()
    lt.backward()
    _close(ex.grad, tx.grad)
    for a, b in zip(eh, th):
        _close(a.grad, b.grad)
    for pe, pt in zip(em.parameters(), tm.parameters()):
        _close(pe.grad, pt.grad)
    # hx omitted = zeros
    e0 = em(ex)
    t0 = tm(tx)
    _close(e0[0] if lstm else e0, t0[0] if lstm else t0)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_gradcheck_and_double_backward(name):
    m = getattr(nn, name)(3, 2).double()
    params = list(m.parameters())
    names = [n for n, _ in m.named_parameters()]
    x = ember.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    hs = [ember.tensor(rng.standard_normal((2, 2)), requires_grad=True)
          for _ in range(2 if name == "LSTMCell" else 1)]

    def f(x, *args):
        hx, ws = args[:len(hs)], args[len(hs):]
        for n, w in zip(names, ws):
            m._parameters[n] = w
        out = m(x, tuple(hx) if name == "LSTMCell" else hx[0])
        return tuple(out) if name == "LSTMCell" else out
    try:
        assert ember.autograd.gradcheck(f, (x, *hs, *params))
        assert ember.autograd.gradgradcheck(f, (x, *hs, *params))
    finally:
        for n, p in zip(names, params):
            m._parameters[n] = p


# ----------------------------------------------------------------------------- bad inputs
def test_bad_inputs():
    m = nn.LSTM(10, 20, num_layers=2)
    with pytest.raises(RuntimeError, match="Expected 10, got 7"):
        m(ember.randn(5, 3, 7))
    with pytest.raises(ValueError, match="2D or 3D"):
        m(ember.randn(5, 3, 10, 1))
    h = ember.zeros(1, 3, 20)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 3, 20\), got "
                                           r"\[1, 3, 20\]"):
        m(ember.randn(5, 3, 10), (h, ember.zeros(2, 3, 20)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(2, 3, 20\), got "
                                           r"\[2, 4, 20\]"):
        m(ember.randn(5, 3, 10), (ember.zeros(2, 3, 20), ember.zeros(2, 4, 20)))
    g = nn.GRU(10, 20, num_layers=2)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 3, 20\), got "
                                           r"\[1, 3, 20\]"):
        g(ember.randn(5, 3, 10), ember.zeros(1, 3, 20))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 3, 20\), got "
                                           r"\[2, 2, 20\]"):
        g(ember.randn(5, 3, 10), ember.zeros(2, 2, 20))
    with pytest.raises(RuntimeError, match="hx should also be 2-D"):
        g(ember.randn(5, 10), ember.zeros(2, 1, 20))
    with pytest.raises(RuntimeError, match="hx should also be 3-D"):
        g(ember.randn(5, 3, 10), ember.zeros(2, 20))
    with pytest.raises(ValueError, match="dtype"):
        g(ember.randn(5, 3, 10, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="not the same dtype"):
        g(ember.randn(5, 3, 10), ember.zeros(2, 3, 20, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="hx and cx should also be 3-D"):
        m(ember.randn(5, 3, 10), (ember.zeros(2, 20), ember.zeros(2, 3, 20)))
    packed = pack_padded_sequence(ember.randn(4, 2, 7), [4, 2])
    with pytest.raises(RuntimeError, match="Expected 10, got 7"):
        g(packed)
    with pytest.raises(ValueError, match="proj_size"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        nn.LSTM(3, 4, dropout=1.5)
    c = nn.LSTMCell(10, 20)
    with pytest.raises(RuntimeError, match="got 7 expected 10"):
        c(ember.randn(3, 7))
    with pytest.raises(ValueError, match="1D or 2D"):
        c(ember.randn(3, 1, 10))
    with pytest.raises(RuntimeError, match="batch size 3 doesn't match hidden0 batch size 2"):
        c(ember.randn(3, 10), (ember.zeros(2, 20), ember.zeros(2, 20)))
    with pytest.raises(RuntimeError, match="got 5, expected 20"):
        nn.GRUCell(10, 20)(ember.randn(3, 10), ember.zeros(3, 5))


@requires_torch
def test_bad_inputs_same_types_as_torch():
    cases = [
        (lambda lib: lib.nn.LSTM(10, 20)(lib.randn(5, 3, 7)), RuntimeError),
        (lambda lib: lib.nn.GRU(10, 20, 2)(lib.randn(5, 3, 10), lib.zeros(1, 3, 20)),
         RuntimeError),
        (lambda lib: lib.nn.RNN(10, 20)(lib.randn(2, 5, 3, 10)), ValueError),
        (lambda lib: lib.nn.GRUCell(10, 20)(lib.randn(3, 7)), RuntimeError),
        (lambda lib: lib.nn.RNNCell(10, 20)(lib.randn(3, 10), lib.zeros(2, 20)),
         RuntimeError),
    ]
    for fn, exc in cases:
        with pytest.raises(exc):
            fn(torch)
        with pytest.raises(exc):
            fn(ember)
