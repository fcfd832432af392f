"""Convolutions: conv1d/conv2d, conv_transpose1d/2d, unfold/fold.

Three ops differentiate into each other, so every order of gradient is available:
``Convolution`` (y = x ⋆ w), ``ConvGradInput`` (transposed conv) and ``ConvGradWeight``.
"""
from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.graph import Op
from ...backend import kernels as K

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]


class Convolution(Op):
    @staticmethod
    def forward(ctx, x, w, b, cfg):
        ctx.save_for_backward(x, w)
        ctx.cfg = cfg
        y = K.conv2d_forward(x, w, *cfg)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        nf = ctx.next_functions
        gx = gw = gb = None
        if nf[0][0] is not None:
            gx = ConvGradInput.apply(g, w, x_shape=x.shape, cfg=ctx.cfg)
        if nf[1][0] is not None:
            gw = ConvGradWeight.apply(x, g, w_shape=w.shape, cfg=ctx.cfg)
        if nf[2][0] is not None:
            gb = g.sum((0, 2, 3))
        return gx, gw, gb


class ConvGradInput(Op):
    """x̂ = convᵀ(g, w): the input-gradient of Convolution, and conv_transpose itself."""

    @staticmethod
    def forward(ctx, g, w, x_shape, cfg):
        ctx.save_for_backward(g, w)
        ctx.cfg = cfg
        return K.conv2d_grad_input(g, w, tuple(x_shape), *cfg)

    @staticmethod
    def backward(ctx, gg):
        g, w = ctx.saved_tensors
        nf = ctx.next_functions
        d_g = Convolution.apply(gg, w, None, cfg=ctx.cfg) if nf[0][0] is not None else None
        d_w = (ConvGradWeight.apply(gg, g, w_shape=w.shape, cfg=ctx.cfg)
               if nf[1][0] is not None else None)
        return d_g, d_w


class ConvGradWeight(Op):
    """ŵ = Σ_n g_n ⋆ x_n: the weight-gradient of Convolution."""

    @staticmethod
    def forward(ctx, x, g, w_shape, cfg):
        ctx.save_for_backward(x, g)
        ctx.cfg = cfg
        return K.conv2d_grad_weight(x, g, tuple(w_shape), *cfg)

    @staticmethod
    def backward(ctx, gw):
        x, g = ctx.saved_tensors
        nf = ctx.next_functions
        d_x = (ConvGradInput.apply(g, gw, x_shape=x.shape, cfg=ctx.cfg)
               if nf[0][0] is not None else None)
        d_g = Convolution.apply(x, gw, None, cfg=ctx.cfg) if nf[1][0] is not None else None
        return d_x, d_g


def _pair(v, n=2):
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise ValueError(f"expected {n} values, got {list(v)}")
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _check_conv(x, w, b, groups, nd, name, transposed=False):
    if not isinstance(x, Tensor) or not isinstance(w, Tensor):
        raise TypeError(f"{name}(): input and weight must be Tensors")
    if x.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
            f"input of size: {list(x.shape)}")
    if w.dim() != nd + 2:
        raise RuntimeError(f"{name}: weight must be {nd + 2}-D, got shape {list(w.shape)}")
    c = x.shape[-nd - 1]
    if transposed:
        if c != w.shape[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {list(w.shape)}, expected input "
                f"{list(x.shape)} to have {w.shape[0]} channels, but got {c} channels instead")
    elif c != w.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(w.shape)}, expected input"
            f"{list(x.shape)} to have {w.shape[1] * groups} channels, but got {c} channels "
            "instead")
    if groups < 1 or w.shape[0] % groups:
        raise RuntimeError(f"{name}: out channels ({w.shape[0]}) must be divisible by groups "
                           f"({groups})")
    if x._data.dtype != w._data.dtype or (b is not None and b._data.dtype != w._data.dtype):
        raise RuntimeError(f"{name}: input type ({x.dtype}) and weight type ({w.dtype}) should "
                           "be the same")
    if x.device != w.device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                           f"two devices, {x.device} and {w.device}! ({name})")


