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
from .limits import check_allocation
from .shapes import conv_output_length, resolve_padding

__all__ = ["Tap", "ConvStep", "ConvTrace", "trace_conv", "Stamp", "ScatterStep", "ScatterTrace", "GatherTrace",
           "trace_conv_transpose", "Neighbour", "DeformTap", "DeformStep", "DeformTrace", "trace_deform_conv2d",
           "fmt", "product_term", "symbolic_product", "symbolic_sum"]


# -------------------------------------------------------------------------------------------- formatting
def fmt(v: Any, precision: int = 2) -> str:
    """A value as drawn: integers as integers, other numbers with ``precision`` decimals, strings as is.

    Whole floats print without decimals, bools as 0/1, and a value that rounds to zero as ``"0"`` (never ``"-0.00"``).

    Args:
        v: a number (Python or numpy) or a string
        precision: decimals of a non-integer number. Default: 2

    Returns:
        str.

    Examples:
        >>> fmt(3), fmt(np.int64(-2)), fmt(2.0), fmt(True), fmt("aw")
        ('3', '-2', '2', '1', 'aw')
        >>> fmt(0.333), fmt(0.333, 1), fmt(1.5), fmt(-0.001)
        ('0.33', '0.3', '1.50', '0')
    """
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
    """``a``·``w`` → ``"aw"`` (single letters) or ``"x11·a"``; zero (padding) → None.

    Args:
        value: the input cell's name (``"0"`` or ``""`` for padding)
        weight: the kernel tap's name

    Returns:
        str, or None when either factor is zero.

    Examples:
        >>> symbolic_product("a", "w"), symbolic_product("x11", "a"), symbolic_product("0", "w")
        ('aw', 'x11·a', None)
    """
    if value in ("0", "") or weight in ("0", ""):
        return None
    if len(value) == 1 and len(weight) == 1:
        return f"{value}{weight}"
    return f"{value}·{weight}"


def symbolic_sum(terms) -> str:
    """Join symbolic terms with ``+``, leaving out None, ``""`` and ``"0"``; ``"0"`` if nothing is left.

    Args:
        terms: iterable of str or None (as ``symbolic_product`` returns)

    Returns:
        str.

    Examples:
        >>> symbolic_sum(["aw", None, "bx"]), symbolic_sum([None, "0"])
        ('aw+bx', '0')
    """
    terms = [t for t in terms if t not in (None, "", "0")]
    return "+".join(terms) if terms else "0"


