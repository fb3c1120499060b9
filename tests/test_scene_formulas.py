"""cnn-formula1..5: what each formula scene typesets, the sign colouring that sets cross-correlation apart, the
language of the labels, and the formulas' meaning checked numerically against convviz (direct loops written
from the formulas, not convviz code), plus low-quality render smoke tests."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image
from scene_utils import build, render_file

import convviz
from convviz.catalogue import get_entry
from convviz.figures.formulas import FormulaFigure, formula_figure

NAMES = [f"cnn-formula{i}" for i in range(1, 6)]


def compact(tex: str) -> str:
    """LaTeX without spaces or thin spaces, for substring checks."""
    return tex.replace(r"\,", "").replace(" ", "")


@pytest.fixture(scope="module")
def scenes():
    return {name: build(name) for name in NAMES}


def test_each_entry_draws_its_formula(scenes):
    expect = {
        1: [r"s(t)=\intx(a)w(t-a)da", r"s(t)=(x*w)(t)"],
        2: [r"s(t)=(x*w)(t)=\sum_{a=-\infty}^{\infty}x(a)w(t-a)"],
        3: [r"S(i,j)=(I*K)(i,j)=\sum_{m}\sum_{n}I(m,n)K(i-m,j-n)"],
        4: [r"S(i,j)=(K*I)(i,j)=\sum_{m}\sum_{n}I(i-m,j-n)K(m,n)"],
        5: [r"S(i,j)=(I*K)(i,j)=\sum_{m}\sum_{n}I(i+m,j+n)K(m,n)"],
    }
    for i, name in enumerate(NAMES, start=1):
        s = scenes[name]
        assert s.drawn["which"] == i
        got = [compact(t) for t in s.drawn["tex"]]
        assert got[:len(expect[i])] == expect[i], name


def test_one_operator_symbol_as_in_the_notes(scenes):
    # the notes write (x ∗ w), (I ∗ K), (K ∗ I) and, for cross-correlation too, (I ∗ K): one asterisk, never ⋆
    for name in NAMES:
        tex = "".join(scenes[name].drawn["tex"])
        assert r"\star" not in tex and "⋆" not in tex, name
    ops = [re.search(r"\(([A-Za-z])\*([A-Za-z])\)", compact(scenes[n].drawn["tex"][-1 if n.endswith("1") else 0]))
           .groups() for n in NAMES]
    assert ops == [("x", "w"), ("x", "w"), ("I", "K"), ("K", "I"), ("I", "K")]


def test_index_signs_are_marked(scenes):
    # true convolution (formulas 3 and 4): the two index signs are minus; cross-correlation (5): plus,
    # followed by formula 4's sum for comparison with its minus signs
    assert scenes["cnn-formula3"].drawn["signs"] == ["-", "-"]
    assert scenes["cnn-formula4"].drawn["signs"] == ["-", "-"]
    assert scenes["cnn-formula5"].drawn["signs"] == ["+", "+", "-", "-"]
    assert scenes["cnn-formula1"].drawn["signs"] == []
    assert scenes["cnn-formula2"].drawn["signs"] == []
    # formula5's comparison sum is formula4's sum
    f4 = compact(scenes["cnn-formula4"].drawn["tex"][0])
    cmp5 = compact(scenes["cnn-formula5"].drawn["tex"][1])
    assert f4.endswith(cmp5)


def test_labels_follow_the_language(scenes):
    assert scenes["cnn-formula1"].drawn["text"] == ["等价表示 (equivalent form)"]
    assert build("cnn-formula1", lang="zh").drawn["text"] == ["等价表示"]
    en = scenes["cnn-formula5"].drawn["text"]
    assert "no kernel flip" in en[0] and "formula 4" in en[1]
    zh = build("cnn-formula5", lang="zh").drawn["text"]
    assert "互相关" in zh[0] and all(not any("a" <= ch <= "z" for ch in line.replace("PyTorch conv2d", ""))
                                     for line in zh)


def test_builder_numbers_the_formulas():
    assert [get_entry(name).resolve() for name in NAMES] == [FormulaFigure(i) for i in range(1, 6)]
    assert build("cnn-formula1", params=formula_figure(which=4)).drawn["signs"] == ["-", "-"]
    for bad in (0, 6, 2.5):
        with pytest.raises(ValueError, match="which"):
            formula_figure(which=bad)


# -- what the formulas say, checked against convviz ---------------------------------------------------------
X = np.array([[1, 2, 0, 3], [4, 1, 1, 0], [2, 0, 5, 1], [1, 3, 2, 2]])
K = np.array([[1, 0], [2, -1]])


def test_formula5_is_what_conv_computes():
    kh, kw = K.shape
    h, w = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    s = np.zeros((h, w), dtype=int)
    for i in range(h):
        for j in range(w):
            s[i, j] = sum(X[i + m, j + n] * K[m, n] for m in range(kh) for n in range(kw))
    assert np.array_equal(convviz.conv(X[None], K[None, None])[0], s)


def test_formulas_3_and_4_are_true_conv_and_commute():
    kh, kw = K.shape
    H, W = X.shape
    # formula3 over the positions where the kernel lies inside the image: i in [kh-1, H-1]
    f3 = np.zeros((H - kh + 1, W - kw + 1), dtype=int)
    f4 = np.zeros_like(f3)
    for i in range(kh - 1, H):
        for j in range(kw - 1, W):
            f3[i - kh + 1, j - kw + 1] = sum(X[m, n] * K[i - m, j - n] for m in range(H) for n in range(W)
                                             if 0 <= i - m < kh and 0 <= j - n < kw)
            f4[i - kh + 1, j - kw + 1] = sum(X[i - m, j - n] * K[m, n] for m in range(kh) for n in range(kw))
    assert np.array_equal(f3, f4)
    assert np.array_equal(convviz.true_conv(X[None], K[None, None])[0], f4)
    # and it differs from cross-correlation for this (non-symmetric) kernel
    assert not np.array_equal(convviz.conv(X[None], K[None, None])[0], f4)


def test_formula2_discrete_1d():
    x = np.array([1, 3, 0, 2, 5])
    wk = np.array([2, -1, 1])
    # s(t) = Σ_a x(a) w(t − a), over t where w is fully inside
    s = [sum(x[a] * wk[t - a] for a in range(len(x)) if 0 <= t - a < len(wk)) for t in range(2, len(x))]
    assert list(convviz.true_conv(x[None], wk[None, None])[0]) == s


# -- renders -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_render_png_low(name, tmp_path):
    out = render_file(name, tmp_path / f"{name}.png", "png")
    with Image.open(out) as im:
        w, h = im.size
    assert w >= 600 and 40 < h < w


def test_render_jpg_medium_is_wide_enough(tmp_path):
    out = render_file("cnn-formula5", tmp_path / "f5.jpg", "jpg", quality="medium", lang="zh")
    with Image.open(out) as im:
        assert im.size[0] >= 1280 and im.size[1] > 100


def test_typeset_formulas_kept_are_bounded_and_one_dropped_is_typeset_again(monkeypatch):
    """``_TEX`` keeps at most ``TEX_KEPT`` formulas (oldest dropped); asked again, a dropped one is typeset anew
    with the same parts and the same outline."""
    from scenes.kit import base

    monkeypatch.setattr(base, "_TEX", {})
    monkeypatch.setattr(base, "TEX_KEPT", 3)
    keys = [((f"x_{i}", "+", "1"), 30.0, "#000000") for i in range(5)]
    base.typeset_tex(keys)                                   # one LaTeX run for the five
    assert list(base._TEX) == keys[2:]
    first = base.tex_template(*keys[0]).copy()                # dropped: typeset again, alone
    assert [t.text for t in first] == ["x_0", "+", "1"] and len(base._TEX) == 3 and keys[0] in base._TEX
    again = base.tex_template(*keys[4])
    assert [t.text for t in again] == ["x_4", "+", "1"] and all(len(t.points) for t in again)
    assert first[1].points.shape == again[1].points.shape     # the same "+" whichever run typeset it
