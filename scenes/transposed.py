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
from manim import (DOWN, LEFT, RIGHT, UP, DashedVMobject, Line, Rectangle, ReplacementTransform, Square,
                   SurroundingRectangle, VGroup)

from convviz.describe import pytorch_conv_transpose, transpose_size_formula
from convviz.trace import fmt, trace_conv_transpose

from scenes.kit.base import ConvVizScene
from scenes.kit.widgets import (DATA, EMPTY, INSERTED, OUTPUT_PADDING, PADDING, FitText, KernelWindow, NumberGrid,
                            SumLayout)

# GatherTrace.kinds codes → NumberGrid cell kinds
KIND_OF_CODE = {0: DATA, 1: INSERTED, 2: PADDING, 3: OUTPUT_PADDING}

FRAME_W = 13.4          # usable width of the standard frame (scene units)
FRAME_H = 7.6           # usable height
CELL_MAX = 0.5          # largest cell (scene units): 30 px at 854x480, a compact GIF
MAX_NUMBERED = 20       # grids with more cells than this on a side are drawn without numbers


def number_font(cell: float, longest: int) -> float:
    """Numbers a little larger than NumberGrid's default, so small cells stay readable at 854x480: ``longest``
    characters fit the width; digits fill 40 % of a cell's height, up to 50 % in small cells."""
    height = 0.40 + 0.10 * min(max((0.45 - cell) / 0.15, 0.0), 1.0)
    by_width = 0.8 * cell / (0.64 * max(longest, 1)) * 72
    by_height = height * cell * 72 / 0.73
    return min(by_width, by_height)


