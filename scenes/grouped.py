"""figure6: grouped convolution with 2 groups.

The input H x W x D_in is split at D_in/2 (one colour per group, ``theme.groups``); each group has D_out/2
filters h x w x D_in/2 in its colour and makes its own half of the H_out x W_out x D_out output. The weight count
of the same layer with groups=1 and with groups (from ``convviz.figures.volumes.grouped_params``, i.e.
``convviz.ops.conv_params``) is written underneath. The animation morphs groups=1 into the grouped layer.
Run with stock Manim: ``manim -ql scenes/grouped.py GroupedConv``.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, ReplacementTransform, VGroup

from convviz.shapes import conv_output_size, ntuple
from convviz.figures.volumes import grouped_params

from scenes.kit.base import ConvVizScene
from scenes.kit.theme import tint
from scenes.kit.volume import Volume, link

SUB_IN, SUB_OUT = "ᵢₙ", "ₒᵤₜ"


class GroupedConv(ConvVizScene):
    default_entry = "cnn-figure6"

    def construct(self):
        p = self.params
        h, w = ntuple(p["in_size"], 2, "in_size", minimum=1)
        kh, kw = ntuple(p["kernel_size"], 2, "kernel_size", minimum=1)
        c_in, c_out, groups = int(p["in_channels"]), int(p["out_channels"]), int(p["groups"])
        oh, ow = conv_output_size((h, w), (kh, kw))
        counts = grouped_params(c_in, c_out, (kh, kw), groups=(1, groups))
        self.drawn.update({"out_size": (oh, ow), "params": counts, "groups": groups})
        first = self._layout(h, w, kh, kw, oh, ow, c_in, c_out, 1, counts)
        self.add(first)
        self.hold()
        final = self._layout(h, w, kh, kw, oh, ow, c_in, c_out, groups, counts)
        self.transition(ReplacementTransform(first, final))
        self.remove(first)
        self.add(final)
        self.hold_last()

    # ------------------------------------------------------------------------------------------------------
    def _colors(self, groups: int, n: int) -> list:
        """One fill per slice of an n-deep block split into ``groups`` contiguous groups."""
        t = self.theme
        per = n // groups
        return [tint(t.groups[(i // per) % len(t.groups)], 0.55) for i in range(n)]

    def _layout(self, h, w, kh, kw, oh, ow, c_in, c_out, groups, counts) -> VGroup:
        t = self.theme
        cell = 0.42
        g_in, g_out = c_in // groups, c_out // groups
        vin = Volume((h, w, c_in), t, self.text, cell=cell, colors=self._colors(groups, c_in),
                     names=("H" + SUB_IN, "W" + SUB_IN, "D" + SUB_IN), label_style="both")
        vout = Volume((oh, ow, c_out), t, self.text, cell=cell, colors=self._colors(groups, c_out),
                      names=("H" + SUB_OUT, "W" + SUB_OUT, "D" + SUB_OUT), label_style="both")
        depth_name = "D" + SUB_IN + (f"/{groups}" if groups > 1 else "")
        filters = VGroup()
        records = []
        for g in range(groups):
            col = t.groups[g % len(t.groups)]
            f = Volume((kh, kw, g_in), t, self.text, cell=cell, colors=tint(col, 0.3),
                       names=("h", "w", depth_name), label_style="both")
            times = "× " + str(g_out) + (f"  (D{SUB_OUT}/{groups})" if groups > 1 else f"  (D{SUB_OUT})")
            if groups > 1:
                times = self.say(f"group {g + 1}:  ", f"第 {g + 1} 组：") + times
            tag = self.text(times, size=22, color=tint(col, 0.35, t.text)).next_to(f.body, UP, buff=0.18)
            filters.add(VGroup(f, tag))
            records.append({"labels": dict(f.drawn["labels"]), "times": times})
        filters.arrange(UP, buff=0.55)
        row = VGroup(vin, filters, vout).arrange(RIGHT, buff=1.3)
        titles = VGroup(self.label("input").next_to(vin.body, UP, buff=0.3),
                        self.text(self.say("Filters", "滤波器"), size=26).next_to(filters, UP, buff=0.3),
                        self.label("output").next_to(vout.body, UP, buff=0.3))
        top = max(m.get_y() for m in titles)
        for m in titles:
            m.set_y(top)
        # arrows: each input group → its filters → its output half
        arrows = VGroup()
        for g in range(groups):
            col = t.groups[g % len(t.groups)]
            d_in = (g + 0.5) * g_in
            d_out = (g + 0.5) * g_out
            f = filters[g][0]
            # into a block at its top-left receding edge, out of it from its right face: clear of the labels
            arrows.add(link(vin.point(h * 0.5, w, d_in), f.point(0, 0, g_in * 0.5), col))
            arrows.add(link(f.point(kh * 0.5, kw, g_in * 0.5), vout.point(0, 0, d_out), col))
        # weight counts
        lines, strings = VGroup(), []
        for g, n in counts.items():
            mult = f"{c_out} × {c_in // g} × {kh} × {kw}"
            s = self.say(f"groups={g}: {mult} = {n} weights", f"groups={g}：{mult} = {n} 个权重")
            lines.add(self.text(s, size=24, color=t.text if g == groups else t.muted, bold=g == groups))
            strings.append(s)
            if g == groups:
                break
        lines.arrange(DOWN, buff=0.15, aligned_edge=LEFT)
        body = VGroup(row, titles, arrows)
        lines.next_to(body, DOWN, buff=0.45)
        whole = VGroup(body, lines)
        self.fit_to_frame(whole)
        self.drawn[f"groups={groups}"] = {"input_labels": dict(vin.drawn["labels"]),
                                          "output_labels": dict(vout.drawn["labels"]), "filters": records,
                                          "count_lines": strings}
        return whole
