"""Builders of the conv-family figures (sliding window, padding, stride, dilation, multi-channel, transposed).

A builder takes the catalogue entry's parameters merged with the user's (``None`` meaning "not given"), fills
in the data (a notes example or seeded random integers), checks everything with the compute layer and returns
one frozen dataclass that the scene draws. Sizes follow the data when data is given.

>>> fig = conv_figure(example="gif3")
>>> fig.x.shape, fig.weight.shape, fig.stride, fig.padding
((1, 5, 5), (1, 1, 3, 3), 1, 0)
>>> conv_figure(in_size=6, kernel_size=3, stride=2, seed=1).x.shape
(1, 6, 6)
>>> conv_transpose_figure(in_size=3, kernel_size=3, stride=2, padding=1).weight.shape   # (C_in, C_out/groups, k)
(1, 1, 3, 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import ops
from ..shapes import ntuple
from ..trace import trace_conv, trace_conv_transpose
from . import examples as ex

# the notes' datasets a conv entry can name: example → (x, weight, bias)
EXAMPLES = {
    "gif3": lambda: (ex.GIF3_IMAGE[None], ex.GIF3_KERNEL[None, None], None),
    "gif1": lambda: (ex.GIF1_INPUT[None], ex.GIF1_KERNEL[None, None], None),
    "gif2": lambda: (ex.GIF2_X, ex.GIF2_W, ex.GIF2_B),
}
# parameters that change the data's shape: given any of them, an entry's example gives way to random data
SHAPE_KEYS = ("in_size", "kernel_size", "in_channels", "out_channels", "groups", "seed")


@dataclass(frozen=True)
class ConvFigure:
    """A 2-D convolution to draw: data (C, H, W), weight (C_out, C_in/groups, kh, kw), optional bias (C_out,)
    and the layer's arguments as PyTorch names them."""
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None = None
    stride: Any = 1
    padding: Any = 0
    dilation: Any = 1
    groups: int = 1
    weights_in_window: bool = True      # small ×w subscripts inside the sliding window

    def trace(self):
        """The step-by-step ``ConvTrace`` of this convolution (what the scene animates).

        >>> t = conv_figure(example="gif3").trace()
        >>> len(t), t.output.tolist()
        (9, [[[4, 3, 4], [2, 4, 3], [2, 3, 4]]])
        """
        return trace_conv(self.x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


@dataclass(frozen=True)
class TransposedFigure(ConvFigure):
    """A transposed convolution to draw; weight (C_in, C_out/groups, kh, kw). ``view``: scatter, gather or
    both."""
    output_padding: Any = 0
    view: str = "gather"

    def trace(self, view: str = "gather"):
        """The ``GatherTrace`` (``view='gather'``) or ``ScatterTrace`` (``'scatter'``) of this transposed conv.

        >>> fig = conv_transpose_figure(x=[[1, 2], [3, 4]], weight=[[1, 1], [1, 1]])
        >>> fig.trace("scatter").output.tolist(), len(fig.trace("gather"))
        ([[[1, 3, 2], [4, 10, 6], [3, 7, 4]]], 9)
        """
        return trace_conv_transpose(self.x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                    self.groups, self.dilation, view=view)


def conv_figure(*, x=None, weight=None, bias=None, in_size=None, kernel_size=None, stride=1, padding=0,
                dilation=1, groups=None, in_channels=None, out_channels=None, seed=None, example=None,
                weights_in_window=True) -> ConvFigure:
    """The data and arguments of one ``conv2d``: the named notes ``example`` unless a shape parameter is given,
    else ``x``/``weight`` as given, else seeded random integers; checked by ``convviz.ops.conv``.

    >>> fig = conv_figure(example="gif2", stride=2, padding=1)             # the notes' data: (C, H, W), 2 filters
    >>> fig.x.shape, fig.weight.shape, fig.bias.tolist()
    ((3, 5, 5), (2, 3, 3, 3), [1, 0])
    >>> conv_figure(example="gif2", in_channels=2, out_channels=3, in_size=4, seed=3).weight.shape   # random
    (3, 2, 3, 3)
    >>> conv_figure(x=[[1, 2], [3, 4]], weight=[[1]], padding="full")
    Traceback (most recent call last):
    ...
    ValueError: padding must be an int, 'same' or 'valid', got 'full'
    """
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise ValueError(f"padding must be an int, 'same' or 'valid', got {padding!r}")
    x, weight, bias, groups = _data(False, x, weight, bias, in_size, kernel_size, groups, in_channels,
                                    out_channels, seed, example)
    ops.conv(x, weight, bias, stride, padding, dilation, groups)
    return ConvFigure(x, weight, bias, stride, padding, dilation, groups, weights_in_window)


def conv_transpose_figure(*, x=None, weight=None, bias=None, in_size=None, kernel_size=None, stride=1, padding=0,
                          output_padding=0, dilation=1, groups=None, in_channels=None, out_channels=None,
                          seed=None, view="gather", weights_in_window=True) -> TransposedFigure:
    """The data and arguments of one ``conv_transpose2d``, checked by ``convviz.ops.conv_transpose``; weight
    (C_in, C_out/groups, kh, kw).

    >>> fig = conv_transpose_figure(in_size=3, kernel_size=3, stride=2, padding=1, view="both")
    >>> fig.x.shape, fig.weight.shape, fig.view, fig.output_padding
    ((1, 3, 3), (1, 1, 3, 3), 'both', 0)
    >>> conv_transpose_figure(in_size=3, stride=2, output_padding=2)
    Traceback (most recent call last):
    ...
    ValueError: output_padding must be smaller than stride or dilation, got output_padding=2, stride=2, dilation=1
    """
    if view not in ("scatter", "gather", "both"):
        raise ValueError(f"view must be scatter, gather or both, got {view!r}")
    x, weight, bias, groups = _data(True, x, weight, bias, in_size, kernel_size, groups, in_channels,
                                    out_channels, seed, None)
    ops.conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation)
    return TransposedFigure(x, weight, bias, stride, padding, dilation, groups, weights_in_window, output_padding,
                            view)