# ------------------------------------------------------------------------------------------------- conv
@dataclass(frozen=True)
class Tap:
    """One kernel tap of one step.

    Attributes:
        channel: input channel
        kernel_index: (c_local, *k): index into ``weight[out_channel]``
        position: input position in unpadded coordinates (outside the input = padding)
        padded_position: position in the padded grid
        is_padding: whether the tap reads padding
        value: the input value read (0, or ``"0"`` symbolically, for padding)
        weight: the kernel value (flipped kernel if ``true_conv``)
        product: value × weight (a string or None symbolically)

    Examples:
        >>> t = trace_conv(np.arange(9).reshape(1, 3, 3), np.ones((1, 1, 2, 2), dtype=int), padding=1)
        >>> t[0].taps[0]                                # doctest: +NORMALIZE_WHITESPACE
        Tap(channel=0, kernel_index=(0, 0, 0), position=(-1, -1), padded_position=(0, 0), is_padding=True, value=0,
            weight=1, product=0)
    """
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
    """One output value of a conv: the taps of its window, the bias and the total.

    Attributes:
        index: step number in iteration order
        batch: batch index n
        out_channel: output channel
        out_position: output position (one int per spatial dimension)
        window_origin: padded coordinates of tap (0, …, 0)
        taps: the ``Tap`` records, channel by channel, taps in row-major order
        bias: the bias value, or None
        total: the output value (Σ products + bias; a string symbolically)

    Examples:
        >>> st = trace_conv(np.arange(16).reshape(1, 4, 4), np.ones((1, 1, 3, 3), dtype=int))[1]
        >>> st.out_index, st.window_origin, len(st.taps), st.total
        ((0, 0, 1), (0, 1), 9, 54)
    """
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
        """``(out_channel, *out_position)``: the index of this value in the unbatched output.

        >>> trace_conv(np.arange(16).reshape(1, 4, 4), np.ones((1, 1, 3, 3)))[3].out_index
        (0, 1, 1)
        """
        return (self.out_channel,) + self.out_position

    def channel_sums(self) -> dict[int, Any]:
        """Per input channel partial sums (the multi-channel demo's per-slice sums), bias excluded.

        Returns:
            dict input channel → partial sum (a string symbolically).

        Examples:
            >>> st = trace_conv(np.arange(18).reshape(2, 3, 3), np.ones((1, 2, 2, 2), dtype=int))[0]
            >>> st.channel_sums(), st.total                 # 0+1+3+4 = 8, 9+10+12+13 = 44
            ({0: 8, 1: 44}, 52)
        """
        sums: dict[int, Any] = {}
        for t in self.taps:
            if isinstance(t.product, str) or t.product is None:
                sums[t.channel] = symbolic_sum([sums.get(t.channel), t.product])
            else:
                sums[t.channel] = sums.get(t.channel, 0) + t.product
        return sums

    def terms(self, precision: int = 2, times: str = "×", skip_padding: bool = False) -> list[str]:
        """``["1×1", "1×0", …]``: each tap's value × weight (negative weights in brackets), then the bias.

        Args:
            precision: decimals of non-integer numbers. Default: 2
            times: the multiplication sign. Default: ``"×"``
            skip_padding: leave out taps that read padding. Default: False

        Returns:
            list of str.

        Examples:
            >>> st = trace_conv(np.arange(9).reshape(1, 3, 3), np.array([[[[1, -1], [0, 2]]]]), bias=[1], padding=1)[0]
            >>> st.terms()
            ['0×1', '0×(-1)', '0×0', '0×2', '1']
            >>> st.terms(skip_padding=True, times="·")
            ['0·2', '1']
        """
        out = [product_term(t.value, t.weight, precision, times) for t in self.taps
               if not (skip_padding and t.is_padding)]
        if self.bias is not None:
            out.append(fmt(self.bias, precision))
        return out

    def expression(self, precision: int = 2, times: str = "×", skip_padding: bool = False) -> str:
        """``1×1 + 1×0 + … = 4`` from the step's own values (the bias, if any, as the last term).

        A symbolic step gives its total (``"aw+bx+ey+fz"``). Arguments as for ``terms``.

        Returns:
            str.

        Examples:
            >>> trace_conv(np.array([[0, 1, 2, 3, 4]]), np.array([[[1, 2, 3]]]))[0].expression()
            '0×1 + 1×2 + 2×3 = 8'
            >>> trace_conv(np.array([[0, 1, 2, 3, 4]]), np.array([[[1, 2, 3]]]), true_conv=True)[0].expression()
            '0×3 + 1×2 + 2×1 = 4'
            >>> st = trace_conv(np.arange(9).reshape(1, 3, 3), np.array([[[[1, -1], [0, 2]]]]), bias=[1], padding=1)[0]
            >>> st.expression(skip_padding=True)
            '0×2 + 1 = 1'
        """
        if self.taps and isinstance(self.taps[0].value, str):
            return f"{self.total}"
        return " + ".join(self.terms(precision, times, skip_padding)) + f" = {fmt(self.total, precision)}"


def product_term(value, weight, precision: int = 2, times: str = "×") -> str:
    """``value×weight`` as drawn (``fmt`` for both), a negative weight in brackets.

    Args:
        value: the input value
        weight: the kernel value
        precision: decimals of non-integer numbers. Default: 2
        times: the multiplication sign. Default: ``"×"``

    Returns:
        str.

    Examples:
        >>> product_term(2, 3), product_term(2, -1), product_term(1.5, 2, times="·")
        ('2×3', '2×(-1)', '1.50·2')
    """
    ws = fmt(weight, precision)
    if ws.startswith("-"):
        ws = f"({ws})"
    return f"{fmt(value, precision)}{times}{ws}"


