"""cnn-figure5 (shape rule), cnn-figure11/12 (spatially separable), cnn-figure13 (dilation and receptive field):
what the scenes drew against arithmetic written here from the definitions, plus render smoke tests."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scene_utils import build, render_file

import convviz
from convviz.catalogue import get_entry
from convviz.figures.dilation import receptive_field_figure
from convviz.figures.separable import (SeparableExample, SeparableKernelFigure, separable_kernel_figure,
                                       spatially_separable_figure)
from convviz.figures.shape_rule import ShapeRuleFigure, shape_rule_figure

NAMES = ["cnn-figure5", "cnn-figure11", "cnn-figure12", "cnn-figure13"]
SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]


def as_ints(drawn) -> np.ndarray:
    """A drawn grid (strings) as integers."""
    return np.vectorize(lambda s: int(s))(np.asarray(drawn, dtype=object)).astype(int)


@pytest.fixture(scope="module")
def scenes():
    return {name: build(name) for name in NAMES}


# -- figure5: the Conv2d shape rule -------------------------------------------------------------------------
def windows(i, k, s, p, d):
    """Count the window starts 0, s, 2s, … whose dilated window fits in the padded input."""
    n, start = 0, 0
    while start + d * (k - 1) + 1 <= i + 2 * p:
        n += 1
        start += s
    return n


def test_shape_rule_example(scenes):
    p = get_entry("cnn-figure5").params
    drawn = scenes["cnn-figure5"].drawn
    i, k, s, pad, d = p["in_size"], p["kernel_size"], p["stride"], p["padding"], p["dilation"]
    numerator = i + 2 * pad - d * (k - 1) - 1
    out = numerator // s + 1
    assert out == windows(i, k, s, pad, d) == convviz.conv_output_size(i, k, s, pad, d)
    assert (i, k, s, pad, d, out) == (5, 3, 2, 1, 1, 3)        # the brief's example
    assert [e["dim"] for e in drawn["example"]] == ["H", "W"]
    for e in drawn["example"]:
        assert (e["in_size"], e["kernel_size"], e["stride"], e["padding"], e["dilation"]) == (i, k, s, pad, d)
        assert e["numerator"] == numerator and e["out_size"] == out
    for tex in drawn["example_tex"]:
        flat = tex.replace(" ", "")
        assert f"{i}+2\\times{pad}-{d}\\times({k}-1)-1}}{{{s}}}+1" in flat
        assert f"\\frac{{{numerator}}}{{{s}}}" in flat and flat.endswith(f"={out}")
    assert drawn["shapes"] == ((i, i), (out, out))


# -- figure11: kernel = column × row -------------------------------------------------------------------------
def test_separable_kernel_factors(scenes):
    d = scenes["cnn-figure11"].drawn
    kernel = as_ints(d["kernel"])
    col, row = as_ints(d["column"]), as_ints(d["row"])
    assert np.array_equal(kernel, SOBEL_X)
    assert col.shape == (3, 1) and row.shape == (1, 3)
    assert col[:, 0].tolist() == [1, 2, 1] and row[0].tolist() == [-1, 0, 1]
    outer = [[col[r, 0] * row[0, c] for c in range(3)] for r in range(3)]
    assert np.array_equal(np.array(outer), kernel)
    (r, c), text = d["product"]
    assert abs(kernel[r, c]) == np.abs(kernel).max()
    assert text.replace("(", "").replace(")", "").endswith(f"= {kernel[r, c]}")
    assert d["name"] == "Sobel X"


# -- figure12: the two passes --------------------------------------------------------------------------------
def test_spatially_separable_values(scenes):
    p = get_entry("cnn-figure12").params
    d = scenes["cnn-figure12"].drawn
    n = p["in_size"]
    x = np.random.default_rng(p["seed"]).integers(0, 4, size=(n, n))       # random_ints' definition
    assert np.array_equal(as_ints(d["input"]), x)
    col, row = as_ints(d["column"])[:, 0], as_ints(d["row"])[0]
    assert p["kernel"] == "sobel_x"
    k = np.array(SOBEL_X)
    kh, kw = len(col), len(row)
    mults_two = 0
    mid = np.zeros((n - kh + 1, n), dtype=int)                               # vertical pass: 3x5
    for i in range(mid.shape[0]):
        for j in range(mid.shape[1]):
            for t in range(kh):
                mid[i, j] += col[t] * x[i + t, j]
                mults_two += 1
    out = np.zeros((mid.shape[0], n - kw + 1), dtype=int)                   # horizontal pass: 3x3
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for t in range(kw):
                out[i, j] += row[t] * mid[i, j + t]
                mults_two += 1
    mults_one = 0
    direct = np.zeros_like(out)                                              # one pass with the 3x3 kernel
    for i in range(direct.shape[0]):
        for j in range(direct.shape[1]):
            for a in range(k.shape[0]):
                for b in range(k.shape[1]):
                    direct[i, j] += k[a, b] * x[i + a, j + b]
                    mults_one += 1
    assert mid.shape == (3, 5) and out.shape == (3, 3)
    assert np.array_equal(as_ints(d["intermediate"]), mid)
    assert np.array_equal(as_ints(d["output"]), out)
    assert np.array_equal(out, direct) and d["matches_one_pass"]
    assert (mults_one, mults_two) == (81, 72)
    c = d["counts"]
    assert (c["full"], c["separable"]) == (mults_one, mults_two)
    assert (c["full_per_output"], c["full_outputs"]) == (9, 9)
    assert (c["column_per_output"], c["column_outputs"], c["row_per_output"], c["row_outputs"]) == (3, 15, 3, 9)
    assert "9 × 9 = 81" in d["count_lines"][0]
    assert "3 × 15 + 3 × 9 = 72" in d["count_lines"][1]
    # the outlined windows: a 3x1 column on the input, a 1x3 row on the intermediate
    assert d["windows"] == ([(0, 0), (1, 0), (2, 0)], [(0, 0), (0, 1), (0, 2)])


def drawn_texts(scene) -> list[str]:
    """Every string on screen at the end: ``FlatText.text`` of the scene's mobjects (MathTex signs included)."""
    return [m.text for top in scene.mobjects for m in top.get_family() if isinstance(getattr(m, "text", None), str)]


