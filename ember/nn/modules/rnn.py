"""Recurrent layers: RNN, LSTM, GRU (fused, one graph node per layer and direction) and the
cells RNNCell, LSTMCell, GRUCell (composed from differentiable ops).

Parameter names, shapes, gate order (LSTM: i, f, g, o; GRU: r, z, n) and default
initialisation U(-1/√hidden, 1/√hidden) follow PyTorch, so a PyTorch ``state_dict`` loads and
gives the same outputs.
"""
from __future__ import annotations

import math
import numbers
import warnings

from ... import _creation
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..functional._rnn import rnn_layer, steps_packed, steps_padded
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_Packed = None


def _packed_cls():
    global _Packed
    if _Packed is None:
        from ..utils._packed import PackedSequence
        _Packed = PackedSequence
    return _Packed


def _ops():
    from ... import ops
    return ops.OPS


def _dropout(x: Tensor, p: float) -> Tensor:
    """Inverted dropout between layers (training only)."""
    try:
        from ..functional import dropout
    except ImportError:
        dropout = None
    if dropout is not None:
        return dropout(x, p, True)
    if p >= 1:
        return x * 0
    mask = _creation.rand(tuple(x.shape), dtype=x.dtype, device=x.device) >= p
    return x * mask.to(x.dtype) * (1.0 / (1.0 - p))


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (parameters, checks, the layer loop)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: "
                            f"{type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: "
                            f"{type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_dirs = 2 if bidirectional else 1
        gate = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        kw = {"device": device, "dtype": dtype}
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(num_dirs):
                layer_in = input_size if layer == 0 else real_hidden * num_dirs
                sfx = "_reverse" if direction == 1 else ""
                shapes = [(f"weight_ih_l{layer}{sfx}", (gate, layer_in)),
                          (f"weight_hh_l{layer}{sfx}", (gate, real_hidden))]
                if bias:
                    shapes += [(f"bias_ih_l{layer}{sfx}", (gate,)),
                               (f"bias_hh_l{layer}{sfx}", (gate,))]
                if proj_size > 0:
                    shapes.append((f"weight_hr_l{layer}{sfx}", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name, Parameter(_creation.empty(shape, **kw)))
                names = [n for n, _ in shapes]
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """No-op: there is no cuDNN weight buffer to compact (kept for API compatibility)."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ checks
    def _check_input(self, input: Tensor, packed: bool) -> None:
        expected = 2 if packed else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        w = self.weight_ih_l0
        if input._data.dtype != w._data.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({w.dtype}). Convert the input (e.g. input.to({w.dtype})) or "
                             "the module (e.g. .to(input.dtype)).")
        if input.device != w.device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                               f"least two devices, {input.device} and {w.device}! (input "
                               f"of {type(self).__name__})")

    def _expected_hidden(self, batch: int, cell: bool = False) -> tuple:
        dirs = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 and not cell else self.hidden_size
        return (self.num_layers * dirs, batch, size)

    @staticmethod
    def _check_hidden(hx: Tensor, expected: tuple, what: str = "hidden") -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {list(hx.shape)}")

    def _name(self) -> str:
        return "RNN" if self.mode.startswith("RNN") else self.mode

    # ------------------------------------------------------------------ forward
    def _prepare(self, input, hx):
        """Normalise input/hx → (flat input, order per step, batch, hx list, unpack info)."""
        Packed = _packed_cls()
        is_lstm = self.mode == "LSTM"
        if is_lstm and hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise RuntimeError(f"LSTM: hx must be a tuple (h_0, c_0) of two tensors, got "
                               f"{type(hx).__name__}")
        if isinstance(input, Packed):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            self._check_input(data, True)
            batch = int(batch_sizes[0])
            steps = steps_packed(batch_sizes._data.tolist())
            hx = self._check_hx(hx, batch, is_lstm, data)
            if hx is not None and sorted_indices is not None:
                hx = [h.index_select(1, sorted_indices) for h in hx]
            info = ("packed", input)
            return data, steps, batch, hx, info
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._name()}: expected input to be a Tensor or a "
                            f"PackedSequence, got {type(input).__name__}")
        if input.dim() not in (2, 3):
            raise ValueError(f"{self._name()}: Expected input to be 2D or 3D, got "
                             f"{input.dim()}D {'tensor ' if self.mode != 'LSTM' else ''}"
                             "instead")
        unbatched = input.dim() == 2
        if unbatched:
            input = input.unsqueeze(0 if self.batch_first else 1)
            if hx is not None:
                hs = list(hx) if is_lstm else [hx]
                self._check_hx_rank(hs, 2, "unbatched 2-D")
                hs = [h.unsqueeze(1) for h in hs]
                hx = tuple(hs) if is_lstm else hs[0]
        elif hx is not None:
            self._check_hx_rank(list(hx) if is_lstm else [hx], 3, "batched 3-D")
        self._check_input(input, False)
        if self.batch_first:
            batch, T = input.shape[0], input.shape[1]
        else:
            T, batch = input.shape[0], input.shape[1]
        if T == 0:
            raise RuntimeError(f"Expected sequence length to be larger than 0 in RNN, got "
                               f"input of shape {list(input.shape)}")
        hx = self._check_hx(hx, batch, is_lstm, input)
        # The fused op wants every timestep's rows contiguous: run time-major internally
        # (one copy in, a transposed view out, as PyTorch's batch_first output is).
        if self.batch_first:
            input = input.transpose(0, 1)
        flat = input.reshape(T * batch, input.shape[2])
        return flat, steps_padded(T, batch, False), batch, hx, ("padded", unbatched, T)

    @staticmethod
    def _check_hx_rank(hs, rank, what):
        if any(not isinstance(h, Tensor) for h in hs):
            raise TypeError(f"hx must be a Tensor (LSTM: a tuple (h_0, c_0) of Tensors), got "
                            f"{[type(h).__name__ for h in hs]}")
        if any(h.dim() != rank for h in hs):
            if len(hs) == 1:
                raise RuntimeError(f"For {what} input, hx should also be {rank}-D but got "
                                   f"{hs[0].dim()}-D tensor")
            raise RuntimeError(f"For {what} input, hx and cx should also be {rank}-D but got "
                               f"({hs[0].dim()}-D, {hs[1].dim()}-D) tensors")

    def _check_hx(self, hx, batch, is_lstm, input):
        if hx is None:
            return None
        for h in (hx if is_lstm else [hx]):
            if isinstance(h, Tensor) and h._data.dtype != input._data.dtype:
                raise RuntimeError(f"Input and hidden tensors are not the same dtype, found "
                                   f"input tensor with {input.dtype} and hidden tensor with "
                                   f"{h.dtype}")
            if isinstance(h, Tensor) and h.device != input.device:
                raise RuntimeError(f"Input and hidden tensors are not at the same device, "
                                   f"found input tensor at {input.device} and hidden tensor "
                                   f"at {h.device}")
        if is_lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0) of two tensors")
            self._check_hidden(hx[0], self._expected_hidden(batch), "hidden[0]")
            self._check_hidden(hx[1], self._expected_hidden(batch, cell=True), "hidden[1]")
            return list(hx)
        if not isinstance(hx, Tensor):
            raise TypeError(f"{self._name()}: hx must be a Tensor, got {type(hx).__name__}")
        self._check_hidden(hx, self._expected_hidden(batch))
        return [hx]

    def forward(self, input, hx=None):
        """Run all layers. Shapes: input (L, N, H_in) / (N, L, H_in) with batch_first /
        (L, H_in) unbatched / PackedSequence; hx (D·num_layers, N, H_out) (LSTM: (h_0, c_0)).
        Returns (output, h_n) — LSTM: (output, (h_n, c_n))."""
        flat, steps, batch, hx, info = self._prepare(input, hx)
        is_lstm = self.mode == "LSTM"
        dirs = 2 if self.bidirectional else 1
        H = self.hidden_size
        Hout = self.proj_size if self.proj_size > 0 else H
        dt, dev = flat.dtype, flat.device
        zeros_h = zeros_c = None
        if hx is None:
            zeros_h = _creation.zeros((batch, Hout), dtype=dt, device=dev)
            if is_lstm:
                zeros_c = zeros_h if Hout == H else _creation.zeros((batch, H), dtype=dt,
                                                                      device=dev)
        rev_steps = steps[::-1]
        x = flat
        h_n, c_n = [], []
        names = self._all_weights
        params = self._parameters
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                ws = [params[n] for n in names[k]]
                w_ih, w_hh = ws[0], ws[1]
                b_ih, b_hh = (ws[2], ws[3]) if self.bias else (None, None)
                w_hr = ws[-1] if self.proj_size > 0 else None
                h0 = hx[0][k] if hx is not None else zeros_h
                c0 = (hx[1][k] if hx is not None else zeros_c) if is_lstm else None
                res = rnn_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, self.mode,
                                rev_steps if d == 1 else steps)
                outs.append(res[0])
                h_n.append(res[1])
                if is_lstm:
                    c_n.append(res[2])
            x = outs[0] if dirs == 1 else _ops()["cat"](outs, 1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout)
        stack = _ops()["stack"]
        h_n = stack(h_n, 0)
        c_n = stack(c_n, 0) if is_lstm else None
        if info[0] == "packed":
            packed = info[1]
            if packed.unsorted_indices is not None:
                h_n = h_n.index_select(1, packed.unsorted_indices)
                if is_lstm:
                    c_n = c_n.index_select(1, packed.unsorted_indices)
            output = type(packed)(x, packed.batch_sizes, packed.sorted_indices,
                                  packed.unsorted_indices)
        else:
            _, unbatched, T = info
            output = x.reshape(T, batch, x.shape[1])
            if self.batch_first:
                output = output.transpose(0, 1)
            if unbatched:
                output = output.squeeze(0 if self.batch_first else 1)
                h_n = h_n.squeeze(1)
                if is_lstm:
                    c_n = c_n.squeeze(1)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)``, act tanh or relu.

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``.
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, gates (i, f, g, o); optional projection ``proj_size``.

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0)``; forward returns ``output, (h_n, c_n)``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit, gates (r, z, n), ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``.

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)``.
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)



# ---------------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Parameters and checks shared by the cells: weight_ih (G·H, in), weight_hh (G·H, H),
    bias_ih, bias_hh (G·H,), all U(-1/√H, 1/√H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {"device": device, "dtype": dtype}
        g = num_chunks * hidden_size
        self.weight_ih = Parameter(_creation.empty((g, input_size), **kw))
        self.weight_hh = Parameter(_creation.empty((g, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(_creation.empty(g, **kw))
            self.bias_hh = Parameter(_creation.empty(g, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = self.__dict__.get("nonlinearity")
        if nl is not None and nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def _prepare(self, input: Tensor, hxs, name: str):
        """Check shapes, add the batch dim to unbatched input; hxs: list of states/None."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        for k, h in enumerate(hxs):
            if h is not None and h.dim() not in (1, 2):
                what = "hidden" if len(hxs) == 1 else f"hx[{k}]"
                raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {h.dim()}D "
                                 "instead")
        batched = input.dim() == 2
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got "
                               f"{input.shape[-1]} expected {self.input_size}")
        if input._data.dtype != self.weight_ih._data.dtype:
            raise RuntimeError(f"{name}: input dtype ({input.dtype}) does not match weight "
                               f"dtype ({self.weight_ih.dtype})")
        x = input if batched else input.unsqueeze(0)
        out = []
        for k, h in enumerate(hxs):
            if h is None:
                h = _creation.zeros((x.shape[0], self.hidden_size), dtype=x.dtype,
                                    device=x.device)
            else:
                if h.dim() != input.dim():
                    raise RuntimeError(
                        f"{name}: input and hidden state must both be batched (2-D) or both "
                        f"unbatched (1-D), got input of shape {list(input.shape)} and "
                        f"hx{f'[{k}]' if len(hxs) > 1 else ''} of shape {list(h.shape)}")
                if not batched:
                    h = h.unsqueeze(0)
                if h.shape[0] != x.shape[0]:
                    raise RuntimeError(f"{name}: Input batch size {x.shape[0]} doesn't match "
                                       f"hidden{k} batch size {h.shape[0]}")
                if h.shape[1] != self.hidden_size:
                    raise RuntimeError(f"{name}: hidden{k} has inconsistent hidden_size: got "
                                       f"{h.shape[1]}, expected {self.hidden_size}")
            out.append(h)
        return x, out, batched


