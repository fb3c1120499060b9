"""§4 of the notes, convolution vs. a feed-forward layer: sparse connectivity (figure3) and weight sharing
(figure4).

figure3 draws the edges of a fully connected layer and of a width-3 convolution from the non-zeros of their
matrices (``convviz.figures.connectivity``, the convolution's from ``convviz.ops.conv_matrix``) and highlights what x3
reaches; figure4 compares a locally connected layer (every 3x3 block its own weights) with one shared kernel,
with both weight counts computed. ``manim -ql scenes/connectivity.py SparseConnectivity`` (or WeightSharing).
"""

from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Circle, SurroundingRectangle, VGroup, VMobject)

from scenes.kit.base import ConvVizScene
from scenes.kit.theme import opaque_tint
from scenes.kit.widgets import EMPTY, MathSymbols, NumberGrid, elbow_arrow


# -- figure3 layout (scene units, font sizes in points) --
NODE_GAP = 1.12               # between neighbouring x (and s) nodes
NODE_RADIUS = 0.34
LAYER_HEIGHT = 2.5            # from the x row up to the s row
NODE_SIZE = 28
NODE_STROKE, NODE_STROKE_ON = 3, 6
EDGE_STROKE, EDGE_STROKE_ON = 2.2, 5
EDGE_TIP = 0.16
HIGHLIGHT_SHARE = 0.22        # the highlighted nodes' fill: this much highlight on the background
MATRIX_CELL = 0.5
PANEL_TITLE_SIZE = 24
REACH_NOTE_SIZE = 22
MATRIX_CAPTION_SIZE = 20
PANEL_BUFF = 1.6              # between the two panels, room for the big arrow
BIG_ARROW_STROKE = 16
BIG_ARROW_TIP = 0.45
BIG_ARROW_INSET = 0.1
PANEL_TITLE_BUFF = 0.35       # panel title above the graph
REACH_NOTE_BUFF = 0.3         # graph to "x3 reaches …"
MATRIX_BUFF = 0.35            # that note to the matrix
MATRIX_CAPTION_BUFF = 0.18
EDGE_CLEARANCE = 0.02         # arrows stop this far outside the circles
COLUMN_MARK_BUFF, COLUMN_MARK_STROKE = 0.03, 4

# -- figure4 layout --
IN_CELL, KERNEL_CELL, OUT_CELL = 0.6, 0.5, 0.85
WINDOW_SHARE = 0.25           # a window's tint: this much of its colour on the background
KERNELS_BUFF = 0.28           # between the locally connected layer's kernels
ROW_ITEM_BUFF = 1.0           # input, kernel(s), output
ROWS_BUFF = 2.2               # locally connected row to the shared row
WINDOW_STROKE, OTHER_WINDOW_STROKE, MARK_STROKE = 5, 2.5, 6
WINDOW_BUFF = 0.03
PATH_TO_OUTPUT_BUFF = 0.08    # the shared kernel's arrow stops short of F11
OTHER_WINDOW_OPACITY = 0.9
PATH_STROKE, PATH_TIP = 4, 0.2
PATH_OVER = 0.28              # the path to F1 runs this far over the other kernels
WINDOW_RAIL = 0.5             # the window's path to its kernel runs this far over the input (clear of F1's)
HEADING_SIZE, COUNT_SIZE, ROLE_SIZE, STRIDE_NOTE_SIZE = 26, 26, 22, 20
HEADING_BUFF = 0.35
COUNT_BUFF = 0.6
ROLE_GAP = 0.15               # row bottom to its role labels
STRIDE_NOTE_BUFF = 0.3


