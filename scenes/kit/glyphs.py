"""Text outlines cached on disk across runs: Pango → SVG → parse costs ~15 ms per distinct text, most of a small
render. Each text's outline points, fill colour and strut offset are kept in one ``.npz`` under
``cache_dir()/glyphs``, keyed by the text, its font and style and the versions of Manim and ManimPango.

Safe to share between concurrent runs: files appear whole (written beside and renamed), are read without pickle
and checked; a damaged or foreign file is ignored and rewritten. ``$CONVVIZ_GLYPH_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from convviz.files import atomic_path, cache_dir


@lru_cache(maxsize=1)
def _versions() -> str:
    import manim
    import manimpango

    return f"manim {manim.__version__} manimpango {manimpango.__version__} pango {manimpango.pango_version()}"


def _file(key: tuple) -> Path | None:
    if os.environ.get("CONVVIZ_GLYPH_CACHE", "1") == "0":
        return None
    digest = hashlib.sha256(repr((_versions(),) + tuple(key)).encode()).hexdigest()
    return cache_dir() / "glyphs" / digest[:2] / f"{digest[2:]}.npz"


def load(key: tuple):
    """(points, fill hex, strut offset) stored for ``key``, or None.

    >>> load(("never drawn", "no font", 1.0, "#000000", "NORMAL", "NORMAL", False)) is None
    True
    """
    path = _file(key)
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            points, fill, offset = z["points"], str(z["fill"]), z["offset"]
        ok = (points.ndim == 2 and points.shape[1] == 3 and points.dtype == np.float64 and offset.shape == (3,)
              and len(fill) in (7, 9) and fill.startswith("#") and np.all(np.isfinite(points)))
        return (points, fill, offset.astype(np.float64)) if ok else None
    except Exception:          # a damaged or foreign file: draw the text again and overwrite it
        return None


def store(key: tuple, points: np.ndarray, fill: str, offset: np.ndarray) -> None:
    """Keep ``key``'s outline for later runs (best effort: a full disk or a read-only cache only costs time)."""
    path = _file(key)
    if path is None:
        return
    try:
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, points=np.asarray(points, dtype=np.float64), fill=np.array(fill),
                         offset=np.asarray(offset, dtype=np.float64))
    except OSError:
        pass
