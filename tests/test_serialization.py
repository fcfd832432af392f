"""ember.save / ember.load (PyTorch's zip format, both directions), safety and safetensors."""
import collections
import io
import json
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

import ember
from ember.serialization import CheckpointError, ForbiddenGlobalError
from ember.serialization import safetensors as st
from ember.serialization._torch_zip import ZipWriter
from conftest import requires_torch

DTYPES = [ember.float32, ember.float64, ember.float16, ember.bfloat16, ember.int64, ember.int32,
          ember.int16, ember.int8, ember.uint8, ember.bool, ember.complex64, ember.complex128]


def _sample(dtype, shape=(3, 4)):
    arr = np.arange(int(np.prod(shape))).reshape(shape)
    if dtype is ember.bool:
        arr = arr % 3 == 0
    elif dtype.is_complex:
        arr = arr + 1j * arr[::-1]
    elif dtype.is_floating_point:
        arr = arr / 7 - 0.5
    return ember.tensor(arr.tolist(), dtype=dtype)


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    x, y = a.numpy(), b.numpy()
    if a.dtype is ember.bfloat16:
        x, y = x.astype(np.float32), y.astype(np.float32)
    np.testing.assert_array_equal(x, y)


def _needs(*names):
    """Skip when another part of Ember this test leans on (nn layers, optim) is not built yet."""
    for name in names:
        obj = ember
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if obj is None:
            pytest.skip(f"ember.{name} is not available yet")


def _roundtrip(obj, **kw):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **kw)


# ------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_roundtrip_dtypes(dtype):
    t = _sample(dtype)
    _same(_roundtrip(t), t)


def test_roundtrip_nested_containers(tmp_path):
    a = ember.randn(2, 3)
    obj = {"state": collections.OrderedDict(w=a, b=ember.zeros(3)),
           "list": [1, 2.5, "x", None, True, (ember.ones(2), b"raw")],
           "size": ember.Size([2, 3]), "dtype": ember.float16, "dev": ember.device("cpu"),
           "set": {1, 2}, "fs": frozenset({3}), "c": 1 + 2j, "big": 2 ** 70, "sl": slice(1, 5)}
    path = tmp_path / "ckpt.pt"
    ember.save(obj, path)
    r = ember.load(path)
    assert isinstance(r["state"], collections.OrderedDict) and list(r["state"]) == ["w", "b"]
    _same(r["state"]["w"], a)
    assert r["list"][:5] == [1, 2.5, "x", None, True]
    assert r["list"][5][1] == b"raw"
    _same(r["list"][5][0], ember.ones(2))
    assert r["size"] == (2, 3) and isinstance(r["size"], ember.Size)
    assert r["dtype"] is ember.float16 and r["dev"] == ember.device("cpu")
    assert r["set"] == {1, 2} and r["fs"] == frozenset({3}) and r["c"] == 1 + 2j
    assert r["big"] == 2 ** 70 and r["sl"] == slice(1, 5)


def test_views_stay_shared_and_layouts_survive():
    base = ember.arange(12.).reshape(3, 4)
    obj = {"base": base, "row": base[1], "t": base.t(), "flip": base.flip(0),
           "exp": ember.ones(1, 4).expand(3, 4), "empty": ember.zeros(0, 3),
           "scalar": ember.tensor(2.5)}
    r = _roundtrip(obj)
    for k in obj:
        _same(r[k], obj[k])
    r["base"].numpy()[1, 0] = 100.0  # views saved together share memory after loading
    assert r["row"][0].item() == 100.0 and r["t"][0, 1].item() == 100.0
    assert r["flip"][1, 0].item() == 4.0  # the flipped view was saved as its own copy


def test_requires_grad_and_parameters_roundtrip():
    _needs("nn.Parameter")
    p = ember.nn.Parameter(ember.randn(3))
    g = ember.randn(2).requires_grad_()
    r = _roundtrip({"p": p, "g": g})
    assert isinstance(r["p"], ember.nn.Parameter) and r["p"].requires_grad
    assert r["g"].requires_grad and r["g"].is_leaf
    _same(r["p"].detach(), p.detach())


