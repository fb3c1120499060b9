"""Step-by-step traces that scenes draw.

A trace is lazy: iterating it yields one record per step (output position, input position or deformable tap set)
in order, built on demand, so a 64x64 input costs nothing until its steps are read. Each record carries every
number a figure shows (positions, kernel indices, values, weights, products, bias, total); the totals are
exactly the operation's output.

Symbolic mode: pass arrays of strings (names) for the input and the kernel; products become ``"aw"`` and totals
``"aw+bx+ey+fz"``, so figure1's expressions come from the same code as the numbers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from math import prod
from typing import Any, Iterator

import numpy as np

from . import ops
from .shapes import conv_output_length, resolve_padding

__all__ = ["Tap", "ConvStep", "ConvTrace", "trace_conv", "Stamp", "ScatterStep", "ScatterTrace", "GatherTrace",
           "trace_conv_transpose", "Neighbour", "DeformTap", "DeformStep", "DeformTrace", "trace_deform_conv2d",
           "fmt", "product_term", "symbolic_product", "symbolic_sum"]


# -------------------------------------------------------------------------------------------- formatting
def fmt(v: Any, precision: int = 2) -> str:
    """A value as drawn: integers as integers, other numbers with ``precision`` decimals, strings as is."""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    s = f"{f:.{precision}f}"
    return "0" if s.lstrip("-").strip("0.") == "" else s


def _py(v):
    """numpy scalar → Python scalar (exact for ints)."""
    return v.item() if isinstance(v, np.generic) else v


def _is_symbolic(a: np.ndarray) -> bool:
    return a.dtype.kind in "UOS"


def symbolic_product(value: str, weight: str) -> str | None:
    """``a``·``w`` → ``"aw"`` (single letters) or ``"x11·a"``; zero (padding) → None."""
    if value in ("0", "") or weight in ("0", ""):
        return None
    if len(value) == 1 and len(weight) == 1:
        return f"{value}{weight}"
    return f"{value}·{weight}"


def symbolic_sum(terms) -> str:
    terms = [t for t in terms if t not in (None, "", "0")]
    return "+".join(terms) if terms else "0"


# ------------------------------------------------------------------------------------------------- conv
@dataclass(frozen=True)
class Tap:
    """One kernel tap of one step."""
    channel: int                     # input channel
    kernel_index: tuple[int, ...]    # (c_local, *k): index into weight[out_channel]
    position: tuple[int, ...]        # input position, unpadded coordinates (outside the input = padding)
    padded_position: tuple[int, ...] # position in the padded grid
    is_padding: bool
    value: Any
    weight: Any
    product: Any


@dataclass(frozen=True)
class ConvStep:
    index: int
    batch: int
    out_channel: int
    out_position: tuple[int, ...]
    window_origin: tuple[int, ...]   # padded coordinates of tap (0, …, 0)
    taps: tuple[Tap, ...]
    bias: Any
    total: Any

    @property
    def out_index(self) -> tuple[int, ...]:
        return (self.out_channel,) + self.out_position

    def channel_sums(self) -> dict[int, Any]:
        """Per input channel partial sums (the multi-channel demo's per-slice sums), bias excluded."""
        sums: dict[int, Any] = {}
        for t in self.taps:
            if isinstance(t.product, str) or t.product is None:
                sums[t.channel] = symbolic_sum([sums.get(t.channel), t.product])
            else:
                sums[t.channel] = sums.get(t.channel, 0) + t.product
        return sums

    def terms(self, precision: int = 2, times: str = "×", skip_padding: bool = False) -> list[str]:
        """``["1×1", "1×0", …]``: each tap's value × weight (negative weights in brackets), then the bias."""
        out = [product_term(t.value, t.weight, precision, times) for t in self.taps
               if not (skip_padding and t.is_padding)]
        if self.bias is not None:
            out.append(fmt(self.bias, precision))
        return out

    def expression(self, precision: int = 2, times: str = "×", skip_padding: bool = False) -> str:
        """``1×1 + 1×0 + … = 4`` from the step's own values (the bias, if any, as the last term)."""
        if self.taps and isinstance(self.taps[0].value, str):
            return f"{self.total}"
        return " + ".join(self.terms(precision, times, skip_padding)) + f" = {fmt(self.total, precision)}"


def product_term(value, weight, precision: int = 2, times: str = "×") -> str:
    ws = fmt(weight, precision)
    if ws.startswith("-"):
        ws = f"({ws})"
    return f"{fmt(value, precision)}{times}{ws}"


class ConvTrace:
    """The steps of ``conv(x, weight, …)``; iterate for ``ConvStep`` records (batch, out channel, then
    output positions in row-major order)."""

    def __init__(self, x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, true_conv=False):
        x_arr, w_arr = np.asarray(x), np.asarray(weight)
        self.symbolic = _is_symbolic(x_arr) or _is_symbolic(w_arr)
        if self.symbolic:
            x_arr, w_arr = x_arr.astype(str), w_arr.astype(str)
            num = ops.setup(np.zeros(x_arr.shape, np.int8), np.ones(w_arr.shape, np.int8), None, stride,
                            dilation, groups)
            s_x = x_arr if num.batched else x_arr[None]
            b = None if bias is None else np.asarray(bias).astype(str)
        else:
            num = ops.setup(x_arr, w_arr, bias, stride, dilation, groups)
            s_x, b = num.x, num.bias
        self.batched = num.batched
        self.nd = num.nd
        self.groups = num.groups
        self.stride = num.stride
        self.dilation = num.dilation
        self.kernel_size = num.kernel_size
        self.true_conv = bool(true_conv)
        self.weight_given = w_arr
        w = w_arr[(slice(None), slice(None)) + (slice(None, None, -1),) * self.nd] if true_conv else w_arr
        self.weight = w                                    # the weight the taps multiply (flipped if true_conv)
        self.bias = b
        self.x = s_x                                       # (N, C, *spatial)
        self.padding = resolve_padding(padding, self.kernel_size, self.dilation, self.stride)
        spatial = s_x.shape[2:]
        self.in_size = tuple(spatial)
        self.out_size = tuple(conv_output_length(spatial[a], self.kernel_size[a], self.stride[a], self.padding[a],
                                                 self.dilation[a], a if self.nd > 1 else None)
                              for a in range(self.nd))
        self.out_channels = w.shape[0]
        self.in_channels = s_x.shape[1]
        pad_val = "0" if self.symbolic else 0
        self.padded = np.pad(s_x, [(0, 0), (0, 0)] + [tuple(p) for p in self.padding],
                             constant_values=pad_val)
        self._output = None

    # -- geometry ---------------------------------------------------------------------------------------
    @property
    def padded_size(self) -> tuple[int, ...]:
        return self.padded.shape[2:]

    @property
    def output_shape(self) -> tuple[int, ...]:
        core = (self.out_channels,) + self.out_size
        return ((self.x.shape[0],) + core) if self.batched else core

    def unvisited(self) -> list[tuple[int, ...]]:
        """Input cells (unpadded coordinates) that no window reaches: what the floor of the size rule drops."""
        seen = np.zeros(self.in_size, dtype=bool)
        for o in itertools.product(*[range(n) for n in self.out_size]):
            for t in itertools.product(*[range(k) for k in self.kernel_size]):
                p = tuple(o[a] * self.stride[a] - self.padding[a][0] + t[a] * self.dilation[a]
                          for a in range(self.nd))
                if all(0 <= p[a] < self.in_size[a] for a in range(self.nd)):
                    seen[p] = True
        return [tuple(int(v) for v in idx) for idx in np.argwhere(~seen)]

    def window_cells(self, out_position) -> list[tuple[int, ...]]:
        """Padded-grid cells under the window of one output position (row-major tap order)."""
        return [tuple(out_position[a] * self.stride[a] + t[a] * self.dilation[a] for a in range(self.nd))
                for t in itertools.product(*[range(k) for k in self.kernel_size])]

    # -- steps ------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.x.shape[0] * self.out_channels * prod(self.out_size)

    def __iter__(self) -> Iterator[ConvStep]:
        return (self.step(i) for i in range(len(self)))

    def __getitem__(self, i: int) -> ConvStep:
        return self.step(i)

    def step(self, i: int) -> ConvStep:
        n_pos = prod(self.out_size)
        if not 0 <= i < len(self):
            raise IndexError(f"step {i} out of range 0..{len(self) - 1}")
        n, rest = divmod(i, self.out_channels * n_pos)
        co, flat = divmod(rest, n_pos)
        pos = tuple(int(v) for v in np.unravel_index(flat, self.out_size))
        cg = self.weight.shape[1]
        og = self.out_channels // self.groups
        c0 = (co // og) * cg
        origin = tuple(pos[a] * self.stride[a] for a in range(self.nd))
        taps = []
        for cl in range(cg):
            c = c0 + cl
            for t in itertools.product(*[range(k) for k in self.kernel_size]):
                pp = tuple(origin[a] + t[a] * self.dilation[a] for a in range(self.nd))
                up = tuple(pp[a] - self.padding[a][0] for a in range(self.nd))
                is_pad = not all(0 <= up[a] < self.in_size[a] for a in range(self.nd))
                v = _py(self.padded[(n, c) + pp])
                w = _py(self.weight[(co, cl) + t])
                prod_ = symbolic_product(v, w) if self.symbolic else v * w
                taps.append(Tap(c, (cl,) + t, up, pp, is_pad, v, w, prod_))
        b = None if self.bias is None else _py(self.bias[co])
        if self.symbolic:
            total = symbolic_sum([t.product for t in taps] + [b])
        else:
            total = sum(t.product for t in taps) + (b if b is not None else 0)
        return ConvStep(i, n, co, pos, origin, tuple(taps), b, total)

    # -- results ----------------------------------------------------------------------------------------
    @property
    def output(self) -> np.ndarray:
        """The operation's output (``ops.conv``; for symbolic traces, the array of expressions)."""
        if self._output is None:
            if self.symbolic:
                out = np.empty((self.x.shape[0], self.out_channels) + self.out_size, dtype=object)
                for st in self:
                    out[(st.batch, st.out_channel) + st.out_position] = st.total
                self._output = out if self.batched else out[0]
            else:
                self._output = ops.conv(self.x if self.batched else self.x[0], self.weight, self.bias,
                                        self.stride, self.padding_arg, self.dilation, self.groups)
        return self._output

    @property
    def padding_arg(self):
        """Padding as ``conv`` accepts it (symmetric only); asymmetric 'same' padding is applied explicitly."""
        if all(b == a for b, a in self.padding):
            return tuple(b for b, _ in self.padding)
        return "same"


def trace_conv(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, true_conv=False) -> ConvTrace:
    """Lazy trace of ``conv`` (same arguments); numbers or, given strings, symbolic expressions."""
    return ConvTrace(x, weight, bias, stride, padding, dilation, groups, true_conv)


# ------------------------------------------------------------------------------------- transposed conv
@dataclass(frozen=True)
class Stamp:
    """One tap of a scatter step: value × weight added into one output cell (dropped if outside)."""
    out_channel: int
    kernel_index: tuple[int, ...]      # (c_out_local, *k) into weight[in_channel]
    out_position: tuple[int, ...]      # may lie outside the output (cropped by padding)
    inside: bool
    weight: Any
    product: Any


@dataclass(frozen=True)
class ScatterStep:
    index: int
    batch: int
    in_channel: int
    in_position: tuple[int, ...]
    value: Any
    stamps: tuple[Stamp, ...]
    partial: np.ndarray = field(repr=False)   # running output (C_out, *o) after this step, bias not yet added


class ScatterTrace:
    """Transposed conv as scatter: each input value times the kernel, added into the output."""

    def __init__(self, x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        s = ops.setup(x, weight, bias, stride, dilation, groups, transposed=True)
        self.setup = s
        self.batched = s.batched
        self.x, self.weight, self.bias = s.x, s.weight, s.bias
        self.nd, self.groups = s.nd, s.groups
        self.geometry = ops.conv_transpose_geometry(s.x.shape[2:], s.kernel_size, s.stride, padding,
                                                    output_padding, s.dilation)
        self.in_size = tuple(s.x.shape[2:])
        self.out_size = self.geometry.out_size
        self.in_channels = s.x.shape[1]
        self.out_channels = s.weight.shape[1] * s.groups
        self.output = ops.conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation)

    def __len__(self) -> int:
        return self.x.shape[0] * self.in_channels * prod(self.in_size)

    def __iter__(self) -> Iterator[ScatterStep]:
        g = self.geometry
        dtype = np.result_type(self.x, self.weight)
        og = self.out_channels // self.groups
        cg = self.in_channels // self.groups
        running = None
        i = 0
        for n in range(self.x.shape[0]):
            running = np.zeros((self.out_channels,) + self.out_size, dtype=dtype)
            for ci in range(self.in_channels):
                for pos in itertools.product(*[range(v) for v in self.in_size]):
                    v = _py(self.x[(n, ci) + pos])
                    stamps = []
                    for col in range(og):
                        co = (ci // cg) * og + col
                        for t in itertools.product(*[range(k) for k in g.kernel_size]):
                            op = tuple(pos[a] * g.stride[a] - g.padding[a] + t[a] * g.dilation[a]
                                       for a in range(self.nd))
                            inside = all(0 <= op[a] < self.out_size[a] for a in range(self.nd))
                            w = _py(self.weight[(ci, col) + t])
                            stamps.append(Stamp(co, (col,) + t, op, inside, w, v * w))
                            if inside:
                                running[(co,) + op] += v * w
                    yield ScatterStep(i, n, ci, pos, v, tuple(stamps), running.copy())
                    i += 1

    def final(self, batch: int = 0) -> np.ndarray:
        """Sum of all stamps plus bias: equals the output."""
        last = None
        for st in self:
            if st.batch == batch:
                last = st.partial
        out = last.copy()
        if self.bias is not None:
            out = out + self.bias.reshape((-1,) + (1,) * self.nd)
        return out


class GatherTrace(ConvTrace):
    """Transposed conv as gather: a stride-1 conv over the zero-inserted, padded input with the flipped kernel.

    ``kinds`` marks each cell of the expanded input: 0 data, 1 inserted zero, 2 padding, 3 output padding
    (bottom/right); ``sources`` gives the input position of each data cell (−1 elsewhere).
    """

    KIND_NAMES = ("data", "inserted", "padding", "output_padding")

    def __init__(self, x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        s = ops.setup(x, weight, bias, stride, dilation, groups, transposed=True)
        geom = ops.conv_transpose_geometry(s.x.shape[2:], s.kernel_size, s.stride, padding, output_padding,
                                           s.dilation)
        expanded = ops.expand_for_transpose(s.x, geom)
        w = ops.transpose_weight_as_conv(s.weight, s.groups)
        super().__init__(expanded if s.batched else expanded[0], w, s.bias, 1, 0, s.dilation, s.groups)
        self.geometry = geom
        self.transposed_weight = s.weight
        self.source_input = s.x if s.batched else s.x[0]
        axes = [geom.axis_kinds(a) for a in range(self.nd)]
        grids = np.meshgrid(*[k for k, _ in axes], indexing="ij")
        kinds = np.zeros(geom.expanded_size, dtype=np.int8)
        for code in (1, 2, 3):                       # output padding (whole bottom rows / right columns) wins
            for gk in grids:
                kinds[gk == code] = code
        srcs = np.meshgrid(*[src for _, src in axes], indexing="ij")
        sources = np.where((kinds == 0)[..., None], np.stack(srcs, axis=-1), -1)
        self.kinds = kinds
        self.sources = sources


def trace_conv_transpose(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                         view: str = "scatter"):
    """Lazy trace of ``conv_transpose``: ``view='scatter'`` (each input value stamps value × kernel into the
    output) or ``view='gather'`` (the equivalent direct conv with the flipped kernel)."""
    if view == "scatter":
        return ScatterTrace(x, weight, bias, stride, padding, output_padding, groups, dilation)
    if view == "gather":
        return GatherTrace(x, weight, bias, stride, padding, output_padding, groups, dilation)
    raise ValueError(f"view must be 'scatter' or 'gather', got {view!r}")


# ------------------------------------------------------------------------------------------ deformable
@dataclass(frozen=True)
class Neighbour:
    position: tuple[int, int]
    weight: float          # bilinear weight
    value: float           # input value (0 outside)
    inside: bool


@dataclass(frozen=True)
class DeformTap:
    channel: int
    kernel_index: tuple[int, int, int]   # (c_local, i, j)
    regular: tuple[int, int]             # regular grid position out·stride − padding + tap·dilation
    offset: tuple[float, float]          # (dy, dx)
    point: tuple[float, float]           # sampling point
    neighbours: tuple[Neighbour, ...]    # top-left, top-right, bottom-left, bottom-right
    sampled: float                       # bilinear value (before mask)
    mask: float
    weight: Any
    product: float


@dataclass(frozen=True)
class DeformStep:
    index: int
    batch: int
    out_channel: int
    out_position: tuple[int, int]
    taps: tuple[DeformTap, ...]
    bias: Any
    total: float


class DeformTrace:
    def __init__(self, x, offset, weight, bias=None, stride=1, padding=0, dilation=1, mask=None):
        self.setup = s = ops.deform_setup(x, offset, weight, bias, stride, padding, dilation, mask)
        self.py, self.px = ops.deform_sampling_points(s)
        self.output = ops.deform_conv2d(x, offset, weight, bias, stride, padding, dilation, mask)
        self.out_size = s.out_size
        self.out_channels = s.weight.shape[0]

    def __len__(self) -> int:
        return self.setup.x.shape[0] * self.out_channels * prod(self.out_size)

    def __iter__(self) -> Iterator[DeformStep]:
        return (self.step(i) for i in range(len(self)))

    def step(self, i: int) -> DeformStep:
        s = self.setup
        n_pos = prod(self.out_size)
        n, rest = divmod(i, self.out_channels * n_pos)
        co, flat = divmod(rest, n_pos)
        ho, wo = (int(v) for v in np.unravel_index(flat, self.out_size))
        _, c_in, h, w = s.x.shape
        kh, kw = s.kernel_size
        cg = s.weight.shape[1]
        og_out = self.out_channels // s.groups
        c0 = (co // og_out) * cg
        cpg = c_in // s.offset_groups
        taps = []
        for cl in range(cg):
            c = c0 + cl
            g = c // cpg
            for ti in range(kh):
                for tj in range(kw):
                    y = float(self.py[n, g, ti, tj, ho, wo])
                    xx = float(self.px[n, g, ti, tj, ho, wo])
                    reg = (ho * s.stride[0] - s.padding[0] + ti * s.dilation[0],
                           wo * s.stride[1] - s.padding[1] + tj * s.dilation[1])
                    nbrs = []
                    for r, cc, wgt, inside in ops.bilinear_corners(np.array(y), np.array(xx), h, w):
                        r, cc, inside = int(r), int(cc), bool(inside)
                        val = float(s.x[n, c, r, cc]) if inside else 0.0
                        nbrs.append(Neighbour((r, cc), float(wgt), val, inside))
                    sampled = sum(nb.weight * nb.value for nb in nbrs)
                    k = ti * kw + tj
                    m = 1.0 if s.mask is None else float(s.mask[n, g * kh * kw + k, ho, wo])
                    wt = _py(s.weight[co, cl, ti, tj])
                    taps.append(DeformTap(c, (cl, ti, tj), reg, (y - reg[0], xx - reg[1]), (y, xx), tuple(nbrs),
                                          sampled, m, wt, sampled * m * wt))
        b = None if s.bias is None else _py(s.bias[co])
        total = sum(t.product for t in taps) + (b or 0)
        return DeformStep(i, n, co, (ho, wo), tuple(taps), b, total)


def trace_deform_conv2d(x, offset, weight, bias=None, stride=1, padding=0, dilation=1, mask=None) -> DeformTrace:
    """Lazy trace of ``deform_conv2d``: per output value, each tap's sampling point, its four neighbours with
    their bilinear weights and values, the mask, weight and product."""
    return DeformTrace(x, offset, weight, bias, stride, padding, dilation, mask)
