"""The notes' GIFs are as legible as the originals (issue 10): each GIF built exactly as ``convviz notes`` renders
it (its task: data, options, quality, least width and density), then the sizes of the text it drew, in pixels of
its frames, against the minima; its width against the original's (read from the original file).

The sizes come from the drawn record (``drawn["text_height"]``: the smallest height of the glyph "0" per text
role, in scene units) times the frames' pixels per scene unit, not from OCR. Also here: the ×w subscripts sit
inside their cells clear of the window's frame and of the cell's number, and the kernel's colour reaches WCAG AA
contrast on every fill it is written over, in both themes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convviz import catalogue
from convviz.app.notes import notes_tasks
from scenes.render.capture import held_frames
from scene_utils import build

ORIGINALS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "notes-images"
GIFS = ["cnn-gif1", "cnn-gif2", "cnn-gif3", "cnn-gif4", "cnn-gif5", "cnn-gif6"]
# the originals' widths in pixels (../shared/reference/notes-images, not part of a checkout: CI has no copy)
ORIGINAL_WIDTHS = {"cnn-gif1": 535, "cnn-gif2": 860, "cnn-gif3": 526, "cnn-gif4": 395, "cnn-gif5": 399,
                   "cnn-gif6": 399}
QUALITY = "medium"                    # the notes' default
# Minima in pixels of the GIF: digits as tall as (nearly) the original's where it shows numbers (gif1 21 px,
# gif3 23 px), 14 elsewhere; labels, legends and titles 12; ×w subscripts 10. Width at most 1.6x the original's.
MIN_DIGITS = {"cnn-gif1": 18, "cnn-gif3": 18}
MIN_DIGITS_ELSE, MIN_LABEL, MIN_SUB = 14, 12, 10
MAX_WIDTH_RATIO = 1.6
WITH_SUBSCRIPTS = ("cnn-gif1", "cnn-gif3")     # the originals show the weights in the window


@lru_cache(maxsize=None)
def notes_held(name: str):
    """The frames and drawn record of ``name`` as ``convviz notes`` renders it (the same task)."""
    entry = catalogue.get_entry(name)
    (task,) = notes_tasks(Path("unused"), [entry], QUALITY, "en")
    return held_frames(entry.scene, task.params, task.options, task.fmt, task.quality, task.fps,
                       task.min_width, task.density)


@pytest.mark.parametrize("name", GIFS)
def test_notes_gif_text_is_as_large_as_the_targets(name):
    held = notes_held(name)
    px = {role: h * held.px_per_unit for role, h in held.drawn["text_height"].items()}
    assert px["number"] >= MIN_DIGITS.get(name, MIN_DIGITS_ELSE), px
    assert px["label"] >= MIN_LABEL, px
    if name in WITH_SUBSCRIPTS:
        assert px["sub"] >= MIN_SUB, px
    else:
        assert px.get("sub", MIN_SUB) >= MIN_SUB, px


@pytest.mark.parametrize("name", GIFS)
def test_notes_gif_is_at_most_1_6_times_as_wide_as_the_original(name):
    held = notes_held(name)
    width = held.frames[0].pixels.shape[1]
    original = ORIGINAL_WIDTHS[name]
    if (ORIGINALS / f"{name}.gif").exists():                   # where the originals are at hand: the same width
        assert Image.open(ORIGINALS / f"{name}.gif").size[0] == original
    assert original <= catalogue.get_entry(name).min_width <= width <= MAX_WIDTH_RATIO * original


@pytest.mark.parametrize("name", WITH_SUBSCRIPTS)
def test_weight_subscripts_are_shown_in_every_window(name):
    drawn = notes_held(name).drawn
    kernel = [w for row in drawn["kernel"] for w in row]
    assert drawn["subscripts"] == [["×" + w for w in kernel]] * len(drawn["windows"])


def test_subscripts_clear_of_the_window_frame_and_the_numbers():
    from scenes.kit.widgets import WINDOW_STROKE, KernelWindow

    scene = build("cnn-gif3")
    (window,) = [m for m in scene.mobjects if isinstance(m, KernelWindow)]
    grid = scene.input_grid
    half_stroke = WINDOW_STROKE * 0.01 / 2
    assert len(window.subscripts) == 9
    for sub, (pos, _) in zip(window.subscripts, scene.drawn["windows"][-1]):
        cell, number = grid.cell(*pos), grid.numbers[pos]
        assert sub.get_right()[0] < cell.get_right()[0] - half_stroke
        assert sub.get_bottom()[1] > cell.get_bottom()[1] + half_stroke
        assert sub.get_left()[0] > cell.get_left()[0] + half_stroke
        apart_x = sub.get_left()[0] >= number.get_right()[0] or sub.get_right()[0] <= number.get_left()[0]
        apart_y = sub.get_top()[1] <= number.get_bottom()[1]
        assert apart_x or apart_y


def test_gif4_window_over_padding_is_drawn_unlike_over_data():
    from manim import DashedVMobject

    from scenes.kit.widgets import KernelWindow

    scene = build("cnn-gif4")
    (window,) = [m for m in scene.mobjects if isinstance(m, KernelWindow)]
    last = scene.drawn["windows"][-1]            # bottom-right: 5 taps over padding, 4 over data
    assert sum(pad for _, pad in last) == 5
    dashed = [m for m in window.squares if isinstance(m, DashedVMobject)]
    solid = [m for m in window.squares if not isinstance(m, DashedVMobject)]
    assert len(dashed) == len(solid) == 1
    # the solid run borders the 2x2 data taps (their top and left edges: 4 cell edges), the dashed one the rest
    data = [scene.input_grid.cell(r + 1, c + 1) for (r, c), pad in last if not pad]      # padding 1 before
    x0, y0 = min(c.get_left()[0] for c in data), max(c.get_top()[1] for c in data)
    x1, y1 = max(c.get_right()[0] for c in data), min(c.get_bottom()[1] for c in data)
    pts = np.asarray(solid[0].get_anchors())
    assert pts[:, 0].min() == pytest.approx(x0) and pts[:, 1].max() == pytest.approx(y0)
    assert pts[:, 0].max() == pytest.approx(x1) and pts[:, 1].min() == pytest.approx(y1)
    length = sum(np.linalg.norm(b - a) for a, b in zip(pts[:-1], pts[1:]))
    assert length == pytest.approx(4 * scene.input_grid.cell_size)


def test_gif5_says_dilation_2_and_the_pytorch_call():
    scene = build("cnn-gif5")
    assert scene.drawn["heading"] == "dilation 2"
    assert scene.drawn["extra_lines"] == ["nn.Conv2d(1, 1, kernel_size=3, dilation=2, bias=False)"]


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula():
    assert round(contrast("#FFFFFF", "#000000"), 1) == 21.0 and contrast("#777777", "#777777") == 1.0


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_kernel_coloured_text_reaches_wcag_aa(theme_name):
    """The ×w subscripts (and other kernel-coloured text) over every fill they can sit on, and secondary text
    on the background: at least 4.5:1."""
    from scenes.kit.theme import THEMES

    t = THEMES[theme_name]
    for fill in (t.background, t.input_fill, t.padding_fill, t.kernel_fill, t.output_fill, t.inserted_fill):
        assert contrast(t.kernel_stroke, fill) >= 4.5, (theme_name, fill)
    assert contrast(t.muted, t.background) >= 4.5