def test_module_state_dict_roundtrip(tmp_path):
    _needs("nn.Sequential", "nn.Linear", "nn.ReLU")
    net = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 2))
    ember.save(net.state_dict(), tmp_path / "m.pt")
    net2 = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 2))
    net2.load_state_dict(ember.load(tmp_path / "m.pt"))
    x = ember.randn(5, 4)
    _same(net(x).detach(), net2(x).detach())


def test_optimizer_state_roundtrip():
    _needs("optim.Adam")
    w = ember.nn.Parameter(ember.randn(3))
    opt = ember.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    sd = opt.state_dict()
    r = _roundtrip(sd)
    assert r["param_groups"][0]["lr"] == 0.1
    for k, v in sd["state"][0].items():
        if isinstance(v, ember.Tensor):
            _same(r["state"][0][k], v)
        else:
            assert r["state"][0][k] == v


def test_file_objects_and_streams(tmp_path):
    t = ember.randn(4)
    with open(tmp_path / "f.pt", "wb") as f:
        ember.save(t, f)
    with open(tmp_path / "f.pt", "rb") as f:
        _same(ember.load(f), t)

    class Stream(io.RawIOBase):  # a non-seekable reader
        def __init__(self, data):
            self._b = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._b.readinto(b)
    _same(ember.load(Stream((tmp_path / "f.pt").read_bytes())), t)
    with pytest.raises(TypeError, match="text mode"):
        with open(tmp_path / "f.pt", "r") as f:
            ember.load(f)


def test_mmap_load(tmp_path):
    t = ember.randn(64, 8)
    ember.save({"t": t}, tmp_path / "m.pt")
    r = ember.load(tmp_path / "m.pt", mmap=True)
    _same(r["t"], t)
    r["t"].numpy()[0, 0] = 123.0  # copy-on-write: the file is unchanged
    _same(ember.load(tmp_path / "m.pt")["t"], t)


def test_records_are_64_byte_aligned(tmp_path):
    ember.save({"a": ember.randn(5), "b": ember.arange(7)}, tmp_path / "a.pt")
    raw = (tmp_path / "a.pt").read_bytes()
    zf = zipfile.ZipFile(tmp_path / "a.pt")
    names = zf.namelist()
    assert "archive/data.pkl" in names and "archive/version" in names
    assert zf.read("archive/byteorder") == b"little"
    for info in zf.infolist():
        n, e = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
        assert (info.header_offset + 30 + n + e) % 64 == 0, info.filename


# ------------------------------------------------------------------------------ map_location
def _cuda_checkpoint(tmp_path):
    """A checkpoint whose storages claim to live on cuda:0 (as a GPU machine would write)."""
    src = tmp_path / "cpu.pt"
    ember.save({"w": ember.arange(4.)}, src)
    zf = zipfile.ZipFile(src)
    out = tmp_path / "cuda.pt"
    with open(out, "wb") as f:
        w = ZipWriter(f)
        for info in zf.infolist():
            data = zf.read(info.filename)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            w.write_record(info.filename.split("/", 1)[1], data)
        w.close()
    return out


@pytest.mark.skipif(ember.cuda.is_available(), reason="checks the CPU-only behaviour")
def test_cuda_checkpoint_on_cpu_machine(tmp_path):
    path = _cuda_checkpoint(tmp_path)
    with pytest.raises(RuntimeError, match="map_location"):
        ember.load(path)
    for ml in ("cpu", ember.device("cpu"), {"cuda:0": "cpu"},
               lambda storage, loc: storage):
        r = ember.load(path, map_location=ml)
        assert r["w"].device == ember.device("cpu")
        _same(r["w"], ember.arange(4.))
    seen = []
    ember.load(path, map_location=lambda s, loc: seen.append(loc) or s)
    assert seen == ["cuda:0"]


