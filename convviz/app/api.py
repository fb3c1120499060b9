"""``convviz.render`` and ``convviz.show``: the command line's ``render`` and the deck's player from Python (a
notebook). Manim is imported only when something is drawn. Bad input raises ``ValueError`` with the message the
command line prints.
"""

from __future__ import annotations

from pathlib import Path

from .. import catalogue
from ..options import FORMATS, QUALITIES, RenderOptions
from .errors import UsageError
from .player import Slide, widget_html

OPTION_KEYS = tuple(RenderOptions.__dataclass_fields__)      # theme, lang, step_seconds, final_hold, smooth …


def _split(params: dict) -> tuple[dict, dict]:
    """(layer parameters, render options) of ``params``; ``input=`` (the data, like ``x=``) and ``weight=`` may
    name a data file like the command line's ``--input``/``--weight``."""
    from .datafiles import load_array

    options = {k: params.pop(k) for k in OPTION_KEYS if k in params}
    if "input" in params:
        value = params.pop("input")
        params["x"] = load_array(value, "input") if isinstance(value, (str, Path)) else value
    if isinstance(params.get("weight"), (str, Path)):
        params["weight"] = load_array(params["weight"], "weight")
    return params, options


def _prepare(name: str, params: dict):
    """(entry, figure, render options as given) of a call, checked like the command line's."""
    entry = catalogue.get_entry(name)
    layer, options = _split(dict(params))
    return entry, entry.resolve(**layer), options


def render(name: str, path: str | Path | None = None, *, format: str | None = None, quality: str = "medium",
           fps: int | None = None, **params) -> Path:
    """Render catalogue entry ``name`` like ``convviz render`` and return the file's path.

    ``format`` defaults to ``path``'s extension, else the entry's own; ``path`` to ``output/NAME.FORMAT``.
    ``params``: layer parameters (``in_size=7, kernel_size=3, stride=2, padding=1, x=array, weight=array or a
    file, bias=[…]``) and render options (``theme='dark', lang='zh', step_seconds=0.5, show_formula=True`` …).
    Bad input raises ``ValueError`` with the command line's message; nothing is written then.
    """
    from argparse import Namespace

    from ..files import check_output
    from .cli import _check_render_options
    from .run import render_entry

    try:
        if quality not in QUALITIES:
            raise ValueError(f"quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
        entry, fig, given = _prepare(name, params)
        out = Path(path) if path is not None else None
        fmt = format or (out.suffix.lower().lstrip(".").replace("jpeg", "jpg") if out and out.suffix else None) \
            or entry.format
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        out = out or Path("output") / f"{entry.name}.{fmt}"
        if out.suffix.lower().lstrip(".") not in (fmt, "jpeg" if fmt == "jpg" else fmt):
            raise UsageError(f"--output {out} does not end in .{fmt} (the format)")
        args = Namespace(fps=fps, smooth=bool(given.get("smooth")), step_seconds=given.get("step_seconds"),
                         final_hold=given.get("final_hold"), single_frame=given.get("single_frame"),
                         show_formula=bool(given.get("show_formula")), show_pytorch=bool(given.get("show_pytorch")))
        _check_render_options(args, entry, fmt)                 # the command line's checks, its words
        options = entry.options(**given)
        check_output(out, "--output")
        return render_entry(entry, fig, options, out, fmt, quality, fps=fps)
    except (UsageError, TypeError) as e:
        raise ValueError(str(e)) from None


class Player:
    """What ``convviz.show`` returns: Jupyter displays it inline (``_repr_html_``) as the deck's stepping
    player, self-contained (pictures as data: URIs, script and styles inline): play/pause, a step slider, ← / →.
    ``slide`` holds the pictures (``slide.images``), sum lines and seconds; ``save(path)`` writes the player as
    a one-slide HTML deck."""

    def __init__(self, slide: Slide, lang: str = "en"):
        self.slide, self.lang = slide, lang

    @property
    def steps(self) -> int:
        return self.slide.steps

    def _repr_html_(self) -> str:
        return widget_html(self.slide, self.lang)

    def save(self, path: str | Path) -> Path:
        from .slides import write_deck

        return write_deck([self.slide], Path(path), self.lang)

    def __repr__(self) -> str:
        return f"<convviz player {self.slide.name}: {self.steps} step{'s' * (self.steps != 1)}>"


def show(name: str, *, quality: str = "medium", **params) -> Player:
    """Draw catalogue entry ``name`` (same ``params`` as ``render``) and return a player that a notebook shows
    inline: one step per held state (the frames of its GIF) with its sum line."""
    from .run import check_render
    from .slides import make_slide

    try:
        if quality not in QUALITIES:
            raise ValueError(f"quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
        entry, fig, given = _prepare(name, params)
        options = entry.options(**given).with_(smooth=False)
        check_render(entry, fig, options, entry.format, quality, in_memory=True)     # frames kept in memory
        slide = make_slide(entry, fig, options, overridden=any(k not in OPTION_KEYS for k in params),
                           quality=quality, lang=options.lang)
    except (UsageError, TypeError) as e:
        raise ValueError(str(e)) from None
    return Player(slide, options.lang)
