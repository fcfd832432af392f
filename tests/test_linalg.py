"""Matrix products and linalg: bad inputs (BAD_INPUTS rows 1-3, 7, singular / non-PD /
non-square), result tuples, the ``ember.linalg`` namespace and behaviours the op table cannot
express (full SVD of non-square matrices, mode='r', error-reporting ``_ex`` variants, …)."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

import ember
from conftest import HAVE_TORCH, requires_torch

if HAVE_TORCH:
    import torch

rng = np.random.default_rng(0)


def arr(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def both(a, requires_grad=False):
    e = ember.tensor(a, requires_grad=requires_grad)
    t = torch.tensor(a, requires_grad=requires_grad) if HAVE_TORCH else None
    return e, t


def close(e, t, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("fn", [lambda a, b: a @ b, ember.matmul, ember.mm])
def test_inner_dims_differ_names_both_shapes(fn):  # row 1
    with pytest.raises(RuntimeError, match=r"\[2, 3\].*\[4, 5\]"):
        fn(ember.zeros(2, 3), ember.zeros(4, 5))


def test_batched_matmul_batch_dims_incompatible():  # row 2
    with pytest.raises(RuntimeError, match=r"batch dimensions \[2\] and \[3\]"):
        ember.zeros(2, 3, 4) @ ember.zeros(3, 4, 5)
    with pytest.raises(RuntimeError, match="same batch size"):
        ember.bmm(ember.zeros(2, 3, 4), ember.zeros(3, 4, 5))


def test_vector_lengths_differ():  # row 3
    with pytest.raises(RuntimeError, match=r"\[3\].*\[4\]"):
        ember.zeros(3) @ ember.zeros(4)
    with pytest.raises(RuntimeError, match="3 and 4"):
        ember.dot(ember.zeros(3), ember.zeros(4))


@pytest.mark.parametrize("fn,sa,sb", [
    (ember.matmul, (2, 3), (3, 4)), (ember.mm, (2, 3), (3, 4)), (ember.bmm, (2, 2, 3), (2, 3, 4)),
    (ember.mv, (2, 3), (3,)), (ember.dot, (3,), (3,)), (lambda a, b: a @ b, (3,), (3, 2)),
    (ember.inner, (2, 3), (3,)), (ember.kron, (2,), (2,)), (ember.tensordot, (2, 3), (2, 3)),
    (lambda a, b: ember.einsum("ij,jk", a, b), (2, 3), (3, 2)),
])
def test_mixed_float_dtypes_raise(fn, sa, sb):  # row 7
    a = ember.zeros(*sa, dtype=ember.float32)
    b = ember.zeros(*sb, dtype=ember.float64)
    with pytest.raises(RuntimeError, match="float32.*float64|dtype"):
        fn(a, b)


def test_int_times_float_matmul_raises_but_int_matmul_works():
    with pytest.raises(RuntimeError, match="int64.*float32"):
        ember.arange(6).reshape(2, 3) @ ember.zeros(3, 2)
    r = ember.arange(6).reshape(2, 3) @ ember.arange(6).reshape(3, 2)
    assert r.dtype == ember.int64 and r.tolist() == [[10, 13], [28, 40]]


@pytest.mark.parametrize("fn,shape", [
    (ember.mm, (3,)), (ember.bmm, (2, 3)), (ember.mv, (3,)), (ember.dot, (2, 3)),
])
def test_wrong_rank(fn, shape):
    with pytest.raises(RuntimeError, match=re.escape(str(list(shape)))):
        fn(ember.zeros(*shape), ember.zeros(*shape))


def test_zero_dim_matmul():
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        ember.tensor(2.0) @ ember.zeros(3)


@pytest.mark.parametrize("fn", [ember.linalg.inv, ember.inverse,
                                lambda a: ember.linalg.solve(a, ember.ones(3))])
def test_singular_raises_linalg_error(fn):
    a = ember.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]])
    with pytest.raises(ember.linalg.LinAlgError, match="singular") as ei:
        fn(a)
    assert isinstance(ei.value, RuntimeError)


def test_singular_batch_element_named():
    a = np.stack([np.eye(3), np.zeros((3, 3))])
    with pytest.raises(ember.linalg.LinAlgError, match=r"Batch element 1"):
        ember.linalg.inv(ember.tensor(a))


@pytest.mark.parametrize("fn", [ember.linalg.inv, ember.linalg.det, ember.det, ember.logdet,
                                ember.linalg.slogdet, ember.linalg.cholesky, ember.linalg.eigh,
                                ember.linalg.eigvals])
def test_non_square_names_shape(fn):
    with pytest.raises(RuntimeError, match=r"2 by 3.*\[2, 3\]"):
        fn(ember.zeros(2, 3))


@pytest.mark.parametrize("fn", [ember.linalg.inv, ember.linalg.det, ember.linalg.svd,
                                ember.linalg.vector_norm, ember.linalg.qr])
def test_integer_input_rejected(fn):
    with pytest.raises(RuntimeError, match="floating point"):
        fn(ember.arange(4).reshape(2, 2))


def test_one_dim_input_to_matrix_function():
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.linalg.inv(ember.zeros(3))


@pytest.mark.parametrize("fn", [ember.linalg.cholesky, ember.cholesky])
def test_cholesky_not_positive_definite(fn):
    a = ember.tensor([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ember.linalg.LinAlgError, match="positive-definite.*order 2"):
        fn(a)


def test_solve_shape_errors():
    with pytest.raises(RuntimeError, match="Incompatible shapes.*3x3 and 2x3"):
        ember.linalg.solve(ember.eye(3), ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.linalg.solve(ember.eye(3), ember.zeros(3, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="batch dimensions"):
        ember.linalg.solve(ember.eye(3).expand(2, 3, 3), ember.zeros(4, 3, 1))


@pytest.mark.parametrize("eq,shapes,msg", [
    ("ij,jk->ik", [(2, 3)], "names 2 operands but 1"),
    ("ij,jk->ik", [(2, 3), (2, 3)], "subscript j has size 2"),
    ("ij->ik", [(2, 3)], "output subscript k"),
    ("ijk->i", [(2, 3)], "number of subscripts"),
    ("i1->i", [(2, 3)], "invalid subscript"),
    ("ii->i", [(2, 3)], "repeated"),
    ("ij->ii", [(2, 3)], "more than once"),
])
def test_einsum_errors(eq, shapes, msg):
    with pytest.raises(RuntimeError, match=msg):
        ember.einsum(eq, *[ember.zeros(*s) for s in shapes])


def test_misc_shape_errors():
    with pytest.raises(RuntimeError, match="contracted dimensions need to match"):
        ember.tensordot(ember.zeros(2, 3), ember.zeros(4, 5), dims=1)
    with pytest.raises(RuntimeError, match="must have length 3. Got 4 and 4"):
        ember.linalg.cross(ember.zeros(3, 4), ember.zeros(3, 4))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        ember.linalg.cross(ember.zeros(4, 3), ember.zeros(3))
    with pytest.raises(RuntimeError, match="same number of columns"):
        ember.cdist(ember.zeros(4, 3), ember.zeros(5, 4))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        ember.addmm(ember.zeros(3, 3), ember.zeros(2, 3), ember.zeros(3, 4))
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        ember.linalg.matrix_norm(ember.zeros(3, 3), 3)
    with pytest.raises(RuntimeError, match="1D or 2D"):
        ember.linalg.norm(ember.zeros(2, 2, 2), ord=2)
    with pytest.raises(RuntimeError, match="narrowing"):
        ember.linalg.vector_norm(ember.zeros(3, dtype=ember.float64), dtype=ember.float32)
    with pytest.raises(RuntimeError, match="unrecognized mode"):
        ember.linalg.qr(ember.zeros(3, 3), mode="full")
    with pytest.raises(RuntimeError, match="UPLO"):
        ember.linalg.eigh(ember.eye(3), UPLO="X")
    with pytest.raises(RuntimeError, match="at least 2 tensors"):
        ember.linalg.multi_dot([ember.zeros(3)])
    with pytest.raises(RuntimeError, match="square"):
        ember.matrix_power(ember.zeros(2, 3), 2)


def test_backward_errors():
    a = ember.randn(4, 3, requires_grad=True)
    Q, R = ember.linalg.qr(a, mode="r")
    assert Q.shape == (0,) and R.shape == (3, 3)
    with pytest.raises(RuntimeError, match="mode='r'"):
        R.sum().backward()
    Q, R = ember.linalg.qr(a, mode="complete")
    assert Q.shape == (4, 4) and R.shape == (4, 3)
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        (Q.sum() + R.sum()).backward()
    w = ember.linalg.eigvals(ember.randn(3, 3, requires_grad=True))
    assert w.dtype == ember.complex64


# ----------------------------------------------------------------------------- namespace
def test_linalg_namespace_exports_registered_ops():
    names = [n for n in ember.ops.OPS if n.startswith("linalg.")]
    assert len(names) >= 20
    for n in names:
        assert getattr(ember.linalg, n.split(".", 1)[1]) is ember.ops.OPS[n], n
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    assert ember.linalg.matmul is ember.matmul


def test_tensor_methods():
    a = ember.tensor(np.eye(3) * 2)
    assert float(a.det()) == pytest.approx(8.0)
    assert np.allclose(a.inverse().numpy(), np.eye(3) / 2)
    assert a.mm(a).shape == (3, 3) and a.mv(ember.ones(3, dtype=a.dtype)).shape == (3,)
    assert a.matrix_power(3).numpy()[0, 0] == 8
    assert a.slogdet().logabsdet.item() == pytest.approx(math.log(8))
    assert a.cholesky().shape == (3, 3) and a.svd().V.shape == (3, 3)
    b = ember.zeros(3, 3, dtype=a.dtype)
    b.addmm_(a, a, beta=0.5)
    assert np.allclose(b.numpy(), np.eye(3) * 4)


@requires_torch
def test_grad_fn_names():
    a = ember.randn(3, 3, requires_grad=True)
    assert ember.linalg.inv(a).grad_fn.name() == "LinalgInvExBackward0"
    assert ember.linalg.svd(a).S.grad_fn.name() == "LinalgSvdBackward0"
    assert ember.linalg.det(a).grad_fn.name() == "LinalgDetBackward0"
    assert ember.linalg.vector_norm(a).grad_fn.name() == "LinalgVectorNormBackward0"
    assert ember.linalg.eigh(a).eigenvalues.grad_fn.name() == "LinalgEighBackward0"


# ----------------------------------------------------------------------------- vs torch
@requires_torch
def test_result_tuples_have_torch_field_names():
    a = arr(4, 3)
    e, t = both(a)
    for name in ("svd", "qr", "lstsq"):
        args = (e,) if name != "lstsq" else (e, ember.tensor(arr(4, 2)))
        targs = (t,) if name != "lstsq" else (t, torch.tensor(args[1].numpy()))
        er, tr = getattr(ember.linalg, name)(*args), getattr(torch.linalg, name)(*targs)
        assert len(er) == len(tr)
        for f in er._fields:  # torch's structseqs answer the same attribute names
            assert tuple(getattr(er, f).shape) == tuple(getattr(tr, f).shape), (name, f)
    s = ember.tensor(a.T @ a)
    assert ember.linalg.eigh(s)._fields == ("eigenvalues", "eigenvectors")
    assert ember.linalg.slogdet(s)._fields == ("sign", "logabsdet")
    assert ember.svd(e)._fields == ("U", "S", "V")


@requires_torch
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 4, 2)])
def test_full_svd_non_square(shape):
    a = arr(*shape)
    e, t = both(a, True)
    U, S, Vh = ember.linalg.svd(e, full_matrices=True)
    tU, tS, tVh = torch.linalg.svd(t, full_matrices=True)
    m, n = shape[-2:]
    k = min(m, n)
    assert U.shape == tU.shape and Vh.shape == tVh.shape
    Un = U.detach().numpy()
    np.testing.assert_allclose(Un @ Un.swapaxes(-1, -2), np.broadcast_to(
        np.eye(m), U.shape), atol=1e-10)
    # gradient through S and the determined singular vectors
    loss = S.sum() + (U[..., :k] @ Vh[..., :k, :]).pow(2).sum() + (U[..., :k] ** 2 * 0.3).sum()
    tloss = tS.sum() + (tU[..., :k] @ tVh[..., :k, :]).pow(2).sum() + (tU[..., :k] ** 2 * 0.3).sum()
    loss.backward()
    tloss.backward()
    close(e.grad, t.grad, rtol=1e-6, atol=1e-8)


@requires_torch
def test_old_svd_compute_uv_false():
    a = arr(5, 3)
    r, tr = ember.svd(ember.tensor(a), compute_uv=False), torch.svd(torch.tensor(a),
                                                                    compute_uv=False)
    for x, y in zip(r, tr):
        assert x.shape == y.shape
        close(x, y)


@requires_torch
def test_lstsq_gelsd_residuals_and_singular_values():
    a, b = arr(6, 3), arr(6, 2)
    r = ember.linalg.lstsq(ember.tensor(a), ember.tensor(b), driver="gelsd")
    tr = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver="gelsd")
    for x, y in zip(r, tr):
        assert x.shape == y.shape
        close(x, y)
    r = ember.linalg.lstsq(ember.tensor(a), ember.tensor(b))
    assert r.residuals.shape == (0,) and r.singular_values.shape == (0,)


@requires_torch
def test_ex_variants_report_failures():
    bad = np.stack([np.eye(3), -np.eye(3), [[1.0, 2, 0], [2, 1, 0], [0, 0, 1]]])
    L, info = ember.linalg.cholesky_ex(ember.tensor(bad))
    tL, tinfo = torch.linalg.cholesky_ex(torch.tensor(bad))
    assert info.tolist() == tinfo.tolist() and info.dtype == ember.int32
    close(L[0], tL[0])
    sing = np.stack([np.eye(2), np.zeros((2, 2))])
    inv, info = ember.linalg.inv_ex(ember.tensor(sing))
    assert info.tolist()[0] == 0 and info.tolist()[1] > 0
    np.testing.assert_allclose(inv.numpy()[0], np.eye(2))
    assert np.isnan(inv.numpy()[1]).all()
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.inv_ex(ember.tensor(sing), check_errors=True)


@requires_torch
def test_einsum_operand_forms():
    a, b = arr(2, 3), arr(3, 4)
    (ea, ta), (eb, tb) = both(a), both(b)
    close(ember.einsum("ij,jk", [ea, eb]), torch.einsum("ij,jk", [ta, tb]))
    close(ember.einsum(ea, [0, 1], eb, [1, 2], [0, 2]),
          torch.einsum(ta, [0, 1], tb, [1, 2], [0, 2]))
    c = arr(2, 1, 3)
    ec, tc = both(c, True)
    ed, td = both(arr(4, 3), True)
    r, tr = ember.einsum("...j,...j->...", ec, ed), torch.einsum("...j,...j->...", tc, td)
    close(r, tr)
    r.sum().backward()
    tr.sum().backward()
    close(ec.grad, tc.grad)
    close(ed.grad, td.grad)


@requires_torch
@pytest.mark.parametrize("sa,sb", [((2, 3), (4,)), ((3,), (2, 2)), ((2, 1, 3), (2, 2)), ((), (2,))])
def test_kron_mixed_ranks(sa, sb):
    (ea, ta), (eb, tb) = both(arr(*sa), True), both(arr(*sb), True)
    r, tr = ember.kron(ea, eb), torch.kron(ta, tb)
    close(r, tr)
    w = arr(*tr.shape)
    (r * ember.tensor(w)).sum().backward()
    (tr * torch.tensor(w)).sum().backward()
    close(ea.grad, ta.grad)
    close(eb.grad, tb.grad)


@requires_torch
def test_norm_and_cdist_gradient_at_zero():
    e, t = both(np.zeros((2, 3)), True)
    ember.linalg.vector_norm(e).backward()
    torch.linalg.vector_norm(t).backward()
    close(e.grad, t.grad)
    x = arr(3, 2)
    (e1, t1), (e2, t2) = both(x, True), both(x[:2].copy(), True)
    ember.cdist(e1, e2).sum().backward()
    torch.cdist(t1, t2).sum().backward()
    assert not np.isnan(e1.grad.numpy()).any()
    close(e1.grad, t1.grad, rtol=1e-5, atol=1e-7)
    close(e2.grad, t2.grad, rtol=1e-5, atol=1e-7)


@requires_torch
@pytest.mark.parametrize("p", ["fro", "nuc", 1, -1, math.inf, -math.inf])
def test_cond_other_norms_forward(p):
    a = arr(3, 3) + 3 * np.eye(3)
    close(ember.linalg.cond(ember.tensor(a), p), torch.linalg.cond(torch.tensor(a), p), rtol=1e-6)


@requires_torch
def test_matrix_rank_tolerances_and_pinv_rank_deficient():
    a = np.array([[1.0, 2.0], [2.0, 4.0 + 1e-9]])
    for kw in ({}, {"atol": 1e-6}, {"rtol": 1e-12}, {"hermitian": True}):
        assert ember.linalg.matrix_rank(ember.tensor(a), **kw).item() == \
            torch.linalg.matrix_rank(torch.tensor(a), **kw).item(), kw
    b = np.array([[1.0, 2.0], [2.0, 4.0]])
    close(ember.linalg.pinv(ember.tensor(b)), torch.linalg.pinv(torch.tensor(b)))
    close(ember.pinverse(ember.tensor(b)), torch.pinverse(torch.tensor(b)))


@requires_torch
def test_logdet_negative_and_singular():
    a = np.diag([-1.0, 2.0])
    assert math.isnan(ember.logdet(ember.tensor(a)).item())
    assert ember.logdet(ember.tensor(np.zeros((2, 2)))).item() == -math.inf
    s = ember.linalg.slogdet(ember.tensor(a))
    assert s.sign.item() == -1.0 and s.logabsdet.item() == pytest.approx(math.log(2))


@requires_torch
def test_matrix_power_zero_and_addmm_beta_zero_ignores_nan():
    e, t = both(arr(3, 3), True)
    r, tr = ember.linalg.matrix_power(e, 0), torch.linalg.matrix_power(t, 0)
    close(r, tr)
    r.sum().backward()
    np.testing.assert_array_equal(e.grad.numpy(), np.zeros((3, 3)))
    nan = ember.full((2, 2), float("nan"))
    out = ember.addmm(nan, ember.ones(2, 3), ember.ones(3, 2), beta=0)
    assert not np.isnan(out.numpy()).any()


@requires_torch
def test_double_backward_through_svd_and_inverse_matches_torch():
    a = arr(3, 3) + 2 * np.eye(3)
    e, t = both(a, True)
    for lib, x in ((ember, e), (torch, t)):
        S = lib.linalg.svdvals(x)
        inv = lib.linalg.inv(x)
        y = (S ** 3).sum() + (inv ** 2).sum()
        g, = lib.autograd.grad(y, x, create_graph=True)
        (g ** 2).sum().backward()
    close(e.grad, t.grad, rtol=1e-6, atol=1e-8)
