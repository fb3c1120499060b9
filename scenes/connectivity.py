"""§4 of the notes, convolution vs. a feed-forward layer: sparse connectivity (figure3) and weight sharing
(figure4).

figure3 draws the edges of a fully connected layer and of a width-3 convolution from the non-zeros of their
matrices (``convviz.figures.connectivity``, the convolution's from ``convviz.ops.conv_matrix``) and highlights what x3
reaches; figure4 compares a locally connected layer (every 3x3 block its own weights) with one shared kernel,
with both weight counts computed. ``manim -ql scenes/connectivity.py SparseConnectivity`` (or WeightSharing).
"""

from __future__ import annotations

import re

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Circle, DashedLine, SurroundingRectangle, VGroup)

from convviz.figures import connectivity as cn
from convviz.figures import examples as ex

from scenes.kit.base import ConvVizScene
from scenes.graph import elbow_arrow
from scenes.kit.widgets import EMPTY, NumberGrid

MATH_FONT = "Latin Modern Roman"     # TeX's look for symbols (fonts-lmodern, pulled in by texlive)


class MathSymbols:
    """Italic symbols with subscripts (``x3``, ``x11``, ``F1``, ``w2``) built from Text, without LaTeX."""

    def __init__(self, scene: ConvVizScene):
        self.scene = scene

    REF = 40.0      # glyphs are built at one size and scaled: one cached template per string, whatever the size

    def __call__(self, s: str, size: float = 28, color: str | None = None) -> VGroup:
        m = re.fullmatch(r"([A-Za-z]+)(\d*)", s)
        base, sub = (m.group(1), m.group(2)) if m else (s, "")
        ref = self.REF
        g = VGroup(self.scene.text(base, size=ref, color=color, font=MATH_FONT, italic=True))
        if sub:
            # one glyph per digit (Latin Modern digits are tabular, half an em wide): ten cached templates
            # serve every subscript
            sub_size = ref * 0.68
            adv = 0.5 * sub_size / 72
            x0 = g[0].get_right()[0] + 0.02 * ref / 28
            y0 = g[0].get_bottom()[1] - 0.12 * ref / 28
            for i, ch in enumerate(sub):
                d = self.scene.text(ch, size=sub_size, color=color, font=MATH_FONT)
                d.move_to([x0 + (i + 0.5) * adv, y0 + d.height / 2, 0])
                g.add(d)
        g.scale(size / ref)
        g.symbol = s
        return g

    def grid_factory(self, scale: float = 1.0):
        """A ``text_factory`` for NumberGrid: cell strings drawn as symbols."""
        return lambda s, size, color=None: self(s, size * scale, color)

    def fit_size(self, strings, cell: float, width: float = 0.64, height: float = 0.55) -> float:
        """One font size for a grid: the widest symbol fills ``width`` of a cell (at most ``height`` tall)."""
        probes = [self(str(v), 20) for v in np.asarray(strings, dtype=object).ravel() if v is not None]
        if not probes:
            return 20.0
        w = max(m.width for m in probes)
        h = max(m.height for m in probes)
        return 20 * min(width * cell / w, height * cell / h)

    def grid(self, values, theme, cell: float, **kw) -> NumberGrid:
        """A NumberGrid of symbols sized to its cells."""
        return NumberGrid(values, theme, self.grid_factory(), cell=cell,
                          font_size=self.fit_size(values, cell), **kw)


def _tint(color: str, amount: float, background: str) -> str:
    """``color`` mixed into the background (amount 0 = background, 1 = the colour): opaque tints that keep
    the theme's text readable on them."""
    def rgb(h):
        return np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    m = rgb(background) + amount * (rgb(color) - rgb(background))
    return "#" + "".join(f"{int(round(v)):02X}" for v in m)


