"""Module full-backward hooks: identity autograd Functions around a module's inputs/outputs."""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function


class _Identity(Function):
    @staticmethod
    def forward(ctx, hook_state, which, *tensors):
        ctx.hook_state, ctx.which = hook_state, which
        return tuple(t.detach() for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        grads = ctx.hook_state.on_grads(ctx.which, grads)
        return (None, None) + tuple(grads)


class BackwardHook:
    """Calls ``hook(module, grad_input, grad_output)`` once grads w.r.t. inputs exist."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_output = None
        self.n_inputs_with_grad = 0

    def setup_input(self, args):
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        self.n_inputs_with_grad = len(idx)
        if not idx:
            return args
        outs = _Identity.apply(self, "input", *[args[i] for i in idx])
        outs = outs if isinstance(outs, tuple) else (outs,)
        args = list(args)
        for i, o in zip(idx, outs):
            args[i] = o
        return tuple(args)

    def setup_output(self, out):
        single = isinstance(out, Tensor)
        outs = (out,) if single else tuple(out) if isinstance(out, (tuple, list)) else None
        if outs is None or not any(isinstance(o, Tensor) and o.requires_grad for o in outs):
            return out
        idx = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        wrapped = _Identity.apply(self, "output", *[outs[i] for i in idx])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        new = list(outs)
        for i, w in zip(idx, wrapped):
            new[i] = w
        return new[0] if single else type(out)(new) if isinstance(out, tuple) else new

    def on_grads(self, which, grads):
        if which == "output":
            for h in self.pre_hooks:
                r = h(self.module, grads)
                if r is not None:
                    grads = tuple(r)
            self.grad_output = grads
            if self.n_inputs_with_grad == 0:
                for h in self.hooks:
                    h(self.module, (None,), grads)
            return grads
        for h in self.hooks:
            r = h(self.module, tuple(grads), self.grad_output)
            if r is not None:
                grads = tuple(r)
        return grads
