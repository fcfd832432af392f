"""The backward engine: runs grad_fn nodes in dependency order.

Gradients arriving at a node's output are checked against that output's recorded shape and
dtype: a broadcast-compatible shape is summed down and the dtype cast (what PyTorch's engine
does when it validates outputs), anything else is an error naming the node.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .. import _state
from .graph import AccumulateGrad, zeros_for

_gstate = _state.state
_sum_to_shape = None  # ember.ops.reduce.sum_to_shape, bound when the ops load


def _fit(grad, meta, node, nr):
    """Make ``grad`` match output metadata ``(shape, numpy dtype)`` or raise."""
    shape, dt = meta
    if grad._data.shape != shape:
        gshape = grad._data.shape
        if len(gshape) < len(shape) or not _broadcastable(shape, gshape):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {nr} - got "
                f"{list(gshape)} but expected shape compatible with {list(shape)}")
        grad = _sum_to_shape(grad, shape)
    if dt is not None and grad._data.dtype != dt:
        grad = grad.to(D._FROM_NP[dt])
    return grad


def _broadcastable(small, big):
    for s, b in zip(reversed(small), reversed(big)):
        if s != b and s != 1:
            return False
    return True


def _count_deps(roots):
    """Number of incoming edges of every node reachable from ``roots``."""
    deps = {}
    seen = set(roots)
    stack = list(seen)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is not None:
                if child in deps:
                    deps[child] += 1
                else:
                    deps[child] = 1
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
    return seen, deps


def _count_needed_deps(roots, capture_nodes):
    """Like :func:`_count_deps`, restricted to nodes on a path to a captured node."""
    order, seen = [], set()
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
    needed = set()
    for node in order:  # children come before parents
        if node in capture_nodes or any(c in needed for c, _ in node.next_functions):
            needed.add(node)
    deps = {}
    for node in needed:
        for child, _ in node.next_functions:
            if child in needed:
                deps[child] = deps.get(child, 0) + 1
    return needed, deps


def run_backward(roots, root_grads, retain_graph, create_graph, capture=None,
                 accumulate=True):
    """Propagate ``root_grads`` from ``roots`` (list of ``(node, output_nr)``).

    ``capture``: optional dict keyed by ``(node, output_nr)``; the total gradient flowing into
    each captured place is returned in a dict (``autograd.grad``). For a leaf the key is its
    AccumulateGrad node. With ``accumulate=False`` no ``.grad`` is written.
    """
    root_nodes = [n for n, _ in roots]
    if capture is None:
        needed, deps = _count_deps(root_nodes)
    else:
        needed, deps = _count_needed_deps(root_nodes, {n for (n, _) in capture})
    buffers = {}
    for (node, nr), g in zip(roots, root_grads):
        if node not in needed:
            continue
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * len(node._out_meta)
        meta = node._out_meta[nr]
        if g._data.shape != meta[0] or g._data.dtype != meta[1]:
            g = _fit(g, meta, node, nr)
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    captured = {}
    ready = [n for n in buffers if n not in deps]
    prev_mode = _gstate.enabled
    _gstate.enabled = bool(create_graph)
    anomaly = _gstate.anomaly
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node)
            if node._pre_hooks:
                grads = _run_pre_hooks(node, grads)
            if capture is not None:
                for i, g in enumerate(grads):
                    if (node, i) in capture:
                        captured[(node, i)] = g
            if type(node) is AccumulateGrad:
                if accumulate and grads[0] is not None:
                    node._accumulate(grads[0], create_graph)
                continue
            if node._freed:
                node._check_not_freed()
            if node._materialize and any(g is None for g in grads):
                like = next((g for g in grads if g is not None), None)
                grads = [zeros_for(m, like) if g is None else g
                         for g, m in zip(grads, node._out_meta)]
            in_grads = node._run_backward(grads)
            if anomaly:
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
                    meta = child._out_meta[nr]
                    if g._data.shape != meta[0] or g._data.dtype != meta[1]:
                        g = _fit(g, meta, node, nr)
                    buf = buffers.get(child)
                    if buf is None:
                        buf = buffers[child] = [None] * len(child._out_meta)
                        buf[nr] = g
                    elif buf[nr] is None:
                        buf[nr] = g
                    else:
                        buf[nr] = buf[nr] + g
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    if child in buffers:
                        ready.append(child)
                    else:  # no gradient reached it: release its inputs' counts
                        _skip_node(child, needed, deps, buffers, ready)
    finally:
        _gstate.enabled = prev_mode
    return captured


def _skip_node(node, needed, deps, buffers, ready):
    stack = [node]
    while stack:
        for child, _ in stack.pop().next_functions:
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
        if g is None or g._data.dtype.kind not in "fc":
            continue
        if np.isnan(g._data).any():
            where = ""
            if node._trace:
                where = "\nThe forward call that created this node was:\n" + node._trace
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output." + where)
