"""Deformable convolution: the sampling points (figure16), the pipeline with one output traced (figure17) and the
complete picture with the notes' shapes (figure18).

Every point comes from an offset tensor (regular position + offset, ``convviz.figures.deformable``), every bilinear
weight, value and sum from ``convviz.trace.trace_deform_conv2d``, every shape from ``conv_output_size`` and the
kernel size. Run with stock Manim too: ``manim -ql scenes/deformable.py DeformablePipeline``.
"""

from __future__ import annotations

import numpy as np
from manim import (DOWN, DR, LEFT, RIGHT, UL, UP, UR, Arrow, Circle, DashedLine, DashedVMobject, Dot, FadeIn,
                   GrowArrow, Line, ManimColor, Rectangle, RoundedRectangle, Square, VGroup, interpolate_color)

from convviz.figures.deformable import (one_position_offsets, overview_shapes, pipeline_example, sampling_panels,
                                     traced_position)
from convviz.describe import size_formula
from convviz.trace import fmt, trace_deform_conv2d

from scenes.kit.base import ConvVizScene
from scenes.kit.widgets import NumberGrid

MONO = "DejaVu Sans Mono"


# ------------------------------------------------------------------------------------------------ helpers
def arrow(start, end, color, width: float = 3.0, tip: float = 0.16, buff: float = 0.0) -> Arrow:
    length = float(np.linalg.norm(np.asarray(end) - np.asarray(start)))
    return Arrow(start, end, buff=buff, color=color, stroke_width=width, tip_length=min(tip, 0.45 * length),
                 max_tip_length_to_length_ratio=0.5, max_stroke_width_to_length_ratio=50)


def slab(width: float, height: float, layers: int, depth: float, fill: str, stroke: str, max_sheets: int = 12,
         direction=(0.82, 0.57)) -> VGroup:
    """A stack of ``layers`` feature-map sheets in an oblique view: the front sheet is a ``width`` x ``height``
    rectangle, later sheets step back along ``direction`` over ``depth`` units. At most ``max_sheets`` are drawn
    (the label gives the real count). ``.front`` is the front sheet; ``.sheets`` the number drawn."""
    n = max(1, min(int(layers), max_sheets))
    d = np.array([direction[0], direction[1], 0.0])
    d = d / np.linalg.norm(d) * depth
    g = VGroup()
    for i in reversed(range(n)):
        r = Rectangle(width=width, height=height, fill_color=fill, fill_opacity=1, stroke_color=stroke,
                      stroke_width=1.6 if i else 2.4)
        r.shift(d * (i / (n - 1) if n > 1 else 0))
        g.add(r)
    g.front = g[-1]
    g.sheets = n
    g.step = d / (n - 1) if n > 1 else d * 0
    return g


def shp(shape) -> str:
    """A shape as drawn: ``(32, 18, 28, 28)``."""
    return "(" + ", ".join(str(int(v)) for v in shape) + ")"


