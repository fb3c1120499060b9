"""Transposed convolution (gif6, figure14, conv_transpose2d and the conv-arithmetic ``*_transposed`` set).

Two views of the same operation, both drawn from ``convviz.trace.trace_conv_transpose``:

* **gather** — the equivalent direct convolution: the input with ``s−1`` zeros inserted between its cells
  (white, grey 0), a border of ``d(k−1)−p`` zero padding (grey, dashed) and, for ``output_padding``, extra
  hatched cells at the bottom/right; the kernel flipped (shown beside the original); a stride-1 window stepping
  over it, the output filling in one cell per step with the step's sum under it.
* **scatter** — the definition: each input value stamps ``value × kernel`` into the output; the stamped block
  is outlined on the output (taps cropped by the padding drawn faded and dashed outside it), the output shows
  the running sums, so overlaps are visibly added up; the bias, if any, is added in one last state.

Run it with stock Manim too: ``manim -ql scenes/transposed.py TransposedScene``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, DashedVMobject, Line, Rectangle, Square, SurroundingRectangle, VGroup

from convviz.trace import fmt

from scenes.kit.base import ConvVizScene
from scenes.kit.layout import DIGITS as GRID_DIGITS
from scenes.kit.layout import (EXTRA_LINE_SIZE, GAP_CELLS, MIN_GAP, POINTS_PER_UNIT, ROW_WIDTH, extra_lines, grid_gap,
                               line_height, text_sizes, usable_height, usable_width)
from scenes.kit.widgets import (DATA, EMPTY, INSERTED, OUTPUT_PADDING, PADDING, FitText, KernelWindow, Legend,
                                NumberGrid, SumLayout, WrappedText, hatch, longest_number, number_font_size,
                                output_grid)

# GatherTrace.kinds codes → NumberGrid cell kinds
KIND_OF_CODE = {0: DATA, 1: INSERTED, 2: PADDING, 3: OUTPUT_PADDING}
PADDING_CODES = (2, 3)    # kinds a window tap over which is drawn dashed

MARGIN_X, MARGIN_Y = 0.4, 0.2   # the figure fits the frame less these each side (13.4 x 7.6 at 16:9)
CELL_MAX = 0.5          # largest cell of the scatter view (scene units)
# the gather view sizes everything from its cell (kit.layout): largest and smallest cell, the kernel labels'
# least wrapping width, between the kernel and its flip, the row to its legend, between the sum's lines
GATHER_CELL_MAX, CELL_MIN, KERNEL_LABEL_MIN_W, KERNEL_GAP, LEGEND_BUFF, SUM_LINE_GAP = 0.8, 0.12, 1.6, 0.3, 0.3, 0.12
LEGEND_LINE_BUFF = 0.12     # between the legend's entries in a column
MAX_NUMBERED = 20       # grids with more cells than this on a side are drawn without numbers
GAP, NARROW_GAP = 0.9, 0.5      # between input, kernels and output; narrow when the row is crowded
CROWDED = 22            # cells across the row beyond which the gaps narrow
TOP_BUFF = 0.2          # the figure to the frame's top edge
LABEL_SIZE = 22         # kernel labels
KERNEL_BUFF = 0.15      # a kernel label to its grid
LABEL_BUFF = 0.2        # Input / Output labels to their grids
HEADING_BUFF = 0.3
SUM_BUFF, LINES_BUFF = 0.3, 0.2   # the figure to its sum line, the sum lines to the extra lines
OUTPUT_FONT_SCALE = 1.15  # output numbers at most this much larger than the expanded input's
# heights kept when choosing the cell size: heading, labels, legend, each sum line, the scatter's step line and
# each extra line; the kernel column is two kernels and their labels (2·k cells + 1.6)
HEADING_H, LABELS_H, LEGEND_H, SUM_LINE_H, STEP_LINE_H, EXTRA_LINE_H = 0.45, 0.5, 0.45, 0.5, 0.5, 0.45
KERNEL_COLUMN_EXTRA = 1.6
SUM_TERMS_PER_LINE = 9  # the estimate of the sum line's terms per line when choosing the cell size
WEIGHTS_MIN_CELL = 0.4  # smaller cells: no weight subscripts in the window
SWATCH = 0.28           # legend swatch side
# figure14: largest cell, gap between panels, height kept for the key and labels, cells kept between and around
# a panel's two grids
STRIP_CELL_MAX, STRIP_GAP, STRIP_RESERVE_H, STRIP_ROWS_EXTRA = 0.42, 0.55, 2.9, 1.2
STRIP_TINT = 0.35       # figure14: the window's tint over its data taps (opacity)
# digits fill 40 % of a cell's height, up to 50 % in small cells (from 0.45 units down over 0.15)
DIGITS, DIGITS_BONUS, DIGITS_RAMP_FROM, DIGITS_RAMP = 0.40, 0.10, 0.45, 0.15


def number_font(cell: float, longest: int) -> float:
    """Numbers a little larger than NumberGrid's default, so small cells stay readable at 854x480: ``longest``
    characters fit the width; digits fill 40 % of a cell's height, up to 50 % in small cells."""
    height = DIGITS + DIGITS_BONUS * min(max((DIGITS_RAMP_FROM - cell) / DIGITS_RAMP, 0.0), 1.0)
    return number_font_size(cell, longest, height=height)


