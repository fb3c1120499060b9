"""Spatially separable convolution: the kernel as an outer product (cnn-figure11) and the two passes
(cnn-figure12).

figure11: Sobel X = [1, 2, 1]ᵀ × [−1, 0, 1], the factors from ``convviz.ops.separate_kernel`` (through
``convviz.figures.separable.separable_kernel_figure``); one kernel entry
and the two factor entries that make it are outlined, with their product written under the figure.
figure12: a 5x5 input (seeded integers) ∗ the 3x1 column kernel = the 3x5 intermediate (a vertical pass) ∗ the
1x3 row kernel = the 3x3 output, values from ``convviz.figures.separable.spatially_separable_figure``; the first
window of each pass is outlined, and the multiplications of one 3x3 pass vs. the two passes are written under it
(``convviz.figures.separable.separable_mults``).
Run with stock Manim too: ``manim -ql scenes/separable.py SpatiallySeparable``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from manim import DOWN, RIGHT, UP, MathTex, SurroundingRectangle, VGroup

from convviz.trace import fmt

from scenes.kit.base import ConvVizScene, FlatText
from scenes.kit.widgets import KernelWindow, NumberGrid


# layout (scene units, font sizes in points)
SIGN_SIZE = 56                # =, × between figure11's grids
FACTOR_CELL = 0.85            # figure11's cells
FACTOR_BUFF = 0.6
MARK_STROKE = 6
NOTE_SIZE = 24
NOTE_BUFF = 0.4
TITLE_SIZE = 24
SUBTITLE_SCALE = 0.85         # a grid's second title line (its shape), relative to the first
TITLE_LINE_BUFF = 0.1
TITLE_BUFF = 0.22
PASS_CELL = 0.56              # figure12's cells
PASS_SIGN_SIZE = 44
PASS_BUFF = 0.3
CONV_SIGN = "*"               # TeX's asterisk operator ∗: the notes' convolution sign (not the five-pointed star)
INTERMEDIATE_OPACITY = 0.55
VALUE_MARK_INSET = 0.07       # of a cell: the first value's outline sits inside its cell
VALUE_MARK_STROKE = 4
LABEL_SIZE, SHAPE_SIZE = 22, 20
LABEL_LINE_BUFF = 0.08
LABEL_GAP = 0.22              # grids to the labels under them
COUNT_SIZE = 24
COUNT_LINE_BUFF = 0.18
COUNTS_BUFF = 0.45


@lru_cache(maxsize=64)
def _sign_template(tex: str, size: float, color: str) -> FlatText:
    return FlatText(MathTex(tex, font_size=size, color=color), tex)


def shape_str(a) -> str:
    return "x".join(str(n) for n in np.shape(a))


def signed(v) -> str:
    """A factor as written in a product: negative numbers in parentheses."""
    s = fmt(v)
    return f"({s})" if s.startswith("-") else s


class SeparableScene(ConvVizScene):
    def sign(self, tex: str, size: float = SIGN_SIZE) -> FlatText:
        return _sign_template(tex, float(size), self.theme.text).copy()

    def kernel_grid(self, values, cell: float) -> NumberGrid:
        t = self.theme
        return NumberGrid(values, t, self.text, cell=cell, fill=t.kernel_fill, stroke=t.kernel_stroke)

    def titled(self, grid, title: str, subtitle: str | None = None, below: bool = False,
               size: float = TITLE_SIZE):
        """A grid with its label (and a muted second line) above or below."""
        lines = VGroup(self.text(title, size=size))
        if subtitle:
            lines.add(self.text(subtitle, size=size * SUBTITLE_SCALE, color=self.theme.muted))
        lines.arrange(DOWN, buff=TITLE_LINE_BUFF)
        lines.next_to(grid, DOWN if below else UP, buff=TITLE_BUFF)
        return VGroup(grid, lines)


class SeparableKernel(SeparableScene):
    """figure11: kernel = column × row (a ``convviz.figures.separable.SeparableKernelFigure``)."""

    default_entry = "cnn-figure11"

    def construct(self):
        fig = self.params
        parts, grids = self.factor_row(fig)
        marks, product, note = self.marked_product(fig, grids)
        note.next_to(parts, DOWN, buff=NOTE_BUFF)
        body = VGroup(parts, marks, note)
        self.fit_to_frame(body)
        k_grid, c_grid, r_grid = grids
        self.drawn["kernel"] = k_grid.drawn_array()
        self.drawn["column"] = c_grid.drawn_array()
        self.drawn["row"] = r_grid.drawn_array()
        self.drawn["name"] = fig.name
        self.drawn["product"] = (fig.marked, product)
        self.show_still(body)

    def factor_row(self, fig):
        """kernel = column × row, each titled with its shape; the factors level with the kernel's rows."""
        k_grid = self.kernel_grid(fig.kernel, FACTOR_CELL)
        c_grid = self.kernel_grid(fig.column, FACTOR_CELL)
        r_grid = self.kernel_grid(fig.row, FACTOR_CELL)
        name = fig.name
        k_title = self.say(f"{name} kernel", f"{name} 卷积核") if name else self.T("kernel")
        parts = VGroup(
            self.titled(k_grid, k_title, shape_str(fig.kernel)),
            self.sign("="),
            self.titled(c_grid, self.say("column", "列向量"), shape_str(fig.column)),
            self.sign(r"\times"),
            self.titled(r_grid, self.say("row", "行向量"), shape_str(fig.row)),
        )
        parts.arrange(RIGHT, buff=FACTOR_BUFF)
        for g in (c_grid, r_grid):           # the factors sit level with the kernel's rows
            g.shift(UP * (k_grid.get_center()[1] - g.get_center()[1]))
        for i in (2, 4):
            parts[i][1].match_y(parts[0][1])
        for i in (1, 3):
            parts[i].match_y(k_grid)
        return parts, (k_grid, c_grid, r_grid)

    def marked_product(self, fig, grids):
        """One entry of the outer product, outlined in the kernel and in both factors, and its product."""
        t = self.theme
        k_grid, c_grid, r_grid = grids
        r, c = fig.marked
        marks = VGroup(*[SurroundingRectangle(g.cell(i, j), color=t.highlight, buff=0, stroke_width=MARK_STROKE)
                         for g, (i, j) in ((k_grid, (r, c)), (c_grid, (r, 0)), (r_grid, (0, c)))])
        product = f"{fmt(fig.column[r, 0])} × {signed(fig.row[0, c])} = {fmt(fig.kernel[r, c])}"
        note = self.text(self.say(f"row {r + 1}, column {c + 1}:  {product}",
                                  f"第 {r + 1} 行第 {c + 1} 列：{product}"), size=NOTE_SIZE, color=t.highlight)
        return marks, product, note