# ------------------------------------------------------------------------------------------------ figure3
class SparseConnectivity(ConvVizScene):
    default_entry = "cnn-figure3"

    def construct(self):
        p = self.params
        t = self.theme
        self.sym = MathSymbols(self)
        n = int(p.get("n", 5))
        k = int(p.get("kernel_size", 3))
        focus = int(p.get("highlight", 3)) - 1          # 1-based in the catalogue, like x3
        pad = (k - 1) // 2                              # 'same' size for an odd kernel: n outputs
        dense = cn.dense_matrix(n, n)
        conv = cn.conv1d_matrix(n, k, padding=pad)
        self.drawn["edges"] = {}
        self.drawn["reached"] = {}
        self.drawn["matrix"] = {}
        panels = VGroup()
        for key, m, title in (
                ("dense", dense, self.say("Fully connected: s = Wx (matrix multiply)", "全连接：s = Wx（矩阵乘法）")),
                ("conv", conv, self.say(f"Convolution, kernel width {k} (padding {pad})",
                                        f"卷积，卷积核宽度 {k}（填充 {pad}）"))):
            edges = cn.matrix_edges(m)
            reach = cn.reached(edges, focus)
            panel = self._panel(m, edges, focus, reach, title, key)
            panels.add(panel)
            self.drawn["edges"][key] = sorted((j + 1, i + 1) for j, i in edges)
            self.drawn["reached"][key] = [i + 1 for i in reach]
        panels.arrange(RIGHT, buff=1.6, aligned_edge=UP)
        # the notes' big arrow: the dense layer becomes the sparse one
        a_y = panels[0].graph.get_center()[1]
        arrow = Arrow([panels[0].get_right()[0] + 0.1, a_y, 0], [panels[1].get_left()[0] - 0.1, a_y, 0],
                      buff=0, color=t.input_stroke, stroke_width=16, tip_length=0.45,
                      max_tip_length_to_length_ratio=0.5, max_stroke_width_to_length_ratio=20)
        figure = VGroup(panels, arrow)
        self.fit_to_frame(figure)
        self.add(figure)
        self.hold_last()

    def _panel(self, m, edges, focus, reach, title, key) -> VGroup:
        t = self.theme
        n_out, n_in = m.shape
        gap, r, height = 1.12, 0.34, 2.5
        hl_fill = _tint(t.highlight, 0.22, t.background)
        xs_ = VGroup()
        ss_ = VGroup()
        for j in range(n_in):
            on = j == focus
            c = Circle(r, stroke_color=t.highlight if on else t.input_stroke, stroke_width=6 if on else 3,
                       fill_color=hl_fill if on else t.input_fill, fill_opacity=1)
            c.move_to([j * gap, 0, 0])
            xs_.add(VGroup(c, self.sym(f"x{j + 1}", 28).move_to(c)))
        for i in range(n_out):
            on = i in reach
            c = Circle(r, stroke_color=t.highlight if on else t.output_stroke, stroke_width=6 if on else 3,
                       fill_color=hl_fill if on else t.output_fill, fill_opacity=1)
            c.move_to([i * gap, height, 0])
            ss_.add(VGroup(c, self.sym(f"s{i + 1}", 28).move_to(c)))
        ss_.move_to([xs_.get_center()[0], height, 0])
        lines = VGroup()
        hot = VGroup()
        for j, i in edges:
            on = j == focus
            a = Arrow(xs_[j][0].get_center(), ss_[i][0].get_center(), buff=r + 0.02,
                      color=t.highlight if on else t.muted, stroke_width=5 if on else 2.2, tip_length=0.16,
                      max_tip_length_to_length_ratio=0.12, max_stroke_width_to_length_ratio=10)
            (hot if on else lines).add(a)
        graph = VGroup(lines, hot, xs_, ss_)
        hot.set_z_index(1)
        xs_.set_z_index(2)
        ss_.set_z_index(2)
        head = self.text(title, size=24).next_to(graph, UP, buff=0.35)
        reached_s = ", ".join(f"s{i + 1}" for i in reach)
        note = self.text(self.say(f"x{focus + 1} reaches {reached_s}", f"x{focus + 1} 影响 {reached_s}"),
                         size=22, color=t.highlight).next_to(graph, DOWN, buff=0.3)
        # the matrix: rows s, columns x; filled cells are weights (the convolution's carry their tap w1..wk)
        cell = 0.5
        vals = np.full(m.shape, None, dtype=object)
        kinds = np.full(m.shape, EMPTY, dtype=object)
        for jj, ii in edges:
            kinds[ii, jj] = "data"
            if key == "conv":
                vals[ii, jj] = f"w{int(m[ii, jj])}"
        grid = self.sym.grid(vals, t, cell, fill=t.kernel_fill, stroke=t.grid, kinds=kinds)
        col = SurroundingRectangle(grid.block([(ii, focus) for ii in range(n_out)]), color=t.highlight,
                                   buff=0.03, stroke_width=4)
        nnz = len(edges)
        if key == "dense":
            cap_s = self.say(f"W: {n_out}×{n_in} (rows s, columns x), {nnz} weights",
                             f"W：{n_out}×{n_in}（行 s，列 x），{nnz} 个权重")
        else:
            distinct = len(set(int(v) for v in m[m != 0]))
            cap_s = self.say(f"banded: {nnz} non-zeros, {distinct} shared weights",
                             f"带状矩阵：{nnz} 个非零元，{distinct} 个共享权重")
        mat = VGroup(grid, col)
        mat.next_to(note, DOWN, buff=0.35)
        cap = self.text(cap_s, size=20, color=t.muted).next_to(mat, DOWN, buff=0.18)
        panel = VGroup(head, graph, note, mat, cap)
        panel.graph = graph
        self.drawn["matrix"][key] = {"nonzero": [[kinds[a, b] != EMPTY for b in range(n_in)] for a in range(n_out)],
                                     "cells": grid.drawn_array().tolist(), "caption": cap_s}
        self.drawn.setdefault("notes", {})[key] = note.text
        return panel


