"""Spatially separable convolution (figures 11 and 12): the factors of a rank-1 kernel, the two passes and the
multiplications each way. numpy only.

A k_h×k_w kernel that is the outer product of a column (k_h×1) and a row (1×k_w) can be applied as two passes:
the column pass (vertical, k_h multiplications per value) gives an intermediate image, the row pass (horizontal,
k_w multiplications per value) gives the same output as one pass with the full kernel (k_h·k_w per value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ops import as_numeric, conv, separable_conv2d, separate_kernel
from ..shapes import conv_output_size, ntuple

__all__ = ["SeparableMults", "separable_mults", "SeparableExample", "separable_example"]


@dataclass(frozen=True)
class SeparableMults:
    """Multiplications of one 2-D single-channel pass with the full kernel vs. the column pass then the row
    pass (no padding or stride tricks: every output value costs one multiplication per tap)."""
    kernel_size: tuple[int, int]           # (k_h, k_w)
    intermediate_size: tuple[int, int]     # output of the column pass
    out_size: tuple[int, int]              # output of either way
    full_per_output: int                   # k_h·k_w
    full_outputs: int                      # H_out·W_out
    column_per_output: int                 # k_h
    column_outputs: int                    # values of the intermediate image
    row_per_output: int                    # k_w
    row_outputs: int                       # values of the output

    @property
    def full(self) -> int:
        return self.full_per_output * self.full_outputs

    @property
    def column(self) -> int:
        return self.column_per_output * self.column_outputs

    @property
    def row(self) -> int:
        return self.row_per_output * self.row_outputs

    @property
    def separable(self) -> int:
        return self.column + self.row


def separable_mults(in_size, kernel_size, stride=1, padding=0, dilation=1) -> SeparableMults:
    """Multiplication counts for an ``in_size`` (H, W) image and a (k_h, k_w) kernel, one pass vs. two.

    The column pass uses stride/padding/dilation along H only, the row pass along W only (as
    :func:`convviz.ops.separable_conv2d` does).
    """
    h, w = ntuple(in_size, 2, "in_size", minimum=1)
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    sh, sw = ntuple(stride, 2, "stride", minimum=1)
    ph, pw = ntuple(padding, 2, "padding", minimum=0)
    dh, dw = ntuple(dilation, 2, "dilation", minimum=1)
    mid = (conv_output_size(h, kh, sh, ph, dh), w)
    out = (mid[0], conv_output_size(w, kw, sw, pw, dw))
    full_out = conv_output_size((h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw))
    if tuple(full_out) != out:
        raise AssertionError(f"two passes give {out}, one pass {tuple(full_out)}")
    return SeparableMults((kh, kw), mid, out, kh * kw, out[0] * out[1], kh, mid[0] * mid[1], kw,
                          out[0] * out[1])


@dataclass(frozen=True)
class SeparableExample:
    """Everything figure 12 draws: the image, the kernel's factors, both passes, the one-pass result (equal to
    the two-pass output) and the multiplication counts."""
    x: np.ndarray
    kernel: np.ndarray
    column: np.ndarray          # (k_h, 1)
    row: np.ndarray             # (1, k_w)
    intermediate: np.ndarray
    output: np.ndarray
    full_output: np.ndarray     # one pass with the full kernel
    mults: SeparableMults

    @property
    def matches(self) -> bool:
        return bool(np.allclose(self.output, self.full_output))


def separable_example(x, kernel) -> SeparableExample:
    """Factor ``kernel`` (rank 1), run the column pass then the row pass over the 2-D image ``x``."""
    x = as_numeric(x, "x")
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D image (H, W), got shape {x.shape}")
    k = as_numeric(kernel, "kernel")
    col, row = separate_kernel(k)
    mid, out = separable_conv2d(x, col, row)
    full = conv(x[None], k[None, None])[0]
    mults = separable_mults(x.shape, k.shape)
    return SeparableExample(x, k, np.asarray(col).reshape(-1, 1), np.asarray(row).reshape(1, -1), mid, out, full,
                            mults)


# -- builders (TEMPORARY pass-through stubs: to be replaced by typed figure dataclasses) --


def separable_kernel_figure(**params):
    from . import examples as ex
    return {**params, "kernel": {"sobel_x": ex.SOBEL_X}[params["kernel"]]}


def spatially_separable_figure(**params):
    from . import examples as ex
    return {**params, "kernel": {"sobel_x": ex.SOBEL_X}[params["kernel"]]}
