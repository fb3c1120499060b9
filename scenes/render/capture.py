"""Render a scene to GIF, MP4, WebM, PNG or JPG.

Manim draws; this module frames and captures. The storyboard runs once without drawing a pixel: it records
the extent of every held state and keeps a copy of what each frame shows (``FrameSink.keep``; in smooth mode
the tweened frames too). The camera is then fitted to that extent, so frames carry no empty margins and their
width is set by the quality (pixels per scene unit) or by a minimum width, and the kept frames are drawn
(``_draw_kept``) into a ``scenes.render.media`` writer, which encodes them as they come; a smooth video shares
them between two processes (``parallel``). Past the keep budget a second pass draws as it goes instead.
Stills need only the final state: one frame.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from scenes.render import media, parallel
from scenes.render.progress import drawing, progress_bar
from convviz.files import scratch_dir   # per process: concurrent runs never share Manim's text/TeX caches
from convviz.options import (STILL_DENSITY, STILL_FORMATS, STILL_MIN_WIDTH, VIDEO_DENSITY, VIDEO_PRESETS,
                             RenderOptions)

MARGIN = 0.22          # scene units of white around the content
MAX_PIXELS = 4096      # no side larger than this
REPAINT_MIN = 150      # outlines past which a held state is repainted where it changed (``_repaint``)
REPAINT_AREA = 0.3     # ... unless that covers this share of the frame


def load_scene_class(ref: str):
    """``"module:Class"`` inside the ``scenes`` package → the class."""
    module, _, cls = ref.partition(":")
    return getattr(importlib.import_module(f"scenes.{module}"), cls)


def _config(quality: str, fps: int | None, background: str) -> dict:
    """Manim's config for a render: the standard 16:9 frame (layout never depends on the fitted camera)."""
    w, h, default_fps = VIDEO_PRESETS[quality]
    return {
        "pixel_width": int(w), "pixel_height": int(h), "frame_rate": fps or default_fps,
        "frame_width": 8.0 * w / h, "frame_height": 8.0, "background_color": background, "format": "none",
        "disable_caching": True, "media_dir": str(scratch_dir("manim")), "verbosity": "ERROR",
        "progress_bar": "none",
    }


