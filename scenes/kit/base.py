"""The scene base class: options, theme, labels, step pacing and the record of what was drawn.

A scene's ``construct()`` reads like a storyboard: lay out widgets, then for each step of a ``convviz`` trace
``self.transition(...)`` to the new state and ``self.hold()`` it. Under ``convviz render`` a frame sink captures
exactly one frame per held state (with its duration), tweened frames only in smooth mode; under stock
``manim`` the same calls become ordinary ``play``/``wait``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np
from manim import UP, ManimColor, Mobject, ReplacementTransform, Scene, Text, VGroup, VMobject, config
from manim.animation.animation import prepare_animation
from manim.constants import CapStyleType, LineJointType

from convviz.options import RenderOptions

from scenes.kit import glyphs
from scenes.kit.camera import PathCachingCamera
from scenes.kit.settled import DRAWN_ARRAYS as _DRAWN_ARRAYS, DRAWN_VALUES as _DRAWN_VALUES, settle
from scenes.kit.theme import THEMES, font_for, label_text


def content_bbox(mobjects) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((x0, y0), (x1, y1)) of everything drawn, in scene units (None when nothing has points)."""
    pts = [sub.points for m in mobjects for sub in m.get_family() if len(sub.points)]
    return points_bbox(np.concatenate(pts)) if pts else None


