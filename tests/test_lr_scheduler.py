"""ember.optim.lr_scheduler against torch.optim.lr_scheduler: lr/momentum sequences, state_dict."""
import copy
import warnings

import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch

STEPS = 35


def _opt(lib, kind="SGD"):
    ps = [lib.tensor(np.zeros(2), requires_grad=True) for _ in range(2)]
    groups = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.01}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return getattr(lib.optim, kind)(groups, lr=0.1)


def _custom_scale(x):
    return 0.5 ** (x / 10)


# name -> (optimizer kind, factory(L, opt))
SCHEDULERS = {
    "StepLR": ("SGD", lambda L, o: L.StepLR(o, step_size=4, gamma=0.5)),
    "MultiStepLR": ("SGD", lambda L, o: L.MultiStepLR(o, milestones=[3, 7, 7, 15], gamma=0.3)),
    "ExponentialLR": ("SGD", lambda L, o: L.ExponentialLR(o, gamma=0.9)),
    "CosineAnnealingLR": ("SGD", lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=1e-3)),
    "CosineAnnealingLR-eta0": ("Adam", lambda L, o: L.CosineAnnealingLR(o, T_max=7)),
    "WarmRestarts": ("SGD", lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5)),
    "WarmRestarts-mult": ("SGD", lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=1e-3)),
    "OneCycleLR": ("SGD", lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 0.1], total_steps=40)),
    "OneCycleLR-adam-linear-3phase": ("Adam", lambda L, o: L.OneCycleLR(
        o, max_lr=0.5, epochs=4, steps_per_epoch=10, anneal_strategy="linear",
        three_phase=True, pct_start=0.25)),
    "OneCycleLR-nomomentum": ("Adagrad", lambda L, o: L.OneCycleLR(
        o, max_lr=0.3, total_steps=36, cycle_momentum=False, div_factor=10.0)),
    "CyclicLR": ("SGD", lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=4)),
    "CyclicLR-tri2": ("SGD", lambda L, o: L.CyclicLR(
        o, [0.01, 0.001], [0.1, 0.05], step_size_up=3, step_size_down=5, mode="triangular2")),
    "CyclicLR-exp-adam": ("Adam", lambda L, o: L.CyclicLR(
        o, 0.01, 0.1, step_size_up=5, mode="exp_range", gamma=0.95, base_momentum=0.85,
        max_momentum=0.95)),
    "CyclicLR-custom": ("SGD", lambda L, o: L.CyclicLR(
        o, 0.01, 0.1, step_size_up=4, scale_fn=_custom_scale, scale_mode="iterations",
        cycle_momentum=False)),
    "LambdaLR": ("SGD", lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e)),
    "LambdaLR-list": ("SGD", lambda L, o: L.LambdaLR(o, [lambda e: 1 / (e + 1),
                                                         lambda e: 0.9 ** (e // 3)])),
    "MultiplicativeLR": ("SGD", lambda L, o: L.MultiplicativeLR(o, lambda e: 0.95)),
    "LinearLR": ("SGD", lambda L, o: L.LinearLR(o, start_factor=0.25, total_iters=8)),
    "LinearLR-down": ("SGD", lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.1,
                                                     total_iters=12)),
    "ConstantLR": ("SGD", lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=6)),
    "PolynomialLR": ("SGD", lambda L, o: L.PolynomialLR(o, total_iters=20, power=2.0)),
    "SequentialLR": ("SGD", lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=5), L.ExponentialLR(o, gamma=0.9),
            L.StepLR(o, step_size=3)], milestones=[5, 15])),
    "SequentialLR-cosine": ("SGD", lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.2, total_iters=3), L.CosineAnnealingLR(o, T_max=12)],
        milestones=[4])),
    "ChainedScheduler": ("SGD", lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.5, total_iters=4), L.ExponentialLR(o, gamma=0.9)])),
    "ChainedScheduler-cos": ("SGD", lambda L, o: L.ChainedScheduler(
        [L.LinearLR(o, start_factor=0.2, total_iters=5), L.CosineAnnealingLR(o, T_max=20)],
        optimizer=o)),
}

PLATEAU = {
    "default": dict(patience=2),
    "max-abs-cooldown": dict(mode="max", threshold_mode="abs", threshold=0.01, cooldown=2,
                             patience=1, factor=0.5),
    "min-lrs": dict(patience=0, factor=0.3, min_lr=[0.005, 1e-4], eps=1e-6),
}
METRICS = [1.0, 0.9, 0.9, 0.9, 0.95, 0.89, 0.89, 0.7, 0.7, 0.71, 0.72, 0.5, 0.5, 0.5, 0.5,
           0.4, 0.45, 0.41, 0.6, 0.3, 0.3, 0.3, 0.3, 0.31, 0.2, 0.2, 0.2, 0.2, 0.2, 0.1, 0.1,
           0.1, 0.1, 0.1, 0.1]


def _record(opt, sched):
    groups = opt.param_groups
    rec = [list(sched.get_last_lr()), [g["lr"] for g in groups]]
    if "momentum" in groups[0]:
        rec.append([g["momentum"] for g in groups])
    if "betas" in groups[0]:
        rec.append([g["betas"][0] for g in groups])
    return rec