@lru_cache(maxsize=1)
def _fixed_mmap_threshold() -> None:
    """Keep frame-sized arrays out of the heap (glibc, no-op elsewhere). glibc raises its mmap threshold each
    time a large block is freed, so later frames (megabytes each) come from the heap, where the long-lived
    cached Cairo paths pin the freed space: a smooth high-quality cnn-gif2 grew a process to 840 MB, 560 of them
    free. A fixed 1 MB threshold keeps large blocks mapped and returned when freed (310 MB). Once per process."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-3, 1 << 20)           # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def _run(scene_cls, params, options, cfg, sink, fit=None, after=None):
    from manim import tempconfig

    _fixed_mmap_threshold()
    with tempconfig(cfg):
        scene = scene_cls(params=params, options=options, sink=sink, skip_animations=sink.still and not sink.tweens)
        if fit is not None:                               # layout stays on the standard frame
            _aim(scene.renderer.camera, *fit)

        def add_frame(frame, num_frames: int = 1):       # tweened frames (smooth mode)
            if not scene.renderer.skip_animations:
                sink.capture(frame, num_frames / cfg["frame_rate"])

        scene.renderer.add_frame = add_frame
        # Manim ends a scene without plays by drawing its last frame, on the standard frame: a full frame drawn
        # for nothing (a still is drawn with the camera fitted, an animation from its kept states)
        scene.renderer.scene_finished = lambda scene_: None
        if sink.tweens:
            _keep_tweens(scene, sink, cfg["frame_rate"])
        scene.render()
        if after is not None:
            after(scene)
    return scene


def _keep_tweens(scene, sink, fps: int) -> None:
    """In a measuring pass of smooth mode, the renderer keeps each tweened frame's outlines instead of drawing
    them, in the order Manim draws them (``Camera.get_mobjects_to_display``): the static ones once per
    animation (Manim draws them once into a background too), then the moving ones: those the animations
    change copied at every frame, the others (drawn above a moving one, untouched) once per animation."""
    r = scene.renderer
    display = r.camera.get_mobjects_to_display
    play = {"static": [], "touched": None, "still": {}}
    moving: list = [[]]

    def save_static_frame_data(scene_, mobjects):
        play["static"] = sink.freeze(display(mobjects)) if mobjects else []
        play["touched"] = _touched(scene_)
        play["still"] = {}
        play["family"] = None
        r.static_image = None

    def update_frame(scene_, mobjects=None, **kwargs):
        moving[0] = mobjects or list(scene_.mobjects) + [m for m in scene_.foreground_mobjects
                                                          if m not in scene_.mobjects]

    def keep(seconds):
        touched, still = play["touched"], play["still"]
        if touched is None or play["family"] is None or play["family"][0] is not moving[0]:
            # what Manim would draw, in its order, with or without points (an animation's mobjects keep their
            # structure while it runs; an updater may change anything, so then every frame)
            play["family"] = (moving[0], display(moving[0], include_submobjects=True, excluded_mobjects=None)
                              if touched is None else _display_order(r.camera, moving[0]))
        outlines = [m for m in play["family"][1] if len(m.points)]
        changing = [m for m in outlines if touched is None or id(m) in touched]
        new_still = [m for m in outlines if touched is not None and id(m) not in touched and id(m) not in still]
        copies = sink.freeze(changing)
        held = sink.freeze(new_still) if new_still else []
        if copies is None or held is None or play["static"] is None:
            return
        still.update(zip(map(id, new_still), held))
        now = dict(zip(map(id, changing), copies))
        sink.keep_frame(play["static"] + [now[id(m)] if id(m) in now else still[id(m)] for m in outlines],
                        seconds)

    def render(scene_, t, moving_mobjects=None):
        update_frame(scene_, moving_mobjects)
        keep(1 / fps)

    def freeze_current_frame(duration):
        keep(int(duration * fps) / fps)

    r.save_static_frame_data, r.update_frame, r.render = save_static_frame_data, update_frame, render
    r.freeze_current_frame = freeze_current_frame


def _display_order(cam, mobjects) -> list:
    """``cam.get_mobjects_to_display(mobjects)`` before dropping those without points."""
    from manim.utils.family import extract_mobject_family_members

    return extract_mobject_family_members(mobjects, use_z_index=cam.use_z_index)


def _touched(scene) -> set | None:
    """ids of what the scene's current animations change, or None when that is not known: an updater may
    change anything, and so may an animation of a kind not known to change only its own mobject's family
    (a ``Succession`` starts its parts, which may add mobjects, while it plays; an ``UpdateFromFunc`` calls
    any function). Every frame is then kept whole, in the order Manim draws it."""
    from manim import AnimationGroup, DrawBorderThenFill, LaggedStart, ShowPartial, Transform

    if not getattr(scene, "_idle", False) and (      # (a transition has looked for updaters already)
            scene.updaters or any(m.updaters for m in scene.get_mobject_family_members())):
        return None
    ids, todo = set(), list(scene.animations or [])
    while todo:
        a = todo.pop()
        if type(a) in (AnimationGroup, LaggedStart):        # all parts begin at once, as one
            todo.extend(a.animations)
        elif not isinstance(a, (Transform, ShowPartial, DrawBorderThenFill)):
            return None
        ids.update(id(m) for m in a.mobject.get_family())
    return ids


def _draw_kept(scene, states, fit, writer, sink=None, on_state=None) -> None:
    """Draw kept ``states`` (``FrameSink.states``: held states and, in smooth mode, tweened frames), the camera
    fitted: the frames a second pass would draw, without running the storyboard again.

    Outlines unchanged from state to state are the same kept objects. Consecutive states sharing a leading run
    of them (the grids, mostly; in a tween, all that does not move) are drawn onto a snapshot of that run's
    pixels, with Cairo drawing the rest onto the same pixels as from scratch. An outline after the run that is
    the same in all those states and touches none of what changes (their boxes apart) goes into the snapshot
    too: drawing order matters only where outlines overlap. A held state that changed a little from the state
    drawn before it (a step of a large figure) is that state's pixels repainted where it changed
    (``_repaint``), so that a step's cost does not grow with the figure. ``sink`` notes where the held states
    are."""
    cam = scene.renderer.camera
    _aim(cam, *fit)
    pad = 2 / px_per_unit(scene)              # pixels an outline's antialiasing touches beyond its points
    boxes = _PixelBoxes(cam, pad)
    paint = getattr(cam, "draw_kept", None) or (lambda ms: cam.capture_mobjects(ms, include_submobjects=False))
    shared = [0] + [_common_prefix(a[0], b[0]) for a, b in zip(states, states[1:])]
    i, last = 0, (None, None)         # the outlines last drawn and their pixels
    ring = [] if getattr(writer, "copies_on_emit", False) else None     # two frame arrays, used in turn
    while i < len(states):
        j, k = i + 1, shared[i + 1] if i + 1 < len(states) else 0
        while j < len(states) and k and shared[j] >= k:
            j += 1
        run = [st[0][k:] for st in states[i:j]]
        # a held state ends a tween with the animation's replacements: drawn on the shared run's pixels only
        tweens = [rest for (_, _, held), rest in zip(states[i:j], run) if not held]
        above = _still_and_apart(tweens, pad) if len(tweens) > 1 else set()
        cam.reset()
        paint(states[i][0][:k])                                                      # already in drawing order
        prefix = cam.pixel_array.copy() if k else None
        if above:
            paint([m for m in tweens[0] if id(m) in above])
            lifted = cam.pixel_array.copy()
        for (outlines, seconds, held), rest in zip(states[i:j], run):
            if not _same_outlines(outlines, last[0]):         # the same kept outlines: the same pixels
                if not (held and len(rest) >= REPAINT_MIN and _repaint(cam, paint, last, outlines, boxes)):
                    lift = bool(above) and not held
                    base = lifted if lift else prefix
                    if base is None:
                        cam.reset()
                    else:
                        cam.pixel_array[:] = base
                    paint([m for m in rest if not (lift and id(m) in above)])
                last = (outlines, _copy(cam.pixel_array, ring, last[1]))
            writer.add(last[1], seconds)
            if held and sink is not None:
                sink.mark_held()
            if on_state is not None:
                on_state()
        i = j


def _repaint(cam, paint, last, outlines, boxes: "_PixelBoxes") -> bool:
    """Draw a held state's ``outlines`` as the change from the state drawn ``last`` (its outlines and pixels):
    its pixels, repainted only where the two states differ. Where an outline that one state has and the other
    has not can touch (``boxes``), the background is put back and every outline reaching there is drawn
    again, in order, and those boxes' pixels are taken; elsewhere only outlines both states draw, in the same
    order, touch a pixel, as before. False (nothing drawn) when the two states order their common outlines
    differently or when the change covers much of the frame."""
    old = last[0]
    if old is None:
        return False
    k = _common_prefix(outlines, old)
    a, b = old[k:], outlines[k:]
    ia, ib = {id(m) for m in a}, {id(m) for m in b}
    if [id(m) for m in a if id(m) in ib] != [id(m) for m in b if id(m) in ia]:
        return False
    rects = boxes.of([m for m in a if id(m) not in ib] + [m for m in b if id(m) not in ia])
    rects = rects[(rects[:, 2] > rects[:, 0]) & (rects[:, 3] > rects[:, 1])]
    h, w = cam.pixel_array.shape[:2]
    if np.sum((rects[:, 2] - rects[:, 0]) * (rects[:, 3] - rects[:, 1])) > REPAINT_AREA * h * w:
        return False
    every = boxes.of(outlines)
    hit = np.any((every[:, None, 0] < rects[None, :, 2]) & (rects[None, :, 0] < every[:, None, 2])
                 & (every[:, None, 1] < rects[None, :, 3]) & (rects[None, :, 1] < every[:, None, 3]), axis=1)
    px = cam.pixel_array
    px[:] = last[1]
    for x0, y0, x1, y1 in rects:
        px[y0:y1, x0:x1] = cam.background[y0:y1, x0:x1]
    paint([outlines[i] for i in np.flatnonzero(hit)])
    painted = [px[y0:y1, x0:x1].copy() for x0, y0, x1, y1 in rects]
    px[:] = last[1]
    for (x0, y0, x1, y1), new in zip(rects, painted):
        px[y0:y1, x0:x1] = new
    return True


class _PixelBoxes:
    """Pixel boxes [x0, y0, x1, y1) of kept outlines, drawn by ``cam`` as it is aimed now: all that an outline
    can touch (``_boxes``, out by a pixel more), within the frame. Outlines are known by id: kept ones live
    as long as the states holding them."""

    def __init__(self, cam, pad: float):
        self.cam, self.pad = cam, pad
        self.row: dict[int, int] = {}
        self.rows: list[tuple[int, int, int, int]] = []
        self.table = np.empty((0, 4), dtype=np.int64)

    def of(self, outlines: list) -> np.ndarray:
        row = self.row
        for m in outlines:
            if id(m) not in row:
                row[id(m)] = len(self.rows)
                self.rows.append(self._box(m))
        if len(self.table) < len(self.rows):
            self.table = np.array(self.rows, dtype=np.int64).reshape(-1, 4)
        return self.table[np.fromiter((row[id(m)] for m in outlines), dtype=np.intp, count=len(outlines))]

    def _box(self, m) -> tuple[int, int, int, int]:
        if not len(m.points):
            return (0, 0, 0, 0)
        b = _boxes(m, self.pad)
        matrix = self.cam.get_cairo_context(self.cam.pixel_array).get_matrix()
        xs, ys = zip(*(matrix.transform_point(float(x), float(y))
                       for x, y in ((b[:, 0].min(), b[:, 1].min()), (b[:, 2].max(), b[:, 3].max()))))
        h, w = self.cam.pixel_array.shape[:2]
        return (max(0, int(np.floor(min(xs))) - 1), max(0, int(np.floor(min(ys))) - 1),
                min(w, int(np.ceil(max(xs))) + 1), min(h, int(np.ceil(max(ys))) + 1))


def _copy(pixels: np.ndarray, ring: list | None, busy) -> np.ndarray:
    """A copy of ``pixels`` for the writer: a new array, or with ``ring`` (a writer that copies a frame when it
    emits it, and holds only the last one added, ``busy``) one of two arrays in turn, not ``busy``: no frame
    of fresh memory to map at every frame."""
    if ring is None:
        return np.array(pixels)
    free = next((a for a in ring if a is not busy and a.shape == pixels.shape), None)
    if free is None:
        free = np.array(pixels)
        ring[:] = [a for a in ring if a is busy] + [free]
    else:
        np.copyto(free, pixels)
    return free


def _same_outlines(a: list, b: list | None) -> bool:
    """Whether ``a`` and ``b`` are the same kept outlines in the same order."""
    return b is not None and len(a) == len(b) and _common_prefix(a, b) == len(a)


def _common_prefix(a: list, b: list) -> int:
    """How many leading items ``a`` and ``b`` share (the same objects)."""
    n = 0
    for x, y in zip(a, b):
        if x is not y:
            break
        n += 1
    return n


def _still_and_apart(run: list[list], pad: float) -> set:
    """ids of the outlines that are in every list of ``run`` (in the same order) and whose boxes touch no
    outline that is not, nor one of them drawn before that was left out: drawn first, they give the same
    pixels."""
    common = set.intersection(*[{id(m) for m in rest} for rest in run])
    order = [id(m) for m in run[0] if id(m) in common]
    if not common or any([id(m) for m in rest if id(m) in common] != order for rest in run):
        return set()
    seen, changed = set(), [np.empty((0, 4))]
    for rest in run:
        for m in rest:
            if id(m) not in common and id(m) not in seen:
                seen.add(id(m))
                changed.append(_boxes(m, pad))
    blocked = np.concatenate(changed)
    chosen = set()
    for m in run[0]:
        if id(m) not in common:
            continue
        mine = _boxes(m, pad)
        if _overlap(mine, blocked):
            blocked = np.concatenate([blocked, mine])
        else:
            chosen.add(id(m))
    return chosen


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether any box of ``a`` meets any box of ``b`` (rows [x0, y0, x1, y1])."""
    if not len(a) or not len(b):
        return False
    return bool(np.any((a[:, None, 0] <= b[None, :, 2]) & (b[None, :, 0] <= a[:, None, 2])
                       & (a[:, None, 1] <= b[None, :, 3]) & (b[None, :, 1] <= a[:, None, 3])))


