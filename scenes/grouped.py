"""figure6: grouped convolution with 2 groups.

Draws a :class:`convviz.figures.volumes.GroupedFigure`. The input H x W x D_in is split at D_in/2 (one colour
per group, ``theme.groups``); each group has D_out/2 filters h x w x D_in/2 in its colour and makes its own half
of the H_out x W_out x D_out output. The weight count of the same layer with groups=1 and with groups (the
figure's ``GroupCount``s, i.e. ``convviz.ops.conv_params``) is written underneath. The animation morphs
groups=1 into the grouped layer.
Run with stock Manim: ``manim -ql scenes/grouped.py GroupedConv``.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, VGroup

from convviz.figures.volumes import GroupCount, GroupedFigure

from scenes.kit.base import ConvVizScene
from scenes.kit.theme import tint
from scenes.kit.volume import Volume, link

SUB_IN, SUB_OUT = "ᵢₙ", "ₒᵤₜ"
CELL = 0.42                 # a voxel's side (scene units, before fitting)
BLOCK_TINT = 0.55           # input/output slices: their group's colour this much lighter
FILTER_TINT = 0.3           # filters: their group's colour this much lighter
TAG_TINT = 0.35             # a filter's "× n" tag: its group's colour toward the text colour
TAG_SIZE = 22
TAG_GAP = 0.18              # filter → its tag above
FILTER_GAP = 0.55           # between the groups' filters (stacked)
BLOCK_GAP = 1.3             # between input, filters and output
TITLE_GAP = 0.3             # block → its title above
TITLE_SIZE = 26
COUNT_SIZE = 24
COUNT_LINE_GAP = 0.15
COUNT_GAP = 0.45            # the drawing → the weight counts


class GroupedConv(ConvVizScene):
    default_entry = "cnn-figure6"
    params: GroupedFigure

    def construct(self):
        fig = self.params
        self.drawn.update({"out_size": fig.out_size, "params": {c.groups: c.weights for c in fig.counts},
                           "groups": fig.groups})
        first = self.layer(fig, fig.counts[:1])
        self.add(first)
        self.hold()
        self.swap((first, self.layer(fig, fig.counts)))
        self.hold_last()

    # ------------------------------------------------------------------------------------------------------
    def _colors(self, groups: tuple[int, ...]) -> list:
        """One fill per slice: the colour of the slice's group."""
        g = self.theme.groups
        return [tint(g[i % len(g)], BLOCK_TINT) for i in groups]

    def filters(self, fig: GroupedFigure, count: GroupCount) -> tuple[VGroup, list]:
        """One stack of filters h x w x D_in/groups per group, tagged "× D_out/groups", and their record."""
        t = self.theme
        kh, kw = fig.kernel_size
        depth_name = "D" + SUB_IN + (f"/{count.groups}" if count.groups > 1 else "")
        filters, records = VGroup(), []
        for g in range(count.groups):
            col = t.groups[g % len(t.groups)]
            f = Volume((kh, kw, count.in_per_group), t, self.text, cell=CELL, colors=tint(col, FILTER_TINT),
                       names=("h", "w", depth_name), label_style="both")
            times = "× " + str(count.out_per_group) + (f"  (D{SUB_OUT}/{count.groups})" if count.groups > 1
                                                       else f"  (D{SUB_OUT})")
            if count.groups > 1:
                times = self.say(f"group {g + 1}:  ", f"第 {g + 1} 组：") + times
            tag = self.text(times, size=TAG_SIZE, color=tint(col, TAG_TINT, t.text)).next_to(f.body, UP,
                                                                                             buff=TAG_GAP)
            filters.add(VGroup(f, tag))
            records.append({"labels": dict(f.drawn["labels"]), "times": times})
        filters.arrange(UP, buff=FILTER_GAP)
        return filters, records

    def arrows(self, fig: GroupedFigure, count: GroupCount, vin, filters, vout) -> VGroup:
        """Each input group → its filters → its output half: into a block at its top-left receding edge, out of
        it from its right face (clear of the labels)."""
        (h, w), (kh, kw) = fig.in_size, fig.kernel_size
        g_in, g_out = count.in_per_group, count.out_per_group
        arrows = VGroup()
        for g in range(count.groups):
            col = self.theme.groups[g % len(self.theme.groups)]
            f = filters[g][0]
            arrows.add(link(vin.point(h * 0.5, w, (g + 0.5) * g_in), f.point(0, 0, g_in * 0.5), col))
            arrows.add(link(f.point(kh * 0.5, kw, g_in * 0.5), vout.point(0, 0, (g + 0.5) * g_out), col))
        return arrows

    def count_lines(self, shown: tuple[GroupCount, ...]) -> tuple[VGroup, list[str]]:
        """"groups=g: C_out × C_in/g × kh × kw = n weights" for each count shown, the last one in bold."""
        t = self.theme
        lines, strings = VGroup(), []
        for i, c in enumerate(shown):
            s = self.say(f"groups={c.groups}: {c.product} = {c.weights} weights",
                         f"groups={c.groups}：{c.product} = {c.weights} 个权重")
            last = i == len(shown) - 1
            lines.add(self.text(s, size=COUNT_SIZE, color=t.text if last else t.muted, bold=last))
            strings.append(s)
        return lines.arrange(DOWN, buff=COUNT_LINE_GAP, aligned_edge=LEFT), strings

    def layer(self, fig: GroupedFigure, shown: tuple[GroupCount, ...]) -> VGroup:
        """The layer split as the last of ``shown``, with the weight counts of ``shown`` underneath."""
        t, count = self.theme, shown[-1]
        (h, w), (oh, ow) = fig.in_size, fig.out_size
        vin = Volume((h, w, fig.in_channels), t, self.text, cell=CELL, colors=self._colors(count.input_group),
                     names=("H" + SUB_IN, "W" + SUB_IN, "D" + SUB_IN), label_style="both")
        vout = Volume((oh, ow, fig.out_channels), t, self.text, cell=CELL, colors=self._colors(count.output_group),
                      names=("H" + SUB_OUT, "W" + SUB_OUT, "D" + SUB_OUT), label_style="both")
        filters, records = self.filters(fig, count)
        row = VGroup(vin, filters, vout).arrange(RIGHT, buff=BLOCK_GAP)
        titles = VGroup(self.label("input").next_to(vin.body, UP, buff=TITLE_GAP),
                        self.text(self.say("Filters", "滤波器"), size=TITLE_SIZE).next_to(filters, UP,
                                                                                        buff=TITLE_GAP),
                        self.label("output").next_to(vout.body, UP, buff=TITLE_GAP))
        top = max(m.get_y() for m in titles)
        for m in titles:
            m.set_y(top)
        body = VGroup(row, titles, self.arrows(fig, count, vin, filters, vout))
        lines, strings = self.count_lines(shown)
        lines.next_to(body, DOWN, buff=COUNT_GAP)
        whole = VGroup(body, lines)
        self.fit_to_frame(whole)
        self.drawn[f"groups={count.groups}"] = {"input_labels": dict(vin.drawn["labels"]),
                                                "output_labels": dict(vout.drawn["labels"]), "filters": records,
                                                "count_lines": strings}
        return whole
