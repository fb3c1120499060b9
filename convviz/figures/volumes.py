"""Builders and numbers of the volume figures (figure6–10, figure15): numpy only, no Manim.

Each builder takes its catalogue entry's parameters and returns one frozen dataclass with the figure's finished
data (example arrays, output sizes, the kernel's path, every count a caption shows); the scene only draws it:

- ``pointwise_figure`` → :class:`PointwiseFigure` (figure7), ``grouped_figure`` → :class:`GroupedFigure`
  (figure6), ``depthwise_figure`` → :class:`DepthwiseFigure` (figure8), ``pointwise_step_figure`` →
  :class:`PointwiseStepFigure` (figure9, figure10), ``conv3d_figure`` → :class:`Conv3DFigure` (figure15).
- ``AxisPlan`` / ``elide_axis``: which voxels of a long dimension are drawn and where the "…" gap goes, so a
  volume 128 deep is drawn a few slices deep (the volume widget in ``scenes/kit/volume.py`` draws this plan).
- ``sweep_path``: the handful of kernel positions an animation visits, row-major up to an end position.
- ``pointwise_step`` / ``conv3d_step``: one output value as a dot product / a 3-D window.

>>> fig = pointwise_step_figure(in_size=5, in_channels=3, out_channels=128, kernel_size=3)
>>> s = fig.separable
>>> f"{s.depthwise_params} + {s.pointwise_params} weights instead of {s.standard_params}"
'27 + 384 weights instead of 3456'
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from .. import ops
from ..describe import size_formula
from ..shapes import conv_output_size, ntuple
from ..trace import fmt, product_term
from .examples import random_ints

__all__ = ["AxisPlan", "elide_axis", "sweep_path", "axis_walk", "AXIS_NAMES", "DotStep", "WindowStep",
           "pointwise_example", "pointwise_step",
           "conv3d_example", "conv3d_step", "LayerCount", "SeparableCounts", "GroupCount", "grouped_params",
           "step_counts", "group_count", "PointwiseFigure", "pointwise_figure", "GroupedFigure", "grouped_figure",
           "DepthwiseFigure", "depthwise_figure", "PointwiseStepFigure", "pointwise_step_figure", "Conv3DFigure",
           "conv3d_figure"]


# ------------------------------------------------------------------------------------------ elision plan
@dataclass(frozen=True)
class AxisPlan:
    """How one dimension of ``n`` voxels is drawn: ``segments`` are ``(kind, start, stop, pos0, pos1)`` with
    kind ``"cells"`` (voxels start..stop-1, one display unit each) or ``"gap"`` (voxels start..stop-1 drawn as
    one plain slab of ``pos1 - pos0`` units marked "…"). ``length`` is the drawn length in units."""
    n: int
    segments: tuple[tuple[str, int, int, float, float], ...]

    @property
    def length(self) -> float:
        return self.segments[-1][4]

    @property
    def elided(self) -> tuple[int, int] | None:
        """(start, stop) of the voxels not drawn one by one, or None."""
        for kind, a, b, _, _ in self.segments:
            if kind == "gap":
                return (a, b)
        return None

    @property
    def shown(self) -> list[int]:
        """Indices drawn as individual voxels."""
        return [i for kind, a, b, _, _ in self.segments if kind == "cells" for i in range(a, b)]

    def pos(self, t: float) -> float:
        """Display position (units) of the continuous index ``t`` in [0, n]: linear inside every segment."""
        if t <= 0:
            return 0.0
        for _, a, b, p0, p1 in self.segments:
            if t <= b:
                return p0 + (p1 - p0) * (t - a) / (b - a)
        return self.length


def elide_axis(n: int, max_cells: int = 8, gap: float = 2.0) -> AxisPlan:
    """Draw all ``n`` voxels when ``n <= max_cells``; otherwise the first ones, a "…" slab of ``gap`` units
    and the last ones, ``max_cells`` units long in all.

    >>> plan = elide_axis(128, 8)
    >>> plan.elided, plan.shown, plan.length
    ((4, 126), [0, 1, 2, 3, 126, 127], 8.0)
    """
    (n,) = ntuple(n, 1, "n", minimum=1)
    if n <= max_cells:
        return AxisPlan(n, (("cells", 0, n, 0.0, float(n)),))
    room = max(max_cells - gap, 2)
    tail = max(int(room) // 3, 1)
    head = max(int(room) - tail, 1)
    return AxisPlan(n, (("cells", 0, head, 0.0, float(head)),
                        ("gap", head, n - tail, float(head), head + gap),
                        ("cells", n - tail, n, head + gap, head + gap + tail)))


# ------------------------------------------------------------------------------------------ kernel paths
def sweep_path(shape, end=None, max_steps: int = 6) -> list[tuple[int, ...]]:
    """Positions a kernel visits in an animation: row-major from the origin to ``end`` (default: the last
    position of the first row/line), evenly thinned to at most ``max_steps``, first and last always kept.

    >>> sweep_path((5, 5), max_steps=3)
    [(0, 0), (0, 2), (0, 4)]
    """
    shape = tuple(int(s) for s in shape)
    if end is None:
        end = (0,) * (len(shape) - 1) + (shape[-1] - 1,)
    end = tuple(int(e) for e in end)
    if len(end) != len(shape) or any(not 0 <= e < s for e, s in zip(end, shape)):
        raise ValueError(f"marked position {end} is outside the output of shape {shape}")
    last = int(np.ravel_multi_index(end, shape))
    picks = np.unique(np.round(np.linspace(0, last, min(max_steps, last + 1))).astype(int))
    return [tuple(int(v) for v in np.unravel_index(i, shape)) for i in picks]


AXIS_NAMES = ("D", "H", "W")       # (d, h, w) positions: depth, height, width


def axis_walk(shape, end=None, order=(2, 1, 0), max_steps: int = 10) -> list[tuple[int, ...]]:
    """Positions a kernel visits to show it moving in every direction: from the origin to ``end`` (default:
    the centre) one axis at a time, in ``order`` (default width, then height, then depth for (d, h, w)), so
    consecutive positions differ in exactly one axis. A walk longer than ``max_steps`` takes longer strides
    (still one axis per step, every axis's end kept).

    >>> axis_walk((3, 3, 3))
    [(0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 1, 1)]
    >>> axis_walk((5, 9, 9), end=(2, 8, 0), max_steps=5)
    [(0, 0, 0), (0, 3, 0), (0, 5, 0), (0, 8, 0), (2, 8, 0)]
    """
    shape = tuple(int(s) for s in shape)
    end = tuple(n // 2 for n in shape) if end is None else tuple(int(e) for e in end)
    if len(end) != len(shape) or any(not 0 <= e < s for e, s in zip(end, shape)):
        raise ValueError(f"marked position {end} is outside the output of shape {shape}")
    moves = [a for a in order if end[a] > 0]
    budget = max(int(max_steps) - 1, len(moves))            # steps after the start
    total = sum(end[a] for a in moves)
    path, pos = [tuple(0 for _ in shape)], [0] * len(shape)
    for n, a in enumerate(moves):
        rest = budget - (len(path) - 1) - (len(moves) - n - 1)   # leave one step for each axis still to come
        share = round(budget * end[a] / total) if n < len(moves) - 1 else rest
        k = min(end[a], max(1, min(share, rest)))
        for v in np.unique(np.round(np.linspace(0, end[a], k + 1)).astype(int))[1:]:
            pos[a] = int(v)
            path.append(tuple(pos))
    return path


# ------------------------------------------------------------------------------------------ one step
@dataclass(frozen=True)
class DotStep:
    """One output value of a 1x1 conv as a dot product: the D input values at ``position``, the D weights, the
    product terms as drawn ("2×1") and the total (the conv's own output value) with its text."""
    position: tuple[int, int]
    values: tuple
    weights: tuple
    terms: tuple[str, ...]
    total: int | float
    total_text: str


@dataclass(frozen=True)
class WindowStep:
    """One output voxel of a 3-D conv: its window ((start, stop) per dimension), the number of taps and its
    value with its text. ``patch``: the input values under the window (kd, kh, kw); ``partials``: the sum of
    patch ⊙ kernel over each depth slice (their sum is the total), with their texts; ``moved``: the axis
    ("D", "H" or "W") the kernel moved along to get here, None for the first position."""
    position: tuple[int, ...]
    window: tuple[tuple[int, int], ...]
    taps: int
    total: int | float
    total_text: str
    patch: np.ndarray | None = None
    partials: tuple = ()
    partial_texts: tuple[str, ...] = ()
    moved: str | None = None


def pointwise_example(in_size, channels: int, seed: int = 0, out_channels: int = 1) -> dict:
    """Input (D, H, W) with values 0..3, a 1x1 kernel (C_out, D, 1, 1) with values 1..3, and the output.

    >>> ex = pointwise_example(4, 3, seed=1)
    >>> ex["x"].shape, ex["weight"].shape, ex["output"].shape
    ((3, 4, 4), (1, 3, 1, 1), (1, 4, 4))
    """
    h, w = ntuple(in_size, 2, "in_size", minimum=1)
    x = random_ints((channels, h, w), seed=seed, low=0, high=3)
    weight = random_ints((out_channels, channels, 1, 1), seed=seed + 1, low=1, high=3)
    return {"x": x, "weight": weight, "output": ops.conv(x, weight)}


def pointwise_step(x, weight, output, position, out_channel: int = 0) -> DotStep:
    """Output value ``output[out_channel, r, c]`` of a 1x1 conv as a dot product (a :class:`DotStep`).

    >>> x = np.array([[[1]], [[2]], [[3]]]); w = np.array([[[[2]], [[0]], [[1]]]])
    >>> st = pointwise_step(x, w, np.array([[[5]]]), (0, 0))
    >>> st.terms, st.total_text
    (('1×2', '2×0', '3×1'), '5')
    """
    r, c = (int(v) for v in position)
    values = tuple(x[d, r, c].item() for d in range(x.shape[0]))
    weights = tuple(weight[out_channel, d, 0, 0].item() for d in range(x.shape[0]))
    total = output[out_channel, r, c].item()
    return DotStep((r, c), values, weights, tuple(product_term(v, w) for v, w in zip(values, weights)), total,
                   fmt(total))


def conv3d_example(in_size, kernel_size, seed: int = 0) -> dict:
    """A one-channel volume (1, D, H, W) with values 0..3, a kernel (1, 1, k, k, k) with values 0..2 and the
    output (1, D_out, H_out, W_out).

    >>> ex = conv3d_example((4, 5, 6), 3, seed=2)
    >>> ex["x"].shape, ex["weight"].shape, ex["output"].shape
    ((1, 4, 5, 6), (1, 1, 3, 3, 3), (1, 2, 3, 4))
    """
    size = ntuple(in_size, 3, "in_size", minimum=1)
    k = ntuple(kernel_size, 3, "kernel_size", minimum=1)
    x = random_ints((1,) + size, seed=seed, low=0, high=3)
    weight = random_ints((1, 1) + k, seed=seed + 1, low=0, high=2)
    return {"x": x, "weight": weight, "output": ops.conv(x, weight)}


def conv3d_step(output, kernel_size, position, x=None, weight=None, previous=None) -> WindowStep:
    """Output voxel ``position`` of a stride-1 3-D conv with output ``output`` (1, D_out, H_out, W_out): its
    window and value (a :class:`WindowStep`). Given the input ``x`` (1, D, H, W) and ``weight`` (1, 1, kd, kh,
    kw), also the patch under the window and the per-depth-slice partial sums, checked to add up to the
    output value; given the ``previous`` position, the axis the kernel moved along.

    >>> st = conv3d_step(np.arange(8).reshape(1, 2, 2, 2), (3, 3, 3), (1, 0, 1))
    >>> st.window, st.taps, st.total_text
    (((1, 4), (0, 3), (1, 4)), 27, '5')
    >>> x = np.arange(8).reshape(1, 2, 2, 2); w = np.ones((1, 1, 2, 1, 1), dtype=int)
    >>> st = conv3d_step(ops.conv(x, w), (2, 1, 1), (0, 1, 0), x, w, previous=(0, 0, 0))
    >>> st.partial_texts, st.total_text, st.moved
    (('2', '6'), '8', 'H')
    """
    k = ntuple(kernel_size, 3, "kernel_size", minimum=1)
    pos = tuple(int(p) for p in position)
    total = output[(0,) + pos].item()
    window = tuple((p, p + kk) for p, kk in zip(pos, k))
    moved = None
    if previous is not None:
        changed = [AXIS_NAMES[a] for a in range(3) if int(previous[a]) != pos[a]]
        moved = "".join(changed) or None
    if x is None or weight is None:
        return WindowStep(pos, window, prod(k), total, fmt(total), moved=moved)
    (d0, d1), (h0, h1), (w0, w1) = window
    patch = np.asarray(x)[0, d0:d1, h0:h1, w0:w1]
    kern = np.asarray(weight)[0, 0]
    partials = tuple((patch[a] * kern[a]).sum().item() for a in range(k[0]))
    if not np.isclose(sum(partials), total):
        raise ValueError(f"the depth slices add up to {sum(partials)}, not the output {total}")
    return WindowStep(pos, window, prod(k), total, fmt(total), patch, partials, tuple(fmt(v) for v in partials),
                      moved)


# ------------------------------------------------------------------------------------------ counts
@dataclass(frozen=True)
class LayerCount:
    """Weights and multiply-adds of one conv layer, with the ``factors`` a caption multiplies out for the
    weights (``product``: "3 × 3 × 3")."""
    factors: tuple[int, ...]
    params: int
    macs: int

    @property
    def product(self) -> str:
        return " × ".join(str(f) for f in self.factors)


@dataclass(frozen=True)
class SeparableCounts:
    """A standard k x k conv against depthwise + pointwise (``convviz.ops.separable_counts``)."""
    standard_params: int
    depthwise_params: int
    pointwise_params: int
    separable_params: int
    standard_macs: int
    depthwise_macs: int
    pointwise_macs: int
    separable_macs: int


@dataclass(frozen=True)
class GroupCount:
    """The same layer split into ``groups``: channels per group, the group of every input and output channel
    (contiguous blocks) and the weights C_out · C_in/groups · kh · kw (``factors``, multiplied out)."""
    groups: int
    in_per_group: int
    out_per_group: int
    input_group: tuple[int, ...]
    output_group: tuple[int, ...]
    factors: tuple[int, ...]
    weights: int

    @property
    def product(self) -> str:
        return " × ".join(str(f) for f in self.factors)


def grouped_params(in_channels: int, out_channels: int, kernel_size, groups=(1, 2)) -> dict[int, int]:
    """Weights of the same layer for each number of groups: C_out · C_in/groups · Πk.

    >>> grouped_params(8, 8, 3, groups=(1, 2))
    {1: 576, 2: 288}
    """
    k = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    return {int(g): ops.conv_params(in_channels, out_channels, k, groups=int(g)) for g in groups}


def step_counts(in_channels: int, out_channels: int, kernel_size, out_size, groups: int = 1,
                factors=None) -> LayerCount:
    """Weights and multiply-adds of one conv layer (one step of a separable conv); ``factors`` (default
    C_out, C_in/groups, kh, kw) are what a caption writes, checked to multiply out to the weights.

    >>> c = step_counts(3, 3, 3, 5, groups=3, factors=(3, 3, 3))
    >>> c.product, c.params, c.macs
    ('3 × 3 × 3', 27, 675)
    """
    k = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    o = ntuple(out_size, 2, "out_size", minimum=1)
    params = ops.conv_params(in_channels, out_channels, k, groups=groups)
    factors = (out_channels, in_channels // groups) + k if factors is None else tuple(int(f) for f in factors)
    if prod(factors) != params:
        raise ValueError(f"factors {factors} do not multiply out to the {params} weights")
    return LayerCount(factors, params, ops.conv_macs(in_channels, out_channels, k, o, groups=groups))


def group_count(in_channels: int, out_channels: int, kernel_size, groups: int) -> GroupCount:
    """One :class:`GroupCount` (weights from ``convviz.ops.conv_params``).

    >>> g = group_count(8, 8, 3, 2)
    >>> g.product, g.weights, g.input_group
    ('8 × 4 × 3 × 3', 288, (0, 0, 0, 0, 1, 1, 1, 1))
    """
    k = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    weights = ops.conv_params(in_channels, out_channels, k, groups=groups)
    g_in, g_out = in_channels // groups, out_channels // groups
    return GroupCount(groups, g_in, g_out, tuple(i // g_in for i in range(in_channels)),
                      tuple(i // g_out for i in range(out_channels)), (out_channels, g_in) + k, weights)


# ------------------------------------------------------------------------------------------ the figures
@dataclass(frozen=True)
class PointwiseFigure:
    """figure7: a 1x1 conv of x (D, H, W) with weight (1, D, 1, 1); the kernel visits ``path`` (ending on
    ``marked``), one :class:`DotStep` per position. ``term_width``: the widest product term of all steps."""
    x: np.ndarray
    weight: np.ndarray
    output: np.ndarray
    in_size: tuple[int, int]
    channels: int
    out_size: tuple[int, int]
    path: tuple[tuple[int, int], ...]
    marked: tuple[int, int]
    steps: tuple[DotStep, ...]
    term_width: int


def pointwise_figure(*, in_size=6, channels: int = 8, seed: int = 0, marked=None, steps: int = 6
                     ) -> PointwiseFigure:
    """figure7's data: seeded random input and 1x1 kernel, the sweep along the first row (or up to ``marked``)
    thinned to ``steps`` positions, and every position's dot product.

    >>> fig = pointwise_figure(in_size=6, channels=8, seed=7)
    >>> fig.x.shape, fig.out_size, fig.marked, len(fig.steps)
    ((8, 6, 6), (6, 6), (0, 5), 6)
    >>> fig.steps[-1].total == fig.output[0, 0, 5].item()
    True
    """
    h, w = ntuple(in_size, 2, "in_size", minimum=1)
    ex = pointwise_example((h, w), int(channels), seed=int(seed))
    out_size = tuple(int(n) for n in ex["output"].shape[1:])
    path = tuple(sweep_path(out_size, marked, max_steps=int(steps)))
    dots = tuple(pointwise_step(ex["x"], ex["weight"], ex["output"], pos) for pos in path)
    return PointwiseFigure(ex["x"], ex["weight"], ex["output"], (h, w), int(channels), out_size, path, path[-1],
                           dots, max(len(s) for st in dots for s in st.terms))


@dataclass(frozen=True)
class GroupedFigure:
    """figure6: a conv layer (C_in, H, W) → (C_out, H_out, W_out) with groups=1 and with ``groups``:
    ``counts`` holds one :class:`GroupCount` per distinct groups value, groups=1 first."""
    in_size: tuple[int, int]
    kernel_size: tuple[int, int]
    in_channels: int
    out_channels: int
    groups: int
    out_size: tuple[int, int]
    counts: tuple[GroupCount, ...]


def grouped_figure(*, in_size=6, in_channels: int = 8, out_channels: int = 8, kernel_size=3, groups: int = 2
                   ) -> GroupedFigure:
    """figure6's shapes and weight counts (``conv_output_size``, ``convviz.ops.conv_params``).

    >>> fig = grouped_figure(in_size=6, in_channels=8, out_channels=8, kernel_size=3, groups=2)
    >>> fig.out_size, [(c.groups, c.weights) for c in fig.counts]
    ((4, 4), [(1, 576), (2, 288)])
    """
    size = ntuple(in_size, 2, "in_size", minimum=1)
    k = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    c_in, c_out, g = int(in_channels), int(out_channels), int(groups)
    counts = tuple(group_count(c_in, c_out, k, n) for n in dict.fromkeys((1, g)))
    return GroupedFigure(size, k, c_in, c_out, g, conv_output_size(size, k), counts)


@dataclass(frozen=True)
class DepthwiseFigure:
    """figure8: C kernels k x k x 1, one per channel of an H x W x C input; the windows visit ``path``."""
    in_size: tuple[int, int]
    channels: int
    kernel_size: tuple[int, int]
    out_size: tuple[int, int]
    counts: LayerCount
    path: tuple[tuple[int, int], ...]
    marked: tuple[int, int]


def depthwise_figure(*, in_size=7, in_channels: int = 3, kernel_size=3, marked=None, steps: int = 6
                     ) -> DepthwiseFigure:
    """figure8's shapes, counts (C × kh × kw weights) and the windows' path.

    >>> fig = depthwise_figure(in_size=7, in_channels=3, kernel_size=3)
    >>> fig.out_size, fig.counts.product, fig.counts.params, fig.counts.macs, fig.marked
    ((5, 5), '3 × 3 × 3', 27, 675, (0, 4))
    """
    size = ntuple(in_size, 2, "in_size", minimum=1)
    k = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    c = int(in_channels)
    out = conv_output_size(size, k)
    counts = step_counts(c, c, k, out, groups=c, factors=(c,) + k)
    path = tuple(sweep_path(out, marked, max_steps=int(steps)))
    return DepthwiseFigure(size, c, k, out, counts, path, path[-1])


@dataclass(frozen=True)
class PointwiseStepFigure:
    """figure9/10: C_out kernels 1x1xC on an H x W x C input. ``counts``: the pointwise layer (C_out × C
    weights); ``separable``: a standard ``kernel_size`` conv against depthwise + pointwise, both from
    ``standard_in_size`` (the depthwise step's input, whose valid k x k conv gives ``in_size``: 7x7 for 5x5 and
    3x3). One kernel sweeps ``path``; many are added one at a time for ``grown`` (1, 2, 3) and then all at once."""
    in_size: tuple[int, int]
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, int]
    counts: LayerCount
    separable: SeparableCounts
    path: tuple[tuple[int, int], ...]
    marked: tuple[int, int]
    grown: tuple[int, ...]
    standard_in_size: tuple[int, int]


def pointwise_step_figure(*, in_size=5, in_channels: int = 3, out_channels: int = 1, kernel_size=3, marked=None,
                          steps: int = 6, grown: int = 3) -> PointwiseStepFigure:
    """figure9/10's shapes and counts; ``grown``: how many kernels are added one at a time before all.

    >>> fig = pointwise_step_figure(in_size=5, in_channels=3, out_channels=128, kernel_size=3)
    >>> fig.counts.product, fig.grown
    ('128 × 3', (1, 2, 3))
    >>> s = fig.separable
    >>> s.depthwise_params, s.pointwise_params, s.standard_params
    (27, 384, 3456)
    >>> fig.standard_in_size, s.standard_macs == s.standard_params * 5 * 5
    ((7, 7), True)
    """
    size = ntuple(in_size, 2, "in_size", minimum=1)
    k = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    c, c_out = int(in_channels), int(out_channels)
    counts = step_counts(c, c_out, 1, size, factors=(c_out, c))
    separable = SeparableCounts(**ops.separable_counts(c, c_out, k, size))
    path = tuple(sweep_path(size, marked, max_steps=int(steps)))
    standard_in = tuple(n + kk - 1 for n, kk in zip(size, k))      # valid k x k conv: (n + k − 1) − k + 1 = n
    if conv_output_size(standard_in, k) != size:
        raise AssertionError(f"{standard_in} does not give {size} with a {k} kernel")
    return PointwiseStepFigure(size, c, c_out, k, counts, separable, path, path[-1],
                               tuple(range(1, min(c_out, int(grown) + 1))), standard_in)


@dataclass(frozen=True)
class Conv3DFigure:
    """figure15: a one-channel volume x (1, D, H, W), a kernel (1, 1, kd, kh, kw), the output; the kernel visits
    ``path`` (:func:`axis_walk`: from the origin along width, then height, then depth, one axis per step, ending
    on ``marked``), one :class:`WindowStep` each (its patch, per-slice partial sums and the axis it moved along).
    ``formula``: the output-size rule with the numbers substituted."""
    x: np.ndarray
    weight: np.ndarray
    output: np.ndarray
    in_size: tuple[int, int, int]
    kernel_size: tuple[int, int, int]
    out_size: tuple[int, int, int]
    taps: int
    formula: tuple[str, ...]
    path: tuple[tuple[int, int, int], ...]
    marked: tuple[int, int, int]
    steps: tuple[WindowStep, ...]


def conv3d_figure(*, in_size=(5, 5, 5), kernel_size=3, seed: int = 0, marked=None, steps: int = 10
                  ) -> Conv3DFigure:
    """figure15's data: a seeded random volume and kernel, the walk to ``marked`` (default: the output's centre;
    at most ``steps`` positions) and each position's window, patch, partial sums and value.

    >>> fig = conv3d_figure(in_size=(5, 5, 5), kernel_size=3, marked=(1, 1, 1), seed=15)
    >>> fig.out_size, fig.taps, fig.path, fig.steps[-1].window
    ((3, 3, 3), 27, ((0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 1, 1)), ((1, 4), (1, 4), (1, 4)))
    >>> [st.moved for st in fig.steps], fig.steps[-1].partial_texts, fig.steps[-1].total_text
    ([None, 'W', 'H', 'D'], ('11', '3', '7'), '21')
    >>> fig.formula
    ('o = ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 = ⌊(5 + 2·0 − 1·(3−1) − 1)/1⌋ + 1 = 3',)
    """
    size = ntuple(in_size, 3, "in_size", minimum=1)
    k = ntuple(kernel_size, 3, "kernel_size", minimum=1)
    ex = conv3d_example(size, k, seed=int(seed))
    out = conv_output_size(size, k)
    if marked is None:
        marked = tuple(n // 2 for n in out)
    path = tuple(axis_walk(out, marked, max_steps=int(steps)))
    formula = tuple(size_formula(size, k, (1, 1, 1), 0, (1, 1, 1)))
    steps_ = tuple(conv3d_step(ex["output"], k, pos, ex["x"], ex["weight"], path[i - 1] if i else None)
                   for i, pos in enumerate(path))
    return Conv3DFigure(ex["x"], ex["weight"], ex["output"], size, k, out, prod(k), formula, path, path[-1],
                        steps_)
