"""Dilation rate vs. receptive field (cnn-figure13): three grids, "D = 1", "D = 2", "D = 3".

Each grid shows the nine taps of a 3x3 kernel with that dilation, centred (positions from
``convviz.figures.dilation.dilated_taps``), the square they span shaded and outlined, and its size (3x3, 5x5, 7x7 from
``convviz.shapes.receptive_field``) written under the grid. Run with stock Manim too:
``manim -ql scenes/receptive_field.py ReceptiveField``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UL, UP, DashedVMobject, Dot, Rectangle, VGroup

from convviz.figures.dilation import dilated_taps
from convviz.shapes import receptive_field

from scenes.kit.base import ConvVizScene
from scenes.kit.widgets import EMPTY, NumberGrid


class ReceptiveField(ConvVizScene):
    default_entry = "cnn-figure13"

    def construct(self):
        p = self.params
        t = self.theme
        n, k = int(p["grid"]), int(p["kernel_size"])
        dilations = [int(d) for d in p["dilations"]]
        gap = 0.8
        cell = min(0.4, (13.4 - gap * (len(dilations) - 1)) / (n * len(dilations)))
        panels = VGroup()
        self.drawn["panels"] = []
        for d in dilations:
            taps = dilated_taps(n, k, d)
            rf = receptive_field(k, d)
            grid = NumberGrid(np.full((n, n), None), t, self.text, cell=cell,
                              kinds=np.full((n, n), EMPTY, dtype=object), show_numbers=False)
            # the receptive field: light kernel tint and a dashed outline around the square the taps span
            for (r, c) in taps.field_cells:
                grid.fill_cell(r, c, t.kernel_fill, opacity=0.45)
            r0, c0 = taps.top_left
            box = Rectangle(width=rf * cell, height=rf * cell)
            box.move_to(grid.cell(r0, c0).get_corner(UL), aligned_edge=UL)
            outline = DashedVMobject(box.set_stroke(t.kernel_stroke, width=3), num_dashes=8 * rf)
            # the taps: solid kernel colour with a dot (colour is not the only cue)
            marks = VGroup()
            for (r, c) in taps.taps:
                grid.fill_cell(r, c, t.kernel_stroke, opacity=0.85)
                marks.add(Dot(grid.cell_center(r, c), radius=cell * 0.14, color=t.background))
            outline.set_z_index(1)
            marks.set_z_index(2)
            title = self.text(f"D = {d}", size=30)
            title.next_to(grid, UP, buff=0.25)
            label = f"{self.T('receptive_field')} {rf}x{rf}"
            size_label = self.text(label, size=24, color=t.muted)
            size_label.next_to(grid, DOWN, buff=0.22)
            panels.add(VGroup(grid, outline, marks, title, size_label))
            self.drawn["panels"].append({"dilation": d, "title": f"D = {d}", "taps": list(taps.taps),
                                         "field": rf, "field_cells": list(taps.field_cells),
                                         "label": label})
        panels.arrange(RIGHT, buff=gap, aligned_edge=UP)
        legend = self.text(self.say(f"{k}x{k} kernel on an {n}x{n} input: with dilation D its taps are D cells "
                                    "apart", f"{k}x{k} 卷积核，{n}x{n} 输入：膨胀率为 D 时，采样点相隔 D 格"),
                           size=22, color=t.muted)
        legend.next_to(panels, DOWN, buff=0.35)
        body = VGroup(panels, legend)
        self.fit_to_frame(body)
        self.drawn["grid"] = n
        self.show_still(body)
