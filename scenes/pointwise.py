"""figure7: 1x1 convolution. An H x W x D input, one 1x1xD kernel, an H x W x 1 output.

The kernel sweeps a few positions of the first row; at each, the D input values under it, the D weights and
their dot product (from ``convviz.figures.volumes.pointwise_step``, the total being ``convviz.ops.conv``'s output) are
shown, and the value is written into the output cell. The last position is the marked output cell (default: the
end of the first row, where the whole input column is visible on the block's surface).
Run with stock Manim: ``manim -ql scenes/pointwise.py PointwiseConv``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, SurroundingRectangle, VGroup

from convviz.shapes import ntuple
from convviz.figures.volumes import pointwise_example, pointwise_step, sweep_path

from scenes.kit.base import ConvVizScene
from scenes.kit.volume import Volume, link
from scenes.kit.widgets import EquationLines, NumberGrid


class PointwiseConv(ConvVizScene):
    default_entry = "cnn-figure7"

    def construct(self):
        p, t = self.params, self.theme
        h, w = ntuple(p["in_size"], 2, "in_size", minimum=1)
        d = int(p["channels"])
        ex = pointwise_example((h, w), d, seed=int(p.get("seed", 0)))
        x, weight, out = ex["x"], ex["weight"], ex["output"]
        oh, ow = out.shape[1:]
        path = sweep_path((oh, ow), p.get("marked"), max_steps=int(p.get("steps", 6)))
        # -- the three blocks ---------------------------------------------------------------------------
        cell = 0.5
        vin = Volume((h, w, d), t, self.text, cell=cell, colors=t.input_fill, stroke=t.input_stroke,
                     names=("H", "W", "D"), label_style="both")
        vk = Volume((1, 1, d), t, self.text, cell=cell, colors=t.kernel_fill, stroke=t.kernel_stroke,
                    names=("1", "1", "D"), label_style="both")
        vout = Volume((oh, ow, out.shape[0]), t, self.text, cell=cell, colors=t.output_fill, stroke=t.output_stroke,
                      names=("H", "W", "1"), label_style="both")
        row = VGroup(vin, vk, vout).arrange(RIGHT, buff=1.3, aligned_edge=DOWN)
        vk.shift(UP * (vin.point(0, 0, d / 2)[1] - vk.point(0.5, 0.5, d / 2)[1]))
        titles = VGroup(*[self.label(k).next_to(v.body, UP, buff=0.25)
                          for k, v in zip(("input", "kernel", "output"), (vin, vk, vout))])
        ty = max(m.get_center()[1] for m in titles)
        for m in titles:
            m.set_y(ty)
        # -- the dot-product panel ----------------------------------------------------------------------
        step0 = pointwise_step(x, weight, out, path[0])
        gcell = 0.52
        vals = NumberGrid(np.array([step0["values"]]), t, self.text, cell=gcell, fill=t.input_fill,
                          stroke=t.input_stroke)
        wts = NumberGrid(np.array([step0["weights"]]), t, self.text, cell=gcell, fill=t.kernel_fill,
                         stroke=t.kernel_stroke)
        grids = VGroup(vals, wts).arrange(DOWN, buff=0.18)
        wlab = self.text(self.say("kernel weights", "卷积核权重"), size=22).next_to(wts, LEFT, buff=0.3)
        vlab = self._values_label(path[0]).next_to(vals, LEFT, buff=0.3)
        panel = VGroup(vlab, wlab, grids)
        panel.next_to(row, DOWN, buff=0.75)
        body = VGroup(row, titles, panel)
        w0 = body.width
        self.fit_to_frame(body, bottom_reserve=0.9)
        self.k = body.width / w0           # texts made per step are scaled like the fitted layout
        panel.remove(vlab)                 # a placeholder for the layout: each step writes its own
        self.add(body)
        self.vals, self.wts, self.vin, self.vk, self.vout = vals, wts, vin, vk, vout
        eq_top = panel.get_bottom()[1] - 0.3
        self.term_width = max(len(s) for k in range(len(path))
                              for s in pointwise_step(x, weight, out, path[k])["terms"])
        self.eq_size = 22
        self.drawn.update({
            "input_labels": vin.drawn["labels"], "kernel_labels": vk.drawn["labels"],
            "output_labels": vout.drawn["labels"], "path": path, "steps": [],
        })
        # -- the sweep -------------------------------------------------------------------------------------
        state = None
        for i, pos in enumerate(path):
            st = pointwise_step(x, weight, out, pos)
            r, c = pos
            col = vin.highlight(r, c, None, color=t.kernel_stroke, fill_opacity=0.3)
            mark = SurroundingRectangle(vout.front_cell(r, c), color=t.highlight, buff=0, stroke_width=6)
            mark.set_z_index(5)
            arrows = VGroup(
                link(vin.point(r + 0.5, c + 1, d / 2), vk.point(0.5, 0, d / 2), t.kernel_stroke),
                link(vk.point(0.5, 1, d / 2), vout.point(r, c + 0.5, 0), t.kernel_stroke),
            )
            arrows.set_z_index(6)
            for k in range(d):
                vals.set_text(0, k, st["values"][k])
                wts.set_text(0, k, st["weights"][k])
            vout.write(r, c, st["total_text"])
            head = self.text(self.say(f"output ({r}, {c}) =", f"输出 ({r}, {c}) ="), size=22)
            eq = EquationLines(st["terms"], st["total_text"], self.text, left=0, top=eq_top,
                               term_width=self.term_width, per_line=d, size=self.eq_size, color=t.text)
            line = VGroup(head, eq).arrange(RIGHT, buff=0.15).scale(self.k)
            line.move_to([body.get_center()[0], eq_top - line.height / 2, 0])
            vlab = self._values_label(pos).scale(self.k)
            vlab.move_to(vals.get_left() + LEFT * (0.3 + vlab.width / 2))
            new = VGroup(col, mark, arrows, line, vlab)
            if state is not None:
                self.remove(state)
            self.add(new)
            state = new
            self.drawn["steps"].append({"position": pos, "values": list(st["values"]),
                                        "weights": list(st["weights"]), "equation": eq.drawn,
                                        "total": st["total_text"]})
            self.hold(None if i < len(path) - 1 else self.opts.final_hold)
        self.drawn["output_values"] = vout.values()
        self.drawn["marked"] = path[-1]

    def _values_label(self, pos):
        r, c = pos
        return self.text(self.say(f"input at ({r}, {c})", f"({r}, {c}) 处的输入"), size=22)
