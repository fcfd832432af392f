"""ember.optim against torch.optim: trajectories, state_dict resume, zero_grad, bad inputs."""
import copy

import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch

STEPS = 20

# (optimizer, constructor kwargs, options of the second param group or None, maximize sign)
CASES = [
    ("SGD", dict(lr=0.05), None),
    ("SGD", dict(lr=0.02, momentum=0.9), dict(lr=0.005)),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True), dict(weight_decay=0.1)),
    ("SGD", dict(lr=0.02, momentum=0.8, dampening=0.5, weight_decay=0.01), None),
    ("SGD", dict(lr=0.01, momentum=0.5, maximize=True), dict(lr=0.002)),
    ("Adam", dict(lr=0.05), None),
    ("Adam", dict(lr=0.05, amsgrad=True), dict(lr=0.01)),
    ("Adam", dict(lr=0.05, weight_decay=0.1), dict(weight_decay=0.0)),
    ("Adam", dict(lr=0.03, betas=(0.3, 0.6), maximize=True), None),
    ("Adam", dict(lr=0.05, decoupled_weight_decay=True, weight_decay=0.1), None),
    ("AdamW", dict(lr=0.05), dict(lr=0.02, weight_decay=0.5)),
    ("AdamW", dict(lr=0.05, amsgrad=True, maximize=True), None),
    ("Adamax", dict(lr=0.05), dict(lr=0.01)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1, maximize=True), None),
    ("NAdam", dict(lr=0.05), dict(lr=0.01)),
    ("NAdam", dict(lr=0.02, weight_decay=0.1, momentum_decay=0.01), None),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True), None),
    ("RAdam", dict(lr=0.05), dict(lr=0.01)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True), None),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, maximize=True), None),
    ("RMSprop", dict(lr=0.01), dict(lr=0.002)),
    ("RMSprop", dict(lr=0.01, centered=True), None),
    ("RMSprop", dict(lr=0.005, momentum=0.9, weight_decay=0.1), None),
    ("RMSprop", dict(lr=0.005, momentum=0.5, centered=True, alpha=0.9, maximize=True), None),
    ("Adagrad", dict(lr=0.1), dict(lr=0.05)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.1, weight_decay=0.1),
     None),
    ("Adagrad", dict(lr=0.1, maximize=True), None),
    ("Adadelta", dict(), dict(lr=0.5)),
    ("Adadelta", dict(lr=2.0, rho=0.8, weight_decay=0.1, eps=1e-5), None),
    ("Adadelta", dict(maximize=True), None),
]
IDS = [f"{n}-{i}" for i, (n, *_r) in enumerate(CASES)]


def _problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 4))
    Y = rng.standard_normal((8, 3))
    params = [rng.standard_normal((4, 3)) * 0.5, rng.standard_normal(3) * 0.1,
              np.array([-1.2, 1.0, 0.5])]
    return X, Y, params


def _loss(X, Y, W, b, c):
    """Least squares plus a Rosenbrock-like coupling: written once for both libraries."""
    r = X @ W + b - Y
    return (r * r).mean() + ((c[1:] - c[:-1] * c[:-1]) ** 2).sum() + ((1 - c) ** 2).sum() * 0.1


def _setup(lib, name, kw, group, dtype, params0=None):
    X, Y, P0 = _problem()
    if params0 is not None:
        P0 = params0
    X, Y = lib.tensor(X.astype(dtype)), lib.tensor(Y.astype(dtype))
    params = [lib.tensor(np.array(p, dtype=dtype), requires_grad=True) for p in P0]
    groups = params if group is None else [{"params": params[:2]},
                                           {"params": params[2:], **group}]
    opt = getattr(lib.optim, name)(groups, **kw)
    sign = -1.0 if kw.get("maximize") else 1.0

    def closure():
        opt.zero_grad()
        loss = _loss(X, Y, *params) * sign
        loss.backward()
        return loss
    return opt, params, closure


def _run(opt, params, closure, steps):
    out = []
    for _ in range(steps):
        opt.step(closure)
        out.append([p.detach().numpy().copy() for p in params])
    return out


@requires_torch
@pytest.mark.parametrize("name,kw,group", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_matches_torch(name, kw, group, dtype):
    ours = _run(*_setup(ember, name, kw, group, dtype), STEPS)
    ref = _run(*_setup(torch, name, kw, group, dtype), STEPS)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    for step, (a, b) in enumerate(zip(ours, ref)):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, **tol, err_msg=f"{name} {kw} step {step + 1}")
    # and the optimisation actually moved the parameters
    assert not np.allclose(ours[-1][0], _problem()[2][0])


