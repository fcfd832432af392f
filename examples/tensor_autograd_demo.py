"""Ember demo: tensors, autograd, a custom autograd.Function, and linear algebra.

The programs are PyTorch's own tutorial code ("Learning PyTorch with Examples" and the autograd
tutorial) with ``import torch`` replaced by ``import ember as torch``. Runs in a few seconds:

    python examples/tensor_autograd_demo.py
"""
import math
import os
import sys

# Run from a checkout without installing: make the repository root importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import ember as torch  # noqa: E402 - the only change a PyTorch program needs

STEPS = 2000


def section(title):
    print(f"\n=== {title} ===")


def poly_str(a, b, c, d):
    return f"y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3"


def fit_manual_gradients():
    """(a) Fit a + b x + c x^2 + d x^3 to sin(x), gradients written out by hand."""
    section("(a) polynomial fit of sin(x), manual gradients")
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    a, b, c, d = (torch.randn(()) for _ in range(4))
    learning_rate = 1e-6
    for t in range(STEPS):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        if t % 500 == 499:
            print(f"step {t + 1:4d}  loss {loss:10.2f}")
        # Backprop by hand: d loss / d y_pred, then the chain rule for each coefficient.
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x ** 2).sum()
        grad_d = (grad_y_pred * x ** 3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    print("result:", poly_str(a, b, c, d))


def fit_autograd():
    """(b) The same fit, with autograd computing the gradients."""
    section("(b) polynomial fit of sin(x), autograd")
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    a, b, c, d = (torch.randn((), requires_grad=True) for _ in range(4))
    learning_rate = 1e-6
    for t in range(STEPS):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 500 == 499:
            print(f"step {t + 1:4d}  loss {loss.item():10.2f}")
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    print("result:", poly_str(a, b, c, d))
    print("grad_fn of the last loss:", loss.grad_fn)


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2 with a hand-written backward, P3'(x) = 1.5 (5x^2 - 1)."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def fit_custom_function():
    """(c) y = a + b P3(c + d x) with the custom Function (the tutorial's start and rate)."""
    section("(c) fit with a custom autograd.Function (LegendrePolynomial3)")
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    a = torch.full((), 0.0, requires_grad=True)
    b = torch.full((), -1.0, requires_grad=True)
    c = torch.full((), 0.0, requires_grad=True)
    d = torch.full((), 0.3, requires_grad=True)
    learning_rate = 5e-6
    P3 = LegendrePolynomial3.apply
    for t in range(STEPS):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 500 == 499:
            print(f"step {t + 1:4d}  loss {loss.item():10.2f}")
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    print(f"result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)")


def jacobian_vector_product():
    """(d) backward() with a vector on a non-scalar output gives J^T v."""
    section("(d) vector-Jacobian product")
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    print("y =", y)
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    print("x.grad =", x.grad)
    # y = x * 2^k, so the Jacobian is 2^k I and x.grad must be 2^k v.
    k = round(math.log2((y / x).mean().item()))
    print(f"y = x * 2^{k}; x.grad == 2^{k} * v:", torch.allclose(x.grad, v * 2 ** k))


def linear_algebra():
    """(e) SVD, symmetric eigenvalues, einsum, and solving a linear system."""
    section("(e) linear algebra")
    A = torch.randn(5, 3)
    U, S, V = torch.svd(A)
    print("singular values:", S)
    print("U diag(S) V^T reconstructs A:", torch.allclose(U @ torch.diag(S) @ V.T, A, atol=1e-5))

    M = torch.randn(4, 4)
    sym = M + M.T
    evals = torch.linalg.eigvalsh(sym)
    print("eigenvalues of a symmetric matrix (ascending):", evals)
    print("sum equals the trace:", torch.allclose(evals.sum(), torch.trace(sym), atol=1e-4))

    p, q = torch.randn(3, 4), torch.randn(4, 2)
    print("einsum('ik,kj->ij') equals p @ q:",
          torch.allclose(torch.einsum("ik,kj->ij", p, q), p @ q, atol=1e-6))
    batch = torch.randn(2, 3, 4)
    print("einsum batch trace of b b^T:", torch.einsum("bij,bij->b", batch, batch))

    K = torch.randn(3, 3) + 3 * torch.eye(3)
    rhs = torch.randn(3)
    sol = torch.linalg.solve(K, rhs)
    print("solve(K, rhs) =", sol, " residual:", (K @ sol - rhs).abs().max().item())


def main():
    torch.manual_seed(0)
    fit_manual_gradients()
    fit_autograd()
    fit_custom_function()
    jacobian_vector_product()
    linear_algebra()


if __name__ == "__main__":
    main()
