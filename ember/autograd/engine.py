"""The backward engine: runs grad_fn nodes in dependency order.

Gradients arriving at a node's output are checked against that output's recorded shape and
dtype: a broadcast-compatible shape is summed down and the dtype cast (what PyTorch's engine
does when it validates outputs), anything else is an error naming the node.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _state
from .graph import AccumulateGrad, Op, zeros_for

_gstate = _state.state


def _sum_to(grad, shape, node, nr):
    from ..ops.reduce import sum_to_shape
    gshape = grad.shape
    if len(gshape) < len(shape) or not _broadcastable(shape, gshape):
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index {nr} - got "
            f"{list(gshape)} but expected shape compatible with {list(shape)}")
    return sum_to_shape(grad, shape)


def _broadcastable(small, big):
    for s, b in zip(reversed(small), reversed(big)):
        if s != b and s != 1:
            return False
    return True


def _validate(grad, meta, node, nr):
    shape, dt = meta
    if grad.shape != shape:
        grad = _sum_to(grad, shape, node, nr)
    if grad.dtype is not dt:
        grad = grad.to(dt)
    return grad


def _graph_tasks(roots, capture_nodes):
    """Count dependencies among the nodes that must run.

    With ``capture_nodes`` (``autograd.grad``/``backward(inputs=)``) only nodes on a path to a
    captured node run; otherwise everything reachable does.
    """
    deps = {}
    order = []
    seen = set()
    # iterative DFS for a post-order (children first)
    visit = [(n, False) for n in roots]
    while visit:
        node, done = visit.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        visit.append((node, True))
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                visit.append((child, False))
    if capture_nodes is None:
        needed = seen
    else:
        needed = set()
        for node in order:  # children come before parents
            if node in capture_nodes or any(c in needed for c, _ in node.next_functions
                                            if c is not None):
                needed.add(node)
    for node in needed:
        for child, _ in node.next_functions:
            if child is not None and child in needed:
                deps[child] = deps.get(child, 0) + 1
    return needed, deps


def run_backward(roots, root_grads, retain_graph, create_graph, capture=None,
                 accumulate=True):
    """Propagate ``root_grads`` from ``roots`` (list of ``(node, output_nr)``).

    ``capture``: optional dict ``{(node, output_nr): slot}``; the total gradient flowing into
    each captured place is stored in the returned dict instead of being accumulated (used by
    ``autograd.grad``). For captured leaves the key is their AccumulateGrad node.
    Returns the captured dict.
    """
    capture_nodes = None if capture is None else {n for (n, _) in capture}
    root_nodes = [n for n, _ in roots]
    needed, deps = _graph_tasks(root_nodes, capture_nodes)
    buffers = {}
    for (node, nr), g in zip(roots, root_grads):
        if node not in needed:
            continue
        buf = buffers.setdefault(node, [None] * len(node._out_meta))
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    captured = {}
    ready = [n for n in buffers if deps.get(n, 0) == 0]
    prev_mode = _gstate.enabled
    _gstate.enabled = bool(create_graph)
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node)
            if node._pre_hooks:
                grads = _run_pre_hooks(node, grads)
            if capture is not None:
                for i, g in enumerate(grads):
                    key = (node, i)
                    if key in capture:
                        captured[key] = g
            if type(node) is AccumulateGrad:
                if accumulate and grads[0] is not None:
                    node._accumulate(grads[0], create_graph)
                continue
            if capture is not None and node not in needed:
                continue
            node._check_not_freed()
            if node._materialize:
                grads = [zeros_for(m) if g is None else g
                         for g, m in zip(grads, node._out_meta)]
            in_grads = node._run_backward(grads)
            if _gstate.anomaly:
                _check_anomaly(node, in_grads)
            if node._post_hooks:
                for h in node._post_hooks:
                    h(in_grads, tuple(grads))
            if not retain_graph:
                node._release()
            nexts = node.next_functions
            if len(in_grads) < len(nexts):
                raise RuntimeError(
                    f"function {node.name()} returned an incorrect number of gradients "
                    f"(expected {len(nexts)}, got {len(in_grads)})")
            for (child, nr), g in zip(nexts, in_grads):
                if child is None or child not in needed:
                    continue
                if g is not None:
                    g = _validate(g, child._out_meta[nr], node, nr)
                    buf = buffers.get(child)
                    if buf is None:
                        buf = buffers[child] = [None] * len(child._out_meta)
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    if child in buffers:
                        ready.append(child)
                    else:
                        # no gradient reached it: its own inputs still need their counts
                        _skip_node(child, needed, deps, buffers, ready)
    finally:
        _gstate.enabled = prev_mode
    return captured


def _skip_node(node, needed, deps, buffers, ready):
    stack = [node]
    while stack:
        n = stack.pop()
        for child, _ in n.next_functions:
            if child is None or child not in needed:
                continue
            d = deps[child] - 1
            deps[child] = d
            if d == 0:
                if child in buffers:
                    ready.append(child)
                else:
                    stack.append(child)


def _run_pre_hooks(node, grads):
    grads = list(grads)
    for nr, hooks in node._pre_hooks.items():
        if nr is None:
            for h in list(hooks):
                r = h(tuple(grads))
                if r is not None:
                    grads = list(r)
            continue
        for h in list(hooks):
            if grads[nr] is None:
                continue
            r = h(grads[nr])
            if r is not None:
                grads[nr] = r
    return grads


def _check_anomaly(node, in_grads):
    for i, g in enumerate(in_grads):
        if g is None or not g.dtype.is_floating_point:
            continue
        if np.isnan(g._data).any():
            where = ""
            if node._trace:
                where = ("\nThe forward call that created this node was:\n" + node._trace)
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output." + where)


def is_scalar_like(t):
    return math.prod(t.shape) == 1


__all__ = ["run_backward", "Op"]