def _boxes(m, pad: float) -> np.ndarray:
    """Boxes [x0, y0, x1, y1] covering what outline ``m`` can touch: its points, out by its stroke (a miter
    joint reaches five line widths, Manim's line width being 0.01 of its stroke width) and ``pad``. Unfilled,
    one box per Bézier curve (a window's frame leaves the digits inside it clear); filled, one box."""
    cached = m.__dict__.get("_cv_boxes")        # a kept outline never changes
    if cached is not None and cached[0] == pad:
        return cached[1]
    p = m.points
    w = max(float(getattr(m, "stroke_width", 0) or 0), float(getattr(m, "background_stroke_width", 0) or 0))
    e = w * 0.01 * 5 + pad
    n = getattr(m, "n_points_per_cubic_curve", 4)
    fill = getattr(m, "fill_rgbas", None)
    if fill is not None and len(fill) and not np.any(fill[:, 3] > 0) and len(p) % n == 0:
        curves = p.reshape(-1, n, 3)
        lo, hi = curves[:, :, :2].min(axis=1), curves[:, :, :2].max(axis=1)
        boxes = np.concatenate([lo - e, hi + e], axis=1)
    else:
        boxes = np.array([[p[:, 0].min() - e, p[:, 1].min() - e, p[:, 0].max() + e, p[:, 1].max() + e]])
    m._cv_boxes = (pad, boxes)
    return boxes