def test_separable_convolution_sign_is_the_notes_asterisk(scenes):
    """The notes write convolution with ∗ (TeX's ``*``, the asterisk operator), never ⋆ (``\\star``): figure12's
    two passes use it, and no drawn text in figure11/12 or any scene's source uses the star."""
    from pathlib import Path

    assert scenes["cnn-figure12"].drawn["signs"] == ["*", "=", "*", "="]
    assert drawn_texts(scenes["cnn-figure12"]).count("*") == 2
    for name in ("cnn-figure11", "cnn-figure12"):
        texts = drawn_texts(scenes[name])
        assert not any("⋆" in t or r"\star" in t for t in texts), name
    for src in sorted((Path(__file__).parents[1] / "scenes").rglob("*.py")):
        code = src.read_text(encoding="utf-8")
        assert "⋆" not in code and r"\star" not in code, src


def test_separable_counts_helper_other_sizes():
    from convviz.figures.separable import separable_mults
    m = separable_mults((7, 6), (3, 3))
    oh, ow = 7 - 2, 6 - 2
    assert m.full == 9 * oh * ow and m.separable == 3 * oh * 6 + 3 * oh * ow


# -- figure13: dilation and receptive field -------------------------------------------------------------------
def test_receptive_field_taps(scenes):
    p = get_entry("cnn-figure13").params
    d = scenes["cnn-figure13"].drawn
    n, k = p["grid"], p["kernel_size"]
    assert n == 11 and d["grid"] == n
    centre = n // 2
    assert [panel["dilation"] for panel in d["panels"]] == [1, 2, 3]
    for panel in d["panels"]:
        dil = panel["dilation"]
        taps = [(centre + a * dil, centre + b * dil) for a in (-1, 0, 1) for b in (-1, 0, 1)]
        assert panel["taps"] == taps
        rf = dil * (k - 1) + 1
        assert panel["field"] == rf == convviz.receptive_field(k, dil)
        lo = centre - rf // 2
        assert sorted(panel["field_cells"]) == [(r, c) for r in range(lo, lo + rf) for c in range(lo, lo + rf)]
        assert panel["title"] == f"D = {dil}"
        assert panel["label"] == f"receptive field {rf}x{rf}"
    assert [p_["field"] for p_ in d["panels"]] == [3, 5, 7]
    zh = build("cnn-figure13", lang="zh").drawn["panels"]
    assert [q["label"] for q in zh] == ["感受野 3x3", "感受野 5x5", "感受野 7x7"]


