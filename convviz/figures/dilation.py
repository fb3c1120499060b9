"""Where a dilated kernel's taps fall (figure 13: dilation rate vs. receptive field). numpy only.

``receptive_field_figure`` → :class:`ReceptiveFieldFigure`, one :class:`DilatedTaps` panel per dilation.

>>> t = dilated_taps(11, 3, 2)
>>> t.field, t.top_left, t.taps[:2]
(5, (3, 3), ((3, 3), (3, 5)))
"""

from __future__ import annotations

from dataclasses import dataclass

from ..shapes import ntuple, receptive_field

__all__ = ["DilatedTaps", "dilated_taps", "ReceptiveFieldFigure", "receptive_field_figure"]


@dataclass(frozen=True)
class DilatedTaps:
    """A k×k kernel with dilation d centred in an n×n grid: its taps (row, col) in row-major tap order and the
    square it spans (the receptive field of one output value, d·(k−1)+1 on a side)."""
    grid: int
    kernel_size: int
    dilation: int
    taps: tuple[tuple[int, int], ...]
    field: int                  # receptive field side, d·(k−1)+1
    top_left: tuple[int, int]   # first row and column of the receptive field

    @property
    def field_cells(self) -> tuple[tuple[int, int], ...]:
        r0, c0 = self.top_left
        return tuple((r0 + i, c0 + j) for i in range(self.field) for j in range(self.field))


def dilated_taps(grid: int, kernel_size: int, dilation: int = 1) -> DilatedTaps:
    """Taps of a ``kernel_size``² kernel with ``dilation`` centred in a ``grid``² grid (when the leftover is
    odd, the extra cell goes bottom/right, as with 'same' padding)."""
    (n,) = ntuple(grid, 1, "grid", minimum=1)
    (k,) = ntuple(kernel_size, 1, "kernel_size", minimum=1)
    (d,) = ntuple(dilation, 1, "dilation", minimum=1)
    span = receptive_field(k, d)
    if span > n:
        raise ValueError(f"grid: the dilated kernel spans d·(k−1)+1 = {span} cells, more than the grid's {n}")
    start = (n - span) // 2
    offsets = [start + t * d for t in range(k)]
    taps = tuple((r, c) for r in offsets for c in offsets)
    return DilatedTaps(n, k, d, taps, span, (start, start))


# ------------------------------------------------------------------------------------------------ builders
@dataclass(frozen=True)
class ReceptiveFieldFigure:
    """figure13: one panel per dilation, each the taps of a ``kernel_size``² kernel centred in a ``grid``² grid."""
    grid: int
    kernel_size: int
    panels: tuple[DilatedTaps, ...]

    @property
    def dilations(self) -> tuple[int, ...]:
        return tuple(p.dilation for p in self.panels)


def receptive_field_figure(*, grid: int = 11, kernel_size: int = 3, dilations=(1, 2, 3)) -> ReceptiveFieldFigure:
    """figure13's panels, one :func:`dilated_taps` per dilation.

    >>> fig = receptive_field_figure(grid=11, kernel_size=3, dilations=(1, 2, 3))
    >>> [p.field for p in fig.panels], fig.panels[1].taps[:3]
    ([3, 5, 7], ((3, 3), (3, 5), (3, 7)))
    """
    (n,) = ntuple(grid, 1, "grid", minimum=1)
    (k,) = ntuple(kernel_size, 1, "kernel_size", minimum=1)
    ds = (dilations,) if isinstance(dilations, int) else tuple(dilations)
    if not ds:
        raise ValueError("dilations: give at least one")
    return ReceptiveFieldFigure(n, k, tuple(dilated_taps(n, k, d) for d in ds))