class _TransposedBase(ConvVizScene):
    """Shared pieces: parameters, the expanded grid, legend, kernels, sum line, optional texts."""

    # -- parameters -----------------------------------------------------------------------------------------
    def _args(self):
        p = self.params
        x, w = np.asarray(p.x), np.asarray(p.weight)
        if x.shape[0] != 1 or w.shape[0] != 1 or w.shape[1] * int(p.groups) != 1:
            raise ValueError("the transposed-convolution scene draws one input and one output channel (got "
                             f"{x.shape[0]} input and {w.shape[1] * int(p.groups)} output channels)")
        return (x, w, p.bias, p.stride, p.padding, p.output_padding, p.groups,
                p.dilation)

    def _trace(self, view: str):
        return trace_conv_transpose(*self._args(), view=view)

    # -- pieces ---------------------------------------------------------------------------------------------
    def _expanded_grid(self, trace, cell: float, show_numbers: bool, font=None) -> NumberGrid:
        """The zero-inserted, padded input with each cell drawn as its kind (data, inserted, padding, output
        padding: hatched)."""
        t = self.theme
        kinds = np.vectorize(KIND_OF_CODE.get, otypes=[object])(trace.kinds)
        values = trace.padded[0, 0]
        longest = max(len(fmt(v)) for v in values.reshape(-1))
        grid = NumberGrid(values, t, self.text, cell=cell, fill=t.input_fill, kinds=kinds,
                          show_numbers=show_numbers, font_size=font or number_font(cell, longest))
        hatch = VGroup()
        for r, c in zip(*np.nonzero(trace.kinds == 3)):
            hatch.add(self._hatch(grid.cell_center(int(r), int(c)), cell))
        grid.add(hatch)
        grid.hatch = hatch
        return grid

    def _hatch(self, center, size: float) -> VGroup:
        """Diagonal hatching that marks an output-padding cell (kept clear of the number in the middle)."""
        h = size / 2
        g = VGroup()
        for k in (-1.5 * h, -1.0 * h, 1.0 * h, 1.5 * h):
            # the part of the line y − x = k inside the square [−h, h]²
            a = np.array([max(-h, -h - k), max(-h, -h + k), 0.0])
            b = np.array([min(h, h - k), min(h, h + k), 0.0])
            g.add(Line(center + a, center + b, stroke_width=1.6, color=self.theme.padding_text))
        return g

    def _kernel_grid(self, values, cell, font=None) -> NumberGrid:
        t = self.theme
        longest = max(len(fmt(v)) for v in np.asarray(values).reshape(-1))
        return NumberGrid(values, t, self.text, cell=cell, fill=t.kernel_fill, stroke=t.kernel_stroke,
                          font_size=font or number_font(cell, longest))

    def _swatch(self, kind: str, text: str, size: float = 18) -> VGroup:
        t = self.theme
        s = 0.28
        if kind in (PADDING, OUTPUT_PADDING):
            sq = VGroup(Square(s, fill_color=t.padding_fill, fill_opacity=1, stroke_width=0),
                        DashedVMobject(Square(s, stroke_color=t.padding_text, stroke_width=2), num_dashes=6))
            if kind == OUTPUT_PADDING:
                sq.add(self._hatch(sq.get_center(), s))
        elif kind == INSERTED:
            sq = Square(s, fill_color=t.inserted_fill, fill_opacity=1, stroke_color=t.padding_text, stroke_width=1.5)
        else:
            sq = Square(s, fill_color=t.input_fill, fill_opacity=1, stroke_color=t.grid, stroke_width=2)
        label = self.text(text, size=size, color=self.theme.muted)
        return VGroup(sq, label).arrange(RIGHT, buff=0.12)

    def _legend(self, trace, size: float = 18) -> VGroup:
        """Swatches for the kinds of cell present in the expanded grid; ``.keys`` lists them."""
        present = set(int(v) for v in np.unique(trace.kinds))
        items = VGroup()
        keys = []
        for code, kind, text in (
                (0, DATA, self.say("input values", "输入值")),
                (1, INSERTED, self.T("inserted")),
                (2, PADDING, self.T("padding")),
                (3, OUTPUT_PADDING, self.T("output_padding") + self.say(" (bottom/right)", "（下/右）"))):
            if code in present:
                items.add(self._swatch(kind, text, size))
                keys.append(kind)
        items.arrange(RIGHT, buff=0.4)
        items.keys = keys
        return items

    def _extra_lines(self, geometry, bias, max_width: float):
        g = geometry
        lines = []
        if self.opts.show_formula:
            for s in transpose_size_formula(g.in_size, g.kernel_size, g.stride, g.padding, g.output_padding,
                                            g.dilation):
                lines.append(FitText(s, self.text, max_width=max_width, size=20, color=self.theme.muted))
        if self.opts.show_pytorch:
            groups = int(self.params.groups)
            call = pytorch_conv_transpose(1, 1, g.kernel_size, g.stride, g.padding, g.output_padding, groups,
                                          g.dilation, bias=bias is not None)
            lines.append(FitText(call, self.text, max_width=max_width, size=20, color=self.theme.muted))
        return lines

    def _n_extra(self) -> int:
        return int(bool(self.opts.show_formula)) + int(bool(self.opts.show_pytorch))

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
        t = self.theme
        trace = self._trace("gather")
        g = trace.geometry
        eh, ew = trace.padded_size
        oh, ow = trace.out_size
        kh, kw = trace.kernel_size
        rec: dict = {}
        # -- geometry: cell size so that everything fits the frame at 854x480 -------------------------------
        gap = 0.9 if ew + kw + ow <= 22 else 0.5
        flipped_label = self.label("flipped", size=22)
        kernel_label = self.label("kernel", size=22)
        label_w = max(flipped_label.width, kernel_label.width)
        n_eq = -(-(kh * kw + (trace.bias is not None)) // 9)
        reserve_h = 0.45 + 0.5 + 0.45 + 0.5 * n_eq + 0.45 * self._n_extra()   # heading, labels, legend, sums
        cell = min(CELL_MAX, (FRAME_W - 2 * gap) / (ew + kw + ow), (FRAME_H - reserve_h) / max(eh, oh, 2 * kh + 1.6))
        if kw * cell < label_w:                        # the kernel column is as wide as its label
            cell = min(cell, (FRAME_W - 2 * gap - label_w) / (ew + ow))
        show_in = max(eh, ew) <= MAX_NUMBERED
        show_out = max(oh, ow) <= MAX_NUMBERED
        # -- grids ---------------------------------------------------------------------------------------
        grid = self._expanded_grid(trace, cell, show_in)
        kern = self._kernel_grid(np.asarray(trace.transposed_weight)[0, 0], cell)
        flip = self._kernel_grid(trace.weight[0, 0], cell)
        out_strings = [fmt(v) for v in np.asarray(trace.output).reshape(-1)]
        out = NumberGrid(np.full((oh, ow), None), t, self.text, cell=cell, fill=t.output_fill,
                         stroke=t.output_stroke, kinds=np.full((oh, ow), EMPTY, dtype=object),
                         font_size=min(number_font(cell, max(len(s) for s in out_strings)), grid.font_size * 1.15))
        kcol = VGroup(VGroup(kernel_label, kern).arrange(DOWN, buff=0.15),
                      VGroup(flipped_label, flip).arrange(DOWN, buff=0.15)).arrange(DOWN, buff=0.3)
        row = VGroup(grid, kcol, out).arrange(RIGHT, buff=gap, aligned_edge=UP)
        kcol.align_to(grid, UP).shift(UP * (kernel_label.height + 0.15))
        labels = VGroup(self.label("input").next_to(grid, UP, buff=0.2),
                        self.label("output").next_to(out, UP, buff=0.2))
        labels[1].align_to(labels[0], UP)
        body = VGroup(row, labels)
        legend = self._legend(trace)
        legend.next_to(VGroup(grid, kcol, out), DOWN, buff=0.3)
        if legend.width > FRAME_W:
            legend.arrange_in_grid(cols=2, buff=(0.4, 0.15), col_alignments="ll")
            legend.next_to(VGroup(grid, kcol, out), DOWN, buff=0.3)
        body.add(legend)
        heading = FitText(self.T("gather"), self.text, max_width=FRAME_W, size=20, color=t.muted)
        heading.next_to(body, UP, buff=0.3)
        body.add(heading)
        if body.width > FRAME_W:                      # safety net (the cell size is chosen so that it fits)
            cell *= self._shrink(body, FRAME_W / body.width, grid, kern, flip, out)
        body.to_edge(UP, buff=0.2)
        self.add(body)
        self.sums = SumLayout.for_trace(trace, body.get_center()[0], max_width=FRAME_W)
        eq_top = body.get_bottom()[1] - 0.3
        y = eq_top - 0.5 * self.sums.lines - 0.2
        extra = self._extra_lines(g, trace.bias, FRAME_W)
        for m in extra:
            m.move_to([body.get_center()[0], y, 0])
            y -= 0.45
            self.add(m)
        rec.update(kinds=grid.kinds.copy(), expanded=grid.drawn_array(), kernel=kern.drawn_array(),
                   flipped=flip.drawn_array(), legend=list(legend.keys), heading=heading.drawn,
                   extra_lines=[m.drawn for m in extra], cell=cell, font=grid.font_size,
                   numbers_shown=(show_in, show_out), windows=[], equations=[], marked=[])
        self.gather_grid, self.gather_output = grid, out
        # -- steps ---------------------------------------------------------------------------------------
        window = marker = equation = None
        n = len(trace)
        for step in trace:
            cells = [tp.padded_position for tp in step.taps]
            pad = [int(trace.kinds[pp]) in (2, 3) for pp in cells]
            new_window = KernelWindow(grid, cells, [tp.weight for tp in step.taps], t, self.text, pad_cells=pad,
                                      show_weights=show_in and cell >= 0.4
                                      and self.params.weights_in_window)
            r, c = step.out_position
            new_marker = SurroundingRectangle(out.cell(r, c), color=t.highlight, buff=0, stroke_width=5)
            new_marker.set_z_index(4)
            if show_out:
                out.set_text(r, c, step.total)
            out.fill_cell(r, c, t.output_fill)
            new_eq = self.sums.build(step, eq_top, self.text, self.theme.text)
            window, marker, equation = self.swap((window, new_window), (marker, new_marker),
                                                  (equation, new_eq, False))
            rec["windows"].append(cells)
            rec["equations"].append(step.expression())
            rec["marked"].append((r, c))
            last = step.index == n - 1
            self.hold(self.opts.final_hold if (last and final) else None)
        rec["output"] = out.drawn_array()
        return rec

    # ----------------------------------------------------------------------------------------- scatter view
    def scatter_view(self, final: bool = True) -> dict:
        t = self.theme
        trace = self._trace("scatter")
        steps = list(trace)
        x = np.asarray(trace.x)[0, 0]
        ih, iw = trace.in_size
        oh, ow = trace.out_size
        kh, kw = trace.geometry.kernel_size
        kernel = np.asarray(trace.weight)[0, 0]
        rec: dict = {}
        # where the stamps reach, cropped parts included: the drawing reserves room for them
        rows = [s.out_position[0] for st in steps for s in st.stamps]
        cols = [s.out_position[1] for st in steps for s in st.stamps]
        mt, mb = max(0, -min(rows)), max(0, max(rows) - (oh - 1))
        ml, mr = max(0, -min(cols)), max(0, max(cols) - (ow - 1))
        ch, cw = oh + mt + mb, ow + ml + mr
        gap = 0.9 if iw + kw + cw <= 22 else 0.5
        prod_label_w = self.text(self.say("0 × Kernel", "0 × 卷积核"), size=22).width + 0.3
        label_w = max(self.label("kernel", size=22).width, prod_label_w)
        reserve_h = 0.45 + 0.5 + 0.5 + 0.45 * self._n_extra()
        cell = min(CELL_MAX, (FRAME_W - 2 * gap) / (iw + kw + cw), (FRAME_H - reserve_h) / max(ih, ch, 2 * kh + 1.6))
        if kw * cell < label_w:
            cell = min(cell, (FRAME_W - 2 * gap - label_w) / (iw + cw))
        show_in = max(ih, iw) <= MAX_NUMBERED
        show_out = max(oh, ow) <= MAX_NUMBERED
        # -- grids ---------------------------------------------------------------------------------------
        in_long = max(len(fmt(v)) for v in x.reshape(-1))
        inp = NumberGrid(x, t, self.text, cell=cell, fill=t.input_fill, show_numbers=show_in,
                         font_size=number_font(cell, in_long))
        kern = self._kernel_grid(kernel, cell)
        all_products = [fmt(s.product) for st in steps for s in st.stamps]
        prod_font = number_font(cell, max(len(s) for s in all_products))
        out_vals = [fmt(v) for st in steps for v in st.partial.reshape(-1)] + \
            [fmt(v) for v in np.asarray(trace.output).reshape(-1)]
        out_font = number_font(cell, max(len(s) for s in out_vals))
        out = NumberGrid(np.full((oh, ow), None), t, self.text, cell=cell, fill=t.output_fill,
                         stroke=t.output_stroke, kinds=np.full((oh, ow), EMPTY, dtype=object), font_size=out_font)
        canvas = Rectangle(width=cw * cell, height=ch * cell, stroke_opacity=0, fill_opacity=0, stroke_width=0)
        kernel_label = self.label("kernel", size=22)
        products_slot = Rectangle(width=kw * cell, height=kh * cell, stroke_opacity=0, fill_opacity=0,
                                  stroke_width=0)
        plabel_slot = Rectangle(width=prod_label_w, height=kernel_label.height, stroke_opacity=0, fill_opacity=0,
                                stroke_width=0)
        kcol = VGroup(VGroup(kernel_label, kern).arrange(DOWN, buff=0.15),
                      VGroup(plabel_slot, products_slot).arrange(DOWN, buff=0.15)).arrange(DOWN, buff=0.3)
        row = VGroup(inp, kcol, canvas).arrange(RIGHT, buff=gap, aligned_edge=UP)
        kcol.align_to(inp, UP).shift(UP * (kernel_label.height + 0.15))
        out.move_to(canvas.get_corner(UP + LEFT) + np.array([(ml + ow / 2) * cell, -(mt + oh / 2) * cell, 0]))
        labels = VGroup(self.label("input").next_to(inp, UP, buff=0.2),
                        self.label("output").next_to(canvas, UP, buff=0.2))
        labels[1].match_x(out).align_to(labels[0], UP)
        heading = FitText(self.T("scatter"), self.text, max_width=FRAME_W, size=20, color=t.muted)
        body = VGroup(row, out, labels)
        heading.next_to(body, UP, buff=0.3)
        body.add(heading)
        if body.width > FRAME_W:                      # safety net (the cell size is chosen so that it fits)
            sf = self._shrink(body, FRAME_W / body.width, inp, kern, out)
            cell, prod_font = cell * sf, prod_font * sf
        body.to_edge(UP, buff=0.2)
        self.add(body)
        line_y = body.get_bottom()[1] - 0.45
        line_left = body.get_left()[0]
        y = line_y - 0.6
        extra = self._extra_lines(trace.geometry, trace.bias, FRAME_W)
        for m in extra:
            m.move_to([body.get_center()[0], y, 0])
            y -= 0.45
            self.add(m)
        rec.update(input=inp.drawn_array(), kernel=kern.drawn_array(), heading=heading.drawn,
                   extra_lines=[m.drawn for m in extra], partials=[], stamps=[], products=[], lines=[],
                   marked=[], numbers_shown=(show_in, show_out))
        self.scatter_input, self.scatter_output = inp, out
        # -- steps ---------------------------------------------------------------------------------------
        origin = out.cell_center(0, 0)
        marker = stamp = products = plabel = line = None
        touched = np.zeros((oh, ow), dtype=bool)
        for st in steps:
            r0, c0 = st.in_position
            new_marker = SurroundingRectangle(inp.cell(r0, c0), color=t.highlight, buff=0, stroke_width=5)
            new_marker.set_z_index(4)
            # value × kernel, cropped taps faded
            pvals = np.empty((kh, kw), dtype=object)
            kinds = np.full((kh, kw), DATA, dtype=object)
            for s in st.stamps:
                _, a, b = s.kernel_index
                pvals[a, b] = s.product
                if not s.inside:
                    kinds[a, b] = EMPTY
            new_products = NumberGrid(pvals, t, self.text, cell=cell, fill=t.kernel_fill, stroke=t.kernel_stroke,
                                      kinds=kinds, font_size=prod_font)
            for (a, b), k in np.ndenumerate(kinds):
                if k == EMPTY:
                    new_products.set_text(a, b, fmt(pvals[a, b]), color=t.padding_text)
            new_products.move_to(products_slot)
            new_plabel = self.text(self.say(f"{fmt(st.value)} × Kernel", f"{fmt(st.value)} × 卷积核"), size=22)
            new_plabel.move_to(plabel_slot)
            # the stamp on the output
            new_stamp = VGroup()
            for s in st.stamps:
                r, c = s.out_position
                centre = origin + np.array([c * cell, -r * cell, 0])
                if s.inside:
                    new_stamp.add(Square(cell, stroke_color=t.kernel_stroke, stroke_width=4,
                                         fill_opacity=0).move_to(centre))
                    touched[r, c] = True
                else:
                    sq = DashedVMobject(Square(cell, stroke_color=t.kernel_stroke, stroke_width=2.5,
                                               stroke_opacity=0.45), num_dashes=10).move_to(centre)
                    new_stamp.add(sq)
            new_stamp.set_z_index(1)
            # running sums
            for (r, c), v in np.ndenumerate(st.partial[0]):
                if touched[r, c]:
                    if show_out:
                        out.set_text(r, c, v)
                    out.fill_cell(r, c, t.output_fill)
            last = st.index == len(steps) - 1
            if last:                                    # every cell, untouched ones (0) too
                for (r, c), v in np.ndenumerate(st.partial[0]):
                    if show_out:
                        out.set_text(r, c, v)
                    out.fill_cell(r, c, t.output_fill)
            text = self.say(f"Input({r0}, {c0}) = {fmt(st.value)}:  Output += {fmt(st.value)} × Kernel",
                            f"输入({r0}, {c0}) = {fmt(st.value)}：输出 += {fmt(st.value)} × 卷积核")
            if any(not s.inside for s in st.stamps):
                text += self.say("  (cropped taps dashed)", "（裁掉的部分为虚线）")
            new_line = self.text(text, size=20, color=t.text)
            new_line.move_to([line_left, line_y, 0], aligned_edge=LEFT)
            marker, stamp, products, plabel, line = self.swap(
                (marker, new_marker), (stamp, new_stamp), (products, new_products, False), (plabel, new_plabel, False),
                (line, new_line, False))
            rec["partials"].append(out.drawn_array())
            rec["stamps"].append([(s.out_position, s.inside, fmt(s.product)) for s in st.stamps])
            rec["products"].append(new_products.drawn_array())
            rec["lines"].append(text)
            rec["marked"].append((r0, c0))
            self.hold(self.opts.final_hold if (last and final and trace.bias is None) else None)
        if trace.bias is not None:                      # the bias, added to every output cell
            self.remove(stamp)
            final_out = np.asarray(trace.output)[0]
            for (r, c), v in np.ndenumerate(final_out):
                if show_out:
                    out.set_text(r, c, v)
            text = self.say(f"Output = sum of the stamps + bias {fmt(np.asarray(trace.bias)[0])}",
                            f"输出 = 各次叠加之和 + 偏置 {fmt(np.asarray(trace.bias)[0])}")
            new_line = self.text(text, size=20, color=t.text).move_to([line_left, line_y, 0], aligned_edge=LEFT)
            line, = self.swap((line, new_line, False))
            rec["lines"].append(text)
            self.hold(self.opts.final_hold if final else None)
        rec["output"] = out.drawn_array()
        return rec

class TransposedStrip(_TransposedBase):
    """figure14: four frames of the gather view side by side (the window stepping along the first output row).

    Each panel: the output above (cells done so far, the current one outlined) and the zero-inserted, padded
    input below with the window (its weights: the flipped kernel), joined by two lines like the original.
    Under the strip: the kernel and the flipped kernel, and the legend. A still; always the gather view.
    """

    default_entry = "cnn-figure14"
    panels = 4

    def construct(self):
        t = self.theme
        trace = self._trace("gather")
        eh, ew = trace.padded_size
        oh, ow = trace.out_size
        kh, kw = trace.kernel_size
        n = min(self.panels, len(trace))
        gap = 0.55
        cell = min(0.42, (FRAME_W - (n - 1) * gap) / (n * max(ew, ow)), (FRAME_H - 2.9) / (eh + oh + 1.2 + kh))
        show_in = max(eh, ew) <= MAX_NUMBERED
        show_out = max(oh, ow) <= MAX_NUMBERED
        steps = [trace[i] for i in range(n)]
        panels = VGroup()
        rec_panels = []
        for i, step in enumerate(steps):
            grid = self._expanded_grid(trace, cell, show_in)
            out = NumberGrid(np.full((oh, ow), None), t, self.text, cell=cell, fill=t.output_fill,
                             stroke=t.output_stroke, kinds=np.full((oh, ow), EMPTY, dtype=object),
                             font_size=grid.font_size)
            VGroup(out, grid).arrange(DOWN, buff=1.0 * cell + 0.25)
            for done in steps[:i + 1]:
                r, c = done.out_position
                if show_out:
                    out.set_text(r, c, done.total)
                out.fill_cell(r, c, t.output_fill)
            cells = [tp.padded_position for tp in step.taps]
            pad = [int(trace.kinds[pp]) in (2, 3) for pp in cells]
            window = KernelWindow(grid, cells, [tp.weight for tp in step.taps], t, self.text, pad_cells=pad,
                                  show_weights=False, fill_opacity=0.35)
            r, c = step.out_position
            marker = SurroundingRectangle(out.cell(r, c), color=t.highlight, buff=0, stroke_width=4)
            marker.set_z_index(4)
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
            panels.add(panel)
            rec_panels.append({"window": cells, "marked": (r, c), "output": out.drawn_array(),
                               "expanded": grid.drawn_array(), "kinds": grid.kinds.copy(),
                               "weights": list(window.drawn)})
        panels.arrange(RIGHT, buff=gap, aligned_edge=UP)
        # kernels and legend under the strip
        kern = self._kernel_grid(np.asarray(trace.transposed_weight)[0, 0], cell)
        flip = self._kernel_grid(trace.weight[0, 0], cell)
        turn = VGroup(self.text(self.say("rotate 180°", "旋转 180°"), size=14, color=t.muted),
                      self.text("→", size=24, color=t.muted)).arrange(DOWN, buff=0.05)
        kgroup = VGroup(VGroup(self.label("kernel", size=18), kern).arrange(DOWN, buff=0.12),
                        turn,
                        VGroup(self.label("flipped", size=18), flip).arrange(DOWN, buff=0.12)
                        ).arrange(RIGHT, buff=0.25)
        legend = self._legend(trace, size=16).arrange(DOWN, buff=0.12, aligned_edge=LEFT)
        bottom = VGroup(kgroup, legend).arrange(RIGHT, buff=0.8)
        bottom.next_to(panels, DOWN, buff=0.35)
        figure = VGroup(panels, bottom)
        if self.opts.show_formula or self.opts.show_pytorch:
            extra = VGroup(*self._extra_lines(trace.geometry, trace.bias, FRAME_W)).arrange(DOWN, buff=0.15)
            extra.next_to(figure, DOWN, buff=0.3)
            figure.add(extra)
            self.drawn["extra_lines"] = [m.drawn for m in extra]
        self.fit_to_frame(figure, margin=0.3)
        self.drawn.update(panels=rec_panels, kernel=kern.drawn_array(), flipped=flip.drawn_array(),
                          legend=list(legend.keys), cell=cell)
        self.show_still(figure)
