"""The sliding window (gif3, gif1), padding (gif4), stride and dilation (gif5): one 2-D single-channel scene.

Input grid (zero padding dashed and grey, cells the floor leaves out tinted), the window with the kernel weights
as small subscripts (dashed where it lies over padding), the kernel, the output filling in one cell per step, and
under it the step's sum built from the trace's products; over the row, the arguments that differ from a plain
convolution ("stride 2 · dilation 2"). Every size follows the cell (``kit.layout``), so the figure reads the same
at any width. Run it with stock Manim too: ``manim -ql scenes/conv2d.py ConvScene``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, SurroundingRectangle, VGroup, config

from convviz.trace import fmt

from scenes.kit.base import ConvVizScene
from scenes.kit.layout import (DIGITS, GAP_CELLS, MIN_GAP, POINTS_PER_UNIT, ROW_WIDTH, extra_lines, grid_gap,
                               line_height,
                               text_sizes, usable_width)
from scenes.kit.widgets import (SUB_CLEAR, WINDOW_STROKE, KernelWindow, Legend, NumberGrid, SumLayout, overlap,
                                longest_number, number_font_size, output_grid, padding_kinds)

# Every size follows the cell (``kit.layout``: digits, labels and the sum as large as the digits, rows at most
# ROW_WIDTH wide, the sum wrapped to the row), so a figure reads the same at any width.
MAX_CELL, MIN_CELL = 0.8, 0.12
SUBSCRIPT_NUDGE = (-0.13, 0.145)  # of a cell: the input's numbers move up-left when the window shows weights
SUB_GAP = 0.1             # of a cell: a ×w subscript to its cell's inner edge (the window's frame), beyond the
                          # half stroke: 4 px at the notes' 52 px a unit (0.8-unit cells), 3 at low quality
SIDE_MARGIN = 0.4         # the figure fits the frame less this each side (13.4 at 16:9)
TOP_BUFF = 0.4            # the figure to the frame's top edge
LABEL_BUFF = 0.2          # labels to their grids
HEADING_BUFF = 0.25
SUM_BUFF, LINES_BUFF = 0.3, 0.2   # the figure to its sum line, the sum lines to the extra lines
LINE_GAP = 0.12           # between the sum's lines (EquationLines' default)
OUTPUT_FONT_SCALE = 1.15  # output numbers at most this much larger than the input's
MAX_NUMBERED = 16         # padded inputs larger than this on a side: no numbers, no weight subscripts
MAX_SUM_TERMS = 26        # beyond a 5x5 kernel (and bias) the sum line would be unreadable


class ConvScene(ConvVizScene):
    default_entry = "cnn-gif3"

    def construct(self):
        self.trace = self.single_channel_trace()
        self.big = max(self.trace.padded_size) > MAX_NUMBERED
        self.show_weights = not self.big and self.params.weights_in_window
        self.heading_text = self.describe_arguments()
        self.make_grids(self.choose_cell())
        body = self.lay_out()
        self.add(body)
        self.place_sum_and_lines(body)
        self.slide_window()

    # ------------------------------------------------------------------------------------------ storyboard
    def single_channel_trace(self):
        x, w = np.asarray(self.params.x), np.asarray(self.params.weight)
        if x.shape[0] != 1 or w.shape[0] != 1:
            raise ValueError("this scene draws one input and one output channel; use `multichannel` for "
                             f"more (got {x.shape[0]} input and {w.shape[0]} output channels)")
        return self.params.trace()

    def describe_arguments(self) -> str:
        """The arguments that differ from plain convolution, e.g. "dilation 2" ("" when none does)."""
        tr = self.trace
        parts = []
        if any(s != 1 for s in tr.stride):
            parts.append(self.say("stride ", "步长 ") + _one(tr.stride))
        pad = tr.padding_arg
        if pad == "same" or self.params.padding == "same":
            parts.append(self.say("padding 'same'", "填充 'same'"))
        elif any(p != 0 for p in pad):
            parts.append(self.say("padding ", "填充 ") + _one(pad))
        if any(d != 1 for d in tr.dilation):
            parts.append(self.say("dilation ", "膨胀率 ") + _one(tr.dilation))
        return " · ".join(parts)

    def choose_cell(self) -> float:
        """The largest cell (at most ``MAX_CELL``) with which the row fits ``ROW_WIDTH`` and the whole figure,
        its text sized to the cell and the sum wrapped to the row, fits the frame's height."""
        ph, pw = self.trace.padded_size
        cols = pw + self.trace.kernel_size[1] + self.trace.out_size[1]
        cell = min(MAX_CELL, (min(ROW_WIDTH, usable_width(SIDE_MARGIN)) - 2 * MIN_GAP) / cols,
                   ROW_WIDTH / (cols + 2 * GAP_CELLS))
        while cell > MIN_CELL and self.figure_height(cell) > config.frame_height - TOP_BUFF:
            cell *= 0.97
        return cell

    def figure_height(self, cell: float) -> float:
        """Height of the whole figure at ``cell``: heading, labels, grids, legend, sum lines and extra lines."""
        tr = self.trace
        sizes = text_sizes(cell)
        line = {k: line_height(v) for k, v in sizes.items()}
        h = line["label"] + LABEL_BUFF + max(tr.padded_size[0], tr.kernel_size[0], tr.out_size[0]) * cell
        if self.heading_text:
            h += line["small"] + HEADING_BUFF
        if any(a or b for a, b in tr.padding) or tr.unvisited() or tr.bias is not None:
            h += line["small"] + LABEL_BUFF
        if self.sum_terms() <= MAX_SUM_TERMS:
            sums = SumLayout.for_trace(tr, 0.0, max_width=self.row_width(cell), size=sizes["sum"])
            h += SUM_BUFF + sums.lines * (sizes["sum"] / POINTS_PER_UNIT * 1.25 + LINE_GAP)
        n_extra = int(bool(self.opts.show_formula)) + int(bool(self.opts.show_pytorch))
        return h + n_extra * (line["small"] + LINES_BUFF)

    def sum_terms(self) -> int:
        kh, kw = self.trace.kernel_size
        return kh * kw + (self.trace.bias is not None)

    def row_width(self, cell: float) -> float:
        tr = self.trace
        return (tr.padded_size[1] + tr.kernel_size[1] + tr.out_size[1]) * cell + 2 * grid_gap(cell)

    def make_grids(self, cell: float) -> None:
        """The padded input (unvisited cells tinted), the kernel and the empty output."""
        t, trace = self.theme, self.trace
        (pt, _), (pl, _) = trace.padding
        self.cell, self.sizes = cell, text_sizes(cell)
        font = min(number_font_size(cell, longest_number(trace.padded), DIGITS),
                   number_font_size(cell, longest_number(trace.weight), DIGITS))
        self.input_grid = NumberGrid(trace.padded[0, 0], t, self.text, cell=cell, fill=t.input_fill,
                                     kinds=padding_kinds(trace.padded_size, trace.padding),
                                     show_numbers=not self.big, font_size=font,
                                     number_offset=SUBSCRIPT_NUDGE if self.show_weights else (0.0, 0.0))
        self.unvisited = trace.unvisited()
        for (r, c) in self.unvisited:
            self.input_grid.fill_cell(r + pt, c + pl, t.unvisited)
        self.kernel_grid = NumberGrid(trace.weight[0, 0], t, self.text, cell=cell, fill=t.kernel_fill,
                                      stroke=t.kernel_stroke, show_numbers=True, font_size=font)
        out_font = number_font_size(cell, longest_number(trace.output), DIGITS)
        self.output_grid = output_grid(trace.out_size, t, self.text, cell,
                                       font_size=min(out_font, font * OUTPUT_FONT_SCALE))
        self.drawn["input"] = self.input_grid.drawn_array()
        self.drawn["kernel"] = self.kernel_grid.drawn_array()
        self.drawn["cell"] = cell

    def lay_out(self) -> VGroup:
        """Input, kernel and output in a row with their labels, the bias under the kernel, the legend under the
        input, the heading (arguments) over the row; at the top of the frame."""
        t, trace, sizes = self.theme, self.trace, self.sizes
        grids = (self.input_grid, self.kernel_grid, self.output_grid)
        labels = [self.text(self.T(key), size=sizes["label"], color=t.text, strut=True)
                  for key in ("input", "kernel", "output")]
        row = VGroup(*grids)
        for left, right, la, lb in zip(grids, grids[1:], labels, labels[1:]):   # labels never touch
            gap = max(grid_gap(self.cell), (la.width - left.width + lb.width - right.width) / 2 + MIN_GAP)
            right.next_to(left, RIGHT, buff=gap, aligned_edge=UP)
        for label, grid in zip(labels, grids):
            label.next_to(grid, UP, buff=LABEL_BUFF)
        top = max(lb.get_center()[1] + lb.strut_offset[1] for lb in labels)    # one baseline, descenders or not
        for lb in labels:
            lb.shift(UP * (top - lb.get_center()[1] - lb.strut_offset[1]))
        body = VGroup(row, *labels)
        if trace.bias is not None:
            bias = self.text(f"{self.T('bias')} = {fmt(trace.bias[0])}", size=sizes["small"], color=t.bias_stroke)
            bias.next_to(self.kernel_grid, DOWN, buff=LABEL_BUFF)
            body.add(bias)
            self.drawn["bias"] = bias.text
        legend = Legend.for_conv(trace, self.unvisited, t, self.text, self.T, size=sizes["small"],
                                 side=sizes["small"] / POINTS_PER_UNIT)
        self.drawn["legend"] = [] if legend is None else list(legend.keys)
        if legend is not None:
            legend.next_to(self.input_grid, DOWN, buff=LABEL_BUFF).align_to(self.input_grid, LEFT)
            body.add(legend)
        self.drawn["heading"] = self.heading_text
        if self.heading_text:
            heading = self.text(self.heading_text, size=sizes["small"], color=t.muted)
            body.add(heading.next_to(VGroup(*labels), UP, buff=HEADING_BUFF).match_x(row))
        return body.to_edge(UP, buff=TOP_BUFF)

    def place_sum_and_lines(self, body) -> None:
        """Room for the step's sum under the figure (wrapped to the row's width), then the optional formula and
        PyTorch lines."""
        trace, sizes = self.trace, self.sizes
        row_w = self.output_grid.get_right()[0] - self.input_grid.get_left()[0]
        self.eq_y = body.get_bottom()[1] - SUM_BUFF
        self.show_sum = self.sum_terms() <= MAX_SUM_TERMS
        self.sums = SumLayout.for_trace(trace, self.input_grid.get_left()[0] + row_w / 2, max_width=row_w,
                                        size=sizes["sum"])
        lh = sizes["sum"] / POINTS_PER_UNIT * 1.25 + LINE_GAP
        y = self.eq_y - (lh * self.sums.lines if self.show_sum else 0) - LINES_BUFF
        extra = extra_lines(self, trace, max(row_w, usable_width(SIDE_MARGIN) * 0.6), padding=self.params.padding,
                            size=sizes["small"])
        for m in extra:
            m.move_to([body.get_center()[0], y - m.height / 2, 0])
            y -= m.height + LINES_BUFF
            self.add(m)
        self.drawn["extra_lines"] = [m.drawn for m in extra]

    def slide_window(self) -> None:
        """One held state per output cell: the window over its taps, the cell marked and written, its sum. A
        still's pass writes every cell but builds the window, the marker and the sum of the last step only."""
        self.drawn["equations"] = []
        self.drawn["windows"] = []
        self.drawn["subscripts"] = []         # per step drawn (a still: the last only)
        self.drawn["subscript_gaps"] = []     # per step: (right, bottom) scene units from a ×w to its cell's inner edge

        def passed(step):                     # what stays after the step: its cell written; the trace's record
            self.write_output(step)
            self.drawn["equations"].append(step.expression())
            self.drawn["windows"].append([(tp.position, tp.is_padding) for tp in step.taps])

        def show(step, state):
            passed(step)
            window, marker, equation = state or (None, None, None)
            new_window = self.window(step)
            new_eq = self.sums.build(step, self.eq_y, self.text, self.theme.text) if self.show_sum else VGroup()
            state = self.swap((window, new_window), (marker, self.marker(step)), (equation, new_eq))
            self.drawn["subscripts"].append(list(new_window.drawn))
            self.drawn["subscript_gaps"].append(self.subscript_gaps(new_window, step))
            return state

        self.settle_figure()
        self.play_steps(self.trace, show, passed)
        self.drawn["output"] = self.output_grid.drawn_array()

    # ------------------------------------------------------------------------------------------ one step
    def window(self, step) -> KernelWindow:
        win = KernelWindow(self.input_grid, [tp.padded_position for tp in step.taps], [tp.weight for tp in step.taps],
                           self.theme, self.text, pad_cells=[tp.is_padding for tp in step.taps],
                           show_weights=self.show_weights, split_padding=True)
        return _clear_subscripts(win, self.input_grid, [tp.padded_position for tp in step.taps])

    def subscript_gaps(self, window: KernelWindow, step) -> list[tuple[float, float]]:
        """Each drawn ×w's distance (right, bottom) to its cell's inner edge: where the window's frame is, the
        inside of the frame's stroke."""
        half = WINDOW_STROKE * 0.01 / 2
        gaps = []
        for sub, tp in zip(window.subscripts, step.taps):
            cell = self.input_grid.cell(*tp.padded_position)
            gaps.append((float(cell.get_right()[0] - half - sub.get_right()[0]),
                         float(sub.get_bottom()[1] - cell.get_bottom()[1] - half)))
        return gaps

    def write_output(self, step) -> None:
        """Write the step's total into its output cell."""
        orow, ocol = step.out_position
        self.output_grid.set_text(orow, ocol, step.total)
        self.output_grid.fill_cell(orow, ocol, self.theme.output_fill)

    def marker(self, step) -> SurroundingRectangle:
        """The frame marking the step's output cell."""
        return SurroundingRectangle(self.output_grid.cell(*step.out_position), color=self.theme.highlight, buff=0,
                                    stroke_width=5)


