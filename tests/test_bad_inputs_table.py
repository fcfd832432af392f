"""One case per row of shared/BAD_INPUTS.md: PyTorch's exception type, a message naming what
is wrong, and (for in-place rows) the tensor left unchanged."""
import io
import os
import pickle
import tempfile

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F


def _leaf():
    return ember.ones(3, requires_grad=True)


def row5():
    a = ember.zeros(3)
    try:
        a.add_(ember.ones(2, 3))
    finally:
        assert a.tolist() == [0.0, 0.0, 0.0]


def row8():
    a = ember.zeros(3, dtype=ember.int64)
    try:
        a.add_(ember.tensor([0.5, 0.5, 0.5]))
    finally:
        assert a.tolist() == [0, 0, 0]


def row31():
    x = _leaf()
    y = (x * x).sum()
    y.backward()
    y.backward()


def row32():
    x = _leaf()
    y = x.exp()
    y.add_(1)
    y.sum().backward()


def row33():
    _leaf().add_(1)


def row37():
    _leaf().grad = ember.ones(4)


def row38():
    nn.Linear(3, 2).load_state_dict({"weight": ember.zeros(2, 2), "extra": ember.zeros(1)})


def row40():
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([float("inf"), 1.0])
    nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def row41():
    with ember.autograd.detect_anomaly():
        x = ember.tensor([-1.0, 1.0], requires_grad=True)
        x.sqrt().sum().backward()


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def row43():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "evil.pt")
        with open(path, "wb") as f:
            pickle.dump({"x": _Evil()}, f)
        ember.load(path)


