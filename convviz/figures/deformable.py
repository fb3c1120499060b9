"""What the deformable-convolution figures (cnn-figure16, 17, 18) draw: sampling points read from offset tensors,
the seeded example the pipeline figure traces, and the shapes of the complete deformable-convolution picture.

numpy only. Offsets follow torchvision's layout (``convviz.ops.deform_conv2d``): channel ``2k`` is the dy and
``2k + 1`` the dx of tap ``k`` (row-major over the kernel), one pair per tap and output position.

One builder per figure returns one frozen dataclass that its scene (``scenes/deformable.py``) only draws:
``sampling_figure`` → ``SamplingFigure`` (figure16), ``pipeline_figure`` → ``PipelineFigure`` (figure17),
``overview_figure`` → ``OverviewFigure`` (figure18).

>>> sampling_figure(kernel_size=3, seed=16, offset_range=1.5).grid
7
>>> pipeline_figure(in_size=6, kernel_size=3, seed=17).offset_channels     # 2 · 3 · 3
18
>>> overview_figure(x_shape=(2, 8, 10, 12), kernel_size=5, out_channels=6).y_shape
(2, 6, 8, 10)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import ceil
from typing import Any

import numpy as np

from . import examples as ex
from .. import ops
from ..describe import size_formula
from ..shapes import conv_output_size, ntuple
from ..trace import DeformStep, trace_deform_conv2d

__all__ = ["offset_channels", "regular_points", "tap_offsets", "Clearance", "clearance", "SamplingRule", "first_seed", "learned_seed",
           "PipelineRule", "pipeline_seed", "SamplingPanel", "sampling_panel",
           "sampling_panels", "pipeline_example", "traced_position", "overview_shapes", "one_position_offsets",
           "SamplingFigure", "sampling_figure", "PipelineFigure", "pipeline_figure", "OverviewFigure",
           "overview_figure"]


def offset_channels(kernel_size, offset_groups: int = 1) -> int:
    """Channels of an offset tensor: 2 (dy, dx) · offset_groups · kh · kw (18 for a 3x3 kernel).

    >>> offset_channels(3), offset_channels((3, 5), offset_groups=2)
    (18, 60)
    """
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    return 2 * offset_groups * kh * kw


def regular_points(kernel_size, out_position, stride=1, padding=0, dilation=1) -> np.ndarray:
    """(kh·kw, 2) regular tap positions (row, col) of one output: out·stride − padding + tap·dilation.

    >>> regular_points(3, (1, 2), stride=2, padding=1)[:3].tolist()      # the first kernel row
    [[1.0, 3.0], [1.0, 4.0], [1.0, 5.0]]
    """
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    st = ntuple(stride, 2, "stride", minimum=1)
    pd = ntuple(padding, 2, "padding", minimum=0)
    dl = ntuple(dilation, 2, "dilation", minimum=1)
    oy, ox = out_position
    return np.array([[oy * st[0] - pd[0] + i * dl[0], ox * st[1] - pd[1] + j * dl[1]]
                     for i in range(kh) for j in range(kw)], dtype=np.float64)


def tap_offsets(offset, kernel_size, out_position) -> np.ndarray:
    """(kh·kw, 2) offsets (dy, dx) per tap at one output position, read from an offset tensor
    (2·kh·kw, H_out, W_out) (offset group 0).

    >>> off = np.zeros((18, 2, 2)); off[0, 1, 0], off[1, 1, 0] = 0.5, -0.25     # tap 0's (dy, dx) at (1, 0)
    >>> tap_offsets(off, 3, (1, 0))[:2].tolist()
    [[0.5, -0.25], [0.0, 0.0]]
    """
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    off = np.asarray(offset, dtype=np.float64)
    if off.ndim != 3 or off.shape[0] % (2 * kh * kw):
        raise ValueError(f"offset must be (2·kh·kw, H_out, W_out) = ({2 * kh * kw}, …), got {off.shape}")
    oy, ox = out_position
    return off[:2 * kh * kw, oy, ox].reshape(kh * kw, 2)


def one_position_offsets(kernel_size, seed: int = 0, offset_range: float = 0.8) -> np.ndarray:
    """(kh·kw, 2) offsets of the single output position of a seeded (2·kh·kw, 1, 1) offset tensor: the example
    offsets figure18 draws inside its boxes.

    >>> one_position_offsets(3, seed=18).shape
    (9, 2)
    """
    off = ops.random_offsets(kernel_size, (1, 1), seed=seed, scale=offset_range)
    return tap_offsets(off, kernel_size, (0, 0))


@dataclass(frozen=True)
class Clearance:
    """How far apart (in cells) the marks of a set of sampling points are, for a picture that reads: the closest
    two sampling points (``points``), the closest a sampling point comes to another tap's arrow regular → point
    (``arrows``: a dot drawn over an arrow hides it), the shortest arrow (``shortest``; infinite when no tap
    moved), how many pairs of arrows cross (``crossings``), the closest a regular point comes to another
    tap's arrow (``regular``: an arrowhead landing on a regular point reads as starting there) and the closest
    two arrows come (``between``: 0 when two cross; arrows whose heads nearly touch read as one mark)."""
    points: float
    arrows: float
    shortest: float
    crossings: int
    regular: float = np.inf
    between: float = np.inf


def _segment_distances(p, a, b) -> np.ndarray:
    """Distances (m, n) from points ``p`` (n, 2) to the segments ``a[i]`` → ``b[i]`` (m, 2)."""
    ab = (b - a)[:, None, :]
    ap = p[None, :, :] - a[:, None, :]
    t = np.clip(np.sum(ap * ab, axis=2) / np.maximum(np.sum(ab * ab, axis=2), 1e-12), 0.0, 1.0)
    return np.linalg.norm(ap - t[..., None] * ab, axis=2)


def _segments_apart(a, b) -> float:
    """The least distance between two of the segments ``a[i]`` → ``b[i]`` (n, 2): 0 if two cross, else the
    least distance from an end of one to the other."""
    n = len(a)
    if n < 2:
        return np.inf
    if _crossings(a, b):
        return 0.0
    ends = _segment_distances(np.concatenate([a, b]), a, b)            # (segment, end of 2n)
    own = np.tile(np.eye(n, dtype=bool), 2)
    return float(np.min(ends[~own]))


def _crossings(a, b) -> int:
    """How many pairs of segments ``a[i]`` → ``b[i]`` (n, 2) properly cross."""
    def side(p, q, r):                     # sign of the turn p → q → r, (n, n) for segments i and points j
        return np.sign((q[:, None, 0] - p[:, None, 0]) * (r[None, :, 1] - p[:, None, 1])
                       - (q[:, None, 1] - p[:, None, 1]) * (r[None, :, 0] - p[:, None, 0]))
    cross = (side(a, b, a) * side(a, b, b) < 0) & (side(a, b, a) * side(a, b, b) < 0).T
    return int(np.count_nonzero(np.triu(cross, 1)))


def clearance(regular, points) -> Clearance:
    """The ``Clearance`` of sampling ``points`` (n, 2) moved from ``regular`` (n, 2) positions (row, col).

    >>> reg = regular_points(3, (0, 0))
    >>> c = clearance(reg, reg + np.array([[0, 0.5]] * 9))     # every point half a cell right: arrows 0.5 apart
    >>> c.points, c.arrows, c.shortest, c.crossings, c.regular, c.between
    (1.0, 0.5, 0.5, 0, 0.5, 0.5)
    """
    reg, pts = np.asarray(regular, dtype=np.float64), np.asarray(points, dtype=np.float64)
    n = len(pts)
    moved = np.flatnonzero(np.any(pts != reg, axis=1))
    if n > 1:
        iu = np.triu_indices(n, 1)
        gaps = np.linalg.norm(pts[:, None, :] - pts[None, :, :], axis=2)[iu]
    else:
        gaps = np.array([])
    others = ~np.eye(n, dtype=bool)[moved]                       # (moved, n): not the arrow's own tap
    near = _segment_distances(pts, reg[moved], pts[moved])[others]
    near_reg = _segment_distances(reg, reg[moved], pts[moved])[others]
    lengths = np.linalg.norm(pts[moved] - reg[moved], axis=1)
    crossings = _crossings(reg[moved], pts[moved])
    apart = _segments_apart(reg[moved], pts[moved])

    def least(v):
        return round(float(np.min(v)), 6) if len(v) else np.inf
    return Clearance(least(gaps), least(near), least(lengths), int(crossings), least(near_reg),
                     round(apart, 6) if np.isfinite(apart) else np.inf)


@dataclass(frozen=True)
class SamplingRule:
    """When figure16's free-form panel reads (``Clearance`` in cells): sampling points ``points`` apart, no
    arrow within ``arrows`` of another tap's sampling point nor within ``regular`` of another tap's regular point
    (its head would land there), every arrow at least ``shortest`` long (room for a head), no two crossing and
    no two closer than ``between`` (room for two heads side by side)."""
    points: float = 0.6
    arrows: float = 0.25
    regular: float = 0.3
    shortest: float = 0.6
    between: float = 0.4

    def reads(self, c: Clearance) -> bool:
        """Whether a panel of this ``Clearance`` reads.

        >>> ok, near = Clearance(1.0, 0.5, 0.7, 0, 0.4, 0.5), Clearance(1.0, 0.5, 0.7, 0, 0.4, 0.2)
        >>> SamplingRule().reads(ok), SamplingRule().reads(near), SamplingRule().reads(Clearance(1.0, 0.5, 0.7, 0, 0.1))
        (True, False, False)
        """
        return (c.crossings == 0 and c.points >= self.points and c.arrows >= self.arrows
                and c.regular >= self.regular and c.shortest >= self.shortest and c.between >= self.between)


def first_seed(seed: int, reads, tries: int = 20000) -> int:
    """The first seed from ``seed`` on for which ``reads(seed)`` holds (a seeded example chosen by how it
    reads, reproducibly); ``ValueError`` after ``tries`` seeds.

    >>> first_seed(10, lambda s: s % 7 == 0)
    14
    """
    for s in range(int(seed), int(seed) + tries):
        if reads(s):
            return s
    raise ValueError(f"no seed in {seed}..{seed + tries - 1} gives an example that reads")


@dataclass(frozen=True)
class SamplingPanel:
    """One panel of figure16: an input grid of ``grid`` x ``grid`` cells and the kernel's sampling points for
    the output at ``out_position`` (stride 1, no padding), read from ``offset``."""
    key: str                  # regular | learned | scale | rotate
    grid: int
    out_position: tuple[int, int]
    offset: np.ndarray        # the whole offset tensor (2·kh·kw, H_out, W_out)
    regular: np.ndarray       # (kh·kw, 2) regular positions (row, col)
    offsets: np.ndarray       # (kh·kw, 2) (dy, dx) read from ``offset``
    points: np.ndarray        # (kh·kw, 2) regular + offsets

    @property
    def moved(self) -> bool:
        return bool(np.any(self.offsets != 0))

    @property
    def clearance(self) -> Clearance:
        """How far apart the panel's dots and arrows are (``clearance``)."""
        return clearance(self.regular, self.points)


