"""figure8–10: depthwise separable convolution.

- ``DepthwiseStep`` (figure8): an H x W x C input, C kernels k x k x 1 (one colour per channel, ``theme.groups``),
  an H_out x W_out x C output (``conv_output_size``); the animation slides the C windows along the first row.
- ``PointwiseStep`` (figure9, figure10): the H x W x C result, 1x1xC kernels (``× C_out`` when more than one),
  an H x W x C_out output, drawn a few slices deep with "…" when C_out is large. With one kernel the animation
  sweeps it along the first row; with many it adds output slices one kernel at a time, then all C_out.
  With many kernels the weights and multiply-adds of a standard k x k conv and of the separable pair are
  tabulated (``convviz.ops.separable_counts``).
Run with stock Manim: ``manim -ql scenes/depthwise.py DepthwiseStep`` (or ``PointwiseStep``).
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Arrow, Circle, DashedVMobject, Ellipse, VGroup

from convviz.ops import separable_counts
from convviz.shapes import conv_output_size, ntuple
from convviz.figures.volumes import step_counts, sweep_path

from scenes.kit.base import ConvVizScene
from scenes.kit.theme import tint
from scenes.kit.volume import Volume

CELL = 0.42


class _SeparableBase(ConvVizScene):
    def channel_colors(self, n: int, amount: float = 0.45) -> list:
        g = self.theme.groups
        return [tint(g[i % len(g)], amount) for i in range(n)]

    def ring(self, content, extra: float = 0.45):
        """The dashed circle the originals draw around the kernels (an ellipse around a wide row)."""
        if content.width > 1.6 * content.height:
            shape = Ellipse(width=content.width * 1.3 + extra, height=content.height * 1.6 + extra,
                            color=self.theme.kernel_stroke, stroke_width=4)
        else:
            shape = Circle(radius=max(content.width, content.height) / 2 + extra, color=self.theme.kernel_stroke,
                           stroke_width=4)
        return DashedVMobject(shape, num_dashes=32).move_to(content.get_center())

    def flow(self, a, b):
        return Arrow(a, b, buff=0.15, stroke_width=5, color=self.theme.kernel_stroke,
                     max_tip_length_to_length_ratio=0.18)

    def titled(self, key_or_text: str, mob, raw: bool = False):
        return self.label(key_or_text, raw=raw).next_to(mob, UP, buff=0.3)

    def count_line(self, what: str, what_zh: str, counts: dict, mult: str) -> str:
        return self.say(f"{what}: {mult} = {counts['params']} weights, {counts['macs']} multiply-adds",
                        f"{what_zh}：{mult} = {counts['params']} 个权重，{counts['macs']} 次乘加")

    def row_layout(self, vin, middle, vout, gap: float = 1.5) -> tuple[VGroup, VGroup]:
        ring = self.ring(middle)
        mid = VGroup(ring, middle)
        row = VGroup(vin, mid, vout).arrange(RIGHT, buff=gap)
        arrows = VGroup(self.flow(vin.get_right() * [1, 0, 0] + ring.get_center() * [0, 1, 0], ring.get_left()),
                        self.flow(ring.get_right(),
                                  vout.get_left() * [1, 0, 0] + ring.get_center() * [0, 1, 0]))
        return VGroup(row, arrows), ring


class DepthwiseStep(_SeparableBase):
    default_entry = "cnn-figure8"

    def construct(self):
        p, t = self.params, self.theme
        h, w = ntuple(p["in_size"], 2, "in_size", minimum=1)
        k = ntuple(p["kernel_size"], 2, "kernel_size", minimum=1)
        c = int(p["in_channels"])
        oh, ow = conv_output_size((h, w), k)
        cols = self.channel_colors(c)
        strong = [t.groups[i % len(t.groups)] for i in range(c)]
        vin = Volume((h, w, c), t, self.text, cell=CELL, colors=t.input_fill, stroke=t.input_stroke)
        # the kernels one behind the other (like the original), each tagged with its channel above its top-left
        kernels = [Volume((k[0], k[1], 1), t, self.text, cell=CELL, colors=cols[i],
                          names=("H", "W", "D") if i == 0 else (None, None, "D")) for i in range(c)]
        fw, fh = k[1] * CELL, k[0] * CELL
        tags = VGroup()
        for i, kv in enumerate(kernels):
            kv.shift(i * np.array([0.62 * fw, 0.45 * fh, 0]))
            tags.add(self.text(self.say(f"ch {i + 1}", f"通道 {i + 1}"), size=20, color=tint(strong[i], 0.3, t.text))
                     .next_to(kv.body, UP, buff=0.08, aligned_edge=LEFT))
        kernels = VGroup(*reversed(kernels))        # the back ones first, so the front ones cover them
        vout = Volume((oh, ow, c), t, self.text, cell=CELL, colors=cols)
        middle = VGroup(kernels, tags)
        flow, ring = self.row_layout(vin, middle, vout)
        titles = VGroup(self.titled("input", vin.body), self.titled(self.say("Kernels", "卷积核"), ring, raw=True),
                        self.titled("output", vout.body))
        top = max(m.get_y() for m in titles)
        for m in titles:
            m.set_y(top)
        counts = step_counts(c, c, k, (oh, ow), groups=c)
        line_s = self.count_line("depthwise", "逐通道卷积", counts, f"{c} × {k[0]} × {k[1]}")
        line = self.text(line_s, size=24)
        body = VGroup(flow, titles)
        line.next_to(body, DOWN, buff=0.5)
        whole = VGroup(body, line)
        self.fit_to_frame(whole)
        self.add(whole)
        self.drawn.update({"input_labels": vin.drawn["labels"], "output_labels": vout.drawn["labels"],
                           "kernel_labels": [kv.drawn["labels"] for kv in reversed(kernels)], "out_size": (oh, ow),
                           "counts": counts, "count_line": line_s, "kernels": c})
        path = sweep_path((oh, ow), p.get("marked"), max_steps=int(p.get("steps", 6)))
        self.drawn["path"] = path
        state = None
        for i, (r, cc) in enumerate(path):
            # each channel's window tints the block's surface in its kernel's colour; one outline for all
            marks = VGroup(*[vin.highlight((r, r + k[0]), (cc, cc + k[1]), ch, color=strong[ch], outline=False)
                             for ch in range(c)])
            marks.add(vin.highlight((r, r + k[0]), (cc, cc + k[1]), None, color=t.kernel_stroke, surface=False,
                                    fill_opacity=0.0, stroke_width=4))
            marks.add(vout.highlight(r, cc, None, color=t.highlight, fill_opacity=0.2, stroke_width=4))
            if state is not None:
                self.remove(state)
            self.add(marks)
            state = marks
            self.hold(None if i < len(path) - 1 else self.opts.final_hold)


class PointwiseStep(_SeparableBase):
    default_entry = "cnn-figure9"

    def construct(self):
        p = self.params
        h, w = ntuple(p["in_size"], 2, "in_size", minimum=1)
        c, c_out = int(p["in_channels"]), int(p["out_channels"])
        self.h, self.w, self.c, self.c_out = h, w, c, c_out
        counts = step_counts(c, c_out, 1, (h, w))
        self.drawn.update({"counts": counts, "kernels": c_out})
        if c_out == 1:
            self._sweep(counts)
        else:
            self._repeat(counts)

    # ------------------------------------------------------------------------------------------------------
    def _layout(self, n_out: int, counts, table: bool):
        t = self.theme
        h, w, c, c_out = self.h, self.w, self.c, self.c_out
        vin = Volume((h, w, c), t, self.text, cell=CELL, colors=self.channel_colors(c))
        kern = Volume((1, 1, c), t, self.text, cell=CELL, colors=t.kernel_fill, stroke=t.kernel_stroke)
        middle = VGroup(kern)
        times = None
        if c_out > 1:
            times = self.text(f"× {n_out}", size=26, color=t.kernel_stroke).next_to(kern, UP, buff=0.2)
            middle.add(times)
        vout = Volume((h, w, n_out), t, self.text, cell=CELL, colors=t.output_fill, stroke=t.output_stroke)
        flow, ring = self.row_layout(vin, middle, vout)
        titles = VGroup(self.titled("input", vin.body), self.titled("kernel", ring), self.titled("output", vout.body))
        top = max(m.get_y() for m in titles)
        for m in titles:
            m.set_y(top)
        body = VGroup(flow, titles)
        if table:
            info, strings = self._table(counts)
        else:
            s = self.count_line("pointwise", "逐点卷积", counts, f"{n_out} × {c}")
            info, strings = self.text(s, size=24), [s]
        info.next_to(body, DOWN, buff=0.5)
        whole = VGroup(body, info)
        self.fit_to_frame(whole)
        rec = {"input_labels": dict(vin.drawn["labels"]), "kernel_labels": dict(kern.drawn["labels"]),
               "output_labels": dict(vout.drawn["labels"]), "output_elided": dict(vout.drawn["elided"]),
               "times": f"× {n_out}" if times is not None else None, "info": strings}
        parts = {"vin": vin, "vout": vout, "times": times, "info": info,
                 "static": VGroup(vin, ring, kern, flow[1], titles)}
        return whole, parts, rec

    def _sweep(self, counts):
        whole, parts, rec = self._layout(1, counts, table=False)
        vin, vout = parts["vin"], parts["vout"]
        self.add(whole)
        self.drawn.update(rec)
        path = sweep_path((self.h, self.w), self.params.get("marked"), max_steps=int(self.params.get("steps", 6)))
        self.drawn["path"] = path
        state = None
        for i, (r, c) in enumerate(path):
            marks = VGroup(vin.highlight(r, c, None, color=self.theme.kernel_stroke, fill_opacity=0.3),
                           vout.highlight(r, c, None, color=self.theme.highlight, fill_opacity=0.25))
            if state is not None:
                self.remove(state)
            self.add(marks)
            state = marks
            self.hold(None if i < len(path) - 1 else self.opts.final_hold)

    def _repeat(self, counts):
        """One more output slice per kernel for the first few kernels, then all of them (the final layout
        fixes every position; the earlier outputs grow from the same front face)."""
        t = self.theme
        whole, parts, rec = self._layout(self.c_out, counts, table=True)
        vout, times = parts["vout"], parts["times"]
        k = vout.scale_factor
        self.add(parts["static"])
        self.drawn["frames"] = []
        state = None
        for n in range(1, min(self.c_out, 4)):
            v = Volume((self.h, self.w, n), t, self.text, cell=CELL, colors=t.output_fill, stroke=t.output_stroke)
            v.scale(k)
            v.shift(vout.point(0, 0, 0) - v.point(0, 0, 0))
            tag = self.text(f"× {n}", size=26, color=t.kernel_stroke).scale(k).move_to(times)
            # the newest slice (this kernel's output): its visible strips tinted
            frame = VGroup(v, tag, v.highlight(None, None, n - 1, color=t.highlight, outline=False))
            if state is not None:
                self.remove(state)
            self.add(frame)
            state = frame
            self.drawn["frames"].append({"output_labels": dict(v.drawn["labels"]), "times": f"× {n}"})
            self.hold()
        if state is not None:
            self.remove(state)
        self.add(vout, times, parts["info"])
        self.drawn["frames"].append({"output_labels": rec["output_labels"], "times": rec["times"]})
        self.drawn.update(rec)
        self.hold_last()

    def _table(self, counts_pw):
        """Standard k x k conv vs depthwise + pointwise: weights and multiply-adds."""
        p, t = self.params, self.theme
        k = ntuple(p["kernel_size"], 2, "kernel_size", minimum=1)
        sc = separable_counts(self.c, self.c_out, k, (self.h, self.w))
        kk = f"{k[0]}x{k[1]}"
        rows = [
            ("", self.say("weights", "权重"), self.say("multiply-adds", "乘加次数")),
            (self.say(f"standard {kk} conv", f"标准 {kk} 卷积"), str(sc["standard_params"]), str(sc["standard_macs"])),
            (self.say("depthwise + pointwise", "逐通道 + 逐点"),
             f"{sc['depthwise_params']} + {sc['pointwise_params']} = {sc['separable_params']}",
             f"{sc['depthwise_macs']} + {sc['pointwise_macs']} = {sc['separable_macs']}"),
        ]
        cells = [[self.text(s, size=24, bold=(r == 0), color=t.text if r else t.muted) for s in row]
                 for r, row in enumerate(rows)]
        widths = [max(cells[r][j].width for r in range(len(rows))) for j in range(3)]
        gap, y = 0.6, 0.0
        table = VGroup()
        for r, row in enumerate(cells):
            x = 0.0
            for j, m in enumerate(row):
                if j == 0:
                    m.move_to([x, y, 0], aligned_edge=LEFT)
                else:
                    m.move_to([x + widths[j], y, 0], aligned_edge=RIGHT)
                x += widths[j] + gap
                table.add(m)
            y -= 0.5
        self.drawn["table"] = [list(r) for r in rows]
        self.drawn["separable"] = sc
        return table, [" | ".join(r) for r in rows]
