"""Multi-channel convolution (gif2, the classic course demo): an input volume drawn as one padded slice per input
channel, one row of filter slices per output channel, the biases, and the output volume filling in one cell per
step. Each step marks the active window in every input slice of the filter's group (corner brackets) and, in the
same colour, outlines the filter slices they meet (each slice sits right under its input channel, so column =
channel), and adds up the per-channel sums and the bias to the output cell in a row of terms kept under the
columns they come from
(``ch0: 1 + ch1: -2 + ch2: 1 + b0: 1 = 1``, the total in the output marker's colour).

GIF size: a GIF frame costs roughly one LZW run per changed pixel run per pixel row, so what moves each step is
kept short in height: corner brackets for the windows (a full outline changes two runs in every row of the window,
old and new, in every channel), the output marker, a few digits of the sum row (every token at a fixed place) and
nothing else. Measured on cnn-gif2 at 1054 px (medium): full outlines 161 KB, brackets 115 KB. Diagonal
window→slice lines, as in the original, were tried and dropped: each changes a run in every row it crosses
(~150 rows), ~4 KB per step (~200 KB in all at 860 px); the column layout links window and slice instead.

Layout (columns = input channels, so grouped convolution shows which channels each filter sees):

    Input Volume (+pad 1) (7x7x3)                                 Output Volume (3x3x2)
                x[:,:,0]          x[:,:,1]          x[:,:,2]
               [7x7]             [7x7]             [7x7]
    Filter W0   w0[:,:,0]         w0[:,:,1]         w0[:,:,2]      Bias b0    o[:,:,0]
    (3x3x3)      [3x3]             [3x3]             [3x3]          [1]       [3x3]
    Filter W1   ...
                ch0: 1       +    ch1: -2       +   ch2: 1     +   b0: 1   =  1

Run it with stock Manim too: ``manim -ql scenes/multichannel.py MultiChannelScene``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Rectangle, VGroup, VMobject

from convviz.trace import fmt

from scenes.kit.base import ConvVizScene
from scenes.kit.layout import extra_lines, usable_height, usable_width
from scenes.kit.theme import FONT_MONO
from scenes.kit.widgets import (KernelWindow, Legend, NumberGrid, block_bounds, char_width, longest_number,
                                number_font_size, output_grid, padding_kinds)

MAX_CHANNELS = 6          # input or output channels this layout can draw
MIN_CELL = 0.1            # scene units: below this the grids are only lines
MAX_CELL = 0.6
MIN_NUMBER_FONT = 9.0     # below this the grid numbers are dropped (the sum row keeps them)
NUMBER_HEIGHT = 0.5       # of a cell's height the digits may fill (the other scenes: 0.36)
MARGIN_X, MARGIN_Y = 0.3, 0.25   # the content fits the frame less these each side (13.6 x 7.5 at 16:9)
COMPACT_GAIN = 1.1        # a more compact layout is chosen only for cells this much larger

TITLE, SUB, SUM = 20, 16, 18    # font sizes: titles, slice labels, the sum row
GAP_COL = 0.45            # between channel columns (holds a "+")
GAP_RIGHT = 0.55          # before the bias and the output column (holds "+" / "=")
GAP_LEFT = 0.3            # after the filter titles
GAP_ROW = 0.22            # between the input row and each filter row
LABEL_GAP = 0.08          # between a slice label and its grid
WINDOW_STROKE = 4.0       # outline of each active window


class MultiChannelScene(ConvVizScene):
    default_entry = "cnn-gif2"

    # ------------------------------------------------------------------------------------------ storyboard
    def construct(self):
        self.trace = self._checked_trace()
        self._read_sizes()
        steps = list(self.trace)
        self.step_texts = [self._step_strings(st) for st in steps]
        self._build_texts()
        self.cell = self._choose_layout()
        self._build_grids(self.cell)
        self._place(self.cell)
        self._record_static()
        self._play_steps(steps)

    def _checked_trace(self):
        x, w = np.asarray(self.params.x), np.asarray(self.params.weight)
        if x.ndim != 3 or w.ndim != 4:
            raise ValueError("multichannel draws a (C_in, H, W) input and a (C_out, C_in/groups, kh, kw) weight, "
                             f"got input {x.shape} and weight {w.shape}")
        if x.shape[0] > MAX_CHANNELS or w.shape[0] > MAX_CHANNELS:
            raise ValueError(f"multichannel draws at most {MAX_CHANNELS} input and {MAX_CHANNELS} output channels "
                             f"(got {x.shape[0]} input and {w.shape[0]} output channels)")
        return self.params.trace()

    def _read_sizes(self) -> None:
        """The trace's sizes, and the frame's (less the margins)."""
        tr = self.trace
        self.frame_w, self.frame_h = usable_width(MARGIN_X), usable_height(MARGIN_Y)
        self.cin, self.cout = tr.in_channels, tr.out_channels
        self.ph, self.pw = tr.padded_size
        self.kh, self.kw = tr.kernel_size
        self.oh, self.ow = tr.out_size
        self.cg = tr.weight.shape[1]                       # input channels per filter (C_in / groups)
        self.og = self.cout // tr.groups                   # filters per group
        self.has_bias = tr.bias is not None

    def _choose_layout(self) -> float:
        """The fullest labels that fit; a more compact form only when it buys clearly larger cells. Returns the
        cell size."""
        layouts = [(False, 0), (True, 0), (True, 1)]        # (no per-slice labels, one-line filter titles)
        cells = []
        for compact, short in layouts:
            self.compact, self.filter_titles = compact, self.title_forms[short]
            cells.append(self._solve_cell())
        best = max(cells)
        choice = next(i for i, c in enumerate(cells) if c >= best / COMPACT_GAIN)
        self.compact, self.filter_titles = layouts[choice][0], self.title_forms[layouts[choice][1]]
        cell = cells[choice]
        if cell < MIN_CELL:
            raise ValueError(
                f"multichannel cannot draw this legibly: {self.cin} input slice(s) of {self.ph}x{self.pw} (padded), "
                f"{self.cout} filter row(s) and a {self.oh}x{self.ow} output need cells under the {MIN_CELL}-unit "
                f"minimum (about {int(self.frame_w / MIN_CELL)} cells across and {int(self.frame_h / MIN_CELL)} "
                "down); use a smaller input, fewer channels or a larger stride")
        return cell

    def _play_steps(self, steps) -> None:
        """One held state per output cell: the windows and filter outlines, the cell written, the sum row."""
        self.drawn["steps"] = []
        cursor = None
        sum_row = None
        for st, strings in zip(steps, self.step_texts):
            new_cursor = self._cursor(st)
            new_sum = self._sum_row(st, strings)
            orow, ocol = st.out_position
            self.output_grids[st.out_channel].set_text(orow, ocol, strings["total"],
                                                       color=self.theme.text)
            self.output_grids[st.out_channel].fill_cell(orow, ocol, self.theme.output_fill)
            cursor, sum_row = self.swap((cursor, new_cursor), (sum_row, new_sum))
            self.drawn["steps"].append({
                "out": (st.out_channel,) + tuple(st.out_position),
                "channel_sums": dict(strings["sums"]),
                "bias": strings["bias"],
                "total": strings["total"],
                "line": strings["line"],
                "windows": {c: [tp.padded_position for tp in st.taps if tp.channel == c]
                            for c in strings["channels"]},
            })
            self.hold(None if st.index < len(steps) - 1 else self.opts.final_hold)
        self.drawn["output"] = [g.drawn_array() for g in self.output_grids]

    # ------------------------------------------------------------------------------------------ strings
    def _channel_name(self, c: int) -> str:
        return self.say(f"ch{c}", f"通道{c}")

    def _step_strings(self, st) -> dict:
        sums = {c: fmt(v) for c, v in sorted(st.channel_sums().items())}
        bias = None if st.bias is None else fmt(st.bias)
        total = fmt(st.total)
        terms = [f"{self._channel_name(c)}: {s}" for c, s in sums.items()]
        if bias is not None:
            terms.append(f"b{st.out_channel}: {bias}")
        return {"sums": sums, "bias": bias, "total": total, "channels": list(sums),
                "line": " + ".join(terms) + f" = {total}"}

    # ------------------------------------------------------------------------------------------ texts
    def _build_texts(self) -> None:
        """Every label (both forms of the filter titles), the legend, the sum row's widths, the extra lines."""
        self._volume_titles()
        self.legend = Legend.for_conv(self.trace, self.trace.unvisited(), self.theme, self.text, self.T, size=SUB,
                                      buff=0.35)
        self._slice_labels()
        self._sum_widths()
        self.extra = extra_lines(self, self.trace, self.frame_w, padding=self.params.padding)

    def _volume_titles(self) -> None:
        """``Input Volume (+pad 1) (7x7x3)`` and ``Output Volume (3x3x2)``."""
        (pt, pb), (pl, pr) = self.trace.padding
        pads = {pt, pb, pl, pr}
        if pads == {0}:
            pad_en = pad_zh = ""
        else:
            if len(pads) == 1:
                pad_en, pad_zh = f" (+pad {pt})", f"（+填充 {pt}）"
            else:                                          # 'same' with an even kernel: the extra goes bottom/right
                pad_en = f" (+pad top {pt}, bottom {pb}, left {pl}, right {pr})"
                pad_zh = f"（+填充 上 {pt} 下 {pb} 左 {pl} 右 {pr}）"
        vol_in = f"{self.ph}x{self.pw}x{self.cin}"
        self.input_title = self.text(self.say(f"Input Volume{pad_en} ({vol_in})",
                                              f"输入数据体{pad_zh}（{vol_in}）"), size=TITLE)
        vol_out = f"{self.oh}x{self.ow}x{self.cout}"
        self.output_title = self.text(self.say(f"Output Volume ({vol_out})", f"输出数据体（{vol_out}）"),
                                      size=TITLE)

    def _slice_labels(self) -> None:
        """Labels of the input slices, the filter rows (a full and a one-line form), weights, biases, outputs."""
        t, tr = self.theme, self.trace
        self.slice_labels = [self.text(f"x[:,:,{c}]", size=SUB, color=self._group_color(c // self.cg),
                                       font=FONT_MONO) for c in range(self.cin)]
        fsize = f"{self.kh}x{self.kw}x{self.cg}"
        full, short = [], []
        for co in range(self.cout):
            g = co // self.og
            lines = [self.text(self.say(f"Filter W{co}", f"滤波器 W{co}"), size=TITLE),
                     self.text(f"({fsize})", size=TITLE - 2, color=t.muted)]
            if tr.groups > 1:
                lines.append(self.text(self.say(f"group {g}", f"第 {g} 组"), size=SUB, color=self._group_color(g)))
            full.append(VGroup(*lines).arrange(DOWN, buff=0.08, aligned_edge=LEFT))
            one = f"W{co} ({fsize})" + (self.say(f" g{g}", f" 第{g}组") if tr.groups > 1 else "")
            short.append(VGroup(self.text(one, size=SUB, color=self._group_color(g) if tr.groups > 1 else None)))
        self.title_forms = (full, short)
        self.filter_titles = full
        self.w_labels = [[self.text(f"w{co}[:,:,{cl}]", size=SUB, color=t.muted, font=FONT_MONO)
                          for cl in range(self.cg)] for co in range(self.cout)]
        self.b_labels = [self.text(self.say(f"Bias b{co}", f"偏置 b{co}"), size=SUB, color=t.muted)
                         for co in range(self.cout)] if self.has_bias else []
        self.b_short = [self.text(f"b{co}", size=SUB, color=t.muted, font=FONT_MONO)
                        for co in range(self.cout)] if self.has_bias else []
        self.o_labels = [self.text(f"o[:,:,{co}]", size=SUB, color=t.muted, font=FONT_MONO)
                         for co in range(self.cout)]

    def _sum_widths(self) -> None:
        """The widest term each column of the sum row will hold over all steps, the bias's, the total's."""
        self.col_term_w = [0.0] * self.cin
        bias_w, total_w = 0.0, 0.0
        longest: dict = {}
        for s in self.step_texts:
            for c, v in s["sums"].items():
                key = ("c", c)
                longest[key] = max(longest.get(key, ""), f"{self._channel_name(c)}: {v}", key=len)
            if s["bias"] is not None:
                longest["b"] = max(longest.get("b", ""), f"b{self.cout - 1}: {s['bias']}", key=len)
            longest["t"] = max(longest.get("t", ""), s["total"], key=len)
        for key, s in longest.items():
            width = self._sum_text(s).width
            if key == "b":
                bias_w = width
            elif key == "t":
                total_w = width
            else:
                self.col_term_w[key[1]] = width
        self.sum_bias_w, self.sum_total_w = bias_w, total_w
        self.plus_w = self._sum_text("+").width
        self.sum_h = self._sum_text("ch0: 0").height

    def _sum_text(self, s: str, color: str | None = None, bold: bool = False):
        return self.text(s, size=SUM, color=color or self.theme.text, font=FONT_MONO, bold=bold)

    def _group_color(self, g: int) -> str:
        if self.trace.groups == 1:
            return self.theme.muted
        return self.theme.groups[g % len(self.theme.groups)]

    # ------------------------------------------------------------------------------------------ geometry
    def _columns(self, c: float) -> dict:
        """Column widths and left edges for cell size ``c`` (scene units, x from the content's left edge)."""
        left_w = max(m.width for m in self.filter_titles)
        w_label = 0.0 if self.compact else self.w_labels[0][0].width
        cols = [max(self.pw * c, self.kw * c, self.slice_labels[i].width, w_label, self.col_term_w[i])
                for i in range(self.cin)]
        # compact: the bias label sits left of its cell (in the gap), the output label right of its grid
        b_label = 0.0 if self.compact else max(m.width for m in self.b_labels) if self.has_bias else 0.0
        bias_w = max(c, b_label, self.sum_bias_w) if self.has_bias else 0.0
        o_label = max(m.width for m in self.o_labels)
        out_w = max(self.ow * c + (0.15 + o_label if self.compact else 0.0),
                    0.0 if self.compact else o_label, self.sum_total_w)
        xs, x = [], left_w + GAP_LEFT
        for i, cw in enumerate(cols):
            xs.append(x)
            x += cw + (GAP_COL if i < self.cin - 1 else 0.0)
        bias_x = None
        if self.has_bias:
            x += GAP_RIGHT + (max(m.width for m in self.b_short) + 0.1 if self.compact else 0.0)
            bias_x = x
            x += bias_w
        x += GAP_RIGHT
        out_x = x
        x += out_w
        top_w = self.input_title.width + 0.5 + self.output_title.width + \
            (self.legend.width + 0.5 if self.legend is not None else 0.0)
        return {"left_w": left_w, "cols": cols, "xs": xs, "bias_w": bias_w, "bias_x": bias_x, "out_w": out_w,
                "out_x": out_x, "width": max(x, top_w)}

    def _row_heights(self, c: float) -> list[float]:
        """Height of each filter row: slice labels + grids, or the filter's title if taller."""
        sub_h = 0.0 if self.compact else self.w_labels[0][0].height + LABEL_GAP
        grid_h = max(self.kh, self.oh, 1) * c
        return [max(sub_h + grid_h, self.filter_titles[co].height) for co in range(self.cout)]

    def _height(self, c: float) -> float:
        h = self.input_title.height + 0.14 + self.slice_labels[0].height + LABEL_GAP + self.ph * c
        h += sum(GAP_ROW + r for r in self._row_heights(c))
        h += 0.3 + self.sum_h
        h += sum(0.2 + m.height for m in self.extra)
        return h

    def _solve_cell(self) -> float:
        """The largest cell (up to MAX_CELL) with which everything fits the frame."""
        lo, hi = 0.0, MAX_CELL
        if self._columns(hi)["width"] <= self.frame_w and self._height(hi) <= self.frame_h:
            return hi
        for _ in range(40):
            mid = (lo + hi) / 2
            if self._columns(mid)["width"] <= self.frame_w and self._height(mid) <= self.frame_h:
                lo = mid
            else:
                hi = mid
        return lo

    # ------------------------------------------------------------------------------------------ widgets
    def _build_grids(self, c: float) -> None:
        """The padded input slices, the filters' slices, the biases and the empty outputs; numbers in one size
        for the inputs and weights, one for the outputs (often a digit longer), none if either is too small."""
        t, tr = self.theme, self.trace
        (pt, _), (pl, _) = tr.padding
        kinds = padding_kinds(tr.padded_size, tr.padding)
        operands = [np.unique(tr.padded), np.unique(tr.weight)] + ([np.unique(tr.bias)] if self.has_bias else [])
        f_in = min(number_font_size(c, longest_number(v), height=NUMBER_HEIGHT) for v in operands)
        f_out = number_font_size(c, longest_number(tr.output), height=NUMBER_HEIGHT)
        show = min(f_in, f_out) >= MIN_NUMBER_FONT
        self.numbers_shown = show
        self.fonts = (f_in, f_out)
        unvisited = tr.unvisited()
        self.input_grids = []
        for ci in range(self.cin):
            g = NumberGrid(tr.padded[0, ci], t, self.text, cell=c, fill=t.input_fill, kinds=kinds,
                           show_numbers=show, font_size=f_in)
            for (r, cc) in unvisited:
                g.fill_cell(r + pt, cc + pl, t.unvisited)
            self.input_grids.append(g)
        self.filter_grids = [[NumberGrid(tr.weight[co, cl], t, self.text, cell=c, fill=t.kernel_fill,
                                         stroke=t.kernel_stroke, show_numbers=show, font_size=f_in)
                              for cl in range(self.cg)] for co in range(self.cout)]
        self.bias_grids = [NumberGrid(np.array([[tr.bias[co]]], dtype=object), t, self.text, cell=c,
                                      fill=t.bias_fill, stroke=t.bias_stroke, show_numbers=show, font_size=f_in)
                           for co in range(self.cout)] if self.has_bias else []
        self.output_grids = [output_grid(tr.out_size, t, self.text, c, show_numbers=show, font_size=f_out)
                             for _ in range(self.cout)]
        if not show:                      # numbers dropped: the output cells still fill in, without text
            for g in self.output_grids:
                g.set_text = self._fill_only(g)

    @staticmethod
    def _fill_only(grid):
        def set_text(r, c, value, color=None):
            grid.drawn[(r, c)] = value if isinstance(value, str) else fmt(value)
        return set_text

    def _place(self, c: float) -> None:
        """Titles and input slices, one row per filter, room for the sum row, the extra lines; then all of it
        centred in the frame."""
        self.geo = self._columns(c)
        self.group_cols = self._group_columns()   # the input columns each group's filters use
        top, y = self._place_inputs(c)
        y = self._place_filter_rows(c, y)
        y -= 0.3
        self.sum_top = y                       # the sum row's tokens hang from here
        y -= self.sum_h
        for m in self.extra:
            y -= 0.2
            m.move_to([self.geo["width"] / 2, y, 0], aligned_edge=UP)
            y -= m.height
        w_labels = [] if self.compact else [m for row in self.w_labels for m in row]
        static = VGroup(top, *self.slice_labels, *self.input_grids, *self.filter_titles,
                        *w_labels, *[g for row in self.filter_grids for g in row],
                        *(self.b_short if self.compact else self.b_labels), *self.bias_grids, *self.o_labels,
                        *self.output_grids, *self.extra)
        self._centre(static, y)
        self.add(static)

    def _place_inputs(self, c: float) -> tuple[VGroup, float]:
        """The two titles (and the legend) on top, the input slices under them, one per column; returns the
        titles and the y under the slices (the content's top is y = 0, its left x = 0)."""
        geo = self.geo
        y = 0.0
        top = VGroup()
        self.input_title.move_to([0.0, y, 0], aligned_edge=UP + LEFT)
        self.output_title.move_to([geo["width"], y, 0], aligned_edge=UP + RIGHT)
        top.add(self.input_title, self.output_title)
        if self.legend is not None:
            self.legend.next_to(self.input_title, RIGHT, buff=0.5)
            top.add(self.legend)
        y -= self.input_title.height + 0.14
        self.col_cx = [geo["xs"][i] + geo["cols"][i] / 2 for i in range(self.cin)]
        for i in range(self.cin):
            self.slice_labels[i].move_to([self.col_cx[i], y, 0], aligned_edge=UP)
        y -= self.slice_labels[0].height + LABEL_GAP
        for i in range(self.cin):
            self.input_grids[i].move_to([self.col_cx[i], y, 0], aligned_edge=UP)
        return top, y - self.ph * c

    def _place_filter_rows(self, c: float, y: float) -> float:
        """Per filter: its title, its slices under their input channels' columns, its bias and its output;
        returns the y under the last row."""
        geo = self.geo
        self.bias_cx = geo["bias_x"] + geo["bias_w"] / 2 if self.has_bias else None
        # the output grid's centre: its column's centre, or (compact, label on the right) its own
        self.out_cx = geo["out_x"] + (self.ow * c / 2 if self.compact else geo["out_w"] / 2)
        self.row_tops = []
        for co, rh in enumerate(self._row_heights(c)):
            y -= GAP_ROW
            self.row_tops.append(y)
            self.filter_titles[co].move_to([0.0, y, 0], aligned_edge=UP + LEFT)
            ly = y
            gy = y if self.compact else y - self.w_labels[0][0].height - LABEL_GAP
            for cl, ci in enumerate(self.group_cols[co // self.og]):
                self.w_labels[co][cl].move_to([self.col_cx[ci], ly, 0], aligned_edge=UP)
                self.filter_grids[co][cl].move_to([self.col_cx[ci], gy, 0], aligned_edge=UP)
            if self.has_bias:
                self.bias_grids[co].move_to([self.bias_cx, gy, 0], aligned_edge=UP)
                if self.compact:
                    self.b_short[co].next_to(self.bias_grids[co], LEFT, buff=0.1)
                else:
                    self.b_labels[co].move_to([self.bias_cx, ly, 0], aligned_edge=UP)
            self.output_grids[co].move_to([self.out_cx, gy, 0], aligned_edge=UP)
            if self.compact:
                self.o_labels[co].next_to(self.output_grids[co], RIGHT, buff=0.15)
            else:
                self.o_labels[co].move_to([self.out_cx, ly, 0], aligned_edge=UP)
            y -= rh
        return y

    def _centre(self, static: VGroup, bottom: float) -> None:
        """Centre the content (``bottom``: its lowest y) in the frame; the places the sum row uses follow."""
        geo = self.geo
        shift = np.array([-geo["width"] / 2, -bottom / 2, 0.0])
        static.shift(shift)
        self.shift = shift
        self.col_cx = [v + shift[0] for v in self.col_cx]
        self.bias_cx = None if self.bias_cx is None else self.bias_cx + shift[0]
        self.out_cx += shift[0]
        self.out_x = geo["out_x"] + shift[0]
        self.sum_top += shift[1]
        self.geo_xs = [v + shift[0] for v in geo["xs"]]

    def _group_columns(self) -> list[list[int]]:
        """Input channels of each group (contiguous blocks, as ``ops.conv`` splits them)."""
        return [list(range(g * self.cg, (g + 1) * self.cg)) for g in range(self.trace.groups)]

    def _record_static(self) -> None:
        self.drawn["cell"] = self.cell
        self.drawn["numbers_shown"] = self.numbers_shown
        self.drawn["input"] = [g.drawn_array() for g in self.input_grids]
        self.drawn["filters"] = [[g.drawn_array() for g in row] for row in self.filter_grids]
        self.drawn["bias"] = [g.drawn.get((0, 0)) for g in self.bias_grids] if self.has_bias else None
        self.drawn["filter_columns"] = [self.group_cols[co // self.og] for co in range(self.cout)]
        self.drawn["labels"] = {
            "input": self.input_title.text if hasattr(self.input_title, "text") else None,
            "output": self.output_title.text if hasattr(self.output_title, "text") else None,
            "filters": [" ".join(m.text for m in ft) for ft in self.filter_titles],
            "bias": [m.text for m in (self.b_short if self.compact else self.b_labels)],
        }
        self.drawn["extra_lines"] = [m.drawn for m in self.extra]
        self.drawn["legend"] = [] if self.legend is None else list(self.legend.keys)

    # ------------------------------------------------------------------------------------------ per step
    def _cursor(self, st) -> VGroup:
        """The step's moving parts: an outlined window in each input channel the filter uses, the active
        filter's slices and bias outlined in the same colours (each slice sits under its channel's column), and
        the output cell's marker. No diagonal window→slice lines: they would change ~150 pixel rows per link per
        step, which costs more GIF bytes than everything else that moves (see the module notes)."""
        t = self.theme
        cursor = VGroup()
        co = st.out_channel
        by_channel: dict[int, list] = {}
        for tp in st.taps:
            by_channel.setdefault(tp.channel, []).append(tp)
        for ci, taps in sorted(by_channel.items()):
            grid = self.input_grids[ci]
            cursor.add(self._window(grid, taps))
        outlines = VGroup(*[self._outline(g, t.kernel_stroke) for g in self.filter_grids[co]])
        if self.has_bias:
            outlines.add(self._outline(self.bias_grids[co], t.bias_stroke))
        orow, ocol = st.out_position
        marker = self._outline(self.output_grids[co].cell(orow, ocol), t.highlight, width=5)
        cursor.add(outlines, marker)
        return cursor

    WINDOW_STYLE = "brackets"

    def _window(self, grid, taps):
        """The window over one input slice: corner brackets around a contiguous block (a full outline would
        change two pixel runs in every row of the window, old and new, in every channel: the most costly part
        of a GIF frame), one square per tap when dilation spreads the taps."""
        t = self.theme
        cells = [tp.padded_position for tp in taps]
        block = block_bounds(cells)
        if block is None or self.WINDOW_STYLE != "brackets":
            win = KernelWindow(grid, cells, None, t, self.text, pad_cells=[tp.is_padding for tp in taps],
                               show_weights=False)
            win.squares.set_stroke(width=WINDOW_STROKE)
            return win
        rows, cols = block
        tl = grid.cell(rows[0], cols[0]).get_corner(UP + LEFT)
        br = grid.cell(rows[-1], cols[-1]).get_corner(DOWN + RIGHT)
        arm = min(0.45 * grid.cell_size, 0.3 * (br[0] - tl[0]))
        win = VGroup()
        for (x, y, dx, dy) in ((tl[0], tl[1], 1, -1), (br[0], tl[1], -1, -1), (tl[0], br[1], 1, 1),
                               (br[0], br[1], -1, 1)):
            corner = VMobject(stroke_color=t.kernel_stroke, stroke_width=WINDOW_STROKE + 2)
            corner.set_points_as_corners([[x + dx * arm, y, 0], [x, y, 0], [x, y + dy * arm, 0]])
            win.add(corner)
        win.set_z_index(3)
        return win

    @staticmethod
    def _outline(mob, color, width: float = 4.5):
        r = Rectangle(width=mob.width, height=mob.height, stroke_color=color, stroke_width=width, fill_opacity=0)
        r.move_to(mob.get_center())
        r.set_z_index(3)
        return r

    def _sum_row(self, st, strings) -> VGroup:
        """``ch0: 1 + ch1: -2 + ch2: 1 + b0: 1 = 1``, each term under the column it comes from; every token sits
        at a fixed place (strut-anchored), so from step to step only the changed digits are redrawn."""
        t = self.theme
        row = VGroup()
        chans = strings["channels"]
        for k, ci in enumerate(chans):
            row.add(self._token(f"{self._channel_name(ci)}: {strings['sums'][ci]}",
                                self.col_cx[ci] - self.col_term_w[ci] / 2, color=t.kernel_stroke))
            if k < len(chans) - 1:
                row.add(self._token("+", self.geo_xs[ci + 1] - GAP_COL / 2, centre=True))
        right = self.geo_xs[chans[-1]] + self.geo["cols"][chans[-1]]
        if self.has_bias:
            bx = self.bias_cx - self.geo["bias_w"] / 2
            row.add(self._token("+", (right + bx) / 2 if chans[-1] == self.cin - 1 else right + GAP_COL / 2,
                                centre=True))
            row.add(self._token(f"b{st.out_channel}: {strings['bias']}", self.bias_cx - self.sum_bias_w / 2,
                                color=t.bias_stroke))
            right = bx + self.geo["bias_w"]
        row.add(self._token("=", (right + self.out_x) / 2, centre=True))
        row.add(self._token(strings["total"], max(self.out_cx - self.sum_total_w / 2, self.out_x), color=t.highlight,
                            bold=True))
        return row

    def _token(self, s: str, x: float, color: str | None = None, bold: bool = False, centre: bool = False):
        """One token of the sum row: its visible text starts at ``x`` (or is centred on it)."""
        m = self.text(s, size=SUM, color=color or self.theme.text, font=FONT_MONO, bold=bold, strut=True)
        cw = char_width(SUM)                           # the strut is one character
        if centre:
            x -= len(s) * cw / 2
        m.place_strut([x - cw, self.sum_top, 0])
        return m