# ------------------------------------------------------------------------------------------------ figure3
class SparseConnectivity(ConvVizScene):
    """Draws a ``convviz.figures.connectivity.SparseConnectivityFigure``: the dense layer, a big arrow, the
    convolution; each panel its graph (what the highlighted input reaches) over its matrix."""

    default_entry = "cnn-figure3"

    def construct(self):
        fig = self.params
        self.sym = MathSymbols(self)
        self.drawn["edges"] = {}
        self.drawn["reached"] = {}
        self.drawn["matrix"] = {}
        k, pad = fig.kernel_size, fig.padding
        panels = VGroup(
            self.panel(fig.dense, fig.focus, self.say("Fully connected: s = Wx (matrix multiply)",
                                                      "全连接：s = Wx（矩阵乘法）")),
            self.panel(fig.conv, fig.focus, self.say(f"Convolution, kernel width {k} (padding {pad})",
                                                     f"卷积，卷积核宽度 {k}（填充 {pad}）")))
        panels.arrange(RIGHT, buff=PANEL_BUFF, aligned_edge=UP)
        figure = VGroup(panels, self.big_arrow(panels))
        self.fit_to_frame(figure)
        self.add(figure)
        self.hold_last()

    def big_arrow(self, panels) -> Arrow:
        """The notes' big arrow: the dense layer becomes the sparse one."""
        a_y = panels[0].graph.get_center()[1]
        return Arrow([panels[0].get_right()[0] + BIG_ARROW_INSET, a_y, 0],
                     [panels[1].get_left()[0] - BIG_ARROW_INSET, a_y, 0], buff=0, color=self.theme.input_stroke,
                     stroke_width=BIG_ARROW_STROKE, tip_length=BIG_ARROW_TIP, max_tip_length_to_length_ratio=0.5,
                     max_stroke_width_to_length_ratio=20)

    def panel(self, layer, focus: int, title: str) -> VGroup:
        """Title, graph, what x_focus reaches, the matrix and its caption, top to bottom."""
        t = self.theme
        graph = self.graph(layer, focus)
        head = self.text(title, size=PANEL_TITLE_SIZE).next_to(graph, UP, buff=PANEL_TITLE_BUFF)
        reached = [f"s{i + 1}" for i in layer.reached]
        note_s = self.say(f"x{focus + 1} reaches {', '.join(reached)}", f"x{focus + 1} 影响 {'、'.join(reached)}")
        note = self.text(note_s,
                         size=REACH_NOTE_SIZE, color=t.highlight).next_to(graph, DOWN, buff=REACH_NOTE_BUFF)
        mat, grid, kinds = self.matrix(layer, focus)
        mat.next_to(note, DOWN, buff=MATRIX_BUFF)
        cap_s = self.matrix_caption(layer)
        cap = self.text(cap_s, size=MATRIX_CAPTION_SIZE, color=t.muted).next_to(mat, DOWN, buff=MATRIX_CAPTION_BUFF)
        panel = VGroup(head, graph, note, mat, cap)
        panel.graph = graph
        n_out, n_in = layer.matrix.shape
        self.drawn["edges"][layer.key] = sorted((j + 1, i + 1) for j, i in layer.edges)
        self.drawn["reached"][layer.key] = [i + 1 for i in layer.reached]
        self.drawn["matrix"][layer.key] = {
            "nonzero": [[kinds[a, b] != EMPTY for b in range(n_in)] for a in range(n_out)],
            "cells": grid.drawn_array().tolist(), "caption": cap_s}
        self.drawn.setdefault("notes", {})[layer.key] = note.text
        return panel

    def nodes(self, prefix: str, count: int, on, stroke: str, fill: str, y: float) -> VGroup:
        """A row of ``count`` labelled circles (x1.. or s1..); those with ``on(i)`` highlighted."""
        t = self.theme
        hl_fill = opaque_tint(t.highlight, HIGHLIGHT_SHARE, t.background)
        row = VGroup()
        for i in range(count):
            lit = on(i)
            c = Circle(NODE_RADIUS, stroke_color=t.highlight if lit else stroke,
                       stroke_width=NODE_STROKE_ON if lit else NODE_STROKE, fill_color=hl_fill if lit else fill,
                       fill_opacity=1)
            c.move_to([i * NODE_GAP, y, 0])
            row.add(VGroup(c, self.sym(f"{prefix}{i + 1}", NODE_SIZE).move_to(c)))
        return row

    def graph(self, layer, focus: int) -> VGroup:
        """Inputs below, outputs above, one arrow per edge; the highlighted input's arrows on top."""
        t = self.theme
        n_out, n_in = layer.matrix.shape
        xs_ = self.nodes("x", n_in, lambda j: j == focus, t.input_stroke, t.input_fill, 0)
        ss_ = self.nodes("s", n_out, lambda i: i in layer.reached, t.output_stroke, t.output_fill, LAYER_HEIGHT)
        ss_.move_to([xs_.get_center()[0], LAYER_HEIGHT, 0])
        lines = VGroup()
        hot = VGroup()
        for j, i in layer.edges:
            on = j == focus
            a = Arrow(xs_[j][0].get_center(), ss_[i][0].get_center(), buff=NODE_RADIUS + EDGE_CLEARANCE,
                      color=t.highlight if on else t.muted, stroke_width=EDGE_STROKE_ON if on else EDGE_STROKE,
                      tip_length=EDGE_TIP, max_tip_length_to_length_ratio=0.12, max_stroke_width_to_length_ratio=10)
            (hot if on else lines).add(a)
        graph = VGroup(lines, hot, xs_, ss_)
        hot.set_z_index(1)
        xs_.set_z_index(2)
        ss_.set_z_index(2)
        return graph

    def matrix(self, layer, focus: int):
        """Rows s, columns x; filled cells are weights (the convolution's carry their tap w1..wk); the
        highlighted input's column outlined. Returns (group, grid, kinds)."""
        t = self.theme
        m = layer.matrix
        vals = np.full(m.shape, None, dtype=object)
        kinds = np.full(m.shape, EMPTY, dtype=object)
        for jj, ii in layer.edges:
            kinds[ii, jj] = "data"
            if layer.key == "conv":
                vals[ii, jj] = f"w{int(m[ii, jj])}"
        grid = self.sym.grid(vals, t, MATRIX_CELL, fill=t.kernel_fill, stroke=t.grid, kinds=kinds)
        col = SurroundingRectangle(grid.block([(ii, focus) for ii in range(m.shape[0])]), color=t.highlight,
                                   buff=COLUMN_MARK_BUFF, stroke_width=COLUMN_MARK_STROKE)
        return VGroup(grid, col), grid, kinds

    def matrix_caption(self, layer) -> str:
        n_out, n_in = layer.matrix.shape
        nnz = layer.nonzeros
        if layer.key == "dense":
            return self.say(f"W: {n_out}×{n_in} (rows s, columns x), {layer.weights} weights",
                            f"W：{n_out}×{n_in}（行 s，列 x），{layer.weights} 个权重")
        return self.say(f"banded: {nnz} non-zeros, {layer.weights} shared weights",
                        f"带状矩阵：{nnz} 个非零元素，{layer.weights} 个共享权重")


