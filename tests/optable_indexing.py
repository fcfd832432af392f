"""Op-table records for indexing: __getitem__/__setitem__ forms, gather/scatter family,
index_* ops, masked ops, take/put, nonzero."""
import numpy as np

from op_records import A, B, I, OpRecord, S, Sample

_I2 = A(np.array([[0, 2, 1], [1, 0, 0]]))          # gather/scatter index for a (2|3, 3) input
_IU = A(np.array([[0, 2, 1], [1, 0, 3]]))          # no repeats within a row (scatter along dim 1)


def _get(lib, x, *idx_parts, spec):
    """``x[spec]`` where spec's ``"T"`` placeholders take the tensor index args in order."""
    parts = iter(idx_parts)
    item = tuple(next(parts) if p == "T" else p for p in spec)
    return x[item if len(item) != 1 else item[0]]


def _set(lib, x, v, *idx_parts, spec):
    parts = iter(idx_parts)
    item = tuple(next(parts) if p == "T" else p for p in spec)
    y = x * 1            # a non-leaf copy so the in-place write is allowed under autograd
    y[item if len(item) != 1 else item[0]] = v
    return y


def _g(spec):
    return lambda lib, x, *a: _get(lib, x, *a, spec=spec)


def _s(spec):
    return lambda lib, x, v, *a: _set(lib, x, v, *a, spec=spec)


