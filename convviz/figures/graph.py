"""Builder of figure1: a 2-D convolution written out with symbols (a computation graph).

The symbolic trace (``convviz.trace.trace_conv`` on arrays of names) gives each output's expression; the builder
splits it into one line per kernel row, as the notes lay it out, and checks the lines spell the trace's total.

>>> fig = computation_graph_figure(example="figure1")
>>> fig.x.shape, fig.weight.shape, fig.out_size
((3, 4), (2, 2), (2, 3))
>>> fig.terms[0][0], fig.patch
((('aw', 'bx'), ('ey', 'fz')), ((0, 0), (0, 1), (1, 0), (1, 1)))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..trace import trace_conv
from . import examples as ex

__all__ = ["EXAMPLES", "ComputationGraphFigure", "computation_graph_figure"]

# the notes' symbolic examples: name → (input, kernel), both 2-D arrays of names
EXAMPLES = {"figure1": lambda: (ex.FIGURE1_INPUT, ex.FIGURE1_KERNEL)}

Terms = tuple[tuple[str, ...], ...]     # one output's product terms, one tuple per kernel row


@dataclass(frozen=True)
class ComputationGraphFigure:
    """A symbolic input (H, W) and kernel (kh, kw) (strings), each output's terms ``terms[r][c]`` (one tuple
    per kernel row, e.g. ``(("aw", "bx"), ("ey", "fz"))``) and the input cells of the first output's patch."""
    x: np.ndarray
    weight: np.ndarray
    terms: tuple[tuple[Terms, ...], ...]
    patch: tuple[tuple[int, int], ...]

    @property
    def out_size(self) -> tuple[int, int]:
        return len(self.terms), len(self.terms[0])

    def expression(self, r: int, c: int) -> str:
        """Output (r, c) as one sum: ``"aw+bx+ey+fz"``."""
        return "+".join(term for row in self.terms[r][c] for term in row)


def computation_graph_figure(*, example: str = "figure1", x=None, weight=None) -> ComputationGraphFigure:
    """The symbolic example's expressions, from the symbolic trace (cross-correlation, stride 1, no padding).

    >>> fig = computation_graph_figure(x=np.array([["a", "b", "c"]]), weight=np.array([["w", "x"]]))
    >>> [fig.expression(0, c) for c in range(fig.out_size[1])]
    ['aw+bx', 'bw+cx']
    """
    if example not in EXAMPLES:
        raise ValueError(f"example must be one of {sorted(EXAMPLES)}, got {example!r}")
    ex_x, ex_w = EXAMPLES[example]()
    x = np.asarray(ex_x if x is None else x).astype(str)
    w = np.asarray(ex_w if weight is None else weight).astype(str)
    if x.ndim != 2 or w.ndim != 2:
        raise ValueError(f"x and weight must be 2-D arrays of names, got shapes {x.shape} and {w.shape}")
    trace = trace_conv(x[None], w[None, None])          # symbolic: totals are expressions
    oh, ow = trace.out_size
    kh = trace.kernel_size[0]
    terms = {}
    for step in trace:
        rows = tuple(tuple(tp.product for tp in step.taps if tp.kernel_index[1] == r) for r in range(kh))
        if "+".join(term for row in rows for term in row) != step.total:
            raise AssertionError(f"the terms of output {step.out_position} do not spell {step.total!r}")
        terms[step.out_position] = rows
    first = next(iter(trace))
    patch = tuple(tuple(int(v) for v in tp.position) for tp in first.taps)
    return ComputationGraphFigure(x, w, tuple(tuple(terms[(r, c)] for c in range(ow)) for r in range(oh)), patch)
