"""The sliding window (gif3, gif1), padding (gif4), stride and dilation (gif5): one 2-D single-channel scene.

Input grid (zero padding dashed and grey, cells the floor leaves out tinted), the window with the kernel weights
as small subscripts, the kernel, the output filling in one cell per step, and under it the step's sum built from
the trace's products. Run it with stock Manim too: ``manim -ql scenes/conv2d.py ConvScene``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UP, SurroundingRectangle, VGroup

from convviz.describe import pytorch_conv, size_formula
from convviz.trace import fmt, trace_conv

from scenes.kit.base import ConvVizScene
from scenes.kit.widgets import DATA, EMPTY, PADDING, FitText, KernelWindow, NumberGrid, SumLayout, number_font_size


class ConvScene(ConvVizScene):
    default_entry = "cnn-gif3"

    def construct(self):
        p = self.params
        x, w = np.asarray(p.x), np.asarray(p.weight)
        if x.shape[0] != 1 or w.shape[0] != 1:
            raise ValueError("this scene draws one input and one output channel; use `multichannel` for "
                             f"more (got {x.shape[0]} input and {w.shape[0]} output channels)")
        trace = trace_conv(x, w, p.bias, p.stride, p.padding, p.dilation, p.groups)
        self.trace = trace
        t = self.theme
        (pt, pb), (pl, pr) = trace.padding
        ph, pw = trace.padded_size
        oh, ow = trace.out_size
        kh, kw = trace.kernel_size
        big = max(ph, pw) > 16
        # -- geometry: cell size so that everything fits the frame at 854x480 ---------------------------
        gap = 1.1
        lines_below = 1 + (1 if self.opts.show_formula else 0) + (1 if self.opts.show_pytorch else 0)
        avail_w = 13.4 - 2 * gap
        avail_h = 8.0 - 1.3 - 0.55 * lines_below - 0.4
        cell = min(0.62, avail_w / (pw + kw + ow), avail_h / max(ph, kh, oh))
        # -- input grid (padded) ------------------------------------------------------------------------
        kinds = np.full((ph, pw), DATA, dtype=object)
        kinds[:pt, :] = PADDING
        kinds[ph - pb:, :] = PADDING
        kinds[:, :pl] = PADDING
        kinds[:, pw - pr:] = PADDING
        padded = trace.padded[0, 0]
        self.input_grid = NumberGrid(padded, t, self.text, cell=cell, fill=t.input_fill, kinds=kinds,
                                     show_numbers=not big)
        unvisited = trace.unvisited()
        for (r, c) in unvisited:
            self.input_grid.fill_cell(r + pt, c + pl, t.unvisited)
        self.kernel_grid = NumberGrid(trace.weight[0, 0], t, self.text, cell=cell, fill=t.kernel_fill,
                                      stroke=t.kernel_stroke, show_numbers=True)
        out_strings = [fmt(v) for v in np.asarray(trace.output).reshape(-1)]
        out_font = number_font_size(cell, max(len(s) for s in out_strings))
        self.output_grid = NumberGrid(np.full((oh, ow), None), t, self.text, cell=cell, fill=t.output_fill,
                                      stroke=t.output_stroke, kinds=np.full((oh, ow), EMPTY, dtype=object),
                                      font_size=min(out_font, self.input_grid.font_size * 1.15))
        row = VGroup(self.input_grid, self.kernel_grid, self.output_grid).arrange(RIGHT, buff=gap, aligned_edge=UP)
        labels = VGroup(
            self.label("input").next_to(self.input_grid, UP, buff=0.2),
            self.label("kernel").next_to(self.kernel_grid, UP, buff=0.2),
            self.label("output").next_to(self.output_grid, UP, buff=0.2),
        )
        body = VGroup(row, labels)
        if trace.bias is not None:
            bias = self.text(f"{self.T('bias')} = {fmt(trace.bias[0])}", size=22, color=t.bias_stroke)
            bias.next_to(self.kernel_grid, DOWN, buff=0.25)
            body.add(bias)
            self.drawn["bias"] = bias.text
        legend = self._legend(trace, unvisited)
        if legend is not None:
            legend.next_to(self.input_grid, DOWN, buff=0.2)
            body.add(legend)
        body.to_edge(UP, buff=0.4)
        self.add(body)
        self.eq_y = body.get_bottom()[1] - 0.3
        n_terms = kh * kw + (trace.bias is not None)
        self.show_sum = n_terms <= 26            # beyond a 5x5 kernel the line would be unreadable
        self.sums = SumLayout.for_trace(trace, body.get_center()[0])
        eq_reserve = 0.5 * self.sums.lines if self.show_sum else 0
        y = self.eq_y - eq_reserve - 0.2
        extra = self._extra_lines(trace)
        for m in extra:
            m.move_to([0, y, 0])
            y -= 0.45
            self.add(m)
        self.drawn["input"] = self.input_grid.drawn_array()
        self.drawn["kernel"] = self.kernel_grid.drawn_array()
        self.drawn["extra_lines"] = [m.drawn for m in extra]
        self.drawn["equations"] = []
        self.drawn["windows"] = []
        window = None
        equation = None
        marker = None
        for step in trace:
            cells = [tp.padded_position for tp in step.taps]
            new_window = KernelWindow(self.input_grid, cells, [tp.weight for tp in step.taps], t, self.text,
                                      pad_cells=[tp.is_padding for tp in step.taps],
                                      show_weights=not big and p.weights_in_window)
            orow, ocol = step.out_position
            new_marker = SurroundingRectangle(self.output_grid.cell(orow, ocol), color=t.highlight, buff=0,
                                              stroke_width=5)
            self.output_grid.set_text(orow, ocol, step.total)
            self.output_grid.fill_cell(orow, ocol, t.output_fill)
            expr = step.expression()
            new_eq = self.sums.build(step, self.eq_y, self.text, t.text) if self.show_sum else VGroup()
            window, marker, equation = self.swap((window, new_window), (marker, new_marker), (equation, new_eq))
            self.drawn["equations"].append(expr)
            self.drawn["windows"].append([(tp.position, tp.is_padding) for tp in step.taps])
            self.hold(None if step.index < len(trace) - 1 else self.opts.final_hold)
        self.drawn["output"] = self.output_grid.drawn_array()

    # ------------------------------------------------------------------------------------------------------
    def _extra_lines(self, trace):
        lines = []
        if self.opts.show_formula:
            for s in size_formula(trace.in_size, trace.kernel_size, trace.stride, self.params.padding,
                                  trace.dilation):
                lines.append(FitText(s, self.text, max_width=13.0, size=20, color=self.theme.muted))
        if self.opts.show_pytorch:
            call = pytorch_conv(1, 1, trace.kernel_size, trace.stride, self.params.padding, trace.dilation,
                                bias=trace.bias is not None)
            lines.append(FitText(call, self.text, max_width=13.0, size=20, color=self.theme.muted))
        return lines

    def _legend(self, trace, unvisited):
        t = self.theme
        items = VGroup()
        if any(a or b for a, b in trace.padding):
            items.add(self._swatch(t.padding_fill, t.padding_text, self.T("padding"), dashed=True))
        if unvisited:
            items.add(self._swatch(t.unvisited, t.grid, self.T("unvisited")))
        if not len(items):
            return None
        return items.arrange(RIGHT, buff=0.4)

    def _swatch(self, fill, stroke, text, dashed=False):
        from manim import DashedVMobject, Square
        sq = Square(0.26, fill_color=fill, fill_opacity=1, stroke_color=stroke, stroke_width=2)
        if dashed:
            sq = VGroup(Square(0.26, fill_color=fill, fill_opacity=1, stroke_width=0),
                        DashedVMobject(Square(0.26, stroke_color=stroke, stroke_width=2), num_dashes=6))
        label = self.text(text, size=18, color=self.theme.muted)
        return VGroup(sq, label).arrange(RIGHT, buff=0.12)
