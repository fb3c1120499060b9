"""The stepping player: one figure's held states (its GIF's frames), one key press per step, with the step
counter and the sum line of the current step. The deck (``convviz slides deck.html``), ``convviz.show`` in a
notebook and the notes' gallery all use it. Self-contained: the pictures are data: URIs, the script and styles
(``player.js``, ``player.css``, hand-written) are inlined; nothing is fetched.
"""

from __future__ import annotations

import base64
import html
import io
import json
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

LABELS = {
    "en": {"step": "Step", "slide": "Slide", "play": "Play", "pause": "Pause", "prev": "Previous step (←)",
           "next": "Next step (→)",
           "help": "→ / Space / click: next · ←: back · Home / End · F: full screen"},
    "zh": {"step": "步骤", "slide": "幻灯片", "play": "播放", "pause": "暂停", "prev": "上一步（←）",
           "next": "下一步（→）", "help": "→ / 空格 / 单击：下一步 · ←：上一步 · Home / End · F：全屏"},
}


@dataclass
class Slide:
    """One figure as the player shows it: ``images`` the encoded frames (PNG or JPEG bytes), one per step (a still
    has one), with each step's sum line (``texts``, '' when the scene records none) and seconds (for play)."""
    name: str
    title: str
    caption: str
    images: list[bytes]
    mime: str
    size: tuple[int, int]                    # (width, height) in pixels
    texts: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    animated: bool = True
    background: tuple[int, int, int] = (255, 255, 255)

    @property
    def steps(self) -> int:
        return len(self.images)

    @property
    def ext(self) -> str:
        return "jpg" if self.mime == "image/jpeg" else "png"

    def uris(self) -> list[str]:
        return [f"data:{self.mime};base64,{base64.b64encode(b).decode('ascii')}" for b in self.images]


# ----------------------------------------------------------------------------------------------- encoding
def palette_pngs(frames: list[np.ndarray], colors: int | None = None, exact: tuple = ()) -> list[bytes]:
    """Frames as palette PNGs with the GIF's own palette (the same samples, theme colours ``exact`` and colour
    count, ``media.GIF_COLOURS``, as ``media.GifWriter``), so a step's picture is pixel for pixel the GIF's frame,
    at a fraction of RGB's bytes."""
    from scenes.render.media import GIF_COLOURS, sample_indices, shared_palette

    rgb = [np.ascontiguousarray(f[..., :3]) for f in frames]
    return _pngs(rgb, shared_palette([rgb[i] for i in sample_indices(len(rgb))], colors or GIF_COLOURS, exact))


def exact_pngs(frames: list[np.ndarray], optimize: bool = True) -> list[bytes]:
    """Frames that already have few colours (a GIF's) as PNGs with exactly their colours (sorted), counted by
    Pillow frame by frame (sorting every pixel of every frame took a minute for the notes' gallery).
    ``optimize=False``: Pillow's default compression instead of its slowest (a fifth of the time)."""
    from PIL import Image

    rgb = [np.ascontiguousarray(f[..., :3]) for f in frames]
    colours: set | None = set()
    for a in rgb:
        found = Image.fromarray(a).getcolors(maxcolors=256)
        colours = None if found is None else colours | {c for _, c in found}
        if colours is None or len(colours) > 256:
            return _pngs(rgb, None, optimize)
    return _pngs(rgb, np.array(sorted(colours), dtype=np.uint8), optimize)


def _pngs(rgb: list[np.ndarray], palette: np.ndarray | None, optimize: bool = True) -> list[bytes]:
    from PIL import Image

    from scenes.render.media import PaletteMap

    mapping = PaletteMap(palette) if palette is not None else None
    out = []
    for a in rgb:
        buf = io.BytesIO()
        (mapping(a) if mapping is not None else Image.fromarray(a)).save(buf, format="PNG", optimize=optimize)
        out.append(buf.getvalue())
    return out


def still_image(pixels: np.ndarray, fmt: str) -> tuple[bytes, str]:
    """A still as the render writes it: JPEG (quality 92, 4:4:4) or lossless PNG. Returns (bytes, mime)."""
    from PIL import Image

    im = Image.fromarray(np.ascontiguousarray(pixels[..., :3]))
    buf = io.BytesIO()
    if fmt in ("jpg", "jpeg"):
        im.save(buf, format="JPEG", quality=92, subsampling=0, optimize=True)
        return buf.getvalue(), "image/jpeg"
    im.save(buf, format="PNG", optimize=True)
    return buf.getvalue(), "image/png"


# ----------------------------------------------------------------------------------------------- html
@lru_cache(maxsize=1)
def assets() -> tuple[str, str]:
    """(css, js) of the player."""
    return (HERE / "player.css").read_text(encoding="utf-8"), (HERE / "player.js").read_text(encoding="utf-8")


def _data(slides: list[Slide], lang: str) -> str:
    bg = slides[0].background if slides else (255, 255, 255)
    data = {
        "labels": LABELS.get(lang, LABELS["en"]),
        "background": "#%02x%02x%02x" % tuple(bg),
        "dark": sum(bg) < 3 * 128,
        "slides": [{"name": s.name, "title": s.title, "caption": s.caption, "frames": s.uris(),
                    "texts": list(s.texts) or [""] * s.steps,
                    "seconds": list(s.seconds) or [1.0] * s.steps, "w": s.size[0], "h": s.size[1]}
                   for s in slides],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def container(slides: list[Slide], lang: str = "en", mode: str = "widget") -> str:
    """A player's element with its data (the script mounts it); ``mode`` deck or widget."""
    return (f'<div class="cvp" data-cvp="{mode}" id="cvp-{uuid.uuid4().hex[:12]}">'
            f'<script type="application/json">{_data(slides, lang)}</script></div>')


def script() -> str:
    return "<script>" + assets()[1].replace("</", "<\\/") + "</script>"


def style() -> str:
    return "<style>" + assets()[0] + "</style>"


def widget_html(slide: Slide, lang: str = "en") -> str:
    """A self-contained fragment (style, data, script) for a notebook cell: play/pause, a step slider, ← / →."""
    return style() + container([slide], lang, "widget") + script()


def deck_html(slides: list[Slide], title: str, lang: str = "en") -> str:
    """The whole deck as one HTML document: pictures, script and styles inline; the page's own policy forbids
    loading anything (``default-src 'none'``)."""
    bg = "#%02x%02x%02x" % tuple(slides[0].background)
    policy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
    return ("<!doctype html>\n"
            f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<title>{html.escape(title)}</title><link rel="icon" href="data:,">'
            f"{style()}<style>html,body{{margin:0;height:100%;overflow:hidden;background:{bg}}}</style></head>"
            f"<body>{container(slides, lang, 'deck')}"
            "<noscript>This deck needs JavaScript to step through its figures.</noscript>"
            f"{script()}</body></html>\n")