# ------------------------------------------------------------------------------ safety
class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def _evil_zip(path, payload):
    with open(path, "wb") as f:
        w = ZipWriter(f)
        w.write_record("data.pkl", payload)
        w.write_record("version", b"3\n")
        w.close()


@pytest.mark.parametrize("weights_only", [True, False])
def test_forbidden_global_raises_and_runs_nothing(tmp_path, weights_only):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"x": _Evil(marker)}, protocol=2)
    _evil_zip(tmp_path / "evil.pt", payload)
    with pytest.raises(pickle.UnpicklingError, match=r"system") as info:
        ember.load(tmp_path / "evil.pt", weights_only=weights_only)
    assert isinstance(info.value, ForbiddenGlobalError)
    assert "evil.pt" in str(info.value)
    (tmp_path / "raw.pkl").write_bytes(b"\x80\x02" + payload[2:])  # a plain (legacy) pickle
    with pytest.raises(pickle.UnpicklingError):
        ember.load(tmp_path / "raw.pkl")
    assert not marker.exists()


def test_forbidden_opcode_and_non_allowlisted_class(tmp_path):
    _evil_zip(tmp_path / "a.pt", pickle.dumps(collections.Counter(a=1), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="collections.Counter"):
        ember.load(tmp_path / "a.pt")
    _evil_zip(tmp_path / "b.pt", b"(cos\nsystem\nS'true'\no.")  # protocol-0 INST/OBJ
    with pytest.raises(pickle.UnpicklingError):
        ember.load(tmp_path / "b.pt")
    # opt-in: a declared safe global is allowed
    with ember.serialization.safe_globals([collections.Counter]):
        assert ember.load(tmp_path / "a.pt") == collections.Counter(a=1)
    with pytest.raises(pickle.UnpicklingError):
        ember.load(tmp_path / "a.pt")


def test_whole_module_save_loads_only_with_a_clear_error(tmp_path):
    _needs("nn.Linear")
    ember.save(ember.nn.Linear(2, 2), tmp_path / "m.pt")
    with pytest.raises(pickle.UnpicklingError, match="ember.nn"):
        ember.load(tmp_path / "m.pt", weights_only=False)


def _good_file(tmp_path):
    path = tmp_path / "good.pt"
    ember.save({"w": ember.randn(50, 20), "b": ember.arange(10), "meta": {"step": 3}}, path)
    return path, path.read_bytes()


def test_truncated_files_raise_cleanly(tmp_path):
    _, raw = _good_file(tmp_path)
    bad = tmp_path / "trunc.pt"
    for cut in [0, 1, 4, 30, 100, len(raw) // 3, len(raw) // 2, len(raw) - 100, len(raw) - 1]:
        bad.write_bytes(raw[:cut])
        with pytest.raises(CheckpointError, match="trunc.pt"):
            ember.load(bad)


def test_byte_flips_raise_cleanly(tmp_path):
    _, raw = _good_file(tmp_path)
    rng = np.random.default_rng(0)
    bad = tmp_path / "flip.pt"
    for pos in rng.integers(0, len(raw), size=60):
        data = bytearray(raw)
        data[pos] ^= 1 << int(rng.integers(0, 8))
        bad.write_bytes(bytes(data))
        try:
            ember.load(bad)  # a flip in padding/unused header bytes may be harmless
        except (CheckpointError, pickle.UnpicklingError) as e:
            assert "flip.pt" in str(e)


def test_garbage_and_out_of_bounds_tensor_record(tmp_path):
    (tmp_path / "g.pt").write_bytes(b"hello, not a checkpoint")
    with pytest.raises(CheckpointError, match="g.pt"):
        ember.load(tmp_path / "g.pt")
    # a tensor whose size reaches past its storage must never become an out-of-bounds view
    buf = io.BytesIO()
    ember.save(ember.arange(4.), buf)
    zf = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    pkl = zf.read("archive/data.pkl")
    assert b"K\x04\x85" in pkl  # size (4,)
    with open(tmp_path / "oob.pt", "wb") as f:
        w = ZipWriter(f)
        for info in zf.infolist():
            data = zf.read(info.filename)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"K\x04\x85", b"K\xff\x85", 1)
            w.write_record(info.filename.split("/", 1)[1], data)
        w.close()
    with pytest.raises(CheckpointError, match="past the end"):
        ember.load(tmp_path / "oob.pt")


def test_atomic_save_keeps_previous_file(tmp_path, monkeypatch):
    path, raw = _good_file(tmp_path)

    def boom(self, name, data):
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(ZipWriter, "write_record", boom)
    with pytest.raises(OSError, match="simulated"):
        ember.save({"new": ember.ones(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == raw
    assert sorted(os.listdir(tmp_path)) == ["good.pt"]  # no temporary file left behind
    ember.save({"new": ember.ones(3)}, path)
    assert list(ember.load(path)) == ["new"]
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~_umask()


def _umask():
    old = os.umask(0)
    os.umask(old)
    return old


# ------------------------------------------------------------------------------ PyTorch interop
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_torch_loads_ember_files(tmp_path, dtype):
    import torch
    t = _sample(dtype)
    ember.save({"t": t, "row": t[1], "tt": t.t()}, tmp_path / "e.pt")
    r = torch.load(tmp_path / "e.pt", weights_only=True)
    if dtype is ember.bfloat16:
        ref = torch.tensor(t.float().numpy()).bfloat16()
    else:
        ref = torch.from_numpy(t.numpy().copy())
    assert torch.equal(r["t"], ref) and torch.equal(r["row"], ref[1])
    assert torch.equal(r["tt"], ref.t())
    assert r["row"].untyped_storage().data_ptr() == r["t"].untyped_storage().data_ptr()
    r2 = torch.load(tmp_path / "e.pt", weights_only=True, mmap=True)
    assert torch.equal(r2["t"], ref)


@requires_torch
def test_ember_loads_torch_files(tmp_path):
    import torch
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(torch.randn(8, 4)).sum().backward()
    opt.step()
    base = torch.arange(12.).reshape(3, 4)
    obj = {"model": net.state_dict(), "opt": opt.state_dict(), "param": torch.nn.Parameter(
        torch.ones(2)), "bf16": torch.randn(3).bfloat16(), "view": base[:, 1], "base": base,
        "size": torch.Size([2]), "dtype": torch.int8, "epoch": 3}
    torch.save(obj, tmp_path / "t.pt")
    r = ember.load(tmp_path / "t.pt")
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(r["model"][k].numpy(), v.numpy())
    assert r["model"]._metadata == net.state_dict()._metadata
    mom = opt.state_dict()["state"][0]["momentum_buffer"]
    np.testing.assert_array_equal(r["opt"]["state"][0]["momentum_buffer"].numpy(), mom.numpy())
    assert r["opt"]["param_groups"][0]["lr"] == 0.1
    assert isinstance(r["param"], ember.nn.Parameter) and r["param"].requires_grad
    np.testing.assert_array_equal(r["bf16"].float().numpy(), obj["bf16"].float().numpy())
    np.testing.assert_array_equal(r["view"].numpy(), base[:, 1].numpy())
    assert r["view"].stride() == (4,)
    r["base"].numpy()[0, 1] = -1.0
    assert r["view"][0].item() == -1.0  # shared storage preserved
    assert r["size"] == (2,) and r["dtype"] is ember.int8 and r["epoch"] == 3
    # a PyTorch-written state_dict drives the same Ember model to the same outputs
    _needs("nn.Sequential", "nn.Linear", "nn.BatchNorm1d")
    emb = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.BatchNorm1d(3))
    emb.load_state_dict(ember.load(tmp_path / "t.pt")["model"])
    emb.eval()
    net.eval()
    x = torch.randn(5, 4)
    np.testing.assert_allclose(emb(ember.tensor(x.numpy())).detach().numpy(),
                               net(x).detach().numpy(), rtol=1e-5, atol=1e-6)


@requires_torch
def test_ember_reads_torch_legacy_format(tmp_path):
    import torch
    base = torch.arange(6.).reshape(2, 3)
    torch.save({"a": base, "b": base[1], "i": torch.tensor([1, 2])}, tmp_path / "l.pt",
               _use_new_zipfile_serialization=False)
    r = ember.load(tmp_path / "l.pt")
    np.testing.assert_array_equal(r["a"].numpy(), base.numpy())
    np.testing.assert_array_equal(r["b"].numpy(), base[1].numpy())
    assert r["i"].dtype is ember.int64


# ------------------------------------------------------------------------------ safetensors
def test_safetensors_roundtrip(tmp_path):
    tensors = {f"t{i}": _sample(d, (2, 3)) for i, d in enumerate(DTYPES) if d is not
               ember.complex128}
    tensors["scalar"] = ember.tensor(1.5)
    tensors["empty"] = ember.zeros(0, 4)
    tensors["strided"] = ember.arange(12.).reshape(3, 4).t()
    st.save_file(tensors, tmp_path / "m.safetensors", metadata={"format": "pt"})
    r = st.load_file(tmp_path / "m.safetensors")
    assert set(r) == set(tensors)
    for k in tensors:
        _same(r[k], tensors[k].contiguous())
    with st.safe_open(tmp_path / "m.safetensors", framework="pt") as f:
        assert f.metadata() == {"format": "pt"}
        _same(f.get_tensor("t0"), tensors["t0"])
    raw = (tmp_path / "m.safetensors").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    assert header["t0"] == {"dtype": "F32", "shape": [2, 3],
                            "data_offsets": header["t0"]["data_offsets"]}
    assert n % 8 == 0 and header["__metadata__"] == {"format": "pt"}
    r2 = st.load(st.save(tensors))
    _same(r2["t1"], tensors["t1"])
    assert ember.utils.safetensors is st


def test_safetensors_bad_files(tmp_path):
    data = st.save({"a": ember.randn(10), "b": ember.arange(3)})
    for cut in (0, 5, 8, 20, len(data) - 1):
        (tmp_path / "x.safetensors").write_bytes(data[:cut])
        with pytest.raises(st.SafetensorError, match="x.safetensors"):
            st.load_file(tmp_path / "x.safetensors")
    with pytest.raises(st.SafetensorError):
        st.load(data.replace(b'"F32"', b'"F99"'))
    with pytest.raises(TypeError):
        st.save({"a": [1, 2]})


def test_safetensors_interop():
    pytest.importorskip("safetensors")
    from safetensors.numpy import load as np_load
    from safetensors.numpy import save as np_save
    t = {"a": ember.randn(3, 2), "b": ember.arange(5)}
    back = np_load(st.save(t))
    np.testing.assert_array_equal(back["a"], t["a"].numpy())
    r = st.load(np_save({"x": np.arange(6, dtype=np.int16).reshape(2, 3)}))
    assert r["x"].dtype is ember.int16 and r["x"].shape == (2, 3)


@requires_torch
def test_torch_loads_ember_parameters_devices_and_tensor_attributes(tmp_path):
    import torch
    _needs("nn.Parameter")
    t = ember.ones(2)
    t.tag = "x"  # a user attribute travels through _rebuild_from_type_v2
    obj = {"p": ember.nn.Parameter(ember.randn(2)), "t": t, "d": ember.device("cpu"),
           "s": {1, 2}, "b": b"ab", "c": 1 + 2j}
    ember.save(obj, tmp_path / "x.pt")
    r = torch.load(tmp_path / "x.pt", weights_only=True)
    assert isinstance(r["p"], torch.nn.Parameter) and r["p"].requires_grad
    assert r["t"].tag == "x" and r["d"] == torch.device("cpu")
    assert r["s"] == {1, 2} and r["b"] == b"ab" and r["c"] == 1 + 2j
    assert ember.load(tmp_path / "x.pt")["t"].tag == "x"
