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
    """How a scene looks and moves; the data comes separately, as the scene's parameters.

    Frozen: make changed copies with ``with_``.

    Args:
        theme: one of ``THEME_NAMES`` (``'light'``, ``'dark'``). Default: ``'light'``
        lang: one of ``LANGS`` (``'en'``, ``'zh'``). Default: ``'en'``
        step_seconds: seconds per kernel step, 0.05 to 60. Default: 1.0
        final_hold: seconds the last frame is held, 0 to 600. Default: 3.0
        smooth: tween between steps instead of jumping. Default: False
        show_formula: show the output-size formula with its numbers substituted. Default: False
        show_pytorch: show the matching PyTorch call. Default: False
        single_frame: an animation format gets only the final state. Default: False

    Raises:
        ValueError: an unknown theme or language, step_seconds or final_hold out of range

    Examples:
        >>> RenderOptions()                             # doctest: +NORMALIZE_WHITESPACE
        RenderOptions(theme='light', lang='en', step_seconds=1.0, final_hold=3.0, smooth=False, show_formula=False,
                      show_pytorch=False, single_frame=False)
        >>> RenderOptions(theme="blue")
        Traceback (most recent call last):
        ...
        ValueError: theme must be one of light, dark, got 'blue'
        >>> RenderOptions(step_seconds=0)
        Traceback (most recent call last):
        ...
        ValueError: step_seconds must be between 0.05 and 60, got 0
    """
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
        """A copy with ``changes`` applied; changes that are None are ignored (so unset command-line flags keep the
        current value). The copy is validated again.

        Raises:
            TypeError: an unknown option name
            ValueError: as the constructor

        Examples:
            >>> o = RenderOptions().with_(theme="dark", lang=None, step_seconds=0.5)
            >>> o.theme, o.lang, o.step_seconds
            ('dark', 'en', 0.5)
        """
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict:
        """The options as a plain dict, field name → value (for cache keys and JSON).

        >>> RenderOptions(smooth=True).as_dict()["smooth"], len(RenderOptions().as_dict())
        (True, 8)
        """
        return asdict(self)