def _clear_subscripts(window: KernelWindow, grid: NumberGrid, cells) -> KernelWindow:
    """Move ``window``'s ×w subscripts up-left from the widget's place (``SUB_CLEAR`` of a cell from the frame)
    to ``SUB_GAP`` of a cell, so that they stand clear of the frame; all left out (as the widget does) if one
    would then leave its cell or touch its cell's number."""
    if not window.drawn:
        return window
    d = (SUB_GAP - SUB_CLEAR) * grid.cell_size
    window.subscripts.shift(np.array([-d, d, 0.0]))
    half = WINDOW_STROKE * 0.01 / 2
    for sub, (r, c) in zip(window.subscripts, cells):
        cell, number = grid.cell(r, c), grid.numbers.get((r, c))
        inside = sub.get_left()[0] >= cell.get_left()[0] + half and sub.get_top()[1] <= cell.get_top()[1] - half
        if not inside or (number is not None and overlap(sub, number)):
            window.remove(window.subscripts)
            window.subscripts, window.drawn, window.subscripts_fit = VGroup(), [], False
            window.add(window.subscripts)
            break
    return window


def _one(values) -> str:
    """``2`` for (2, 2), ``(1, 2)`` otherwise.

    >>> _one((2, 2)), _one((1, 2))
    ('2', '(1, 2)')
    """
    values = tuple(values)
    return str(values[0]) if len(set(values)) == 1 else str(values)