def _fit(bbox, density: float, min_width: int) -> tuple[tuple[int, int], tuple[float, float], np.ndarray]:
    """Pixel size, frame size (scene units) and centre that frame ``bbox`` with a margin."""
    (x0, y0), (x1, y1) = bbox
    fw, fh = (x1 - x0) + 2 * MARGIN, (y1 - y0) + 2 * MARGIN
    d = max(density, min_width / fw)
    d = min(d, MAX_PIXELS / fw, MAX_PIXELS / fh)
    pw, ph = int(np.ceil(fw * d / 2) * 2), int(np.ceil(fh * d / 2) * 2)      # even: video encoders need it
    return (pw, ph), (pw / d, ph / d), np.array([(x0 + x1) / 2, (y0 + y1) / 2, 0.0])


def build_scene(scene_cls, params: dict[str, Any], options: RenderOptions, quality: str = "low",
                still: bool = True, fps: int | None = None, min_width: int = 0, density: float | None = None,
                progress: bool = False, writer=None, final_only: bool = False, record_text: bool = True,
                draw=None):
    """Run a scene's storyboard. ``still=True``: no frames, only the record of what was drawn (what tests
    read) and the extent (``final_only``: the final state's only, without measuring each step). Otherwise
    every frame is drawn into ``writer`` (a ``media`` writer; by default a ``ListWriter`` keeping the frames
    in ``sink.frames``): from the states the pass kept (``draw(scene, sink, fit, writer, bar)``, by default
    ``draw_kept``), or, past the keep budget, by a second pass with the camera fitted. Returns (scene, sink) of
    the last pass."""
    from manim import logger

    from scenes.kit.base import FrameSink
    from scenes.kit.theme import THEMES

    logger.setLevel(logging.ERROR)
    cfg = _config(quality, fps, THEMES[options.theme].background)
    writer = media.ListWriter() if writer is None and not still else writer
    bar = progress_bar(scene_cls, progress)

    def after(scene):                           # drawn from the kept states, in this pass
        if sink.states is not None:
            fit = _fit(sink.bbox, density or VIDEO_DENSITY[quality], min_width)
            (draw or draw_kept)(scene, sink, fit, writer, bar)

    sink = FrameSink(still=True, record_text=record_text, final_only=final_only, keep=not still,
                     tweens=not still and options.smooth)
    if bar is not None:
        sink.on_hold = lambda: bar.update(1)
    try:
        scene = _run(scene_cls, params, options, cfg, sink, after=after)
        if still or sink.states is not None:
            return scene, sink
        fit = _fit(sink.bbox, density or VIDEO_DENSITY[quality], min_width)
        second = FrameSink(writer=writer, record_text=record_text)
        if bar is not None:
            bar.set_description(f"drawing {scene_cls.__name__}", refresh=False)
            bar.reset(total=sink.holds)
            second.on_hold = lambda: bar.update(1)
        return _run(scene_cls, params, options, cfg, second, fit=fit), second
    finally:
        if bar is not None:
            bar.close()


