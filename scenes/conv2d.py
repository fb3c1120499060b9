"""The sliding window (gif3, gif1), padding (gif4), stride and dilation (gif5): one 2-D single-channel scene.

Input grid (zero padding dashed and grey, cells the floor leaves out tinted), the window with the kernel weights
as small subscripts, the kernel, the output filling in one cell per step, and under it the step's sum built from
the trace's products. Run it with stock Manim too: ``manim -ql scenes/conv2d.py ConvScene``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UP, SurroundingRectangle, VGroup, config

from convviz.trace import fmt

from scenes.kit.base import ConvVizScene
from scenes.kit.layout import extra_lines, usable_width
from scenes.kit.widgets import (KernelWindow, Legend, NumberGrid, SumLayout, longest_number, number_font_size,
                                output_grid, padding_kinds)

SIDE_MARGIN = 0.4         # the grids' row spans the frame less this each side (13.4 at 16:9)
LINE_MARGIN = 0.6         # the sum and formula lines: the frame less this each side (13.0)
TOP_BUFF = 0.4            # the figure to the frame's top edge
HEAD_ROOM = 1.3           # height kept for the labels above the grids and the legend under them
LINE_HEIGHT = 0.55        # height kept per line under the figure when choosing the cell size
LINE_STEP = 0.45          # between the formula / PyTorch lines
GRID_GAP = 1.1            # between input, kernel and output
MAX_CELL = 0.62
LABEL_BUFF = 0.2
SUM_BUFF, LINES_BUFF = 0.3, 0.2   # the figure to its sum line, the sum lines to the extra lines
SUM_LINE_H = 0.5          # per sum line
OUTPUT_FONT_SCALE = 1.15  # output numbers at most this much larger than the input's
MAX_NUMBERED = 16         # padded inputs larger than this on a side: no numbers, no weight subscripts
MAX_SUM_TERMS = 26        # beyond a 5x5 kernel (and bias) the sum line would be unreadable


class ConvScene(ConvVizScene):
    default_entry = "cnn-gif3"

    def construct(self):
        self.trace = self.single_channel_trace()
        self.big = max(self.trace.padded_size) > MAX_NUMBERED
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

    def choose_cell(self) -> float:
        """The cell size with which input, kernel, output and the lines under them fit the frame."""
        trace = self.trace
        ph, pw = trace.padded_size
        oh, ow = trace.out_size
        kh, kw = trace.kernel_size
        lines_below = 1 + (1 if self.opts.show_formula else 0) + (1 if self.opts.show_pytorch else 0)
        avail_w = usable_width(SIDE_MARGIN) - 2 * GRID_GAP
        avail_h = config.frame_height - HEAD_ROOM - LINE_HEIGHT * lines_below - TOP_BUFF
        return min(MAX_CELL, avail_w / (pw + kw + ow), avail_h / max(ph, kh, oh))

    def make_grids(self, cell: float) -> None:
        """The padded input (unvisited cells tinted), the kernel and the empty output."""
        t, trace = self.theme, self.trace
        (pt, _), (pl, _) = trace.padding
        self.input_grid = NumberGrid(trace.padded[0, 0], t, self.text, cell=cell, fill=t.input_fill,
                                     kinds=padding_kinds(trace.padded_size, trace.padding),
                                     show_numbers=not self.big)
        self.unvisited = trace.unvisited()
        for (r, c) in self.unvisited:
            self.input_grid.fill_cell(r + pt, c + pl, t.unvisited)
        self.kernel_grid = NumberGrid(trace.weight[0, 0], t, self.text, cell=cell, fill=t.kernel_fill,
                                      stroke=t.kernel_stroke, show_numbers=True)
        out_font = number_font_size(cell, longest_number(trace.output))
        self.output_grid = output_grid(trace.out_size, t, self.text, cell,
                                       font_size=min(out_font, self.input_grid.font_size * OUTPUT_FONT_SCALE))
        self.drawn["input"] = self.input_grid.drawn_array()
        self.drawn["kernel"] = self.kernel_grid.drawn_array()

    def lay_out(self) -> VGroup:
        """Input, kernel and output in a row with their labels, the bias under the kernel, the legend under the
        input; at the top of the frame."""
        t, trace = self.theme, self.trace
        row = VGroup(self.input_grid, self.kernel_grid, self.output_grid).arrange(RIGHT, buff=GRID_GAP,
                                                                                   aligned_edge=UP)
        labels = VGroup(*[self.label(key).next_to(grid, UP, buff=LABEL_BUFF) for key, grid in
                          (("input", self.input_grid), ("kernel", self.kernel_grid), ("output", self.output_grid))])
        body = VGroup(row, labels)
        if trace.bias is not None:
            bias = self.text(f"{self.T('bias')} = {fmt(trace.bias[0])}", size=22, color=t.bias_stroke)
            bias.next_to(self.kernel_grid, DOWN, buff=0.25)
            body.add(bias)
            self.drawn["bias"] = bias.text
        legend = Legend.for_conv(trace, self.unvisited, t, self.text, self.T)
        self.drawn["legend"] = [] if legend is None else list(legend.keys)
        if legend is not None:
            legend.next_to(self.input_grid, DOWN, buff=LABEL_BUFF)
            body.add(legend)
        return body.to_edge(UP, buff=TOP_BUFF)

    def place_sum_and_lines(self, body) -> None:
        """Room for the step's sum under the figure, then the optional formula and PyTorch lines."""
        trace = self.trace
        self.eq_y = body.get_bottom()[1] - SUM_BUFF
        kh, kw = trace.kernel_size
        self.show_sum = kh * kw + (trace.bias is not None) <= MAX_SUM_TERMS
        self.sums = SumLayout.for_trace(trace, body.get_center()[0], max_width=usable_width(LINE_MARGIN))
        y = self.eq_y - (SUM_LINE_H * self.sums.lines if self.show_sum else 0) - LINES_BUFF
        extra = extra_lines(self, trace, usable_width(LINE_MARGIN), padding=self.params.padding)
        for m in extra:
            m.move_to([0, y, 0])
            y -= LINE_STEP
            self.add(m)
        self.drawn["extra_lines"] = [m.drawn for m in extra]

    def slide_window(self) -> None:
        """One held state per output cell: the window over its taps, the cell marked and written, its sum."""
        self.drawn["equations"] = []
        self.drawn["windows"] = []
        window = equation = marker = None
        for step in self.trace:
            new_window = self.window(step)
            new_marker = self.write_output(step)
            new_eq = self.sums.build(step, self.eq_y, self.text, self.theme.text) if self.show_sum else VGroup()
            window, marker, equation = self.swap((window, new_window), (marker, new_marker), (equation, new_eq))
            self.drawn["equations"].append(step.expression())
            self.drawn["windows"].append([(tp.position, tp.is_padding) for tp in step.taps])
            self.hold(None if step.index < len(self.trace) - 1 else self.opts.final_hold)
        self.drawn["output"] = self.output_grid.drawn_array()

    # ------------------------------------------------------------------------------------------ one step
    def window(self, step) -> KernelWindow:
        return KernelWindow(self.input_grid, [tp.padded_position for tp in step.taps], [tp.weight for tp in step.taps],
                            self.theme, self.text, pad_cells=[tp.is_padding for tp in step.taps],
                            show_weights=not self.big and self.params.weights_in_window)

    def write_output(self, step) -> SurroundingRectangle:
        """Write the step's total into its output cell; returns the cell's marker."""
        orow, ocol = step.out_position
        marker = SurroundingRectangle(self.output_grid.cell(orow, ocol), color=self.theme.highlight, buff=0,
                                      stroke_width=5)
        self.output_grid.set_text(orow, ocol, step.total)
        self.output_grid.fill_cell(orow, ocol, self.theme.output_fill)
        return marker
