"""figure1: the computation of a 2-D convolution written out with symbols.

A 3x4 input a..l and a 2x2 kernel w x / y z; every output box holds its expression (aw+bx+ey+fz, …), produced
by ``convviz.trace.trace_conv`` in symbolic mode (in ``convviz.figures.graph``), one line per kernel row. Arrows
join the first input patch and the kernel to the first output, as in the notes.
``manim -ql scenes/graph.py ComputationGraph`` works too.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Rectangle, SurroundingRectangle, VGroup

from scenes.kit.base import ConvVizScene
from scenes.kit.theme import FONT_MATH
from scenes.kit.widgets import NumberGrid, elbow_arrow


# layout (scene units, font sizes in points)
CELL = 0.78                   # input and kernel cells
GRID_SYMBOL_SCALE = 1.25      # symbols in the grids, relative to NumberGrid's number size
INPUT_KERNEL_BUFF = 1.3
PATCH_OPACITY = 0.6
PATCH_BUFF = 0.06
MARK_BUFF = 0.08
MARK_STROKE = 6
EXPRESSION_SIZE = 30
BOX_PAD_W, BOX_PAD_H = 0.6, 0.7   # around the expression in an output box
BOX_GAP = 0.35
BOX_STROKE = 3
OUTPUT_BUFF = 1.5             # input/kernel row to the output boxes
LABEL_BUFF = 0.22
ARROW_SIDE_GAP = 0.55         # the patch's arrow runs this far left of the outputs
ARROW_ELBOW_RAISE = 0.25      # the kernel's arrow turns a little above half-way down
LABEL_ARROW_CLEARANCE = 0.3
TERM_GAP = 0.16               # between the parts of an expression's line (ink to ink)
LINE_PITCH = 1.2              # baseline to baseline, in heights of a "(" at the expression's size
PLUS_SCALE = 0.9


class ComputationGraph(ConvVizScene):
    """Draws a ``convviz.figures.graph.ComputationGraphFigure``: input and kernel, one box per output holding
    its expression, arrows from the first patch and the kernel to the first output."""

    default_entry = "cnn-figure1"

    def math(self, s: str, size: float, color: str | None = None):
        """Italic symbols in a TeX-like serif."""
        return self.text(s, size=size, color=color, font=FONT_MATH, italic=True)

    def construct(self):
        fig = self.params
        inp, ker, top, patch = self.input_and_kernel(fig)
        out, exprs = self.output_boxes(fig)
        out.next_to(top, DOWN, buff=OUTPUT_BUFF).align_to(inp, LEFT)
        first_box = out[0][0]
        mark = SurroundingRectangle(first_box, color=self.theme.highlight, buff=MARK_BUFF, stroke_width=MARK_STROKE)
        labels = self.role_labels(inp, ker, out)
        a1, a2 = self.arrows(patch, ker, out, mark)
        self.place_output_label(labels[2], out, fig.out_size[1])
        figure = VGroup(top, patch, out, mark, labels, a1, a2)
        self.fit_to_frame(figure)
        self.add(figure)
        self.record(fig, inp, ker, exprs)
        self.hold_last()

    # -- the storyboard's steps -----------------------------------------------------------------------------
    def input_and_kernel(self, fig):
        """The symbolic input and kernel side by side, the first output's patch shaded and outlined."""
        t = self.theme
        factory = lambda s, size, color=None: self.math(s, size * GRID_SYMBOL_SCALE, color)   # noqa: E731
        inp = NumberGrid(fig.x, t, factory, cell=CELL, fill=t.input_fill, stroke=t.input_stroke)
        ker = NumberGrid(fig.weight, t, factory, cell=CELL, fill=t.kernel_fill, stroke=t.kernel_stroke)
        top = VGroup(inp, ker).arrange(RIGHT, buff=INPUT_KERNEL_BUFF, aligned_edge=UP)
        for r, c in fig.patch:
            inp.fill_cell(r, c, t.kernel_fill, opacity=PATCH_OPACITY)
        patch = SurroundingRectangle(inp.block(fig.patch), color=t.highlight, buff=PATCH_BUFF,
                                     stroke_width=MARK_STROKE)
        return inp, ker, top, patch

    def output_boxes(self, fig):
        """One box per output, all the size of the first output's expression plus padding."""
        t = self.theme
        oh, ow = fig.out_size
        probe = self._expression(fig.terms[0][0], EXPRESSION_SIZE)
        box_w, box_h = probe.width + BOX_PAD_W, probe.height + BOX_PAD_H
        boxes = VGroup()
        exprs = {}
        for r in range(oh):
            for c in range(ow):
                box = Rectangle(width=box_w, height=box_h, stroke_color=t.output_stroke, stroke_width=BOX_STROKE,
                                fill_color=t.output_fill, fill_opacity=1)
                box.move_to([c * (box_w + BOX_GAP), -r * (box_h + BOX_GAP), 0])
                expr = self._expression(fig.terms[r][c], EXPRESSION_SIZE).move_to(box.get_center())
                exprs[(r, c)] = expr
                boxes.add(VGroup(box, expr))
        return boxes, exprs

    def role_labels(self, inp, ker, out) -> VGroup:
        labels = VGroup(self.label("input").next_to(inp, UP, buff=LABEL_BUFF),
                        self.label("kernel").next_to(ker, UP, buff=LABEL_BUFF),
                        self.label("output").next_to(out, UP, buff=LABEL_BUFF))
        labels[1].align_to(labels[0], UP)          # same cap line whatever the descenders
        return labels

    def arrows(self, patch, ker, out, mark):
        """patch → first output (down the left side), kernel → first output (from above)."""
        t = self.theme
        first_box = out[0][0]
        x_left = out.get_left()[0] - ARROW_SIDE_GAP
        a1 = elbow_arrow([patch.get_left(), [x_left, patch.get_left()[1], 0],
                          [x_left, first_box.get_center()[1], 0], mark.get_left()], t.highlight)
        entry_x = first_box.get_center()[0]
        y_mid = (ker.get_bottom()[1] + mark.get_top()[1]) / 2 + ARROW_ELBOW_RAISE
        a2 = elbow_arrow([ker.get_bottom(), [ker.get_center()[0], y_mid, 0], [entry_x, y_mid, 0],
                          mark.get_top()], t.kernel_stroke)
        return a1, a2

    def place_output_label(self, label, out, ow: int) -> None:
        """The Output label sits over the middle of the row, clear of the kernel's arrow (which enters the
        first box from above)."""
        entry_x = out[0][0].get_center()[0]
        label.move_to([out.get_center()[0], label.get_center()[1], 0])
        if label.get_left()[0] < entry_x + LABEL_ARROW_CLEARANCE:
            label.next_to(out, UP, buff=LABEL_BUFF).align_to(out[min(1, ow - 1)], LEFT)

    def record(self, fig, inp, ker, exprs) -> None:
        oh, ow = fig.out_size
        self.drawn["input"] = inp.drawn_array().tolist()
        self.drawn["kernel"] = ker.drawn_array().tolist()
        self.drawn["patch"] = list(fig.patch)
        self.drawn["outputs"] = [["+".join(term for line in exprs[(r, c)].rows for term in line)
                                  for c in range(ow)] for r in range(oh)]
        self.drawn["lines"] = [[[" + ".join(line) for line in exprs[(r, c)].rows] for c in range(ow)]
                               for r in range(oh)]
        self.drawn["term_gaps"] = {rc: self.line_gaps(e) for rc, e in exprs.items()}

    def _expression(self, rows, size) -> VGroup:
        """One line per kernel row, ``aw + bx +`` / ``ey + fz``: the parts of a line one even gap apart on a
        common baseline (struts), whatever the glyphs' widths; the lines left-aligned, ``LINE_PITCH`` apart."""
        t = self.theme
        n_rows = len(rows)
        pitch = self.math("(", size).height * LINE_PITCH
        grid = VGroup()
        for i, row in enumerate(rows):
            x = 0.0
            for j, term in enumerate(row):
                parts = [self.text(term, size=size, color=t.text, font=FONT_MATH, italic=True, strut=True)]
                if j < len(row) - 1 or i < n_rows - 1:
                    parts.append(self.text("+", size=size * PLUS_SCALE, color=t.text, font=FONT_MATH,
                                           strut=True))
                for part in parts:
                    part.place_strut([0.0, -i * pitch, 0.0])
                    part.shift(RIGHT * (x - part.get_left()[0]))
                    x = part.get_right()[0] + TERM_GAP
                    grid.add(part)
        grid.rows = [list(r) for r in rows]
        return grid

    @staticmethod
    def line_gaps(expr) -> list[list[float]]:
        """The ink gaps between neighbouring parts of each line of an expression (scene units)."""
        parts, gaps, n = list(expr), [], 0
        for i, row in enumerate(expr.rows):
            k = 2 * len(row) - (i == len(expr.rows) - 1)        # the terms and their plus signs
            line = parts[n:n + k]
            n += k
            gaps.append([float(b.get_left()[0] - a.get_right()[0]) for a, b in zip(line, line[1:])])
        return gaps