class _TransposedBase(ConvVizScene):
    """Shared pieces: the trace, the expanded grid, legend, kernels, the row layout, optional lines."""

    @property
    def frame_w(self) -> float:
        return usable_width(MARGIN_X)

    @property
    def frame_h(self) -> float:
        return usable_height(MARGIN_Y)

    def _trace(self, view: str):
        p = self.params
        x, w = np.asarray(p.x), np.asarray(p.weight)
        if x.shape[0] != 1 or w.shape[0] != 1 or w.shape[1] * int(p.groups) != 1:
            raise ValueError("the transposed-convolution scene draws one input and one output channel (got "
                             f"{x.shape[0]} input and {w.shape[1] * int(p.groups)} output channels)")
        return p.trace(view)

    # -- pieces ---------------------------------------------------------------------------------------------
    def _expanded_grid(self, trace, cell: float, show_numbers: bool, font=None) -> NumberGrid:
        """The zero-inserted, padded input with each cell drawn as its kind (data, inserted, padding, output
        padding: hatched)."""
        t = self.theme
        kinds = np.vectorize(KIND_OF_CODE.get, otypes=[object])(trace.kinds)
        values = trace.padded[0, 0]
        grid = NumberGrid(values, t, self.text, cell=cell, fill=t.input_fill, kinds=kinds,
                          show_numbers=show_numbers, font_size=font or number_font(cell, longest_number(values)))
        marks = VGroup()
        for r, c in zip(*np.nonzero(trace.kinds == 3)):
            marks.add(hatch(grid.cell_center(int(r), int(c)), cell, t.padding_text))
        grid.add(marks)
        grid.hatch = marks
        return grid

    def _kernel_grid(self, values, cell, font=None) -> NumberGrid:
        t = self.theme
        return NumberGrid(values, t, self.text, cell=cell, fill=t.kernel_fill, stroke=t.kernel_stroke,
                          font_size=font or number_font(cell, longest_number(values)))

    def _legend(self, trace, size: float = 18, side: float = SWATCH) -> Legend:
        """Swatches for the kinds of cell present in the expanded grid; ``.keys`` lists them."""
        present = set(int(v) for v in np.unique(trace.kinds))
        entries = [(kind, text) for code, kind, text in (
            (0, DATA, self.say("input values", "输入值")),
            (1, INSERTED, self.T("inserted")),
            (2, PADDING, self.T("padding")),
            (3, OUTPUT_PADDING, self.T("output_padding") + self.say(" (bottom/right)", "（下/右）")))
            if code in present]
        return Legend(entries, self.theme, self.text, size=size, side=side)

    def _marker(self, mob, width: float = 5) -> SurroundingRectangle:
        """The current cell's outline."""
        marker = SurroundingRectangle(mob, color=self.theme.highlight, buff=0, stroke_width=width)
        marker.set_z_index(4)
        return marker

    def _window(self, trace, grid, step, show_weights: bool, fill_opacity: float = 0.0,
                split_padding: bool = False, data_tint: float = 0.0) -> KernelWindow:
        """The gather window over the expanded grid, dashed over padding (``split_padding``: a contiguous window
        too, its data part tinted with ``data_tint``); its weights are the flipped kernel."""
        cells = [tp.padded_position for tp in step.taps]
        pad = [int(trace.kinds[pp]) in PADDING_CODES for pp in cells]
        return KernelWindow(grid, cells, [tp.weight for tp in step.taps], self.theme, self.text, pad_cells=pad,
                            show_weights=show_weights, fill_opacity=fill_opacity, split_padding=split_padding,
                            data_tint=data_tint)

    @staticmethod
    def outline_runs(window, grid) -> list[tuple[bool, tuple[float, float, float, float]]]:
        """The window's stroked parts as (dashed, box): the box (left, top, right, bottom) in cells from the
        grid's top-left corner (x right, y down), for tests."""
        origin, size = grid.cell(0, 0).get_corner(UP + LEFT), grid.cell_size
        runs = []
        for part in window.squares:
            if part.get_stroke_width() <= 0 and not isinstance(part, DashedVMobject):
                continue                                   # the tint under the data taps
            (x0, y0), (x1, y1) = part.get_corner(UP + LEFT)[:2], part.get_corner(DOWN + RIGHT)[:2]
            box = ((x0 - origin[0]) / size, (origin[1] - y0) / size, (x1 - origin[0]) / size, (origin[1] - y1) / size)
            runs.append((isinstance(part, DashedVMobject), tuple(round(float(v), 3) + 0.0 for v in box)))
        return runs

    def _n_extra(self) -> int:
        return int(bool(self.opts.show_formula)) + int(bool(self.opts.show_pytorch))

    def _gap(self, left: int, kw: int, right: int) -> float:
        return GAP if left + kw + right <= CROWDED else NARROW_GAP

    def _fit_cell(self, left: tuple[int, int], right: tuple[int, int], kernel: tuple[int, int], gap: float,
                  reserve_h: float, label_w: float) -> float:
        """The cell size with which a row of ``left`` (h, w) cells, the kernel column and ``right`` fits the
        frame under ``reserve_h`` of other content; the kernel column at least ``label_w`` wide."""
        (lh, lw), (rh, rw), (kh, kw) = left, right, kernel
        cell = min(CELL_MAX, (self.frame_w - 2 * gap) / (lw + kw + rw),
                   (self.frame_h - reserve_h) / max(lh, rh, 2 * kh + KERNEL_COLUMN_EXTRA))
        if kw * cell < label_w:                        # the kernel column is as wide as its label
            cell = min(cell, (self.frame_w - 2 * gap - label_w) / (lw + rw))
        return cell

    @staticmethod
    def _kernel_column(top_label, top, bottom_label, bottom) -> VGroup:
        return VGroup(VGroup(top_label, top).arrange(DOWN, buff=KERNEL_BUFF),
                      VGroup(bottom_label, bottom).arrange(DOWN, buff=KERNEL_BUFF)).arrange(DOWN, buff=KERNEL_GAP)

    @staticmethod
    def _row(left, kcol, right, gap: float, kernel_label) -> VGroup:
        """``left``, the kernel column and ``right`` side by side, tops aligned (the kernel column's first grid
        level with the others)."""
        row = VGroup(left, kcol, right).arrange(RIGHT, buff=gap, aligned_edge=UP)
        kcol.align_to(left, UP).shift(UP * (kernel_label.height + KERNEL_BUFF))
        return row

    def _io_labels(self, left, right, output_of=None, size: float = 26) -> VGroup:
        """Input over ``left``, Output over ``right`` (centred on ``output_of`` if given) at the same height."""
        labels = VGroup(self.label("input", size=size).next_to(left, UP, buff=LABEL_BUFF),
                        self.label("output", size=size).next_to(right, UP, buff=LABEL_BUFF))
        if output_of is not None:
            labels[1].match_x(output_of)
        labels[1].align_to(labels[0], UP)
        return labels

    def _heading(self, key: str, body: VGroup, size: float = 20, width: float | None = None,
                 of=None) -> FitText | WrappedText:
        """The view's one-line description over ``body`` (centred on ``of``); given ``width``, wrapped to it."""
        if width is None:
            heading = FitText(self.T(key), self.text, max_width=self.frame_w, size=size, color=self.theme.muted)
        else:
            heading = WrappedText(self.T(key), self.text, width, size=size, color=self.theme.muted)
        heading.next_to(body, UP, buff=HEADING_BUFF)
        if of is not None:
            heading.match_x(of)
        body.add(heading)
        return heading

    def _place_extra_lines(self, trace, x: float, y: float, size: float = EXTRA_LINE_SIZE,
                           width: float | None = None) -> list[FitText]:
        """The optional formula / PyTorch lines, centred on ``x`` from ``y`` down."""
        extra = extra_lines(self, trace, width or self.frame_w, size=size)
        for m in extra:
            m.move_to([x, y - m.height / 2, 0])
            y -= max(EXTRA_LINE_H, m.height + LINES_BUFF)
            self.add(m)
        return extra

    @staticmethod
    def _shrink(body, factor: float, *grids) -> float:
        """Scale ``body`` by ``factor`` and tell its grids, so that numbers written later match."""
        body.scale(factor)
        for g in grids:
            g.cell_size *= factor
            g.font_size *= factor
        return factor