class DeformableBase(ConvVizScene):
    @property
    def offset_color(self) -> str:
        """Offsets are their own role: the theme's last group colour (cyan), never used for data here."""
        return self.theme.groups[-1]

    @property
    def offset_fill(self) -> str:
        return interpolate_color(ManimColor(self.theme.groups[-1]), ManimColor(self.theme.background), 0.78)

    def mono(self, s: str, size: float = 20, color: str | None = None):
        return self.text(s, size=size, color=color, font=MONO)

    @property
    def tweening(self) -> bool:
        return self.smooth and not (self.sink is not None and self.sink.still)

    def reveal(self, *mobs, arrows=()) -> None:
        """Show ``mobs`` (fading in) and ``arrows`` (growing) as the next state. Without tweening the state is
        the same, so skip building animations (copying big groups is what they cost)."""
        if self.tweening:
            self.transition(*[FadeIn(m) for m in mobs], *[GrowArrow(a) for a in arrows])
        else:
            self.add(*mobs, *arrows)

    def mono_chars(self, s: str, size: float = 20, color: str | None = None, left: float = 0.0,
                   top: float = 0.0) -> VGroup:
        """A monospaced line built from cached single glyphs at fixed columns (unique strings are what cost
        time; single characters repeat). Runs of CJK characters are one token, two columns per character.
        Leading spaces count; ``.text`` is the string."""
        cw = 0.602 * size / 72
        g = VGroup()
        col = 0
        i = 0
        while i < len(s):
            ch = s[i]
            if ord(ch) > 0x2E80:
                j = i
                while j < len(s) and ord(s[j]) > 0x2E80:
                    j += 1
                tok = self.text(s[i:j], size=size, color=color, strut=True)
                tok.place_strut([left + col * cw - cw, top, 0])
                g.add(tok)
                col += 2 * (j - i)
                i = j
                continue
            if ch != " ":
                tok = self.text(ch, size=size, color=color, font=MONO, strut=True)
                tok.place_strut([left + col * cw - cw, top, 0])
                g.add(tok)
            col += 1
            i += 1
        g.text = s
        return g

    def mono_lines(self, lines, left: float, top: float, size: float = 20, color: str | None = None,
                   gap: float = 0.1) -> VGroup:
        """Monospaced lines starting at column 0 at ``left``, one under the other from ``top``."""
        lh = size / 72 * 1.25 + gap
        return VGroup(*[self.mono_chars(s, size, color, left, top - n * lh) for n, s in enumerate(lines)])

    def small(self, s: str, size: float = 20, color: str | None = None):
        return self.text(s, size=size, color=color or self.theme.muted)

    def offsets_glyph(self, offsets: np.ndarray, kernel_size, cell: float, color: str) -> VGroup:
        """A kh x kw grid with each tap's (dy, dx) offset as an arrow from the cell centre (figure17's
        "offsets"); arrows are drawn at ``cell`` per unit of offset, capped to stay in the cell."""
        kh, kw = kernel_size
        t = self.theme
        g = VGroup()
        cells = VGroup()
        arrows = VGroup()
        longest = max(float(np.max(np.hypot(offsets[:, 0], offsets[:, 1]))), 1e-9)
        for i in range(kh):
            for j in range(kw):
                sq = Square(cell, stroke_color=t.grid, stroke_width=2, fill_color=t.kernel_fill, fill_opacity=1)
                sq.move_to([j * cell, -i * cell, 0])
                cells.add(sq)
                dy, dx = offsets[i * kw + j]
                v = np.array([dx, -dy, 0.0]) / longest * cell * 0.78   # direction and relative length
                n = np.linalg.norm(v)
                if n > 0.12 * cell:
                    a = arrow(sq.get_center() - v * 0.5, sq.get_center() + v * 0.5, color, width=2.5,
                              tip=0.1)
                    arrows.add(a)
                else:
                    arrows.add(Dot(sq.get_center(), radius=0.03, color=color))
        g.add(cells, arrows)
        g.cells, g.arrows = cells, arrows
        return g


