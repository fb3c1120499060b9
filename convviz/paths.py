"""Where convviz keeps its caches (Manim's text and LaTeX caches, the notes' cache manifest)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$CONVVIZ_CACHE``, else ``$XDG_CACHE_HOME/convviz``, else ``~/.cache/convviz``."""
    if os.environ.get("CONVVIZ_CACHE"):
        return Path(os.environ["CONVVIZ_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "convviz"