class TransposedScene(_TransposedBase):
    """Transposed convolution, animated.

    ``view='gather'``: one state per output cell (``o_h·o_w`` frames). ``view='scatter'``: one state per input
    cell (``i_h·i_w`` frames), plus one state adding the bias when there is one. ``view='both'``: the scatter
    view first, then the gather view, in the same frame one after the other (side by side would not fit at
    854x480 with numbers), so the frames are the two counts added.
    """

    default_entry = "cnn-gif6"

    def construct(self):
        view = self.params.view
        if view not in ("gather", "scatter", "both"):
            raise ValueError(f"view must be 'gather', 'scatter' or 'both', got {view!r}")
        self.drawn["views"] = []
        if view in ("scatter", "both"):
            self.drawn["scatter"] = self.scatter_view(final=view == "scatter")
            self.drawn["views"].append("scatter")
        if view == "both":
            self.clear()
        if view in ("gather", "both"):
            self.drawn["gather"] = self.gather_view(final=True)
            self.drawn["views"].append("gather")
        last = self.drawn[self.drawn["views"][-1]]
        self.drawn["output"] = last["output"]

    # ------------------------------------------------------------------------------------------ gather view
    def gather_view(self, final: bool = True) -> dict:
        """The equivalent direct conv: the expanded input, the kernel and its flip, the output filling in; every
        size from the cell (``kit.layout``), the heading and the sum wrapped to the row's width."""
        trace = self._trace("gather")
        eh, ew = trace.padded_size
        oh, ow = trace.out_size
        show_in, show_out = max(eh, ew) <= MAX_NUMBERED, max(oh, ow) <= MAX_NUMBERED
        cell = self._gather_cell(trace)
        sizes = text_sizes(cell)
        body, (grid, kern, flip, out), legend, heading = self._gather_body(trace, cell, sizes, show_in)
        if body.width > self.frame_w:                 # safety net (the cell size is chosen so that it fits)
            f = self._shrink(body, self.frame_w / body.width, grid, kern, flip, out)
            cell, sizes = cell * f, {k: v * f for k, v in sizes.items()}
        body.to_edge(UP, buff=TOP_BUFF)
        self.add(body)
        row_w = out.get_right()[0] - grid.get_left()[0]
        centre = grid.get_left()[0] + row_w / 2
        self.sums = SumLayout.for_trace(trace, centre, max_width=row_w, size=sizes["sum"])
        eq_top = body.get_bottom()[1] - SUM_BUFF
        lines_h = self.sums.lines * (sizes["sum"] / POINTS_PER_UNIT * 1.25 + SUM_LINE_GAP)
        extra = self._place_extra_lines(trace, centre, eq_top - lines_h - LINES_BUFF, size=sizes["small"],
                                        width=max(row_w, self.frame_w * 0.6))
        rec = dict(kinds=grid.kinds.copy(), expanded=grid.drawn_array(), kernel=kern.drawn_array(),
                   flipped=flip.drawn_array(), legend=list(legend.keys), heading=heading.drawn,
                   extra_lines=[m.drawn for m in extra], cell=cell, font=grid.font_size,
                   numbers_shown=(show_in, show_out), windows=[], equations=[], marked=[], subscripts=[])
        self.gather_grid, self.gather_output = grid, out
        show_weights = show_in and cell >= WEIGHTS_MIN_CELL and self.params.weights_in_window
        self._gather_steps(trace, eq_top, show_weights, show_out, final, rec)
        rec["output"] = out.drawn_array()
        return rec

    def _gather_body(self, trace, cell: float, sizes: dict, show_in: bool):
        """The row (expanded input, the kernel over its flip, the output) with its labels, the legend under it
        and the heading over it: (body, (grid, kernel, flipped, output), legend, heading)."""
        kw = trace.kernel_size[1]
        font = min(number_font_size(cell, longest_number(trace.padded), GRID_DIGITS),
                   number_font_size(cell, longest_number(trace.weight), GRID_DIGITS))
        grid = self._expanded_grid(trace, cell, show_in, font=font)
        kern = self._kernel_grid(np.asarray(trace.transposed_weight)[0, 0], cell, font=font)
        flip = self._kernel_grid(trace.weight[0, 0], cell, font=font)
        out_font = min(number_font_size(cell, longest_number(trace.output), GRID_DIGITS),
                       font * OUTPUT_FONT_SCALE)
        out = output_grid(trace.out_size, self.theme, self.text, cell, font_size=out_font)
        kernel_label, flipped_label = [WrappedText(self.T(key), self.text, self._label_width(key, kw, cell),
                                                   size=sizes["small"], color=self.theme.text)
                                       for key in ("kernel", "flipped")]
        kcol = self._kernel_column(kernel_label, kern, flipped_label, flip)
        row = self._row(grid, kcol, out, grid_gap(cell), kernel_label)
        body = VGroup(row, self._io_labels(grid, out, size=sizes["label"]))
        row_w = out.get_right()[0] - grid.get_left()[0]
        legend = self._gather_legend(trace, VGroup(grid, kcol, out), out, size=sizes["small"], width=row_w)
        body.add(legend)
        heading = self._heading("gather", body, size=sizes["small"], width=row_w, of=row)
        return body, (grid, kern, flip, out), legend, heading

    def _label_width(self, key: str, cols: int, cell: float) -> float:
        """How wide a kernel label may be over a kernel ``cols`` cells wide: as wide (English wraps at its
        spaces); a Chinese label, which would break inside a word, halfway into the gaps beside."""
        width = cols * cell
        if any(ord(ch) > 0x2E80 for ch in self.T(key)):
            width += grid_gap(cell)
        return max(width, KERNEL_LABEL_MIN_W)

    def _gather_cell(self, trace) -> float:
        """The largest cell (at most ``CELL_MAX``) with which the row fits ``ROW_WIDTH`` and the whole figure,
        its text sized to the cell, fits the frame's height."""
        cols = trace.padded_size[1] + trace.kernel_size[1] + trace.out_size[1]
        cell = min(GATHER_CELL_MAX, (min(ROW_WIDTH, self.frame_w) - 2 * MIN_GAP) / cols,
                   ROW_WIDTH / (cols + 2 * GAP_CELLS))
        while cell > CELL_MIN and self._gather_height(trace, cell) > self.frame_h:
            cell *= 0.97
        return cell

    def _gather_height(self, trace, cell: float) -> float:
        """Height of the gather view at ``cell``: heading (two lines), labels, the row, legend, sums, extra."""
        (eh, _), (oh, _), (kh, _) = trace.padded_size, trace.out_size, trace.kernel_size
        sizes = text_sizes(cell)
        small, label = line_height(sizes["small"]), line_height(sizes["label"])
        column = 2 * kh * cell + 3 * small + 2 * KERNEL_BUFF + KERNEL_GAP - small - KERNEL_BUFF
        row = max(eh * cell, oh * cell, column)
        kinds = len(np.unique(trace.kinds))
        beside = row - oh * cell >= LEGEND_BUFF + kinds * small + (kinds - 1) * LEGEND_LINE_BUFF
        sums = SumLayout.for_trace(trace, 0.0, max_width=self.row_estimate(trace, cell), size=sizes["sum"])
        h = 2 * small + HEADING_BUFF + label + LABEL_BUFF + row + (0 if beside else LEGEND_BUFF + small) + SUM_BUFF
        h += sums.lines * (sizes["sum"] / POINTS_PER_UNIT * 1.25 + SUM_LINE_GAP)
        return h + self._n_extra() * (small + LINES_BUFF)

    @staticmethod
    def row_estimate(trace, cell: float) -> float:
        cols = trace.padded_size[1] + trace.kernel_size[1] + trace.out_size[1]
        return cols * cell + 2 * grid_gap(cell)

    def _gather_legend(self, trace, above, out, size: float, width: float) -> Legend:
        """The legend in a column under the output when the row leaves room there, else under the row (in one
        column when one line would be wider than ``width``)."""
        legend = self._legend(trace, size=size, side=size / POINTS_PER_UNIT)
        legend.arrange(DOWN, buff=LEGEND_LINE_BUFF, aligned_edge=LEFT)
        room = out.get_bottom()[1] - above.get_bottom()[1] - LEGEND_BUFF
        if legend.height <= room and legend.width <= above.get_right()[0] - out.get_left()[0]:
            return legend.next_to(out, DOWN, buff=LEGEND_BUFF).align_to(out, LEFT)
        if legend.arrange(RIGHT, buff=0.4).width > width:
            legend.arrange(DOWN, buff=LEGEND_LINE_BUFF, aligned_edge=LEFT)
        return legend.next_to(above, DOWN, buff=LEGEND_BUFF)

    def _gather_steps(self, trace, eq_top: float, show_weights: bool, show_out: bool, final: bool,
                      rec: dict) -> None:
        """One held state per output cell: the window, the cell marked and written, its sum (a still's pass
        writes every cell and draws the last step only)."""
        grid, out = self.gather_grid, self.gather_output
        window = marker = equation = None
        n = len(trace)
        self.settle_figure()
        for step in trace:
            r, c = step.out_position
            if show_out:
                out.set_text(r, c, step.total)
            out.fill_cell(r, c, self.theme.output_fill)
            rec["windows"].append([tp.padded_position for tp in step.taps])
            rec["equations"].append(step.expression())
            rec["marked"].append((r, c))
            if self.passing(step.index, n, final):
                continue
            new_window = self._window(trace, grid, step, show_weights, split_padding=True)
            new_marker = self._marker(out.cell(r, c))
            new_eq = self.sums.build(step, eq_top, self.text, self.theme.text)
            window, marker, equation = self.swap((window, new_window), (marker, new_marker),
                                                  (equation, new_eq, False))
            rec["subscripts"].append(list(new_window.drawn))
            last = step.index == n - 1
            self.hold(self.opts.final_hold if (last and final) else None)

    # ----------------------------------------------------------------------------------------- scatter view
    def scatter_view(self, final: bool = True) -> dict:
        """The definition: each input value stamps value × kernel into the output, which shows running sums."""
        trace = self._trace("scatter")
        steps = list(trace)
        x = np.asarray(trace.x)[0, 0]
        (ih, iw), (oh, ow) = trace.in_size, trace.out_size
        kh, kw = trace.geometry.kernel_size
        margins = self._stamp_reach(steps, oh, ow)          # (top, bottom, left, right) beyond the output
        canvas_h, canvas_w = oh + margins[0] + margins[1], ow + margins[2] + margins[3]
        show_in, show_out = max(ih, iw) <= MAX_NUMBERED, max(oh, ow) <= MAX_NUMBERED
        gap = self._gap(iw, kw, canvas_w)
        prod_label_w = self.text(self.say("0 × Kernel", "0 × 卷积核"), size=LABEL_SIZE).width + 0.3
        label_w = max(self.label("kernel", size=LABEL_SIZE).width, prod_label_w)
        reserve_h = HEADING_H + LABELS_H + STEP_LINE_H + EXTRA_LINE_H * self._n_extra()
        cell = self._fit_cell((ih, iw), (canvas_h, canvas_w), (kh, kw), gap, reserve_h, label_w)
        inp = NumberGrid(x, self.theme, self.text, cell=cell, fill=self.theme.input_fill, show_numbers=show_in,
                         font_size=number_font(cell, longest_number(x)))
        kern = self._kernel_grid(np.asarray(trace.weight)[0, 0], cell)
        prod_font = number_font(cell, longest_number([s.product for st in steps for s in st.stamps]))
        out_font = number_font(cell, max(longest_number([st.partial for st in steps]), longest_number(trace.output)))
        out = output_grid(trace.out_size, self.theme, self.text, cell, font_size=out_font)
        canvas = self._slot(canvas_w * cell, canvas_h * cell)
        body, heading = self._scatter_body(inp, kern, out, canvas, margins, cell, gap, prod_label_w)
        if body.width > self.frame_w:                 # safety net (the cell size is chosen so that it fits)
            sf = self._shrink(body, self.frame_w / body.width, inp, kern, out)
            cell, prod_font = cell * sf, prod_font * sf
        body.to_edge(UP, buff=TOP_BUFF)
        self.add(body)
        self.line_at = (body.get_left()[0], body.get_bottom()[1] - 0.45)
        extra = self._place_extra_lines(trace, body.get_center()[0], self.line_at[1] - 0.6)
        rec = dict(input=inp.drawn_array(), kernel=kern.drawn_array(), heading=heading.drawn,
                   extra_lines=[m.drawn for m in extra], partials=[], stamps=[], products=[], lines=[],
                   marked=[], numbers_shown=(show_in, show_out))
        self.scatter_input, self.scatter_output = inp, out
        stamp, line = self._scatter_steps(trace, steps, cell, prod_font, show_out, final, rec)
        if trace.bias is not None:
            self._add_bias(trace, stamp, line, show_out, final, rec)
        rec["output"] = out.drawn_array()
        return rec

    @staticmethod
    def _stamp_reach(steps, oh: int, ow: int) -> tuple[int, int, int, int]:
        """How far the stamps reach beyond the output, cropped parts included (the drawing reserves room):
        cells above, below, left, right."""
        rows = [s.out_position[0] for st in steps for s in st.stamps]
        cols = [s.out_position[1] for st in steps for s in st.stamps]
        return (max(0, -min(rows)), max(0, max(rows) - (oh - 1)), max(0, -min(cols)),
                max(0, max(cols) - (ow - 1)))

    @staticmethod
    def _slot(width: float, height: float) -> Rectangle:
        """An invisible rectangle that holds a place."""
        return Rectangle(width=width, height=height, stroke_opacity=0, fill_opacity=0, stroke_width=0)

    def _scatter_body(self, inp, kern, out, canvas, margins, cell, gap, prod_label_w) -> tuple[VGroup, FitText]:
        """Input, the kernel over the slot of the step's products, and the output on a canvas that leaves room
        for the cropped stamps; labels and heading."""
        (oh, ow), (kh, kw) = (out.rows, out.cols), (kern.rows, kern.cols)
        self.kernel_shape = (kh, kw)
        kernel_label = self.label("kernel", size=LABEL_SIZE)
        self.products_slot = self._slot(kw * cell, kh * cell)
        self.plabel_slot = self._slot(prod_label_w, kernel_label.height)
        kcol = self._kernel_column(kernel_label, kern, self.plabel_slot, self.products_slot)
        row = self._row(inp, kcol, canvas, gap, kernel_label)
        mt, _, ml, _ = margins
        out.move_to(canvas.get_corner(UP + LEFT) + np.array([(ml + ow / 2) * cell, -(mt + oh / 2) * cell, 0]))
        body = VGroup(row, out, self._io_labels(inp, canvas, output_of=out))
        return body, self._heading("scatter", body)

    def _scatter_steps(self, trace, steps, cell: float, prod_font: float, show_out: bool, final: bool,
                       rec: dict):
        """One held state per input cell: the cell marked, value × kernel, its stamp on the output, the running
        sums, a line saying what happens (a still's pass draws the last step only: it writes every cell).
        Returns the last stamp and line."""
        inp, out = self.scatter_input, self.scatter_output
        origin = out.cell_center(0, 0)
        marker = stamp = products = plabel = line = None
        touched = np.zeros((out.rows, out.cols), dtype=bool)
        self.settle_figure()
        for st in steps:
            r0, c0 = st.in_position
            last = st.index == len(steps) - 1
            text = self.say(f"Input({r0}, {c0}) = {fmt(st.value)}:  Output += {fmt(st.value)} × Kernel",
                            f"输入({r0}, {c0}) = {fmt(st.value)}：输出 += {fmt(st.value)} × 卷积核")
            if any(not s.inside for s in st.stamps):
                text += self.say("  (cropped taps dashed)", "（裁掉的部分为虚线）")
            rec["stamps"].append([(s.out_position, s.inside, fmt(s.product)) for s in st.stamps])
            rec["lines"].append(text)
            rec["marked"].append((r0, c0))
            if self.passing(st.index, len(steps), final):
                continue
            new_marker = self._marker(inp.cell(r0, c0))
            new_products = self._products(st, cell, prod_font)
            new_plabel = self.text(self.say(f"{fmt(st.value)} × Kernel", f"{fmt(st.value)} × 卷积核"),
                                   size=LABEL_SIZE)
            new_plabel.move_to(self.plabel_slot)
            new_stamp = self._stamp(st, origin, cell, touched)
            self._running_sums(st, touched, show_out, last)
            marker, stamp, products, plabel, line = self.swap(
                (marker, new_marker), (stamp, new_stamp), (products, new_products, False), (plabel, new_plabel, False),
                (line, self._step_line(text), False))
            rec["partials"].append(out.drawn_array())
            rec["products"].append(new_products.drawn_array())
            self.hold(self.opts.final_hold if (last and final and trace.bias is None) else None)
        return stamp, line

    def _products(self, st, cell: float, font: float) -> NumberGrid:
        """value × kernel in the products slot, the taps the padding crops faded."""
        t = self.theme
        kh, kw = self.kernel_shape
        pvals = np.empty((kh, kw), dtype=object)
        kinds = np.full((kh, kw), DATA, dtype=object)
        for s in st.stamps:
            _, a, b = s.kernel_index
            pvals[a, b] = s.product
            if not s.inside:
                kinds[a, b] = EMPTY
        grid = NumberGrid(pvals, t, self.text, cell=cell, fill=t.kernel_fill, stroke=t.kernel_stroke, kinds=kinds,
                          font_size=font)
        for (a, b), k in np.ndenumerate(kinds):
            if k == EMPTY:
                grid.set_text(a, b, fmt(pvals[a, b]), color=t.padding_text)
        grid.move_to(self.products_slot)
        return grid

    def _stamp(self, st, origin, cell: float, touched) -> VGroup:
        """The stamped block on the output: solid where the output keeps it, faded and dashed where cropped;
        marks the kept cells in ``touched``."""
        t = self.theme
        stamp = VGroup()
        for s in st.stamps:
            r, c = s.out_position
            centre = origin + np.array([c * cell, -r * cell, 0])
            if s.inside:
                stamp.add(Square(cell, stroke_color=t.kernel_stroke, stroke_width=4, fill_opacity=0).move_to(centre))
                touched[r, c] = True
            else:
                stamp.add(DashedVMobject(Square(cell, stroke_color=t.kernel_stroke, stroke_width=2.5,
                                                stroke_opacity=0.45), num_dashes=10).move_to(centre))
        stamp.set_z_index(1)
        return stamp

    def _running_sums(self, st, touched, show_out: bool, last: bool) -> None:
        """Write the running sums into the touched output cells; in the last state into every cell (0 too)."""
        out = self.scatter_output
        for (r, c), v in np.ndenumerate(st.partial[0]):
            if touched[r, c]:
                if show_out:
                    out.set_text(r, c, v)
                out.fill_cell(r, c, self.theme.output_fill)
        if last:
            for (r, c), v in np.ndenumerate(st.partial[0]):
                if show_out:
                    out.set_text(r, c, v)
                out.fill_cell(r, c, self.theme.output_fill)

    def _step_line(self, text: str):
        line = self.text(text, size=20, color=self.theme.text)
        return line.move_to([self.line_at[0], self.line_at[1], 0], aligned_edge=LEFT)

    def _add_bias(self, trace, stamp, line, show_out: bool, final: bool, rec: dict) -> None:
        """One more state: the bias added to every output cell."""
        b = fmt(np.asarray(trace.bias)[0])
        text = self.say(f"Output = sum of the stamps + bias {b}", f"输出 = 各次叠加之和 + 偏置 {b}")
        rec["lines"].append(text)
        if self.passing(0, 1, final):
            return
        self.remove(stamp)
        out = self.scatter_output
        for (r, c), v in np.ndenumerate(np.asarray(trace.output)[0]):
            if show_out:
                out.set_text(r, c, v)
        self.swap((line, self._step_line(text), False))
        self.hold(self.opts.final_hold if final else None)


