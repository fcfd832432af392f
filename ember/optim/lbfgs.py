"""L-BFGS with an optional strong-Wolfe line search (the minFunc algorithm PyTorch follows).

All parameters are treated as one flat vector; the work is done on raw arrays, the closure is
the only place a graph is built.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import backend
from .._state import enable_grad, no_grad
from .._tensor import Tensor, _wrap
from .optimizer import Optimizer, _check

__all__ = ["LBFGS"]


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clipped to ``bounds``.

    Falls back to the middle of the bounds when the cubic has no real minimiser.
    """
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 ** 2 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(disc)
    if x1 <= x2:
        pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(pos, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """Find a step ``t`` along ``d`` meeting the strong Wolfe conditions.

    ``evaluate(t)`` returns (loss, flat_grad) at ``x + t d``. Returns (f, g, t, evaluations).
    """
    d_norm = abs(d).max()
    g = g.copy()
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = g_new.dot(d)
    # bracketing phase: (t_prev, f_prev, g_prev, gtd_prev) is the last accepted trial point
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    it = 0
    bracket = None
    while it < max_ls:
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= f_prev):
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.copy(), gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket = [[t, f_new, g_new, gtd_new]]
            done = True
            break
        if gtd_new >= 0:
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.copy(), gtd_new]]
            break
        # extrapolate with a cubic step, at least 1% further and at most 10x
        t_next = _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                            bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new.copy(), gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
    if it == max_ls:
        bracket = [[0, f, g, gtd], [t, f_new, g_new, gtd_new]]

    # zoom phase: shrink the bracket until the conditions hold
    insufficient = False
    lo, hi = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    while not done and it < max_ls:
        a, b = bracket[0], bracket[1]
        if abs(b[0] - a[0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(a[0], a[1], a[3], b[0], b[1], b[3])
        t_max, t_min = max(a[0], b[0]), min(a[0], b[0])
        margin = 0.1 * (t_max - t_min)
        if min(t_max - t, t - t_min) < margin:
            # too close to an end: move away unless the last step already made progress
            if insufficient or t >= t_max or t <= t_min:
                t = t_max - margin if abs(t - t_max) < abs(t - t_min) else t_min + margin
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket[lo][1]:
            bracket[hi] = [t, f_new, g_new.copy(), gtd_new]
            lo, hi = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[hi][0] - bracket[lo][0]) >= 0:
                bracket[hi] = bracket[lo]
            bracket[lo] = [t, f_new, g_new.copy(), gtd_new]
    t, f_new, g_new = bracket[lo][0], bracket[lo][1], bracket[lo][2]
    return f_new, g_new, t, evals


def _arr(x):
    """State values are stored as tensors (for state_dict); compute on their arrays."""
    return x._data if isinstance(x, Tensor) else x


def _tensor(x):
    if x is None or isinstance(x, (int, float)):
        return x
    return _wrap(x if not isinstance(x, np.generic) else np.asarray(x))


class LBFGS(Optimizer):
    """Limited-memory BFGS, as ``torch.optim.LBFGS``.

    Every call to :meth:`step` runs up to ``max_iter`` iterations and needs a ``closure`` that
    clears the gradients, computes the loss, calls ``backward`` and returns the loss. Only one
    parameter group is supported.
    """

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r}")
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self._params = self.param_groups[0]["params"]

    # ------------------------------------------------------------- flat-vector helpers
    def _flat_grad(self):
        parts = []
        for p in self._params:
            g = p._grad
            parts.append(backend.array_module(p._data).zeros(p._data.size, p._data.dtype)
                         if g is None else g._data.reshape(-1))
        xp = backend.array_module(parts[0])
        return xp.concatenate(parts)

    def _add_step(self, t, d) -> None:
        """``x += t * d`` across all parameters."""
        off = 0
        for p in self._params:
            arr = p._data
            n = arr.size
            arr += (d[off:off + n] * t).reshape(arr.shape)
            off += n
            p._bump()

    def _set_params(self, saved) -> None:
        for p, a in zip(self._params, saved):
            p._data[...] = a
            p._bump()

    def _evaluate_loss(self, closure) -> float:
        with enable_grad():
            return float(closure())

    # ------------------------------------------------------------- the step
    def step(self, closure: Callable):
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss."""
        if closure is None:
            raise RuntimeError("LBFGS requires a closure: step(closure) re-evaluates the model "
                               "and returns the loss")
        for hook in list(self._step_pre_hooks.values()):
            hook(self, (), {})
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        line_search = group["line_search_fn"]
        if line_search not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        with no_grad():
            flat_grad = self._flat_grad()
            if abs(flat_grad).max() <= tol_grad:
                self._opt_called = True
                return orig_loss

            d = _arr(state.get("d"))
            t = _arr(state.get("t"))
            old_dirs = [_arr(x) for x in state.get("old_dirs", [])]
            old_stps = [_arr(x) for x in state.get("old_stps", [])]
            ro = [_arr(x) for x in state.get("ro", [])]
            h_diag = _arr(state.get("H_diag"))
            prev_flat_grad = _arr(state.get("prev_flat_grad"))
            prev_loss = state.get("prev_loss")
            al = [None] * history_size

            n_iter = 0
            while n_iter < max_iter:
                n_iter += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d = -flat_grad
                    old_dirs, old_stps, ro = [], [], []
                    h_diag = 1
                else:
                    # curvature pair from the last step; skipped unless y's > 0 (keeps H pos-def)
                    y = flat_grad - prev_flat_grad
                    s = d * t
                    ys = y.dot(s)
                    if ys > 1e-10:
                        if len(old_dirs) == history_size:
                            del old_dirs[0], old_stps[0], ro[0]
                        old_dirs.append(y)
                        old_stps.append(s)
                        ro.append(1.0 / ys)
                        h_diag = ys / y.dot(y)
                    # two-loop recursion: d = -H grad
                    al = [None] * history_size
                    q = -flat_grad
                    for i in range(len(old_dirs) - 1, -1, -1):
                        al[i] = old_stps[i].dot(q) * ro[i]
                        q += old_dirs[i] * -al[i]
                    d = r = q * h_diag
                    for i in range(len(old_dirs)):
                        be_i = old_dirs[i].dot(r) * ro[i]
                        r += old_stps[i] * (al[i] - be_i)

                if prev_flat_grad is None:
                    prev_flat_grad = flat_grad.copy()
                else:
                    prev_flat_grad[...] = flat_grad
                prev_loss = loss

                # first iteration: a step of lr scaled so that the first move is at most lr
                if state["n_iter"] == 1:
                    t = min(1.0, 1.0 / abs(flat_grad).sum()) * lr
                else:
                    t = lr
                gtd = flat_grad.dot(d)
                if gtd > -tol_change:  # not a descent direction
                    break

                ls_evals = 0
                if line_search is not None:
                    x0 = [p._data.copy() for p in self._params]

                    def evaluate(step_t, _x0=x0, _d=d):
                        self._add_step(step_t, _d)
                        f_val = self._evaluate_loss(closure)
                        g_val = self._flat_grad()
                        self._set_params(_x0)
                        return f_val, g_val

                    loss, flat_grad, t, ls_evals = _strong_wolfe(evaluate, t, d, loss, flat_grad,
                                                                 gtd)
                    self._add_step(t, d)
                    opt_cond = abs(flat_grad).max() <= tol_grad
                else:
                    self._add_step(t, d)
                    opt_cond = False
                    if n_iter != max_iter:
                        loss = self._evaluate_loss(closure)
                        flat_grad = self._flat_grad()
                        opt_cond = abs(flat_grad).max() <= tol_grad
                        ls_evals = 1
                evals += ls_evals
                state["func_evals"] += ls_evals

                if n_iter == max_iter or evals >= max_eval or opt_cond:
                    break
                if abs(d * t).max() <= tol_change:
                    break
                if abs(loss - prev_loss) < tol_change:
                    break

            state["d"] = _tensor(d)
            state["t"] = t if isinstance(t, (int, float)) else float(t)
            state["old_dirs"] = [_tensor(x) for x in old_dirs]
            state["old_stps"] = [_tensor(x) for x in old_stps]
            state["ro"] = [_tensor(x) for x in ro]
            state["H_diag"] = _tensor(h_diag)
            state["prev_flat_grad"] = _tensor(prev_flat_grad)
            state["prev_loss"] = prev_loss
            state["al"] = [_tensor(x) for x in al]
        self._opt_called = True
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return orig_loss