def _drive(opt, sched, steps, start=0, metrics=None):
    out = []
    for i in range(start, start + steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        out.append(_record(opt, sched))
    return out


def _build(lib, name):
    if name.startswith("plateau-"):
        opt = _opt(lib)
        return opt, lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **PLATEAU[name[8:]])
    kind, make = SCHEDULERS[name]
    opt = _opt(lib, kind)
    return opt, make(lib.optim.lr_scheduler, opt)


ALL = list(SCHEDULERS) + [f"plateau-{k}" for k in PLATEAU]


def _metrics(name):
    return METRICS if name.startswith("plateau-") else None


def _assert_close(a, b):
    np.testing.assert_allclose(np.array(a, dtype=float), np.array(b, dtype=float),
                               rtol=1e-12, atol=1e-15)


@requires_torch
@pytest.mark.parametrize("name", ALL)
def test_matches_torch(name):
    ours = _build(ember, name)
    ref = _build(torch, name)
    _assert_close(_record(*ours), _record(*ref))        # after construction
    m = _metrics(name)
    a, b = _drive(*ours, STEPS, metrics=m), _drive(*ref, STEPS, metrics=m)
    for step, (x, y) in enumerate(zip(a, b)):
        assert len(x) == len(y)
        _assert_close(x, y), step
    # the lr actually changed along the way
    assert len({tuple(r[1]) for r in a}) > 1
    # same state_dict entries as torch (the keys a checkpoint holds)
    assert set(ours[1].state_dict()) == set(ref[1].state_dict())


@pytest.mark.parametrize("name", ALL)
def test_state_dict_round_trip(name):
    """15 steps, save optimizer + scheduler, rebuild, load, 20 more == 35 straight."""
    m = _metrics(name)
    opt, sched = _build(ember, name)
    _drive(opt, sched, 15, metrics=m)
    osd = copy.deepcopy(opt.state_dict())
    ssd = copy.deepcopy(sched.state_dict())
    straight = _drive(opt, sched, 20, start=15, metrics=m)

    opt2, sched2 = _build(ember, name)
    opt2.load_state_dict(osd)
    sched2.load_state_dict(ssd)
    resumed = _drive(opt2, sched2, 20, start=15, metrics=m)
    assert resumed == straight


@requires_torch
def test_one_cycle_too_many_steps():
    for lib in (ember, torch):
        opt = _opt(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(3):
                opt.step()
                sched.step()
            with pytest.raises(ValueError, match="Tried to step 4 times"):
                sched.step()


@requires_torch
def test_step_with_epoch_uses_closed_form():
    res = []
    for lib in (ember, torch):
        opt = _opt(lib)
        sched = lib.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 5], gamma=0.1)
        with pytest.warns(UserWarning):
            sched.step(6)
        res.append(sched.get_last_lr())
        opt = _opt(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
        for e in (0.5, 1.5, 4.25, 10.0):
            sched.step(e)
            res.append(sched.get_last_lr())
    n = len(res) // 2
    _assert_close(res[:n], res[n:])


def test_initial_lr_and_resume():
    opt = _opt(ember)
    sched = ember.optim.lr_scheduler.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert sched.base_lrs == [0.1, 0.01] and sched.last_epoch == 0
    with pytest.raises(KeyError, match="initial_lr"):
        ember.optim.lr_scheduler.StepLR(_opt(ember), step_size=2, last_epoch=3)
    resumed = ember.optim.lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)
    assert resumed.last_epoch == 4


def test_warnings():
    opt = _opt(ember)
    sched = ember.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    opt = _opt(ember)
    sched = ember.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [0.05, 0.005]


def test_bad_arguments():
    L = ember.optim.lr_scheduler
    opt = _opt(ember)
    with pytest.raises(TypeError, match="not an Optimizer"):
        L.StepLR("sgd", step_size=2)
    with pytest.raises(ValueError, match="factor"):
        L.ConstantLR(opt, factor=2.0)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        L.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="T_0"):
        L.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="total_steps"):
        L.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="pct_start"):
        L.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=2.0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        L.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="same length"):
        L.OneCycleLR(opt, max_lr=[1.0], total_steps=10)
    with pytest.raises(ValueError, match="momentum"):
        L.CyclicLR(_opt(ember, "Adagrad"), 0.01, 0.1)
    with pytest.raises(ValueError, match="mode"):
        L.CyclicLR(opt, 0.01, 0.1, mode="square")
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        L.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="Factor"):
        L.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="unknown"):
        L.ReduceLROnPlateau(opt, mode="middle")
    with pytest.raises(ValueError, match="min_lrs"):
        L.ReduceLROnPlateau(opt, min_lr=[0.1])
    with pytest.raises(ValueError, match="milestones"):
        L.SequentialLR(opt, [L.StepLR(opt, 2), L.StepLR(opt, 3)], milestones=[])
    other = _opt(ember)
    with pytest.raises(ValueError, match="same optimizer"):
        L.ChainedScheduler([L.StepLR(opt, 2), L.StepLR(other, 3)])
