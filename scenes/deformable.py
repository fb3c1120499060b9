"""Deformable convolution: the sampling points (figure16), the pipeline with one output traced (figure17) and the
complete picture with the notes' shapes (figure18).

Each scene draws one typed object from ``convviz.figures.deformable``: ``SamplingFigure`` (every point is a
regular position + an offset read from an offset tensor), ``PipelineFigure`` (the seeded example and the trace of
one output: every bilinear weight, value and sum) and ``OverviewFigure`` (every shape from ``conv_output_size``
and the kernel size). Run with stock Manim too: ``manim -ql scenes/deformable.py DeformablePipeline``.
"""

from __future__ import annotations

from math import ceil

import numpy as np
from manim import (DL, DOWN, DR, LEFT, RIGHT, UL, UP, UR, Arrow, CapStyleType, Circle, DashedLine, DashedVMobject, Dot, FadeIn,
                   GrowArrow, Line, Rectangle, RoundedRectangle, Square, VGroup)

from convviz.figures.deformable import OverviewFigure, PipelineFigure, SamplingFigure
from convviz.trace import fmt

from scenes.kit.base import ConvVizScene
from scenes.kit.theme import FONT_MONO, tint
from scenes.kit.volume import LINK_TIP, link
from scenes.kit.widgets import MONO_ADVANCE_EM, POINTS_PER_UNIT, NumberGrid, char_width, elbow_arrow

LINE_SPACING = 1.25        # a monospaced line's height in ems (before the gap between lines)


# ------------------------------------------------------------------------------------------------ helpers
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


def is_cjk(ch: str) -> bool:
    return ord(ch[0]) > 0x2E80


def mono_tokens(s: str) -> list[tuple[int, int, str]]:
    """(column, columns, token) of a monospaced line: one column per character; a run of n CJK characters
    (1 em each, a column being ``MONO_ADVANCE_EM``) is one token in the fewest whole columns that hold it.

    >>> mono_tokens("×权重3")
    [(0, 1, '×'), (1, 4, '权重'), (5, 1, '3')]
    >>> mono_columns("采样值 = 1"), mono_columns("sample = 1")
    (9, 10)
    """
    out = []
    col = i = 0
    while i < len(s):
        j = i + 1
        if is_cjk(s[i]):
            while j < len(s) and is_cjk(s[j]):
                j += 1
            cols = ceil((j - i) / MONO_ADVANCE_EM - 1e-9)
        else:
            cols = 1
        out.append((col, cols, s[i:j]))
        col += cols
        i = j
    return out


def mono_columns(s: str) -> int:
    """Columns ``s`` takes in a monospaced line (``mono_tokens``)."""
    return sum(cols for _, cols, _ in mono_tokens(s))


def shp(shape) -> str:
    """A shape as drawn: ``(32, 18, 28, 28)``."""
    return "(" + ", ".join(str(int(v)) for v in shape) + ")"


def luminance(color) -> float:
    """WCAG relative luminance of a colour (``#RRGGBB`` or a Manim colour).

    >>> luminance("#FFFFFF"), luminance("#000000")
    (1.0, 0.0)
    """
    from manim import ManimColor

    rgb = np.asarray(ManimColor(color).to_rgb(), dtype=float)
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(np.dot([0.2126, 0.7152, 0.0722], lin))


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours (1 to 21).

    >>> round(contrast("#FFFFFF", "#000000"), 1), round(contrast("#777777", "#FFFFFF"), 2)
    (21.0, 4.48)
    """
    la, lb = sorted((luminance(a), luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def kept_intervals(a, b, points, cut: float) -> list[tuple[float, float]]:
    """The parts (fractions lo, hi of a → b) of the segment a → b farther than ``cut`` from every point.

    >>> [(round(lo, 4), round(hi, 4)) for lo, hi in
    ...  kept_intervals(np.zeros(3), np.array([4.0, 0, 0]), [np.array([1.0, 0.5, 0])], 1.0)]   # cut 1 ± √0.75
    [(0.0, 0.0335), (0.4665, 1.0)]
    >>> kept_intervals(np.zeros(3), np.array([4.0, 0, 0]), [np.array([1.0, 2.0, 0])], 1.0)
    [(0.0, 1.0)]
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    length = float(np.linalg.norm(b - a))
    u = (b - a) / length
    cuts = []
    for p in points:
        along = float(np.dot(np.asarray(p, dtype=float) - a, u))
        off2 = float(np.sum((np.asarray(p, dtype=float) - a - along * u) ** 2))
        if off2 < cut ** 2:
            half = float(np.sqrt(cut ** 2 - off2))
            cuts.append((max(0.0, (along - half) / length), min(1.0, (along + half) / length)))
    kept, at_ = [], 0.0
    for lo, hi in sorted(cuts):
        if lo > at_:
            kept.append((at_, lo))
        at_ = max(at_, hi)
    if at_ < 1.0:
        kept.append((at_, 1.0))
    return kept


def at(xy) -> np.ndarray:
    """A scene point from a layout constant (x, y)."""
    return np.array([xy[0], xy[1], 0])


class DeformableBase(ConvVizScene):
    @property
    def offset_color(self) -> str:
        """Offsets are their own role: the theme's last group colour (cyan), never used for data here."""
        return self.theme.groups[-1]

    @property
    def offset_fill(self) -> str:
        return tint(self.theme.groups[-1], 0.78, self.theme.background)

    def mono(self, s: str, size: float = 20, color: str | None = None):
        return self.text(s, size=size, color=color, font=FONT_MONO)

    def reveal(self, *mobs, arrows=()) -> None:
        """Show ``mobs`` (fading in) and ``arrows`` (growing) as the next state. Without tweening the state is
        the same, so skip building animations (copying big groups is what they cost)."""
        if self.tweening:
            self.transition(*[FadeIn(m) for m in mobs], *[GrowArrow(a) for a in arrows])
        else:
            self.add(*mobs, *arrows)

    def mono_chars(self, s: str, size: float = 20, color: str | None = None, left: float = 0.0,
                   top: float = 0.0) -> VGroup:
        """A monospaced line built from cached single glyphs at fixed columns (``char_width`` apart; unique
        strings are what cost time, single characters repeat). A run of CJK characters is one token centred in
        the columns ``mono_tokens`` gives it. Leading spaces count; ``.text`` is the string."""
        cw = char_width(size)
        ref = self.text("0", size=size, font=FONT_MONO, strut=True)     # where a monospaced column really is
        ref.place_strut([left - cw, top, 0])
        dx = ref.get_center()[0] - (left + cw / 2)
        g = VGroup()
        for col, cols, tok_s in mono_tokens(s):
            if tok_s == " ":
                continue
            cjk = cols > 1 or is_cjk(tok_s)
            tok = self.text(tok_s, size=size, color=color, font=None if cjk else FONT_MONO, strut=True)
            tok.place_strut([left + col * cw - cw, top, 0])
            if cjk:                       # centred in its columns, as a monospaced glyph is in its one
                tok.set_x(left + (col + cols / 2) * cw + dx)
            g.add(tok)
        g.text = s
        return g

    def mono_lines(self, lines, left: float, top: float, size: float = 20, color: str | None = None,
                   gap: float = 0.1) -> VGroup:
        """Monospaced lines starting at column 0 at ``left``, one under the other from ``top``."""
        lh = size / POINTS_PER_UNIT * LINE_SPACING + gap
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
                    a = link(sq.get_center() - v * 0.5, sq.get_center() + v * 0.5, color, stroke_width=2.5,
                             buff=0)
                    arrows.add(a)
                else:
                    arrows.add(Dot(sq.get_center(), radius=0.03, color=color))
        g.add(cells, arrows)
        g.cells, g.arrows = cells, arrows
        return g


