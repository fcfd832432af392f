"""Ember: PyTorch's programming model on NumPy (CPU) and CuPy (NVIDIA GPUs).

``import ember as torch`` runs PyTorch tutorial code unchanged.
"""
from __future__ import annotations

import warnings as _warnings

from . import _dtype

# NumPy's floating-point warnings (log(0), 0/0, sqrt(-1)) are NaN/inf results in PyTorch, not
# warnings; they are raised at the op's call site, so this filter only covers Ember's modules.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember(\.|$)")
from ._creation import (arange, as_tensor, asarray, bernoulli, empty, empty_like, eye, from_dlpack,
                        from_numpy, full, full_like, linspace, logspace, multinomial, normal,
                        ones, ones_like, poisson, rand, rand_like, randint, randint_like, randn,
                        randn_like, randperm, scalar_tensor, tensor, zeros, zeros_like)
from ._creation import range as range  # noqa: A004 - PyTorch's deprecated inclusive range
from ._device import device, get_default_device, set_default_device
from ._dtype import (bfloat16, bool_ as bool, cdouble, cfloat, complex64, complex128,  # noqa: A004
                     double, dtype, finfo, float16, float32, float64, get_default_dtype, half,
                     iinfo, int8, int16, int32, int64, long, promote_types, result_type,
                     set_default_dtype, short, uint8)
from ._dtype import float as float  # noqa: A004
from ._dtype import int as int  # noqa: A004
from ._formatting import set_printoptions
from ._random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                      seed, set_rng_state)
from ._state import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                     no_grad, set_grad_enabled)
from ._tensor import Size, Tensor
from . import ops as _ops
from .ops import *  # noqa: F401,F403 - every registered op is public
from .ops.misc import (broadcast_shapes, can_cast, is_nonzero, tril_indices,  # noqa: F401
                       triu_indices)
from . import autograd
from . import linalg  # noqa: F401 - the ember.linalg namespace
from . import nn  # noqa: E402 - after the core it builds on
from . import cuda, accelerator, backends, random, testing  # noqa: F401
from .serialization import save, load  # noqa: E402
from . import utils  # noqa: E402,F401
from . import optim  # noqa: E402,F401 - optimizers and lr schedulers
from . import vision  # noqa: E402,F401 - torchvision's datasets/transforms/io/utils
from . import distributions  # noqa: E402,F401
from . import hub, multiprocessing  # noqa: E402,F401

__version__ = "0.1.0"

FloatTensor = DoubleTensor = LongTensor = Tensor  # legacy constructor names (isinstance works)


def is_tensor(obj) -> bool:
    """Whether ``obj`` is an Ember tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.dtype.is_floating_point


def is_complex(input: Tensor) -> bool:
    return input.dtype.is_complex


def numel(input: Tensor) -> int:
    return input.numel()


def set_default_tensor_type(t) -> None:
    set_default_dtype({"torch.FloatTensor": float32, "torch.DoubleTensor": float64}.get(t, t))


def compile(model=None, **kwargs):
    """No-op stand-in for ``torch.compile``: returns the model/function unchanged."""
    if model is None:
        return lambda m: m
    return model


def use_deterministic_algorithms(mode: bool, warn_only: bool = False) -> None:
    """Accepted for compatibility: Ember's CPU kernels are deterministic."""


def set_num_threads(n: int) -> None:
    """Number of threads for BLAS-backed work (matrix products, convolutions)."""
    from .backend import threads
    threads.set_num_threads(n)


def get_num_threads() -> int:
    from .backend import threads
    return threads.get_num_threads()
