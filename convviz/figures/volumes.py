"""Numbers and plans for the volume figures (figure6–10, figure15): numpy only, no Manim.

- ``AxisPlan`` / ``elide_axis``: which voxels of a long dimension are drawn and where the "…" gap goes, so a
  volume 128 deep is drawn a few slices deep (the volume widget in ``scenes/volume.py`` draws this plan).
- ``sweep_path``: the handful of kernel positions an animation visits, row-major up to an end position.
- ``pointwise_example`` / ``pointwise_step``: figure7's data and one output value as a dot product.
- ``conv3d_example``: figure15's data; ``grouped_params``: figure6's parameter counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from .. import ops
from .examples import random_ints
from ..shapes import conv_output_size, ntuple
from ..trace import fmt, product_term

__all__ = ["AxisPlan", "elide_axis", "sweep_path", "pointwise_example", "pointwise_step", "conv3d_example",
           "conv3d_step", "grouped_params", "step_counts"]


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
    and the last ones, ``max_cells`` units long in all."""
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
    position of the first row/line), evenly thinned to at most ``max_steps``, first and last always kept."""
    shape = tuple(int(s) for s in shape)
    if end is None:
        end = (0,) * (len(shape) - 1) + (shape[-1] - 1,)
    end = tuple(int(e) for e in end)
    if len(end) != len(shape) or any(not 0 <= e < s for e, s in zip(end, shape)):
        raise ValueError(f"marked position {end} is outside the output of shape {shape}")
    last = int(np.ravel_multi_index(end, shape))
    picks = np.unique(np.round(np.linspace(0, last, min(max_steps, last + 1))).astype(int))
    return [tuple(int(v) for v in np.unravel_index(i, shape)) for i in picks]


# ------------------------------------------------------------------------------------------ figure7
def pointwise_example(in_size, channels: int, seed: int = 0, out_channels: int = 1) -> dict:
    """Input (D, H, W) with values 0..3, a 1x1 kernel (C_out, D, 1, 1) with values 1..3, and the output."""
    h, w = ntuple(in_size, 2, "in_size", minimum=1)
    x = random_ints((channels, h, w), seed=seed, low=0, high=3)
    weight = random_ints((out_channels, channels, 1, 1), seed=seed + 1, low=1, high=3)
    return {"x": x, "weight": weight, "output": ops.conv(x, weight)}


def pointwise_step(x, weight, output, position, out_channel: int = 0) -> dict:
    """One output value of a 1x1 conv as a dot product: the D input values at ``position``, the D weights,
    the product terms as drawn ("2×1") and the total (the conv's own output value)."""
    r, c = position
    values = [x[d, r, c].item() for d in range(x.shape[0])]
    weights = [weight[out_channel, d, 0, 0].item() for d in range(x.shape[0])]
    return {"position": (int(r), int(c)), "values": values, "weights": weights,
            "terms": [product_term(v, w) for v, w in zip(values, weights)],
            "total": output[out_channel, r, c].item(), "total_text": fmt(output[out_channel, r, c].item())}


# ------------------------------------------------------------------------------------------ figure15
def conv3d_example(in_size, kernel_size, seed: int = 0) -> dict:
    """A one-channel volume (1, D, H, W) with values 0..3, a kernel (1, 1, k, k, k) with values 0..2, the output
    (1, D_out, H_out, W_out) and its size from ``conv_output_size``."""
    size = ntuple(in_size, 3, "in_size", minimum=1)
    k = ntuple(kernel_size, 3, "kernel_size", minimum=1)
    out_size = conv_output_size(size, k)
    x = random_ints((1,) + size, seed=seed, low=0, high=3)
    weight = random_ints((1, 1) + k, seed=seed + 1, low=0, high=2)
    return {"x": x, "weight": weight, "output": ops.conv(x, weight), "out_size": out_size,
            "kernel_size": k, "in_size": size}


def conv3d_step(example: dict, position) -> dict:
    """The window (start, stop per dimension) of output voxel ``position`` and its value."""
    k = example["kernel_size"]
    pos = tuple(int(p) for p in position)
    window = tuple((p, p + kk) for p, kk in zip(pos, k))
    return {"position": pos, "window": window, "taps": prod(k),
            "total": example["output"][(0,) + pos].item(), "total_text": fmt(example["output"][(0,) + pos].item())}


# ------------------------------------------------------------------------------------------ counts
def grouped_params(in_channels: int, out_channels: int, kernel_size, groups=(1, 2)) -> dict[int, int]:
    """Weights of the same layer for each number of groups: C_out · C_in/groups · Πk."""
    k = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    return {int(g): ops.conv_params(in_channels, out_channels, k, groups=int(g)) for g in groups}


def step_counts(in_channels: int, out_channels: int, kernel_size, out_size, groups: int = 1) -> dict[str, int]:
    """Weights and multiply-adds of one conv layer (one step of a separable conv)."""
    k = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    o = ntuple(out_size, 2, "out_size", minimum=1)
    return {"params": ops.conv_params(in_channels, out_channels, k, groups=groups),
            "macs": ops.conv_macs(in_channels, out_channels, k, o, groups=groups)}


# -- builders (TEMPORARY pass-through stubs: to be replaced by typed figure dataclasses) --


def pointwise_figure(**params):
    return dict(params)


def grouped_figure(**params):
    return dict(params)


def depthwise_figure(**params):
    return dict(params)


def pointwise_step_figure(**params):
    return dict(params)


def conv3d_figure(**params):
    return dict(params)