def test_taps_helper_rejects_too_big():
    from convviz.figures.dilation import dilated_taps
    with pytest.raises(ValueError, match="grid"):
        dilated_taps(5, 3, 3)


# -- builders: typed results, and the scene draws exactly them ------------------------------------------------
def test_builders_return_their_dataclasses():
    assert isinstance(get_entry("cnn-figure5").resolve(), ShapeRuleFigure)
    assert isinstance(get_entry("cnn-figure11").resolve(), SeparableKernelFigure)
    assert isinstance(get_entry("cnn-figure12").resolve(), SeparableExample)
    assert get_entry("cnn-figure13").resolve().dilations == (1, 2, 3)


def test_shape_rule_other_example_drawn():
    # H and W differ: 7x6 input, kernel 3, stride 2, no padding, dilation (1, 2)
    fig = shape_rule_figure(in_size=(7, 6), kernel_size=3, stride=2, padding=0, dilation=(1, 2))
    d = build("cnn-figure5", params=fig).drawn
    want = [(7 + 0 - 1 * 2 - 1, (7 - 2 - 1) // 2 + 1), (6 + 0 - 2 * 2 - 1, (6 - 4 - 1) // 2 + 1)]
    assert [(e["numerator"], e["out_size"]) for e in d["example"]] == want == [(4, 3), (1, 1)]
    assert d["shapes"] == ((7, 6), (3, 1)) and not d["same_hw"]
    assert "H_{in} = 7" in d["settings"] and "(1, 2)" in d["settings"]


def test_spatially_separable_draws_the_builders_data():
    fig = spatially_separable_figure(in_size=(4, 6), kernel=[[1, 2], [3, 6]], seed=3)
    d = build("cnn-figure12", params=fig).drawn
    x = np.random.default_rng(3).integers(0, 4, size=(4, 6))
    assert np.array_equal(as_ints(d["input"]), x) and np.array_equal(fig.x, x)
    assert as_ints(d["column"])[:, 0].tolist() == [1, 3] and as_ints(d["row"])[0].tolist() == [1, 2]
    mid = np.array([[x[i, j] + 3 * x[i + 1, j] for j in range(6)] for i in range(3)])
    out = np.array([[mid[i, j] + 2 * mid[i, j + 1] for j in range(5)] for i in range(3)])
    assert np.array_equal(as_ints(d["intermediate"]), mid) and np.array_equal(as_ints(d["output"]), out)
    assert d["windows"] == ([(0, 0), (1, 0)], [(0, 0), (0, 1)])
    assert d["counts"]["full"] == 4 * 15 and d["counts"]["separable"] == 2 * 18 + 2 * 15


def test_separable_kernel_other_kernel():
    fig = separable_kernel_figure(kernel="sobel_y")
    d = build("cnn-figure11", params=fig).drawn
    assert d["name"] == "Sobel Y"
    col, row = as_ints(d["column"]), as_ints(d["row"])
    assert np.array_equal(col @ row, [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    (r, c), text = d["product"]
    assert (r, c) == fig.marked == (0, 1)          # the first entry of largest |value|: 2
    with pytest.raises(ValueError, match="kernel"):
        separable_kernel_figure(kernel="laplace")


def test_receptive_field_other_dilations():
    fig = receptive_field_figure(grid=9, kernel_size=3, dilations=(1, 4))
    d = build("cnn-figure13", params=fig).drawn
    assert d["grid"] == 9 and [p["field"] for p in d["panels"]] == [3, 9]
    assert d["panels"][1]["taps"] == [(r, c) for r in (0, 4, 8) for c in (0, 4, 8)]
    assert [p["taps"] for p in d["panels"]] == [list(p.taps) for p in fig.panels]


# -- renders -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_render_png_low(name, tmp_path):
    # figure5 in Chinese: its labels mix CJK text and LaTeX
    out = render_file(name, tmp_path / f"{name}.png", "png", lang="zh" if name == "cnn-figure5" else "en")
    with Image.open(out) as im:
        w, h = im.size
    assert w >= 600 and h > 150


def test_render_medium_still_is_wide_enough(tmp_path):
    out = render_file("cnn-figure11", tmp_path / "f11.jpg", "jpg", quality="medium")
    with Image.open(out) as im:
        assert im.size[0] >= 1280
