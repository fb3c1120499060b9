"""Line breaking of headings and labels (``scenes.kit.widgets.break_lines``), checked against every way of
cutting the tokens into lines: as few lines as fit, then the narrowest widest line; and typeset, with the
scene's own text."""

from __future__ import annotations

import itertools
import random

import pytest

from scenes.kit.base import _text_template
from scenes.kit.theme import font_for
from scenes.kit.widgets import WrappedText, break_lines, break_tokens


def cuttings(n: int):
    """Every way of cutting ``n`` tokens into runs: lists of (start, end)."""
    for cuts in itertools.product((False, True), repeat=n - 1):
        bounds = [0] + [i + 1 for i, c in enumerate(cuts) if c] + [n]
        yield list(zip(bounds, bounds[1:]))


def best(tokens, width, max_width) -> tuple[int, float]:
    """(fewest lines, narrowest widest line among those) over every cutting whose lines of two or more tokens
    fit ``max_width`` (a token wider than that may stand alone), from the definition."""
    found = []
    for runs in cuttings(len(tokens)):
        lines = [("".join(tokens[i:j]).strip(), j - i) for i, j in runs]
        if all(count == 1 or width(line) <= max_width for line, count in lines):
            found.append((len(lines), max(width(line) for line, _ in lines)))
    return min(found)


def char_widths(seed: int):
    rng = random.Random(seed)
    table = {}

    def width(line: str) -> float:
        return sum(table.setdefault(ch, rng.uniform(0.2, 1.0)) for ch in line)
    return width


WORDS = ["a", "conv", "of", "the", "zero-inserted,", "padded", "input", "with", "flipped", "kernel", "(gather)"]


@pytest.mark.parametrize("seed", range(40))
def test_as_few_lines_as_fit_and_the_narrowest_widest_line(seed):
    rng = random.Random(seed)
    s = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 9)))
    if seed % 4 == 0:                                      # Chinese: a line may break between any two characters
        s = "".join(rng.choice("卷积核步长填充输入输出（翻转）：，") for _ in range(rng.randint(2, 10)))
    tokens, width = break_tokens(s), char_widths(seed)
    max_width = rng.uniform(0.5, 1.2) * width(s)
    lines = break_lines(tokens, width, max_width)
    fewest, narrowest = best(tokens, width, max_width)
    assert len(lines) == fewest, (s, lines)
    assert max(width(line) for line in lines) == pytest.approx(narrowest), (s, lines)
    assert "".join(lines).replace(" ", "") == s.replace(" ", "")          # every token, in order
    assert all(width(line) <= max_width or line in [t.strip() for t in tokens] for line in lines)


def test_few_lines_are_measured():
    """Each measured line is a text typeset: a heading of 12 pieces in two lines measures fewer than 24 (the
    bisection over the width limit that came before measured 37 for the scene's heading)."""
    s = "Gather: stride-1 conv of the zero-inserted, padded input with the flipped kernel"
    measured = set()

    def width(line):
        measured.add(line)
        return float(len(line))
    assert break_lines(break_tokens(s), width, 50) == ["Gather: stride-1 conv of the zero-inserted,",
                                                       "padded input with the flipped kernel"]
    assert len(measured) < 2 * len(break_tokens(s))
    measured.clear()
    assert break_lines(break_tokens(s), width, len(s)) == [s] and measured == {s}        # fits: one measure


def test_a_width_that_does_not_grow_with_the_line_still_gives_lines_that_fit():
    """Halving assumes a longer run is wider; a width that breaks that still gives lines that fit, and ends."""
    rng = random.Random(7)
    tokens = break_tokens(" ".join(WORDS))
    widths: dict[str, float] = {}

    def width(line):
        return widths.setdefault(line, rng.uniform(1, 10))
    lines = break_lines(tokens, width, 8.0)
    assert all(width(line) <= 8.0 or line in [t.strip() for t in tokens] for line in lines)
    assert " ".join(lines) == " ".join(WORDS)


@pytest.mark.parametrize("s, lang", [("Kernel (flipped) of the padded input", "en"), ("卷积核（翻转）与输入", "zh")])
def test_typeset_lines_are_the_best_cutting(s, lang):
    """With the scenes' typeset text: the lines of a ``WrappedText`` fit and are the best cutting."""
    def text(line, size=24, color=None):
        return _text_template(line, font_for(lang), float(size), color or "#000000", "NORMAL", "NORMAL", False)

    def width(line):
        return text(line).width
    max_width = 0.6 * width(s)
    wrapped = WrappedText(s, text, max_width)
    fewest, narrowest = best(break_tokens(s), width, max_width)
    assert len(wrapped.lines) == fewest >= 2
    assert max(width(line) for line in wrapped.lines) == pytest.approx(narrowest)
    assert all(line.width <= max_width + 1e-9 for line in wrapped.submobjects)
