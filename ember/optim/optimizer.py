"""The :class:`Optimizer` base class: parameter groups, state, state_dict and the one update loop.

Every optimizer writes its per-parameter rule once (``_update``); the loop over groups and
parameters, closures, grad mode, version counters and (de)serialisation live here only.
Updates work on the raw arrays (``p._data``) with in-place ufuncs, which NumPy dispatches to
CuPy for GPU tensors, so no autograd graph is built and few temporaries are allocated.
"""
from __future__ import annotations

from collections import OrderedDict, defaultdict
from itertools import chain
from typing import Any, Callable, Iterable

import numpy as np

from .. import _dtype as D
from .. import backend
from .._state import enable_grad, no_grad
from .._tensor import Tensor, _wrap

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a hyper-parameter that every parameter group must give (no default)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj) -> str:
    return f"ember.Tensor (dtype {obj.dtype})" if isinstance(obj, Tensor) else type(obj).__name__


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


def _scalar_state(value: float = 0.0) -> Tensor:
    """A 0-d CPU tensor for scalar state (``step``, ``mu_product``), typed as PyTorch types it."""
    dt = np.float64 if D.get_default_dtype() is D.float64 else np.float32
    return _wrap(np.array(value, dtype=dt))


def _zeros_like(arr) -> Tensor:
    return _wrap(backend.array_module(arr).zeros_like(arr))


def _tick(state: dict) -> float:
    """Advance ``state['step']`` in place and return the new count as a Python float."""
    st = state["step"]
    if not isinstance(st, Tensor):  # old checkpoints stored the count as a Python number
        st = state["step"] = _scalar_state(float(st))
    arr = st._data
    arr += 1
    return float(arr)


def _hp(value) -> float:
    """A hyper-parameter as a Python float (``lr`` may be a 0-d tensor)."""
    return value if type(value) is float else float(value)


def _grad_in(d, g, weight_decay: float, maximize: bool, out):
    """The gradient the rule sees: ``-g`` if maximising, plus L2 weight decay ``wd * p``.

    Written into the scratch array ``out`` when needed; returns ``g`` itself when neither
    applies, so callers must never write into the result.
    """
    if weight_decay:
        np.multiply(d, weight_decay, out=out)
        if maximize:
            np.subtract(out, g, out=out)
        else:
            out += g
        return out
    return np.negative(g, out=out) if maximize else g


def _lerp_(buf, end, weight: float, tmp) -> None:
    """``buf.lerp_(end, weight)`` with the same two-branch formula PyTorch uses for accuracy."""
    np.subtract(end, buf, out=tmp)
    if weight < 0.5:
        tmp *= weight
        buf += tmp
    else:
        tmp *= 1.0 - weight
        np.subtract(end, tmp, out=buf)


