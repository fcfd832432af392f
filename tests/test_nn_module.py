"""nn.Module semantics, containers, Linear and init compared with PyTorch."""
import math
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import requires_torch


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.seq = nn.Sequential(nn.Linear(3, 2), nn.Identity())
        self.register_buffer("running", ember.zeros(2))
        self.register_buffer("scratch", ember.zeros(1), persistent=False)

    def forward(self, x):
        return self.seq(ember.relu(self.fc1(x))) + self.running


def test_registration_and_iteration():
    n = Net()
    assert [k for k, _ in n.named_parameters()] == ["fc1.weight", "fc1.bias", "seq.0.weight",
                                                    "seq.0.bias"]
    assert list(n.state_dict()) == ["running", "fc1.weight", "fc1.bias", "seq.0.weight",
                                    "seq.0.bias"]
    assert [k for k, _ in n.named_buffers()] == ["running", "scratch"]
    assert [k for k, _ in n.named_modules()] == ["", "fc1", "seq", "seq.0", "seq.1"]
    assert len(list(n.children())) == 2
    assert isinstance(n.fc1.weight, nn.Parameter) and n.fc1.weight.requires_grad


def test_reassign_and_delete():
    n = Net()
    n.fc1 = nn.Linear(4, 5)
    assert n.fc1.out_features == 5
    with pytest.raises(TypeError):
        n.fc1 = 3
    n.fc1 = None
    assert "fc1" not in [k for k, _ in n.named_children()]
    with pytest.raises(TypeError):
        n.running = "not a tensor"
    del n.seq
    with pytest.raises(AttributeError):
        n.seq


def test_state_dict_round_trip_and_errors():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    for (ka, pa), (kb, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and np.array_equal(pa.numpy(), pb.numpy())
    with pytest.raises(RuntimeError) as e:
        b.load_state_dict({"fc1.weight": ember.zeros(2, 2), "bogus": ember.zeros(1)})
    msg = str(e.value)
    assert "Missing key(s)" in msg and '"fc1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "bogus"' in msg
    assert "size mismatch for fc1.weight" in msg and "[2, 2]" in msg and "[3, 4]" in msg
    # nothing was half-loaded: the mis-shaped weight kept its values
    assert np.array_equal(b.fc1.weight.detach().numpy(), a.fc1.weight.detach().numpy())
    r = b.load_state_dict({"fc1.weight": a.fc1.weight.detach()}, strict=False)
    assert "fc1.bias" in r.missing_keys and r.unexpected_keys == []


def test_train_eval_zero_grad_apply_to():
    n = Net()
    n.eval()
    assert not n.training and not n.seq[0].training
    n.train()
    assert n.seq[1].training
    n(ember.randn(2, 4)).sum().backward()
    assert n.fc1.weight.grad is not None
    n.zero_grad()
    assert n.fc1.weight.grad is None
    n(ember.randn(2, 4)).sum().backward()
    n.zero_grad(set_to_none=False)
    assert float(n.fc1.weight.grad.abs().sum()) == 0.0
    w = n.fc1.weight
    n.double()
    assert n.fc1.weight is w and w.dtype == ember.float64
    seen = []
    n.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and "Linear" in seen


def test_hooks():
    lin = nn.Linear(3, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, a: calls.append("pre"))
    h2 = lin.register_forward_hook(lambda m, a, out: out * 2)
    x = ember.randn(4, 3, requires_grad=True)
    y = lin(x)
    ref = ember.nn.functional.linear(x, lin.weight, lin.bias) * 2
    assert calls == ["pre"] and np.allclose(y.detach().numpy(), ref.detach().numpy())
    h1.remove()
    h2.remove()
    grads = []
    lin.register_full_backward_hook(lambda m, gi, go: grads.append((gi, go)))
    lin(x).sum().backward()
    assert len(grads) == 1
    gi, go = grads[0]
    assert go[0].shape == (4, 2) and gi[0].shape == (4, 3)
    assert np.allclose(gi[0].numpy(), x.grad.numpy())


def test_containers():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    ml.append(nn.Linear(2, 1))
    assert len(ml) == 4 and len(list(ml.parameters())) == 8
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.Identity()
    assert list(md.keys()) == ["a", "b"]
    pl = nn.ParameterList([nn.Parameter(ember.ones(2)), ember.zeros(3)])
    assert len(list(pl.parameters())) == 2 and isinstance(pl[1], nn.Parameter)
    pd = nn.ParameterDict({"w": ember.ones(2)})
    assert [k for k, _ in pd.named_parameters()] == ["w"]
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.Identity())]))
    assert isinstance(seq.fc, nn.Linear) and isinstance(seq[1], nn.Identity)
    assert len(seq[:1]) == 1