def draw_kept(scene, sink, fit, writer, bar=None) -> None:
    """Every kept state drawn into ``writer`` in this process (``_draw_kept``)."""
    drawing(bar, scene, len(sink.states), "frame" if sink.tweens else "step")
    sink.writer = writer
    _draw_kept(scene, sink.states, fit, writer, sink, (lambda: bar.update(1)) if bar is not None else None)


def px_per_unit(scene) -> float:
    """Pixels per scene unit of the scene's camera as last aimed."""
    cam = scene.renderer.camera
    return float(cam.pixel_width / cam.frame_width)


def _aim(cam, pixels, frame, center) -> None:
    cam.frame_center = np.asarray(center, dtype=float)
    cam.frame_width, cam.frame_height = frame
    cam.reset_pixel_shape(pixels[1], pixels[0])


def still_frame(scene, sink, quality: str, min_width: int = 0) -> np.ndarray:
    """Fit the camera to the final state and draw it once."""
    from scenes.kit.base import content_bbox

    box = content_bbox(scene.mobjects)
    _aim(scene.renderer.camera, *_fit(box, STILL_DENSITY[quality], max(min_width, STILL_MIN_WIDTH[quality])))
    scene.renderer.static_image = None
    scene.renderer.update_frame(scene)
    return scene.renderer.get_frame()


