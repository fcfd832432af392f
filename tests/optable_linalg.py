"""Op-table records for matrix products, contractions and ``linalg`` (``"linalg.<name>"``).

Decompositions are compared through sign-invariant quantities (``U @ Vh``, ``U * U``, …) since
singular vectors / eigenvectors are only defined up to sign. Inputs that must be invertible,
symmetric or positive-definite are built inside ``call`` from the random input, so gradients
flow through that construction (and the strided variant still exercises the op).
"""
import math

from op_records import A, OpRecord, S, Sample

INF = math.inf


def _la(name):
    return lambda lib, *a, **k: getattr(lib.linalg, name)(*a, **k)


def _eye(lib, a):
    return lib.eye(a.shape[-1], dtype=a.dtype)


def _wc(lib, a, shift=4.0):
    """Well-conditioned: a strong diagonal shift."""
    return a + shift * _eye(lib, a)


def _sym(lib, a):
    return a + a.mT


def _spd(lib, a):
    return a @ a.mT + a.shape[-1] * _eye(lib, a)


def _svd_view(r, U, Vh):
    return (r.S, U @ Vh, U * U, Vh * Vh)


RECORDS = [
    # ------------------------------------------------------------------ products
    OpRecord("mm", [(S((2, 3)), S((3, 4))), (S((1, 3)), S((3, 1)))], rtol=1e-4),
    OpRecord("bmm", [(S((2, 2, 3)), S((2, 3, 4)))], rtol=1e-4),
    OpRecord("mv", [(S((2, 3)), S((3,)))], rtol=1e-4),
    OpRecord("dot", [(S((3,)), S((3,)))], rtol=1e-4),
    OpRecord("vdot", [(S((4,)), S((4,)))], rtol=1e-4),
    OpRecord("inner", [(S((2, 3)), S((4, 3))), (S((3,)), S((3,))), (S(()), S((2, 3))),
                       (S((2, 2, 3)), S((3,)))], rtol=1e-4),
    OpRecord("outer", [(S((3,)), S((4,)))]),
    OpRecord("ger", [(S((3,)), S((2,)))]),
    OpRecord("addmm", [(S((2, 4)), S((2, 3)), S((3, 4))), (S((4,)), S((2, 3)), S((3, 4))),
                       Sample((S((2, 4)), S((2, 3)), S((3, 4))), {"beta": 0.5, "alpha": 2.0}),
                       Sample((S((2, 4)), S((2, 3)), S((3, 4))), {"beta": 0})], rtol=1e-4),
    OpRecord("addmv", [(S((2,)), S((2, 3)), S((3,))),
                       Sample((S((2,)), S((2, 3)), S((3,))), {"beta": 2.0, "alpha": 0.5})],
             rtol=1e-4),
    OpRecord("addbmm", [(S((3, 4)), S((2, 3, 5)), S((2, 5, 4))),
                        Sample((S((4,)), S((2, 3, 5)), S((2, 5, 4))), {"beta": 0.5, "alpha": -1})],
             rtol=1e-4),
    OpRecord("baddbmm", [(S((2, 3, 4)), S((2, 3, 5)), S((2, 5, 4))),
                         Sample((S((3, 4)), S((2, 3, 5)), S((2, 5, 4))),
                                {"beta": 2, "alpha": 0.5})],
             rtol=1e-4),
    OpRecord("addr", [(S((3, 4)), S((3,)), S((4,))),
                      Sample((S((4,)), S((3,)), S((4,))), {"beta": 0.5, "alpha": 2.0})]),
    OpRecord("chain_matmul", [(S((2, 3)), S((3, 4)), S((4, 2))), (S((2, 3)),),
                              (S((2, 5)), S((5, 1)), S((1, 4)), S((4, 3)))], rtol=1e-4),
    OpRecord("linalg.multi_dot",
             [(S((3,)), S((3, 4)), S((4, 2))), (S((2, 3)), S((3, 4)), S((4, 5)), S((5,))),
              (S((3,)), S((3,))), (S((2, 3)), S((3, 4)))],
             call=lambda lib, *a: lib.linalg.multi_dot(list(a)), rtol=1e-4),
    OpRecord("matrix_power", [(S((3, 3)), 3), (S((2, 3, 3)), 2), (S((3, 3)), 0), (S((3, 3)), 1),
                              (S((3, 3)), -2)],
             call=lambda lib, a, n: lib.matrix_power(_wc(lib, a) if n < 0 else a, n), rtol=1e-4),
    OpRecord("linalg.matrix_power", [(S((3, 3)), 5), (S((2, 2, 2)), -1)],
             call=lambda lib, a, n: lib.linalg.matrix_power(_wc(lib, a) if n < 0 else a, n),
             rtol=1e-4),
    # ------------------------------------------------------------------ contractions
    OpRecord("einsum", [("ij,jk->ik", S((2, 3)), S((3, 4))), ("ii->i", S((3, 3))),
                        ("ii", S((3, 3))), ("...ij,...jk", S((2, 1, 2, 3)), S((3, 3, 2))),
                        ("bij,bjk->bik", S((2, 2, 3)), S((2, 3, 2))), ("i,i->", S((3,)), S((3,))),
                        ("i,j->ij", S((3,)), S((2,))), ("ij->", S((2, 3))), ("ij->j", S((2, 3))),
                        ("iij->ji", S((2, 2, 3))), ("ij,ij,ij->i", S((2, 3)), S((2, 3)), S((2, 3))),
                        ("ba,b", S((2, 3)), S((2,))), ("ij,jk,kl->il", S((2, 3)), S((3, 4)),
                                                      S((4, 2))),
                        ("...,...->...", S((2, 3)), S((3,))), ("i j , j -> i", S((2, 3)), S((3,)))],
             call=lambda lib, eq, *ops: lib.einsum(eq, *ops), rtol=1e-4),
    OpRecord("tensordot", [(S((2, 3, 4)), S((3, 4, 5))),
                           Sample((S((2, 3, 4)), S((4, 3, 5))), {"dims": ([1, 2], [1, 0])}),
                           Sample((S((2, 3)), S((4, 5))), {"dims": 0}),
                           Sample((S((2, 3)), S((3, 4))), {"dims": 1})], rtol=1e-4),
    OpRecord("kron", [(S((2, 3)), S((2, 2))), (S((2,)), S((3,)))]),  # mixed ranks: test_linalg
    OpRecord("cross", [Sample((S((4, 3)), S((4, 3))), {"dim": 1}), (S((3, 4)), S((3, 4))),
                       Sample((S((2, 1, 3)), S((1, 4, 3))), {"dim": -1})]),
    OpRecord("linalg.cross", [(S((4, 3)), S((4, 3))), (S((2, 1, 3)), S((1, 4, 3))),
                              Sample((S((3, 2)), S((3, 2))), {"dim": 0})],
             call=_la("cross")),
    OpRecord("trapezoid", [(S((4, 3)),), Sample((S((4, 3)),), {"dim": 0}),
                           Sample((S((4, 3)),), {"dx": 0.5}), (S((4, 3)), S((3,))),
                           Sample((S((4, 3)), S((4, 3))), {"dim": 0})]),
    OpRecord("trapz", [(S((4, 3)),), (S((4, 3)), S((4, 3)))]),
    OpRecord("cdist", [(S((4, 3)), S((5, 3))), (S((2, 4, 3)), S((2, 5, 3))),
                       Sample((S((4, 3)), S((5, 3))), {"p": 1.0}),
                       Sample((S((4, 3)), S((5, 3))), {"p": 3.0})], rtol=1e-4),
    # ------------------------------------------------------------------ inverse / solve / det
    OpRecord("linalg.inv", [(S((3, 3)),), (S((2, 3, 3)),)],
             call=lambda lib, a: lib.linalg.inv(_wc(lib, a)), rtol=1e-4),
    OpRecord("inverse", [(S((3, 3)),)], call=lambda lib, a: lib.inverse(_wc(lib, a)), rtol=1e-4),
    OpRecord("linalg.inv_ex", [(S((3, 3)),)],
             call=lambda lib, a: lib.linalg.inv_ex(_wc(lib, a)), rtol=1e-4),
    OpRecord("linalg.solve", [(S((3, 3)), S((3, 2))), (S((3, 3)), S((3,))),
                              (S((2, 3, 3)), S((2, 3))), (S((2, 3, 3)), S((3, 1))),
                              Sample((S((3, 3)), S((2, 3))), {"left": False})],
             call=lambda lib, a, b, **k: lib.linalg.solve(_wc(lib, a), b, **k), rtol=1e-4),
    OpRecord("linalg.solve_triangular",
             [Sample((S((3, 3)), S((3, 2))), {"upper": True}),
              Sample((S((2, 3, 3)), S((3, 2))), {"upper": False}),
              Sample((S((3, 3)), S((2, 3))), {"upper": True, "left": False}),
              Sample((S((3, 3)), S((3, 2))), {"upper": False, "unitriangular": True})],
             call=lambda lib, a, b, **k: lib.linalg.solve_triangular(_wc(lib, a), b, **k),
             rtol=1e-4),
    OpRecord("linalg.vecdot", [(S((2, 3)), S((2, 3))), (S((2, 3)), S((3,))),
                               Sample((S((3, 2)), S((3, 1))), {"dim": 0})],
             call=_la("vecdot"), rtol=1e-4),
    OpRecord("linalg.det", [(S((3, 3)),), (S((2, 3, 3)),), (S((1, 1)),)],
             call=lambda lib, a: lib.linalg.det(_wc(lib, a, 2.0)), rtol=1e-4),
    OpRecord("det", [(S((3, 3)),)], call=lambda lib, a: lib.det(_wc(lib, a, 2.0)), rtol=1e-4),
    OpRecord("linalg.slogdet", [(S((3, 3)), 4.0), (S((2, 3, 3)), -4.0)],
             call=lambda lib, a, s: lib.linalg.slogdet(_wc(lib, a, s)), rtol=1e-4),
    OpRecord("slogdet", [(S((3, 3)), -4.0)], call=lambda lib, a, s: lib.slogdet(_wc(lib, a, s)),
             rtol=1e-4),
    OpRecord("logdet", [(S((3, 3)),), (S((2, 3, 3)),)],
             call=lambda lib, a: lib.logdet(_spd(lib, a)), rtol=1e-4),
    # ------------------------------------------------------------------ norms
    OpRecord("linalg.vector_norm",
             [(S((2, 3)),), Sample((S((2, 3)),), {"ord": 1}), Sample((S((2, 3)),), {"ord": INF}),
              Sample((S((2, 3)),), {"ord": 3, "dim": 1}), Sample((S((2, 3)),), {"ord": 1.5}),
              Sample((S((2, 3, 2)),), {"dim": (0, 2), "keepdim": True}),
              Sample((S((2, 3)),), {"ord": -INF, "dim": 0}), (S(()),),
              Sample((S((2, 3)),), {"ord": 0})],
             call=_la("vector_norm"), rtol=1e-4),
    OpRecord("linalg.matrix_norm",
             [(S((3, 4)),), *[Sample((S((3, 4)),), {"ord": o})
                              for o in ("nuc", 2, -2, 1, -1, INF, -INF)],
              Sample((S((2, 3, 4)),), {"ord": "fro", "dim": (0, 2), "keepdim": True}),
              Sample((S((2, 3, 4)),), {"ord": 2, "dim": (2, 0)}),
              Sample((S((2, 3, 4)),), {"ord": 1, "keepdim": True})],
             call=_la("matrix_norm"), rtol=1e-4),
    OpRecord("linalg.norm",
             [(S((2, 3)),), Sample((S((2, 3)),), {"ord": "fro"}), Sample((S((2, 3)),), {"ord": 2}),
              Sample((S((4,)),), {"ord": 3}), Sample((S((2, 3, 4)),), {"dim": 1}),
              Sample((S((2, 3, 4)),), {"dim": (1, 2), "ord": "nuc"}), (S((2, 3, 4)),),
              Sample((S((2, 3)),), {"ord": INF, "keepdim": True})],
             call=_la("norm"), rtol=1e-4),
    OpRecord("linalg.cond", [(S((3, 3)),), *[Sample((S((3, 3)),), {"p": p})
                                            for p in (2, -2)]],  # other p: torch's backward fails
             call=lambda lib, a, **k: lib.linalg.cond(_wc(lib, a, 1.0), **k), rtol=1e-4),
    # ------------------------------------------------------------------ decompositions
    OpRecord("linalg.svd", [(S((3, 3)),), Sample((S((4, 3)),), {"full_matrices": False}),
                            Sample((S((3, 4)),), {"full_matrices": False}), (S((2, 3, 3)),)],
             call=lambda lib, a, **k: (lambda r: _svd_view(r, r.U, r.Vh))(lib.linalg.svd(a, **k)),
             rtol=1e-4, atol=1e-5),
    OpRecord("linalg.svdvals", [(S((3, 4)),), (S((2, 3, 3)),)], call=_la("svdvals"), rtol=1e-4),
    OpRecord("svd", [(S((4, 3)),), Sample((S((3, 3)),), {"some": False})],
             call=lambda lib, a, **k: (lambda r: _svd_view(r, r.U, r.V.mT))(lib.svd(a, **k)),
             rtol=1e-4, atol=1e-5),
    OpRecord("linalg.eigh", [(S((3, 3)),), (S((2, 4, 4)),), Sample((S((3, 3)),), {"UPLO": "U"})],
             call=lambda lib, a, **k: (lambda r: (r.eigenvalues, r.eigenvectors ** 2))(
                 lib.linalg.eigh(_sym(lib, a), **k)), rtol=1e-4, atol=1e-5),
    OpRecord("linalg.eigvalsh", [(S((3, 3)),), Sample((S((2, 3, 3)),), {"UPLO": "U"})],
             call=lambda lib, a, **k: lib.linalg.eigvalsh(_sym(lib, a), **k), rtol=1e-4),
    OpRecord("linalg.qr", [(S((4, 3)),), (S((3, 3)),), (S((3, 5)),),
                           Sample((S((3, 5)),), {"mode": "complete"}), (S((2, 4, 3)),)],
             call=_la("qr"), rtol=1e-4, atol=1e-5),
    OpRecord("qr", [(S((4, 3)),), Sample((S((3, 4)),), {"some": False})], rtol=1e-4, atol=1e-5),
    OpRecord("linalg.cholesky", [(S((3, 3)),), (S((2, 3, 3)),), Sample((S((3, 3)),),
                                                                      {"upper": True})],
             call=lambda lib, a, **k: lib.linalg.cholesky(_spd(lib, a), **k), rtol=1e-4),
    OpRecord("cholesky", [(S((3, 3)),), Sample((S((3, 3)),), {"upper": True})],
             call=lambda lib, a, **k: lib.cholesky(_spd(lib, a), **k), rtol=1e-4),
    OpRecord("linalg.cholesky_ex", [(S((3, 3)),)],
             call=lambda lib, a: lib.linalg.cholesky_ex(_spd(lib, a)), rtol=1e-4),
    OpRecord("linalg.pinv", [(S((3, 4)),), (S((4, 3)),), (S((3, 3)),), (S((2, 3, 4)),),
                             (S((3, 3)), True)],
             call=lambda lib, a, h=False: lib.linalg.pinv(_sym(lib, a) if h else a, hermitian=h),
             rtol=1e-4, atol=1e-4),
    OpRecord("pinverse", [(S((3, 4)),)], rtol=1e-4, atol=1e-5),
    OpRecord("linalg.matrix_rank",
             [(S((3, 4)),), (S((2, 3, 3)),), Sample((S((3, 3)),), {"hermitian": True}),
              (A([[1.0, 2.0], [2.0, 4.0]]),), (A([[0.0, 0.0], [0.0, 0.0]]),)],
             call=_la("matrix_rank"), grad=False),
    OpRecord("linalg.lstsq", [(S((5, 3)), S((5, 2))), (S((5, 3)), S((5,))), (S((3, 3)), S((3, 2))),
                              Sample((S((5, 3)), S((5, 2))), {"driver": "gelsd"}),
                              (S((2, 5, 3)), S((2, 5, 2))), (S((3, 5)), S((3, 2)))],
             # singular_values is not differentiable (as in PyTorch): checked in test_linalg
             call=lambda lib, a, b, **k: tuple(lib.linalg.lstsq(a, b, **k))[:3],
             rtol=1e-4, atol=1e-5),
    OpRecord("linalg.eig", [(S((3, 3)),), (S((2, 2)),)], grad=False,
             call=lambda lib, a: (lambda r: (r.eigenvalues, r.eigenvectors.abs()))(
                 lib.linalg.eig(a)),  # eigenvectors: defined up to a phase
             rtol=1e-4, atol=1e-5),
    OpRecord("linalg.eigvals", [(S((3, 3)),), (S((2, 4, 4)),)], call=_la("eigvals"), grad=False,
             rtol=1e-4, atol=1e-5),
]