# ------------------------------------------------------------------------------------------------ figure4
class WeightSharing(ConvVizScene):
    """Draws a ``convviz.figures.connectivity.WeightSharingFigure``: a locally connected layer (every window
    its own kernel) over a convolution (one kernel for every window), both weight counts beside them."""

    default_entry = "cnn-figure4"

    def construct(self):
        fig = self.params
        self.sym = MathSymbols(self)
        inp1, kernels, out1 = row1 = self.local_row(fig)
        inp2, shared, out2 = row2 = self.shared_row(fig, row1)
        first = fig.window_cells(0)
        win1 = self.window(inp1, first)
        win2 = self.window(inp2, first)
        win_others = VGroup(*[SurroundingRectangle(inp2.block(fig.window_cells(n)), color=self.theme.kernel_stroke,
                                                   buff=WINDOW_BUFF, stroke_width=OTHER_WINDOW_STROKE)
                              .set_stroke(opacity=OTHER_WINDOW_OPACITY) for n in range(1, fig.positions)])
        mark1 = self.output_mark(out1)
        mark2 = self.output_mark(out2)
        paths = self.paths(win1, kernels, mark1, win2, shared, mark2, inp1, inp2)
        head1, head2 = self.headings(row1, row2)
        c1, c2 = self.counts(fig, out1, out2)
        labels = self.role_labels(fig, row1, row2)
        note = self.text(self.stride_note(fig), size=STRIDE_NOTE_SIZE, color=self.theme.muted)
        note.next_to(labels, DOWN, buff=STRIDE_NOTE_BUFF).align_to(row2, LEFT)
        figure = VGroup(row1, row2, win1, win2, win_others, mark1, mark2, paths, head1, head2, c1, c2, note,
                        labels)
        self.fit_to_frame(figure)
        self.add(figure)
        self.record(fig, inp1, kernels, shared, out1, out2)
        self.record_geometry(inp1, inp2, win1, win2)
        self.hold_last()

    # -- the storyboard's steps -----------------------------------------------------------------------------
    def colors(self, fig) -> list:
        groups = self.theme.groups
        return [groups[i % len(groups)] for i in range(fig.positions)]

    def input_grid(self, fig) -> NumberGrid:
        t = self.theme
        return self.sym.grid(fig.x, t, IN_CELL, fill=t.background, stroke=t.grid)

    def local_row(self, fig) -> VGroup:
        """Locally connected: every window tinted in its own colour, its own kernel, its own output F_n."""
        t = self.theme
        colors = self.colors(fig)
        inp = self.input_grid(fig)
        kernels = VGroup()
        for n in range(fig.positions):
            shade = opaque_tint(colors[n], WINDOW_SHARE, t.background)
            for rc in fig.window_cells(n):
                inp.fill_cell(*rc, shade)
            kernels.add(self.sym.grid(fig.kernels[n], t, KERNEL_CELL, fill=shade, stroke=colors[n]))
        oh, ow = fig.sharing.out_size
        kernels.arrange_in_grid(rows=oh, cols=ow, buff=KERNELS_BUFF)
        out = self.sym.grid(fig.local_outputs, t, OUT_CELL, fill=t.output_fill, stroke=t.output_stroke)
        for n in range(fig.positions):
            out.fill_cell(*divmod(n, ow), opaque_tint(colors[n], WINDOW_SHARE, t.background))
        return VGroup(inp, kernels, out).arrange(RIGHT, buff=ROW_ITEM_BUFF)

    def shared_row(self, fig, row1) -> VGroup:
        """Weight sharing: the first window shaded, one kernel, the outputs F_rc; each item under its
        counterpart of the first row."""
        t = self.theme
        inp = self.input_grid(fig)
        for rc in fig.window_cells(0):
            inp.fill_cell(*rc, t.input_fill)
        shared = self.sym.grid(fig.shared_kernel, t, KERNEL_CELL, fill=t.kernel_fill, stroke=t.kernel_stroke)
        out = self.sym.grid(fig.shared_outputs, t, OUT_CELL, fill=t.output_fill, stroke=t.output_stroke)
        row = VGroup(inp, shared, out)
        for a, b in zip(row, row1):
            a.move_to([b.get_center()[0], 0, 0])
        row.next_to(row1, DOWN, buff=ROWS_BUFF).align_to(row1, LEFT)
        for a, b in zip(row, row1):
            a.set_x(b.get_center()[0])
        return row

    def window(self, grid, cells) -> SurroundingRectangle:
        return SurroundingRectangle(grid.block(cells), color=self.theme.highlight, buff=WINDOW_BUFF,
                                    stroke_width=WINDOW_STROKE)

    def output_mark(self, grid) -> SurroundingRectangle:
        return SurroundingRectangle(grid.cell(0, 0), color=self.theme.highlight, buff=0.0, stroke_width=MARK_STROKE)

    def connector(self, win, grid, ker) -> VGroup:
        """The window's arrow to its kernel: up from the middle of the window's top edge to a rail over the
        input, across to the middle of the gap, down and into the kernel's left side. Only its first point
        touches the input (on the window's own edge), so it joins that window and no other block, and it
        crosses no label. ``.path``: the route as an invisible polyline (for the record)."""
        t = self.theme
        rail = grid.get_top()[1] + WINDOW_RAIL
        x_gap = (grid.get_right()[0] + ker.get_left()[0]) / 2
        pts = [win.get_top(), np.array([win.get_center()[0], rail, 0.0]), np.array([x_gap, rail, 0.0]),
               np.array([x_gap, ker.get_center()[1], 0.0]), ker.get_left()]
        g = elbow_arrow(pts, t.highlight, stroke_width=PATH_STROKE, tip_length=PATH_TIP)
        g.path = VMobject(stroke_opacity=0, fill_opacity=0).set_points_as_corners(pts)   # moves with the figure
        g.add(g.path)
        return g

    def paths(self, win1, kernels, mark1, win2, shared, mark2, inp1, inp2) -> VGroup:
        """Arrows from the first window to its kernel (over the input, clear of the other blocks and the
        labels) and on to the first output."""
        t = self.theme
        over = kernels.get_top()[1] + PATH_OVER          # row 1: over the other kernels to F1
        ka = kernels[0]
        to_f1 = elbow_arrow([ka.get_top(), [ka.get_center()[0], over, 0], [mark1.get_center()[0], over, 0],
                             mark1.get_top()], t.highlight, stroke_width=PATH_STROKE, tip_length=PATH_TIP)
        to_f11 = Arrow(shared.get_right(), mark2.get_left(), buff=PATH_TO_OUTPUT_BUFF, color=t.highlight,
                       stroke_width=PATH_STROKE, tip_length=PATH_TIP, max_tip_length_to_length_ratio=0.3)
        self.connectors = [self.connector(win1, inp1, ka), self.connector(win2, inp2, shared)]
        self.kernel_targets = [ka, shared]
        return VGroup(self.connectors[0], to_f1, self.connectors[1], to_f11)

    def headings(self, row1, row2):
        head1 = self.text(self.say("Locally connected (no sharing): each window has its own weights",
                                   "局部连接（不共享）：每个窗口有自己的权重"), size=HEADING_SIZE)
        head2 = self.text(self.say("Weight sharing (convolution): one kernel for every window",
                                   "权值共享（卷积）：所有窗口共用一个卷积核"), size=HEADING_SIZE)
        head1.next_to(VGroup(row1, self.connectors[0]), UP, buff=HEADING_BUFF).align_to(row1, LEFT)
        head2.next_to(VGroup(row2, self.connectors[1]), UP, buff=HEADING_BUFF).align_to(row2, LEFT)
        return head1, head2

    def count_texts(self, fig) -> tuple[str, str]:
        ws = fig.sharing
        return (self.say(f"{fig.positions} × {ws.per_position} = {ws.locally_connected} weights",
                         f"{fig.positions} × {ws.per_position} = {ws.locally_connected} 个权重"),
                self.say(f"{ws.shared} weights", f"{ws.shared} 个权重"))

    def counts(self, fig, out1, out2):
        """Each layer's weight count, right of its output."""
        count1, count2 = self.count_texts(fig)
        c1 = self.text(count1, size=COUNT_SIZE, color=self.theme.kernel_stroke)
        c2 = self.text(count2, size=COUNT_SIZE, color=self.theme.kernel_stroke)
        c1.next_to(out1, RIGHT, buff=COUNT_BUFF)
        c2.next_to(out2, RIGHT, buff=COUNT_BUFF).align_to(c1, LEFT)
        return c1, c2

    def role_labels(self, fig, row1, row2) -> VGroup:
        """Input / Kernel × n / Output under the first row, Input / Kernel / Output under the second."""
        labels = VGroup()
        for row, keys in ((row1, ("input", None, "output")), (row2, ("input", "kernel", "output"))):
            y = row.get_bottom()[1] - ROLE_GAP
            for mob, key in zip(row, keys):
                s_ = self.T(key) if key else f"{self.T('kernel')} × {fig.positions}"
                lab = self.label(s_, size=ROLE_SIZE, raw=True)
                lab.move_to([mob.get_center()[0], y - lab.height / 2, 0])
                labels.add(lab)
        labels[1:3].align_to(labels[0], UP)
        labels[4:6].align_to(labels[3], UP)
        return labels

    def stride_note(self, fig) -> str:
        ws = fig.sharing
        (kh, kw), (oh, ow), s = ws.kernel_size, ws.out_size, ws.stride[0]
        if not ws.overlapping:
            return self.say(f"stride {s}: the {kh}x{kw} windows do not overlap, {oh}x{ow} output",
                            f"步长 {s}：{kh}x{kw} 窗口互不重叠，输出 {oh}x{ow}")
        return self.say(f"stride {s}: overlapping {kh}x{kw} windows, {oh}x{ow} output",
                        f"步长 {s}：{kh}x{kw} 窗口相互重叠，输出 {oh}x{ow}")

    def record(self, fig, inp1, kernels, shared, out1, out2) -> None:
        ws = fig.sharing
        count1, count2 = self.count_texts(fig)
        self.drawn["input"] = inp1.drawn_array().tolist()
        self.drawn["kernels"] = [kk.drawn_array().tolist() for kk in kernels]
        self.drawn["shared_kernel"] = shared.drawn_array().tolist()
        self.drawn["outputs"] = {"local": out1.drawn_array().tolist(), "shared": out2.drawn_array().tolist()}
        self.drawn["windows"] = [tuple(o) for o in ws.windows]
        self.drawn["counts"] = {"locally_connected": ws.locally_connected, "shared": ws.shared,
                                "positions": fig.positions, "per_position": ws.per_position}
        self.drawn["count_text"] = {"locally_connected": count1, "shared": count2}
        self.drawn["stride"] = ws.stride
        self.drawn["note"] = self.stride_note(fig)

    def record_geometry(self, inp1, inp2, win1, win2) -> None:
        """Where the connectors run, where the input labels sit, and the boxes of each row's input, window and
        kernel (scene units, after fitting): tests check that a connector leaves its window, touches no other
        cell and crosses no label."""
        def box(m):
            (x0, y0), (x1, y1) = m.get_corner(DOWN + LEFT)[:2], m.get_corner(UP + RIGHT)[:2]
            return (float(x0), float(y0), float(x1), float(y1))
        self.drawn["connectors"] = [[tuple(float(v) for v in p[:2])
                                    for p in (*c.path.get_start_anchors(), c.path.get_end())] for c in self.connectors]
        self.drawn["input_label_boxes"] = [{rc: box(m) for rc, m in g.numbers.items()} for g in (inp1, inp2)]
        self.drawn["input_boxes"] = [box(g) for g in (inp1, inp2)]
        self.drawn["window_boxes"] = [box(w) for w in (win1, win2)]
        self.drawn["kernel_boxes"] = [box(k) for k in self.kernel_targets]