def test_linear_bad_input():
    lin = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r"4x5 and 3x2"):
        lin(ember.randn(4, 5))
    with pytest.raises(RuntimeError, match="dtype"):
        lin(ember.randn(4, 3, dtype=ember.float64))


def test_default_init_bounds():
    ember.manual_seed(0)
    lin = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)
    w = lin.weight.detach().numpy()
    assert w.min() >= -bound and w.max() <= bound and w.std() > bound / 3
    assert lin.bias.abs().max().item() <= bound


@requires_torch
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_linear_matches_torch(shape):
    import torch
    lin = nn.Linear(4, 3)
    tl = torch.nn.Linear(4, 3)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(lin.weight.detach().numpy()))
        tl.bias.copy_(torch.tensor(lin.bias.detach().numpy()))
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ey, ty = lin(ex), tl(tx)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    (ey ** 2).sum().backward()
    (ty ** 2).sum().backward()
    for a, b in ((ex.grad, tx.grad), (lin.weight.grad, tl.weight.grad),
                 (lin.bias.grad, tl.bias.grad)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
    assert repr(lin) == repr(tl)


@requires_torch
def test_init_functions_statistics_and_gain():
    import torch
    for nl, p in (("relu", None), ("tanh", None), ("leaky_relu", 0.2), ("selu", None)):
        assert nn.init.calculate_gain(nl, p) == pytest.approx(torch.nn.init.calculate_gain(nl, p))
    w = ember.empty(256, 128)
    nn.init.xavier_uniform_(w)
    a = math.sqrt(6 / (256 + 128))
    assert w.abs().max().item() <= a and w.std().item() == pytest.approx(a / math.sqrt(3), rel=0.05)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert w.std().item() == pytest.approx(math.sqrt(2 / 128), rel=0.05)
    nn.init.orthogonal_(w)
    m = w.numpy()
    np.testing.assert_allclose(m.T @ m, np.eye(128), atol=1e-4)
    nn.init.trunc_normal_(w, std=1.0, a=-1.0, b=1.0)
    assert w.abs().max().item() <= 1.0


@requires_torch
def test_modulelist_repr_collapses_repeats_like_torch():
    import torch
    mk = lambda lib: lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)] +  # noqa: E731
                                       [lib.nn.ReLU(), lib.nn.Linear(2, 2)])
    assert repr(mk(ember)) == repr(mk(torch))


@requires_torch
@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 4), (1, 1, 2, 4)])
def test_linear_on_batched_inputs_matches_torch(shape):
    import torch
    rng = np.random.default_rng(1)
    w, b = rng.standard_normal((5, 4)).astype(np.float32), rng.standard_normal(5).astype(
        np.float32)
    x = rng.standard_normal(shape).astype(np.float32)
    ex, ew, eb = (ember.tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ey, ty = ember.nn.functional.linear(ex, ew, eb), torch.nn.functional.linear(tx, tw, tb)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    (ey ** 2).sum().backward()
    (ty ** 2).sum().backward()
    for a, t in ((ex, tx), (ew, tw), (eb, tb)):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)
    xd = ember.tensor(x.astype(np.float64), requires_grad=True)
    wd = ember.tensor(w.astype(np.float64), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a, c: ember.nn.functional.linear(a, c), (xd, wd))


def test_set_num_threads_round_trip():
    n = ember.get_num_threads()
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    ember.set_num_threads(n)
    assert ember.get_num_threads() == n
    with pytest.raises(ValueError):
        ember.set_num_threads(0)