RECORDS = [
    # ---- getitem: basic (views)
    OpRecord("getitem_int", [(S((3, 4)),)], call=_g((1,))),
    OpRecord("getitem_slice", [(S((5, 4)),)], call=_g((slice(1, None, 2), slice(None, -1)))),
    OpRecord("getitem_none_ellipsis", [(S((2, 3, 4)),)], call=_g((None, Ellipsis, 1, None))),
    OpRecord("getitem_int_slice", [(S((3, 4, 2)),)], call=_g((-1, slice(1, 3)))),
    # ---- getitem: advanced (copies; repeated indices accumulate in backward)
    OpRecord("getitem_list", [(S((4, 3)),)], call=_g(([0, 2, 0],))),
    OpRecord("getitem_tensor", [(S((4, 3)), A(np.array([[1, 1], [3, 0]])))], call=_g(("T",))),
    OpRecord("getitem_mask", [(S((3, 4)), A(np.array([True, False, True])))], call=_g(("T",))),
    OpRecord("getitem_mask2d", [(S((3, 4)), A(np.random.default_rng(0).random((3, 4)) > .5))],
             call=_g(("T",))),
    OpRecord("getitem_mixed", [(S((3, 4, 5)), A(np.array([0, 2])))],
             call=_g((1, slice(None), "T"))),
    OpRecord("getitem_two_adv", [(S((3, 4, 5)), A(np.array([0, 2])), A(np.array([1, 3])))],
             call=_g(("T", slice(None), "T"))),
    OpRecord("getitem_adjacent_adv", [(S((3, 4, 5)), A(np.array([0, 2])), A(np.array([1, 3])))],
             call=_g((slice(None), "T", "T"))),
    OpRecord("getitem_bool_scalar", [(S((2, 3)),)], call=_g((True, 0))),
    # ---- setitem (grad flows to the base outside the region and to the value)
    OpRecord("setitem_int", [(S((3, 4)), S((4,))), (S((3, 4)), 2.5)], call=_s((1,))),
    OpRecord("setitem_slice", [(S((3, 4)), S((2, 1)))], call=_s((slice(1, 3), slice(None)))),
    OpRecord("setitem_mask", [(S((3, 4)), S(()), A(np.array([True, False, True])))],
             call=_s(("T",))),
    OpRecord("setitem_adv", [(S((3, 4)), S((2,)), A(np.array([0, 2])))],
             call=_s(("T", 1))),
    # ---- gather / scatter
    OpRecord("gather", [(S((3, 3)), 0, _I2), (S((3, 4)), 1, _I2), (S((3, 4)), -1, _I2)]),
    # (PyTorch's own backward fails for a src larger than index; tested in test_indexing.py)
    OpRecord("scatter", [(S((3, 3)), 0, _I2, S((2, 3))), (S((3, 4)), 1, _IU, S((2, 3))),
                         Sample((S((3, 4)), 1, _I2), {"value": 1.5})],
             call=lambda lib, x, d, i, *a, **k: lib.scatter(x, d, i, *a, **k)),
    OpRecord("scatter_add", [(S((3, 3)), 0, _I2, S((2, 3))), (S((3, 4)), 1, _I2, S((2, 3)))]),
    OpRecord("scatter_reduce",
             [s for r in ("sum", "mean", "amax", "amin")
              for s in ((S((3, 3)), 0, _I2, S((2, 3)), r),
                        Sample((S((3, 4)), 1, _I2, S((2, 3))),
                               {"reduce": r, "include_self": False}))],
             call=lambda lib, x, d, i, s, *a, **k: lib.scatter_reduce(x, d, i, s, *a, **k),
             gradgrad=False),
    OpRecord("scatter_reduce_prod", [(S((3, 3), 0.5, 2), 0, _I2, S((2, 3), 0.5, 2)),
                                     Sample((S((3, 4), 0.5, 2), 1, _I2, S((2, 3), 0.5, 2)),
                                            {"include_self": False})],
             call=lambda lib, x, d, i, s, **k: lib.scatter_reduce(x, d, i, s, "prod", **k),
             gradgrad=False),
    # ---- index_* along a dim
    OpRecord("index_select", [(S((4, 3)), 0, A(np.array([3, 0, 3]))),
                              (S((4, 3)), 1, A(np.array([2])))]),
    OpRecord("index_add", [(S((4, 3)), 0, A(np.array([1, 1, 3])), S((3, 3))),
                           Sample((S((4, 3)), 1, A(np.array([2, 0])), S((4, 2))),
                                  {"alpha": 2.0})]),
    OpRecord("index_copy", [(S((4, 3)), 0, A(np.array([3, 0])), S((2, 3))),
                            (S((4, 3)), -1, A(np.array([1])), S((4, 1)))]),
    OpRecord("index_fill", [(S((4, 3)), 0, A(np.array([3, 0])), -1.0),
                            (S((4, 3)), 1, A(np.array([1])), 2.0)]),
    OpRecord("index_put", [(S((4, 3)), S((2, 3)), False, A(np.array([0, 2]))),
                           (S((4, 3)), S((3,)), True, A(np.array([0, 2, 0])),
                            A(np.array([1, 1, 1])))],
             call=lambda lib, x, v, acc, *idx: lib.index_put(x, idx, v, acc)),
    OpRecord("take_along_dim", [(S((3, 4)), A(np.array([[0, 3], [1, 1], [2, 0]])), 1),
                                (S((3, 4)), A(np.array([[0], [2]])), 0),
                                (S((3, 1)), A(np.array([[0, 0, 0]])), 0)]),
    # dim=None flattens with .view in PyTorch, which fails for strided inputs there
    OpRecord("take_along_dim_flat", [(S((3, 4)), A(np.array([5, 0, 11])))], noncontig=False,
             call=lambda lib, x, i: lib.take_along_dim(x, i)),
    # ---- masked
    OpRecord("masked_fill", [(S((3, 4)), B((3, 4)), -1.5), (S((3, 4)), B((4,)), 0.0),
                             (S((3, 1)), B((3, 4)), 2.0)]),
    OpRecord("masked_fill_tensor_value", [(S((3, 4)), B((3, 4)), S(()))],
             call=lambda lib, x, m, v: lib.masked_fill(x, m, v)),
    OpRecord("masked_select", [(S((3, 4)), B((3, 4))), (S((3, 4)), B((4,))),
                               (S((4,)), B((3, 4)))]),
    OpRecord("masked_scatter", [(S((3, 4)), B((3, 4)), S((12,))), (S((3, 4)), B((4,)), S((4, 4)))]),
    # ---- flat take / put
    OpRecord("take", [(S((3, 4)), A(np.array([[0, 11], [5, 5]]))), (S((3, 4)), A(np.array(-1)))]),
    OpRecord("put", [(S((3, 4)), A(np.array([0, 11, 5])), S((3,))),
                     (S((3, 4)), A(np.array([1, 1])), S((2,)), True)]),
    # ---- nonzero
    OpRecord("nonzero", [(I((3, 4), 0, 2),), Sample((I((2, 3), 0, 2),), {"as_tuple": True}),
                         (I((5,), -1, 2),)], grad=False),
    OpRecord("argwhere", [(I((3, 4), 0, 2),)], grad=False),
    # ---- in-place forms (on a non-leaf copy)
    OpRecord("scatter_inplace", [(S((3, 3)), 0, _I2, S((2, 3)))],
             call=lambda lib, x, d, i, s: (x * 1).scatter_(d, i, s)),
    OpRecord("index_add_inplace", [(S((4, 3)), 0, A(np.array([1, 1])), S((2, 3)))],
             call=lambda lib, x, d, i, s: (x * 1).index_add_(d, i, s)),
    OpRecord("masked_fill_inplace", [(S((3, 4)), B((3, 4)))],
             call=lambda lib, x, m: (x * 1).masked_fill_(m, 3.0)),
    OpRecord("index_put_inplace", [(S((4, 3)), A(np.array([0, 0])), S((2, 3)))],
             call=lambda lib, x, i, v: (x * 1).index_put_((i,), v, accumulate=True)),
    OpRecord("fill_inplace", [(S((3, 4)), S(()))],
             call=lambda lib, x, v: (x * 1).fill_(v) * x),
    OpRecord("zero_inplace", [(S((3, 4)),)], call=lambda lib, x: (x * 1).zero_() + x),
]
