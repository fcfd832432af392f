"""The NumPy/CuPy seam: device objects, array-module dispatch, clear errors without a GPU,
and (only where CuPy and a GPU exist) a handful of ops on CUDA against the CPU results."""
import numpy as np
import pytest

import ember
from ember import backend

HAVE_CUDA = ember.cuda.is_available()
needs_cuda = pytest.mark.skipif(not HAVE_CUDA, reason="no CUDA device (CuPy + NVIDIA GPU) here")


def test_devices_parse_and_compare():
    assert ember.device("cpu") == "cpu"
    d = ember.device("cuda:1")
    assert (d.type, d.index) == ("cuda", 1) and str(d) == "cuda:1"
    assert ember.device("cuda", 0) == ember.device("cuda:0")
    assert repr(ember.device("cpu")) == "device(type='cpu')"
    with pytest.raises(RuntimeError):
        ember.device("tpu")


def test_cpu_arrays_use_numpy():
    t = ember.ones(3)
    assert backend.array_module(t._data) is np
    assert backend.module_for_device(ember.device("cpu")) is np
    assert t.device == ember.device("cpu") and t.is_cpu and not t.is_cuda
    assert t.get_device() == -1


def test_to_same_device_is_identity_and_cpu_noop():
    t = ember.randn(2, 2, requires_grad=True)
    assert t.to("cpu") is t and t.cpu() is t
    assert t.to(ember.device("cpu"), ember.float32) is t


@pytest.mark.skipif(HAVE_CUDA, reason="checks the no-GPU error path")
def test_cuda_unavailable_is_a_clear_error():
    assert not ember.cuda.is_available() and ember.cuda.device_count() == 0
    assert ember.accelerator.current_accelerator() is None
    assert not ember.accelerator.is_available()
    with pytest.raises(RuntimeError, match="CUDA"):
        ember.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="CUDA"):
        ember.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="CUDA"):
        ember.ones(2).cuda()
    lin = ember.nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="CUDA"):
        lin.to("cuda")
    # the module was not half-moved
    assert all(p.device == ember.device("cpu") for p in lin.parameters())


def test_tutorial_device_idiom_runs_on_cpu():
    device = ember.device("cuda" if ember.cuda.is_available() else "cpu")
    acc = ember.accelerator.current_accelerator()
    device2 = acc if acc is not None else ember.device("cpu")
    x = ember.randn(3, device=device)
    assert x.device == device == device2 or HAVE_CUDA


@needs_cuda
@pytest.mark.parametrize("fn", [
    lambda t, x, y: (x @ y).relu().sum(),
    lambda t, x, y: t.softmax(x * 3, 1).log().mean(),
    lambda t, x, y: (x.exp() + y.sin()).max(0).values.sum(),
    lambda t, x, y: t.nn.functional.conv2d(x.reshape(1, 1, 4, 4), y.reshape(1, 1, 4, 4)[..., :3,
                                                                                         :3]).sum(),
])
def test_ops_on_cuda_match_cpu(fn):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    xc, yc = ember.tensor(a, requires_grad=True), ember.tensor(b)
    xg = ember.tensor(a, device="cuda", requires_grad=True)
    yg = ember.tensor(b, device="cuda")
    rc, rg = fn(ember, xc, yc), fn(ember, xg, yg)
    rc.backward()
    rg.backward()
    assert rg.device.type == "cuda" and xg.grad.device.type == "cuda"
    np.testing.assert_allclose(rg.cpu().item(), rc.item(), rtol=1e-6)
    np.testing.assert_allclose(xg.grad.cpu().numpy(), xc.grad.numpy(), rtol=1e-5, atol=1e-7)


@needs_cuda
def test_mixed_devices_raise():
    with pytest.raises(RuntimeError, match="same device"):
        ember.ones(3) + ember.ones(3, device="cuda")
