"""Dilation rate vs. receptive field (cnn-figure13): three grids, "D = 1", "D = 2", "D = 3".

Each grid shows the nine taps of a 3x3 kernel with that dilation, centred (positions from
``convviz.figures.dilation.receptive_field_figure``), the square they span shaded and outlined, and its size
(3x3, 5x5, 7x7: ``convviz.shapes.receptive_field``) written under the grid. Run with stock Manim too:
``manim -ql scenes/receptive_field.py ReceptiveField``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UL, UP, DashedVMobject, Dot, Rectangle, VGroup, config

from scenes.kit.base import ConvVizScene
from scenes.kit.widgets import EMPTY, NumberGrid

# layout (scene units, font sizes in points)
PANEL_GAP = 0.8
MAX_CELL = 0.4
PANELS_SHARE = 603 / 640      # of config.frame_width: 13.4 of the standard 16:9 frame (14.2 x 8)
FIELD_OPACITY = 0.45          # the receptive field's tint
OUTLINE_STROKE = 3
DASHES_PER_CELL = 8           # of the field's side, for its dashed outline
TAP_OPACITY = 0.85
TAP_DOT = 0.14                # dot radius, of a cell
TITLE_SIZE = 30
TITLE_BUFF = 0.25
FIELD_LABEL_SIZE = 24
FIELD_LABEL_BUFF = 0.22
LEGEND_SIZE = 22
LEGEND_BUFF = 0.35


class ReceptiveField(ConvVizScene):
    """Draws a ``convviz.figures.dilation.ReceptiveFieldFigure``: one grid per dilation, a legend under all."""

    default_entry = "cnn-figure13"

    def construct(self):
        fig = self.params
        cell = self.cell_size(fig)
        self.drawn["panels"] = []
        panels = VGroup(*[self.panel(fig, taps, cell) for taps in fig.panels])
        panels.arrange(RIGHT, buff=PANEL_GAP, aligned_edge=UP)
        k, n = fig.kernel_size, fig.grid
        legend = self.text(self.say(f"{k}x{k} kernel on an {n}x{n} input: with dilation D its taps are D cells "
                                    "apart", f"{k}x{k} 卷积核，{n}x{n} 输入：膨胀率为 D 时，采样点相隔 D 格"),
                           size=LEGEND_SIZE, color=self.theme.muted)
        legend.next_to(panels, DOWN, buff=LEGEND_BUFF)
        body = VGroup(panels, legend)
        self.fit_to_frame(body)
        self.drawn["grid"] = n
        self.show_still(body)

    @staticmethod
    def cell_size(fig) -> float:
        """Cells as large as MAX_CELL, or smaller so the panels and their gaps span PANELS_SHARE of the frame."""
        m = len(fig.panels)
        width = config.frame_width * PANELS_SHARE
        return min(MAX_CELL, (width - PANEL_GAP * (m - 1)) / (fig.grid * m))

    def panel(self, fig, taps, cell: float) -> VGroup:
        """"D = d" over the grid (receptive field shaded and outlined, taps marked) over the field's size."""
        t = self.theme
        n, d, rf = fig.grid, taps.dilation, taps.field
        grid = NumberGrid(np.full((n, n), None), t, self.text, cell=cell,
                          kinds=np.full((n, n), EMPTY, dtype=object), show_numbers=False)
        # the receptive field: light kernel tint and a dashed outline around the square the taps span
        for (r, c) in taps.field_cells:
            grid.fill_cell(r, c, t.kernel_fill, opacity=FIELD_OPACITY)
        r0, c0 = taps.top_left
        box = Rectangle(width=rf * cell, height=rf * cell)
        box.move_to(grid.cell(r0, c0).get_corner(UL), aligned_edge=UL)
        outline = DashedVMobject(box.set_stroke(t.kernel_stroke, width=OUTLINE_STROKE),
                                 num_dashes=DASHES_PER_CELL * rf)
        # the taps: solid kernel colour with a dot (colour is not the only cue)
        marks = VGroup()
        for (r, c) in taps.taps:
            grid.fill_cell(r, c, t.kernel_stroke, opacity=TAP_OPACITY)
            marks.add(Dot(grid.cell_center(r, c), radius=cell * TAP_DOT, color=t.background))
        outline.set_z_index(1)
        marks.set_z_index(2)
        title = self.text(f"D = {d}", size=TITLE_SIZE)
        title.next_to(grid, UP, buff=TITLE_BUFF)
        label = f"{self.T('receptive_field')} {rf}x{rf}"
        size_label = self.text(label, size=FIELD_LABEL_SIZE, color=t.muted)
        size_label.next_to(grid, DOWN, buff=FIELD_LABEL_BUFF)
        self.drawn["panels"].append({"dilation": d, "title": f"D = {d}", "taps": list(taps.taps),
                                     "field": rf, "field_cells": list(taps.field_cells), "label": label})
        return VGroup(grid, outline, marks, title, size_label)
