"""Multi-channel convolution (gif2, the classic course demo): an input volume drawn as one padded slice per input
channel, under each slice the slices of the filters that read it (side by side: W0's, W1's, …), the biases under
the output volume, and the output volume filling in one cell per step. Each step outlines the active window in every
input slice the filter reads and links it by two lines to the filter slice it meets (from the window's lower corners
straight down the grid's lines, between the digits, to the grid's edge, then across the gap to the slice), outlines
that slice and the bias, and adds up the per-channel sums and the bias in a row of terms kept under the columns they
come from (``ch0: 1 + ch1: -1 + ch2: 0 + b0: 1 = 1``); a line in the highlight colour runs from that total around
the right of the output column to the output cell's marker (leaving it down the grid's line at its lower right
corner). In Chinese the terms read ``通道0: 1``: the word in the CJK font, the index and sum in the same monospace
font as the rest of the row.

Layout (columns = input channels, so grouped convolution shows which channels each filter sees; a filter's slices
sit straight under the input slices they read, so no link line crosses another grid of the picture):

    Input Volume (+pad 1) (7x7x3)  [] zero padding
              x[:,:,0]            x[:,:,1]            x[:,:,2]
              [7x7]               [7x7]               [7x7]            Output Volume
                                                                          (3x3x2)
                                                                      o[:,:,0] o[:,:,1]
                  \\   /                                               [3x3]    [3x3]--.
    Filters   w0[:,:,0] w1[:,:,0]  w0[:,:,1] w1[:,:,1]  ...              b0   b1      |
    (3x3x3)   [3x3]     [3x3]      [3x3]     [3x3]                   Bias [1]  [0]     |
              ch0: 1          +    ch1: -1          +    ch2: 0   +   b0: 1  =  1  ----'

Many filters: their slices wrap into rows under each input slice (a link to a farther row passes under the
nearer slices) and the labels shorten to ``w0`` / ``o0`` when the long ones would cost larger cells; the layout
with the largest cells wins, the fuller one unless another is clearly (``COMPACT_GAIN``) larger.

GIF size: a GIF frame costs roughly one LZW run per changed pixel run per pixel row. What moves each step: the
window outlines (two runs in every row of the window, in every channel), two link lines per channel, the slice
outlines, the output marker and its line, and a few digits of the sum row (every token at a fixed place).
Measured on cnn-gif2 at 1140 px (notes, medium): 207 KB (180 KB with corner brackets instead of outlines and no
line to the output cell; the original is 660 KB).

Run it with stock Manim too: ``manim -ql scenes/multichannel.py MultiChannelScene``.
"""

from __future__ import annotations

import math

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Rectangle, VGroup, VMobject

from convviz.trace import fmt

from scenes.kit.base import ConvVizScene
from scenes.kit.layout import extra_lines, usable_height, usable_width
from scenes.kit.theme import FONT_MONO, font_for
from scenes.kit.widgets import (KernelWindow, Legend, NumberGrid, block_bounds, bounds, char_width, longest_number,
                                number_font_size, output_grid, padding_kinds)

MAX_CHANNELS = 6          # input or output channels this layout can draw
MIN_CELL = 0.1            # scene units: below this the grids are only lines
MAX_CELL = 0.6
MIN_NUMBER_FONT = 9.0     # below this the grid numbers are dropped (the sum row keeps them)
NUMBER_HEIGHT = 0.5       # of a cell's height the digits may fill (the other scenes: 0.36)
MARGIN_X, MARGIN_Y = 0.3, 0.25   # the content fits the frame less these each side (13.6 x 7.5 at 16:9)
COMPACT_GAIN = 1.1        # fewer filters per row are chosen only for cells this much larger

