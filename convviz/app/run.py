"""Render one catalogue entry to a file: the one road that ``render`` and ``notes`` (and its workers) take."""

from __future__ import annotations

from pathlib import Path

from .. import limits


def kernel_steps(entry, params) -> int | None:
    """The kernel steps ``entry``'s scene animates with its resolved ``params``, from the layer's arguments
    alone (``limits.check_geometry``, which raises past its bounds); None for an entry that is not a layer
    (a fixed figure) or whose data are labels."""
    if not entry.parametric:
        return None
    x, w = params.x, params.weight
    if getattr(x, "dtype", None) is not None and x.dtype.kind in "US":
        return None
    c_out = w.shape[1] * int(params.groups) if entry.kind == "transposed" else w.shape[0]
    geo = limits.check_geometry(entry.kind, x.shape[-2:], w.shape[-2:], params.stride, params.padding,
                                params.dilation, getattr(params, "output_padding", 0),
                                getattr(params, "view", "gather"), c_out)
    return geo["steps"]


def check_render(entry, params, options, fmt: str, quality: str, fps=None, density: float | None = None,
                 in_memory: bool = False) -> None:
    """Before Manim is loaded: the frames this render would draw are within ``limits.check_render``'s bounds
    (the figure's grids, steps and labels were checked when it was resolved)."""
    steps = kernel_steps(entry, params)
    if steps is not None:
        limits.check_render(steps, options, fmt, quality, fps, density, in_memory)


def render_entry(entry, params, options, out: Path, fmt: str, quality: str, fps=None, min_width: int = 0,
                 density: float | None = None, progress: bool = False) -> Path:
    """Draw ``entry``'s scene with its resolved ``params`` into ``out`` (imports Manim, through the render
    layer); the file appears only when complete."""
    check_render(entry, params, options, fmt, quality, fps, density)
    from scenes.render.capture import render

    return render(entry.scene, params, options, Path(out), fmt, quality, fps=fps, min_width=min_width,
                  density=density, progress=progress)
