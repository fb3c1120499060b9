"""Where a dilated kernel's taps fall (figure 13: dilation rate vs. receptive field). numpy only."""

from __future__ import annotations

from dataclasses import dataclass

from ..shapes import ntuple, receptive_field

__all__ = ["DilatedTaps", "dilated_taps"]


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


# -- builders (TEMPORARY pass-through stubs: to be replaced by typed figure dataclasses) --


def receptive_field_figure(**params):
    return dict(params)
