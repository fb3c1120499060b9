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
from pathlib import Path
from typing import Any

import numpy as np

from scenes.render import media
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


def _run(scene_cls, params, options, cfg, still: bool, fit=None, on_hold=None):
    from manim import tempconfig

    from scenes.kit.base import FrameSink

    with tempconfig(cfg):
        sink = FrameSink(still=still)
        sink.on_hold = on_hold
        scene = scene_cls(params=params, options=options, sink=sink, skip_animations=still)
        if fit is not None:                               # layout stays on the standard frame
            _aim(scene.renderer.camera, *fit)

        def add_frame(frame, num_frames: int = 1):       # tweened frames (smooth mode)
            if not scene.renderer.skip_animations:
                sink.capture(frame, num_frames / cfg["frame_rate"])

        scene.renderer.add_frame = add_frame
        scene.render()
    return scene, sink


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
                progress: bool = False):
    """Run a scene's storyboard. ``still=True``: no frames, only the record of what was drawn (what tests
    read) and the extent; otherwise the frames too. Returns (scene, sink)."""
    from manim import logger

    from scenes.kit.theme import THEMES

    logger.setLevel(logging.ERROR)
    bg = THEMES[options.theme].background
    scene, sink = _run(scene_cls, params, options, _config(quality, fps, bg), still=True)
    if still:
        return scene, sink
    fit = _fit(sink.bbox, density or VIDEO_DENSITY[quality], min_width)
    if not progress:
        return _run(scene_cls, params, options, _config(quality, fps, bg), still=False, fit=fit)
    from tqdm import tqdm

    with tqdm(total=sink.holds, desc=f"rendering {scene_cls.__name__}", unit="step", leave=False) as bar:
        return _run(scene_cls, params, options, _config(quality, fps, bg), still=False, fit=fit,
                    on_hold=lambda: bar.update(1))


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


def _still(scene_cls, params, options: RenderOptions, quality: str, fps: int, min_width: int):
    """(scene, pixels) of the final state, the camera fitted to it."""
    from manim import tempconfig

    scene, sink = build_scene(scene_cls, params, options, quality, still=True, fps=fps)
    with tempconfig(_config(quality, fps, scene.theme.background)):
        return scene, still_frame(scene, sink, quality, min_width)


def _animation_frames(scene_cls, params, options: RenderOptions, quality: str, fps: int, min_width: int,
                      density: float | None, progress: bool = False):
    """(frames, scene): one frame per held state with its duration (only the last with ``single_frame``)."""
    scene, sink = build_scene(scene_cls, params, options, quality, still=False, fps=fps, min_width=min_width,
                              density=density, progress=progress)
    frames = [media.Frame(p, s) for p, s in sink.frames]
    if not frames:
        raise RuntimeError(f"{scene_cls.__name__} held no frame: nothing to write")
    if options.single_frame:
        frames = [media.Frame(frames[-1].pixels, max(options.final_hold, 1.0))]
    return frames, scene


def render(scene_ref, params: dict[str, Any], options: RenderOptions, out: Path, fmt: str,
           quality: str = "low", fps: int | None = None, min_width: int = 0, density: float | None = None,
           progress: bool = False) -> Path:
    """Render ``scene_ref`` with ``params`` to ``out`` in ``fmt``; the file appears only when complete."""
    scene_cls = load_scene_class(scene_ref) if isinstance(scene_ref, str) else scene_ref
    fps_used = fps or VIDEO_PRESETS[quality][2]
    if fmt in STILL_FORMATS:
        scene, pixels = _still(scene_cls, params, options, quality, fps_used, min_width)
        return media.write_still(pixels, out)
    frames, _ = _animation_frames(scene_cls, params, options, quality, fps_used, min_width, density, progress)
    if fmt == "gif":
        return media.write_gif(frames, out)
    return media.write_video(frames, out, fps_used)


# ------------------------------------------------------------------------------------ frames without a file
@dataclass
class Held:
    """What a render would encode, kept in memory: ``frames`` exactly as the file gets them (one per held state
    with its duration, like the GIF; one still for png/jpg), the scene's ``drawn`` record, and ``held[i]``: the
    index in ``frames`` of the scene's i-th held state (identical consecutive states share a frame)."""
    frames: list[media.Frame]
    drawn: dict[str, Any]
    held: list[int]


def _recording(scene_cls):
    """``scene_cls`` noting, at each held state, which captured frame shows it (a subclass: scenes stay as
    they are)."""
    class Recording(scene_cls):
        def hold(self, seconds=None):
            super().hold(seconds)
            if self.sink is not None and not self.sink.still:
                self.__dict__.setdefault("held_at", []).append(len(self.sink.frames) - 1)

    Recording.__name__ = Recording.__qualname__ = scene_cls.__name__
    return Recording


def held_frames(scene_ref, params: dict[str, Any], options: RenderOptions, fmt: str = "gif",
                quality: str = "low", fps: int | None = None, min_width: int = 0,
                density: float | None = None) -> Held:
    """The frames ``render`` would write for ``fmt``, returned instead of written (same states, same pixels)."""
    scene_cls = load_scene_class(scene_ref) if isinstance(scene_ref, str) else scene_ref
    fps_used = fps or VIDEO_PRESETS[quality][2]
    if fmt in STILL_FORMATS:
        scene, pixels = _still(scene_cls, params, options, quality, fps_used, min_width)
        return Held([media.Frame(pixels, options.final_hold)], scene.drawn, [0])
    frames, scene = _animation_frames(_recording(scene_cls), params, options, quality, fps_used, min_width, density)
    held = list(getattr(scene, "held_at", []))
    if options.single_frame:
        held = [0] * len(held)
    return Held(frames, scene.drawn, held)