def _addcmul_(buf, a, b, value: float, tmp) -> None:
    """``buf += value * a * b`` using ``tmp`` as scratch."""
    np.multiply(a, b, out=tmp)
    if value != 1:
        tmp *= value
    buf += tmp


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter
            groups: ``{"params": [...], **options}``) whose options override ``defaults``.
        defaults: the default hyper-parameters of every group.

    Subclasses implement ``_init_state(p, state, group)`` (called once, when a parameter's state
    is empty) and ``_update(p, grad_array, state, group)`` (one step for one parameter, on raw
    arrays); :meth:`step` runs the loop.
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]):
        if defaults.get("differentiable"):
            raise NotImplementedError(
                "differentiable=True is not supported: Ember's optimizers update parameters in "
                "place outside autograd, so no graph through the update is recorded")
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        self._step_pre_hooks: OrderedDict = OrderedDict()
        self._step_post_hooks: OrderedDict = OrderedDict()
        self._opt_called = False
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {_typename(params)}")
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {_typename(params)}") from None
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (with its own options) to optimise from now on."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        names = None
        if params and isinstance(params[0], tuple):
            # named parameters: [("weight", tensor), ...]
            if not all(isinstance(x, tuple) and len(x) == 2 for x in params):
                raise ValueError("all optimizer params should be either Tensors or "
                                 "(name, Tensor) pairs, not a mix")
            names = [n for n, _ in params]
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{_typename(p)}")
            if not (p.is_leaf or p._retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error", stacklevel=3)
        group = dict(param_group)
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ------------------------------------------------------------------ the loop
    def _tmp(self, arr, slot: int = 0):
        """A scratch array shaped like ``arr`` (contents undefined), reused across parameters
        and steps so the update rules allocate nothing. Slot 1 holds the effective gradient.
        """
        key = (slot, arr.dtype, type(arr), getattr(arr, "device", None))
        bufs = self.__dict__.get("_scratch")
        if bufs is None:
            bufs = self._scratch = {}
        buf = bufs.get(key)
        n = arr.size
        if buf is None or buf.size < n:
            buf = bufs[key] = backend.array_module(arr).empty(n, arr.dtype)
        return buf[:n].reshape(arr.shape)

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        """Create the per-parameter state (called when ``state`` is empty)."""

    def _update(self, p: Tensor, grad, state: dict, group: dict) -> None:
        """Apply one step to ``p._data`` given the raw gradient array ``grad``."""
        raise NotImplementedError

    def step(self, closure: Callable | None = None):
        """Perform one optimisation step.

        Args:
            closure: optional callable that re-evaluates the model and returns the loss; it is
                run with gradients enabled before the update.
        Returns:
            the closure's loss, or None.
        """
        for hook in list(self._step_pre_hooks.values()):
            hook(self, (), {})
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        state_of = self.state
        init, update = self._init_state, self._update
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    g = p._grad
                    if g is None:
                        continue
                    state = state_of.get(p)
                    if state:
                        update(p, g._data, state, group)
                    else:
                        # first step of p: only keep a state entry if the rule made one (as
                        # PyTorch's SGD without momentum has none)
                        state = {} if state is None else state
                        init(p, state, group)
                        update(p, g._data, state, group)
                        if state:
                            state_of[p] = state
                    p._bump()
        self._opt_called = True
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g._grad_fn is not None:
                        g.detach_()
                    else:
                        g._requires_grad = False
                    g._data[...] = 0
                    g._bump()

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook: Callable) -> "_DictHandle":
        """``hook(optimizer, args, kwargs)`` runs before every :meth:`step`."""
        return _DictHandle.add(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> "_DictHandle":
        """``hook(optimizer, args, kwargs)`` runs after every :meth:`step`."""
        return _DictHandle.add(self._step_post_hooks, hook)

    # ------------------------------------------------------------------ state_dict
    def state_dict(self) -> dict:
        """The optimizer's state in PyTorch's layout.

        ``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}`` where a
        parameter's index is its position across all groups. The state tensors are returned by
        reference (as PyTorch does); save or copy them before training on.
        """
        index: dict[int, int] = {}
        groups = []
        nxt = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if id(p) not in index:
                    index[id(p)] = nxt
                    nxt += 1
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state from :meth:`state_dict` (an Ember or PyTorch optimizer's layout).

        Hyper-parameters come from ``state_dict``; parameters stay this optimizer's. State
        tensors are copied onto each parameter's device and dtype (the scalars ``step`` and
        ``mu_product`` stay on the CPU), so later steps never write into ``state_dict``.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict \
                or "param_groups" not in state_dict:
            raise ValueError("optimizer state_dict must be a dict with 'state' and "
                             "'param_groups' keys")
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}) than the optimizer ({len(groups)})")
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group: group {i} has {len(s['params'])} parameters in the "
                    f"state dict but {len(g['params'])} in the optimizer")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            p = id_map.get(k)
            if p is None:
                state[k] = _copy_value(v, None, None)
            else:
                state[p] = _copy_value(v, p, None)
        new_groups = []
        for g, s in zip(groups, saved_groups):
            ng = {k: _copy_value(v, None, k) for k, v in s.items() if k != "params"}
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.state = state
        self.param_groups = new_groups

    # ------------------------------------------------------------------ misc
    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_step_pre_hooks", OrderedDict())
        self.__dict__.setdefault("_step_post_hooks", OrderedDict())
        self.__dict__.setdefault("_opt_called", False)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


_CPU_SCALARS = ("step", "mu_product")


def _copy_value(value, p: Tensor | None, key):
    """Deep-copy a loaded state value, moving tensors to ``p``'s device/dtype (not ``step``)."""
    if isinstance(value, Tensor):
        arr = value._data
        if p is not None:
            if key in _CPU_SCALARS:
                # read as Python floats every step: kept on the CPU, in their own dtype
                arr = backend.to_device(arr, backend.CPU)
            else:
                arr = backend.to_device(arr, p.device)
                if arr.dtype.kind in "fc" and p._data.dtype.kind in "fc":
                    arr = arr.astype(p._data.dtype, copy=False)
        if arr is value._data:
            arr = arr.copy()
        return _wrap(arr)
    if isinstance(value, np.ndarray) and p is not None:
        return _copy_value(_wrap(np.array(value)), p, key)
    if isinstance(value, dict):
        return {k: _copy_value(v, p, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_copy_value(v, p, key) for v in value)
    return value


class _DictHandle:
    """Removes a hook stored in an ordered dict keyed by a running id."""

    _next = 0

    def __init__(self, hooks: dict, key: int):
        self._hooks_dict, self._key = hooks, key

    @classmethod
    def add(cls, hooks: dict, hook: Callable) -> "_DictHandle":
        cls._next += 1
        hooks[cls._next] = hook
        return cls(hooks, cls._next)

    def remove(self) -> None:
        self._hooks_dict.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