TITLE, SUB, SUM = 20, 17, 19    # font sizes: titles, slice labels, the sum row
GAP_COL = 0.45            # between channel columns (holds a "+")
GAP_RIGHT = 0.5           # before the output column (holds a "+")
GAP_PAIR = 0.18           # between the filter slices under one input slice (and between outputs, biases)
GAP_LEFT = 0.22           # after the filter title
GAP_TITLE = 0.12          # under a title line
GAP_LINK = 0.5            # between the input slices and the filter slices: the link lines run here
GAP_ROW = 0.2             # between rows of filter slices (when they wrap) or of outputs
GAP_SUM = 0.22            # above the sum row
LABEL_GAP = 0.07          # between a slice label and its grid
LEGEND_GAP = 0.45         # between the input title and the legend
WINDOW_STROKE = 5.0       # the window's outline
LINK_STROKE = 2.5         # the lines from a window to its filter slice, from the total to the output cell
LINK_Z = 1                # their z-index: over the input cells (0), under digits (2) and other filter slices
OUT_LINK_GAP = 0.3        # right of the output column: the line from the total up to the output cell runs here
OUT_LINK_DROP = 0.1       # under an output grid: that line's run to the right (GAP_ROW / 2)
TOTAL_GAP = 0.1           # between the total and the end of that line
PREFIX_GAP = 0.04         # zh sum row: between the CJK word (通道) and its monospace index and sum


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
        """The top lines that fit the frame's width; then as many filter slices side by side under each input
        slice (and outputs side by side) as keep the cells large. Returns the cell size."""
        best, choice = 0.0, None
        self._sizes = {}
        for labels in self.label_forms:
            for per_row in range(self.og, 0, -1):
                for out_per_row in sorted({self.cout, math.ceil(self.cout / 2), 1}, reverse=True):
                    self.w_labels, self.o_labels = labels
                    self.per_row, self.out_per_row = per_row, out_per_row
                    cell = self._solve_cell()
                    if cell > best * COMPACT_GAIN:
                        best, choice = cell, (labels, per_row, out_per_row)
        (self.w_labels, self.o_labels), self.per_row, self.out_per_row = choice
        self._sizes = {}
        if best < MIN_CELL:
            raise ValueError(
                f"multichannel cannot draw this legibly: {self.cin} input slice(s) of {self.ph}x{self.pw} (padded), "
                f"{self.cout} filter(s) and a {self.oh}x{self.ow} output need cells under the {MIN_CELL}-unit "
                f"minimum (about {int(self.frame_w / MIN_CELL)} cells across and {int(self.frame_h / MIN_CELL)} "
                "down); use a smaller input, fewer channels or a larger stride")
        return best

    def _play_steps(self, steps) -> None:
        """One held state per output cell: the windows, their links and the filter outlines, the sum row, the
        line from its total to the output cell, the cell written. A still's pass writes every cell but draws
        (and records in ``drawn["steps"]``) the last step only."""
        self.drawn["steps"] = []
        cursor = None
        sum_row = None
        self.settle_figure()
        for st, strings in zip(steps, self.step_texts):
            if self.passing(st.index, len(steps)):
                self._write_output(st, strings)
                continue
            new_sum = self._sum_row(st, strings)
            new_cursor, record = self._cursor(st, new_sum.total)
            cursor, sum_row = self.swap((cursor, new_cursor), (sum_row, new_sum))
            self._write_output(st, strings)             # when the window has arrived (smooth mode)
            self.drawn["steps"].append({
                "out": (st.out_channel,) + tuple(st.out_position),
                "channel_sums": dict(strings["sums"]),
                "bias": strings["bias"],
                "total": strings["total"],
                "line": strings["line"],
                "windows": {c: [tp.padded_position for tp in st.taps if tp.channel == c]
                            for c in strings["channels"]},
                **record,
                "sum_tokens": [(m.text, m.font_name, _box(m)) for m in new_sum.family_members_with_points()],
            })
            self.hold(None if st.index < len(steps) - 1 else self.opts.final_hold)
        self.drawn["output"] = [g.drawn_array() for g in self.output_grids]
        self.drawn["digit_boxes"] = self._digit_boxes()

    def _write_output(self, st, strings) -> None:
        orow, ocol = st.out_position
        self.output_grids[st.out_channel].set_text(orow, ocol, strings["total"], color=self.theme.text)
        self.output_grids[st.out_channel].fill_cell(orow, ocol, self.theme.output_fill)

    def _digit_boxes(self) -> list:
        """Boxes of every number drawn in a grid (the outputs as at the end: all of them)."""
        grids = self.input_grids + [g for row in self.filter_grids for g in row] + self.bias_grids \
            + self.output_grids
        return [_box(t) for g in grids for t in g.numbers.values()]

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
        """Every label, the legend, the sum row's widths, the extra lines."""
        self._volume_titles()
        self.legend = Legend.for_conv(self.trace, self.trace.unvisited(), self.theme, self.text, self.T, size=SUB,
                                      buff=0.35)
        self._slice_labels()
        self._sum_widths()
        self.extra = extra_lines(self, self.trace, self.frame_w, padding=self.params.padding)

    def _volume_titles(self) -> None:
        """``Input Volume (+pad 1) (7x7x3)`` (uneven 'same' padding spelled out side by side) and ``Output
        Volume`` over ``(3x3x2)``."""
        (pt, pb), (pl, pr) = self.trace.padding
        pads = {pt, pb, pl, pr}
        if pads == {0}:
            pad_en = pad_zh = ""
        elif len(pads) == 1:
            pad_en, pad_zh = f" (+pad {pt})", f"（+填充 {pt}）"
        else:                                              # 'same' with an even kernel: the extra goes bottom/right
            pad_en = f" (+pad top {pt}, bottom {pb}, left {pl}, right {pr})"
            pad_zh = f"（+填充 上 {pt} 下 {pb} 左 {pl} 右 {pr}）"
        vol_in = f"{self.ph}x{self.pw}x{self.cin}"
        self.input_title = self.text(self.say(f"Input Volume{pad_en} ({vol_in})", f"输入数据体{pad_zh}（{vol_in}）"),
                                     size=TITLE)
        vol_out = f"{self.oh}x{self.ow}x{self.cout}"
        self.output_title = VGroup(self.text(self.say("Output Volume", "输出数据体"), size=TITLE),
                                   self.text(f"({vol_out})", size=SUB, color=self.theme.muted)
                                   ).arrange(DOWN, buff=0.08)
        self.output_text = self.say(f"Output Volume ({vol_out})", f"输出数据体（{vol_out}）")

    def _slice_labels(self) -> None:
        """Labels of the input slices, the filters (a title left of their row), weights, biases, outputs."""
        t, tr = self.theme, self.trace
        self.slice_labels = [self.text(f"x[:,:,{c}]", size=SUB, color=self._group_color(c // self.cg),
                                       font=FONT_MONO) for c in range(self.cin)]
        lines = [self.text(self.say("Filters", "滤波器"), size=TITLE),
                 self.text(f"({self.kh}x{self.kw}x{self.cg})", size=SUB, color=t.muted)]
        if tr.groups > 1:
            lines.append(self.text(self.say(f"{tr.groups} groups", f"{tr.groups} 组"), size=SUB, color=t.muted))
        self.filter_title = VGroup(*lines).arrange(DOWN, buff=0.08, aligned_edge=LEFT)
        self.label_forms = [
            ([[self.text(f"w{co}[:,:,{cl}]", size=SUB, color=self._group_color(co // self.og), font=FONT_MONO)
               for cl in range(self.cg)] for co in range(self.cout)],
             [self.text(f"o[:,:,{co}]", size=SUB, color=t.muted, font=FONT_MONO) for co in range(self.cout)]),
            ([[self.text(f"w{co}", size=SUB, color=self._group_color(co // self.og), font=FONT_MONO)
               for _ in range(self.cg)] for co in range(self.cout)],       # short: the column names the channel
             [self.text(f"o{co}", size=SUB, color=t.muted, font=FONT_MONO) for co in range(self.cout)])]
        for form in self.label_forms:
            for row in form[0]:
                for m in row:
                    m.set_z_index(LINK_Z + 1)
        self.w_labels, self.o_labels = self.label_forms[0]
        self.b_labels = [self.text(f"b{co}", size=SUB, color=t.muted, font=FONT_MONO)
                         for co in range(self.cout)] if self.has_bias else []
        self.bias_title = self.text(self.say("Bias", "偏置"), size=SUB, color=t.muted) if self.has_bias else None

    def _sum_widths(self) -> None:
        """The widest term each column of the sum row will hold over all steps, the bias's, the total's."""
        self.col_term_w = [0.0] * self.cin
        longest: dict = {}
        for s in self.step_texts:
            for c, v in s["sums"].items():
                key = ("c", c)
                longest[key] = max(longest.get(key, ""), f"{self._channel_name(c)}: {v}", key=len)
            if s["bias"] is not None:
                longest["b"] = max(longest.get("b", ""), f"b{self.cout - 1}: {s['bias']}", key=len)
            longest["t"] = max(longest.get("t", ""), s["total"], key=len)
        widths = {key: (self._term_width(s) if key[0] == "c" else self._sum_text(s).width)
                  for key, s in longest.items()}
        for c in range(self.cin):
            self.col_term_w[c] = widths.get(("c", c), 0.0)
        self.sum_bias_w, self.sum_total_w = widths.get("b", 0.0), widths["t"]
        self.plus_w = self._sum_text("+").width
        self.sum_h = max(self._sum_text("0: 0").height, self.text(self._channel_word(), size=SUM).height)
        # the output column's part of the sum row: "b0: 1 = 1" (or "= 1")
        eq = 3 * char_width(SUM)
        self.sum_tail_w = (self.sum_bias_w + eq if self.has_bias else eq) + self.sum_total_w

    def _sum_text(self, s: str, color: str | None = None, bold: bool = False):
        return self.text(s, size=SUM, color=color or self.theme.text, font=FONT_MONO, bold=bold)

    def _group_color(self, g: int) -> str:
        if self.trace.groups == 1:
            return self.theme.muted
        return self.theme.groups[g % len(self.theme.groups)]

    # ------------------------------------------------------------------------------------------ geometry
    def _size(self, m) -> tuple[float, float]:
        """(width, height) of a label, measured once per layout search (the search tries hundreds of sizes)."""
        cache = self.__dict__.setdefault("_sizes", {})
        if id(m) not in cache:
            cache[id(m)] = (m, m.width, m.height)          # m kept: its id stays its own
        return cache[id(m)][1:]

    def _top_width(self) -> float:
        """Width of the top line: the input title and the legend beside it."""
        legend = LEGEND_GAP + self._size(self.legend)[0] if self.legend is not None else 0.0
        return self._size(self.input_title)[0] + legend

    def _top_height(self) -> float:
        return self._size(self.input_title)[1] + GAP_TITLE

    def _slice_pitch(self, c: float) -> float:
        return max(self.kw * c, self._size(self.w_labels[0][0])[0]) + GAP_PAIR

    def _out_pitch(self, c: float) -> float:
        return max(self.ow * c, self._size(self.o_labels[0])[0]) + GAP_PAIR

    def _bias_pitch(self, c: float) -> float:
        return max(c, max(self._size(m)[0] for m in self.b_labels)) + GAP_PAIR if self.has_bias else 0.0

    def _bias_title_w(self) -> float:
        return self._size(self.bias_title)[0] + GAP_PAIR if self.has_bias else 0.0

    def _columns(self, c: float) -> dict:
        """Column widths and left edges for cell size ``c`` (scene units, x from the content's left edge)."""
        n = min(self.per_row, self.og)
        block_w = n * self._slice_pitch(c) - GAP_PAIR
        cols = [max(self.pw * c, block_w, self._size(self.slice_labels[i])[0], self.col_term_w[i])
                for i in range(self.cin)]
        m = min(self.out_per_row, self.cout)
        out_w = m * self._out_pitch(c) - GAP_PAIR
        bias_w = self._bias_pitch(c) * self.cout - GAP_PAIR + self._bias_title_w() if self.has_bias else 0.0
        right_w = max(out_w, bias_w, self._size(self.output_title)[0], self.sum_tail_w)
        xs, x = [], self._size(self.filter_title)[0] + GAP_LEFT
        for i, cw in enumerate(cols):
            xs.append(x)
            x += cw + (GAP_COL if i < self.cin - 1 else 0.0)
        out_x = x + GAP_RIGHT
        width = max(out_x + right_w + OUT_LINK_GAP, self._top_width())
        return {"cols": cols, "xs": xs, "out_x": out_x, "right_w": right_w, "width": width}

    def _filter_rows(self) -> int:
        return math.ceil(self.og / min(self.per_row, self.og))

    def _output_rows(self) -> int:
        return math.ceil(self.cout / min(self.out_per_row, self.cout))

    def _rows(self, c: float) -> dict:
        """The y of each band (content's top y = 0, down is negative) for cell size ``c``."""
        lab_h = self._size(self.slice_labels[0])[1] + LABEL_GAP
        in_top = -self._top_height() - lab_h
        in_bottom = in_top - self.ph * c
        out_block = self._size(self.output_title)[1] + GAP_TITLE \
            + self._output_rows() * (lab_h + self.oh * c + GAP_ROW) \
            - GAP_ROW
        out_top = min(in_bottom + out_block, -self._top_height() if self._top_reaches_right(c) else 0.0)
        band = min(in_bottom, out_top - out_block) - GAP_LINK
        rows_f = self._filter_rows()
        filters_h = rows_f * (lab_h + self.kh * c + GAP_ROW) - GAP_ROW
        bias_h = lab_h + c if self.has_bias else 0.0
        sum_top = band - max(filters_h, bias_h, self._size(self.filter_title)[1]) - GAP_SUM
        bottom = sum_top - self.sum_h - sum(0.2 + self._size(m)[1] for m in self.extra)
        return {"lab_h": lab_h, "in_top": in_top, "out_top": out_top, "band": band, "sum_top": sum_top,
                "bottom": bottom}

    def _top_reaches_right(self, c: float) -> bool:
        """Whether the top lines run over the output column (which then starts under them)."""
        geo = self._columns(c)
        return self._top_width() > geo["out_x"] - GAP_RIGHT / 2

    def _solve_cell(self) -> float:
        """The largest cell (up to MAX_CELL) with which everything fits the frame."""
        def fits(c):
            return self._columns(c)["width"] <= self.frame_w and -self._rows(c)["bottom"] <= self.frame_h

        lo, hi = 0.0, MAX_CELL
        if fits(hi):
            return hi
        for _ in range(40):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if fits(mid) else (lo, mid)
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
        for row in self.filter_grids:     # over the link lines to a farther row of slices (lines: 1, digits: 2)
            for g in row:
                g.cells.set_z_index(LINK_Z + 0.5)
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
        """The top lines, the input slices, the filter slices under them, the output column, room for the sum
        row, the extra lines; then all of it centred in the frame."""
        self.geo, self.rows = self._columns(c), self._rows(c)
        self.group_cols = self._group_columns()   # the input columns each group's filters use
        top = self._place_top()
        self._place_inputs(c)
        self._place_filters(c)
        self._place_outputs(c)
        y = self.rows["sum_top"] - self.sum_h
        for m in self.extra:
            y -= 0.2
            m.move_to([self.geo["width"] / 2, y, 0], aligned_edge=UP)
            y -= m.height
        static = VGroup(top, *self.slice_labels, *self.input_grids, self.filter_title,
                        *[m for row in self.w_labels for m in row], *[g for row in self.filter_grids for g in row],
                        *self.b_labels, *self.bias_grids, *([self.bias_title] if self.has_bias else []),
                        self.output_title, *self.o_labels,
                        *self.output_grids, *self.extra)
        self._centre(static, self.rows["bottom"])
        self.add(static)

    def _place_top(self) -> VGroup:
        """The input title in the top-left corner, the legend beside it."""
        self.input_title.move_to([0.0, 0.0, 0], aligned_edge=UP + LEFT)
        top = VGroup(self.input_title)
        if self.legend is not None:
            self.legend.next_to(self.input_title, RIGHT, buff=LEGEND_GAP)
            top.add(self.legend)
        return top

    def _place_inputs(self, c: float) -> None:
        geo, rows = self.geo, self.rows
        self.col_cx = [geo["xs"][i] + geo["cols"][i] / 2 for i in range(self.cin)]
        for i in range(self.cin):
            self.slice_labels[i].move_to([self.col_cx[i], rows["in_top"] + rows["lab_h"], 0], aligned_edge=UP)
            self.input_grids[i].move_to([self.col_cx[i], rows["in_top"], 0], aligned_edge=UP)

    def _place_filters(self, c: float) -> None:
        """Under each input slice the slices of the filters that read it, ``per_row`` side by side, each with
        its label; the filters' title at the left of the band."""
        rows, lab_h = self.rows, self.rows["lab_h"]
        pitch, n = self._slice_pitch(c), min(self.per_row, self.og)
        self.filter_title.move_to([0.0, rows["band"], 0], aligned_edge=UP + LEFT)
        for g, chans in enumerate(self.group_cols):
            for cl, ci in enumerate(chans):
                left = self.col_cx[ci] - (n * pitch - GAP_PAIR) / 2
                for k in range(self.og):
                    co = g * self.og + k
                    r, q = divmod(k, n)
                    x = left + q * pitch + pitch / 2 - GAP_PAIR / 2
                    y = rows["band"] - r * (lab_h + self.kh * c + GAP_ROW)
                    self.w_labels[co][cl].move_to([x, y, 0], aligned_edge=UP)
                    self.filter_grids[co][cl].move_to([x, y - lab_h, 0], aligned_edge=UP)

    def _place_outputs(self, c: float) -> None:
        """The output column: its title right above its slices (side by side, ``out_per_row`` a row), the
        biases under them at the height of the filter slices."""
        geo, rows, lab_h = self.geo, self.rows, self.rows["lab_h"]
        x0, y = geo["out_x"], rows["out_top"]
        pitch, m = self._out_pitch(c), min(self.out_per_row, self.cout)
        left = x0 + (geo["right_w"] - (m * pitch - GAP_PAIR)) / 2
        self.output_title.move_to([x0 + geo["right_w"] / 2, y, 0], aligned_edge=UP)
        y -= self.output_title.height + GAP_TITLE
        for co in range(self.cout):
            r, q = divmod(co, m)
            x = left + q * pitch + pitch / 2 - GAP_PAIR / 2
            top = y - r * (lab_h + self.oh * c + GAP_ROW)
            self.o_labels[co].move_to([x, top, 0], aligned_edge=UP)
            self.output_grids[co].move_to([x, top - lab_h, 0], aligned_edge=UP)
        if self.has_bias:
            bp = self._bias_pitch(c)
            bl = x0 + (geo["right_w"] - (self.cout * bp - GAP_PAIR) + self._bias_title_w()) / 2
            for co in range(self.cout):
                x = bl + co * bp + bp / 2 - GAP_PAIR / 2
                self.b_labels[co].move_to([x, rows["band"], 0], aligned_edge=UP)
                self.bias_grids[co].move_to([x, rows["band"] - lab_h, 0], aligned_edge=UP)
            self.bias_title.next_to(self.bias_grids[0], LEFT, buff=GAP_PAIR)

    def _centre(self, static: VGroup, bottom: float) -> None:
        """Centre the content (``bottom``: its lowest y) in the frame; the places the sum row uses follow."""
        geo = self.geo
        shift = np.array([-geo["width"] / 2, -bottom / 2, 0.0])
        static.shift(shift)
        self.col_cx = [v + shift[0] for v in self.col_cx]
        self.out_x = geo["out_x"] + shift[0]
        self.sum_top = self.rows["sum_top"] + shift[1]
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
        self.drawn["layout"] = {"filters_per_row": min(self.per_row, self.og),
                                "short_labels": self.w_labels is self.label_forms[1][0],
                                "outputs_per_row": min(self.out_per_row, self.cout)}
        self.drawn["labels"] = {
            "input": self.input_title.text,
            "output": self.output_text,
            "filters": " ".join(m.text for m in self.filter_title),
            "slices": [[m.text for m in row] for row in self.w_labels],
            "bias": [m.text for m in self.b_labels],
        }
        self.drawn["extra_lines"] = [m.drawn for m in self.extra]
        self.drawn["legend"] = [] if self.legend is None else list(self.legend.keys)
        self.drawn["boxes"] = self._boxes()

    def _boxes(self) -> dict:
        """Bounding boxes ((x0, y0), (x1, y1)) of the labelled parts, for the tests' overlap checks."""
        def box(m):
            return ((float(m.get_left()[0]), float(m.get_bottom()[1])),
                    (float(m.get_right()[0]), float(m.get_top()[1])))
        out = {"input title": box(self.input_title), "output title": box(self.output_title),
               "filter title": box(self.filter_title)}
        if self.legend is not None:
            out["legend"] = box(self.legend)
        if self.has_bias:
            out["bias title"] = box(self.bias_title)
        for i, (lab, g) in enumerate(zip(self.slice_labels, self.input_grids)):
            out[f"x{i}"], out[f"x{i} label"] = box(g), box(lab)
        for co in range(self.cout):
            out[f"o{co}"], out[f"o{co} label"] = box(self.output_grids[co]), box(self.o_labels[co])
            for cl in range(self.cg):
                out[f"w{co}.{cl}"] = box(self.filter_grids[co][cl])
                out[f"w{co}.{cl} label"] = box(self.w_labels[co][cl])
            if self.has_bias:
                out[f"b{co}"], out[f"b{co} label"] = box(self.bias_grids[co]), box(self.b_labels[co])
        return out

    # ------------------------------------------------------------------------------------------ per step
    def _cursor(self, st, total) -> tuple[VGroup, dict]:
        """The step's moving parts: a window over each input slice the filter reads, two lines from it to the
        filter slice right under it, that slice and the bias outlined (all in the kernel's colour), the output
        cell's marker and a line from the sum row's ``total`` to it (in the highlight colour, like the total).
        Returns the group and its record: the windows' boxes and outlines, the links ({input channel:
        {"slice": (filter, its slice), "lines": [polyline, polyline]}}), the output cell's box and its line."""
        t = self.theme
        cursor, links, boxes, frames = VGroup(), {}, {}, {}
        co = st.out_channel
        by_channel: dict[int, list] = {}
        for tp in st.taps:
            by_channel.setdefault(tp.channel, []).append(tp)
        first = self.group_cols[co // self.og][0]
        for ci, taps in sorted(by_channel.items()):
            window = self._window(self.input_grids[ci], taps)
            target = self.filter_grids[co][ci - first]
            lines = self._links(self.input_grids[ci], taps, target, self.w_labels[co][ci - first])
            cursor.add(window, lines)
            boxes[ci] = _box(window)
            frames[ci] = _polyline(window) if isinstance(window, Rectangle) else None   # None: dilated taps
            links[ci] = {"slice": (co, ci - first), "lines": [_polyline(ln) for ln in lines]}
        outlines = VGroup(*[self._outline(g, t.kernel_stroke) for g in self.filter_grids[co]])
        if self.has_bias:
            outlines.add(self._outline(self.bias_grids[co], t.bias_stroke))
        orow, ocol = st.out_position
        cell = self.output_grids[co].cell(orow, ocol)
        marker = self._outline(cell, t.highlight, width=5)
        out_link = self._out_link(co, orow, ocol, total)
        cursor.add(outlines, marker, out_link)
        return cursor, {"window_boxes": boxes, "window_outlines": frames, "links": links,
                        "out_cell": _box(cell), "out_link": _polyline(out_link), "total_box": _box(total)}

    def _links(self, grid, taps, target, label) -> VGroup:
        """Two lines from the window's lower corners to the upper corners of the filter slice's label: straight
        down the grid's lines between the cells (never over a digit) to the grid's lower edge, then across the
        gap to the slice (over no other grid or label)."""
        cells = [tp.padded_position for tp in taps]
        r1 = max(r for r, _ in cells)
        c0, c1 = min(q for _, q in cells), max(q for _, q in cells)
        bl, br = grid.cell(r1, c0).get_corner(DOWN + LEFT), grid.cell(r1, c1).get_corner(DOWN + RIGHT)
        bottom = grid.cell(grid.rows - 1, c0).get_bottom()[1]
        top = label.get_top()[1] + 0.04
        lines = VGroup(*[_path([corner, [corner[0], bottom, 0], [end_x, top, 0]])
                         for corner, end_x in ((bl, target.get_left()[0]), (br, target.get_right()[0]))])
        lines.set_stroke(self.theme.kernel_stroke, width=LINK_STROKE)
        lines.set_z_index(LINK_Z)            # above the input cells' fill (0), under digits and filter slices
        return lines

    def _out_link(self, co: int, orow: int, ocol: int, total) -> VMobject:
        """The line from the total to the output cell: from the cell's lower right corner down the grid's line
        (between the digits) to just under the grid, right past the output column, down to the sum row and left
        to the total."""
        g = self.output_grids[co]
        corner = g.cell(orow, ocol).get_corner(DOWN + RIGHT)
        y_run = g.cell(g.rows - 1, ocol).get_bottom()[1] - OUT_LINK_DROP
        x_side = self.out_x + self.geo["right_w"] + OUT_LINK_GAP / 2
        y_total = total.get_center()[1]
        path = _path([corner, [corner[0], y_run, 0], [x_side, y_run, 0], [x_side, y_total, 0],
                      [total.get_right()[0] + TOTAL_GAP, y_total, 0]])
        path.set_stroke(self.theme.highlight, width=LINK_STROKE)
        path.set_z_index(3)
        return path

    def _window(self, grid, taps):
        """The window over one input slice: the outline of a contiguous block, one square per tap when dilation
        spreads the taps."""
        t = self.theme
        cells = [tp.padded_position for tp in taps]
        block = block_bounds(cells)
        if block is None:
            win = KernelWindow(grid, cells, None, t, self.text, pad_cells=[tp.is_padding for tp in taps],
                               show_weights=False)
            win.squares.set_stroke(width=WINDOW_STROKE)
            return win
        rows, cols = block
        tl = grid.cell(rows[0], cols[0]).get_corner(UP + LEFT)
        br = grid.cell(rows[-1], cols[-1]).get_corner(DOWN + RIGHT)
        win = Rectangle(width=br[0] - tl[0], height=tl[1] - br[1], stroke_color=t.kernel_stroke,
                        stroke_width=WINDOW_STROKE, fill_opacity=0)
        win.move_to((tl + br) / 2)
        win.set_z_index(3)
        return win

    @staticmethod
    def _outline(mob, color, width: float = 4.5):
        r = Rectangle(width=mob.width, height=mob.height, stroke_color=color, stroke_width=width, fill_opacity=0)
        r.move_to(mob.get_center())
        r.set_z_index(3)
        return r

    def _sum_row(self, st, strings) -> VGroup:
        """``ch0: 1 + ch1: -2 + ch2: 1 + b0: 1 = 1``, each channel's term under its column, the bias and the
        total under the output column; every token sits at a fixed place (strut-anchored), so from step to
        step only the changed digits are redrawn. ``row.total`` is the total's text."""
        t = self.theme
        row = VGroup()
        chans = strings["channels"]
        for k, ci in enumerate(chans):
            row.add(self._term(ci, strings["sums"][ci], self.col_cx[ci] - self.col_term_w[ci] / 2))
            if k < len(chans) - 1:
                row.add(self._token("+", self.geo_xs[ci + 1] - GAP_COL / 2, centre=True))
        right = self.geo_xs[chans[-1]] + self.geo["cols"][chans[-1]]
        x = self.out_x
        if self.has_bias:
            row.add(self._token("+", (right + x) / 2 if chans[-1] == self.cin - 1 else right + GAP_COL / 2,
                                centre=True))
            row.add(self._token(f"b{st.out_channel}: {strings['bias']}", x, color=t.bias_stroke))
            x += self.sum_bias_w + char_width(SUM)
            row.add(self._token("=", x + char_width(SUM) / 2, centre=True))
            x += 2 * char_width(SUM)
        else:
            row.add(self._token("=", (right + x) / 2, centre=True))
        row.total = self._token(strings["total"], x, color=t.highlight, bold=True)
        row.add(row.total)
        return row

    def _term(self, ci: int, value: str, x: float) -> VGroup:
        """One channel's term starting at ``x``: ``ch0: 1`` in the monospace font; in Chinese the word 通道 in
        the CJK font (which has no monospace digits), then ``0: 1`` in the monospace font, the word's middle on
        the digits' middle."""
        color = self.theme.kernel_stroke
        if self.lang != "zh":
            return VGroup(self._token(f"{self._channel_name(ci)}: {value}", x, color=color))
        word = self.text(self._channel_word(), size=SUM, color=color)
        word.font_name = font_for("zh")
        word.move_to([x, self._digit_mid(), 0], aligned_edge=LEFT)
        return VGroup(word, self._token(f"{ci}: {value}", x + word.width + PREFIX_GAP, color=color))

    def _channel_word(self) -> str:
        return self._channel_name(0)[:-1]          # the name without its index: 通道

    def _digit_mid(self) -> float:
        """The middle height of the sum row's monospace digits."""
        if not hasattr(self, "_mid"):
            self._mid = float(self._token("0", 0.0).get_center()[1])
        return self._mid

    def _term_width(self, s: str) -> float:
        """Width of a channel term as ``_term`` draws it (``s``: the whole term, e.g. ``通道0: -1``)."""
        if self.lang != "zh":
            return self._sum_text(s).width
        word = self._channel_word()
        return self.text(word, size=SUM).width + PREFIX_GAP + self._sum_text(s[len(word):]).width

    def _token(self, s: str, x: float, color: str | None = None, bold: bool = False, centre: bool = False):
        """One token of the sum row: its visible text starts at ``x`` (or is centred on it)."""
        m = self.text(s, size=SUM, color=color or self.theme.text, font=FONT_MONO, bold=bold, strut=True)
        m.font_name = FONT_MONO
        cw = char_width(SUM)                           # the strut is one character
        if centre:
            x -= len(s) * cw / 2
        m.place_strut([x - cw, self.sum_top, 0])
        return m


def _path(points) -> VMobject:
    """A polyline through ``points`` (repeated points dropped)."""
    pts = [np.asarray(points[0], dtype=float)]
    for p in points[1:]:
        if np.linalg.norm(np.asarray(p, dtype=float) - pts[-1]) > 1e-6:
            pts.append(np.asarray(p, dtype=float))
    m = VMobject(fill_opacity=0)
    m.set_points_as_corners(pts)
    return m


def _polyline(m) -> list[tuple[float, float]]:
    """The corners of a polyline made by ``_path``, as (x, y) pairs, for the record.

    >>> from manim import ORIGIN
    >>> _polyline(_path([ORIGIN, ORIGIN, RIGHT, RIGHT + 2 * UP]))
    [(0.0, 0.0), (1.0, 0.0), (1.0, 2.0)]
    """
    anchors = m.get_anchors()
    out = [tuple(float(v) for v in anchors[0][:2])]
    for p in anchors[1:]:
        q = (float(p[0]), float(p[1]))
        if abs(q[0] - out[-1][0]) > 1e-9 or abs(q[1] - out[-1][1]) > 1e-9:
            out.append(q)
    return out


def _box(m) -> tuple[tuple[float, float], tuple[float, float]]:
    """((x0, y0), (x1, y1)): a mobject's bounding box in scene units."""
    lo, hi = bounds(m)
    return ((float(lo[0]), float(lo[1])), (float(hi[0]), float(hi[1])))
