"""Render options shared by the command line, the catalogue and the scenes (no Manim here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

FORMATS = ("gif", "mp4", "webm", "png", "jpg")
STILL_FORMATS = ("png", "jpg")
QUALITIES = ("low", "medium", "high")
THEME_NAMES = ("light", "dark")
LANGS = ("en", "zh")

# Video frame size and frame rate per quality (16:9); stills are fitted to their content instead.
VIDEO_PRESETS = {"low": (854, 480, 15), "medium": (1280, 720, 30), "high": (1920, 1080, 60)}
# Animations are fitted to their content at this many pixels per scene unit (854 px ≈ a 14.2-unit frame)
VIDEO_DENSITY = {"low": 60.0, "medium": 75.0, "high": 120.0}
# Stills: pixels per scene unit, and the least width of a still (cropped to its content).
STILL_DENSITY = {"low": 64.0, "medium": 120.0, "high": 150.0}
STILL_MIN_WIDTH = {"low": 640, "medium": 1280, "high": 1600}


@dataclass(frozen=True)
class RenderOptions:
    """How a scene looks and moves; the data comes separately, as the scene's parameters."""
    theme: str = "light"
    lang: str = "en"
    step_seconds: float = 1.0      # one kernel step a second, like the originals
    final_hold: float = 3.0        # the last frame is held this long
    smooth: bool = False           # tween between steps instead of jumping
    show_formula: bool = False     # the output-size formula with its numbers substituted
    show_pytorch: bool = False     # the matching PyTorch call
    single_frame: bool = False     # an animation format gets only the final state (like the original gif1)

    def __post_init__(self):
        if self.theme not in THEME_NAMES:
            raise ValueError(f"theme must be one of {', '.join(THEME_NAMES)}, got {self.theme!r}")
        if self.lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {self.lang!r}")
        if not (0.05 <= self.step_seconds <= 60):
            raise ValueError(f"step_seconds must be between 0.05 and 60, got {self.step_seconds}")
        if not (0 <= self.final_hold <= 600):
            raise ValueError(f"final_hold must be between 0 and 600 seconds, got {self.final_hold}")

    def with_(self, **changes) -> "RenderOptions":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict:
        return asdict(self)
