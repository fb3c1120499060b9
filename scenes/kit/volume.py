"""The volume widget: an H x W x D block of voxels drawn flat (oblique projection, plain Polygons).

Manim's ThreeDScene is slow and soft under Cairo; a cabinet projection drawn with 2-D polygons is crisp and fast
and reads like the notes' hand-drawn blocks. The front face (H x W, the first slice) faces the viewer, depth D
recedes up and to the right; only the three visible faces are drawn (front, top, right).

API (everything else is private)::

    vol = Volume((H, W, D), theme, self.text, cell=0.32, colors=theme.input_fill)  # or one colour per slice
    vol.point(h, w, d)          # scene position of a (continuous) voxel coordinate, after any move/scale
    vol.highlight(h, w, d, color)  # a new overlay (VGroup) marking a voxel / column / sub-block
    vol.front_cell(h, w)        # a new polygon over front-face cell (h, w) (for outlines and markers)
    vol.write(h, w, "15")       # a number on a front-face cell (recorded in vol.drawn["values"])
    vol.body, vol.labels        # the voxels and the dimension labels (VGroups)
    vol.drawn                   # {"shape", "labels" {"H","W","D": text}, "elided" {axis: (start, stop)},
                                #  "shown" {axis: [indices drawn]}, "values"}
    link(a, b, color)           # module function: an arrow between two points with a fixed-size tip

Colours are shaded with ``scenes.kit.theme.tint``; numbers written on cells are sized by
``scenes.kit.widgets.number_font_size``.

Ranges for ``highlight`` are an int (one voxel), ``(start, stop)`` or None (the whole dimension). It tints the
block's cells that lie on the visible faces (``project=True``: also the projection of an interior block, faintly)
and outlines the block, hidden edges dashed (``outline=False``: tints only). Long dimensions (more than
``max_cells``) are drawn as a few voxels, a plain slab marked with dots ("…") and the last voxels
(``convviz.figures.volumes.elide_axis``). Dimension labels come from the shape: ``label_style`` "value" ("7"), "name"
("H") or "both" ("H=7"; a name equal to the size, e.g. "1", is not repeated); a name of None leaves that edge
unlabelled. Labels sit outside the block: left of the front face (or right of the back edge, ``h_label="right"``)
for H, under it for W, beside the receding bottom edge for D.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from manim import BLACK, DOWN, LEFT, RIGHT, Arrow, DashedLine, Dot, Line, ManimColor, Polygon, Text, VGroup, VMobject

from convviz.figures.volumes import AxisPlan, elide_axis
from scenes.kit.theme import tint
from scenes.kit.widgets import number_font_size

AXES = ("H", "W", "D")
TOP_TINT, SIDE_SHADE, STROKE_SHADE = 0.35, 0.12, 0.55   # shading of the top face, the right face, grid lines
EDGE_WEIGHT = 1.6               # the block's outline: this many times the grid's stroke width
LABEL_GAP = 0.14                # a dimension label → the block's edge
DOT_RADIUS, DOT_MIN_RADIUS = 0.13, 0.045    # elision dots: relative to a voxel's side, and at least
DOT_PLACES = (0.2, 0.5, 0.8)    # where the three elision dots sit along the elided stretch
ANCHOR_SIZE = 0.01              # the invisible anchor's arms, relative to a voxel's side
SURFACE_OPACITY, PROJECTION_OPACITY = 0.55, 0.22        # highlight tints: on the surface / an interior's shadow
HIDDEN_DASH, HIDDEN_WEIGHT = 0.06, 0.5                  # a highlight's hidden edges: dash length, stroke ratio
NUMBER_Z, OVERLAY_Z = 3, 4      # numbers written on cells, highlights: above the block
LINK_TIP, LINK_TIP_RATIO, LINK_STROKE_RATIO = 0.2, 0.35, 20


def link(start, end, color, stroke_width: float = 3.0, buff: float = 0.1) -> Arrow:
    """An arrow between two points (e.g. ``vol.point(...)`` of two blocks) with a fixed-size tip."""
    return Arrow(start, end, buff=buff, stroke_width=stroke_width, color=color, tip_length=LINK_TIP,
                 max_tip_length_to_length_ratio=LINK_TIP_RATIO, max_stroke_width_to_length_ratio=LINK_STROKE_RATIO)


def _rng(v, n: int) -> tuple[int, int]:
    if v is None:
        return (0, n)
    if isinstance(v, (tuple, list)):
        a, b = int(v[0]), int(v[1])
    else:
        a, b = int(v), int(v) + 1
    if not (0 <= a < b <= n):
        raise ValueError(f"range {v!r} is outside 0..{n}")
    return a, b


class Volume(VGroup):
    """An H x W x D block of voxels (see the module docstring).

    ``colors``: one colour, or one per depth slice (per channel or per group). ``stroke``: grid lines (default:
    a darker shade of each slice's colour). ``grid=False`` draws each face as plain slabs. ``cell`` is a voxel's
    side in scene units, ``depth`` the drawn depth of one voxel relative to ``cell`` (cabinet projection: 0.5)
    and ``angle`` the direction of depth in degrees. ``gap``: drawn length (voxels) of an elided stretch;
    ``h_label``: "left" (default) or "right" (beside the back edge: leaves the left side free for arrows).
    """

    def __init__(self, shape: Sequence[int], theme, text_factory: Callable[..., Text], cell: float = 0.32,
                 colors=None, stroke=None, depth: float = 0.5, angle: float = 38.0, grid: bool = True,
                 names: Sequence[str | None] = AXES, label_style: str | None = "value", label_size: float = 22,
                 max_cells: int | Sequence[int] = 8, stroke_width: float = 1.6, shade: bool = True,
                 gap: float = 2.5, h_label: str = "left"):
        super().__init__()
        if len(shape) != 3 or any(int(s) < 1 for s in shape):
            raise ValueError(f"a volume needs a shape (H, W, D) of positive ints, got {tuple(shape)}")
        self.shape = tuple(int(s) for s in shape)
        self.theme = theme
        self.text_factory = text_factory
        self.cell = float(cell)
        mc = (max_cells,) * 3 if isinstance(max_cells, int) else tuple(max_cells)
        self.plans: tuple[AxisPlan, ...] = tuple(elide_axis(n, m, gap) for n, m in zip(self.shape, mc))
        a = np.radians(angle)
        self._dz = np.array([np.cos(a), np.sin(a), 0.0]) * depth * self.cell
        H, W, D = self.shape
        if colors is None:
            colors = theme.input_fill
        if isinstance(colors, (str, ManimColor)):
            colors = [colors] * D
        if len(colors) != D:
            raise ValueError(f"colors: need one colour or {D} (one per slice), got {len(colors)}")
        self.colors = [ManimColor(c) for c in colors]
        self._stroke = stroke
        self._stroke_width = stroke_width
        self._shade = shade
        self._grid = grid
        self.drawn: dict = {"shape": self.shape, "labels": {},
                            "elided": {ax: p.elided for ax, p in zip(AXES, self.plans) if p.elided},
                            "shown": {ax: p.shown for ax, p in zip(AXES, self.plans)}, "values": {}}
        # an invisible anchor inside the front face: tells point() where the block went after move/scale
        u = ANCHOR_SIZE * self.cell
        self._anchor = VMobject(stroke_opacity=0, fill_opacity=0)
        self._anchor.set_points_as_corners([self._local(0, 0, 0), self._local(0, 0, 0) + np.array([u, 0, 0]),
                                            self._local(0, 0, 0) + np.array([0, -u, 0])])
        self._u = u
        self.body = VGroup()
        self._build_faces()
        self.marks = self._elision_marks()
        self.edges = self._outline()
        self.body.add(self.marks, self.edges)
        self._h_side = h_label
        self.labels = self._labels(names, label_style, label_size)
        self.texts = VGroup()
        self._written: dict[tuple[int, int], Text] = {}
        self.add(self._anchor, self.body, self.labels, self.texts)

    def __deepcopy__(self, memo):
        memo[id(self.text_factory)] = self.text_factory      # copies share the scene's text factory
        return super().__deepcopy__(memo)

    # -- geometry ---------------------------------------------------------------------------------------
    def _local(self, h: float, w: float, d: float) -> np.ndarray:
        ph, pw, pd = (p.pos(t) for p, t in zip(self.plans, (h, w, d)))
        return np.array([pw * self.cell, -ph * self.cell, 0.0]) + pd * self._dz

    def point(self, h: float, w: float, d: float) -> np.ndarray:
        """Scene position of the continuous voxel coordinate (h, w, d): (0, 0, 0) is the front top-left corner,
        (H, W, D) the back bottom-right one; follows the widget when it is moved or scaled."""
        p0, px, py = self._frame()
        loc = self._local(h, w, d) - self._local(0, 0, 0)
        return p0 + loc[0] * px - loc[1] * py

    def _frame(self):
        """Anchor corner and the scene vectors of one local unit right and one local unit down."""
        pts = self._anchor.points          # corners of the polyline: Bézier points 0, 3 and 7
        p0 = pts[0]
        return p0, (pts[3] - p0) / self._u, (pts[7] - p0) / self._u

    @property
    def scale_factor(self) -> float:
        """Scene units per unit of the widget's own layout (1 until the widget is scaled)."""
        return float(np.linalg.norm(self._frame()[1]))

    def _quad(self, corners, fill, stroke=None, width=None, opacity=1.0) -> Polygon:
        poly = Polygon(*corners, fill_color=fill, fill_opacity=opacity,
                       stroke_color=stroke if stroke is not None else self.theme.grid,
                       stroke_width=self._stroke_width if width is None else width)
        return poly

    def _runs(self) -> list[tuple[int, int]]:
        """(start, stop) stretches of depth slices of one colour."""
        runs, start = [], 0
        D = self.shape[2]
        for i in range(1, D + 1):
            if i == D or self.colors[i] != self.colors[start]:
                runs.append((start, i))
                start = i
        return runs

    def _bounds(self, axis: int, a: int = 0, b: int | None = None) -> list[int]:
        """Voxel boundaries strictly inside (a, b) where a grid line is drawn (none inside an elided gap)."""
        b = self.shape[axis] if b is None else b
        out = []
        for kind, s0, s1, _, _ in self.plans[axis].segments:
            if kind == "cells":
                out.extend(i for i in range(s0, s1 + 1) if a < i < b)
            else:
                out.extend(i for i in (s0, s1) if a < i < b)
        return sorted(set(out))

    def _face_colors(self, d: int):
        c = self.colors[d]
        top = tint(c, TOP_TINT) if self._shade else c
        side = tint(c, SIDE_SHADE, BLACK) if self._shade else c
        stroke = ManimColor(self._stroke) if self._stroke is not None else tint(c, STROKE_SHADE, BLACK)
        return c, top, side, stroke

    def _lines(self, segments, color) -> VMobject:
        """Many straight grid lines as one mobject (one object per face is much faster than one per cell)."""
        m = VMobject(stroke_color=color, stroke_width=self._stroke_width, fill_opacity=0)
        for a, b in segments:
            m.start_new_path(a)
            m.add_line_to(b)
        return m

    def _build_faces(self) -> None:
        """Each face is filled with one polygon per colour run, then its grid lines are drawn on top."""
        H, W, D = self.shape
        L = self._local
        front, top, right = VGroup(), VGroup(), VGroup()
        c, _, _, s = self._face_colors(0)
        front.add(self._quad([L(0, 0, 0), L(0, W, 0), L(H, W, 0), L(H, 0, 0)], c, s))
        if self._grid:
            front.add(self._lines([(L(h, 0, 0), L(h, W, 0)) for h in self._bounds(0)]
                                  + [(L(0, w, 0), L(H, w, 0)) for w in self._bounds(1)], s))
        for d0, d1 in self._runs():
            _, tc, sc, s = self._face_colors(d0)
            top.add(self._quad([L(0, 0, d0), L(0, W, d0), L(0, W, d1), L(0, 0, d1)], tc, s))
            right.add(self._quad([L(0, W, d0), L(0, W, d1), L(H, W, d1), L(H, W, d0)], sc, s))
            if self._grid:
                dl = self._bounds(2, d0, d1)
                top.add(self._lines([(L(0, w, d0), L(0, w, d1)) for w in self._bounds(1)]
                                    + [(L(0, 0, d), L(0, W, d)) for d in dl], s))
                right.add(self._lines([(L(h, W, d0), L(h, W, d1)) for h in self._bounds(0)]
                                      + [(L(0, W, d), L(H, W, d)) for d in dl], s))
        self.faces = VGroup(front, top, right)
        self.body.add(self.faces)

    def _outline(self) -> VGroup:
        """The block's visible edges, a little heavier than the grid."""
        H, W, D = self.shape
        L = self._local
        s = self._face_colors(0)[3]
        pts = [(0, 0, 0), (0, W, 0), (H, W, 0), (H, 0, 0), (0, 0, 0), (0, 0, D), (0, W, D), (H, W, D), (H, W, 0)]
        path = VMobject(stroke_color=s, stroke_width=self._stroke_width * EDGE_WEIGHT, fill_opacity=0)
        path.set_points_as_corners([L(*p) for p in pts])
        return VGroup(path, Line(L(0, W, 0), L(0, W, D), stroke_color=s, stroke_width=self._stroke_width * EDGE_WEIGHT))

    def _elision_marks(self) -> VGroup:
        """Three dots along the elided direction on each visible face it crosses."""
        marks = VGroup()
        H, W, D = self.shape
        r = max(DOT_MIN_RADIUS, DOT_RADIUS * self.cell)
        col = self.theme.muted
        for axis, plan in enumerate(self.plans):
            if plan.elided is None:
                continue
            a, b = plan.elided
            spots = []   # (face point as a function of the elided coordinate t)
            if axis == 2:
                spots = [lambda t: (0, W / 2, t), lambda t: (H / 2, W, t)]
            elif axis == 1:
                spots = [lambda t: (H / 2, t, 0), lambda t: (0, t, D / 2)]
            else:
                spots = [lambda t: (t, W / 2, 0), lambda t: (t, W, D / 2)]
            for f in spots:
                for frac in DOT_PLACES:
                    t = a + (b - a) * frac
                    marks.add(Dot(self._local(*f(t)), radius=r, color=col))
        return marks

    def _labels(self, names, style, size) -> VGroup:
        out = VGroup()
        if style is None:
            return out
        H, W, D = self.shape
        L = self._local
        buff = LABEL_GAP
        for axis, (n, name) in enumerate(zip(self.shape, names)):
            if name is None:
                continue
            s = {"value": str(n), "name": str(name), "both": f"{name}={n}"}[style]
            if str(name) == str(n):          # a name that is the size itself ("1") is not repeated
                s = str(n)
            t = self.text_factory(s, size=size, color=self.theme.text)
            if axis == 0 and self._h_side == "right":    # right of the back right edge
                mid = (L(0, W, D) + L(H, W, D)) / 2
                t.move_to(mid + RIGHT * (buff + t.width / 2))
            elif axis == 0:        # left of the front face's left edge
                mid = (L(0, 0, 0) + L(H, 0, 0)) / 2
                t.move_to(mid + LEFT * (buff + t.width / 2))
            elif axis == 1:        # under the front face's bottom edge
                mid = (L(H, 0, 0) + L(H, W, 0)) / 2
                t.move_to(mid + DOWN * (buff + t.height / 2))
            else:                  # beside the receding bottom-right edge, away from the block
                mid = (L(H, W, 0) + L(H, W, D)) / 2
                e = self._dz / np.linalg.norm(self._dz)
                nrm = np.array([e[1], -e[0], 0.0])          # perpendicular, pointing down-right
                reach = abs(nrm[0]) * t.width / 2 + abs(nrm[1]) * t.height / 2
                t.move_to(mid + nrm * (buff + reach))
            out.add(t)
            self.drawn["labels"][AXES[axis]] = s
        return out

    # -- access -----------------------------------------------------------------------------------------
    def front_cell(self, h: int, w: int) -> Polygon:
        """A new polygon over front-face cell (h, w) where the widget is now (for outlines and markers)."""
        P = self.point
        return Polygon(P(h, w, 0), P(h, w + 1, 0), P(h + 1, w + 1, 0), P(h + 1, w, 0), fill_opacity=0,
                       stroke_width=0)

    def write(self, h: int, w: int, s: str, size: float | None = None, color=None) -> Text:
        """Write ``s`` on front-face cell (h, w), replacing what was there."""
        old = self._written.pop((h, w), None)
        if old is not None:
            self.texts.remove(old)
        size = size or number_font_size(self.cell * self.scale_factor, len(s))
        t = self.text_factory(s, size=size, color=color or self.theme.text)
        t.move_to(self.point(h + 0.5, w + 0.5, 0))
        t.set_z_index(NUMBER_Z)
        self.texts.add(t)
        self._written[(h, w)] = t
        self.drawn["values"][(h, w)] = s
        return t

    def values(self) -> dict[tuple[int, int], str]:
        """The texts written on the front face: (h, w) → text."""
        return dict(self.drawn["values"])

    def highlight(self, h=None, w=None, d=None, color=None, fill_opacity: float = 0.35, surface: bool = True,
                  project: bool = False, stroke_width: float = 4.0, hidden: bool = True,
                  outline: bool = True) -> VGroup:
        """A new overlay marking voxels h × w × d (ints or (start, stop); None = the whole dimension).

        ``surface``: tint the block's cells that lie on the visible faces; ``project``: tint its projection on
        every visible face even when it is inside (a cue for the depth of interior blocks); the block's visible
        edges are drawn solid, its ``hidden`` edges dashed (``outline=False``: tints only). The overlay is
        returned, not added."""
        H, W, D = self.shape
        (h0, h1), (w0, w1), (d0, d1) = _rng(h, H), _rng(w, W), _rng(d, D)
        color = ManimColor(color or self.theme.highlight)
        P = self.point
        g = VGroup()
        tints = VGroup()
        faces = ((d0 == 0, [P(h0, w0, 0), P(h0, w1, 0), P(h1, w1, 0), P(h1, w0, 0)]),
                 (h0 == 0, [P(0, w0, d0), P(0, w1, d0), P(0, w1, d1), P(0, w0, d1)]),
                 (w1 == W, [P(h0, W, d0), P(h0, W, d1), P(h1, W, d1), P(h1, W, d0)]))
        for on_surface, corners in faces:
            if (surface and on_surface) or project:
                # the block's own surface cells strongly, a projection of an interior block faintly
                opacity = SURFACE_OPACITY if on_surface else PROJECTION_OPACITY
                tints.add(Polygon(*corners, stroke_width=0).set_fill(color, opacity=opacity))
        g.add(tints)
        if not outline:
            g.set_z_index(OVERLAY_Z)
            return g
        box = VGroup(
            Polygon(P(h0, w0, d0), P(h0, w1, d0), P(h1, w1, d0), P(h1, w0, d0)),
            Polygon(P(h0, w0, d0), P(h0, w1, d0), P(h0, w1, d1), P(h0, w0, d1)),
            Polygon(P(h0, w1, d0), P(h0, w1, d1), P(h1, w1, d1), P(h1, w1, d0)),
        )
        box.set_fill(color, opacity=fill_opacity).set_stroke(color, width=stroke_width)
        g.add(box)
        if hidden and d1 - d0 > 0:
            back = P(h1, w0, d1)
            g.add(VGroup(*[DashedLine(back, q, dash_length=HIDDEN_DASH, stroke_width=stroke_width * HIDDEN_WEIGHT,
                                      color=color) for q in (P(h0, w0, d1), P(h1, w1, d1), P(h1, w0, d0))]))
        g.set_z_index(OVERLAY_Z)
        return g