def points_bbox(points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((x0, y0), (x1, y1)) of ``points`` (None when a coordinate is not finite)."""
    lo, hi = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        return None
    return (float(lo[0]), float(lo[1])), (float(hi[0]), float(hi[1]))


def union_bbox(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return ((min(a[0][0], b[0][0]), min(a[0][1], b[0][1])), (max(a[1][0], b[1][0]), max(a[1][1], b[1][1])))


def _only_text(mob) -> bool:
    """Whether everything ``mob`` draws is text (``FlatText``)."""
    drawn = [m for m in mob.get_family() if len(m.points)]
    return bool(drawn) and all(isinstance(m, FlatText) for m in drawn)


# Bytes kept while keeping states: each copy's arrays and object (~1.6 KB of attributes), and a reference per
# outline per state or frame (a 900-step conv2d of a 32x32 input keeps them all, its render peaking at ~430 MB);
# past this a second pass (drawing as it goes) bounds the memory instead.
KEEP_BUDGET = 300 * 2**20
_COPY_BYTES = 1700                  # a copy's object and its attribute dictionary
_REF_BYTES = 8                      # a list's reference


def _frozen(m: VMobject) -> VMobject:
    """A copy of what the camera draws of ``m`` (its arrays copied, the rest shared): fast, unlike ``copy()``,
    which copies the whole tree."""
    import copy

    c = copy.copy(m)
    c.__dict__.pop("_cv_settled", None)        # (its arrays are its own)
    for a in _DRAWN_ARRAYS:
        v = getattr(m, a, None)
        if isinstance(v, np.ndarray):
            setattr(c, a, v.copy())
    return c


def _signature(m: VMobject) -> tuple:
    """What the camera draws of ``m``, as bytes and values: equal signatures, equal pixels (a quarter of the
    time of comparing the arrays one by one; spelled out, a fifth of the time of a loop over the names)."""
    d = m.__dict__
    try:
        p, f, s, b, h = (d["points"], d["fill_rgbas"], d["stroke_rgbas"], d["background_stroke_rgbas"],
                         d["sheen_direction"])
        return (p.shape, p.dtype.num, p.tobytes(), f.shape, f.dtype.num, f.tobytes(), s.shape, s.dtype.num,
                s.tobytes(), b.shape, b.dtype.num, b.tobytes(), h.shape, h.dtype.num, h.tobytes(),
                d["stroke_width"], d["background_stroke_width"], d["sheen_factor"], d["joint_type"],
                d["cap_style"], d["background_image"], d["z_index"])
    except (KeyError, AttributeError):              # an attribute missing or not an array: name by name
        arrays = (getattr(m, a, None) for a in _DRAWN_ARRAYS)
        return tuple((v.shape, v.dtype.str, v.tobytes()) if isinstance(v, np.ndarray) else (None, v)
                     for v in arrays) + tuple(getattr(m, a, None) for a in _DRAWN_VALUES)


class SteadyTransform(ReplacementTransform):
    """``ReplacementTransform`` that leaves a part whose start and end look the same exactly as it is: Manim's
    interpolation, (1 - a) * x + a * x, moves it by rounding errors at every frame, so a kept frame would copy
    it anew and draw it again instead of once."""

    def begin(self) -> None:
        self._steady: set = set()
        super().begin()                 # (interpolates to 0: every part exactly at its start)
        self._steady = {id(m) for m, start, end in self.get_all_families_zipped()
                        if _signature(start) == _signature(end)}

    def interpolate_submobject(self, submobject, starting_submobject, target_copy, alpha):
        if id(submobject) in self._steady:
            return self
        return super().interpolate_submobject(submobject, starting_submobject, target_copy, alpha)


class FrameSink:
    """Where a scene's held states go. A measuring pass (``still``) draws no pixels: it notes the extent of
    every held state (``bbox``: their union), or with ``final_only`` nothing until the end (a still needs only
    the final state). With ``keep`` it also keeps a copy of each held state's outlines (``states``), so that
    the animation is drawn from them once the extent is known, without running the storyboard again; with
    ``tweens`` (smooth mode) the tweens are played too and every frame of them is kept (``keep_frame``).
    ``states`` becomes None past ``KEEP_BUDGET`` bytes kept (``kept``): a second pass, drawing as it goes,
    then bounds the memory. A drawing pass hands each frame (pixels, seconds) to ``writer`` as it is made: a
    ``scenes.render.media`` writer encoding to a file as it goes, or a ``ListWriter`` keeping them.
    ``held_at[i]``: the index of the frame showing the i-th held state."""

    def __init__(self, still: bool = False, writer=None, record_text: bool = False, final_only: bool = False,
                 keep: bool = False, tweens: bool = False):
        self.still = still
        self.final_only = final_only
        self.writer = writer
        self.record_text = record_text   # note the smallest text per role at each held state (tests)
        self.bbox = None            # union over held states
        self.holds = 0              # held states so far
        self.on_hold = None         # callback after each held state (a progress bar)
        self.states: list | None = [] if keep else None     # (outlines, seconds, held)
        self.tweens = tweens and keep
        self.kept = 0
        self.held_at: list[int] = []
        self._frozen: dict = {}     # id -> (outline, its copy, signature, stamp) of the outlines kept last
        self._looks: dict = {}      # signature -> copy, of the copies made since the last held state

    def track(self, mobjects) -> None:
        self.holds += 1
        if self.on_hold is not None:
            self.on_hold()
        if self.still and not self.final_only and self.states is None:     # (kept states: ``keep`` notes it)
            self.bbox = union_bbox(self.bbox, content_bbox(mobjects))

    def freeze(self, outlines: list, prune: bool = False) -> list | None:
        """Copies of ``outlines`` as they are now (an outline unchanged since it was last frozen shares that
        copy), or None once the budget is spent or an outline cannot be kept (``states`` is then None).
        ``prune``: forget the copies of outlines not in this list (at a held state)."""
        if self.states is None:
            return None
        self.kept += _REF_BYTES * len(outlines)
        if self.kept > KEEP_BUDGET or not all(type(m).__dict__.get("__copy__") is None and isinstance(m, VMobject)
                                              for m in outlines):
            self.states, self._frozen, self._looks = None, {}, {}
            return None
        frozen, looks, now, copies = self._frozen, self._looks, {}, []
        for m in outlines:
            old, st = frozen.get(id(m)), m.__dict__.get("_cv_settled")
            if old is not None and st is not None and old[3] is st and st.holds(m.__dict__):
                now[id(m)] = old               # settled since it was last frozen: unchanged (``settled``)
                copies.append(old[1])
                continue
            sig = _signature(m)
            if old is not None and old[2] == sig:
                c = old[1]
            else:                              # another outline that looks the same (a replacement) shares it
                c = looks.get(sig)
                if c is None:
                    c = looks[sig] = _frozen(m)
                    self.kept += _COPY_BYTES + sum(getattr(c, a).nbytes for a in _DRAWN_ARRAYS
                                                   if isinstance(getattr(c, a, None), np.ndarray))
            now[id(m)] = (m, c, sig, st)       # m kept alive with its copy: its id stays its own
            copies.append(c)
        if prune:
            self._frozen = now
            self._looks = {e[2]: e[1] for e in now.values()}
        else:
            frozen.update(now)
        return copies

    def keep(self, outlines: list, seconds: float) -> None:
        """Keep a held state's outlines (in drawing order) and its duration."""
        state = self.freeze(outlines, prune=True)
        if state is None:                   # the budget spent: measured as ``track`` does
            self.bbox = union_bbox(self.bbox, content_bbox(outlines))
            return
        self.states.append((state, seconds, True))
        if not self.final_only:             # the extent grows only by copies not held before
            for c in state:
                d = c.__dict__
                if "_cv_held" not in d:
                    d["_cv_held"] = True
                    if len(c.points):           # (a copy shares its original's submobjects: no family walk)
                        self.bbox = union_bbox(self.bbox, points_bbox(c.points))

    def keep_frame(self, outlines: list, seconds: float) -> None:
        """Keep a tweened frame: ``outlines`` already frozen (``freeze``), in drawing order."""
        if self.states is not None:
            self.kept += _REF_BYTES * len(outlines)
            self.states.append((outlines, seconds, False))

    def capture(self, pixels: np.ndarray, seconds: float) -> None:
        self.writer.add(pixels, seconds)

    def mark_held(self) -> None:
        self.held_at.append(self.writer.count - 1)

    @property
    def frames(self) -> list[tuple[np.ndarray, float]]:
        """(pixels, seconds) of the frames so far, when the writer keeps them (``ListWriter``)."""
        w = self.writer
        done = [(f.pixels, f.seconds) for f in getattr(w, "frames", [])]
        return done + ([(w.pending.pixels, w.pending.seconds)] if w is not None and w.pending is not None else [])


# Types of attribute values a copy of a text may share: values nobody changes in place (a ManimColor is replaced,
# not changed)
_SHARED_TYPES = frozenset({int, float, bool, str, type(None), np.float64, ManimColor, CapStyleType, LineJointType})


class FlatText(VMobject):
    """A line of text as ONE VMobject holding every glyph outline: it renders like ``Text`` but copies in
    microseconds (a ``Text`` is a deep tree; copying it dominated render time). ``text`` is the string.

    With ``strut=True`` the string was prefixed by an invisible "(" whose box anchors the line: two struts at
    the same place means the same baseline, whatever the glyphs (see ``place_strut``)."""

    def __init__(self, text_mob: Text | None = None, s: str = "", strut: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.text = s
        self.role = ""              # "number", "label" or "sub" (set by ``ConvVizScene.text``)
        self.digit_height = 0.0     # height of the glyph "0" at this text's font and size, per unit of height
        self.strut_offset = np.zeros(3)
        if text_mob is None:
            return
        glyphs = [g for g in text_mob.family_members_with_points()]
        color = text_mob.get_fill_color() if not glyphs else glyphs[-1].get_fill_color()
        if strut and glyphs:
            box = glyphs[0]
            glyphs = glyphs[1:]
        pts = [g.points for g in glyphs if len(g.points)]
        if pts:
            self.set_points(np.concatenate(pts))
        self.set_fill(color, opacity=1.0)
        self.set_stroke(width=0)
        if strut:
            anchor = np.array([box.get_left()[0], box.get_top()[1], 0.0])
            self.strut_offset = anchor - (self.get_center() if pts else anchor)

    def copy(self) -> "FlatText":
        """``Mobject.copy`` (a deep copy) made directly: a text's attributes are arrays, copied, values that do
        not change, shared, and empty lists (submobjects, updaters), made anew. A text with anything else (a
        submobject, an updater, a settled stamp) is copied the deep way."""
        d = self.__dict__
        if type(self) is not FlatText or not all(type(v) in _SHARED_TYPES or type(v) is np.ndarray
                                                 or (type(v) is list and not v) for v in d.values()):
            return super().copy()
        c = FlatText.__new__(FlatText)
        c.__dict__ = {k: (v.copy() if type(v) is np.ndarray else [] if type(v) is list else v) for k, v in d.items()}
        c.original_id = str(id(self))
        return c

    def get_family(self, recurse: bool = True) -> list:
        """A text has no submobjects (unless one was added): its family is itself, without Manim's walk."""
        return [self] if not self.submobjects else super().get_family(recurse)

    def family_members_with_points(self) -> list:
        if self.submobjects:
            return super().family_members_with_points()
        return [self] if len(self.points) else []

    # Manim measures a mobject with Python loops over its points (``max`` over a column, the anchors zipped
    # row by row): for a text of many glyph points, most of the time a scene spends placing things. The same
    # values, from numpy:
    def get_anchors(self):
        p, n = self.points, self.n_points_per_cubic_curve
        if self.submobjects or len(p) <= 1 or len(p) % n:
            return super().get_anchors()
        return np.stack([p[::n], p[n - 1::n]], axis=1).reshape(-1, p.shape[1])

    def get_points_defining_boundary(self):
        if self.submobjects or len(self.points) <= 1:
            return super().get_points_defining_boundary()
        return self.get_anchors()

    def reduce_across_dimension(self, reduce_func, dim: int):
        if self.submobjects or not len(self.points) or reduce_func not in (max, min):
            return super().reduce_across_dimension(reduce_func, dim)
        column = self.points[:, dim]
        return column.max() if reduce_func is max else column.min()

    def place_strut(self, point) -> "FlatText":
        """Move so that the (invisible) strut's top-left corner is at ``point``."""
        self.shift(np.asarray(point, dtype=float) - (self.get_center() + self.strut_offset))
        return self


# Texts are typeset once per string, font and style, at this size, in black; every size and colour is that outline
# scaled about the text's centre and filled (Pango lays out vector outlines without hinting, so they scale: the
# difference from typesetting at the size itself is under 0.001 unit, rounding in the SVG). One outline then
# serves every scene size (a scene sizes its text from its cells) and colour, in memory and in the disk cache.
CANON_SIZE = 96.0


@contextmanager
def _shapes_only():
    """Manim's SVG import (``SVGMobject.get_mobjects_from``) without the empty ``VGroup`` it makes for every SVG
    element to index them by id, which a text never uses (a sixth of the time of typesetting one): the same
    shapes in the same order. Nor is each glyph's sheen direction turned when the SVG is flipped upright (a
    rotation matrix per glyph, a tenth of the time): ``FlatText`` keeps only the glyphs' points."""
    import svgelements as se
    from manim import SVGMobject, VMobject

    shapes = (se.Path, se.SimpleLine, se.Rect, se.Circle, se.Ellipse, se.Polygon, se.Polyline, se.Text)

    def get_mobjects_from(self, svg):
        result, stack = [], [svg]
        while stack:
            element = stack.pop()
            if isinstance(element, (se.Group, se.Use)):
                stack.extend(element[::-1])
            if isinstance(element, shapes):
                mob = self.get_mob_from_shape_element(element)
                if mob is not None:
                    result.append(mob)
        return result, {}

    stock, sheen = SVGMobject.get_mobjects_from, VMobject.rotate_sheen_direction
    SVGMobject.get_mobjects_from = get_mobjects_from
    VMobject.rotate_sheen_direction = lambda self, *args, **kwargs: self
    try:
        yield
    finally:
        SVGMobject.get_mobjects_from, VMobject.rotate_sheen_direction = stock, sheen


@lru_cache(maxsize=4096)
def _canonical(s: str, font: str, weight: str, slant: str, strut: bool) -> FlatText:
    key = ("canonical, one line", CANON_SIZE, s, font, weight, slant, strut)
    cached = glyphs.load(key)
    if cached is not None:
        points, _, offset = cached
        t = FlatText(None, s)
        t.set_points(points)
        t.strut_offset = offset
    else:
        src = ("(" + s) if strut else s
        # Pango wraps a line wider than the picture it is typeset on (Manim passes the frame's pixel width):
        # typeset on a wide one, so that a line stays one line at any size and quality (set and put back by
        # hand: Manim's tempconfig re-applies the whole configuration, a fifth of a cold render's time)
        size = config.pixel_width, config.pixel_height
        config.pixel_width, config.pixel_height = 1 << 15, 1 << 12
        try:
            with _shapes_only():
                m = Text(src, font=font, font_size=CANON_SIZE, color="#000000", weight=weight, slant=slant)
        finally:
            config.pixel_width, config.pixel_height = size
        t = FlatText(m, s, strut)
        glyphs.store(key, t.points, "#000000", t.strut_offset)
    t.set_stroke(width=0)
    return t


@lru_cache(maxsize=8192)
def _text_template(s: str, font: str, size: float, color: str, weight: str, slant: str, strut: bool) -> FlatText:
    canon = _canonical(s, font, weight, slant, strut)
    t = canon.copy()
    k = size / CANON_SIZE
    if len(t.points):
        t.points = t.points * k             # about the origin: the centre of the typeset line, strut included
    t.strut_offset = canon.strut_offset * k
    t.set_fill(color, opacity=1.0)
    return t


_NUMERIC = re.compile(r"[-−+]?[0-9]+([.,][0-9]+)?")


@lru_cache(maxsize=256)
def _digit_height(font: str, size: float, weight: str, slant: str) -> float:
    return float(_text_template("0", font, size, "#000000", weight, slant, False).height)


def text_heights(mobjects) -> dict[str, float]:
    """{role: smallest height (scene units) of a digit "0" as large as the ``FlatText`` on screen with that role,
    scaling included}."""
    out: dict[str, float] = {}
    for m in mobjects:
        for sub in m.get_family():
            role = getattr(sub, "role", "")
            if role and sub.digit_height and len(sub.points):
                out[role] = min(out.get(role, np.inf), sub.digit_height * sub.height)
    return out


_TEX: dict = {}                     # (parts, size, colour) -> the typeset formula (tex_template's copies)
TEX_KEPT = 512                      # formulas _TEX keeps (a long session, a notebook, renders many sizes)
_TEX_WANTED: list | None = None     # while ``ConvVizScene.prefetch_tex`` looks: the formulas asked for
TEX_BATCH_SIZE = 48.0               # font size of formulas typeset together, each then scaled to its own


def tex_template(parts: tuple[str, ...], size: float, color: str) -> VGroup:
    """LaTeX typeset once per process (parsing its SVG is the slow part), each part flattened into one
    ``FlatText`` (a MathTex is a deep tree, slow to copy). Use copies: ``tex_template(...).copy()``."""
    key = (tuple(parts), float(size), str(color))
    if _TEX_WANTED is not None and key not in _TEX:       # looking ahead: a stand-in of the right structure
        _TEX_WANTED.append(key)
        return VGroup(*[_stand_in(part) for part in parts])
    if key not in _TEX:
        typeset_tex([key])
    return _TEX[key]


def _stand_in(part: str) -> FlatText:
    t = FlatText(None, part)
    t.set_points(np.zeros((4, 3)))
    return t


def typeset_tex(keys) -> None:
    """Typeset the formulas ``keys`` ((parts, size, colour), as ``tex_template`` takes them) not yet typeset:
    one alone as asked, several in one LaTeX run (each formula braced, so that it is laid out as on its own),
    each then scaled to its size about its centre and coloured. A LaTeX run costs about half a second: a
    figure of a dozen formulas typesets in a quarter of the time."""
    from manim import MathTex

    todo = [k for k in dict.fromkeys(keys) if k not in _TEX]
    if len(todo) == 1:
        parts, size, color = todo[0]
        m = MathTex(*parts, font_size=size, color=color)
        _keep_tex(todo[0], VGroup(*[FlatText(sub, part) for sub, part in zip(m, parts)]))
        return
    if not todo:
        return
    batch = [piece for parts, _, _ in todo for piece in ("{", *parts, "}", r"\qquad")]
    subs = iter(MathTex(*batch, font_size=TEX_BATCH_SIZE, color="#000000").submobjects)
    for parts, size, color in todo:
        next(subs)                                                          # "{"
        group = VGroup(*[FlatText(next(subs), part) for part in parts])
        next(subs), next(subs)                                              # "}", the space
        group.scale(size / TEX_BATCH_SIZE)
        for t in group:
            t.set_fill(color, opacity=1.0)
        _keep_tex((parts, size, color), group)


def _keep_tex(key: tuple, group: VGroup) -> None:
    """Keep a typeset formula in ``_TEX``, the oldest dropped past ``TEX_KEPT`` (typeset again if asked)."""
    _TEX[key] = group
    while len(_TEX) > TEX_KEPT:
        del _TEX[next(iter(_TEX))]


class ConvVizScene(Scene):
    """Base of every convviz scene.

    ``params`` is the data and parameters from the catalogue (arrays computed or loaded by ``convviz``);
    ``options`` the look and pacing. Run by stock Manim, a scene uses its ``default_entry`` from the catalogue.
    """

    default_entry: str = ""

    def __init__(self, params: dict[str, Any] | None = None, options: RenderOptions | None = None,
                 sink: FrameSink | None = None, **kwargs):
        if params is None or options is None:
            from convviz.catalogue import get_entry
            entry = get_entry(self.default_entry)
            params = entry.resolve() if params is None else params
            options = entry.options() if options is None else options
        self.params = params
        self.opts = options
        self.sink = sink
        self.theme = THEMES[options.theme]
        self.lang = options.lang
        self.drawn: dict[str, Any] = {}     # what the scene drew, for tests: name → record
        self.steps_shown = 0
        kwargs.setdefault("camera_class", PathCachingCamera)
        super().__init__(**kwargs)
        if self.camera.background_color != ManimColor(self.theme.background):   # a render configures it already
            self.camera.background_color = self.theme.background     # the setter makes the background anew

    # -- text ---------------------------------------------------------------------------------------------
    def T(self, key: str) -> str:
        """A shared label (theme.LABELS) in the scene's language."""
        return label_text(key, self.lang)

    def say(self, en: str, zh: str) -> str:
        """A scene's own text in the scene's language."""
        return zh if self.lang == "zh" else en

    def text(self, s: str, size: float = 28, color: str | None = None, font: str | None = None,
             bold: bool = False, italic: bool = False, strut: bool = False, role: str | None = None) -> FlatText:
        """Text as one fast ``FlatText`` (a cached template, copied). Chinese picks the CJK font by itself.
        ``role`` ("number", "label" or "sub" for small subscripts) says which legibility minimum applies; by
        default "number" for a numeric string, "label" otherwise."""
        if any(ord(c) > 0x2E80 for c in s):
            font = font_for("zh")
        font = font or font_for("en")
        weight, slant = "BOLD" if bold else "NORMAL", "ITALIC" if italic else "NORMAL"
        t = _text_template(s, font, float(size), str(color or self.theme.text), weight, slant, strut).copy()
        t.role = role or ("number" if _NUMERIC.fullmatch(s.strip()) else "label")
        t.digit_height = _digit_height(font, float(size), weight, slant) / max(t.height, 1e-9)
        return t

    def swap(self, *pairs):
        """Put each ``new`` on screen in place of its ``old``, all in one transition (tweened in smooth mode):
        ``self.swap((old, new), (old2, new2, False))``; a third item ``False`` never tweens that pair (a
        ``NumberGrid`` holds the scene's text factory and cannot be copied). ``old`` may be ``None`` (first
        step). In smooth mode shapes move; text (a sum line, a caption) is not morphed glyph into glyph, it
        changes when the move ends. Returns the new mobject, or a list of them for several pairs."""
        anims, after = [], []
        for old, new, *rest in pairs:
            if old is None:
                self.add(new)
            elif (rest[0] if rest else True) and self.tweening and not (_only_text(old) and _only_text(new)):
                anims.append(SteadyTransform(old, new))
            elif self.tweening and (rest[0] if rest else True):          # text: changes when the move ends
                after.append((old, new))
            else:
                self._replace(old, new)
        if anims:
            self.transition(*anims)
        for old, new in after:
            self._replace(old, new)
        news = [p[1] for p in pairs]
        return news[0] if len(news) == 1 else news

    def _replace(self, old: Mobject, new: Mobject) -> None:
        """``remove(old)``, ``add(new)``. When ``old`` is on screen at the top (as ``swap`` puts it) and ``new``
        is not, by editing the list: Manim's ``remove`` and ``add`` walk every family on screen looking for
        what they take out, a cost per step that grows with the figure (a tenth of a 900-step render)."""
        mobs = self.mobjects
        at = next((i for i, m in enumerate(mobs) if m is old), None)
        if at is None or self.foreground_mobjects or any(m is new for m in mobs):
            self.remove(old)
            self.add(new)
            return
        del mobs[at]
        mobs.append(new)

    def label(self, key_or_text: str, size: float = 26, color: str | None = None, raw: bool = False) -> Text:
        """A role label such as Input / Kernel / Output in the chosen language."""
        return self.text(key_or_text if raw else self.T(key_or_text), size=size, color=color or self.theme.text)

    # -- layout -------------------------------------------------------------------------------------------
    def fit_to_frame(self, mob: Mobject, margin: float = 0.35, top_reserve: float = 0.0,
                     bottom_reserve: float = 0.0) -> Mobject:
        """Scale ``mob`` down (never up) to fit the frame minus margins, and centre it in what remains."""
        fw, fh = config.frame_width - 2 * margin, config.frame_height - 2 * margin - top_reserve - bottom_reserve
        if mob.width > fw:
            mob.scale_to_fit_width(fw)
        if mob.height > fh:
            mob.scale_to_fit_height(fh)
        mob.move_to((bottom_reserve - top_reserve) / 2 * UP)
        return mob

    # -- pacing -------------------------------------------------------------------------------------------
    @property
    def smooth(self) -> bool:
        return bool(self.opts.smooth)

    @property
    def tweening(self) -> bool:
        """Smooth mode while frames are drawn or kept (a still, or a measuring pass keeping no tweens, never
        tweens; a pass keeping tweens goes on tweening past the budget, so its extent is the same)."""
        sink = self.sink
        return self.smooth and (sink is None or not sink.still or sink.tweens)

    def transition(self, *animations, run_time: float | None = None) -> None:
        """Go to the next state: tweened in smooth mode, at once otherwise (no frames in between)."""
        if not animations:
            return
        if self.tweening:
            rt = run_time if run_time is not None else min(0.5, 0.45 * self.opts.step_seconds)
            animations = [prepare_animation(a) for a in animations]
            self._idle = not self.updaters and not any(m.updaters for m in self.get_mobject_family_members()) \
                and not any(m.updaters for a in animations for m in a.mobject.get_family())
            try:
                self.play(*animations, run_time=rt)
            finally:
                self._idle = False
            return
        for a in animations:
            anim = prepare_animation(a)
            if anim.is_introducer() and not anim.is_remover():     # FadeIn, Create, Write …: the end state is
                self.add(anim.mobject)                              # the mobject itself
                continue
            if anim.is_remover() and not anim.is_introducer():      # FadeOut, Uncreate …
                self.remove(anim.mobject)
                continue
            anim._setup_scene(self)
            anim.begin()
            anim.finish()
            anim.clean_up_from_scene(self)

    def update_mobjects(self, dt: float) -> None:
        """Manim walks every family at every tweened frame to run updaters: skipped while a transition runs in
        a scene that has none (``transition`` looks once)."""
        if not getattr(self, "_idle", False):
            super().update_mobjects(dt)

    def hold(self, seconds: float | None = None) -> None:
        """Show the current state for ``seconds`` (default: one step)."""
        seconds = self.opts.step_seconds if seconds is None else seconds
        self.steps_shown += 1
        if self.sink is None:
            self.wait(seconds)
            return
        self.sink.track(self.mobjects)
        if self.sink.record_text:                   # legibility (tests): the smallest text of each role
            record = self.drawn.setdefault("text_height", {})
            for role, h in text_heights(self.mobjects).items():
                record[role] = min(record.get(role, h), h)
        if self.sink.states is not None:
            shown = self.renderer.camera.get_mobjects_to_display(self.mobjects + self.foreground_mobjects)
            self.sink.keep(shown, seconds)
        if not self.sink.still:
            self.renderer.update_frame(self)
            self.sink.capture(self.renderer.get_frame(), seconds)
            self.sink.mark_held()

    def play_steps(self, steps, show, passed=None) -> None:
        """The storyboard's loop: for each step ``state = show(step, state)`` (``state`` is what ``show`` put on
        screen for the previous step, ``None`` first), then hold it (the last one ``final_hold``). With
        ``passed``, a step a still goes by (``passing``) calls ``passed(step)`` instead: what the step leaves on
        screen for the steps after it (an output written), nothing that ``show`` replaces."""
        state = None
        for i, step in enumerate(steps):
            if passed is not None and self.passing(i, len(steps)):
                passed(step)
                continue
            state = show(step, state)
            self.hold_step(i, len(steps))

    def passing(self, i: int, n: int, final: bool = True) -> bool:
        """Whether step ``i`` of ``n`` goes by unseen: in a still's pass (``final_only``), which shows the final
        state alone, every step but the last (every step of a part that is not ``final``). Such a step need not
        build, show nor hold what only it shows (its window, its sum), and the scene's record of what it drew
        covers the steps drawn only; what stays on screen after it (an output cell written) is still done."""
        return self.sink is not None and self.sink.final_only and (i < n - 1 or not final)

    def settle_figure(self) -> None:
        """Settle everything on screen (``kit/settled.py``) once the layout is done, before the step loop: each
        held state then costs by what changed, not by the size of the figure. From here the figure changes only
        through its grids' methods (``NumberGrid.fill_cell``, ``set_text``) or after ``unsettle``."""
        settle(*self.mobjects)

    def hold_step(self, i: int, n: int) -> None:
        """Hold step ``i`` of ``n``: one step, the last one ``final_hold``."""
        self.hold(None if i < n - 1 else self.opts.final_hold)

    def hold_last(self) -> None:
        """Hold the final state (``final_hold`` seconds)."""
        self.hold(self.opts.final_hold)

    def prefetch_tex(self, build) -> None:
        """Typeset at once every formula ``build()`` asks ``tex_template`` for (``typeset_tex``). ``build`` runs
        with stand-ins of the formulas; what it builds and records is thrown away."""
        global _TEX_WANTED
        drawn, _TEX_WANTED = self.drawn, []
        self.drawn = {}
        try:
            build()
            typeset_tex(_TEX_WANTED)
        finally:
            self.drawn, _TEX_WANTED = drawn, None

    def show_still(self, *mobjects: Mobject) -> None:
        """For still figures: add everything and hold once."""
        self.add(*mobjects)
        self.hold(self.opts.final_hold)


__all__ = ["ConvVizScene", "FrameSink", "FlatText", "tex_template", "content_bbox"]