# ------------------------------------------------------------------------------------------------ figure4
class WeightSharing(ConvVizScene):
    default_entry = "cnn-figure4"

    def construct(self):
        p = self.params
        t = self.theme
        self.sym = MathSymbols(self)
        ws = cn.weight_sharing(p.get("in_size", 6), p.get("kernel_size", 3), p.get("stride"))
        (h, w), (kh, kw), (oh, ow) = ws.in_size, ws.kernel_size, ws.out_size
        x = ex.symbols("x", (h, w))
        positions = len(ws.windows)
        colors = [t.groups[i % len(t.groups)] for i in range(positions)]
        letters = ex.letters((positions,))
        in_cell, k_cell, o_cell = 0.6, 0.5, 0.85
        sym = self.sym

        def input_grid():
            return sym.grid(x, t, in_cell, fill=t.background, stroke=t.grid)

        def window_cells(r0, c0):
            return [(r0 + a, c0 + b) for a in range(kh) for b in range(kw)]

        # -- locally connected: every window its own kernel -----------------------------------------------
        inp1 = input_grid()
        kernels = VGroup()
        for n, (r0, c0) in enumerate(ws.windows):
            for rc in window_cells(r0, c0):
                inp1.fill_cell(*rc, _tint(colors[n], 0.25, t.background))
            kernels.add(sym.grid(ex.symbols(letters[n], (kh, kw)), t, k_cell,
                                 fill=_tint(colors[n], 0.25, t.background), stroke=colors[n]))
        kernels.arrange_in_grid(rows=oh, cols=ow, buff=0.28)
        out1 = sym.grid(np.array([[f"F{r * ow + c + 1}" for c in range(ow)] for r in range(oh)]), t, o_cell,
                        fill=t.output_fill, stroke=t.output_stroke)
        for n in range(positions):
            out1.fill_cell(*divmod(n, ow), _tint(colors[n], 0.25, t.background))
        row1 = VGroup(inp1, kernels, out1).arrange(RIGHT, buff=1.0)

        # -- shared: one kernel for every window --------------------------------------------------------
        inp2 = input_grid()
        for rc in window_cells(*ws.windows[0]):
            inp2.fill_cell(*rc, t.input_fill)
        shared = sym.grid(ex.symbols(letters[0], (kh, kw)), t, k_cell, fill=t.kernel_fill, stroke=t.kernel_stroke)
        out2 = sym.grid(np.array([[f"F{r + 1}{c + 1}" for c in range(ow)] for r in range(oh)]), t, o_cell,
                        fill=t.output_fill, stroke=t.output_stroke)
        row2 = VGroup(inp2, shared, out2)
        for a, b in zip(row2, row1):
            a.move_to([b.get_center()[0], 0, 0])
        row2.next_to(row1, DOWN, buff=1.7).align_to(row1, LEFT)
        for a, b in zip(row2, row1):
            a.set_x(b.get_center()[0])
        win2 = SurroundingRectangle(inp2.block(window_cells(*ws.windows[0])), color=t.highlight, buff=0.03,
                                    stroke_width=5)
        win_others = VGroup(*[SurroundingRectangle(inp2.block(window_cells(*o)), color=t.kernel_stroke,
                                                   buff=0.03, stroke_width=2.5).set_stroke(opacity=0.9)
                              for o in ws.windows[1:]])
        mark2 = SurroundingRectangle(out2.cell(0, 0), color=t.highlight, buff=0.0, stroke_width=6)
        win1 = SurroundingRectangle(inp1.block(window_cells(*ws.windows[0])), color=t.highlight, buff=0.03,
                                    stroke_width=5)
        mark1 = SurroundingRectangle(out1.cell(0, 0), color=t.highlight, buff=0.0, stroke_width=6)

        # -- dashed paths for the first window, as in the notes --------------------------------------------
        def dashes(win, ker):
            return VGroup(*[DashedLine(win.get_corner(v + RIGHT), ker.get_corner(v + LEFT), color=t.highlight,
                                       stroke_width=2.5, dash_length=0.1) for v in (UP, DOWN)])

        over = kernels.get_top()[1] + 0.28          # row 1: over the other kernels to F1
        ka = kernels[0]
        to_f1 = elbow_arrow([ka.get_top(), [ka.get_center()[0], over, 0], [mark1.get_center()[0], over, 0],
                             mark1.get_top()], t.highlight, stroke_width=4, tip_length=0.2)
        to_f11 = Arrow(shared.get_right(), mark2.get_left(), buff=0.08, color=t.highlight, stroke_width=4,
                       tip_length=0.2, max_tip_length_to_length_ratio=0.3)
        paths = VGroup(dashes(win1, ka), to_f1, dashes(win2, shared), to_f11)

        # -- headings and counts (computed) ---------------------------------------------------------------
        stride_note = (self.say(f"stride {ws.stride[0]}: the {kh}x{kw} windows do not overlap, "
                                f"{oh}x{ow} output",
                                f"步长 {ws.stride[0]}：{kh}x{kw} 窗口互不重叠，输出 {oh}x{ow}")
                       if not ws.overlapping else
                       self.say(f"stride {ws.stride[0]}: overlapping {kh}x{kw} windows, {oh}x{ow} output",
                                f"步长 {ws.stride[0]}：{kh}x{kw} 窗口相互重叠，输出 {oh}x{ow}"))
        head1 = self.text(self.say("Locally connected (no sharing): each window has its own weights",
                                   "局部连接（不共享）：每个窗口有自己的权重"), size=26)
        head2 = self.text(self.say("Weight sharing (convolution): one kernel for every window",
                                   "权值共享（卷积）：所有窗口共用一个卷积核"), size=26)
        head1.next_to(row1, UP, buff=0.35).align_to(row1, LEFT)
        head2.next_to(row2, UP, buff=0.35).align_to(row2, LEFT)
        count1 = self.say(f"{positions} × {ws.per_position} = {ws.locally_connected} weights",
                          f"{positions} × {ws.per_position} = {ws.locally_connected} 个权重")
        count2 = self.say(f"{ws.shared} weights", f"{ws.shared} 个权重")
        c1 = self.text(count1, size=26, color=t.kernel_stroke)
        c2 = self.text(count2, size=26, color=t.kernel_stroke)
        c1.next_to(out1, RIGHT, buff=0.6)
        c2.next_to(out2, RIGHT, buff=0.6).align_to(c1, LEFT)
        labels = VGroup()
        for row, mobs, keys in ((row1, (inp1, kernels, out1), ("input", None, "output")),
                                (row2, (inp2, shared, out2), ("input", "kernel", "output"))):
            y = row.get_bottom()[1] - 0.15
            for mob, key in zip(mobs, keys):
                s_ = self.T(key) if key else f"{self.T('kernel')} × {positions}"
                lab = self.label(s_, size=22, raw=True)
                lab.move_to([mob.get_center()[0], y - lab.height / 2, 0])
                labels.add(lab)
        labels[1:3].align_to(labels[0], UP)
        labels[4:6].align_to(labels[3], UP)
        note = self.text(stride_note, size=20, color=t.muted).next_to(labels, DOWN, buff=0.3).align_to(row2, LEFT)
        figure = VGroup(row1, row2, win1, win2, win_others, mark1, mark2, paths, head1, head2, c1, c2, note,
                        labels)
        self.fit_to_frame(figure)
        self.add(figure)
        self.drawn["input"] = inp1.drawn_array().tolist()
        self.drawn["kernels"] = [kk.drawn_array().tolist() for kk in kernels]
        self.drawn["shared_kernel"] = shared.drawn_array().tolist()
        self.drawn["outputs"] = {"local": out1.drawn_array().tolist(), "shared": out2.drawn_array().tolist()}
        self.drawn["windows"] = [tuple(o) for o in ws.windows]
        self.drawn["counts"] = {"locally_connected": ws.locally_connected, "shared": ws.shared,
                                "positions": positions, "per_position": ws.per_position}
        self.drawn["count_text"] = {"locally_connected": count1, "shared": count2}
        self.drawn["stride"] = ws.stride
        self.drawn["note"] = stride_note
        self.hold_last()