def _still(scene_cls, params, options: RenderOptions, quality: str, fps: int, min_width: int,
           record_text: bool = False):
    """(scene, pixels) of the final state, the camera fitted to it (the steps before are not measured)."""
    from manim import tempconfig

    scene, sink = build_scene(scene_cls, params, options, quality, still=True, fps=fps, final_only=True,
                              record_text=record_text)
    with tempconfig(_config(quality, fps, scene.theme.background)):
        return scene, still_frame(scene, sink, quality, min_width)


def _animation(scene_cls, params, options: RenderOptions, quality: str, fps: int, min_width: int,
               density: float | None, writer, progress: bool = False, record_text: bool = False, draw=None):
    """Draw every held state into ``writer`` (only the last with ``single_frame``); (scene, sink)."""
    target = media.LastOnly(writer, options.final_hold) if options.single_frame else writer
    scene, sink = build_scene(scene_cls, params, options, quality, still=False, fps=fps, min_width=min_width,
                              density=density, progress=progress, writer=target, record_text=record_text,
                              draw=draw)
    if target is not writer:
        target.close()                                    # hands the final frame to ``writer``
    return scene, sink


def theme_colours(theme: str) -> tuple:
    """The theme's colours as (r, g, b): a GIF palette keeps them exactly."""
    from scenes.kit.theme import THEMES

    t = THEMES[theme]
    hexes = [v for v in vars(t).values() if isinstance(v, str) and v.startswith("#")] + list(t.groups)
    return tuple((int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)) for h in hexes if len(h) == 7)


