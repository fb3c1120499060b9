"""figure8–10: depthwise separable convolution.

- ``DepthwiseStep`` (figure8) draws a :class:`convviz.figures.volumes.DepthwiseFigure`: an H x W x C input, C
  kernels k x k x 1 (one colour per channel, ``theme.groups``), an H_out x W_out x C output; the animation
  slides the C windows along the figure's path (the first row).
- ``PointwiseStep`` (figure9, figure10) draws a :class:`convviz.figures.volumes.PointwiseStepFigure`: the
  H x W x C result, 1x1xC kernels (``× C_out`` when more than one), an H x W x C_out output, drawn a few slices
  deep with "…" when C_out is large. With one kernel the animation sweeps it along the first row; with many it
  adds output slices one kernel at a time, then all C_out. With many kernels the weights and multiply-adds of a
  standard k x k conv and of the separable pair are tabulated (the figure's ``separable`` counts).
Run with stock Manim: ``manim -ql scenes/depthwise.py DepthwiseStep`` (or ``PointwiseStep``).
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Arrow, Circle, DashedVMobject, Ellipse, VGroup

from convviz.figures.volumes import DepthwiseFigure, LayerCount, PointwiseStepFigure

from scenes.kit.base import ConvVizScene
from scenes.kit.theme import tint
from scenes.kit.volume import Volume

CELL = 0.42                 # a voxel's side (scene units, before fitting)
CHANNEL_TINT = 0.45         # a channel's slices: its colour this much lighter
BLOCK_GAP = 1.5             # between input, the ringed kernels and output
TITLE_GAP = 0.3             # block (or ring) → its title above
TEXT_SIZE = 24              # count line and table
INFO_GAP = 0.5              # the drawing → the count line or table
# the dashed ring around the kernels: a circle, or an ellipse around a wide row
RING_EXTRA = 0.45
RING_WIDE = 1.6             # width/height beyond which the ring is an ellipse
RING_STRETCH = (1.3, 1.6)   # the ellipse's width and height over the content's
RING_STROKE, RING_DASHES = 4, 32
FLOW_BUFF, FLOW_STROKE, FLOW_TIP = 0.15, 5, 0.18
# figure8: the kernels one behind the other, each shifted by this fraction of a kernel's width and height
KERNEL_STEP = (0.62, 0.45)
TAG_SIZE, TAG_TINT, TAG_GAP = 20, 0.3, 0.08
WINDOW_STROKE = 4
OUTPUT_MARK_OPACITY = 0.2
# figure9/10
TIMES_SIZE, TIMES_GAP = 26, 0.2
COLUMN_OPACITY, CELL_MARK_OPACITY = 0.3, 0.25
TABLE_COLUMN_GAP, TABLE_ROW_STEP = 0.6, 0.5


class _SeparableBase(ConvVizScene):
    def channel_colors(self, n: int, amount: float = CHANNEL_TINT) -> list:
        g = self.theme.groups
        return [tint(g[i % len(g)], amount) for i in range(n)]

    def ring(self, content, extra: float = RING_EXTRA):
        """The dashed circle the originals draw around the kernels (an ellipse around a wide row)."""
        if content.width > RING_WIDE * content.height:
            shape = Ellipse(width=content.width * RING_STRETCH[0] + extra,
                            height=content.height * RING_STRETCH[1] + extra, color=self.theme.kernel_stroke,
                            stroke_width=RING_STROKE)
        else:
            shape = Circle(radius=max(content.width, content.height) / 2 + extra, color=self.theme.kernel_stroke,
                           stroke_width=RING_STROKE)
        return DashedVMobject(shape, num_dashes=RING_DASHES).move_to(content.get_center())

    def flow(self, a, b):
        return Arrow(a, b, buff=FLOW_BUFF, stroke_width=FLOW_STROKE, color=self.theme.kernel_stroke,
                     max_tip_length_to_length_ratio=FLOW_TIP)

    def titled(self, key_or_text: str, mob, raw: bool = False):
        return self.label(key_or_text, raw=raw).next_to(mob, UP, buff=TITLE_GAP)

    def level_titles(self, titles: VGroup) -> VGroup:
        top = max(m.get_y() for m in titles)
        for m in titles:
            m.set_y(top)
        return titles

    def count_line(self, what: str, what_zh: str, counts: LayerCount) -> str:
        return self.say(f"{what}: {counts.product} = {counts.params} weights, {counts.macs} multiply-adds",
                        f"{what_zh}：{counts.product} = {counts.params} 个权重，{counts.macs} 次乘加")

    def row_layout(self, vin, middle, vout, gap: float = BLOCK_GAP) -> tuple[VGroup, VGroup]:
        ring = self.ring(middle)
        mid = VGroup(ring, middle)
        row = VGroup(vin, mid, vout).arrange(RIGHT, buff=gap)
        arrows = VGroup(self.flow(vin.get_right() * [1, 0, 0] + ring.get_center() * [0, 1, 0], ring.get_left()),
                        self.flow(ring.get_right(),
                                  vout.get_left() * [1, 0, 0] + ring.get_center() * [0, 1, 0]))
        return VGroup(row, arrows), ring


class DepthwiseStep(_SeparableBase):
    default_entry = "cnn-figure8"
    params: DepthwiseFigure

    def construct(self):
        fig = self.params
        self.strong = [self.theme.groups[i % len(self.theme.groups)] for i in range(fig.channels)]
        self.lay_out(fig)
        self.play_steps(fig.path, lambda pos, state: self.swap((state, self.windows(fig, pos))),
                        passed=lambda pos: None)

    # ------------------------------------------------------------------------------------------------------
    def kernels(self, fig: DepthwiseFigure) -> tuple[VGroup, VGroup]:
        """The kernels one behind the other (like the original), each tagged with its channel above its
        top-left; the back ones first, so the front ones cover them."""
        t, (kh, kw), c = self.theme, fig.kernel_size, fig.channels
        cols = self.channel_colors(c)
        kernels = [Volume((kh, kw, 1), t, self.text, cell=CELL, colors=cols[i],
                          names=("H", "W", "D") if i == 0 else (None, None, "D")) for i in range(c)]
        step = np.array([KERNEL_STEP[0] * (kw * CELL), KERNEL_STEP[1] * (kh * CELL), 0])
        tags = VGroup()
        for i, kv in enumerate(kernels):
            kv.shift(i * step)
            tags.add(self.text(self.say(f"ch {i + 1}", f"通道 {i + 1}"), size=TAG_SIZE,
                               color=tint(self.strong[i], TAG_TINT, t.text))
                     .next_to(kv.body, UP, buff=TAG_GAP, aligned_edge=LEFT))
        return VGroup(*reversed(kernels)), tags

    def lay_out(self, fig: DepthwiseFigure) -> None:
        t, c = self.theme, fig.channels
        (h, w), (oh, ow) = fig.in_size, fig.out_size
        self.vin = Volume((h, w, c), t, self.text, cell=CELL, colors=t.input_fill, stroke=t.input_stroke)
        kernels, tags = self.kernels(fig)
        self.vout = Volume((oh, ow, c), t, self.text, cell=CELL, colors=self.channel_colors(c))
        flow, ring = self.row_layout(self.vin, VGroup(kernels, tags), self.vout)
        titles = self.level_titles(VGroup(self.titled("input", self.vin.body),
                                          self.titled(self.say("Kernels", "卷积核"), ring, raw=True),
                                          self.titled("output", self.vout.body)))
        line_s = self.count_line("depthwise", "逐通道卷积（depthwise）", fig.counts)
        line = self.text(line_s, size=TEXT_SIZE)
        body = VGroup(flow, titles)
        line.next_to(body, DOWN, buff=INFO_GAP)
        whole = VGroup(body, line)
        self.fit_to_frame(whole)
        self.add(whole)
        self.drawn.update({"input_labels": self.vin.drawn["labels"], "output_labels": self.vout.drawn["labels"],
                           "kernel_labels": [kv.drawn["labels"] for kv in reversed(kernels)],
                           "out_size": fig.out_size, "counts": {"params": fig.counts.params,
                                                                "macs": fig.counts.macs},
                           "count_line": line_s, "kernels": c, "path": fig.path})

    def windows(self, fig: DepthwiseFigure, pos) -> VGroup:
        """Each channel's window tints the block's surface in its kernel's colour; one outline for all; the
        output column marked."""
        (kh, kw), (r, c) = fig.kernel_size, pos
        rows, cols = (r, r + kh), (c, c + kw)
        marks = VGroup(*[self.vin.highlight(rows, cols, ch, color=self.strong[ch], outline=False)
                         for ch in range(fig.channels)])
        marks.add(self.vin.highlight(rows, cols, None, color=self.theme.kernel_stroke, surface=False,
                                     fill_opacity=0.0, stroke_width=WINDOW_STROKE))
        marks.add(self.vout.highlight(r, c, None, color=self.theme.highlight, fill_opacity=OUTPUT_MARK_OPACITY,
                                      stroke_width=WINDOW_STROKE))
        return marks


class PointwiseStep(_SeparableBase):
    default_entry = "cnn-figure9"
    params: PointwiseStepFigure

    def construct(self):
        fig = self.params
        self.drawn.update({"counts": {"params": fig.counts.params, "macs": fig.counts.macs},
                           "kernels": fig.out_channels})
        if fig.out_channels == 1:
            self.sweep(fig)
        else:
            self.repeat(fig)

    # ------------------------------------------------------------------------------------------------------
    def output_block(self, fig: PointwiseStepFigure, n_out: int) -> Volume:
        t = self.theme
        return Volume((*fig.in_size, n_out), t, self.text, cell=CELL, colors=t.output_fill, stroke=t.output_stroke)

    def times(self, n: int):
        return self.text(f"× {n}", size=TIMES_SIZE, color=self.theme.kernel_stroke)

    def lay_out(self, fig: PointwiseStepFigure, table: bool):
        """Input, the ringed kernel(s), output, titles and the count line or table, fitted to the frame."""
        t, (h, w), c = self.theme, fig.in_size, fig.in_channels
        vin = Volume((h, w, c), t, self.text, cell=CELL, colors=self.channel_colors(c))
        kern = Volume((1, 1, c), t, self.text, cell=CELL, colors=t.kernel_fill, stroke=t.kernel_stroke)
        middle = VGroup(kern)
        times = None
        if fig.out_channels > 1:
            times = self.times(fig.out_channels).next_to(kern, UP, buff=TIMES_GAP)
            middle.add(times)
        vout = self.output_block(fig, fig.out_channels)
        flow, ring = self.row_layout(vin, middle, vout)
        titles = self.level_titles(VGroup(self.titled("input", vin.body), self.titled("kernel", ring),
                                          self.titled("output", vout.body)))
        body = VGroup(flow, titles)
        if table:
            info, strings = self.table(fig)
        else:
            s = self.count_line("pointwise", "逐点卷积（pointwise）", fig.counts)
            info, strings = self.text(s, size=TEXT_SIZE), [s]
        info.next_to(body, DOWN, buff=INFO_GAP)
        whole = self.fit_to_frame(VGroup(body, info))
        rec = {"input_labels": dict(vin.drawn["labels"]), "kernel_labels": dict(kern.drawn["labels"]),
               "output_labels": dict(vout.drawn["labels"]), "output_elided": dict(vout.drawn["elided"]),
               "times": f"× {fig.out_channels}" if times is not None else None, "info": strings}
        parts = {"vin": vin, "vout": vout, "times": times, "info": info,
                 "static": VGroup(vin, ring, kern, flow[1], titles), "whole": whole}
        return parts, rec

    def sweep(self, fig: PointwiseStepFigure):
        """One kernel along the path: the input column under it and the output cell it makes."""
        parts, rec = self.lay_out(fig, table=False)
        vin, vout = parts["vin"], parts["vout"]
        self.add(parts["whole"])
        self.drawn.update(rec)
        self.drawn["path"] = fig.path

        def show(pos, state):
            r, c = pos
            marks = VGroup(vin.highlight(r, c, None, color=self.theme.kernel_stroke, fill_opacity=COLUMN_OPACITY),
                           vout.highlight(r, c, None, color=self.theme.highlight, fill_opacity=CELL_MARK_OPACITY))
            return self.swap((state, marks))
        self.play_steps(fig.path, show, passed=lambda pos: None)

    def repeat(self, fig: PointwiseStepFigure):
        """One more output slice per kernel for the first few kernels, then all of them (the final layout
        fixes every position; the earlier outputs grow from the same front face)."""
        parts, rec = self.lay_out(fig, table=True)
        vout, times = parts["vout"], parts["times"]
        k = vout.scale_factor
        self.add(parts["static"])
        self.drawn["frames"] = []
        state = None
        for i, n in enumerate(fig.grown):
            if self.passing(i, len(fig.grown) + 1):     # (the last state comes after these)
                continue
            v = self.output_block(fig, n)
            v.scale(k)
            v.shift(vout.point(0, 0, 0) - v.point(0, 0, 0))
            tag = self.times(n).scale(k).move_to(times)
            # the newest slice (this kernel's output): its visible strips tinted
            frame = VGroup(v, tag, v.highlight(None, None, n - 1, color=self.theme.highlight, outline=False))
            state = self.swap((state, frame))
            self.drawn["frames"].append({"output_labels": dict(v.drawn["labels"]), "times": f"× {n}"})
            self.hold()
        self.swap((state, VGroup(vout, times, parts["info"])))
        self.drawn["frames"].append({"output_labels": rec["output_labels"], "times": rec["times"]})
        self.drawn.update(rec)
        self.hold_last()

    def table(self, fig: PointwiseStepFigure):
        """Standard k x k conv (on the depthwise step's input, e.g. 7×7×3) vs depthwise + pointwise: weights
        and multiply-adds."""
        t, sc = self.theme, fig.separable
        kk = f"{fig.kernel_size[0]}×{fig.kernel_size[1]}"
        src = "×".join(str(n) for n in (*fig.standard_in_size, fig.in_channels))
        rows = [
            ("", self.say("weights", "参数量"), self.say("multiply-adds", "乘加次数")),
            (self.say(f"standard {kk} conv on the {src} input", f"标准 {kk} 卷积（输入 {src}）"),
             str(sc.standard_params), str(sc.standard_macs)),
            (self.say(f"depthwise {kk} + pointwise 1×1", f"逐通道 {kk} + 逐点 1×1"),
             f"{sc.depthwise_params} + {sc.pointwise_params} = {sc.separable_params}",
             f"{sc.depthwise_macs} + {sc.pointwise_macs} = {sc.separable_macs}"),
        ]
        cells = [[self.text(s, size=TEXT_SIZE, bold=(r == 0), color=t.text if r else t.muted) for s in row]
                 for r, row in enumerate(rows)]
        widths = [max(cells[r][j].width for r in range(len(rows))) for j in range(3)]
        y = 0.0
        table = VGroup()
        for row in cells:
            x = 0.0
            for j, m in enumerate(row):
                if j == 0:
                    m.move_to([x, y, 0], aligned_edge=LEFT)
                else:
                    m.move_to([x + widths[j], y, 0], aligned_edge=RIGHT)
                x += widths[j] + TABLE_COLUMN_GAP
                table.add(m)
            y -= TABLE_ROW_STEP
        self.drawn["table"] = [list(r) for r in rows]
        self.drawn["separable"] = asdict(sc)
        return table, [" | ".join(r) for r in rows]