@requires_torch
@pytest.mark.parametrize("name,kw,group", CASES[::3], ids=IDS[::3])
def test_state_dict_layout_matches_torch(name, kw, group):
    opt, params, closure = _setup(ember, name, kw, group, np.float32)
    topt, tparams, tclosure = _setup(torch, name, kw, group, np.float32)
    _run(opt, params, closure, 2)
    _run(topt, tparams, tclosure, 2)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert g == tg
    assert sd["state"].keys() == tsd["state"].keys()
    for k in sd["state"]:
        s, ts = sd["state"][k], tsd["state"][k]
        assert s.keys() == ts.keys()
        for key in s:
            assert s[key].dtype.itemsize == ts[key].dtype.itemsize, key
            assert tuple(s[key].shape) == tuple(ts[key].shape), key
            np.testing.assert_allclose(s[key].numpy(), ts[key].numpy(), rtol=1e-5, atol=1e-7)


def _to_ember(obj):
    if HAVE_TORCH and isinstance(obj, torch.Tensor):
        return ember.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_ember(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_ember(v) for v in obj]
    return obj


@pytest.mark.parametrize("name,kw,group", CASES, ids=IDS)
def test_state_dict_exact_resume(name, kw, group):
    """10 steps, save, load into a fresh optimizer, 10 more == 20 straight, bit for bit."""
    opt, params, closure = _setup(ember, name, kw, group, np.float32)
    _run(opt, params, closure, 10)
    saved = copy.deepcopy(opt.state_dict())
    at10 = [p.detach().numpy().copy() for p in params]
    straight = _run(opt, params, closure, 10)[-1]
    opt_b, params_b, closure_b = _setup(ember, name, kw, group, np.float32, params0=at10)
    opt_b.load_state_dict(saved)
    resumed = _run(opt_b, params_b, closure_b, 10)[-1]
    for x, y in zip(resumed, straight):
        np.testing.assert_array_equal(x, y)
    # hyper-parameters come from the state dict
    assert opt_b.param_groups[-1]["lr"] == opt.param_groups[-1]["lr"]


def test_load_state_dict_does_not_alias():
    opt, params, closure = _setup(ember, "Adam", dict(lr=0.05), None, np.float32)
    _run(opt, params, closure, 3)
    sd = opt.state_dict()
    before = sd["state"][0]["exp_avg"].numpy().copy()
    opt2, params2, closure2 = _setup(ember, "Adam", dict(lr=0.05), None, np.float32)
    opt2.load_state_dict(sd)
    _run(opt2, params2, closure2, 3)
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"].numpy(), before)
    assert float(opt2.state[params2[0]]["step"]) == 6.0


@requires_torch
@pytest.mark.parametrize("name,kw,group", CASES[::2], ids=IDS[::2])
def test_resume_from_torch_state_dict(name, kw, group):
    """A torch optimizer's state_dict (converted to Ember tensors) resumes identically."""
    topt, tparams, tclosure = _setup(torch, name, kw, group, np.float64)
    _run(topt, tparams, tclosure, 10)
    sd = _to_ember(topt.state_dict())
    at10 = [p.detach().numpy().copy() for p in tparams]
    ref = _run(topt, tparams, tclosure, 10)[-1]
    opt, params, closure = _setup(ember, name, kw, group, np.float64, params0=at10)
    opt.load_state_dict(sd)
    ours = _run(opt, params, closure, 10)[-1]
    for x, y in zip(ours, ref):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------- LBFGS
LBFGS_CASES = [
    dict(),
    dict(history_size=3, max_iter=7),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", history_size=4, max_iter=10, lr=0.5),
]