# ----------------------------------------------------------------------------------------------- figure16
class DeformableSampling(DeformableBase):
    """(a) the regular 3x3 sampling grid, (b) points moved by a seeded offset tensor, (c) offsets that scale the
    grid, (d) offsets that rotate it; arrows from each regular point to its fractional sampling point.

    The panels stand at one pitch (equal gaps between the grids, captions centred under them). A regular point
    is a faint dot under its arrow; the arrow ends at the edge of its sampling point, drawn on top."""

    default_entry = "cnn-figure16"
    CELL = 0.44             # input grid cell
    DOT = 0.15              # sampling point radius, in cells
    REGULAR_DOT = 0.12      # regular point radius, in cells
    ARROW_WIDTH = 2.6
    ARROW_TIP = 0.25        # an offset arrow's head, in cells (as long as it is wide; fixed, so heads stay apart)
    ARROW_SHAFT = 0.17      # the least shaft behind it (a shorter arrow gets a smaller head)
    PANEL_GAP = 0.6         # between the widest of grid and caption and the next panel
    LEGEND_GAP = 0.35       # panels to legend
    CAPTION_GAP = 0.25      # grid to its caption

    def construct(self):
        fig: SamplingFigure = self.params
        captions = self.captions(fig)
        built = [self._panel(panel, self.CELL, captions[panel.key]) for panel in fig.panels]
        legend = self.lay_out(built)
        self.record(fig, built, captions)
        self.show_grids(built, legend)
        self.show_offsets(built)

    def captions(self, fig: SamplingFigure) -> dict[str, str]:
        kh, kw = fig.kernel_size
        return {
            "regular": self.say(f"(a) regular {kh}×{kw} grid", f"(a) 规则 {kh}×{kw} 网格"),
            "learned": self.say("(b) free-form offsets", "(b) 任意偏移"),
            "scale": self.say(f"(c) scale ×{fig.scale:g}", f"(c) 缩放 ×{fig.scale:g}"),
            "rotate": self.say(f"(d) rotate {fig.degrees:g}°", f"(d) 旋转 {fig.degrees:g}°"),
        }

    def lay_out(self, built) -> VGroup:
        """The panels at one pitch (grid centres equally spaced, wide enough for the widest caption), the legend
        under them, all fitted to the frame; returns the legend."""
        pitch = max(max(b["grid"].width, b["caption"].width) for b in built) + self.PANEL_GAP
        for i, b in enumerate(built):
            b["group"].shift(RIGHT * i * pitch - b["grid"][0].get_center())
        row = VGroup(*[b["group"] for b in built])
        legend = self._legend()
        legend.next_to(row, DOWN, buff=self.LEGEND_GAP)
        self.fit_to_frame(VGroup(row, legend))
        return legend

    def record(self, fig: SamplingFigure, built, captions) -> None:
        """What was drawn, in grid coordinates (row, col) read back from the scene, and the panels' boxes."""
        self.drawn["grid"] = fig.grid
        self.drawn["panels"] = {}
        for panel, b in zip(fig.panels, built):
            unit = b["grid"][0].width / fig.grid                   # a cell after fitting
            self.drawn["panels"][panel.key] = {
                "out_position": panel.out_position,
                "regular": [b["to_grid"](d.get_center()) for d in b["regular"]],
                "points": [b["to_grid"](d.get_center()) for d in b["points"]],
                "arrows": [(b["to_grid"](a.get_start()), b["to_grid"](a.get_end())) for a in b["arrows"]],
                "arrow_taps": list(b["arrow_taps"]),
                "caption": captions[panel.key],
                "grid_box": (b["grid"][0].get_left()[0], b["grid"][0].get_right()[0]),
                "caption_box": (b["caption"].get_left()[0], b["caption"].get_right()[0]),
                "dot_radius": b["points"][0].width / 2 / unit,        # in cells
                "regular_radius": b["regular"][0].width / 2 / unit if len(b["regular"]) else 0.0,
                "arrow_tips": [a.tip.length / unit for a in b["arrows"]],
                "arrow_heads": [[b["to_grid"](v) for v in a.tip.get_start_anchors()] for a in b["arrows"]],
            }

    def show_grids(self, built, legend) -> None:
        """First state: every grid with its caption and regular points, panel (a)'s sampling points."""
        self.add(legend)
        for b in built:
            self.add(b["grid"], b["caption"], b["regular"])
        self.add(built[0]["points"])
        self.hold()

    def show_offsets(self, built) -> None:
        """Then each kind of offset in turn: its sampling points and the arrows from the regular ones."""
        for i, b in enumerate(built[1:]):
            self.reveal(b["points"], arrows=list(b["arrows"]))
            self.hold_step(i, len(built) - 1)

    def _grid(self, n: int, cell: float) -> VGroup:
        t = self.theme
        grid = VGroup()
        for r in range(n):
            for c in range(n):
                sq = Square(cell, stroke_color=t.grid, stroke_width=1.2, fill_color=t.input_fill,
                            fill_opacity=0.45)
                sq.move_to([c * cell, -r * cell, 0])
                grid.add(sq)
        return grid

    def _marks(self, panel, scene_pos, cell):
        """(regular dots, sampling dots, arrows, taps with an arrow): an arrow from each moved tap's regular point
        (its centre: the faint dot lies under it) to the edge of its sampling point."""
        t = self.theme
        r_dot = self.DOT * cell
        regular, points, arrows, taps = VGroup(), VGroup(), VGroup(), []
        for k, (reg, pt) in enumerate(zip(panel.regular, panel.points)):
            if panel.moved:
                regular.add(Dot(scene_pos(reg), radius=self.REGULAR_DOT * cell, color=t.kernel_stroke,
                                fill_opacity=0.35, stroke_width=0))
                v = scene_pos(pt) - scene_pos(reg)
                n = float(np.linalg.norm(v))
                if n > r_dot:
                    arrows.add(self._arrow(scene_pos(reg), scene_pos(pt) - v / n * r_dot, cell))
                    taps.append(k)
            points.add(Dot(scene_pos(pt), radius=r_dot, color=t.kernel_stroke))
        points.set_z_index(3)
        arrows.set_z_index(2)
        regular.set_z_index(1)
        return regular, points, arrows, taps

    def _arrow(self, start, end, cell) -> Arrow:
        """An offset arrow with a head of ``ARROW_TIP`` cells, less on a short arrow (``ARROW_SHAFT`` stays)."""
        length = float(np.linalg.norm(np.subtract(end, start)))
        tip = min(self.ARROW_TIP * cell, length - self.ARROW_SHAFT * cell)
        return Arrow(start, end, buff=0, stroke_width=self.ARROW_WIDTH, color=self.offset_color,
                     tip_length=tip, max_tip_length_to_length_ratio=1,
                     max_stroke_width_to_length_ratio=100)

    def _panel(self, panel, cell, caption):
        grid = self._grid(panel.grid, cell)
        origin = grid[0].get_center().copy()

        def scene_pos(rc):
            return origin + np.array([rc[1] * cell, -rc[0] * cell, 0.0])

        regular, points, arrows, arrow_taps = self._marks(panel, scene_pos, cell)
        cap = self.text(caption, size=24)
        cap.next_to(grid, DOWN, buff=self.CAPTION_GAP)
        ref = Dot(origin, radius=0.001, fill_opacity=0, stroke_width=0)      # follow every transform
        unit = Dot(origin + np.array([cell, -cell, 0.0]), radius=0.001, fill_opacity=0, stroke_width=0)
        anchor = VGroup(ref, unit)
        group = VGroup(grid, arrows, regular, points, cap, anchor)

        def to_grid(pos):
            o = ref.get_center()
            u = unit.get_center() - o          # (cell, -cell) after any scaling
            return (round(float((pos[1] - o[1]) / u[1]), 6), round(float((pos[0] - o[0]) / u[0]), 6))

        return {"group": group, "grid": VGroup(grid, anchor), "regular": regular, "points": points,
                "arrows": arrows, "arrow_taps": arrow_taps, "caption": cap, "to_grid": to_grid}

    def _legend(self):
        t = self.theme
        cell = self.CELL
        items = VGroup(
            VGroup(Dot(radius=self.REGULAR_DOT * cell, color=t.kernel_stroke, fill_opacity=0.35, stroke_width=0),
                   self.small(self.say("regular sampling point", "规则采样点"))).arrange(RIGHT, buff=0.12),
            VGroup(self._arrow([0, 0, 0], [0.5, 0, 0], cell),
                   self.small(self.say("offset (Δy, Δx) from the offset tensor", "偏移 (Δy, Δx)，取自偏移张量"))
                   ).arrange(RIGHT, buff=0.12),
            VGroup(Dot(radius=self.DOT * cell, color=t.kernel_stroke),
                   self.small(self.say("sampling point (fractional)", "采样点（分数坐标）"))).arrange(RIGHT, buff=0.12),
        )
        return items.arrange(RIGHT, buff=0.6)