class SpatiallySeparable(SeparableScene):
    """figure12: input ∗ column = intermediate; intermediate ∗ row = output; multiplication counts (a
    ``convviz.figures.separable.SeparableExample``)."""

    default_entry = "cnn-figure12"

    def construct(self):
        res = self.params
        grids = self.pass_grids(res)
        in_grid, col_grid, mid_grid, row_grid, out_grid = grids
        signs = (CONV_SIGN, "=", CONV_SIGN, "=")
        row = VGroup(in_grid, self.sign(signs[0], PASS_SIGN_SIZE), col_grid, self.sign(signs[1], PASS_SIGN_SIZE),
                     mid_grid, self.sign(signs[2], PASS_SIGN_SIZE), row_grid, self.sign(signs[3], PASS_SIGN_SIZE),
                     out_grid)
        self.drawn["signs"] = [m.text for m in row[1::2]]
        row.arrange(RIGHT, buff=PASS_BUFF)
        windows = self.first_windows(res, grids)
        labels = self.grid_labels(res, grids, row)
        lines = self.count_lines(res)
        counts = VGroup(*[self.text(line, size=COUNT_SIZE) for line in lines]).arrange(DOWN, buff=COUNT_LINE_BUFF)
        counts.next_to(VGroup(row, labels), DOWN, buff=COUNTS_BUFF)
        body = VGroup(row, *windows, labels, counts)
        self.fit_to_frame(body)
        self.record(res, grids, lines)
        self.show_still(body)

    # -- the storyboard's steps -----------------------------------------------------------------------------
    def pass_grids(self, res):
        """Input, column kernel, intermediate, row kernel, output; one font size for every number, so the
        figure reads evenly."""
        t = self.theme
        in_grid = NumberGrid(res.x, t, self.text, cell=PASS_CELL, fill=t.input_fill, stroke=t.input_stroke)
        col_grid = self.kernel_grid(res.column, PASS_CELL)
        mid_grid = NumberGrid(res.intermediate, t, self.text, cell=PASS_CELL, fill=t.output_fill,
                              stroke=t.output_stroke, fill_opacity=INTERMEDIATE_OPACITY)
        row_grid = self.kernel_grid(res.row, PASS_CELL)
        out_grid = NumberGrid(res.output, t, self.text, cell=PASS_CELL, fill=t.output_fill, stroke=t.output_stroke)
        grids = (in_grid, col_grid, mid_grid, row_grid, out_grid)
        size = min(g.font_size for g in grids)
        for g in grids:
            for (r, c), s in list(g.drawn.items()):
                g.font_size = size
                g.set_text(r, c, s)
        return grids

    def first_windows(self, res, grids):
        """The first window of each pass (kernel outline) and the value it gives (highlight, drawn inside the
        cell because the intermediate's first cell is also under the second pass's window)."""
        t = self.theme
        in_grid, _, mid_grid, _, out_grid = grids
        cells1, cells2 = res.first_windows
        win1 = KernelWindow(in_grid, cells1, None, t, self.text, show_weights=False)
        win2 = KernelWindow(mid_grid, cells2, None, t, self.text, show_weights=False)
        inset = -VALUE_MARK_INSET * PASS_CELL
        mark1 = SurroundingRectangle(mid_grid.cell(0, 0), color=t.highlight, buff=inset, stroke_width=VALUE_MARK_STROKE)
        mark2 = SurroundingRectangle(out_grid.cell(0, 0), color=t.highlight, buff=inset, stroke_width=VALUE_MARK_STROKE)
        mark1.set_z_index(3)
        mark2.set_z_index(3)
        return win1, win2, mark1, mark2

    def grid_labels(self, res, grids, row) -> VGroup:
        """Role and shape under every grid, all on one line under the row of grids."""
        arrays = (res.x, res.column, res.intermediate, res.row, res.output)
        keys = ("input", "kernel", "intermediate", "kernel", "output")
        labels = VGroup(*[self.caption(self.T(key), shape_str(a)) for key, a in zip(keys, arrays)])
        y = row.get_bottom()[1] - LABEL_GAP
        for lab, g in zip(labels, grids):
            lab.move_to([g.get_center()[0], y - lab.height / 2, 0])
        return labels

    def count_lines(self, res) -> tuple[str, str]:
        """The multiplications of one pass with the full kernel and of the two passes."""
        m = res.mults
        k, col, row = shape_str(res.kernel), shape_str(res.column), shape_str(res.row)
        line_full = self.say(
            f"One pass with the {k} kernel: {m.full_per_output} × {m.full_outputs} = {m.full} multiplications",
            f"一次 {k} 卷积：{m.full_per_output} × {m.full_outputs} = {m.full} 次乘法")
        line_sep = self.say(
            f"{col} then {row}: {m.column_per_output} × {m.column_outputs} + "
            f"{m.row_per_output} × {m.row_outputs} = {m.separable} multiplications (same output)",
            f"先 {col} 再 {row}：{m.column_per_output} × {m.column_outputs} + "
            f"{m.row_per_output} × {m.row_outputs} = {m.separable} 次乘法（输出相同）")
        return line_full, line_sep

    def record(self, res, grids, lines) -> None:
        m = res.mults
        for key, g in zip(("input", "column", "intermediate", "row", "output"), grids):
            self.drawn[key] = g.drawn_array()
        self.drawn["windows"] = res.first_windows
        self.drawn["counts"] = {"full": m.full, "separable": m.separable, "full_per_output": m.full_per_output,
                                "full_outputs": m.full_outputs, "column_per_output": m.column_per_output,
                                "column_outputs": m.column_outputs, "row_per_output": m.row_per_output,
                                "row_outputs": m.row_outputs}
        self.drawn["count_lines"] = list(lines)
        self.drawn["matches_one_pass"] = res.matches

    def caption(self, title: str, shape: str):
        lines = VGroup(self.text(title, size=LABEL_SIZE), self.text(shape, size=SHAPE_SIZE, color=self.theme.muted))
        lines.arrange(DOWN, buff=LABEL_LINE_BUFF)
        return lines