# ----------------------------------------------------------------------------------------------- figure16
class DeformableSampling(DeformableBase):
    """(a) the regular 3x3 sampling grid, (b) points moved by a seeded offset tensor, (c) offsets that scale the
    grid, (d) offsets that rotate it; arrows from each regular point to its fractional sampling point."""

    default_entry = "cnn-figure16"
    CELL = 0.36

    def construct(self):
        p = self.params
        k = p["kernel_size"]
        panels = sampling_panels(k, p["seed"], p["scale"], p["degrees"], p.get("offset_range", 0.8))
        kh, kw = (k, k) if isinstance(k, int) else tuple(k)
        captions = {
            "regular": self.say(f"(a) regular {kh}×{kw} grid", f"(a) 规则 {kh}×{kw} 网格"),
            "learned": self.say("(b) free-form offsets", "(b) 任意偏移"),
            "scale": self.say(f"(c) scale ×{p['scale']:g}", f"(c) 缩放 ×{p['scale']:g}"),
            "rotate": self.say(f"(d) rotate {p['degrees']:g}°", f"(d) 旋转 {p['degrees']:g}°"),
        }
        cell = self.CELL
        built = []
        for panel in panels:
            built.append(self._panel(panel, cell, captions[panel.key]))
        row = VGroup(*[b["group"] for b in built]).arrange(RIGHT, buff=0.55, aligned_edge=UP)
        legend = self._legend()
        body = VGroup(row, legend)
        legend.next_to(row, DOWN, buff=0.35)
        self.fit_to_frame(body)
        # record what was drawn, in grid coordinates (row, col) read back from the scene
        self.drawn["grid"] = panels[0].grid
        self.drawn["panels"] = {}
        for panel, b in zip(panels, built):
            self.drawn["panels"][panel.key] = {
                "out_position": panel.out_position,
                "regular": [b["to_grid"](d.get_center()) for d in b["regular"]],
                "points": [b["to_grid"](d.get_center()) for d in b["points"]],
                "arrows": [(b["to_grid"](a.get_start()), b["to_grid"](a.get_end())) for a in b["arrows"]],
                "arrow_taps": list(b["arrow_taps"]),
                "caption": captions[panel.key],
            }
        # storyboard: the grids and the regular points, then each kind of offset in turn
        self.add(legend)
        for b in built:
            self.add(b["grid"], b["caption"], b["regular"])
        self.add(built[0]["points"])
        self.hold()
        for i, b in enumerate(built[1:]):
            self.reveal(b["points"], arrows=list(b["arrows"]))
            self.hold(None if i < len(built) - 2 else self.opts.final_hold)

    def _panel(self, panel, cell, caption):
        t = self.theme
        n = panel.grid
        grid = VGroup()
        for r in range(n):
            for c in range(n):
                sq = Square(cell, stroke_color=t.grid, stroke_width=1.2, fill_color=t.input_fill,
                            fill_opacity=0.45)
                sq.move_to([c * cell, -r * cell, 0])
                grid.add(sq)
        origin = grid[0].get_center().copy()
        anchor = VGroup()                                  # follows every transform of the panel

        def scene_pos(rc):
            return origin + np.array([rc[1] * cell, -rc[0] * cell, 0.0])

        moved = panel.moved
        r_dot = 0.075
        regular = VGroup()
        points = VGroup()
        arrows = VGroup()
        arrow_taps = []
        for k, (reg, pt) in enumerate(zip(panel.regular, panel.points)):
            if moved:
                regular.add(Dot(scene_pos(reg), radius=r_dot * 0.85, color=t.kernel_stroke, fill_opacity=0.35,
                                stroke_width=0))
                if np.linalg.norm(pt - reg) * cell > 2.2 * r_dot:
                    a = arrow(scene_pos(reg), scene_pos(pt), self.offset_color, width=2.4, tip=0.12,
                              buff=r_dot * 0.9)
                    arrows.add(a)
                    arrow_taps.append(k)
                points.add(Dot(scene_pos(pt), radius=r_dot, color=t.kernel_stroke))
            else:
                points.add(Dot(scene_pos(pt), radius=r_dot, color=t.kernel_stroke))
        cap = self.text(caption, size=24)
        cap.next_to(grid, DOWN, buff=0.25)
        ref = Dot(origin, radius=0.001, fill_opacity=0, stroke_width=0)
        unit = Dot(origin + np.array([cell, -cell, 0.0]), radius=0.001, fill_opacity=0, stroke_width=0)
        anchor.add(ref, unit)
        group = VGroup(grid, arrows, regular, points, cap, anchor)
        points.set_z_index(3)
        arrows.set_z_index(2)
        regular.set_z_index(1)

        def to_grid(pos):
            o = ref.get_center()
            u = unit.get_center() - o          # (cell, -cell) after any scaling
            return (round(float((pos[1] - o[1]) / u[1]), 6), round(float((pos[0] - o[0]) / u[0]), 6))

        return {"group": group, "grid": VGroup(grid, anchor), "regular": regular, "points": points,
                "arrows": arrows, "arrow_taps": arrow_taps, "caption": cap, "to_grid": to_grid}

    def _legend(self):
        t = self.theme
        items = VGroup(
            VGroup(Dot(radius=0.075, color=t.kernel_stroke, fill_opacity=0.35, stroke_width=0),
                   self.small(self.say("regular sampling point", "规则采样点"))).arrange(RIGHT, buff=0.12),
            VGroup(arrow([0, 0, 0], [0.5, 0, 0], self.offset_color, width=2.4, tip=0.12),
                   self.small(self.say("offset (Δy, Δx) from the offset tensor", "偏移 (Δy, Δx)，取自偏移张量"))
                   ).arrange(RIGHT, buff=0.12),
            VGroup(Dot(radius=0.075, color=t.kernel_stroke),
                   self.small(self.say("sampling point (fractional)", "采样点（分数坐标）"))).arrange(RIGHT, buff=0.12),
        )
        return items.arrange(RIGHT, buff=0.6)