# ----------------------------------------------------------------------------------------------- figure17
class DeformablePipeline(DeformableBase):
    """Input feature map → conv → offset field (2N channels) → offsets → deformable convolution → output, computed
    on a small seeded example; the animation follows one output value tap by tap: the sampling point, its four
    neighbours with their bilinear weights, the sampled value times the kernel weight, and the sum.

    On the input map the kernel's regular window (kernel colour) stays from the start; each tap adds its offset
    arrow and sampling point; the current tap's regular cell is framed like its kernel cell (highlight) and its
    bilinear neighbours are ringed and linked to the point in their own colour (never the window's), the same
    colour as their weights in the zoom beside the map. The rays to the output start at the map's edge."""

    default_entry = "cnn-figure17"
    CELL = 0.62          # input grid
    OUT_CELL = 0.42      # output grid
    ZOOM = 0.78          # zoomed neighbour cells
    GLYPH = 0.5          # offsets glyph cells
    KCELL = 0.5          # kernel cells
    # layout (scene x, y): middle row the feature maps, top row the offset branch, bottom row one tap at a time
    INPUT_AT = (-4.75, 0.2)
    OUTPUT_AT = (5.3, 0.35)
    TOP_Y = 2.75
    CONV_AT = (-2.0, TOP_Y)
    CONV_SIZE = (0.5, 1.15)                  # width, height
    FIELD_AT = (0.2, TOP_Y + 0.2)
    FIELD_SIDE, FIELD_DEPTH = 1.2, 0.75
    GLYPH_AT = (2.55, TOP_Y)
    DC_LABEL_AT = (-0.5, -1.55)
    KERNEL_AT = (2.65, -1.55)
    ZOOM_ORIGIN = (-5.55, -3.2)              # centre of the zoom's top-left neighbour
    EQ_LEFT, EQ_TOP = -2.95, -2.45           # the tap's arithmetic
    TABLE_AT = (5.3, -3.25)
    TABLE_CELL = (0.95, 0.42)                # width, height of a product cell
    # marks on the input map: the digits are faded (yet >= MIN_CONTRAST on their cells) so that the marks over
    # them read; an offset arrow runs from the edge of its regular cell's digit to its point, and the dashed
    # rays to the output start where the map ends
    MIN_CONTRAST = 4.6                       # faded digits on every fill under them (WCAG AA is 4.5)
    RING = 0.17                              # radius of a neighbour's ring (clear of its digit's box)
    RING_WIDTH = 3
    DOT = 0.058                              # a sampling point (its halo adds HALO / 100 / 2 around it)
    HALO = 2
    ARROW_TIP = 0.085                        # an offset arrow's head (fixed: short arrows keep a whole head)
    ARROW_SHAFT = 0.03                       # the least shaft behind the head (shorter: no arrow, only the point)
    ARROW_GAP = 0.012                        # a ring to an arrow's tail, its head to the point
    ARROW_WIDTH = 2.6
    CURRENT_RING = 0.13                      # the ring around the current tap's sampling point
    RAY_GAP = 0.12                           # input map's right edge to the start of the rays
    WINDOW_OPACITY = 0.15                    # the regular window's tint
    WINDOW_WIDTH = 3.5                       # its outline, cut where a sampling point would sit on it
    WINDOW_GAP = 0.02                        # a sampling point's halo to the cut outline

    def construct(self):
        fig: PipelineFigure = self.params
        self.fig = fig
        maps = self.lay_out_maps(fig)
        branch = self.lay_out_offset_branch(fig)
        deform = self.lay_out_deformable_conv(fig)
        self.add(VGroup(*maps, *branch, *deform), self.out_mark)
        self.lay_out_products(fig)
        self.record_example(fig)
        self.hold()
        self.tap_current = self.tap_zoom = None
        for k, tap in enumerate(fig.step.taps):
            self.show_tap(k, tap)

    # -- layout ----------------------------------------------------------------------------------------------
    def lay_out_maps(self, fig: PipelineFigure) -> list:
        """Middle row: the input grid (numbers), the output grid (empty) with the traced cell marked."""
        t = self.theme
        oh, ow = fig.out_size
        self.input_grid = NumberGrid(fig.x[0], t, self.text, cell=self.CELL, fill=t.input_fill,
                                     number_color=self.faded_digit)
        self.input_grid.move_to(at(self.INPUT_AT))
        self.window = self.regular_window(fig)
        self.window_line = self.window_outline([])
        out = NumberGrid(np.full((oh, ow), None), t, self.text, cell=self.OUT_CELL, fill=t.output_fill,
                         stroke=t.output_stroke, show_numbers=False)
        out.move_to(at(self.OUTPUT_AT))
        self.output_grid = out
        in_label = self.text(self.say("input feature map", "输入特征图"), size=24)
        in_label.next_to(self.input_grid, DOWN, buff=0.18)
        self.out_label = self.text(self.say("output feature map", "输出特征图"), size=24)
        self.out_label.next_to(out, DOWN, buff=0.15)
        self.out_mark = Square(self.OUT_CELL, stroke_color=t.highlight, stroke_width=5).move_to(
            out.cell_center(*fig.traced))
        self.out_mark.set_z_index(4)
        return [self.input_grid, self.window, self.window_line, in_label, out, self.out_label]

    def regular_window(self, fig: PipelineFigure) -> Rectangle:
        """Where an ordinary conv would read the traced output: the box around the taps' regular positions."""
        t = self.theme
        rows = [tp.regular[0] for tp in fig.step.taps]
        cols = [tp.regular[1] for tp in fig.step.taps]
        tl = self.to_scene((min(rows) - 0.5, min(cols) - 0.5))
        br = self.to_scene((max(rows) + 0.5, max(cols) + 0.5))
        box = Rectangle(width=br[0] - tl[0], height=tl[1] - br[1], stroke_width=0, fill_color=t.kernel_fill,
                        fill_opacity=self.WINDOW_OPACITY).move_to((tl + br) / 2)
        box.set_z_index(1)
        self.drawn["window"] = (self.to_grid(box.get_corner(UL)), self.to_grid(box.get_corner(DR)))
        return box

    @property
    def window_cut(self) -> float:
        """How far the window outline's centre line ends from a sampling point's centre: its halo, the outline's
        square cap (half its width along and across: 1.5 widths cover the corner's √2/2) and a gap."""
        return self.DOT + self.HALO / 200 + 1.5 * self.WINDOW_WIDTH / 100 + self.WINDOW_GAP

    def window_outline(self, points) -> VGroup:
        """The regular window's outline (kernel colour), cut around each of the sampling ``points`` (scene
        positions) that would sit on it, so that no point straddles or hides the frame."""
        w = self.window
        corners = [w.get_corner(UL), w.get_corner(UR), w.get_corner(DR), w.get_corner(DL), w.get_corner(UL)]
        pieces = VGroup()
        for a, b in zip(corners, corners[1:]):
            for lo, hi in kept_intervals(a, b, points, self.window_cut):
                pieces.add(Line(a + (b - a) * lo, a + (b - a) * hi, stroke_color=self.theme.kernel_stroke,
                                stroke_width=self.WINDOW_WIDTH, cap_style=CapStyleType.SQUARE))
        pieces.set_z_index(1)
        self.drawn["window_outline"] = [(self.to_grid(p.get_start()), self.to_grid(p.get_end())) for p in pieces]
        return pieces

    def lay_out_offset_branch(self, fig: PipelineFigure) -> list:
        """Top row: conv → offset field (2N channels, traced position marked) → the traced position's offsets."""
        t = self.theme
        kh, kw = fig.kernel_size
        pos = fig.traced
        c_out = fig.offset_channels
        conv = Rectangle(width=self.CONV_SIZE[0], height=self.CONV_SIZE[1], stroke_color=t.kernel_stroke,
                         stroke_width=3, fill_color=t.kernel_fill, fill_opacity=1).move_to(at(self.CONV_AT))
        conv_label = VGroup(self.text(self.say("conv", "卷积"), size=22),
                            self.small(f"{kh}×{kw}, {fig.in_channels}→{c_out}", size=18)).arrange(DOWN, buff=0.08)
        conv_label.next_to(conv, DOWN, buff=0.15)
        field = slab(self.FIELD_SIDE, self.FIELD_SIDE, c_out, self.FIELD_DEPTH, self.offset_fill, self.offset_color,
                     max_sheets=c_out)
        field.move_to(at(self.FIELD_AT))
        fh, fw = fig.out_size
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
        offsets = np.array([tp.offset for tp in fig.step.taps])      # (dy, dx) per tap, from the trace
        self.glyph = glyph = self.offsets_glyph(offsets, (kh, kw), self.GLYPH, self.offset_color)
        glyph.move_to(at(self.GLYPH_AT))
        self.glyph_label = VGroup(self.text(self.say(f"offsets at {pos}", f"{pos} 处的偏移"), size=22),
                                  self.small(self.say(f"N = {kh * kw} pairs (Δy, Δx)", f"N = {kh * kw} 对 (Δy, Δx)"),
                                             size=18)).arrange(DOWN, buff=0.08)
        self.glyph_label.next_to(glyph, DOWN, buff=0.15)
        a1 = link(self.input_grid.get_corner(UR) + np.array([-0.9, 0.08, 0]), conv.get_left() + LEFT * 0.05,
                  t.text, buff=0)
        a2 = link(conv.get_right(), front.get_left(), t.text, buff=0.08)
        a3 = DashedLine(field.get_right() + RIGHT * 0.1 + DOWN * 0.15, glyph.get_left() + LEFT * 0.1,
                        color=t.text, stroke_width=3, dash_length=0.1).add_tip(tip_length=0.16)
        self.drawn["offset_field_label"] = (field_label[1].text, field_label[2].text)
        return [conv, conv_label, field, field_mark, field_label, glyph, self.glyph_label, a1, a2, a3]

    def lay_out_deformable_conv(self, fig: PipelineFigure) -> list:
        """The deformable convolution's label, the kernel, and the arrow from the offsets to the output."""
        t = self.theme
        dc_label = self.text(self.say("deformable convolution", "可变形卷积"), size=24, color=t.kernel_stroke)
        dc_label.move_to(at(self.DC_LABEL_AT))
        self.kernel_grid = NumberGrid(fig.weight[0, 0], t, self.text, cell=self.KCELL, fill=t.kernel_fill,
                                      stroke=t.kernel_stroke)
        self.kernel_grid.move_to(at(self.KERNEL_AT))
        k_label = self.label("kernel", size=22).next_to(self.kernel_grid, UP, buff=0.12)
        a4 = link(self.glyph_label.get_bottom() + DOWN * 0.05,
                  [self.glyph_label.get_center()[0], self.output_grid.cell_center(*fig.traced)[1] + 0.12, 0],
                  t.text, buff=0)
        return [a4, dc_label, self.kernel_grid, k_label]

    def lay_out_products(self, fig: PipelineFigure) -> None:
        """Bottom right: the empty table of weight × sample per tap."""
        kh, kw = fig.kernel_size
        self.table = table = self.product_table(kh, kw)
        table.move_to(at(self.TABLE_AT))
        tab_label = self.small(self.say("weight × sample, per tap", "每个采样点：权重 × 采样值"), size=18)
        tab_label.next_to(table, UP, buff=0.12)
        self.add(table, tab_label)

    def record_example(self, fig: PipelineFigure) -> None:
        oh, ow = fig.out_size
        self.drawn.update({"input": self.input_grid.drawn_array(), "kernel": self.kernel_grid.drawn_array(),
                           "padding": fig.padding, "offset_field_shape": tuple(fig.offset.shape),
                           "x": fig.x[0].copy(), "weight": fig.weight[0, 0].copy(), "offset": fig.offset.copy(),
                           "traced": fig.traced, "out_size": (oh, ow), "taps": [], "products": {}, "points": [],
                           "regular": [], "zoom": [], "rays": [], "arrows": [], "seed": fig.seed, "map_right": self.to_grid(
                               self.input_grid.get_right())[1],
                           "colors": {"digits": str(self.faded_digit), "neighbours": str(self.neighbour_color),
                                      "window": str(self.theme.kernel_stroke), "current": str(self.theme.highlight)}})

    # -- one tap a step --------------------------------------------------------------------------------------
    def show_tap(self, k: int, tap) -> None:
        """Tap ``k``: its offset arrow and sampling point on the input, the regular cell framed, the neighbours
        ringed, the zoom with the arithmetic, and its product in the table (after the last tap: the output)."""
        t = self.theme
        fig = self.fig
        pos = fig.traced
        last = k == len(fig.step.taps) - 1
        _, i, j = tap.kernel_index
        arr, dot, ray = self.tap_marks(tap, self.output_grid.cell_center(*pos))
        glyph_mark = Square(self.GLYPH, stroke_color=t.highlight, stroke_width=4).move_to(self.glyph.cells[k])
        k_mark = Square(self.KCELL, stroke_color=t.highlight, stroke_width=4).move_to(
            self.kernel_grid.cell_center(i, j))
        reg_mark = Square(self.CELL, stroke_color=t.highlight, stroke_width=3.5).move_to(self.to_scene(tap.regular))
        new_current = VGroup(reg_mark, glyph_mark, k_mark, self.neighbour_marks(tap))
        new_current.set_z_index(5)
        new_zoom = self.zoom_panel(tap)
        prod = self.text(fmt(tap.product), size=18)
        prod.move_to(self.table[k])
        self.table[k].set_fill(t.kernel_fill, opacity=1)
        if self.tap_current is not None:
            self.remove(self.tap_current, self.tap_zoom)
        self.remove(self.window_line)
        self.window_line = self.window_outline([self.to_scene(tp.point) for tp in fig.step.taps[:k + 1]])
        self.add(self.window_line)
        self.reveal(VGroup(dot, ray), new_current, new_zoom, prod, arrows=[arr] if arr is not None else [])
        self.tap_current, self.tap_zoom = new_current, new_zoom
        if last:
            self.finish_output(fig.step, pos, self.output_grid, self.table)
        self.drawn["taps"].append((i, j))
        self.drawn["products"][(i, j)] = fmt(tap.product)
        self.drawn["regular"].append(self.to_grid(reg_mark.get_center()))
        self.drawn["points"].append(self.to_grid(dot.get_center()))
        self.drawn["rays"].append((self.to_grid(ray.get_start()), self.to_grid(ray.get_end())))
        self.record_marks(k, arr, dot)
        self.hold(None if not last else self.opts.final_hold)

    @property
    def digit_fills(self) -> list[str]:
        """The fills under the input digits: a cell, and a cell under the regular window's tint."""
        t = self.theme
        return [str(t.input_fill), tint(t.input_fill, self.WINDOW_OPACITY, t.kernel_fill).to_hex()]

    @property
    def faded_digit(self) -> str:
        """The faintest mix of text toward the background that stays ``MIN_CONTRAST`` on every digit fill."""
        t = self.theme
        for a in np.linspace(0.8, 0.0, 33):
            c = tint(t.text, float(a), t.background).to_hex()
            if min(contrast(c, f) for f in self.digit_fills) >= self.MIN_CONTRAST:
                return c
        return str(t.text)

    @property
    def neighbour_color(self) -> str:
        """The bilinear neighbours' own colour (violet): not the highlight of the current window or tap."""
        return self.theme.groups[4]

    def to_scene(self, rc) -> np.ndarray:
        o = self.input_grid.cell_center(0, 0)
        return o + np.array([rc[1] * self.CELL, -rc[0] * self.CELL, 0.0])

    def to_grid(self, pos) -> tuple[float, float]:
        o = self.input_grid.cell_center(0, 0)
        return (round(float((o[1] - pos[1]) / self.CELL), 6), round(float((pos[0] - o[0]) / self.CELL), 6))

    def tap_marks(self, tap, target):
        """(arrow or None, dot, ray): the offset arrow from the edge of the regular cell's digit to the sampling
        point (none if too short for a head and a shaft), the point, and the dashed ray from the map's right
        edge to the output cell."""
        reg = self.to_scene(tap.regular)
        pt = self.to_scene(tap.point)
        v = pt - reg
        n = float(np.linalg.norm(v))
        u = v / max(n, 1e-9)
        tail = max(self.digit_reach(tap.regular, u), self.RING + self.RING_WIDTH / 200) + \
            self.ARROW_WIDTH / 200 + self.ARROW_GAP                     # outside the ring its cell may get
        head = n - self.DOT - self.HALO / 200 - self.ARROW_GAP
        arr = None
        if head - tail >= self.ARROW_TIP + self.ARROW_SHAFT:
            arr = Arrow(reg + u * tail, reg + u * head, buff=0, stroke_width=self.ARROW_WIDTH, color=self.offset_color,
                        tip_length=self.ARROW_TIP, max_tip_length_to_length_ratio=1,
                        max_stroke_width_to_length_ratio=100)
            arr.set_z_index(6)                 # over the rings and the current cell's frame it crosses
        dot = Dot(pt, radius=self.DOT, color=self.theme.kernel_stroke, stroke_color=self.theme.background,
                  stroke_width=self.HALO)          # a halo: the point stands clear of the marks under it
        dot.set_z_index(4)
        return arr, dot, self.ray(pt, target)

    def digit_reach(self, rc, u) -> float:
        """How far from the centre of cell ``rc`` along the unit vector ``u`` its digit's box reaches (0 for a
        cell outside the input)."""
        digit = self.input_grid.numbers.get(tuple(int(v) for v in rc))
        if digit is None:
            return 0.0
        half = np.array([digit.width / 2, digit.height / 2])
        off = np.abs(digit.get_center()[:2] - self.to_scene(rc)[:2])
        reach = [(half[i] + off[i]) / abs(u[i]) for i in range(2) if abs(u[i]) > 1e-9]
        return float(min(reach))

    def record_marks(self, k: int, arr, dot) -> None:
        """The tap's arrow (tail, head end, tip length) and point, in cells, and the digit boxes (once)."""
        d = self.drawn
        if "digit_boxes" not in d:
            d["digit_boxes"] = {rc: (self.to_grid(m.get_corner(UL)), self.to_grid(m.get_corner(DR)))
                                for rc, m in self.input_grid.numbers.items()}
            d["dot_radius"] = (self.DOT + self.HALO / 200) / self.CELL
            d["ring"] = (self.RING / self.CELL, self.RING_WIDTH / 200 / self.CELL)       # radius, half stroke
            d["arrow_half_width"] = self.ARROW_WIDTH / 200 / self.CELL
            d["window_half_width"] = self.WINDOW_WIDTH / 200 / self.CELL
            d["window_cut"] = self.window_cut / self.CELL
            d["digit_fills"] = self.digit_fills
        if arr is not None:
            d["arrows"].append((k, self.to_grid(arr.get_start()), self.to_grid(arr.get_end()),
                                arr.tip.length / self.CELL))

    def ray(self, pt, target) -> DashedLine:
        """The dashed line from a sampling point to the output cell, drawn only right of the input map."""
        edge = self.input_grid.get_right()[0] + self.RAY_GAP
        start = np.asarray(pt, dtype=float)
        if start[0] < edge < target[0]:
            start = start + (edge - start[0]) / (target[0] - start[0]) * (target - start)
        return DashedLine(start, target, color=self.theme.kernel_stroke, stroke_width=1.4, dash_length=0.08,
                          stroke_opacity=0.55)

    def neighbour_marks(self, tap) -> VGroup:
        """The tap's four bilinear neighbours on the map: a ring around each (dashed outside the input), its
        digit redrawn at full strength, thin links from a ring around the sampling point (hollow: the point and
        its arrow stay in sight) to theirs."""
        t = self.theme
        col = self.neighbour_color
        pt = self.to_scene(tap.point)
        g = VGroup()
        for nb in tap.neighbours:
            c = self.to_scene(nb.position)
            ring = Circle(radius=self.RING, stroke_color=col, stroke_width=self.RING_WIDTH).move_to(c)
            if nb.inside:
                g.add(self.input_grid.text_for(*nb.position, fmt(nb.value), color=t.text))
            else:
                ring = DashedVMobject(ring, num_dashes=10)
            g.add(ring)
            d = c - pt
            n = float(np.linalg.norm(d))
            if n > self.RING + self.CURRENT_RING:
                g.add(Line(pt + d / n * self.CURRENT_RING, c - d / n * self.RING, stroke_color=col, stroke_width=2))
        g.add(Circle(radius=self.CURRENT_RING, stroke_color=col, stroke_width=3).move_to(pt))
        return g

    def zoom_panel(self, tap) -> VGroup:
        """The four neighbours of one sampling point: values, bilinear weights (2 decimals) and the point;
        beside it the point's arithmetic."""
        g, cells, rec = self.zoom_cells(tap)
        _, i, j = tap.kernel_index
        title = self.text(self.say(f"zoom: tap ({i}, {j})", f"采样点 ({i}, {j}) 局部放大"), size=22)
        title.next_to(cells, UP, buff=0.12)
        g.add(title)
        lines = self.tap_lines(tap)
        eq = self.mono_lines(lines, self.EQ_LEFT, self.EQ_TOP, size=18)
        g.add(eq)
        boxes = [[(tok.text, tok.get_left()[0], tok.get_right()[0]) for tok in line] for line in eq]
        self.drawn["zoom"].append({"tap": (i, j), "neighbours": rec, "lines": lines, "token_boxes": boxes,
                                   "column": char_width(18)})
        return g

    def zoom_cells(self, tap):
        """(group, cells, record): the four neighbour cells (dashed grey outside the input) with their values,
        weights, the links to the sampling point and the point."""
        t = self.theme
        z = self.ZOOM
        g = VGroup()
        origin = at(self.ZOOM_ORIGIN)
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
            wt = self.mono_chars(f"w={ws}", size=18, color=self.neighbour_color)
            wt.next_to(sq, LEFT if dc == 0 else RIGHT, buff=0.1)
            wt.set_y(centre[1])
            wts.add(wt)
            rec.append((nb.position, fmt(nb.value), ws))
        pt = origin + np.array([(tap.point[1] - c0) * z, -(tap.point[0] - r0) * z, 0])
        links = VGroup(*[Line(pt, c.get_center(), stroke_color=self.neighbour_color, stroke_width=1.5,
                              stroke_opacity=0.7) for c in cells])
        dot = Dot(pt, radius=self.CURRENT_RING * 0.75, color=self.neighbour_color)
        g.add(cells, links, texts, wts, dot)
        texts.set_z_index(6)
        dot.set_z_index(7)
        return g, cells, rec

    def tap_lines(self, tap) -> list[str]:
        """The tap's arithmetic: point = regular + offset, the bilinear sum, × weight."""
        terms = [f"{fmt(nb.weight)}·{fmt(nb.value)}" for nb in tap.neighbours]
        ry, rx = tap.regular
        return [
            f"p = ({ry}, {rx}) + ({fmt(tap.offset[0])}, {fmt(tap.offset[1])})",
            f"  = ({fmt(tap.point[0])}, {fmt(tap.point[1])})",
            self.say("sample = ", "采样值 = ") + " + ".join(terms),
            " " * mono_columns(self.say("sample", "采样值")) + f" = {fmt(tap.sampled)}",
            self.say(f"× weight {fmt(tap.weight)} = {fmt(tap.product)}",
                     f"× 权重 {fmt(tap.weight)} = {fmt(tap.product)}"),
        ]

    def product_table(self, kh, kw) -> VGroup:
        t = self.theme
        cw, ch = self.TABLE_CELL
        cells = VGroup()
        for i in range(kh):
            for j in range(kw):
                r = Rectangle(width=cw, height=ch, stroke_color=t.kernel_stroke, stroke_width=2,
                              fill_color=t.background, fill_opacity=1)
                r.move_to([j * cw, -i * ch, 0])
                cells.add(r)
        return cells

    def finish_output(self, step, pos, out, table):
        t = self.theme
        out.fill_cell(*pos, t.output_stroke)
        total = fmt(step.total)
        lab = self.mono_chars(f"y{pos} = {total}", size=22, color=t.output_stroke)
        lab.next_to(self.out_label, DOWN, buff=0.12)
        s = self.mono_chars(self.say(f"sum = {total}", f"求和 = {total}"), size=20)   # CJK in mono columns
        s.next_to(table, DOWN, buff=0.15)
        self.add(lab, s)
        self.drawn["total"] = total
        self.drawn["output_label"] = f"y{pos} = {total}"


