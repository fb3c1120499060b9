"""The Conv2d output-size rule of PyTorch's docs with an example's numbers substituted (figure 5). numpy-free.

``shape_rule_figure`` → :class:`ShapeRuleFigure`.

>>> [(s.numerator, str(s.quotient), s.out_size) for s in shape_rule_example((7, 6), 3, 2, 0, (1, 2))]
[(4, '2', 3), (1, '1/2', 1)]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import floor

from ..shapes import conv_output_size, ntuple

__all__ = ["ShapeRuleStep", "shape_rule_example", "ShapeRuleFigure", "shape_rule_figure"]


@dataclass(frozen=True)
class ShapeRuleStep:
    """One spatial dimension: H_out = ⌊(H_in + 2·padding − dilation·(kernel_size − 1) − 1)/stride + 1⌋."""
    in_size: int
    padding: int
    dilation: int
    kernel_size: int
    stride: int
    numerator: int          # H_in + 2·padding − dilation·(kernel_size − 1) − 1
    quotient: Fraction      # numerator / stride
    out_size: int           # ⌊quotient + 1⌋, from convviz.shapes.conv_output_size


def shape_rule_example(in_size, kernel_size, stride=1, padding=0, dilation=1) -> tuple[ShapeRuleStep, ...]:
    """One :class:`ShapeRuleStep` per spatial dimension (H, W) of a Conv2d with these (int or pair) arguments."""
    i = ntuple(in_size, 2, "in_size", minimum=1)
    k = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    s = ntuple(stride, 2, "stride", minimum=1)
    p = ntuple(padding, 2, "padding", minimum=0)
    d = ntuple(dilation, 2, "dilation", minimum=1)
    out = conv_output_size(i, k, s, p, d)
    steps = []
    for a in range(2):
        num = i[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1
        q = Fraction(num, s[a])
        if floor(q + 1) != out[a]:      # the docs' form and convviz.shapes must agree
            raise AssertionError(f"shape rule ⌊{q} + 1⌋ disagrees with conv_output_size = {out[a]}")
        steps.append(ShapeRuleStep(i[a], p[a], d[a], k[a], s[a], num, q, out[a]))
    return tuple(steps)


# ------------------------------------------------------------------------------------------------ builders
@dataclass(frozen=True)
class ShapeRuleFigure:
    """figure5: the worked example of the Conv2d shape rule, one step per spatial dimension (H, W)."""
    steps: tuple[ShapeRuleStep, ShapeRuleStep]

    @property
    def same_hw(self) -> bool:
        """Do H and W have the same input size and layer arguments (so the example names each value once)?"""
        h, w = self.steps
        return (h.in_size, h.kernel_size, h.stride, h.padding, h.dilation) == \
               (w.in_size, w.kernel_size, w.stride, w.padding, w.dilation)


def shape_rule_figure(*, in_size, kernel_size, stride=1, padding=0, dilation=1) -> ShapeRuleFigure:
    """figure5's example: :func:`shape_rule_example` of a Conv2d with these (int or pair) arguments.

    >>> fig = shape_rule_figure(in_size=5, kernel_size=3, stride=2, padding=1, dilation=1)
    >>> h, w = fig.steps
    >>> h.numerator, h.out_size, fig.same_hw
    (4, 3, True)
    """
    return ShapeRuleFigure(shape_rule_example(in_size, kernel_size, stride, padding, dilation))
