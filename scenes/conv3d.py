"""figure15: 3-D convolution. An input volume, a k x k x k kernel, the output volume with one voxel marked.

Sizes come from ``conv_output_size``; the volume and kernel values from ``convviz.figures.volumes.conv3d_example``
(``convviz.ops.conv``). The animation moves the kernel through depth as well as height and width (row-major
over the output's (d, h, w), thinned to a handful of steps) and ends on the marked output voxel. An interior
window is drawn as a see-through box with its projection tinted on the three visible faces.
Run with stock Manim: ``manim -ql scenes/conv3d.py Conv3DScene``.
"""

from __future__ import annotations

from manim import DOWN, RIGHT, UP, VGroup

from convviz.describe import size_formula
from convviz.figures.volumes import conv3d_example, conv3d_step, sweep_path

from scenes.kit.base import ConvVizScene
from scenes.kit.volume import Volume, link


class Conv3DScene(ConvVizScene):
    default_entry = "cnn-figure15"

    def construct(self):
        p, t = self.params, self.theme
        ex = conv3d_example(p["in_size"], p["kernel_size"], seed=int(p.get("seed", 0)))
        (di, hi, wi), (kd, kh, kw), (do, ho, wo) = ex["in_size"], ex["kernel_size"], ex["out_size"]
        marked = tuple(p.get("marked") or (do // 2, ho // 2, wo // 2))
        path = sweep_path((do, ho, wo), marked, max_steps=int(p.get("steps", 6)))
        cell = 0.5
        vin = Volume((hi, wi, di), t, self.text, cell=cell, colors=t.input_fill, stroke=t.input_stroke,
                     label_style="both", depth=0.6)
        vk = Volume((kh, kw, kd), t, self.text, cell=cell, colors=t.kernel_fill, stroke=t.kernel_stroke,
                    label_style="value", depth=0.6)
        vout = Volume((ho, wo, do), t, self.text, cell=cell, colors=t.output_fill, stroke=t.output_stroke,
                      label_style="both", depth=0.6, h_label="right")
        row = VGroup(vin, vk, vout).arrange(RIGHT, buff=1.4)
        vk.shift(DOWN * (vk.body.get_top()[1] - vin.point(hi / 2, 0, 0)[1]))    # below the arrows' path
        titles = VGroup(self.label("input").next_to(vin.body, UP, buff=0.3),
                        self.label("kernel").next_to(vk.labels, DOWN, buff=0.25),
                        self.label("output").next_to(vout.body, UP, buff=0.3))
        titles[2].set_y(titles[0].get_y())
        formula = size_formula((di, hi, wi), (kd, kh, kw), (1, 1, 1), 0, (1, 1, 1))
        taps = kd * kh * kw
        rule = self.say(f"each output voxel (d, h, w) is the sum of {kd} × {kh} × {kw} = {taps} products",
                        f"每个输出体素 (d, h, w) 是 {kd} × {kh} × {kw} = {taps} 个乘积之和")
        flines = VGroup(self.text(rule, size=20, color=t.muted),
                        *[self.text(s, size=20, color=t.muted) for s in formula]).arrange(DOWN, buff=0.12)
        body = VGroup(row, titles)
        flines.next_to(body, DOWN, buff=1.1)
        whole = VGroup(body, flines)
        w0 = whole.width
        self.fit_to_frame(whole)
        self.k = whole.width / w0
        self.add(whole)
        self.drawn.update({"input_labels": vin.drawn["labels"], "kernel_labels": vk.drawn["labels"],
                           "output_labels": vout.drawn["labels"], "out_size": (do, ho, wo), "path": path,
                           "marked": path[-1], "formula": formula, "rule": rule, "steps": []})
        state = None
        for i, pos in enumerate(path):
            st = conv3d_step(ex, pos)
            (d0, d1), (h0, h1), (w0_, w1) = st["window"]
            d, h, w = pos
            win = vin.highlight((h0, h1), (w0_, w1), (d0, d1), color=t.kernel_stroke, fill_opacity=0.25,
                                project=True)
            mark = vout.highlight(h, w, d, color=t.highlight, fill_opacity=0.5, project=True)
            arrows = VGroup(
                link(vin.point((h0 + h1) / 2, w1, (d0 + d1) / 2), vk.point(0, 0, kd / 2), t.kernel_stroke),
                link(vk.point(kh / 2, kw, kd / 2), vout.point(h + 0.5, w + 0.5, d + 0.5), t.kernel_stroke),
            ).set_z_index(6)
            s = self.say(f"output ({d}, {h}, {w}) = {st['total_text']}", f"输出 ({d}, {h}, {w}) = {st['total_text']}")
            line = self.text(s, size=24).scale(self.k)
            line.next_to(body, DOWN, buff=0.45 * self.k)
            new = VGroup(win, mark, arrows, line)
            if state is not None:
                self.remove(state)
            self.add(new)
            state = new
            self.drawn["steps"].append({"position": pos, "window": st["window"], "text": s,
                                        "total": st["total_text"], "taps": st["taps"]})
            self.hold(None if i < len(path) - 1 else self.opts.final_hold)