def writer_for(fmt: str, out: Path, fps: int, theme: str = "light"):
    """The streaming writer of ``fmt`` ("gif", "mp4", "webm") writing ``out``."""
    return media.GifWriter(out, exact=theme_colours(theme)) if fmt == "gif" else media.VideoWriter(out, fps)


def render(scene_ref, params: dict[str, Any], options: RenderOptions, out: Path, fmt: str,
           quality: str = "low", fps: int | None = None, min_width: int = 0, density: float | None = None,
           progress: bool = False) -> Path:
    """Render ``scene_ref`` with ``params`` to ``out`` in ``fmt``; frames are encoded as they are drawn and
    the file appears only when complete."""
    scene_cls = load_scene_class(scene_ref) if isinstance(scene_ref, str) else scene_ref
    fps_used = fps or VIDEO_PRESETS[quality][2]
    if fmt in STILL_FORMATS:
        scene, pixels = _still(scene_cls, params, options, quality, fps_used, min_width)
        return media.write_still(pixels, out)
    if fmt != "gif" and options.smooth and not options.single_frame and parallel.processes() > 1:
        return parallel.render_in_two(Path(out), fmt, fps_used, lambda writer, draw: _animation(
            scene_cls, params, options, quality, fps_used, min_width, density, writer, progress, draw=draw),
            _draw_kept)
    with writer_for(fmt, out, fps_used, options.theme) as writer:
        _animation(scene_cls, params, options, quality, fps_used, min_width, density, writer, progress)
    return Path(out)


# ------------------------------------------------------------------------------------ frames without a file
@dataclass
class Held:
    """What a render would encode, kept in memory: ``frames`` exactly as the file gets them (one per held state
    with its duration, like the GIF; one still for png/jpg), the scene's ``drawn`` record, and ``held[i]``: the
    index in ``frames`` of the scene's i-th held state (identical consecutive states share a frame)."""
    frames: list[media.Frame]
    drawn: dict[str, Any]
    held: list[int]
    px_per_unit: float      # pixels per scene unit in ``frames`` (a text ``h`` units tall is ``h * px_per_unit`` px)


def held_frames(scene_ref, params: dict[str, Any], options: RenderOptions, fmt: str = "gif",
                quality: str = "low", fps: int | None = None, min_width: int = 0,
                density: float | None = None) -> Held:
    """The frames ``render`` would write for ``fmt``, returned instead of written (same states, same pixels)."""
    scene_cls = load_scene_class(scene_ref) if isinstance(scene_ref, str) else scene_ref
    fps_used = fps or VIDEO_PRESETS[quality][2]
    if fmt in STILL_FORMATS:
        scene, pixels = _still(scene_cls, params, options, quality, fps_used, min_width, record_text=True)
        return Held([media.Frame(pixels, options.final_hold)], scene.drawn, [0], px_per_unit(scene))
    keep = media.ListWriter()
    with keep:
        scene, sink = _animation(scene_cls, params, options, quality, fps_used, min_width, density, keep,
                                 record_text=True)
    held = [0] * sink.holds if options.single_frame else list(sink.held_at)
    return Held(keep.frames, scene.drawn, held, px_per_unit(scene))
