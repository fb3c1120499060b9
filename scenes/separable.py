"""Spatially separable convolution: the kernel as an outer product (cnn-figure11) and the two passes
(cnn-figure12).

figure11: Sobel X = [1, 2, 1]ᵀ × [−1, 0, 1], the factors from ``convviz.ops.separate_kernel``; one kernel entry
and the two factor entries that make it are outlined, with their product written under the figure.
figure12: a 5x5 input (``convviz.figures.examples.random_ints`` with the entry's seed) ⋆ the 3x1 column kernel = the 3x5
intermediate (a vertical pass) ⋆ the 1x3 row kernel = the 3x3 output, values from
``convviz.figures.separable.separable_example``; the first window of each pass is outlined, and the multiplications of
one 3x3 pass vs. the two passes are written under it (``convviz.figures.separable.separable_mults``).
Run with stock Manim too: ``manim -ql scenes/separable.py SpatiallySeparable``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from manim import DOWN, RIGHT, UP, MathTex, SurroundingRectangle, VGroup

from convviz.figures import examples as ex
from convviz.ops import separate_kernel
from convviz.figures.separable import separable_example
from convviz.trace import fmt

from scenes.kit.base import ConvVizScene, FlatText
from scenes.kit.widgets import KernelWindow, NumberGrid


@lru_cache(maxsize=64)
def _sign_template(tex: str, size: float, color: str) -> FlatText:
    return FlatText(MathTex(tex, font_size=size, color=color), tex)


def kernel_name(kernel) -> str | None:
    """The notes' name of a kernel (Sobel X, …) when it is one of ``convviz.figures.examples.FEATURE_KERNELS``."""
    k = np.asarray(kernel)
    for name, ref in ex.FEATURE_KERNELS.items():
        if ref.shape == k.shape and np.array_equal(ref, k):
            return name
    return None


def shape_str(a) -> str:
    return "x".join(str(n) for n in np.shape(a))


def signed(v) -> str:
    """A factor as written in a product: negative numbers in parentheses."""
    s = fmt(v)
    return f"({s})" if s.startswith("-") else s


class SeparableScene(ConvVizScene):
    def sign(self, tex: str, size: float = 56) -> FlatText:
        return _sign_template(tex, float(size), self.theme.text).copy()

    def kernel_grid(self, values, cell: float) -> NumberGrid:
        t = self.theme
        return NumberGrid(values, t, self.text, cell=cell, fill=t.kernel_fill, stroke=t.kernel_stroke)

    def titled(self, grid, title: str, subtitle: str | None = None, below: bool = False, size: float = 24):
        """A grid with its label (and a muted second line) above or below."""
        lines = VGroup(self.text(title, size=size))
        if subtitle:
            lines.add(self.text(subtitle, size=size * 0.85, color=self.theme.muted))
        lines.arrange(DOWN, buff=0.1)
        lines.next_to(grid, DOWN if below else UP, buff=0.22)
        return VGroup(grid, lines)


class SeparableKernel(SeparableScene):
    """figure11: kernel = column × row."""

    default_entry = "cnn-figure11"

    def construct(self):
        t = self.theme
        kernel = np.asarray(self.params["kernel"])
        col, row = separate_kernel(kernel)
        col = np.asarray(col).reshape(-1, 1)
        row = np.asarray(row).reshape(1, -1)
        cell = 0.85
        k_grid = self.kernel_grid(kernel, cell)
        c_grid = self.kernel_grid(col, cell)
        r_grid = self.kernel_grid(row, cell)
        name = kernel_name(kernel)
        k_title = self.say(f"{name} kernel", f"{name} 卷积核") if name else self.T("kernel")
        parts = VGroup(
            self.titled(k_grid, k_title, shape_str(kernel)),
            self.sign("="),
            self.titled(c_grid, self.say("column", "列向量"), shape_str(col)),
            self.sign(r"\times"),
            self.titled(r_grid, self.say("row", "行向量"), shape_str(row)),
        )
        parts.arrange(RIGHT, buff=0.6)
        for g in (c_grid, r_grid):           # the factors sit level with the kernel's rows
            g.shift(UP * (k_grid.get_center()[1] - g.get_center()[1]))
        for i in (2, 4):
            parts[i][1].match_y(parts[0][1])
        for i in (1, 3):
            parts[i].match_y(k_grid)
        # one entry of the outer product, outlined in the kernel and in both factors
        flat = np.abs(kernel).reshape(-1)
        r, c = divmod(int(np.argmax(flat)), kernel.shape[1])
        marks = VGroup(*[SurroundingRectangle(g.cell(i, j), color=t.highlight, buff=0, stroke_width=6)
                         for g, (i, j) in ((k_grid, (r, c)), (c_grid, (r, 0)), (r_grid, (0, c)))])
        product = f"{fmt(col[r, 0])} × {signed(row[0, c])} = {fmt(kernel[r, c])}"
        note = self.text(self.say(f"row {r + 1}, column {c + 1}:  {product}",
                                  f"第 {r + 1} 行第 {c + 1} 列：{product}"), size=24, color=t.highlight)
        note.next_to(parts, DOWN, buff=0.4)
        body = VGroup(parts, marks, note)
        self.fit_to_frame(body)
        self.drawn["kernel"] = k_grid.drawn_array()
        self.drawn["column"] = c_grid.drawn_array()
        self.drawn["row"] = r_grid.drawn_array()
        self.drawn["name"] = name
        self.drawn["product"] = ((r, c), product)
        self.show_still(body)


