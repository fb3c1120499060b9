"""Helpers for scene tests: build a catalogue entry's scene without drawing pixels, render small files."""

from __future__ import annotations

from pathlib import Path

from convviz.catalogue import get_entry
from scenes.render.capture import build_scene, load_scene_class, render


def build(name: str, params: dict | None = None, **options):
    """Run the storyboard of catalogue entry ``name`` (no pixels) and return the scene: ``scene.drawn`` is the
    record of what it drew."""
    entry = get_entry(name)
    p = entry.resolve() if params is None else params
    scene, _ = build_scene(load_scene_class(entry.scene), p, entry.options(**options), "low", still=True)
    return scene


def render_file(name: str, path: Path, fmt: str | None = None, quality: str = "low", params: dict | None = None,
                **options) -> Path:
    entry = get_entry(name)
    p = entry.resolve() if params is None else params
    return render(entry.scene, p, entry.options(**options), Path(path), fmt or entry.format, quality)