def _data(transposed, x, w, bias, in_size, kernel_size, groups, in_channels, out_channels, seed, example):
    """(x, weight, bias, groups): the example's, the user's, or seeded random data of the asked shape."""
    given = dict(in_size=in_size, kernel_size=kernel_size, in_channels=in_channels, out_channels=out_channels,
                 groups=groups, seed=seed)
    if example is not None and all(given[k] is None for k in SHAPE_KEYS):
        ex_x, ex_w, ex_b = EXAMPLES[example]()
        x = ex_x if x is None else x
        w = ex_w if w is None else w
        bias = ex_b if bias is None else bias
    groups = 1 if groups is None else int(groups)
    x = _input(x)
    w = _weight(w, transposed)
    c_in = x.shape[0] if x is not None else int(1 if in_channels is None else in_channels)
    if w is not None:
        c_out = w.shape[1] * groups if transposed else w.shape[0]
        k = tuple(w.shape[2:])
    else:
        c_out = int(1 if out_channels is None else out_channels)
        k = ntuple(3 if kernel_size is None else kernel_size, 2, "kernel_size", minimum=1)
    size = tuple(x.shape[1:]) if x is not None else ntuple(5 if in_size is None else in_size, 2, "in_size",
                                                            minimum=1)
    for name, v in (("in_channels", c_in), ("out_channels", c_out)):
        if v < 1:
            raise ValueError(f"{name} must be at least 1, got {v}")
    if x is None or w is None:
        rnd = ex.random_example(c_in, size, c_out, k, groups=groups if c_in % groups == 0 and c_out % groups == 0
                                else 1, seed=int(0 if seed is None else seed), transposed=transposed)
        x = rnd["x"] if x is None else x
        w = rnd["weight"] if w is None else w
    if bias is not None:
        bias = np.atleast_1d(np.asarray(bias))
    return x, w, bias, groups


def _input(x):
    if x is None:
        return None
    x = np.asarray(x)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"--input must be one 2-D slice (H, W) or a stack (C, H, W), got shape {x.shape}")
    return x


def _weight(w, transposed):
    if w is None:
        return None
    w = np.asarray(w)
    if w.ndim == 2:
        w = w[None, None]
    elif w.ndim == 3:          # (C_in/groups, kh, kw) for one filter, or (C_in, kh, kw) transposed
        w = w[None] if not transposed else w[:, None]
    if w.ndim != 4:
        raise ValueError(f"--weight must be a 2-D kernel or a 4-D weight, got shape {w.shape}")
    return w
