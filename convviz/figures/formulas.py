"""Builder of the notes' five convolution formulas (cnn-formula1..5).

The formulas are mathematics, not data: their LaTeX lives with the scene (``scenes/formulas.py``). The builder
only checks which of the notes' formulas an entry names and hands it on as a :class:`FormulaFigure`.

>>> formula_figure(which=5)
FormulaFigure(which=5)
>>> formula_figure(which=6)
Traceback (most recent call last):
    ...
ValueError: which must be one of [1, 2, 3, 4, 5], got 6
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMULA_NUMBERS", "FormulaFigure", "formula_figure"]

# the notes' formulas: 1 continuous, 2 discrete 1-D, 3 2-D (kernel flipped), 4 commuted, 5 cross-correlation
FORMULA_NUMBERS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class FormulaFigure:
    """Which of the notes' formulas to typeset (1..5)."""
    which: int


def formula_figure(*, which: int) -> FormulaFigure:
    """The notes' formula number ``which`` (1..5), checked.

    >>> formula_figure(which=1).which
    1
    """
    if isinstance(which, bool) or int(which) != which or int(which) not in FORMULA_NUMBERS:
        raise ValueError(f"which must be one of {list(FORMULA_NUMBERS)}, got {which}")
    return FormulaFigure(int(which))
