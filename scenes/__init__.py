"""Manim scenes that draw the compute layer's traces (``scenes.kit``: their widgets and look; ``scenes.render``:
frames and files)."""

from scenes.kit.lazy import defer as _defer_unused_imports

_defer_unused_imports()        # before any scene imports Manim: scipy.spatial loads when used