def sampling_panel(key: str, offset, kernel_size, grid: int, out_position) -> SamplingPanel:
    """One panel: the regular points of the output at ``out_position`` and the points moved by ``offset``.

    >>> sampling_panel("regular", np.zeros((18, 3, 3)), 3, 5, (1, 1)).points[4].tolist()   # the centre tap
    [2.0, 2.0]
    """
    reg = regular_points(kernel_size, out_position)
    off = tap_offsets(offset, kernel_size, out_position)
    return SamplingPanel(key, grid, tuple(int(v) for v in out_position), np.asarray(offset), reg, off, reg + off)


def _sampling_layout(kh: int, kw: int, offset_range: float, scale: float):
    """(grid, out size, centre output) of figure16: the smallest odd grid that holds every point of every panel
    with at least half a cell to spare (per axis)."""
    # how far (per axis) a point can get from the kernel centre: the farthest tap, moved by the largest
    # offset, scaled, or rotated (a rotation keeps it within the circle through the corner taps)
    hy, hx = (kh - 1) / 2, (kw - 1) / 2
    reach = max(max(hy, hx) + abs(offset_range), abs(scale) * max(hy, hx), float(np.hypot(hy, hx)))
    half = int(ceil(reach + 0.5))
    grid = 2 * half + 1
    out = conv_output_size((grid, grid), (kh, kw))
    return grid, out, (out[0] // 2, out[1] // 2)


def sampling_panels(kernel_size=3, seed: int = 0, scale: float = 1.6, degrees: float = 30.0,
                    offset_range: float = 0.8) -> list[SamplingPanel]:
    """The four panels of figure16 on one shared grid size: (a) no offsets, (b) ``random_offsets`` (uniform in
    ±``offset_range``, seeded), (c) ``scale_offsets`` by ``scale``, (d) ``rotate_offsets`` by ``degrees``.

    The grid is the smallest odd size that holds every point of every panel with at least half a cell to
    spare (per axis); each panel reads its offsets at the centre output of a full offset tensor of that grid.

    >>> panels = sampling_panels(3, seed=16, offset_range=1.5)
    >>> [p.key for p in panels], panels[0].grid, panels[0].out_position, panels[0].moved, panels[3].moved
    (['regular', 'learned', 'scale', 'rotate'], 7, (2, 2), False, True)
    """
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    grid, out, pos = _sampling_layout(kh, kw, offset_range, scale)
    tensors = {
        "regular": np.zeros((offset_channels((kh, kw)),) + tuple(out)),
        "learned": ops.random_offsets((kh, kw), out, seed=seed, scale=offset_range),
        "scale": ops.scale_offsets((kh, kw), out, scale),
        "rotate": ops.rotate_offsets((kh, kw), out, degrees),
    }
    return [sampling_panel(k, t, (kh, kw), grid, pos) for k, t in tensors.items()]


@lru_cache(maxsize=64)
def learned_seed(kernel_size=3, seed: int = 0, scale: float = 1.6, offset_range: float = 0.8,
                 rule: SamplingRule = SamplingRule()) -> int:
    """The first seed from ``seed`` on whose free-form panel (b) reads by ``rule`` (``first_seed``).

    >>> s = learned_seed(3, seed=177, offset_range=1.5)
    >>> s >= 177, SamplingRule().reads(sampling_panels(3, s, offset_range=1.5)[1].clearance)
    (True, True)
    """
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    grid, out, pos = _sampling_layout(kh, kw, offset_range, scale)

    def reads(s: int) -> bool:
        panel = sampling_panel("learned", ops.random_offsets((kh, kw), out, seed=s, scale=offset_range), (kh, kw),
                               grid, pos)
        if np.min(np.hypot(panel.offsets[:, 0], panel.offsets[:, 1])) < rule.shortest:    # cheap tests first
            return False
        gaps = np.linalg.norm(panel.points[:, None, :] - panel.points[None, :, :], axis=2)
        if np.min(gaps[np.triu_indices(len(gaps), 1)]) < rule.points:
            return False
        return rule.reads(panel.clearance)
    return first_seed(seed, reads)


@dataclass(frozen=True)
class PipelineRule:
    """When figure17's traced output reads on the input map (cells): no sampling point within ``zone``
    (half-height, half-width) of an input cell's centre, where its digit is; points ``points`` apart; no arrow
    within ``arrows`` of another tap's point; no arrow through another cell's ``zone``; no two crossing; every
    offset at least ``shortest`` long (room for an arrow with a head and a shaft between the ring that marks its
    cell as a bilinear neighbour and the point). The zone is a digit's half box (0.19, 0.13) plus a point's
    radius (0.11) and a gap; the shortest offset, the ring (0.34 cells from the centre, stroke included) plus a
    head, a shaft and the point."""
    zone: tuple[float, float] = (0.33, 0.27)
    points: float = 0.4
    arrows: float = 0.22
    shortest: float = 0.66

    def off_digits(self, positions, in_size) -> np.ndarray:
        """Whether each of ``positions`` (n, 2) lies outside the digit zone of every input cell."""
        pos = np.asarray(positions, dtype=np.float64)
        cell = np.round(pos)
        inside = np.all((cell >= 0) & (cell < np.asarray(in_size)), axis=1)
        near = np.all(np.abs(pos - cell) < np.asarray(self.zone), axis=1)
        return ~(inside & near)

    def reads(self, regular, points, in_size) -> bool:
        """Whether sampling ``points`` moved from ``regular`` (n, 2) read on an input of ``in_size``.

        >>> reg = regular_points(3, (2, 2), padding=1)
        >>> PipelineRule().reads(reg, reg + 0.5, (6, 6)), PipelineRule().reads(reg, reg + 0.1, (6, 6))
        (True, False)
        """
        reg, pts = np.asarray(regular, dtype=np.float64), np.asarray(points, dtype=np.float64)
        if not self.off_digits(pts, in_size).all():
            return False
        c = clearance(reg, pts)
        if c.points < self.points or c.arrows < self.arrows or c.crossings or c.shortest < self.shortest:
            return False
        t = np.linspace(0.0, 1.0, 25)[None, :, None]
        path = reg[:, None, :] + t * (pts - reg)[:, None, :]              # (taps, samples, 2)
        own = np.all(np.round(path) == reg[:, None, :], axis=2)          # still over the tap's own cell
        clear = self.off_digits(path.reshape(-1, 2), in_size).reshape(own.shape)
        return bool(np.all(clear | own))


def traced_position(out_size, position=None) -> tuple[int, int]:
    """The output value the pipeline figure follows: ``position`` if given (checked), else the centre.

    >>> traced_position((6, 6)), traced_position((6, 6), (0, 5))
    ((3, 3), (0, 5))
    """
    oh, ow = ntuple(out_size, 2, "out_size", minimum=1)
    if position is None:
        return (oh // 2, ow // 2)
    r, c = (int(v) for v in position)
    if not (0 <= r < oh and 0 <= c < ow):
        raise ValueError(f"traced position {(r, c)} is outside the {oh}x{ow} output")
    return (r, c)


def pipeline_example(in_size=6, kernel_size=3, seed: int = 0, padding=1, offset_range: float = 0.8) -> dict:
    """The seeded small example of figure17: one input channel (integers 0..3), one 3x3 filter (integers
    1..3), and an offset field (2·kh·kw, H_out, W_out) from ``random_offsets``; plus the output.

    >>> d = pipeline_example(6, 3, seed=17)
    >>> d["x"].shape, d["weight"].shape, d["offset"].shape, d["out_size"]
    ((1, 6, 6), (1, 1, 3, 3), (18, 6, 6), (6, 6))
    """
    h, w = ntuple(in_size, 2, "in_size", minimum=1)
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    out_size = conv_output_size((h, w), (kh, kw), padding=padding)
    x = ex.random_ints((1, h, w), seed=seed, low=0, high=3)
    weight = ex.random_ints((1, 1, kh, kw), seed=seed + 1, low=1, high=3)
    offset = ops.random_offsets((kh, kw), out_size, seed=seed, scale=offset_range)
    y = ops.deform_conv2d(x, offset, weight, padding=padding)
    return {"x": x, "weight": weight, "offset": offset, "padding": padding, "out_size": tuple(out_size),
            "output": y}


def _key(v):
    """A parameter as a cache key: lists and arrays as tuples.

    >>> _key([6, 6]), _key(3)
    ((6, 6), 3)
    """
    return tuple(_key(u) for u in v) if isinstance(v, (list, tuple, np.ndarray)) else v


@lru_cache(maxsize=64)
def pipeline_seed(in_size=6, kernel_size=3, seed: int = 0, padding=1, offset_range: float = 0.8, traced=None,
                  rule: PipelineRule = PipelineRule(), fallback: PipelineRule | None = PipelineRule(shortest=0.48),
                  tries: int = 20000) -> int:
    """The first seed from ``seed`` on whose traced output's sampling points read by ``rule``; if none of
    ``tries`` seeds does (``rule`` asks for long offsets, rare at some positions), the first that reads by
    ``fallback`` (shorter offsets: a tap whose arrow has no room keeps only its point); ``ValueError`` if none.

    >>> s = pipeline_seed(6, 3, seed=17)
    >>> s >= 17, pipeline_seed(6, 3, seed=17, tries=2000) < s        # fewer tries: the fallback's first seed
    (True, True)
    """
    h, w = ntuple(in_size, 2, "in_size", minimum=1)
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    out_size = conv_output_size((h, w), (kh, kw), padding=padding)
    pos = traced_position(out_size, traced)
    reg = regular_points((kh, kw), pos, padding=padding)
    second = None
    for s in range(int(seed), int(seed) + tries):
        off = tap_offsets(ops.random_offsets((kh, kw), out_size, seed=s, scale=offset_range), (kh, kw), pos)
        shortest = np.min(np.hypot(off[:, 0], off[:, 1]))                 # cheap test first
        if shortest >= rule.shortest and rule.reads(reg, reg + off, (h, w)):
            return s
        if second is None and fallback is not None and shortest >= fallback.shortest and \
                fallback.reads(reg, reg + off, (h, w)):
            second = s
    if second is None:
        raise ValueError(f"no seed in {seed}..{seed + tries - 1} gives an example that reads")
    return second


def overview_shapes(x_shape=(32, 64, 28, 28), kernel_size=3, out_channels: int = 64, stride=1, padding=1,
                    dilation=1, offset_groups: int = 1) -> dict:
    """Shapes of the complete deformable convolution for input ``x_shape`` (N, C, H, W): the offset branch's
    conv weight and offset tensor, the main branch's weight and the output; checked by ``deform_setup``.

    >>> s = overview_shapes((32, 64, 28, 28), 3, out_channels=64, padding=1)
    >>> s["offset_weight"], s["offset"], s["y"]
    ((18, 64, 3, 3), (32, 18, 28, 28), (32, 64, 28, 28))
    """
    n, c, h, w = (int(v) for v in x_shape)
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    ho, wo = conv_output_size((h, w), (kh, kw), stride, padding, dilation)
    oc = offset_channels((kh, kw), offset_groups)
    shapes = {
        "x": (n, c, h, w),
        "offset_weight": (oc, c, kh, kw),          # the offset branch: an ordinary conv with the same geometry
        "offset": (n, oc, ho, wo),
        "weight": (int(out_channels), c, kh, kw),
        "y": (n, int(out_channels), ho, wo),
        "taps": kh * kw,
        "offset_channels": oc,
        "kernel_size": (kh, kw),
        "out_size": (ho, wo),
    }
    # the compute layer's own validation agrees (zero-strided arrays: no memory)
    s = ops.deform_setup(np.broadcast_to(np.zeros(1), shapes["x"]), np.broadcast_to(np.zeros(1), shapes["offset"]),
                         np.broadcast_to(np.zeros(1), shapes["weight"]), stride=stride, padding=padding,
                         dilation=dilation)
    if s.out_size != (ho, wo):
        raise AssertionError(f"deform_setup gives {s.out_size}, conv_output_size {(ho, wo)}")
    return shapes


# -------------------------------------------------------------------------------------------------- builders
@dataclass(frozen=True)
class SamplingFigure:
    """figure16: four panels on one shared grid, each the kernel's sampling points of the centre output read
    from an offset tensor; ``scale`` and ``degrees`` are the caption numbers of panels (c) and (d)."""
    kernel_size: tuple[int, int]
    scale: float
    degrees: float
    offset_range: float
    panels: tuple[SamplingPanel, ...]     # regular, learned, scale, rotate
    seed: int = 0                         # the seed of panel (b)'s offsets (``learned_seed``)

    @property
    def grid(self) -> int:
        """Cells per side of every panel's input grid."""
        return self.panels[0].grid


def sampling_figure(*, kernel_size=3, seed: int = 0, offset_range: float = 0.8, scale: float = 1.6,
                    degrees: float = 30.0) -> SamplingFigure:
    """The four panels of figure16 (``sampling_panels``) and the numbers their captions name. Panel (b)'s
    offsets come from the first seed from ``seed`` on whose picture reads (``learned_seed``: no arrowhead on a
    regular or sampling point, no crossing, every arrow long enough for its head).

    >>> fig = sampling_figure(kernel_size=3, seed=16, offset_range=1.5, scale=1.6, degrees=30)
    >>> fig.kernel_size, fig.grid, [p.key for p in fig.panels], fig.seed >= 16
    ((3, 3), 7, ['regular', 'learned', 'scale', 'rotate'], True)
    >>> fig.panels[2].points[0].tolist()        # tap (0, 0) of the scaled grid: 1.6 x farther from the centre
    [1.4, 1.4]
    """
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    used = learned_seed((kh, kw), seed, scale, offset_range)
    panels = sampling_panels((kh, kw), used, scale, degrees, offset_range)
    return SamplingFigure((kh, kw), scale, degrees, offset_range, tuple(panels), used)


@dataclass(frozen=True)
class PipelineFigure:
    """figure17: one input channel ``x`` (1, H, W), one filter ``weight`` (1, 1, kh, kw), the offset field
    ``offset`` (2·kh·kw, H_out, W_out), the output (1, H_out, W_out), and the output value the animation follows:
    ``traced`` (row, col) and its ``step`` (each tap's sampling point, four neighbours with bilinear weights,
    sampled value, product; ``step.total`` is the output value)."""
    x: np.ndarray
    weight: np.ndarray
    offset: np.ndarray
    padding: int
    output: np.ndarray
    traced: tuple[int, int]
    step: DeformStep
    seed: int = 0                 # the example's seed (``pipeline_seed``)

    @property
    def kernel_size(self) -> tuple[int, int]:
        return (int(self.weight.shape[2]), int(self.weight.shape[3]))

    @property
    def out_size(self) -> tuple[int, int]:
        return (int(self.offset.shape[1]), int(self.offset.shape[2]))

    @property
    def in_channels(self) -> int:
        return int(self.x.shape[0])

    @property
    def offset_channels(self) -> int:
        return int(self.offset.shape[0])


def pipeline_figure(*, in_size=6, kernel_size=3, seed: int = 0, padding=1, offset_range: float = 0.8,
                    traced=None) -> PipelineFigure:
    """figure17's seeded example (``pipeline_example``) and the trace of the output at ``traced`` (default: the
    centre), from ``convviz.trace.trace_deform_conv2d``. The example's seed is the first from ``seed`` on whose
    traced sampling points keep off the input's digits, off each other and off the arrows (``pipeline_seed``).

    >>> fig = pipeline_figure(in_size=6, kernel_size=3, seed=17, padding=1, offset_range=0.8)
    >>> fig.x.shape, fig.offset.shape, fig.out_size, fig.traced, len(fig.step.taps)
    ((1, 6, 6), (18, 6, 6), (6, 6), (3, 3), 9)
    >>> bool(abs(fig.step.total - fig.output[0, 3, 3]) < 1e-9)
    True
    """
    used = pipeline_seed(*(_key(v) for v in (in_size, kernel_size, seed, padding, offset_range, traced)))
    data = pipeline_example(in_size, kernel_size, used, padding, offset_range)
    trace = trace_deform_conv2d(data["x"], data["offset"], data["weight"], padding=data["padding"])
    oh, ow = (int(v) for v in trace.out_size)
    pos = traced_position((oh, ow), traced)
    step = trace.step(pos[0] * ow + pos[1])            # batch 0, output channel 0
    return PipelineFigure(data["x"], data["weight"], data["offset"], data["padding"], data["output"], pos, step,
                          used)


@dataclass(frozen=True)
class OverviewFigure:
    """figure18: the shapes of the complete deformable convolution (``overview_shapes``), the layer's arguments,
    the example offsets of one output position drawn in the boxes (kh·kw, 2) and the output-size formula."""
    x_shape: tuple[int, int, int, int]
    offset_weight_shape: tuple[int, int, int, int]
    offset_shape: tuple[int, int, int, int]
    weight_shape: tuple[int, int, int, int]
    y_shape: tuple[int, int, int, int]
    kernel_size: tuple[int, int]
    out_size: tuple[int, int]
    offset_channels: int
    stride: Any
    padding: Any
    dilation: Any
    example_offsets: np.ndarray
    formula: tuple[str, ...]            # ``convviz.describe.size_formula`` lines

    @property
    def taps(self) -> int:
        return self.kernel_size[0] * self.kernel_size[1]

    @property
    def in_channels(self) -> int:
        return self.x_shape[1]

    @property
    def out_channels(self) -> int:
        return self.y_shape[1]


def overview_figure(*, x_shape=(32, 64, 28, 28), kernel_size=3, out_channels: int = 64, stride=1, padding=1,
                    dilation=1, seed: int = 0, offset_range: float = 0.8) -> OverviewFigure:
    """figure18's shapes for input ``x_shape`` (N, C, H, W), a seeded example of one position's offsets
    (``one_position_offsets``) and the output-size formula.

    >>> fig = overview_figure(x_shape=(32, 64, 28, 28), kernel_size=3, out_channels=64, padding=1, seed=18)
    >>> fig.offset_shape, fig.y_shape, fig.offset_channels, fig.example_offsets.shape
    ((32, 18, 28, 28), (32, 64, 28, 28), 18, (9, 2))
    >>> fig.formula[0][-4:]
    '= 28'
    """
    sh = overview_shapes(x_shape, kernel_size, out_channels, stride, padding, dilation)
    kh, kw = sh["kernel_size"]
    h, w = sh["x"][2:]
    st = ntuple(stride, 2, "stride", minimum=1)
    dl = ntuple(dilation, 2, "dilation", minimum=1)
    formula = tuple(size_formula((h, w), (kh, kw), st, padding, dl))
    demo = one_position_offsets((kh, kw), seed=seed, offset_range=offset_range)
    return OverviewFigure(sh["x"], sh["offset_weight"], sh["offset"], sh["weight"], sh["y"], (kh, kw),
                          tuple(int(v) for v in sh["out_size"]), sh["offset_channels"], stride, padding, dilation,
                          demo, formula)
