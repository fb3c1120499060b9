"""Layout helpers shared by the scenes: the usable part of Manim's frame, and the optional lines under a figure
(the output-size formula and the PyTorch call).

The frame is Manim's ``config.frame_width`` x ``config.frame_height`` (14.2 x 8 at 16:9) less a margin each side,
to 0.1 unit: the layout is then the same at every quality (an 854x480 frame is 0.01 unit wider than a 1280x720
one) and equals the round numbers the figures were designed with (13.4 = 14.2 − 2·0.4).
"""

from __future__ import annotations

from manim import config

from convviz.describe import pytorch_conv, pytorch_conv_transpose, size_formula, transpose_size_formula

from scenes.kit.widgets import FitText

EXTRA_LINE_SIZE = 20      # font size of the formula and PyTorch lines

# Figures of grids (conv2d, transposed) size everything from their cell: the digits fill DIGITS of it, labels and
# sum lines are as large as the digits, small text (legend, heading, formula lines) a little smaller, never
# below a floor; the row of grids is at most ROW_WIDTH wide (a notes column at the notes' density) and the sum
# wraps to the row's width instead of widening the figure.
ROW_WIDTH = 10.6          # grids side by side: at most this wide (scene units)
DIGITS = 0.45             # of a cell's height the digits fill (the original gif3: 0.48)
GAP_CELLS, MIN_GAP = 0.75, 0.35   # between grids in a row: 3/4 of a cell, at least MIN_GAP
LABEL_SCALE, SMALL_SCALE = 1.0, 0.85   # labels; legend, heading and formula lines: of the digits' font size
LABEL_MIN, SMALL_MIN, SUM_MIN = 22.0, 16.0, 16.0   # points, however small the cells
TEXT_LINE = 1.3           # a line of text takes this many em of height
POINTS_PER_UNIT, DIGIT_HEIGHT_EM = 72, 0.73        # 1 em = size/72 units; DejaVu digits are 0.73 em tall


def digits_size(cell: float) -> float:
    """The font size (points) whose digits fill ``DIGITS`` of a cell of side ``cell`` (scene units).

    >>> round(digits_size(0.8), 2)
    35.51
    """
    return DIGITS * cell * POINTS_PER_UNIT / DIGIT_HEIGHT_EM


def text_sizes(cell: float) -> dict[str, float]:
    """Font sizes of a grid figure's text for its cell size: labels, the sum line and small text (legend,
    heading, formula lines) follow the digits, never below a floor.

    >>> {k: round(v, 1) for k, v in text_sizes(0.62).items()}
    {'label': 27.5, 'sum': 27.5, 'small': 23.4}
    >>> text_sizes(0.2)["label"]
    22.0
    """
    d = digits_size(cell)
    return {"label": max(LABEL_MIN, d * LABEL_SCALE), "sum": max(SUM_MIN, d), "small": max(SMALL_MIN, d * SMALL_SCALE)}


def line_height(size: float) -> float:
    """Height a line of text of ``size`` points takes (scene units).

    >>> round(line_height(36), 2)
    0.65
    """
    return size / POINTS_PER_UNIT * TEXT_LINE


def grid_gap(cell: float) -> float:
    """The gap between grids in a row.

    >>> grid_gap(1.0), grid_gap(0.2)
    (0.75, 0.35)
    """
    return max(MIN_GAP, GAP_CELLS * cell)


def usable_width(margin: float) -> float:
    """The frame's width less ``margin`` scene units on the left and on the right, to 0.1 unit.

    >>> usable_width(0.4), usable_width(0.3), usable_width(0.6)       # at 16:9
    (13.4, 13.6, 13.0)
    """
    return round(config.frame_width - 2 * margin, 1)


def usable_height(margin: float) -> float:
    """The frame's height less ``margin`` scene units at the top and at the bottom, to 0.1 unit.

    >>> usable_height(0.25), usable_height(0.2)
    (7.5, 7.6)
    """
    return round(config.frame_height - 2 * margin, 1)


def extra_lines(scene, trace, max_width: float, padding=None, size: float = EXTRA_LINE_SIZE) -> list[FitText]:
    """The lines a scene's options ask for, each fitted to ``max_width``: with ``show_formula`` the output-size
    formula (one line per distinct dimension), with ``show_pytorch`` the layer as PyTorch builds it.

    ``trace`` is a ``ConvTrace`` (``padding``: the figure's padding argument as given, e.g. ``'same'``; default
    the trace's) or a transposed trace (``ScatterTrace`` / ``GatherTrace``: its ``geometry`` has the arguments).
    Each line's ``drawn`` is its text; ``size`` its font size (scaled down where a line would be wider).
    """
    geometry = getattr(trace, "geometry", None)
    bias = trace.bias is not None
    texts = []
    if scene.opts.show_formula:
        if geometry is None:
            texts += size_formula(trace.in_size, trace.kernel_size, trace.stride,
                                  trace.padding_arg if padding is None else padding, trace.dilation)
        else:
            g = geometry
            texts += transpose_size_formula(g.in_size, g.kernel_size, g.stride, g.padding, g.output_padding,
                                            g.dilation)
    if scene.opts.show_pytorch:
        if geometry is None:
            texts.append(pytorch_conv(trace.in_channels, trace.out_channels, trace.kernel_size, trace.stride,
                                      trace.padding_arg if padding is None else padding, trace.dilation,
                                      groups=trace.groups, bias=bias))
        else:
            g = geometry
            texts.append(pytorch_conv_transpose(trace.in_channels, trace.out_channels, g.kernel_size, g.stride,
                                                g.padding, g.output_padding, trace.groups, g.dilation, bias=bias))
    return [FitText(s, scene.text, max_width=max_width, size=size, color=scene.theme.muted)
            for s in texts]


__all__ = ["usable_width", "usable_height", "extra_lines", "EXTRA_LINE_SIZE", "digits_size", "text_sizes",
           "line_height", "grid_gap", "ROW_WIDTH", "DIGITS", "MIN_GAP", "POINTS_PER_UNIT"]