class ConvTrace:
    """The steps of ``conv(x, weight, …)``; iterate for ``ConvStep`` records (batch, out channel, then
    output positions in row-major order).

    Arguments, shapes and defaults as for ``ops.conv``; ``x`` and ``weight`` may also be arrays of strings (names),
    which makes the trace symbolic (products ``"aw"``, totals ``"aw+bx+…"``). ``len(trace)`` is the number of
    steps, N · C_out · Π out; ``trace[i]`` builds step i on demand.

    Args:
        x: input (C_in, *spatial) or (N, C_in, *spatial), numbers or strings
        weight: (C_out, C_in/groups, *k), numbers or strings
        bias: optional (C_out,). Default: None
        stride, padding, dilation, groups, true_conv: as for ``ops.conv``. Defaults: 1, 0, 1, 1, False

    Attributes:
        x: the input batched (N, C_in, *spatial); ``padded``: with its padding
        weight: the weight the taps multiply (flipped if ``true_conv``); ``weight_given``: as passed
        padding: ``(before, after)`` per dimension; in_size, out_size, kernel_size, stride, dilation: tuples
        in_channels, out_channels, groups, nd, batched, symbolic, true_conv

    Raises:
        TypeError, ValueError: as ``ops.conv``

    Examples:
        >>> t = ConvTrace(np.arange(16).reshape(1, 4, 4), np.ones((1, 1, 3, 3), dtype=int))
        >>> len(t), t.out_size, [st.total for st in t]
        (4, (2, 2), [45, 54, 81, 90])
        >>> t.output.tolist()                           # the totals are the output of ops.conv
        [[[45, 54], [81, 90]]]
    """

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
        check_allocation(s_x.shape[:2] + tuple(n + a + b for n, (a, b) in zip(spatial, self.padding)),
                         max(8, s_x.dtype.itemsize), "trace_conv: the padded input", "use less padding or a smaller input")
        self.padded = np.pad(s_x, [(0, 0), (0, 0)] + [tuple(p) for p in self.padding],
                             constant_values=pad_val)
        self._output = None

    # -- geometry ---------------------------------------------------------------------------------------
    @property
    def padded_size(self) -> tuple[int, ...]:
        """Spatial size of the padded input.

        >>> trace_conv(np.arange(9).reshape(1, 3, 3), np.ones((1, 1, 3, 3)), padding=1).padded_size
        (5, 5)
        """
        return self.padded.shape[2:]

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of the output, batched like the input: (C_out, *out) or (N, C_out, *out).

        >>> trace_conv(np.arange(16).reshape(1, 1, 4, 4), np.ones((2, 1, 3, 3))).output_shape
        (1, 2, 2, 2)
        """
        core = (self.out_channels,) + self.out_size
        return ((self.x.shape[0],) + core) if self.batched else core

    def unvisited(self) -> list[tuple[int, ...]]:
        """Input cells (unpadded coordinates) that no window reaches: what the floor of the size rule drops.

        Returns:
            list of positions (tuples of ints) in row-major order.

        Examples:
            >>> t = trace_conv(np.arange(36).reshape(1, 6, 6), np.ones((1, 1, 3, 3)), stride=2)   # 6 -> 2: ⌊3/2⌋ + 1
            >>> len(t.unvisited()), t.unvisited()[:3]                # the last column and row: 6 + 6 − 1 cells
            (11, [(0, 5), (1, 5), (2, 5)])
        """
        seen = np.zeros(self.in_size, dtype=bool)
        for o in itertools.product(*[range(n) for n in self.out_size]):
            for t in itertools.product(*[range(k) for k in self.kernel_size]):
                p = tuple(o[a] * self.stride[a] - self.padding[a][0] + t[a] * self.dilation[a]
                          for a in range(self.nd))
                if all(0 <= p[a] < self.in_size[a] for a in range(self.nd)):
                    seen[p] = True
        return [tuple(int(v) for v in idx) for idx in np.argwhere(~seen)]

    def window_cells(self, out_position) -> list[tuple[int, ...]]:
        """Padded-grid cells under the window of one output position (row-major tap order).

        Args:
            out_position: the output position, one int per spatial dimension

        Returns:
            list of kh·kw·… positions (tuples) in padded coordinates.

        Examples:
            >>> trace_conv(np.arange(25).reshape(1, 5, 5), np.ones((1, 1, 2, 2)), stride=2).window_cells((1, 0))
            [(2, 0), (2, 1), (3, 0), (3, 1)]
        """
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
        """Build step ``i`` (also ``trace[i]``): batch, output channel, then output position in row-major order.

        Args:
            i: step number, 0 ≤ i < len(trace)

        Returns:
            ConvStep.

        Raises:
            IndexError: ``i`` out of range

        Examples:
            >>> t = trace_conv(np.arange(16).reshape(1, 4, 4), np.ones((1, 1, 3, 3), dtype=int))
            >>> t.step(2).out_position, t.step(2).total
            ((1, 0), 81)
            >>> t.step(4)
            Traceback (most recent call last):
            ...
            IndexError: step 4 out of range 0..3
        """
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
        """The operation's output (``ops.conv``; for symbolic traces, the array of expressions).

        Examples:
            >>> x = np.array([["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]])[None]       # (C_in, H, W) of names
            >>> t = trace_conv(x, np.array([["w", "x"], ["y", "z"]])[None, None])
            >>> t.output.tolist()
            [[['aw+bx+dy+ez', 'bw+cx+ey+fz'], ['dw+ex+gy+hz', 'ew+fx+hy+iz']]]
        """
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
        """Padding as ``conv`` accepts it (symmetric only); asymmetric 'same' padding is applied explicitly.

        >>> x = np.arange(16).reshape(1, 4, 4)
        >>> trace_conv(x, np.ones((1, 1, 3, 3)), padding="same").padding_arg
        (1, 1)
        >>> trace_conv(x, np.ones((1, 1, 2, 2)), padding="same").padding_arg      # (0, 1) per dimension
        'same'
        """
        if all(b == a for b, a in self.padding):
            return tuple(b for b, _ in self.padding)
        return "same"


def trace_conv(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, true_conv=False) -> ConvTrace:
    """Lazy trace of ``conv`` (same arguments); numbers or, given strings, symbolic expressions.

    Args:
        x: input (C_in, *spatial) or (N, C_in, *spatial), numbers or strings
        weight: (C_out, C_in/groups, *k), numbers or strings
        bias: optional (C_out,). Default: None
        stride, padding, dilation, groups, true_conv: as for ``ops.conv``. Defaults: 1, 0, 1, 1, False

    Returns:
        ConvTrace.

    Raises:
        TypeError, ValueError: as ``ops.conv``

    Examples:
        >>> t = trace_conv(np.arange(16).reshape(1, 4, 4), np.ones((1, 1, 3, 3), dtype=int))
        >>> t[0].expression()
        '0×1 + 1×1 + 2×1 + 4×1 + 5×1 + 6×1 + 8×1 + 9×1 + 10×1 = 45'
        >>> x = np.array([["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]])[None]
        >>> trace_conv(x, np.array([["w", "x"], ["y", "z"]])[None, None])[0].total
        'aw+bx+dy+ez'
    """
    return ConvTrace(x, weight, bias, stride, padding, dilation, groups, true_conv)


# ------------------------------------------------------------------------------------- transposed conv
@dataclass(frozen=True)
class Stamp:
    """One tap of a scatter step: value × weight added into one output cell (dropped if outside).

    Attributes:
        out_channel: output channel
        kernel_index: (c_out_local, *k) into ``weight[in_channel]``
        out_position: output position; may lie outside the output (cropped by padding)
        inside: whether ``out_position`` lies in the output
        weight: the kernel value
        product: value × weight

    Examples:
        >>> st = trace_conv_transpose(np.array([[1, 2]]), np.array([[[1, 1, 1]]]), stride=2, padding=1)
        >>> next(iter(st)).stamps[0]                    # the first stamp lands in the cropped border
        Stamp(out_channel=0, kernel_index=(0, 0), out_position=(-1,), inside=False, weight=1, product=1)
    """
    out_channel: int
    kernel_index: tuple[int, ...]      # (c_out_local, *k) into weight[in_channel]
    out_position: tuple[int, ...]      # may lie outside the output (cropped by padding)
    inside: bool
    weight: Any
    product: Any


@dataclass(frozen=True)
class ScatterStep:
    """One input value of a transposed conv: the stamps it adds into the output.

    Attributes:
        index: step number in iteration order
        batch: batch index n
        in_channel: input channel
        in_position: input position
        value: the input value
        stamps: the ``Stamp`` records, output channel by output channel, taps in row-major order
        partial: running output (C_out, *out) after this step, bias not yet added

    Examples:
        >>> steps = list(trace_conv_transpose(np.array([[1, 2]]), np.array([[[1, 1, 1]]]), stride=2))
        >>> [(st.in_position, st.value, st.partial.tolist()) for st in steps]     # the overlap adds: 1 + 2 = 3
        [((0,), 1, [[1, 1, 1, 0, 0]]), ((1,), 2, [[1, 1, 3, 2, 2]])]
    """
    index: int
    batch: int
    in_channel: int
    in_position: tuple[int, ...]
    value: Any
    stamps: tuple[Stamp, ...]
    partial: np.ndarray = field(repr=False)   # running output (C_out, *o) after this step, bias not yet added


class ScatterTrace:
    """Transposed conv as scatter: each input value times the kernel, added into the output.

    Iterating yields ``ScatterStep`` records (batch, input channel, then input positions in row-major order);
    ``len(trace)`` is N · C_in · Π in_size. Arguments, shapes and defaults as for ``ops.conv_transpose``.

    Args:
        x: input (C_in, *spatial) or (N, C_in, *spatial)
        weight: (C_in, C_out/groups, *k)
        bias: optional (C_out,). Default: None
        stride, padding, output_padding, groups, dilation: as for ``ops.conv_transpose``. Defaults: 1, 0, 0, 1, 1

    Attributes:
        output: ``ops.conv_transpose``'s result; geometry: the ``ops.TransposeGeometry``
        x, weight, bias: as validated (x batched); in_size, out_size, in_channels, out_channels, groups, nd, batched

    Raises:
        TypeError, ValueError: as ``ops.conv_transpose``

    Examples:
        >>> t = ScatterTrace(np.array([[1, 2]]), np.array([[[1, 1, 1]]]), stride=2)
        >>> len(t), t.out_size, t.output.tolist()
        (2, (5,), [[1, 1, 3, 2, 2]])
    """

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
        if dtype.kind == "i" and ops._abs_max(self.x) * ops._abs_max(self.weight) * prod(self.in_size) * \
                self.in_channels > ops.INT64_MAX:
            dtype = np.dtype(object)        # running sums in Python ints: int64 could overflow on the way
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
        """Sum of all stamps plus bias: equals the output.

        Args:
            batch: batch index. Default: 0

        Returns:
            (C_out, *out) array.

        Examples:
            >>> t = trace_conv_transpose(np.array([[1, 2]]), np.array([[[1, 1, 1]]]), bias=[10], stride=2, padding=1)
            >>> t.final().tolist(), t.output.tolist()       # padding 1 crops one cell from each end of [1, 1, 3, 2, 2]
            ([[11, 13, 12]], [[11, 13, 12]])
        """
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

    A ``ConvTrace`` (its ``x`` is the expanded input, its ``weight`` the conv weight from
    ``ops.transpose_weight_as_conv``), with ``geometry`` (``ops.TransposeGeometry``), ``transposed_weight`` and
    ``source_input`` added. Arguments as for ``ops.conv_transpose``.

    Args:
        x: input (C_in, *spatial) or (N, C_in, *spatial)
        weight: (C_in, C_out/groups, *k)
        bias: optional (C_out,). Default: None
        stride, padding, output_padding, groups, dilation: as for ``ops.conv_transpose``. Defaults: 1, 0, 0, 1, 1

    Attributes:
        kinds: int8 (*expanded_size)
        sources: (*expanded_size, nd) input positions, −1 where there is no data

    Raises:
        TypeError, ValueError: as ``ops.conv_transpose``

    Examples:
        >>> g = GatherTrace(np.array([[1, 2]]), np.array([[[1, 2, 3]]]), stride=2)
        >>> g.x.tolist(), g.weight.tolist(), g.kinds.tolist()      # the kernel flipped
        ([[[0, 0, 1, 0, 2, 0, 0]]], [[[3, 2, 1]]], [2, 2, 0, 1, 0, 2, 2])
        >>> g[2].expression(), g.output.tolist()
        ('1×3 + 0×2 + 2×1 = 5', [[1, 2, 5, 4, 6]])
        >>> ops.conv_transpose(np.array([[1, 2]]), np.array([[[1, 2, 3]]]), stride=2).tolist()
        [[1, 2, 5, 4, 6]]
        >>> g = GatherTrace(np.array([[1, 2]]), np.array([[[1, 1, 1]]]), stride=2, padding=1, output_padding=1)
        >>> g.kinds.tolist(), g.sources[..., 0].tolist()
        ([2, 0, 1, 0, 2, 3], [-1, 0, -1, 1, -1, -1])
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
    output) or ``view='gather'`` (the equivalent direct conv with the flipped kernel).

    Args:
        x: input (C_in, *spatial) or (N, C_in, *spatial)
        weight: (C_in, C_out/groups, *k)
        bias: optional (C_out,). Default: None
        stride, padding, output_padding, groups, dilation: as for ``ops.conv_transpose``. Defaults: 1, 0, 0, 1, 1
        view: ``'scatter'`` or ``'gather'``. Default: ``'scatter'``

    Returns:
        ScatterTrace or GatherTrace.

    Raises:
        ValueError: an unknown ``view``, and everything ``ops.conv_transpose`` raises

    Examples:
        >>> x, w = np.array([[1, 2]]), np.array([[[1, 1, 1]]])
        >>> scatter, gather = trace_conv_transpose(x, w, stride=2), trace_conv_transpose(x, w, stride=2, view="gather")
        >>> type(scatter).__name__, scatter.output.tolist(), type(gather).__name__, gather.output.tolist()
        ('ScatterTrace', [[1, 1, 3, 2, 2]], 'GatherTrace', [[1, 1, 3, 2, 2]])
        >>> trace_conv_transpose(x, w, view="both")
        Traceback (most recent call last):
        ...
        ValueError: view must be 'scatter' or 'gather', got 'both'
    """
    if view == "scatter":
        return ScatterTrace(x, weight, bias, stride, padding, output_padding, groups, dilation)
    if view == "gather":
        return GatherTrace(x, weight, bias, stride, padding, output_padding, groups, dilation)
    raise ValueError(f"view must be 'scatter' or 'gather', got {view!r}")


# ------------------------------------------------------------------------------------------ deformable
@dataclass(frozen=True)
class Neighbour:
    """One of the four integer neighbours of a deformable sampling point.

    Attributes:
        position: (row, col) in the input
        weight: bilinear weight
        value: input value (0 outside)
        inside: whether ``position`` lies in the input

    Examples:
        >>> off = np.zeros((18, 2, 2))
        >>> off[1::2] = 0.5
        >>> tap = trace_deform_conv2d(np.arange(16).reshape(1, 4, 4), off, np.ones((1, 1, 3, 3))).step(0).taps[0]
        >>> tap.neighbours[1]                           # the tap samples (0, 0.5): half of (0, 1)
        Neighbour(position=(0, 1), weight=0.5, value=1.0, inside=True)
    """
    position: tuple[int, int]
    weight: float          # bilinear weight
    value: float           # input value (0 outside)
    inside: bool


@dataclass(frozen=True)
class DeformTap:
    """One kernel tap of a deformable step: where it samples and what it adds.

    Attributes:
        channel: input channel
        kernel_index: (c_local, i, j) into ``weight[out_channel]``
        regular: regular grid position out·stride − padding + tap·dilation
        offset: (dy, dx)
        point: sampling point, regular + offset
        neighbours: the four ``Neighbour`` records: top-left, top-right, bottom-left, bottom-right
        sampled: bilinear value (before mask)
        mask: modulation (1.0 without a mask)
        weight: the kernel value
        product: sampled · mask · weight

    Examples:
        >>> off = np.zeros((18, 2, 2))
        >>> off[1::2] = 0.5                             # every tap half a column to the right
        >>> tap = trace_deform_conv2d(np.arange(16).reshape(1, 4, 4), off, np.ones((1, 1, 3, 3))).step(0).taps[0]
        >>> tap.regular, tap.offset, tap.point, tap.sampled, tap.product       # halfway between 0 and 1
        ((0, 0), (0.0, 0.5), (0.0, 0.5), 0.5, 0.5)
    """
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
    """One output value of a deformable conv: its taps, the bias and the total.

    Attributes:
        index: step number in iteration order
        batch: batch index n
        out_channel: output channel
        out_position: (row, col) of the output
        taps: the ``DeformTap`` records, channel by channel, taps in row-major order
        bias: the bias value, or None
        total: Σ products + bias: the output value

    Examples:
        >>> off = np.zeros((18, 2, 2))
        >>> st = trace_deform_conv2d(np.arange(16).reshape(1, 4, 4), off, np.ones((1, 1, 3, 3)), bias=[1]).step(3)
        >>> st.out_position, len(st.taps), st.bias, st.total                   # 90 + 1
        ((1, 1), 9, 1, 91.0)
    """
    index: int
    batch: int
    out_channel: int
    out_position: tuple[int, int]
    taps: tuple[DeformTap, ...]
    bias: Any
    total: float


class DeformTrace:
    """The steps of ``deform_conv2d(x, offset, weight, …)``; iterate for ``DeformStep`` records (batch, out channel,
    then output positions in row-major order).

    Arguments, shapes and defaults as for ``trace_deform_conv2d`` (which builds it) and ``ops.deform_conv2d``;
    ``len(trace)`` is N · C_out · H_out · W_out.

    Attributes:
        setup: the ``ops.DeformSetup``; py, px: sampling points (``ops.deform_sampling_points``)
        output: ``ops.deform_conv2d``'s result; out_size: (H_out, W_out); out_channels: C_out

    Raises:
        TypeError, ValueError: as ``ops.deform_conv2d``

    Examples:
        >>> off = np.zeros((18, 2, 2))
        >>> off[1::2] = 0.5
        >>> t = DeformTrace(np.arange(16).reshape(1, 4, 4), off, np.ones((1, 1, 3, 3)))
        >>> len(t), [st.total for st in t], t.output.tolist()
        (4, [49.5, 46.5, 85.5, 76.5], [[[49.5, 46.5], [85.5, 76.5]]])
    """
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
        """Build step ``i``: batch, output channel, then output position in row-major order.

        Args:
            i: step number, 0 ≤ i < len(trace)

        Returns:
            DeformStep.

        Examples:
            >>> t = trace_deform_conv2d(np.arange(16).reshape(1, 4, 4), np.zeros((18, 2, 2)), np.ones((1, 1, 3, 3)))
            >>> t.step(1).out_position, t.step(1).total
            ((0, 1), 54.0)
        """
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
    their bilinear weights and values, the mask, weight and product.

    Args:
        x: input (C_in, H, W) or (N, C_in, H, W)
        offset: (2·offset_groups·kh·kw, H_out, W_out), batched like x
        weight: (C_out, C_in/groups, kh, kw)
        bias: optional (C_out,). Default: None
        stride, padding, dilation: int or (h, w). Defaults: 1, 0, 1
        mask: optional (offset_groups·kh·kw, H_out, W_out), batched like x. Default: None

    Returns:
        DeformTrace.

    Raises:
        TypeError, ValueError: as ``ops.deform_conv2d``

    Examples:
        >>> mask = np.ones((9, 2, 2))
        >>> mask[4] = 0                                 # the centre tap off
        >>> t = trace_deform_conv2d(np.arange(16).reshape(1, 4, 4), np.zeros((18, 2, 2)), np.ones((1, 1, 3, 3)),
        ...                         mask=mask)
        >>> st = t.step(0)
        >>> st.taps[4].sampled, st.taps[4].mask, st.total                      # 45 − 5
        (5.0, 0.0, 40.0)
    """
    return DeformTrace(x, offset, weight, bias, stride, padding, dilation, mask)
