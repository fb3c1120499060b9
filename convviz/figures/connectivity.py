"""Connectivity of a layer: who reaches whom, and how many weights it takes (§4 of the notes: figure3, figure4).

Edges are ``(j, i)`` pairs, 0-based: input ``j`` feeds output ``i``; a layer's edges are the non-zeros of the
matrix ``M`` with ``y = M @ x`` (rows = outputs, columns = inputs). For a convolution that matrix comes from
``ops.conv_matrix``, so the drawn edges are the convolution's own sparsity pattern, not a rule typed again.
numpy only.

Builders: ``sparse_connectivity_figure`` → :class:`SparseConnectivityFigure` (figure3),
``weight_sharing_figure`` → :class:`WeightSharingFigure` (figure4).

>>> fig = sparse_connectivity_figure(n=5, kernel_size=3, highlight=3)
>>> fig.conv.edges[:4]
((0, 0), (0, 1), (1, 0), (1, 1))
>>> weight_sharing_figure(in_size=6, kernel_size=3, stride=3).sharing.windows
((0, 0), (0, 3), (3, 0), (3, 3))
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from .. import ops
from ..shapes import conv_output_size, ntuple
from . import examples as ex

__all__ = ["Edge", "matrix_edges", "dense_matrix", "conv1d_matrix", "reached", "WeightSharing",
           "locally_connected_params", "weight_sharing", "ConnectivityPanel", "SparseConnectivityFigure",
           "sparse_connectivity_figure", "WeightSharingFigure", "weight_sharing_figure"]

Edge = tuple[int, int]


def matrix_edges(m) -> list[Edge]:
    """The non-zeros of ``m`` (outputs × inputs) as ``(input j, output i)`` pairs, sorted by input then output."""
    m = np.asarray(m)
    if m.ndim != 2:
        raise ValueError(f"a connectivity matrix must be 2-D, got shape {m.shape}")
    rows, cols = np.nonzero(m)
    return sorted((int(j), int(i)) for i, j in zip(rows, cols))


def dense_matrix(n_in: int, n_out: int) -> np.ndarray:
    """A fully connected layer's pattern (one weight per input-output pair): ``y = W x`` with W (n_out, n_in)."""
    ntuple((n_in, n_out), 2, "size", minimum=1)
    return np.ones((n_out, n_in), dtype=np.int64)


def conv1d_matrix(n: int, kernel_size: int, padding=0, stride: int = 1, dilation: int = 1) -> np.ndarray:
    """The matrix of a 1-D, one-channel convolution on ``n`` inputs: ``conv(x).ravel() == M @ x``.

    The weight holds the tap positions 1..k (never zero), so ``M[i, j]`` says which tap joins input ``j`` to
    output ``i`` (0 where they are not connected) and every non-zero is an edge.
    """
    k = ntuple(kernel_size, 1, "kernel_size", minimum=1)[0]
    ntuple(n, 1, "n", minimum=1)
    taps = np.arange(1, k + 1, dtype=np.int64).reshape(1, 1, k)
    return ops.conv_matrix((1, n), taps, stride=stride, padding=padding, dilation=dilation)


def reached(edges, j: int) -> list[int]:
    """The outputs that input ``j`` feeds."""
    return sorted({i for jj, i in edges if jj == j})


# ------------------------------------------------------------------------------------------ weight sharing
def locally_connected_params(in_size, kernel_size, stride=1, padding=0, in_channels: int = 1,
                             out_channels: int = 1) -> int:
    """Weights of a locally connected layer (a conv whose kernel is NOT shared): every output position has its
    own ``C_out · C_in · Πk`` weights, so the count is the conv's ``conv_params`` times the output positions."""
    nd = len(in_size) if isinstance(in_size, (tuple, list)) else 2
    o = conv_output_size(in_size, kernel_size, stride, padding)
    o = o if isinstance(o, tuple) else (o,) * nd
    k = ntuple(kernel_size, nd, "kernel_size", minimum=1)
    return prod(o) * ops.conv_params(in_channels, out_channels, k)


@dataclass(frozen=True)
class WeightSharing:
    in_size: tuple[int, int]
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    out_size: tuple[int, int]
    windows: tuple[tuple[int, int], ...]   # top-left input cell of each output's window, row-major
    per_position: int                      # weights of one window (one kernel)
    locally_connected: int                 # every position its own kernel
    shared: int                            # one kernel for every position
    overlapping: bool                      # do neighbouring windows share input cells?


def weight_sharing(in_size=6, kernel_size=3, stride=None) -> WeightSharing:
    """figure4's numbers: the windows of a 2-D one-channel layer and its weight counts with and without sharing.

    ``stride=None`` means stride = kernel size: non-overlapping blocks, as in the notes' figure.
    """
    i = ntuple(in_size, 2, "in_size", minimum=1)
    k = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    s = k if stride is None else ntuple(stride, 2, "stride", minimum=1)
    o = conv_output_size(i, k, s)
    windows = tuple((r * s[0], c * s[1]) for r in range(o[0]) for c in range(o[1]))
    return WeightSharing(i, k, s, o, windows, ops.conv_params(1, 1, k), locally_connected_params(i, k, s),
                         ops.conv_params(1, 1, k), any(s[a] < k[a] for a in range(2)))