def _same_padding(w_spatial, dilation):
    """(left, right) padding per spatial dim so the output keeps the input's size; when the
    effective kernel is even the extra element goes on the right, as in PyTorch."""
    pads = []
    for k, d in zip(w_spatial, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return pads


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation). Shapes: input (N, C, H, W) or (C, H, W),
    weight (O, C/groups, kh, kw), bias (O,) → (N, O, Ho, Wo)."""
    _check_conv(input, weight, bias, groups, 2, "conv2d")
    stride, dilation = _pair(stride), _pair(dilation)
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError("padding='same' is not supported for strided convolutions")
            pads = _same_padding(weight.shape[2:], dilation)
            if any(lo != hi for lo, hi in pads):
                from ._vision import pad as _pad
                (t, b), (lf, r) = pads
                input = _pad(input, (lf, r, t, b))
                padding = (0, 0)
            else:
                padding = (pads[0][0], pads[1][0])
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of "
                             "{'valid', 'same'}")
    padding = _pair(padding)
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    h, w = x.shape[2:]
    kh, kw = weight.shape[2:]
    eh, ew = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if h + 2 * padding[0] < eh or w + 2 * padding[1] < ew:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({h + 2 * padding[0]} x "
            f"{w + 2 * padding[1]}). Kernel size: ({eh} x {ew}). Kernel size can't be greater "
            "than actual input size")
    y = Convolution.apply(x, weight, bias, cfg=(stride, padding, dilation, groups))
    return y.squeeze(0) if unbatched else y


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-D convolution. Shapes: input (N, C, L) or (C, L), weight (O, C/groups, k) → (N, O, Lo)."""
    _check_conv(input, weight, bias, groups, 1, "conv1d")
    if isinstance(padding, str):
        pad = padding
    else:
        pad = (0, _pair(padding, 1)[0])
    y = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, _pair(stride, 1)[0]), pad,
               (1, _pair(dilation, 1)[0]), groups)
    return y.squeeze(-2)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 2-D convolution (the gradient of conv2d w.r.t. its input).

    Shapes: input (N, C_in, H, W), weight (C_in, C_out/groups, kh, kw) → (N, C_out, Ho, Wo)
    with Ho = (H-1)·stride - 2·padding + dilation·(kh-1) + output_padding + 1.
    """
    _check_conv(input, weight, bias, groups, 2, "conv_transpose2d", transposed=True)
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    output_padding = _pair(output_padding)
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= max(s, d):
            raise RuntimeError(f"output padding must be smaller than either stride or dilation, "
                               f"but got output_padding={output_padding}, stride={stride}, "
                               f"dilation={dilation}")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    n, _, h, w = x.shape
    kh, kw = weight.shape[2:]
    ho = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + output_padding[0] + 1
    wo = (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + output_padding[1] + 1
    c_out = weight.shape[1] * groups
    y = ConvGradInput.apply(x, weight, x_shape=(n, c_out, ho, wo),
                            cfg=(stride, padding, dilation, groups))
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 1-D convolution. Shapes: (N, C_in, L), weight (C_in, C_out/g, k)."""
    y = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias,
                         (1, _pair(stride, 1)[0]), (0, _pair(padding, 1)[0]),
                         (0, _pair(output_padding, 1)[0]), groups, (1, _pair(dilation, 1)[0]))
    return y.squeeze(-2)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding local blocks: (N, C, H, W) → (N, C·kh·kw, L) (im2col)."""
    from ... import _creation
    if input.dim() != 4:
        raise RuntimeError(f"Input Error: Only 4D input Tensors are supported (got "
                           f"{input.dim()}D)")
    k = _pair(kernel_size)
    c = input.shape[1]
    eye = _creation.eye(c * k[0] * k[1], dtype=input.dtype).reshape(c * k[0] * k[1], c, *k)
    y = conv2d(input, eye, None, stride, padding, dilation)
    return y.flatten(2)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum sliding local blocks back into an image: (N, C·kh·kw, L) → (N, C, H, W) (col2im)."""
    from ... import _creation
    k = _pair(kernel_size)
    out_hw = _pair(output_size)
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    n, ckk, length = input.shape
    c = ckk // (k[0] * k[1])
    ho = K.out_size(out_hw[0], k[0], stride[0], padding[0], dilation[0])
    wo = K.out_size(out_hw[1], k[1], stride[1], padding[1], dilation[1])
    if ho * wo != length:
        raise RuntimeError(f"fold: expected input's last dim to be {ho * wo} blocks for "
                           f"output_size={out_hw}, got {length}")
    eye = _creation.eye(ckk, dtype=input.dtype).reshape(ckk, c, *k)
    return ConvGradInput.apply(input.reshape(n, ckk, ho, wo), eye, x_shape=(n, c) + out_hw,
                               cfg=(stride, padding, dilation, 1))
