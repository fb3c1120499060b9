"""Spatially separable convolution (figures 11 and 12): the factors of a rank-1 kernel, the two passes and the
multiplications each way. numpy only.

A k_h×k_w kernel that is the outer product of a column (k_h×1) and a row (1×k_w) can be applied as two passes:
the column pass (vertical, k_h multiplications per value) gives an intermediate image, the row pass (horizontal,
k_w multiplications per value) gives the same output as one pass with the full kernel (k_h·k_w per value).

Builders: ``separable_kernel_figure`` → :class:`SeparableKernelFigure` (figure11), ``spatially_separable_figure``
→ :class:`SeparableExample` (figure12).

>>> separable_kernel_figure(kernel="sobel_x").column.ravel().tolist()
[1, 2, 1]
>>> spatially_separable_figure(in_size=5, kernel="sobel_x", seed=12).first_windows
([(0, 0), (1, 0), (2, 0)], [(0, 0), (0, 1), (0, 2)])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ops import as_numeric, conv, separable_conv2d, separate_kernel
from ..shapes import conv_output_size, ntuple
from . import examples as ex

__all__ = ["SeparableMults", "separable_mults", "SeparableExample", "separable_example", "KERNELS", "named_kernel",
           "kernel_name", "SeparableKernelFigure", "separable_kernel_figure", "spatially_separable_figure"]


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

    @property
    def first_windows(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The cells under the first window of each pass: the column on the input, the row on the
        intermediate."""
        kh, kw = self.column.shape[0], self.row.shape[1]
        return [(i, 0) for i in range(kh)], [(0, j) for j in range(kw)]


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


# ------------------------------------------------------------------------------------------------ builders
# kernels an entry can name
KERNELS = {"sobel_x": ex.SOBEL_X, "sobel_y": ex.SOBEL_Y}


def named_kernel(kernel) -> np.ndarray:
    """``kernel`` as an array: a name of :data:`KERNELS` (``"sobel_x"``) or the values themselves.

    >>> named_kernel("sobel_x").tolist()
    [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    """
    if isinstance(kernel, str):
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {sorted(KERNELS)} or an array, got {kernel!r}")
        return KERNELS[kernel]
    return np.asarray(kernel)


def kernel_name(kernel) -> str | None:
    """The notes' name of a kernel (Sobel X, …) when it is one of ``examples.FEATURE_KERNELS``.

    >>> kernel_name(ex.SOBEL_Y), kernel_name(np.ones((3, 3)))
    ('Sobel Y', None)
    """
    k = np.asarray(kernel)
    for name, ref in ex.FEATURE_KERNELS.items():
        if ref.shape == k.shape and np.array_equal(ref, k):
            return name
    return None


@dataclass(frozen=True)
class SeparableKernelFigure:
    """figure11: a rank-1 kernel, its column and row factors, its name (None for an unnamed kernel) and the
    entry whose product the figure writes out (the first of largest |value|)."""
    kernel: np.ndarray          # (k_h, k_w)
    column: np.ndarray          # (k_h, 1)
    row: np.ndarray             # (1, k_w)
    name: str | None
    marked: tuple[int, int]


def separable_kernel_figure(*, kernel="sobel_x") -> SeparableKernelFigure:
    """figure11's kernel (a name of :data:`KERNELS` or a 2-D array) as column × row.

    >>> fig = separable_kernel_figure(kernel="sobel_x")
    >>> fig.name, fig.column.ravel().tolist(), fig.row.ravel().tolist(), fig.marked
    ('Sobel X', [1, 2, 1], [-1, 0, 1], (1, 0))
    """
    k = named_kernel(kernel)
    col, row = separate_kernel(k)
    r, c = divmod(int(np.argmax(np.abs(k).reshape(-1))), k.shape[1])
    return SeparableKernelFigure(k, np.asarray(col).reshape(-1, 1), np.asarray(row).reshape(1, -1),
                                 kernel_name(k), (r, c))


def spatially_separable_figure(*, in_size=5, kernel="sobel_x", seed: int = 0) -> SeparableExample:
    """figure12: seeded integers 0..3 (``examples.random_ints``) of ``in_size`` through the column pass and the
    row pass of ``kernel`` (a name of :data:`KERNELS` or a rank-1 array).

    >>> fig = spatially_separable_figure(in_size=5, kernel="sobel_x", seed=12)
    >>> fig.x.shape, fig.intermediate.shape, fig.output.shape, fig.matches, (fig.mults.full, fig.mults.separable)
    ((5, 5), (3, 5), (3, 3), True, (81, 72))
    """
    size = ntuple(in_size, 2, "in_size", minimum=1)
    return separable_example(ex.random_ints(size, seed=int(seed)), named_kernel(kernel))
