"""Render a scene to GIF, MP4, WebM, PNG or JPG.

Manim draws; this module frames and captures. A first pass runs the storyboard without drawing a pixel and
records the extent of every held state; the camera is then fitted to that extent, so frames carry no empty
margins and their width is set by the quality (pixels per scene unit) or by a minimum width. The second pass
captures one frame per held state through a ``FrameSink`` and ``scenes.render.media`` encodes them. Stills need only
the first pass and one final frame.
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
from convviz.files import scratch_dir   # per process: concurrent runs never share Manim's text/TeX caches
from convviz.options import (STILL_DENSITY, STILL_FORMATS, STILL_MIN_WIDTH, VIDEO_DENSITY, VIDEO_PRESETS,
                             RenderOptions)

MARGIN = 0.22          # scene units of white around the content
MAX_PIXELS = 4096      # no side larger than this


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

    from scenes.kit.base import RunDone

    _fixed_mmap_threshold()
    with tempconfig(cfg):
        skip = sink.still or (sink.run is not None and sink.run[0] > 0)
        scene = scene_cls(params=params, options=options, sink=sink, skip_animations=skip)
        if fit is not None:                               # layout stays on the standard frame
            _aim(scene.renderer.camera, *fit)

        def add_frame(frame, num_frames: int = 1):       # tweened frames (smooth mode)
            if not scene.renderer.skip_animations:
                sink.capture(frame, num_frames / cfg["frame_rate"])

        scene.renderer.add_frame = add_frame
        try:
            scene.render()
        except RunDone:                                   # the rest of the storyboard is another process's
            return scene
        if after is not None:
            after(scene)
    return scene


def _draw_kept(scene, sink, fit, writer, on_hold=None) -> None:
    """Draw the held states the measuring pass kept (``FrameSink.keep``), the camera fitted: the frames a
    second pass would draw, without running the storyboard again. Outlines unchanged since the last state are
    the same kept objects, so the pixels of a state's leading run of them (the grids, mostly) are copied from a
    snapshot instead of drawn again: Cairo then draws the rest onto the same pixels as from scratch."""
    cam = scene.renderer.camera
    _aim(cam, *fit)
    sink.writer = writer
    prev, base_k, base = None, 0, None        # the last state's outlines; a snapshot after its first base_k
    for outlines, seconds in sink.states:
        shared = _common_prefix(prev, outlines) if prev is not None else 0
        if base is not None and shared >= base_k:
            cam.pixel_array[:] = base
            cam.capture_mobjects(outlines[base_k:], include_submobjects=False)
        else:
            cam.reset()
            base_k, base = 0, None
            if shared:
                cam.capture_mobjects(outlines[:shared], include_submobjects=False)      # already in drawing order
                base_k, base = shared, cam.pixel_array.copy()
            cam.capture_mobjects(outlines[shared:], include_submobjects=False)
        prev = outlines
        writer.add(np.array(cam.pixel_array), seconds)
        sink.mark_held()
        if on_hold is not None:
            on_hold()


def _common_prefix(a: list, b: list) -> int:
    """How many leading items ``a`` and ``b`` share (the same objects)."""
    n = 0
    for x, y in zip(a, b):
        if x is not y:
            break
        n += 1
    return n


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
                progress: bool = False, writer=None, final_only: bool = False, record_text: bool = True):
    """Run a scene's storyboard. ``still=True``: no frames, only the record of what was drawn (what tests
    read) and the extent (``final_only``: the final state's only, without measuring each step). Otherwise
    every held state is drawn into ``writer`` (a ``media`` writer; by default a ``ListWriter``
    keeping the frames in ``sink.frames``): from the states the first pass kept when the animation is short
    and has no tweens, else by a second pass with the camera fitted. Returns (scene, sink) of the last pass."""
    from manim import logger

    from scenes.kit.base import FrameSink
    from scenes.kit.theme import THEMES

    logger.setLevel(logging.ERROR)
    cfg = _config(quality, fps, THEMES[options.theme].background)
    writer = media.ListWriter() if writer is None and not still else writer
    bar = _progress(scene_cls, progress)

    def after(scene):                           # a short animation: drawn from the kept states, in this pass
        if sink.states is not None:
            fit = _fit(sink.bbox, density or VIDEO_DENSITY[quality], min_width)
            if bar is not None:
                bar.total = len(sink.states)
            _draw_kept(scene, sink, fit, writer, (lambda: bar.update(1)) if bar else None)

    sink = FrameSink(still=True, record_text=record_text, final_only=final_only,
                     keep=not still and not options.smooth)
    try:
        scene = _run(scene_cls, params, options, cfg, sink, after=after)
        if still or sink.states is not None:
            return scene, sink
        fit = _fit(sink.bbox, density or VIDEO_DENSITY[quality], min_width)
        drawing = FrameSink(writer=writer, record_text=record_text)
        if bar is not None:
            bar.total = sink.holds
            drawing.on_hold = lambda: bar.update(1)
        return _run(scene_cls, params, options, cfg, drawing, fit=fit), drawing
    finally:
        if bar is not None:
            bar.close()


def _progress(scene_cls, on: bool):
    """A progress bar over the held states (their number is known once the first pass is done)."""
    if not on:
        return None
    from tqdm import tqdm

    return tqdm(total=None, desc=f"rendering {scene_cls.__name__}", unit="step", leave=False)


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
               density: float | None, writer, progress: bool = False, record_text: bool = False):
    """Draw every held state into ``writer`` (only the last with ``single_frame``); (scene, sink)."""
    target = media.LastOnly(writer, options.final_hold) if options.single_frame else writer
    scene, sink = build_scene(scene_cls, params, options, quality, still=False, fps=fps, min_width=min_width,
                              density=density, progress=progress, writer=target, record_text=record_text)
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
    if (fmt != "gif" and options.smooth and not options.single_frame and isinstance(scene_ref, str)
            and parallel.processes() > 1):
        job = parallel.Job(scene_ref, params, options, quality, fps_used, min_width, density)
        return parallel.render_in_runs(job, Path(out), draw_run, _second_run, progress)
    with writer_for(fmt, out, fps_used, options.theme) as writer:
        _animation(scene_cls, params, options, quality, fps_used, min_width, density, writer, progress)
    return Path(out)


def _second_run(job, segment: Path, fmt: str) -> None:
    """The second drawing process's entry point (spawned: found by name)."""
    parallel.second_run(draw_run, job, segment, fmt)


def draw_run(job, k: int, writer, progress: bool = False) -> int:
    """Measure ``job``'s scene, then draw run ``k`` of its held states (``parallel.split``) into ``writer``;
    the number of runs."""
    from scenes.kit.base import FrameSink
    from scenes.kit.theme import THEMES

    scene_cls = load_scene_class(job.scene)
    scene, sink = build_scene(scene_cls, job.params, job.options, job.quality, still=True, fps=job.fps,
                              record_text=False)
    fit = _fit(sink.bbox, job.density or VIDEO_DENSITY[job.quality], job.min_width)
    cfg = _config(job.quality, job.fps, THEMES[job.options.theme].background)
    runs = parallel.split(sink.holds)
    if k >= len(runs):
        return len(runs)
    first, end = runs[k]
    run_sink = FrameSink(writer=writer, run=(first, end))
    bar = _progress(scene_cls, progress)
    if bar is not None:
        bar.total = end - first                     # this process's run; the other draws alongside
        run_sink.on_hold = lambda: bar.update(1)
    try:
        _run(scene_cls, job.params, job.options, cfg, run_sink, fit=fit)
    finally:
        if bar is not None:
            bar.close()
    return len(runs)


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