# ----------------------------------------------------------------------------------------------- figure17
class DeformablePipeline(DeformableBase):
    """Input feature map → conv → offset field (2N channels) → offsets → deformable convolution → output, computed
    on a small seeded example; the animation follows one output value tap by tap: the sampling point, its four
    neighbours with their bilinear weights, the sampled value times the kernel weight, and the sum."""

    default_entry = "cnn-figure17"
    CELL = 0.62          # input grid
    OUT_CELL = 0.42      # output grid
    ZOOM = 0.78          # zoomed neighbour cells
    GLYPH = 0.5          # offsets glyph cells
    KCELL = 0.5          # kernel cells

    def construct(self):
        p = self.params
        t = self.theme
        data = pipeline_example(p["in_size"], p["kernel_size"], p["seed"], p.get("padding", 1),
                                p.get("offset_range", 0.8))
        x, w, off = data["x"], data["weight"], data["offset"]
        trace = trace_deform_conv2d(x, off, w, padding=data["padding"])
        oh, ow = trace.out_size
        pos = traced_position((oh, ow), p.get("traced"))
        step = trace.step(pos[0] * ow + pos[1])            # batch 0, output channel 0
        kh, kw = trace.setup.kernel_size
        self.trace, self.step_ = trace, step

        # -- middle row: input grid, output grid ---------------------------------------------------------
        self.input_grid = NumberGrid(x[0], t, self.text, cell=self.CELL, fill=t.input_fill, number_color=t.muted)
        self.input_grid.move_to([-4.75, 0.2, 0])
        out = NumberGrid(np.full((oh, ow), None), t, self.text, cell=self.OUT_CELL, fill=t.output_fill,
                         stroke=t.output_stroke, show_numbers=False)
        out.move_to([5.3, 0.35, 0])
        self.output_grid = out
        in_label = self.text(self.say("input feature map", "输入特征图"), size=24)
        in_label.next_to(self.input_grid, DOWN, buff=0.18)
        out_label = self.text(self.say("output feature map", "输出特征图"), size=24)
        out_label.next_to(out, DOWN, buff=0.15)
        out_mark = Square(self.OUT_CELL, stroke_color=t.highlight, stroke_width=5).move_to(out.cell_center(*pos))
        out_mark.set_z_index(4)

        # -- top row: conv → offset field → offsets ------------------------------------------------------
        top_y = 2.75
        conv = Rectangle(width=0.5, height=1.15, stroke_color=t.kernel_stroke, stroke_width=3,
                         fill_color=t.kernel_fill, fill_opacity=1).move_to([-2.0, top_y, 0])
        c_out = off.shape[0]
        conv_label = VGroup(self.text(self.say("conv", "卷积"), size=22),
                            self.small(f"{kh}×{kw}, {x.shape[0]}→{c_out}", size=18)).arrange(DOWN, buff=0.08)
        conv_label.next_to(conv, DOWN, buff=0.15)
        field = slab(1.2, 1.2, c_out, 0.75, self.offset_fill, self.offset_color, max_sheets=c_out)
        field.move_to([0.2, top_y + 0.2, 0])
        fh, fw = off.shape[1:]
        front = field.front
        fcell = front.width / fw
        field_mark = Square(fcell, stroke_color=t.highlight, stroke_width=3)
        field_mark.move_to(front.get_corner(UL) + np.array([(pos[1] + 0.5) * fcell, -(pos[0] + 0.5) * fcell, 0]))
        field_label = VGroup(
            self.text(self.say("offset field", "偏移场"), size=22),
            self.small(self.say(f"2N = {c_out} channels", f"2N = {c_out} 个通道"), size=18),
            self.small(f"({c_out}, {fh}, {fw})", size=18),
        ).arrange(DOWN, buff=0.08)
        field_label.next_to(front, DOWN, buff=0.15)
        offsets = np.array([tp.offset for tp in step.taps])      # (dy, dx) per tap, from the trace
        glyph = self.offsets_glyph(offsets, (kh, kw), self.GLYPH, self.offset_color)
        glyph.move_to([2.55, top_y, 0])
        glyph_label = VGroup(self.text(self.say(f"offsets at {pos}", f"{pos} 处的偏移"), size=22),
                             self.small(self.say(f"N = {kh * kw} pairs (Δy, Δx)", f"N = {kh * kw} 对 (Δy, Δx)"),
                                        size=18)).arrange(DOWN, buff=0.08)
        glyph_label.next_to(glyph, DOWN, buff=0.15)
        a1 = arrow(self.input_grid.get_corner(UR) + np.array([-0.9, 0.08, 0]), conv.get_left() + LEFT * 0.05,
                   t.text, width=3)
        a2 = arrow(conv.get_right(), front.get_left(), t.text, width=3, buff=0.08)
        a3 = DashedLine(field.get_right() + RIGHT * 0.1 + DOWN * 0.15, glyph.get_left() + LEFT * 0.1,
                        color=t.text, stroke_width=3, dash_length=0.1).add_tip(tip_length=0.16)
        self.drawn["offset_field_label"] = (field_label[1].text, field_label[2].text)

        # -- deformable convolution label and arrow from the offsets --------------------------------------
        dc_label = self.text(self.say("deformable convolution", "可变形卷积"), size=24, color=t.kernel_stroke)
        dc_label.move_to([-0.5, -1.55, 0])
        self.kernel_grid = NumberGrid(w[0, 0], t, self.text, cell=self.KCELL, fill=t.kernel_fill,
                                      stroke=t.kernel_stroke)
        self.kernel_grid.move_to([2.65, -1.55, 0])
        k_label = self.label("kernel", size=22).next_to(self.kernel_grid, UP, buff=0.12)
        a4 = arrow(glyph_label.get_bottom() + DOWN * 0.05,
                   [glyph_label.get_center()[0], out.cell_center(*pos)[1] + 0.12, 0], t.text, width=3)
        self.out_label = out_label
        pipeline = VGroup(self.input_grid, in_label, out, out_label, conv, conv_label, field, field_mark,
                          field_label, glyph, glyph_label, a1, a2, a3, a4, dc_label, self.kernel_grid, k_label)
        self.add(pipeline, out_mark)

        # -- bottom row: zoom, sums, products -----------------------------------------------------------
        self.zoom_origin = np.array([-5.55, -3.2, 0])
        self.eq_left = -2.95
        self.eq_top = -2.45
        table, table_cells = self.product_table(kh, kw)
        table.move_to([5.3, -3.25, 0])
        tab_label = self.small(self.say("weight × sample, per tap", "每个采样点：权重 × 采样值"), size=18)
        tab_label.next_to(table, UP, buff=0.12)
        self.add(table, tab_label)
        self.drawn.update({"input": self.input_grid.drawn_array(), "kernel": self.kernel_grid.drawn_array(),
                           "padding": data["padding"], "offset_field_shape": tuple(off.shape),
                           "x": x[0].copy(), "weight": w[0, 0].copy(), "offset": off.copy(), "traced": pos,
                           "out_size": (oh, ow), "taps": [], "products": {}, "points": [], "regular": [],
                           "zoom": []})
        self.hold()

        # -- storyboard: one tap a step ----------------------------------------------------------------
        current = None
        zoom = None
        for k, tap in enumerate(step.taps):
            _, i, j = tap.kernel_index
            ring, arr, dot, line = self.tap_marks(tap, out.cell_center(*pos))
            hl = self.neighbour_box(tap)
            glyph_mark = Square(self.GLYPH, stroke_color=t.highlight, stroke_width=4).move_to(glyph.cells[k])
            k_mark = Square(self.KCELL, stroke_color=t.highlight, stroke_width=4).move_to(
                self.kernel_grid.cell_center(i, j))
            new_current = VGroup(hl, glyph_mark, k_mark, Dot(dot.get_center(), radius=0.1, color=t.highlight))
            new_current.set_z_index(5)
            new_zoom = self.zoom_panel(tap)
            prod = self.text(fmt(tap.product), size=18)
            prod.move_to(table_cells[k])
            table_cells[k].set_fill(t.kernel_fill, opacity=1)
            if current is not None:
                self.remove(current, zoom)
            self.reveal(VGroup(ring, dot, line), new_current, new_zoom, prod,
                        arrows=[arr] if arr is not None else [])
            current, zoom = new_current, new_zoom
            if k == len(step.taps) - 1:
                self.finish_output(step, pos, out, table)
            self.drawn["taps"].append((i, j))
            self.drawn["products"][(i, j)] = fmt(tap.product)
            self.drawn["regular"].append(self.to_grid(ring.get_center()))
            self.drawn["points"].append(self.to_grid(dot.get_center()))
            self.hold(None if k < len(step.taps) - 1 else self.opts.final_hold)

    # ------------------------------------------------------------------------------------------------------
    def to_scene(self, rc) -> np.ndarray:
        o = self.input_grid.cell_center(0, 0)
        return o + np.array([rc[1] * self.CELL, -rc[0] * self.CELL, 0.0])

    def to_grid(self, pos) -> tuple[float, float]:
        o = self.input_grid.cell_center(0, 0)
        return (round(float((o[1] - pos[1]) / self.CELL), 6), round(float((pos[0] - o[0]) / self.CELL), 6))

    def tap_marks(self, tap, target):
        t = self.theme
        reg = self.to_scene(tap.regular)
        pt = self.to_scene(tap.point)
        ring = Circle(radius=0.2, stroke_color=t.kernel_stroke, stroke_width=2.5).move_to(reg)
        v = pt - reg
        n = float(np.linalg.norm(v))
        arr = None
        if n > 0.3:
            arr = arrow(reg + v / n * 0.2, pt - v / n * 0.06, self.offset_color, width=2.6, tip=0.12)
            arr.set_z_index(3)
        dot = Dot(pt, radius=0.07, color=t.kernel_stroke)
        dot.set_z_index(4)
        line = DashedLine(pt, target, color=t.kernel_stroke, stroke_width=1.4, dash_length=0.08,
                          stroke_opacity=0.55)
        ring.set_z_index(3)
        return ring, arr, dot, line

    def neighbour_box(self, tap):
        """Outline of the tap's four neighbours on the input grid (dashed where they fall outside)."""
        t = self.theme
        (r0, c0) = tap.neighbours[0].position
        tl = self.to_scene((r0 - 0.5, c0 - 0.5))
        box = Rectangle(width=2 * self.CELL, height=2 * self.CELL, stroke_color=t.highlight, stroke_width=4)
        box.move_to(tl + np.array([self.CELL, -self.CELL, 0]))
        if not all(nb.inside for nb in tap.neighbours):
            box = DashedVMobject(box, num_dashes=16)
        return box

    def zoom_panel(self, tap) -> VGroup:
        """The four neighbours of one sampling point: values, bilinear weights (2 decimals) and the point;
        beside it the point's arithmetic."""
        t = self.theme
        z = self.ZOOM
        g = VGroup()
        origin = self.zoom_origin
        cells = VGroup()
        texts = VGroup()
        wts = VGroup()
        (r0, c0) = tap.neighbours[0].position
        rec = []
        for nb in tap.neighbours:
            dr, dc = nb.position[0] - r0, nb.position[1] - c0
            centre = origin + np.array([dc * z, -dr * z, 0])
            if nb.inside:
                sq = Square(z, stroke_color=t.grid, stroke_width=2, fill_color=t.input_fill, fill_opacity=1)
            else:
                sq = VGroup(Square(z, stroke_width=0, fill_color=t.padding_fill, fill_opacity=1),
                            DashedVMobject(Square(z, stroke_color=t.padding_text, stroke_width=2), num_dashes=8))
            sq.move_to(centre)
            cells.add(sq)
            out_dir = np.array([(dc - 0.5) * 2, -(dr - 0.5) * 2, 0])       # towards the outer corner
            val = self.text(fmt(nb.value), size=24, color=t.text if nb.inside else t.padding_text)
            val.move_to(centre + out_dir * z * 0.2)
            texts.add(val)
            ws = fmt(nb.weight)
            wt = self.mono_chars(f"w={ws}", size=18, color=t.highlight)
            if dc == 0:
                wt.next_to(sq, LEFT, buff=0.1)
            else:
                wt.next_to(sq, RIGHT, buff=0.1)
            wt.set_y(centre[1])
            wts.add(wt)
            rec.append((nb.position, fmt(nb.value), ws))
        pt = origin + np.array([(tap.point[1] - c0) * z, -(tap.point[0] - r0) * z, 0])
        links = VGroup(*[Line(pt, c.get_center(), stroke_color=t.highlight, stroke_width=1.5, stroke_opacity=0.6)
                         for c in cells])
        dot = Dot(pt, radius=0.08, color=t.highlight)
        g.add(cells, links, texts, wts, dot)
        texts.set_z_index(6)
        dot.set_z_index(7)
        _, i, j = tap.kernel_index
        title = self.text(self.say(f"zoom: tap ({i}, {j})", f"放大：采样点 ({i}, {j})"), size=22)
        title.next_to(cells, UP, buff=0.12)
        g.add(title)
        # arithmetic beside the zoom
        terms = [f"{fmt(nb.weight)}·{fmt(nb.value)}" for nb in tap.neighbours]
        ry, rx = tap.regular
        lines = [
            f"p = ({ry}, {rx}) + ({fmt(tap.offset[0])}, {fmt(tap.offset[1])})",
            f"  = ({fmt(tap.point[0])}, {fmt(tap.point[1])})",
            self.say("sample = ", "采样值 = ") + " + ".join(terms),
            " " * len(self.say("sample", "采样值")) + f" = {fmt(tap.sampled)}",
            self.say(f"× weight {fmt(tap.weight)} = {fmt(tap.product)}",
                     f"× 权重 {fmt(tap.weight)} = {fmt(tap.product)}"),
        ]
        eq = self.mono_lines(lines, self.eq_left, self.eq_top, size=18)
        g.add(eq)
        self.drawn["zoom"].append({"tap": (i, j), "neighbours": rec, "lines": lines})
        return g

    def product_table(self, kh, kw):
        t = self.theme
        cw, ch = 0.95, 0.42
        cells = VGroup()
        for i in range(kh):
            for j in range(kw):
                r = Rectangle(width=cw, height=ch, stroke_color=t.kernel_stroke, stroke_width=2,
                              fill_color=t.background, fill_opacity=1)
                r.move_to([j * cw, -i * ch, 0])
                cells.add(r)
        return cells, cells

    def finish_output(self, step, pos, out, table):
        t = self.theme
        out.fill_cell(*pos, t.output_stroke)
        total = fmt(step.total)
        lab = self.mono_chars(f"y{pos} = {total}", size=22, color=t.output_stroke)
        lab.next_to(self.out_label, DOWN, buff=0.12)
        s = self.mono(self.say(f"sum = {total}", f"求和 = {total}"), size=20)
        s.next_to(table, DOWN, buff=0.15)
        self.add(lab, s)
        self.drawn["total"] = total
        self.drawn["output_label"] = f"y{pos} = {total}"