# ----------------------------------------------------------------------------------------------- figure18
class DeformableOverview(DeformableBase):
    """The complete deformable convolution with the notes' shapes: the offset branch (an ordinary conv with the
    deformable conv's geometry, C → 2·kh·kw channels) and the main branch (deformable conv sampling x at the
    offset points). Every shape comes from the ``OverviewFigure`` (``conv_output_size`` and the kernel size)."""

    default_entry = "cnn-figure18"
    MAX_SHEETS = 18
    SLAB_SIDE = 1.7                # x and y slabs' front sheet
    OFFSET_SIDE = 1.45             # the offset slab's front sheet
    GLYPH_CELL = 0.42              # offsets-of-one-position glyph
    MINI_CELL = 0.22               # sampling sketch inside the deformable conv box
    # layout (scene x, y): the offset branch on top, the main branch below
    TOP_Y = 2.0
    X_AT = (-5.2, -1.35)
    Y_AT = (5.2, -1.35)
    CONV_AT = (-2.95, TOP_Y)
    CONV_SIZE = (3.0, 0.95)        # width, height
    OFFSET_AT = (0.45, TOP_Y + 0.25)
    GLYPH_AT = (3.3, TOP_Y - 0.05)
    DC_AT = (0.75, -1.55)
    DC_SIZE = (3.0, 2.0)

    def construct(self):
        fig: OverviewFigure = self.params
        self.drawn["shapes"] = {}
        stages = [
            self.input_x(fig),
            self.offset_branch(fig),
            self.offsets_of_one_position(fig),
            self.main_branch(fig),
            self.output_y(fig),
        ]
        stages[-1].add(self.footer(fig))
        stages[0].add(self.title(VGroup(*stages)))
        self.fit_to_frame(VGroup(*stages))
        for i, st in enumerate(stages):
            if i == 0:
                self.add(st)
            else:
                self.reveal(st)
            self.hold(None if i < len(stages) - 1 else self.opts.final_hold)

    # -- stages ------------------------------------------------------------------------------------------------
    def title(self, body) -> VGroup:
        """What the picture shows, in the picture: the notes' original image under this name is deformable PS
        RoI pooling, so the redrawing says which it is."""
        head = self.text(self.say("Deformable convolution: the complete picture", "可变形卷积：完整流程"), size=30)
        note = self.small(self.say("(redrawn: the notes' original image shows deformable PS RoI pooling instead)",
                                   "（重画：笔记原图画的其实是可变形 PS RoI 池化）"), size=18)
        g = VGroup(head, note).arrange(DOWN, buff=0.1)
        g.next_to(body, UP, buff=0.35)
        self.drawn["title"] = (head.text, note.text)
        return g

    def input_x(self, fig: OverviewFigure) -> VGroup:
        t = self.theme
        n, c, h, w = fig.x_shape
        self.x_slab = self.feature_slab(c, self.SLAB_SIDE, t.input_fill, t.input_stroke)
        self.x_slab.move_to(at(self.X_AT))
        self.x_lab = self.slab_label(self.x_slab, self.say("input x", "输入 x"), shp(fig.x_shape))
        x_dims = self.slab_dims(self.x_slab, h, w, c)
        self.drawn["shapes"]["x"] = shp(fig.x_shape)
        return VGroup(self.x_slab, self.x_lab, x_dims)

    def offset_branch(self, fig: OverviewFigure) -> VGroup:
        """x → conv (kh×kw, C → 2·kh·kw) → the offset tensor."""
        t = self.theme
        kh, kw = fig.kernel_size
        oc = fig.offset_channels
        ho, wo = fig.out_size
        conv = RoundedRectangle(corner_radius=0.1, width=self.CONV_SIZE[0], height=self.CONV_SIZE[1],
                                stroke_color=t.kernel_stroke, stroke_width=3, fill_color=t.kernel_fill,
                                fill_opacity=1).move_to(at(self.CONV_AT))
        conv_txt = VGroup(self.text(self.say("conv", "卷积"), size=22),
                          self.small(f"{kh}×{kw}, {fig.in_channels}→{oc}, padding {fig.padding}", size=17)
                          ).arrange(DOWN, buff=0.06)
        conv_txt.move_to(conv)
        self.off_slab = off_slab = self.feature_slab(oc, self.OFFSET_SIDE, self.offset_fill, self.offset_color,
                                                     alternate=True)
        off_slab.move_to(at(self.OFFSET_AT))
        per_tap = self.say(f"{oc} = 2·{kh}·{kw}: (Δy, Δx) per tap", f"{oc} = 2·{kh}·{kw}：每个采样点的 (Δy, Δx)")
        off_lab = self.slab_label(off_slab, self.say("offset", "偏移 offset"), shp(fig.offset_shape), per_tap)
        off_dims = self.slab_dims(off_slab, ho, wo, oc)
        self.drawn["shapes"]["offset"] = shp(fig.offset_shape)
        self.drawn["offset_channels_label"] = off_lab[2].text
        x_top = self.x_slab.get_top()
        a_up = self.elbow([x_top[0] - 0.15, x_top[1] + 0.1, 0], conv.get_left())
        a_conv = link(conv.get_right(), off_slab.front.get_left(), t.text, buff=0.08)
        branch1 = self.small(self.say("offset branch", "偏移分支"), size=20).next_to(conv, UP, buff=0.15)
        return VGroup(a_up, conv, conv_txt, branch1, a_conv, off_slab, off_lab, off_dims)

    def offsets_of_one_position(self, fig: OverviewFigure) -> VGroup:
        """The example offsets of one output position: kh·kw arrows (Δy, Δx)."""
        t = self.theme
        kh, kw = fig.kernel_size
        self.glyph = glyph = self.offsets_glyph(fig.example_offsets, (kh, kw), self.GLYPH_CELL, self.offset_color)
        glyph.move_to(at(self.GLYPH_AT))
        glyph_lab = VGroup(self.text(self.say("offsets of one position", "某一位置的偏移"), size=20),
                           self.small(self.say(f"{fig.taps} taps × (Δy, Δx)", f"{fig.taps} 个采样点 × (Δy, Δx)"),
                                      size=17)).arrange(DOWN, buff=0.06)
        glyph_lab.next_to(glyph, UP, buff=0.15)
        a_glyph = link(self.off_slab.get_right() + RIGHT * 0.05, glyph.get_left(), t.text, buff=0.1)
        return VGroup(a_glyph, glyph, glyph_lab)

    def main_branch(self, fig: OverviewFigure) -> VGroup:
        """x → the deformable conv (sampling at the offset points; its weight's shape) ← the offsets."""
        t = self.theme
        kh, kw = fig.kernel_size
        self.dc = dc = RoundedRectangle(corner_radius=0.12, width=self.DC_SIZE[0], height=self.DC_SIZE[1],
                                        stroke_color=t.kernel_stroke, stroke_width=3, fill_color=t.background,
                                        fill_opacity=1).move_to(at(self.DC_AT))
        dc_title = self.text(self.say("deformable conv", "可变形卷积"), size=22, color=t.kernel_stroke)
        dc_title.next_to(dc.get_top(), DOWN, buff=0.12)
        dc_sub = self.small(f"{kh}×{kw}, {fig.in_channels}→{fig.out_channels}, padding {fig.padding}", size=17)
        dc_sub.next_to(dc_title, DOWN, buff=0.06)
        mini = self.mini_sampling(fig.example_offsets, (kh, kw), self.MINI_CELL)
        mini.next_to(dc_sub, DOWN, buff=0.1)
        w = shp(fig.weight_shape)
        self.w_lab = self.small(self.say(f"weight {w}", f"权重 {w}"), size=17)
        self.w_lab.next_to(dc, DOWN, buff=0.12)
        self.drawn["shapes"]["weight"] = w
        x_slab = self.x_slab
        a_main = link(x_slab.get_right() + RIGHT * 0.05 + DOWN * 0.2,
                      [dc.get_left()[0], x_slab.get_center()[1] - 0.2, 0], t.text, buff=0.05)
        branch2 = self.small(self.say("main branch", "主分支"), size=20).next_to(a_main, DOWN, buff=0.1)
        bend = np.array([self.glyph.get_center()[0], dc.get_top()[1] - 0.4, 0])
        a_off = elbow_arrow([self.glyph.get_bottom() + DOWN * 0.08, bend, [dc.get_right()[0] + 0.03, bend[1], 0]],
                            t.text, stroke_width=3, tip_length=LINK_TIP)
        return VGroup(a_main, branch2, dc, dc_title, dc_sub, mini, self.w_lab, a_off)

    def output_y(self, fig: OverviewFigure) -> VGroup:
        t = self.theme
        ho, wo = fig.out_size
        y_slab = self.feature_slab(fig.out_channels, self.SLAB_SIDE, t.output_fill, t.output_stroke)
        y_slab.move_to(at(self.Y_AT))
        self.y_lab = self.slab_label(y_slab, self.say("output y", "输出 y"), shp(fig.y_shape))
        y_dims = self.slab_dims(y_slab, ho, wo, fig.out_channels)
        self.drawn["shapes"]["y"] = shp(fig.y_shape)
        a_out = link(self.dc.get_right(), y_slab.front.get_left(), t.text, buff=0.08)
        return VGroup(a_out, y_slab, self.y_lab, y_dims)

    def footer(self, fig: OverviewFigure) -> VGroup:
        """The output-size formula and the torchvision call, under everything."""
        t = self.theme
        formula = self.text(self.say("H_out = W_out: ", "输出尺寸：") + fig.formula[0], size=19, color=t.muted)
        call = self.mono(f"torchvision.ops.deform_conv2d(x, offset, weight, padding={fig.padding})", size=18,
                         color=t.muted)
        foot = VGroup(formula, call).arrange(DOWN, buff=0.12)
        foot.next_to(VGroup(self.x_lab, self.w_lab, self.y_lab), DOWN, buff=0.35)
        self.drawn["formula"] = fig.formula
        self.drawn["call"] = call.text
        return foot

    # -- widgets -----------------------------------------------------------------------------------------------
    def feature_slab(self, channels: int, side: float, fill, stroke, alternate: bool = False,
                     depth_per_octave: float = 0.22, min_depth: float = 0.2) -> VGroup:
        """A slab of ``channels`` sheets whose depth grows with log2(channels); ``alternate`` shades every
        second sheet (the dy and dx sheets of an offset tensor)."""
        depth = depth_per_octave * np.log2(max(channels, 2)) + min_depth
        s = slab(side, side, channels, depth, fill, stroke, max_sheets=self.MAX_SHEETS)
        if alternate:                 # dy and dx sheets in two shades
            for i, sheet in enumerate(reversed(s)):
                if i % 2:
                    sheet.set_fill(tint(fill, 0.35, stroke))
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
        corner = np.array([start[0], end[1], 0.0])
        return elbow_arrow([start, corner, np.asarray(end) + LEFT * 0.05], self.theme.text, stroke_width=3,
                           tip_length=LINK_TIP)

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
