"""Connectivity of a layer: who reaches whom, and how many weights it takes (§4 of the notes: figure3, figure4).

Edges are ``(j, i)`` pairs, 0-based: input ``j`` feeds output ``i``; a layer's edges are the non-zeros of the
matrix ``M`` with ``y = M @ x`` (rows = outputs, columns = inputs). For a convolution that matrix comes from
``ops.conv_matrix``, so the drawn edges are the convolution's own sparsity pattern, not a rule typed again.
numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from .. import ops
from ..shapes import conv_output_size, ntuple

__all__ = ["Edge", "matrix_edges", "dense_matrix", "conv1d_matrix", "reached", "WeightSharing",
           "locally_connected_params", "weight_sharing"]

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


# -- builders (TEMPORARY pass-through stubs: to be replaced by typed figure dataclasses) --


def sparse_connectivity_figure(**params):
    return dict(params)


def weight_sharing_figure(**params):
    return dict(params)
