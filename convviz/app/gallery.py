"""The HTML gallery of the notes' figures: every file with its caption; animated ones in the deck's stepping
player (``player``), their frames read back from the GIF written."""

from __future__ import annotations

import html
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..files import atomic_path


def gif_slide(path: Path, entry):
    """A written GIF as the player's ``Slide``: its frames, their durations, no sum lines (counter only)."""
    import numpy as np
    from PIL import Image, ImageSequence

    from .player import Slide, exact_pngs

    with Image.open(path) as im:
        frames = [(np.asarray(f.convert("RGB")), f.info.get("duration", 1000) / 1000)
                  for f in ImageSequence.Iterator(im)]
    h, w = frames[0][0].shape[:2]
    pngs = exact_pngs([f for f, _ in frames], optimize=False)
    return Slide(entry.name, entry.file_name, "", pngs, "image/png", (w, h), [""] * len(frames),
                 [s for _, s in frames], True, tuple(int(v) for v in frames[0][0][0, 0]))


def write_gallery(path: Path, out: Path, entries, results, lang: str) -> Path:
    """An HTML page showing every generated file with its caption; animated files step in the player."""
    from .player import container, script, style

    rel = os.path.relpath(out.resolve(), path.parent.resolve())
    gifs = [e for e, r in zip(entries, results)
            if r.status != "failed" and e.format == "gif" and (out / e.file_name).exists()]
    with ThreadPoolExecutor(max(1, min(len(gifs), os.cpu_count() or 1))) as pool:   # Pillow's codecs let go of
        slides = dict(zip(map(id, gifs), pool.map(lambda e: gif_slide(out / e.file_name, e), gifs)))  # the GIL
    rows = []
    for e, r in zip(entries, results):
        src = html.escape(f"{rel}/{e.file_name}".replace(os.sep, "/"))
        img = f'<img src="{src}" alt="{html.escape(e.name)}" loading="lazy">' if r.status != "failed" else \
            f'<p class="fail">failed: {html.escape(r.error)}</p>'
        if id(e) in slides:
            img = container([slides[id(e)]], lang, "widget")
        rows.append(f'<figure id="{html.escape(e.name)}">{img}<figcaption><b>{html.escape(e.file_name)}</b> '
                    f'({r.status}, {r.bytes:,} bytes)<br>{html.escape(e.caption(lang))}</figcaption></figure>')
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>convviz: the notes' figures</title><style>"
            "body{font-family:sans-serif;max-width:1100px;margin:2em auto;background:#fff;color:#1a202c}"
            "figure{margin:0 0 2.5em;border-bottom:1px solid #ddd;padding-bottom:1em}"
            "img{max-width:100%;border:1px solid #eee}.fail{color:#b91c1c}</style>" + style() + "</head><body>"
            f"<h1>The notes' figures ({len(entries)})</h1>" + "".join(rows) + script() + "</body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