def row44():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ckpt.pt")
        ember.save({"w": ember.randn(100)}, path)
        data = open(path, "rb").read()
        with open(path, "wb") as f:
            f.write(data[: len(data) // 2])
        ember.load(path)


ROWS = {
    1: (RuntimeError, r"2x3 and 4x5", lambda: ember.randn(2, 3) @ ember.randn(4, 5)),
    2: (RuntimeError, r"batch", lambda: ember.randn(2, 3, 4) @ ember.randn(3, 4, 5)),
    3: (RuntimeError, r"3.*4|4.*3", lambda: ember.randn(3) @ ember.randn(4)),
    4: (RuntimeError, r"\(3\).*\(4\).*dimension 1|non-singleton dimension 1",
        lambda: ember.randn(2, 3) + ember.randn(2, 4)),
    5: (RuntimeError, r"\[3\].*\[2, 3\]", row5),
    6: (RuntimeError, r"expanded size.*\(4\).*\(3\)", lambda: ember.randn(3).expand(2, 4)),
    7: (RuntimeError, r"float32.*float64|float64.*float32",
        lambda: ember.randn(2, 2) @ ember.randn(2, 2, dtype=ember.float64)),
    8: (RuntimeError, r"float32.*int64", row8),
    9: (RuntimeError, r"CUDA", lambda: ember.ones(2).to("cuda")),
    10: (IndexError, r"index 5.*dim.*0.*size 3|size 3", lambda: ember.randn(3)[5]),
    11: (IndexError, r"range of \[-2, 1\].*got 2", lambda: ember.randn(2, 3).sum(2)),
    12: (IndexError, r"float|tensors used as indices",
         lambda: ember.randn(3)[ember.tensor([0.0, 1.0])]),
    13: (RuntimeError, r"reshape", lambda: ember.randn(3, 4).t().view(12)),
    14: (RuntimeError, r"\[5\].*size 6|size 6", lambda: ember.randn(2, 3).view(5)),
    15: (RuntimeError, r"\[2, 3\].*\[2, 4\]|Sizes of tensors must match",
         lambda: ember.cat([ember.randn(2, 3), ember.randn(3, 4)], 0)),
    16: (RuntimeError, r"stack", lambda: ember.stack([ember.randn(2), ember.randn(3)])),
    17: (RuntimeError, r"negative dimension -1", lambda: ember.zeros(-1, 3)),
    18: (ValueError, r"expected sequence of length 2 at dim 1 \(got 3\)",
         lambda: ember.tensor([[1, 2], [3, 4, 5]])),
    19: (RuntimeError, r"3 channels, but got 4", lambda: nn.Conv2d(3, 6, 5)(ember.randn(1, 4, 8, 8))),
    20: (RuntimeError, r"3D \(unbatched\) or 4D", lambda: nn.Conv2d(3, 6, 5)(ember.randn(8, 8))),
    21: (RuntimeError, r"Kernel size can't be greater",
         lambda: nn.Conv2d(3, 6, 5)(ember.randn(1, 3, 4, 4))),
    22: (ValueError, r"more than 1 value per channel",
         lambda: nn.BatchNorm1d(3)(ember.randn(1, 3))),
    23: (ValueError, r"batch_size \(3\).*batch_size \(4\)",
         lambda: F.cross_entropy(ember.randn(3, 5), ember.tensor([0, 1, 2, 3]))),
    24: (IndexError, r"7", lambda: F.cross_entropy(ember.randn(2, 5), ember.tensor([0, 7]))),
    25: (RuntimeError, r"float|Float|dtype",
         lambda: F.nll_loss(ember.randn(2, 5), ember.tensor([0.0, 1.0]))),
    26: (IndexError, r"10.*\b5\b|\b5\b.*10", lambda: nn.Embedding(5, 2)(ember.tensor([10]))),
    27: (RuntimeError, r"int64|Long", lambda: ember.tensor([1, 2]).mean()),
    28: ((RuntimeError, IndexError), r"empty|zero|0", lambda: ember.tensor([]).max()),
    29: (RuntimeError, r"2 elements|more than one", lambda: ember.tensor([1.0, 2.0]).item()),
    30: (RuntimeError, r"scalar outputs", lambda: (_leaf() * 2).backward()),
    31: (RuntimeError, r"second time", row31),
    32: (RuntimeError, r"inplace operation", row32),
    33: (RuntimeError, r"leaf Variable that requires grad", row33),
    34: (RuntimeError, r"does not require grad", lambda: ember.ones(2).sum().backward()),
    35: (RuntimeError, r"floating point", lambda: ember.tensor([1, 2], requires_grad=True)),
    36: (RuntimeError, r"detach\(\)", lambda: _leaf().numpy()),
    37: (RuntimeError, r"different size", row37),
    38: (RuntimeError, r"(?s)Missing key.*Unexpected key.*size mismatch", row38),
    39: (ValueError, r"empty parameter list", lambda: ember.optim.SGD([], lr=0.1)),
    40: (RuntimeError, r"non-finite|nonfinite", row40),
    41: (RuntimeError, r"SqrtBackward0", row41),
    42: (TypeError, r"object", lambda: ember.tensor(np.array([object()], dtype=object))),
    43: (pickle.UnpicklingError, r"system|os", row43),
    44: (Exception, r"ckpt\.pt", row44),
}


@pytest.mark.parametrize("row", sorted(ROWS))
def test_bad_input_row(row):
    exc, pattern, fn = ROWS[row]
    with pytest.raises(exc, match=pattern):
        fn()


def test_every_row_has_a_case():
    assert sorted(ROWS) == list(range(1, 45))


def test_optimizer_rejects_negative_lr_and_non_tensors():
    with pytest.raises(ValueError, match="learning rate: -1"):
        ember.optim.SGD([_leaf()], lr=-1)
    with pytest.raises(TypeError):
        ember.optim.SGD([1.0], lr=0.1)


def test_loading_never_executes_code(tmp_path):
    marker = tmp_path / "ran"

    class Boom:
        def __reduce__(self):
            return (open, (str(marker), "w"))
    buf = io.BytesIO()
    pickle.dump(Boom(), buf)
    path = tmp_path / "x.pt"
    path.write_bytes(buf.getvalue())
    with pytest.raises(pickle.UnpicklingError):
        ember.load(str(path))
    assert not marker.exists()