# ----------------------------------------------------------------------------------------------- figure18
class DeformableOverview(DeformableBase):
    """The complete deformable convolution with the notes' shapes: the offset branch (an ordinary conv with the
    deformable conv's geometry, C → 2·kh·kw channels) and the main branch (deformable conv sampling x at the
    offset points). Every shape comes from ``overview_shapes`` (``conv_output_size`` and the kernel size)."""

    default_entry = "cnn-figure18"
    MAX_SHEETS = 18

    def construct(self):
        p = self.params
        t = self.theme
        pad = p.get("padding", 1)
        sh = overview_shapes(p["x_shape"], p["kernel_size"], p["out_channels"], p.get("stride", 1), pad,
                             p.get("dilation", 1))
        n, c, h, w = sh["x"]
        kh, kw = sh["kernel_size"]
        oc = sh["offset_channels"]
        ho, wo = sh["out_size"]
        c_out = sh["y"][1]
        self.drawn["shapes"] = {}

        # -- input x ---------------------------------------------------------------------------------------
        x_slab = self.feature_slab(c, 1.7, t.input_fill, t.input_stroke)
        x_slab.move_to([-5.2, -1.35, 0])
        x_lab = self.slab_label(x_slab, self.say("input x", "输入 x"), shp(sh["x"]))
        x_dims = self.slab_dims(x_slab, h, w, c)
        self.drawn["shapes"]["x"] = shp(sh["x"])

        # -- offset branch ---------------------------------------------------------------------------------
        top_y = 2.0
        conv = RoundedRectangle(corner_radius=0.1, width=3.0, height=0.95, stroke_color=t.kernel_stroke,
                                stroke_width=3, fill_color=t.kernel_fill, fill_opacity=1).move_to([-2.95, top_y, 0])
        conv_txt = VGroup(self.text(self.say("conv", "卷积"), size=22),
                          self.small(f"{kh}×{kw}, {c}→{oc}, padding {pad}", size=17)).arrange(DOWN, buff=0.06)
        conv_txt.move_to(conv)
        off_slab = self.feature_slab(oc, 1.45, self.offset_fill, self.offset_color, alternate=True)
        off_slab.move_to([0.45, top_y + 0.25, 0])
        off_lab = self.slab_label(off_slab, self.say("offset", "偏移 offset"), shp(sh["offset"]),
                                  self.say(f"{oc} = 2·{kh}·{kw}: (Δy, Δx) per tap", f"{oc} = 2·{kh}·{kw}：每个采样点的 (Δy, Δx)"))
        off_dims = self.slab_dims(off_slab, ho, wo, oc)
        self.drawn["shapes"]["offset"] = shp(sh["offset"])
        self.drawn["offset_channels_label"] = off_lab[2].text
        demo = one_position_offsets((kh, kw), seed=p.get("seed", 0))
        glyph = self.offsets_glyph(demo, (kh, kw), 0.42, self.offset_color)
        glyph.move_to([3.3, top_y - 0.05, 0])
        glyph_lab = VGroup(self.text(self.say("offsets of one position", "某一位置的偏移"), size=20),
                           self.small(self.say(f"{kh * kw} taps × (Δy, Δx)", f"{kh * kw} 个采样点 × (Δy, Δx)"),
                                      size=17)).arrange(DOWN, buff=0.06)
        glyph_lab.next_to(glyph, UP, buff=0.15)
        a_up = self.elbow([x_slab.get_top()[0] - 0.15, x_slab.get_top()[1] + 0.1, 0], conv.get_left())
        a_conv = arrow(conv.get_right(), off_slab.front.get_left(), t.text, buff=0.08)
        a_glyph = arrow(off_slab.get_right() + RIGHT * 0.05, glyph.get_left(), t.text, buff=0.1)
        branch1 = self.small(self.say("offset branch", "偏移分支"), size=20).next_to(conv, UP, buff=0.15)

        # -- main branch ----------------------------------------------------------------------------------
        dc = RoundedRectangle(corner_radius=0.12, width=3.0, height=2.0, stroke_color=t.kernel_stroke,
                              stroke_width=3, fill_color=t.background, fill_opacity=1).move_to([0.75, -1.55, 0])
        dc_title = self.text(self.say("deformable conv", "可变形卷积"), size=22, color=t.kernel_stroke)
        dc_title.next_to(dc.get_top(), DOWN, buff=0.12)
        dc_sub = self.small(f"{kh}×{kw}, {c}→{c_out}, padding {pad}", size=17).next_to(dc_title, DOWN, buff=0.06)
        mini = self.mini_sampling(demo, (kh, kw), 0.22)
        mini.next_to(dc_sub, DOWN, buff=0.1)
        w_lab = self.small(self.say(f"weight {shp(sh['weight'])}", f"权重 {shp(sh['weight'])}"), size=17)
        w_lab.next_to(dc, DOWN, buff=0.12)
        self.drawn["shapes"]["weight"] = shp(sh["weight"])
        y_slab = self.feature_slab(c_out, 1.7, t.output_fill, t.output_stroke)
        y_slab.move_to([5.2, -1.35, 0])
        y_lab = self.slab_label(y_slab, self.say("output y", "输出 y"), shp(sh["y"]))
        y_dims = self.slab_dims(y_slab, ho, wo, c_out)
        self.drawn["shapes"]["y"] = shp(sh["y"])
        a_main = arrow(x_slab.get_right() + RIGHT * 0.05 + DOWN * 0.2, [dc.get_left()[0], x_slab.get_center()[1] - 0.2, 0],
                       t.text, buff=0.05)
        branch2 = self.small(self.say("main branch", "主分支"), size=20).next_to(a_main, DOWN, buff=0.1)
        bend = np.array([glyph.get_center()[0], dc.get_top()[1] - 0.4, 0])
        a_off = VGroup(Line(glyph.get_bottom() + DOWN * 0.08, bend, stroke_color=t.text, stroke_width=3),
                       arrow(bend, [dc.get_right()[0], bend[1], 0], t.text, buff=0.03))
        a_out = arrow(dc.get_right(), y_slab.front.get_left(), t.text, buff=0.08)

        # -- formula and call ------------------------------------------------------------------------------
        lines = size_formula((h, w), (kh, kw), (p.get("stride", 1),) * 2, pad, (p.get("dilation", 1),) * 2)
        formula = self.text(self.say("H_out = W_out: ", "输出尺寸：") + lines[0], size=19, color=t.muted)
        call = self.text(f"torchvision.ops.deform_conv2d(x, offset, weight, padding={pad})", size=18,
                         color=t.muted, font=MONO)
        foot = VGroup(formula, call).arrange(DOWN, buff=0.12)
        foot.next_to(VGroup(x_lab, w_lab, y_lab), DOWN, buff=0.35)
        self.drawn["formula"] = lines
        self.drawn["call"] = call.text

        # -- storyboard ----------------------------------------------------------------------------------
        stages = [
            VGroup(x_slab, x_lab, x_dims),
            VGroup(a_up, conv, conv_txt, branch1, a_conv, off_slab, off_lab, off_dims),
            VGroup(a_glyph, glyph, glyph_lab),
            VGroup(a_main, branch2, dc, dc_title, dc_sub, mini, w_lab, a_off),
            VGroup(a_out, y_slab, y_lab, y_dims, foot),
        ]
        everything = VGroup(*stages)
        self.fit_to_frame(everything)
        for i, st in enumerate(stages):
            if i == 0:
                self.add(st)
            else:
                self.reveal(st)
            self.hold(None if i < len(stages) - 1 else self.opts.final_hold)

    # ------------------------------------------------------------------------------------------------------
    def feature_slab(self, channels: int, side: float, fill, stroke, alternate: bool = False) -> VGroup:
        depth = 0.22 * np.log2(max(channels, 2)) + 0.2
        s = slab(side, side, channels, depth, fill, stroke, max_sheets=self.MAX_SHEETS)
        if alternate:                 # dy and dx sheets in two shades
            for i, sheet in enumerate(reversed(s)):
                if i % 2:
                    sheet.set_fill(interpolate_color(ManimColor(fill), ManimColor(stroke), 0.35))
        s.channels = channels
        return s

    def slab_label(self, s, name: str, shape: str, extra: str | None = None) -> VGroup:
        parts = [self.text(name, size=22), self.mono(shape, size=18, color=self.theme.text)]
        if extra:
            parts.append(self.small(extra, size=17))
        g = VGroup(*parts).arrange(DOWN, buff=0.07)
        g.next_to(s, DOWN, buff=0.38)
        return g

    def slab_dims(self, s, h: int, w: int, c: int) -> VGroup:
        """H beside the front's left edge, W under it, C along the depth edge (with "…" if sheets elided)."""
        f = s.front
        hl = self.small(str(h), size=16).next_to(f, LEFT, buff=0.08)
        hl.set_y(f.get_bottom()[1] + 0.22 * f.height)          # clear of arrows entering the middle
        wl = self.small(str(w), size=16).next_to(f, DOWN, buff=0.06)
        back = s[0]
        mid = (f.get_corner(DR) + back.get_corner(DR)) / 2
        cl = self.small(str(c) + ("" if c <= s.sheets else " …"), size=16)
        cl.next_to(mid, DR, buff=0.04)
        return VGroup(hl, wl, cl)

    def elbow(self, start, end) -> VGroup:
        """Up from ``start`` then right into ``end``."""
        t = self.theme
        corner = np.array([start[0], end[1], 0.0])
        return VGroup(Line(start, corner, stroke_color=t.text, stroke_width=3), arrow(corner, end, t.text, buff=0.05))

    def mini_sampling(self, offsets, kernel_size, cell: float) -> VGroup:
        """A small grid with the kernel's regular points (faint) and the points moved by ``offsets``."""
        t = self.theme
        kh, kw = kernel_size
        m = max(kh, kw) + 2
        g = VGroup()
        for r in range(m):
            for c in range(m):
                g.add(Square(cell, stroke_color=t.grid, stroke_width=1, fill_color=t.input_fill,
                             fill_opacity=0.6).move_to([c * cell, -r * cell, 0]))
        o = g[0].get_center()
        dots = VGroup()
        for k in range(kh * kw):
            i, j = divmod(k, kw)
            reg = o + np.array([(j + 1) * cell, -(i + 1) * cell, 0])
            pt = reg + np.array([offsets[k][1] * cell, -offsets[k][0] * cell, 0])
            dots.add(Dot(reg, radius=0.035, color=t.kernel_stroke, fill_opacity=0.35),
                     Dot(pt, radius=0.045, color=t.kernel_stroke))
        g.add(dots)
        return g

