"""figure1: the computation of a 2-D convolution written out with symbols.

A 3x4 input a..l and a 2x2 kernel w x / y z; every output box holds its expression (aw+bx+ey+fz, …), produced
by ``convviz.trace.trace_conv`` in symbolic mode, one line per kernel row. Arrows join the first input patch and
the kernel to the first output, as in the notes. ``manim -ql scenes/graph.py ComputationGraph`` works too.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Arrow, Line, Rectangle, SurroundingRectangle, VGroup

from convviz.trace import trace_conv

from scenes.kit.base import ConvVizScene
from scenes.kit.widgets import NumberGrid

MATH_FONT = "Latin Modern Roman"     # TeX's look for italic symbols (fonts-lmodern, pulled in by texlive)


def elbow_arrow(points, color, stroke_width: float = 4, tip_length: float = 0.22) -> VGroup:
    """A polyline through ``points`` with an arrow head on its last segment."""
    pts = [np.asarray(p, dtype=float) for p in points]
    parts = VGroup(*[Line(a, b, color=color, stroke_width=stroke_width) for a, b in zip(pts[:-2], pts[1:-1])])
    parts.add(Arrow(pts[-2], pts[-1], buff=0, color=color, stroke_width=stroke_width, tip_length=tip_length,
                    max_tip_length_to_length_ratio=0.5, max_stroke_width_to_length_ratio=20))
    return parts


class ComputationGraph(ConvVizScene):
    default_entry = "cnn-figure1"

    def math(self, s: str, size: float, color: str | None = None):
        """Italic symbols in a TeX-like serif."""
        return self.text(s, size=size, color=color, font=MATH_FONT, italic=True)

    def construct(self):
        p = self.params
        t = self.theme
        x = np.asarray(p["x"]).astype(str)
        w = np.asarray(p["weight"]).astype(str)
        trace = trace_conv(x[None], w[None, None])          # symbolic: totals are expressions
        oh, ow = trace.out_size
        kh, kw = trace.kernel_size
        steps = list(trace)
        first = steps[0]

        # -- input and kernel ---------------------------------------------------------------------------
        cell = 0.78
        factory = lambda s, size, color=None: self.math(s, size * 1.25, color)   # noqa: E731
        inp = NumberGrid(x, t, factory, cell=cell, fill=t.input_fill, stroke=t.input_stroke)
        ker = NumberGrid(w, t, factory, cell=cell, fill=t.kernel_fill, stroke=t.kernel_stroke)
        top = VGroup(inp, ker).arrange(RIGHT, buff=1.3, aligned_edge=UP)
        patch_cells = [tp.position for tp in first.taps]
        for r, c in patch_cells:
            inp.fill_cell(r, c, t.kernel_fill, opacity=0.6)
        patch = SurroundingRectangle(inp.block(patch_cells), color=t.highlight, buff=0.06, stroke_width=6)

        # -- output boxes ---------------------------------------------------------------------------------
        size = 30
        lines_of = {}
        for step in steps:
            rows = [[tp.product for tp in step.taps if tp.kernel_index[1] == r] for r in range(kh)]
            if "+".join(term for row in rows for term in row) != step.total:
                raise ValueError(f"the terms of output {step.out_position} do not spell {step.total!r}")
            lines_of[step.out_position] = rows
        probe = self._expression(lines_of[first.out_position], size)
        box_w, box_h = probe.width + 0.6, probe.height + 0.7
        boxes = VGroup()
        exprs = {}
        for r in range(oh):
            for c in range(ow):
                box = Rectangle(width=box_w, height=box_h, stroke_color=t.output_stroke, stroke_width=3,
                                fill_color=t.output_fill, fill_opacity=1)
                box.move_to([c * (box_w + 0.35), -r * (box_h + 0.35), 0])
                expr = self._expression(lines_of[(r, c)], size).move_to(box.get_center())
                exprs[(r, c)] = expr
                boxes.add(VGroup(box, expr))
        out = boxes
        out.next_to(top, DOWN, buff=1.5).align_to(inp, LEFT)
        first_box = boxes[0][0]
        mark = SurroundingRectangle(first_box, color=t.highlight, buff=0.08, stroke_width=6)

        # -- labels ---------------------------------------------------------------------------------------
        labels = VGroup(self.label("input").next_to(inp, UP, buff=0.22),
                        self.label("kernel").next_to(ker, UP, buff=0.22),
                        self.label("output").next_to(out, UP, buff=0.22))
        labels[1].align_to(labels[0], UP)          # same cap line whatever the descenders

        # -- arrows: patch → first output (down the left side), kernel → first output (from above) -------------
        x_left = out.get_left()[0] - 0.55
        a1 = elbow_arrow([patch.get_left(), [x_left, patch.get_left()[1], 0],
                          [x_left, first_box.get_center()[1], 0], mark.get_left()], t.highlight)
        entry_x = first_box.get_center()[0]
        y_mid = (ker.get_bottom()[1] + mark.get_top()[1]) / 2 + 0.25
        a2 = elbow_arrow([ker.get_bottom(), [ker.get_center()[0], y_mid, 0], [entry_x, y_mid, 0],
                          mark.get_top()], t.kernel_stroke)
        # the Output label sits over the middle of the row, clear of the kernel's arrow
        labels[2].move_to([out.get_center()[0], labels[2].get_center()[1], 0])
        if labels[2].get_left()[0] < entry_x + 0.3:
            labels[2].next_to(out, UP, buff=0.22).align_to(boxes[min(1, ow - 1)], LEFT)

        figure = VGroup(top, patch, out, mark, labels, a1, a2)
        self.fit_to_frame(figure)
        self.add(figure)
        self.drawn["input"] = inp.drawn_array().tolist()
        self.drawn["kernel"] = ker.drawn_array().tolist()
        self.drawn["patch"] = [tuple(int(v) for v in rc) for rc in patch_cells]
        self.drawn["outputs"] = [["+".join(term for line in exprs[(r, c)].rows for term in line)
                                  for c in range(ow)] for r in range(oh)]
        self.drawn["lines"] = [[[" + ".join(line) for line in exprs[(r, c)].rows] for c in range(ow)]
                               for r in range(oh)]
        self.hold_last()

    def _expression(self, rows, size) -> VGroup:
        """One line per kernel row, terms in columns: ``aw + bx +`` / ``ey + fz``."""
        t = self.theme
        n_rows = len(rows)
        grid = VGroup()
        for i, row in enumerate(rows):
            parts = []
            for j, term in enumerate(row):
                parts.append(self.math(term, size, t.text))
                if j < len(row) - 1 or i < n_rows - 1:
                    parts.append(self.text("+", size=size * 0.9, color=t.text, font=MATH_FONT))
            grid.add(*parts)
        cols = max(2 * len(r) for r in rows)
        grid.arrange_in_grid(rows=n_rows, cols=cols, buff=(0.16, 0.18), col_alignments="l" * cols,
                             flow_order="rd")
        grid.rows = [list(r) for r in rows]
        return grid
