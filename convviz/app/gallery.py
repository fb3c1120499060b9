"""The HTML gallery of the notes' figures: every file with its caption."""

from __future__ import annotations

import html
import os
from pathlib import Path

from ..files import atomic_path


def write_gallery(path: Path, out: Path, entries, results, lang: str) -> Path:
    """An HTML page showing every generated file with its caption."""
    rel = os.path.relpath(out.resolve(), path.parent.resolve())
    rows = []
    for e, r in zip(entries, results):
        src = html.escape(f"{rel}/{e.file_name}".replace(os.sep, "/"))
        img = f'<img src="{src}" alt="{html.escape(e.name)}" loading="lazy">' if r.status != "failed" else \
            f'<p class="fail">failed: {html.escape(r.error)}</p>'
        rows.append(f'<figure id="{html.escape(e.name)}">{img}<figcaption><b>{html.escape(e.file_name)}</b> '
                    f'({r.status}, {r.bytes:,} bytes)<br>{html.escape(e.caption(lang))}</figcaption></figure>')
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>convviz: the notes' figures</title><style>"
            "body{font-family:sans-serif;max-width:1100px;margin:2em auto;background:#fff;color:#1a202c}"
            "figure{margin:0 0 2.5em;border-bottom:1px solid #ddd;padding-bottom:1em}"
            "img{max-width:100%;border:1px solid #eee}.fail{color:#b91c1c}</style></head><body>"
            f"<h1>The notes' figures ({len(entries)})</h1>" + "".join(rows) + "</body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