class TransposedStrip(_TransposedBase):
    """figure14: four frames of the gather view side by side (the window stepping along the first output row).

    Each panel: the output above (cells done so far, the current one outlined) and the zero-inserted, padded
    input below with the window (its weights: the flipped kernel), joined by two lines like the original.
    Under the strip: the kernel and the flipped kernel, and the legend. A still; always the gather view.
    """

    default_entry = "cnn-figure14"
    panels = 4

    def construct(self):
        trace = self._trace("gather")
        steps = [trace[i] for i in range(min(self.panels, len(trace)))]
        cell = self._strip_cell(trace, len(steps))
        panels, rec_panels = VGroup(), []
        for i, step in enumerate(steps):
            panel, rec = self._panel(trace, steps[:i + 1], cell)
            panels.add(panel)
            rec_panels.append(rec)
        panels.arrange(RIGHT, buff=STRIP_GAP, aligned_edge=UP)
        key, kern, flip, legend = self._key(trace, cell)
        key.next_to(panels, DOWN, buff=0.35)
        figure = VGroup(panels, key)
        if self.opts.show_formula or self.opts.show_pytorch:
            extra = VGroup(*extra_lines(self, trace, self.frame_w)).arrange(DOWN, buff=0.15)
            extra.next_to(figure, DOWN, buff=0.3)
            figure.add(extra)
            self.drawn["extra_lines"] = [m.drawn for m in extra]
        self.fit_to_frame(figure, margin=0.3)
        self.drawn.update(panels=rec_panels, kernel=kern.drawn_array(), flipped=flip.drawn_array(),
                          legend=list(legend.keys), cell=cell)
        self.show_still(figure)

    def _strip_cell(self, trace, n: int) -> float:
        eh, ew = trace.padded_size
        oh, ow = trace.out_size
        kh, _ = trace.kernel_size
        return min(STRIP_CELL_MAX, (self.frame_w - (n - 1) * STRIP_GAP) / (n * max(ew, ow)),
                   (self.frame_h - STRIP_RESERVE_H) / (eh + oh + STRIP_ROWS_EXTRA + kh))

    def _panel(self, trace, done, cell: float) -> tuple[VGroup, dict]:
        """The output (the ``done`` steps written, the last one outlined) over the expanded input with that
        step's window, joined by two lines; the labels and the step number."""
        t = self.theme
        step = done[-1]
        eh, ew = trace.padded_size
        oh, ow = trace.out_size
        show_in, show_out = max(eh, ew) <= MAX_NUMBERED, max(oh, ow) <= MAX_NUMBERED
        grid = self._expanded_grid(trace, cell, show_in)
        out = output_grid(trace.out_size, t, self.text, cell, font_size=grid.font_size)
        VGroup(out, grid).arrange(DOWN, buff=1.0 * cell + 0.25)
        for d in done:
            r, c = d.out_position
            if show_out:
                out.set_text(r, c, d.total)
            out.fill_cell(r, c, t.output_fill)
        window = self._window(trace, grid, step, show_weights=False, fill_opacity=STRIP_TINT, split_padding=True,
                              data_tint=STRIP_TINT)          # dashed over the padding, as in gif4 and gif6
        r, c = step.out_position
        marker = self._marker(out.cell(r, c), width=4)
        # the window's top corners to the output cell's bottom corners
        wbox = window.squares
        links = VGroup(Line(wbox.get_corner(UP + LEFT), marker.get_corner(DOWN + LEFT)),
                       Line(wbox.get_corner(UP + RIGHT), marker.get_corner(DOWN + RIGHT)))
        links.set_stroke(t.kernel_stroke, width=1.5, opacity=0.8)
        lab_out = self.label("output", size=18).next_to(out, UP, buff=0.12)
        lab_in = self.label("input", size=18).next_to(grid, DOWN, buff=0.12)
        caption = self.text(f"{self.T('step')} {step.index + 1}", size=16, color=t.muted)
        caption.next_to(lab_in, DOWN, buff=0.12)
        panel = VGroup(out, grid, window, marker, links, lab_out, lab_in, caption)
        rec = {"window": [tp.padded_position for tp in step.taps], "marked": (r, c), "output": out.drawn_array(),
               "expanded": grid.drawn_array(), "kinds": grid.kinds.copy(), "weights": list(window.drawn),
               "outline": self.outline_runs(window, grid)}
        return panel, rec

    def _key(self, trace, cell: float) -> tuple[VGroup, NumberGrid, NumberGrid, Legend]:
        """The kernel, an arrow to its 180° turn, and the legend in a column: (the group, kernel, flip, legend)."""
        t = self.theme
        kern = self._kernel_grid(np.asarray(trace.transposed_weight)[0, 0], cell)
        flip = self._kernel_grid(trace.weight[0, 0], cell)
        turn = VGroup(self.text(self.say("rotate 180°", "旋转 180°"), size=14, color=t.muted),
                      self.text("→", size=24, color=t.muted)).arrange(DOWN, buff=0.05)
        kgroup = VGroup(VGroup(self.label("kernel", size=18), kern).arrange(DOWN, buff=0.12),
                        turn,
                        VGroup(self.label("flipped", size=18), flip).arrange(DOWN, buff=0.12)
                        ).arrange(RIGHT, buff=0.25)
        legend = self._legend(trace, size=16).arrange(DOWN, buff=0.12, aligned_edge=LEFT)
        return VGroup(kgroup, legend).arrange(RIGHT, buff=0.8), kern, flip, legend