# ------------------------------------------------------------------------------------------------ builders
@dataclass(frozen=True)
class ConnectivityPanel:
    """One layer of figure3: its matrix (outputs × inputs; a convolution's entries are its tap numbers 1..k),
    the edges (non-zeros), the outputs the highlighted input reaches and the weights the layer has."""
    key: str                        # "dense" or "conv"
    matrix: np.ndarray
    edges: tuple[Edge, ...]
    reached: tuple[int, ...]        # outputs the highlighted input feeds, 0-based
    weights: int                    # distinct weights: one per edge when dense, the k shared taps for a conv

    @property
    def nonzeros(self) -> int:
        return len(self.edges)


@dataclass(frozen=True)
class SparseConnectivityFigure:
    """figure3: a fully connected layer and a 'same'-size 1-D convolution on ``n`` inputs, one input
    highlighted (``focus``, 0-based; the catalogue's ``highlight`` counts from 1 like x3)."""
    n: int
    kernel_size: int
    padding: int                    # (k − 1) // 2: n outputs for an odd kernel
    focus: int
    dense: ConnectivityPanel
    conv: ConnectivityPanel


def _panel(key: str, m: np.ndarray, focus: int, weights: int) -> ConnectivityPanel:
    edges = tuple(matrix_edges(m))
    return ConnectivityPanel(key, m, edges, tuple(reached(edges, focus)), weights)


def sparse_connectivity_figure(*, n: int = 5, kernel_size: int = 3, highlight: int = 3) -> SparseConnectivityFigure:
    """figure3's two layers from their matrices (the convolution's from ``ops.conv_matrix``).

    >>> fig = sparse_connectivity_figure(n=5, kernel_size=3, highlight=3)
    >>> fig.focus, fig.padding, [i + 1 for i in fig.conv.reached], [i + 1 for i in fig.dense.reached]
    (2, 1, [2, 3, 4], [1, 2, 3, 4, 5])
    >>> fig.dense.nonzeros, fig.dense.weights, fig.conv.nonzeros, fig.conv.weights
    (25, 25, 13, 3)
    """
    (n,) = ntuple(n, 1, "n", minimum=1)
    (k,) = ntuple(kernel_size, 1, "kernel_size", minimum=1)
    (h,) = ntuple(highlight, 1, "highlight", minimum=1)
    if h > n:
        raise ValueError(f"highlight must be an input 1..{n}, got {h}")
    focus, pad = h - 1, (k - 1) // 2
    dense = dense_matrix(n, n)
    conv = conv1d_matrix(n, k, padding=pad)
    return SparseConnectivityFigure(n, k, pad, focus, _panel("dense", dense, focus, int(np.count_nonzero(dense))),
                                    _panel("conv", conv, focus, len({int(v) for v in conv[conv != 0]})))


@dataclass(frozen=True)
class WeightSharingFigure:
    """figure4: the windows and weight counts (``sharing``) and the symbols drawn: the input x11.., one kernel
    per window (a11.., b11.., …; the shared layer uses the first), the outputs F1.. of the locally connected
    layer and F11.. of the convolution."""
    sharing: WeightSharing
    x: np.ndarray                       # (H, W) symbols
    kernels: tuple[np.ndarray, ...]     # (kh, kw) symbols, one per window, row-major
    local_outputs: np.ndarray           # (H_out, W_out): F1, F2, …
    shared_outputs: np.ndarray          # (H_out, W_out): F11, F12, …

    @property
    def positions(self) -> int:
        return len(self.sharing.windows)

    @property
    def shared_kernel(self) -> np.ndarray:
        return self.kernels[0]

    def window_cells(self, n: int) -> list[tuple[int, int]]:
        """The input cells of window ``n``, row-major."""
        (r0, c0), (kh, kw) = self.sharing.windows[n], self.sharing.kernel_size
        return [(r0 + a, c0 + b) for a in range(kh) for b in range(kw)]


def weight_sharing_figure(*, in_size=6, kernel_size=3, stride=None) -> WeightSharingFigure:
    """figure4's numbers (:func:`weight_sharing`) and symbols.

    >>> fig = weight_sharing_figure(in_size=6, kernel_size=3, stride=3)
    >>> fig.positions, fig.sharing.locally_connected, fig.sharing.shared, str(fig.kernels[1][0, 0]), str(fig.x[5, 5])
    (4, 36, 9, 'b11', 'x66')
    >>> fig.local_outputs.tolist(), fig.shared_outputs.tolist()
    ([['F1', 'F2'], ['F3', 'F4']], [['F11', 'F12'], ['F21', 'F22']])
    >>> fig.window_cells(3)[:2]
    [(3, 3), (3, 4)]
    """
    ws = weight_sharing(in_size, kernel_size, stride)
    oh, ow = ws.out_size
    names = ex.letters((len(ws.windows),))
    kernels = tuple(ex.symbols(name, ws.kernel_size) for name in names)
    local = np.array([[f"F{r * ow + c + 1}" for c in range(ow)] for r in range(oh)])
    shared = np.array([[f"F{r + 1}{c + 1}" for c in range(ow)] for r in range(oh)])
    return WeightSharingFigure(ws, ex.symbols("x", ws.in_size), kernels, local, shared)