class SpatiallySeparable(SeparableScene):
    """figure12: input ⋆ column = intermediate; intermediate ⋆ row = output; multiplication counts."""

    default_entry = "cnn-figure12"

    def construct(self):
        p = self.params
        t = self.theme
        n = p["in_size"]
        x = ex.random_ints((n, n) if np.ndim(n) == 0 else tuple(n), seed=int(p["seed"]))
        res = separable_example(x, p["kernel"])
        cell = 0.56
        in_grid = NumberGrid(res.x, t, self.text, cell=cell, fill=t.input_fill, stroke=t.input_stroke)
        col_grid = self.kernel_grid(res.column, cell)
        mid_grid = NumberGrid(res.intermediate, t, self.text, cell=cell, fill=t.output_fill,
                              stroke=t.output_stroke, fill_opacity=0.55)
        row_grid = self.kernel_grid(res.row, cell)
        out_grid = NumberGrid(res.output, t, self.text, cell=cell, fill=t.output_fill, stroke=t.output_stroke)
        # one font size for every number, so the figure reads evenly
        size = min(g.font_size for g in (in_grid, col_grid, mid_grid, row_grid, out_grid))
        for g in (in_grid, col_grid, mid_grid, row_grid, out_grid):
            for (r, c), s in list(g.drawn.items()):
                g.font_size = size
                g.set_text(r, c, s)
        grids = VGroup(in_grid, self.sign(r"\star", 44), col_grid, self.sign("=", 44), mid_grid,
                       self.sign(r"\star", 44), row_grid, self.sign("=", 44), out_grid)
        grids.arrange(RIGHT, buff=0.3)
        # the first window of each pass (kernel outline) and the value it gives (highlight, drawn inside the cell
        # because the intermediate's first cell is also under the second pass's window)
        kh, kw = res.column.shape[0], res.row.shape[1]
        cells1 = [(i, 0) for i in range(kh)]
        cells2 = [(0, j) for j in range(kw)]
        win1 = KernelWindow(in_grid, cells1, None, t, self.text, show_weights=False)
        win2 = KernelWindow(mid_grid, cells2, None, t, self.text, show_weights=False)
        inset = -0.07 * cell
        mark1 = SurroundingRectangle(mid_grid.cell(0, 0), color=t.highlight, buff=inset, stroke_width=4)
        mark2 = SurroundingRectangle(out_grid.cell(0, 0), color=t.highlight, buff=inset, stroke_width=4)
        mark1.set_z_index(3)
        mark2.set_z_index(3)
        labels = VGroup(
            self.caption(in_grid, self.T("input"), shape_str(res.x)),
            self.caption(col_grid, self.T("kernel"), shape_str(res.column)),
            self.caption(mid_grid, self.T("intermediate"), shape_str(res.intermediate)),
            self.caption(row_grid, self.T("kernel"), shape_str(res.row)),
            self.caption(out_grid, self.T("output"), shape_str(res.output)),
        )
        y = grids.get_bottom()[1] - 0.22          # every label on one line under the row of grids
        for lab, g in zip(labels, (in_grid, col_grid, mid_grid, row_grid, out_grid)):
            lab.move_to([g.get_center()[0], y - lab.height / 2, 0])
        m = res.mults
        line_full = self.say(
            f"One pass with the {shape_str(res.kernel)} kernel: {m.full_per_output} × {m.full_outputs} = {m.full} "
            "multiplications",
            f"一次 {shape_str(res.kernel)} 卷积：{m.full_per_output} × {m.full_outputs} = {m.full} 次乘法")
        line_sep = self.say(
            f"{shape_str(res.column)} then {shape_str(res.row)}: {m.column_per_output} × {m.column_outputs} + "
            f"{m.row_per_output} × {m.row_outputs} = {m.separable} multiplications (same output)",
            f"先 {shape_str(res.column)} 再 {shape_str(res.row)}：{m.column_per_output} × {m.column_outputs} + "
            f"{m.row_per_output} × {m.row_outputs} = {m.separable} 次乘法（输出相同）")
        counts = VGroup(self.text(line_full, size=24), self.text(line_sep, size=24)).arrange(DOWN, buff=0.18)
        counts.next_to(VGroup(grids, labels), DOWN, buff=0.45)
        body = VGroup(grids, win1, win2, mark1, mark2, labels, counts)
        self.fit_to_frame(body)
        self.drawn["input"] = in_grid.drawn_array()
        self.drawn["column"] = col_grid.drawn_array()
        self.drawn["intermediate"] = mid_grid.drawn_array()
        self.drawn["row"] = row_grid.drawn_array()
        self.drawn["output"] = out_grid.drawn_array()
        self.drawn["windows"] = (cells1, cells2)
        self.drawn["counts"] = {"full": m.full, "separable": m.separable, "full_per_output": m.full_per_output,
                                "full_outputs": m.full_outputs, "column_per_output": m.column_per_output,
                                "column_outputs": m.column_outputs, "row_per_output": m.row_per_output,
                                "row_outputs": m.row_outputs}
        self.drawn["count_lines"] = [line_full, line_sep]
        self.drawn["matches_one_pass"] = res.matches
        self.show_still(body)

    def caption(self, grid, title: str, shape: str):
        lines = VGroup(self.text(title, size=22), self.text(shape, size=20, color=self.theme.muted))
        lines.arrange(DOWN, buff=0.08)
        return lines
