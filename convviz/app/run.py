"""Render one catalogue entry to a file: the one road that ``render`` and ``notes`` (and its workers) take."""

from __future__ import annotations

from pathlib import Path


def render_entry(entry, params, options, out: Path, fmt: str, quality: str, fps=None, min_width: int = 0,
                 density: float | None = None, progress: bool = False) -> Path:
    """Draw ``entry``'s scene with its resolved ``params`` into ``out`` (imports Manim, through the render
    layer); the file appears only when complete."""
    from scenes.render.capture import render

    return render(entry.scene, params, options, Path(out), fmt, quality, fps=fps, min_width=min_width,
                  density=density, progress=progress)