class RNNCell(RNNCellBase):
    """``h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)``. Shapes: input (N, in) or (in,),
    hx (N, H) or (H,) (zeros when omitted) → (N, H) or (H,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, [hx], "RNNCell")
        pre = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh,
                                                                    self.bias_hh)
        if self.nonlinearity == "tanh":
            out = pre.tanh()
        elif self.nonlinearity == "relu":
            out = pre.relu()
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, gates (i, f, g, o). Shapes: input (N, in) or (in,), hx = (h, c) each
    (N, H) or (H,) (zeros when omitted) → (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx=None):
        hxs = [None, None] if hx is None else list(hx)
        x, (h, c), batched = self._prepare(input, hxs, "LSTMCell")
        gates = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh,
                                                                      self.bias_hh)
        i, f, g, o = gates.chunk(4, 1)
        c2 = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h2 = o.sigmoid() * c2.tanh()
        if not batched:
            return h2.squeeze(0), c2.squeeze(0)
        return h2, c2


class GRUCell(RNNCellBase):
    """One GRU step: ``r, z = σ(…)``, ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``,
    ``h' = (1 - z) ⊙ n + z ⊙ h``. Shapes as :class:`RNNCell`."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, [hx], "GRUCell")
        gi = F.linear(x, self.weight_ih, self.bias_ih)
        gh = F.linear(h, self.weight_hh, self.bias_hh)
        ir, iz, inn = gi.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r = (ir + hr).sigmoid()
        z = (iz + hz).sigmoid()
        n = (inn + r * hn).tanh()
        out = n + z * (h - n)
        return out if batched else out.squeeze(0)