@requires_torch
@pytest.mark.parametrize("kw", LBFGS_CASES, ids=[str(k) for k in LBFGS_CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_lbfgs_matches_torch(kw, dtype):
    kw = dict(kw, lr=kw.get("lr", 0.2 if "line_search_fn" not in kw else 1))
    if dtype == np.float32:
        # float32 rounding differences (dot products) grow over many quasi-Newton iterations;
        # float64 checks the full 20-iteration steps tightly
        kw["max_iter"] = min(kw.get("max_iter", 20), 8)
    opt, params, closure = _setup(ember, "LBFGS", kw, None, dtype)
    topt, tparams, tclosure = _setup(torch, "LBFGS", kw, None, dtype)
    losses, tlosses = [], []
    for _ in range(3):
        losses.append(float(opt.step(closure)))
        tlosses.append(topt.step(tclosure).item())
    tol = dict(rtol=1e-8, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(losses, tlosses, **tol)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), **tol)
    st, tst = opt.state[params[0]], topt.state[tparams[0]]
    assert st["func_evals"] == tst["func_evals"] and st["n_iter"] == tst["n_iter"]
    assert losses[-1] < losses[0]


def test_lbfgs_needs_closure_and_one_group():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    q = ember.tensor([1.0], requires_grad=True)
    opt = ember.optim.LBFGS([p])
    with pytest.raises(RuntimeError, match="closure"):
        opt.step(None)
    with pytest.raises(ValueError, match="parameter groups"):
        ember.optim.LBFGS([{"params": [p]}, {"params": [q]}])
    with pytest.raises(ValueError):
        ember.optim.LBFGS([p], line_search_fn="armijo")


def test_lbfgs_state_dict_resume():
    kw = dict(lr=1, line_search_fn="strong_wolfe", max_iter=3, history_size=4)
    opt, params, closure = _setup(ember, "LBFGS", kw, None, np.float64)
    _run(opt, params, closure, 2)
    saved = copy.deepcopy(opt.state_dict())
    at2 = [p.detach().numpy().copy() for p in params]
    straight = _run(opt, params, closure, 2)[-1]
    opt2, params2, closure2 = _setup(ember, "LBFGS", kw, None, np.float64, params0=at2)
    opt2.load_state_dict(saved)
    resumed = _run(opt2, params2, closure2, 2)[-1]
    for x, y in zip(resumed, straight):
        np.testing.assert_array_equal(x, y)


# ------------------------------------------------------------------------- behaviour
def test_zero_grad_modes():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and np.array_equal(g.numpy(), [0.0, 0.0])
    (p * p).sum().backward()
    assert np.array_equal(p.grad.numpy(), [2.0, 4.0])
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # no grads: nothing happens
    assert np.array_equal(p.detach().numpy(), [1.0, 2.0])


def test_step_bumps_version_and_builds_no_graph():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    v = p._version
    opt.step()
    assert p._version == v + 1
    assert p.grad_fn is None and p.requires_grad and p.is_leaf


def test_closure_runs_with_grad_enabled():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)

    def closure():
        assert ember.is_grad_enabled()
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    with ember.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 5.0
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6], rtol=1e-6)


def test_param_groups_and_add_param_group():
    a = ember.tensor([1.0], requires_grad=True)
    b = ember.tensor([1.0], requires_grad=True)
    opt = ember.optim.SGD([{"params": a}], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError):
        opt.add_param_group([b])
    opt.param_groups[0]["lr"] = 0.5   # schedulers change lr between steps
    (a * 2).sum().backward()
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.0])
    r = repr(opt)
    assert r.startswith("SGD (") and "Parameter Group 1" in r and "lr: 0.01" in r


def test_step_hooks():
    p = ember.tensor([1.0], requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    opt.step()
    h1.remove()
    opt.step()
    assert calls == ["pre", "post", "post"]


def test_unsupported_and_legacy_options():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="differentiable"):
        ember.optim.Adam([p], differentiable=True)
    # a checkpoint whose step is a plain number (old PyTorch layout) still loads and steps
    opt = ember.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["step"] = 1
    opt2 = ember.optim.Adam([p], lr=0.1)
    opt2.load_state_dict(sd)
    opt2.step()
    assert float(opt2.state[p]["step"]) == 2.0


def test_adagrad_state_is_eager_and_new_groups_work():
    a = ember.tensor([1.0], requires_grad=True)
    b = ember.tensor([2.0], requires_grad=True)
    opt = ember.optim.Adagrad([a], lr=0.1, initial_accumulator_value=0.5)
    assert float(opt.state_dict()["state"][0]["sum"]) == 0.5
    opt.add_param_group({"params": [b]})
    (a * b).sum().backward()
    opt.step()
    assert float(opt.state[b]["sum"]) == 1.5   # 0.5 + grad**2


def test_named_parameters_accepted():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.Adam([("w", w)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w"]


# ------------------------------------------------------------------------- bad inputs (row 39)
ALL = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
       "LBFGS"]


@pytest.mark.parametrize("name", ALL)
def test_bad_inputs(name):
    cls = getattr(ember.optim, name)
    p = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([])
    with pytest.raises(ValueError, match="Invalid learning rate"):
        cls([p], lr=-0.1)
    with pytest.raises(TypeError, match="Tensors"):
        cls([1.0, 2.0])
    with pytest.raises(TypeError, match="iterable"):
        cls(p)
    with pytest.raises(TypeError):
        cls(iter([np.ones(2)]))
    with pytest.raises(TypeError, match="ordered"):
        cls({p})
    if name != "LBFGS":
        with pytest.raises(ValueError, match="more than one parameter group"):
            cls([{"params": [p]}, {"params": [p]}])


def test_bad_hyperparameters():
    p = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="Nesterov"):
        ember.optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        ember.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="momentum"):
        ember.optim.SGD([p], lr=0.1, momentum=-1)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        ember.optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="epsilon"):
        ember.optim.Adam([p], eps=-1)
    with pytest.raises(ValueError, match="weight_decay"):
        ember.optim.AdamW([p], weight_decay=-1)
    with pytest.raises(ValueError, match="rho"):
        ember.optim.Adadelta([p], rho=1.5)
    with pytest.raises(ValueError, match="non-leaf"):
        ember.optim.SGD([p * 2], lr=0.1)
    opt = ember.optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="size"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]})
    assert opt.param_groups[0]["lr"] == 0.1   # a failed load changes nothing
