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


def extra_lines(scene, trace, max_width: float, padding=None) -> list[FitText]:
    """The lines a scene's options ask for, each fitted to ``max_width``: with ``show_formula`` the output-size
    formula (one line per distinct dimension), with ``show_pytorch`` the layer as PyTorch builds it.

    ``trace`` is a ``ConvTrace`` (``padding``: the figure's padding argument as given, e.g. ``'same'``; default
    the trace's) or a transposed trace (``ScatterTrace`` / ``GatherTrace``: its ``geometry`` has the arguments).
    Each line's ``drawn`` is its text.
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
    return [FitText(s, scene.text, max_width=max_width, size=EXTRA_LINE_SIZE, color=scene.theme.muted)
            for s in texts]


__all__ = ["usable_width", "usable_height", "extra_lines", "EXTRA_LINE_SIZE"]
