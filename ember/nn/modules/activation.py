"""Activation layers: thin modules over :mod:`ember.nn.functional`, with PyTorch's
constructor signatures, attributes and ``repr``."""
from __future__ import annotations

from ... import _creation
from ..._tensor import Tensor
from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
           "Sigmoid", "Tanh", "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softsign",
           "Softmax", "LogSoftmax", "Softmin", "Softmax2d", "Threshold", "LogSigmoid",
           "Tanhshrink", "Hardshrink", "Softshrink", "GLU", "RReLU"]


def _ip(inplace: bool, first: bool = False) -> str:
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class _Inplace(Module):
    """An activation whose only option is ``inplace``."""

    _fn = None

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _ip(self.inplace, True)


class ReLU(_Inplace):
    """``max(x, 0)``. Shape: any → same."""

    _fn = staticmethod(F.relu)


class SELU(_Inplace):
    """Self-normalising ELU. Shape: any → same."""

    _fn = staticmethod(F.selu)


class SiLU(_Inplace):
    """``x * sigmoid(x)``. Shape: any → same."""

    _fn = staticmethod(F.silu)


class Mish(_Inplace):
    """``x * tanh(softplus(x))``. Shape: any → same."""

    _fn = staticmethod(F.mish)


class Hardswish(_Inplace):
    """``x * relu6(x + 3) / 6``. Shape: any → same."""

    _fn = staticmethod(F.hardswish)

    def extra_repr(self) -> str:     # PyTorch does not show inplace here
        return ""


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6``. Shape: any → same."""

    _fn = staticmethod(F.hardsigmoid)

    def extra_repr(self) -> str:
        return ""


class Hardtanh(Module):
    """Clamp to ``[min_val, max_val]``. Shape: any → same."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value=None, max_value=None):
        super().__init__()
        if min_value is not None:     # PyTorch's deprecated keyword names
            min_val = min_value
        if max_value is not None:
            max_val = max_value
        if max_val <= min_val:
            raise AssertionError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                                 f"({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_ip(self.inplace)}"


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``. Shape: any → same."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _ip(self.inplace, True)


class LeakyReLU(Module):
    """``x`` where positive, else ``negative_slope * x``. Shape: any → same."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_ip(self.inplace)}"


class PReLU(Module):
    """Leaky ReLU with a learnable slope: one shared (``num_parameters=1``) or one per channel
    (dim 1 of the input). Shape: (N, C, *) → same. ``weight`` starts at ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        from .. import init
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """``x`` where positive, else ``alpha * (exp(x) - 1)``. Shape: any → same."""

    _fn = staticmethod(F.elu)

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_ip(self.inplace)}"


class CELU(ELU):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``. Shape: any → same."""

    _fn = staticmethod(F.celu)


class GELU(Module):
    """Gaussian error linear unit (``approximate='none'`` or ``'tanh'``). Shape: any → same."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class _NoOption(Module):
    _fn = None

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input)


class Sigmoid(_NoOption):
    """``1 / (1 + exp(-x))``. Shape: any → same."""

    _fn = staticmethod(F.sigmoid)


class Tanh(_NoOption):
    """Hyperbolic tangent. Shape: any → same."""

    _fn = staticmethod(F.tanh)


class Softsign(_NoOption):
    """``x / (1 + |x|)``. Shape: any → same."""

    _fn = staticmethod(F.softsign)


class LogSigmoid(_NoOption):
    """``log(sigmoid(x))``, stable. Shape: any → same."""

    _fn = staticmethod(F.logsigmoid)


class Tanhshrink(_NoOption):
    """``x - tanh(x)``. Shape: any → same."""

    _fn = staticmethod(F.tanhshrink)


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta`` (linear above ``threshold``). Shape: any → same."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class _SoftmaxBase(Module):
    _fn = None

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """Softmax along ``dim``. Shape: any → same."""

    _fn = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxBase):
    """Log-softmax along ``dim``. Shape: any → same."""

    _fn = staticmethod(F.log_softmax)


class Softmin(_SoftmaxBase):
    """Softmax of ``-x`` along ``dim``. Shape: any → same."""

    _fn = staticmethod(F.softmin)


class Softmax2d(Module):
    """Softmax over the channels at every spatial location. Shape: (N, C, H, W) or (C, H, W)
    → same."""

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise AssertionError(f"Softmax2d: expected input to be 3D or 4D, got "
                                 f"{input.dim()}D instead (shape {list(input.shape)})")
        return F.softmax(input, -3)


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``. Shape: any → same."""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_ip(self.inplace)}"


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0. Shape: any → same."""

    _fn = staticmethod(F.hardshrink)

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """Shrink toward 0 by ``lambd`` (0 inside ``[-lambd, lambd]``). Shape: any → same."""

    _fn = staticmethod(F.softshrink)


class GLU(Module):
    """Gated linear unit along ``dim``. Shape: (*, 2M, *) → (*, M, *)."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class RReLU(Module):
    """Randomised leaky ReLU: random slopes in ``[lower, upper]`` in training, their mean in
    evaluation. Shape: any → same."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_ip(self.inplace)}"
