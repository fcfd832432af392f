"""Op-table records for ember/ops/misc.py."""
from op_records import I, OpRecord, S, Sample

RECORDS = [
    OpRecord("broadcast_tensors", [(S((3, 1)), S((1, 4))), (S((2, 3)), S(()), S((3,)))],
             call=lambda lib, *xs: lib.broadcast_tensors(*xs)),
    OpRecord("isin", [(I((5,), 0, 6), I((3,), 0, 6)),
                      Sample((I((2, 3), 0, 6), I((4,), 0, 6)), {"invert": True})], grad=False),
    # torch returns a ZeroTensor gradient for sgn, which cannot be compared as an array
    OpRecord("sgn", [(S((2, 3)),)], grad=False),
    OpRecord("conj", [(S((2, 3)),)]),
    OpRecord("conj_physical", [(S((2, 3)),)]),
    OpRecord("resolve_conj", [(S((2, 3)),)]),
    OpRecord("angle", [(S((2, 3)),)], gradgrad=False),
    OpRecord("cov", [(S((3, 6)),), (S((7,)),), Sample((S((2, 5)),), {"correction": 0})],
             rtol=1e-4),
    OpRecord("corrcoef", [(S((3, 6)),)], rtol=1e-4, atol=1e-5),
]
RECORDS += [
    OpRecord("unfold", [(S((2, 12)), 1, 4, 3), (S((7,)), 0, 3, 2), (S((3, 4, 5)), 0, 2, 1)],
             call=lambda lib, x, d, size, step: x.unfold(d, size, step)),
]
