"""Convolutions in numpy with PyTorch's semantics and argument names.

Tensors are ``(C, *spatial)`` (unbatched) or ``(N, C, *spatial)`` (batched); the weight's rank picks 1-D, 2-D or
3-D. All functions are vectorised (no Python loop per output element) and keep integer dtypes, so integer
data gives exact integer results.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd, prod

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .limits import check_allocation
from .shapes import conv_output_length, conv_transpose_output_size, ntuple, resolve_padding

__all__ = [
    "conv", "conv1d", "conv2d", "conv3d", "true_conv", "conv_transpose", "conv_transpose_geometry",
    "expand_for_transpose", "transpose_weight_as_conv", "conv_matrix", "deform_conv2d", "depthwise_separable",
    "separate_kernel", "separable_conv2d", "conv_params", "conv_macs", "separable_counts", "pad_input",
]


# ----------------------------------------------------------------------------------------------- validation
def as_numeric(a, name: str, allow_none: bool = False) -> np.ndarray | None:
    """``a`` as a numeric ndarray; ``TypeError`` for non-numbers, ``ValueError`` for nan/inf.

    Booleans become 0/1 and every integer dtype becomes int64, so that sums of products are exact (small integer
    types would wrap around); floats are kept as they are.

    Args:
        a: array-like of any shape, or None
        name: the parameter's name, used in error messages
        allow_none: return None for ``a=None`` instead of raising. Default: False

    Returns:
        ndarray of the same shape (int64 or a float dtype), or None.

    Raises:
        TypeError: ``a`` is None (unless ``allow_none``) or does not hold numbers (strings, objects)
        ValueError: a float array contains nan or inf

    Examples:
        >>> as_numeric(np.array([1, 2], dtype=np.uint8), "x").dtype
        dtype('int64')
        >>> as_numeric([True, False], "mask").tolist()
        [1, 0]
        >>> as_numeric(None, "bias", allow_none=True) is None
        True
        >>> as_numeric(["a"], "x")
        Traceback (most recent call last):
        ...
        TypeError: x must hold numbers, got dtype <U1
        >>> as_numeric([np.nan], "x")
        Traceback (most recent call last):
        ...
        ValueError: x must be finite: it contains nan or inf
    """
    if a is None:
        if allow_none:
            return None
        raise TypeError(f"{name} is required, got None")
    arr = np.asarray(a)
    if arr.dtype == object:
        arr = _object_numbers(arr, name)
    if arr.dtype == bool:
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > INT64_MAX:
        raise ValueError(f"{name} holds {int(arr.max())} at {_index_of(arr, arr.argmax())}, which does not fit int64 "
                         "(integers are computed exactly in int64); use smaller values or floats")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite: it contains nan or inf")
    if arr.dtype.kind in "iu" and arr.dtype != np.int64:
        check_allocation(arr.shape, 8, f"{name} as int64", "use a smaller array")
        arr = arr.astype(np.int64)          # exact sums: small integer types would wrap around
    return arr


INT64_MAX = 2 ** 63 - 1


def _index_of(arr: np.ndarray, flat: int) -> list[int]:
    return [int(i) for i in np.unravel_index(int(flat), arr.shape)] if arr.ndim else []


def _object_numbers(arr: np.ndarray, name: str) -> np.ndarray:
    """An object array of Python numbers (what ``np.asarray`` makes of ints beyond int64) as int64 or float64;
    an int that does not fit int64 is a ``ValueError`` naming it (never wrapped round or rounded)."""
    items = arr.reshape(-1).tolist()
    if not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
               for v in items):
        return arr                                   # strings, objects: the caller's TypeError
    for i, v in enumerate(items):
        if isinstance(v, (int, np.integer)) and not -INT64_MAX - 1 <= int(v) <= INT64_MAX:
            raise ValueError(f"{name} holds {int(v)} at {_index_of(arr, i)}, which does not fit int64 (integers are "
                             "computed exactly in int64); use smaller values or floats")
    kind = np.float64 if any(isinstance(v, (float, np.floating)) for v in items) else np.int64
    return np.array(items, dtype=kind).reshape(arr.shape)


def _abs_max(a: np.ndarray | None) -> int:
    """max |a| as a Python int (exact; ``np.abs`` of int64's minimum would wrap)."""
    if a is None or a.size == 0:
        return 0
    return max(abs(int(a.max())), abs(int(a.min())))


def _exact_int_sums(out: np.ndarray, where: str) -> np.ndarray:
    """Python-int results (object array) as int64, or a ``ValueError`` naming the first that does not fit."""
    flat = out.reshape(-1)
    for i, v in enumerate(flat.tolist()):
        if not -INT64_MAX - 1 <= v <= INT64_MAX:
            raise ValueError(f"{where}: the sum at output index {_index_of(out, i)} is {v}, which does not fit int64; "
                             "use smaller values (or floats, which round)")
    return out.astype(np.int64)


def _check_finite_result(out: np.ndarray, where: str) -> None:
    if out.dtype.kind == "f" and out.size and not np.isfinite(out).all():
        idx = _index_of(out, int(np.argmin(np.isfinite(out))))
        raise ValueError(f"{where}: the result at output index {idx} overflows {out.dtype} (it would be inf or nan); "
                         "use smaller values")


@dataclass(frozen=True)
class ConvSetup:
    """Validated arguments of a (transposed) convolution, batched as (N, C, *spatial).

    Attributes:
        x: input (N, C_in, *spatial) as a numeric array (a batch of one if the input was unbatched)
        weight: (C_out, C_in/groups, *k), or (C_in, C_out/groups, *k) for a transposed conv
        bias: (C_out,) or None
        batched: whether the input had a batch dimension (the output gets one back only if it did)
        nd: number of spatial dimensions (1, 2 or 3), from the weight's rank
        kernel_size, stride, dilation: one int per spatial dimension
        groups: number of channel groups

    Examples:
        >>> s = setup(np.arange(16).reshape(1, 4, 4), np.ones((2, 1, 3, 3)), None, stride=2, dilation=1, groups=1)
        >>> s.x.shape, s.batched, s.nd, s.kernel_size, s.stride, s.dilation
        ((1, 1, 4, 4), False, 2, (3, 3), (2, 2), (1, 1))
    """
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    batched: bool
    nd: int
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int


def _batched(x: np.ndarray, nd: int, weight_shape, name: str = "x") -> tuple[np.ndarray, bool]:
    if x.ndim == nd + 1:
        return x[None], False
    if x.ndim == nd + 2:
        return x, True
    raise ValueError(
        f"{name} must be (C, *spatial) or (N, C, *spatial) with {nd} spatial dimension(s) to match a weight of "
        f"shape {tuple(weight_shape)}, got shape {x.shape}")


def setup(x, weight, bias, stride, dilation, groups, transposed: bool = False) -> ConvSetup:
    """Check and normalise the arguments of ``conv``/``conv_transpose`` into a ``ConvSetup``.

    Args:
        x: input (C_in, *spatial) or (N, C_in, *spatial); the weight's rank fixes the number of spatial dimensions
        weight: (C_out, C_in/groups, *k), or (C_in, C_out/groups, *k) when ``transposed``; rank 3, 4 or 5
        bias: (C_out,) or None
        stride: int or tuple, one per spatial dimension, each at least 1
        dilation: int or tuple, one per spatial dimension, each at least 1
        groups: int, at least 1, dividing C_in (and C_out)
        transposed: read the weight as a transposed conv weight. Default: False

    Returns:
        ConvSetup with ``x`` batched (N, C_in, *spatial) and stride/dilation as tuples.

    Raises:
        TypeError: non-numeric arrays, None for x or weight, a non-int ``groups``, non-int stride/dilation
        ValueError: nan/inf; a weight rank other than 3-5 or a zero-sized kernel; x's rank not matching the weight;
            ``groups`` < 1 or not dividing the channels; C_in not matching the weight; bias not (C_out,);
            stride/dilation < 1

    Examples:
        >>> s = setup(np.arange(8).reshape(2, 4), np.ones((2, 3, 3)), None, 1, 1, 1, transposed=True)
        >>> s.x.shape, s.nd, s.batched                  # (C_in, L) with a (C_in, C_out/groups, k) weight
        ((1, 2, 4), 1, False)
        >>> setup(np.arange(27).reshape(3, 3, 3), np.ones((3, 1, 3, 3)), None, 1, 1, groups=2)
        Traceback (most recent call last):
        ...
        ValueError: groups=2 must divide the input channels, got C_in=3
        >>> setup(np.arange(16).reshape(1, 4, 4), np.ones((1, 1, 3, 3)), [1, 2], 1, 1, 1)
        Traceback (most recent call last):
        ...
        ValueError: bias must have shape (C_out,) = (1,), got (2,)
    """
    weight = as_numeric(weight, "weight")
    if weight.ndim not in (3, 4, 5):
        raise ValueError(
            f"weight must have rank 3, 4 or 5 ({'C_in, C_out/groups' if transposed else 'C_out, C_in/groups'}, "
            f"*kernel) for a 1-D, 2-D or 3-D convolution, got rank {weight.ndim} (shape {weight.shape})")
    nd = weight.ndim - 2
    x = as_numeric(x, "x")
    x, batched = _batched(x, nd, weight.shape)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"groups must be an int, got {groups!r}")
    groups = int(groups)
    if groups < 1:
        raise ValueError(f"groups must be at least 1, got {groups}")
    c_in = x.shape[1]
    if any(k < 1 for k in weight.shape):
        raise ValueError(f"kernel_size must be at least 1 in every dimension, got weight shape {weight.shape}")
    if c_in % groups:
        raise ValueError(f"groups={groups} must divide the input channels, got C_in={c_in}")
    if transposed:
        if weight.shape[0] != c_in:
            raise ValueError(
                f"weight: a transposed conv weight is (C_in, C_out/groups, *k); its first dimension "
                f"{weight.shape[0]} does not match the input's C_in={c_in}")
        c_out = weight.shape[1] * groups
    else:
        if weight.shape[1] * groups != c_in:
            raise ValueError(
                f"weight: expected C_in/groups = {c_in}/{groups} = {c_in // groups} input channels per group "
                f"(weight.shape[1]), got {weight.shape[1]} (weight shape {weight.shape}, x shape {x.shape})")
        c_out = weight.shape[0]
        if c_out % groups:
            raise ValueError(f"groups={groups} must divide the output channels, got C_out={c_out}")
    if bias is not None:
        bias = as_numeric(bias, "bias")
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape (C_out,) = ({c_out},), got {bias.shape}")
    return ConvSetup(x, weight, bias, batched, nd, tuple(weight.shape[2:]),
                     ntuple(stride, nd, "stride", minimum=1), ntuple(dilation, nd, "dilation", minimum=1), groups)


def pad_input(x: np.ndarray, pads) -> np.ndarray:
    """Zero-pad the trailing ``len(pads)`` axes by ``(before, after)`` each.

    Leading axes (batch, channels) are not padded.

    Args:
        x: array (..., *spatial)
        pads: one ``(before, after)`` pair of non-negative ints per trailing axis, as ``shapes.resolve_padding``
            returns

    Returns:
        ndarray (..., *padded spatial) of the same dtype.

    Examples:
        >>> pad_input(np.array([[1, 2, 3]]), ((2, 1),)).tolist()                # (C, L): two zeros before, one after
        [[0, 0, 1, 2, 3, 0]]
        >>> pad_input(np.arange(4).reshape(1, 2, 2), ((1, 0), (0, 1))).tolist()  # a row on top, a column on the right
        [[[0, 0, 0], [0, 1, 0], [2, 3, 0]]]
    """
    x = np.asarray(x)
    lead = [(0, 0)] * (x.ndim - len(pads))
    padded = x.shape[:x.ndim - len(pads)] + tuple(n + int(a) + int(b) for n, (a, b) in zip(x.shape[x.ndim - len(pads):], pads))
    check_allocation(padded, x.dtype.itemsize, "the padded input", "use less padding or a smaller input")
    return np.pad(x, lead + [tuple(p) for p in pads])


# ------------------------------------------------------------------------------------------------ conv core
def _result_dtype(*arrays):
    return np.result_type(*[a for a in arrays if a is not None])


def _grouped_contract(cols: np.ndarray, weight: np.ndarray, groups: int, out_spatial) -> np.ndarray:
    """cols (N, C_in, *k, *out) · weight (C_out, C_in/g, *k) → (N, C_out, *out), channel groups contiguous."""
    n, c_in = cols.shape[:2]
    k = weight.shape[2:]
    c_out, cg = weight.shape[:2]
    og = c_out // groups
    kk, pp = prod(k), prod(out_spatial)
    cols = cols.reshape(n, groups, cg * kk, pp).transpose(0, 1, 3, 2)          # (N, G, P, Cg·K)
    w = weight.reshape(groups, og, cg * kk).transpose(0, 2, 1)                 # (G, Cg·K, Og)
    if cols.dtype.kind == "i" and w.dtype.kind == "i" and cols.size and w.size:
        # BLAS has no integer matmul; float64 is exact while every partial sum stays below 2^53
        bound = float(np.abs(cols).max()) * float(np.abs(w).max()) * (cg * kk)
        if bound < 2.0 ** 52:
            out = np.rint(np.matmul(cols.astype(np.float64), w.astype(np.float64))).astype(np.int64)
        else:
            out = np.matmul(cols, w)
    else:
        out = np.matmul(cols, w)                                               # (N, G, P, Og)
    return out.transpose(0, 1, 3, 2).reshape((n, c_out) + tuple(out_spatial))


def conv(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, true_conv: bool = False) -> np.ndarray:
    """N-d convolution exactly like ``torch.nn.functional.conv{1,2,3}d`` (a cross-correlation).

    ``true_conv=True`` flips the kernel in every spatial dimension first: the textbook convolution
    S(i,j) = Σ I(m,n)·K(i−m, j−n) evaluated at the positions of the cross-correlation.

    Each output value is ``bias[c_out]`` plus the sum, over the C_in/groups channels of its group and the taps t of
    the kernel, of ``x[c, o·stride − padding + t·dilation] · weight[c_out, c, t]`` (zero outside the input).

    Args:
        x: input (C_in, *spatial) or (N, C_in, *spatial): (C_in, L), (C_in, H, W) or (C_in, D, H, W), batched or not
        weight: filters (C_out, C_in/groups, *k); its rank (3, 4 or 5) picks 1-D, 2-D or 3-D
        bias: optional bias (C_out,). Default: None
        stride: int or tuple (one per spatial dimension). Default: 1
        padding: int or tuple (zeros on both sides), ``'valid'`` (none) or ``'same'`` (output size equals the
            input; stride 1 only; the odd cell goes at the end). Default: 0
        dilation: spacing between kernel taps, int or tuple. Default: 1
        groups: split the input and output channels into this many groups. Default: 1
        true_conv: flip the kernel in every spatial dimension first. Default: False

    Returns:
        (C_out, *out) or (N, C_out, *out), batched like ``x``, with ``out`` from ``shapes.conv_output_length``;
        integer inputs give exact int64 results.

    Raises:
        TypeError: non-numeric arrays; non-int groups, stride, padding or dilation
        ValueError: nan/inf; a weight rank other than 3-5; x's rank not matching the weight; channels not matching
            C_in/groups or not divisible by ``groups``; bias not (C_out,); stride/dilation < 1; negative padding;
            ``'same'`` with a stride > 1; a dilated kernel larger than the padded input

    Examples:
        >>> x = np.arange(16).reshape(1, 4, 4)          # (C_in, H, W)
        >>> w = np.ones((1, 1, 3, 3), dtype=int)        # (C_out, C_in, kh, kw): the sum of each 3x3 window
        >>> conv(x, w).tolist()                         # 0+1+2+4+5+6+8+9+10 = 45
        [[[45, 54], [81, 90]]]
        >>> conv(x, w, stride=2, padding=1).tolist()    # top-left window: 0+1+4+5 = 10 (the rest is padding)
        [[[10, 24], [51, 90]]]
        >>> conv(x, w, padding="same").shape            # same padding: the output size equals the input's
        (1, 4, 4)
        >>> conv(x[None], w, bias=[10]).tolist()        # batched (N, C_in, H, W), bias added
        [[[[55, 64], [91, 100]]]]
        >>> conv(np.arange(18).reshape(2, 3, 3), np.ones((2, 1, 2, 2), int), groups=2).tolist()  # one channel each
        [[[8, 12], [20, 24]], [[44, 48], [56, 60]]]
        >>> conv(np.array([[0, 1, 2, 3, 4]]), np.array([[[1, 2, 3]]]), true_conv=True).tolist()  # kernel [3, 2, 1]
        [[4, 10, 16]]
        >>> conv(x, w, padding="same", stride=2)
        Traceback (most recent call last):
        ...
        ValueError: padding='same' needs stride 1 in every dimension, got stride=(2, 2)
    """
    s = setup(x, weight, bias, stride, dilation, groups)
    w = s.weight
    if true_conv:
        w = w[(slice(None), slice(None)) + (slice(None, None, -1),) * s.nd]
    pads = resolve_padding(padding, s.kernel_size, s.dilation, s.stride)
    spatial = s.x.shape[2:]
    out_size = tuple(conv_output_length(spatial[a], s.kernel_size[a], s.stride[a], pads[a], s.dilation[a],
                                        a if s.nd > 1 else None) for a in range(s.nd))
    xp = pad_input(s.x, pads)
    span = tuple(d * (k - 1) + 1 for k, d in zip(s.kernel_size, s.dilation))
    win = sliding_window_view(xp, span, axis=tuple(range(2, 2 + s.nd)))      # (N, C, *L, *span)
    sel = (slice(None), slice(None))
    sel += tuple(slice(0, (o - 1) * st + 1, st) for o, st in zip(out_size, s.stride))
    sel += tuple(slice(None, None, d) for d in s.dilation)
    win = win[sel]                                                              # (N, C, *out, *k)
    nd = s.nd
    perm = (0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd))
    cols = win.transpose(perm)                                                  # (N, C, *k, *out)
    out = _sums(cols, w, s.x, s.bias, s.groups, out_size)
    return out if s.batched else out[0]


def _sums(cols, w, x, bias, groups: int, out_size) -> np.ndarray:
    """cols · w (+ bias), exact: int64 sums that could overflow are taken in Python ints and returned as int64
    when every one fits (else ``ValueError`` naming it); a float result that overflows is a ``ValueError``."""
    dtype = _result_dtype(x, w, bias)
    check_allocation(cols.shape, 8, "conv: the unfolded input (one value per channel, tap and output position)")
    exact = dtype.kind == "i" and _abs_max(x) * _abs_max(w) * prod(w.shape[1:]) + _abs_max(bias) > INT64_MAX
    if exact:
        dtype = np.dtype(object)
    with np.errstate(over="ignore", invalid="ignore"):          # float overflow: refused just below
        out = _grouped_contract(cols.astype(dtype, copy=False), w.astype(dtype, copy=False), groups, out_size)
        if bias is not None:
            out = out + bias.reshape((1, -1) + (1,) * len(out_size)).astype(dtype)
    if exact:
        out = _exact_int_sums(out, "conv")
    _check_finite_result(out, "conv")
    return out


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution like ``torch.nn.functional.conv1d``: ``conv`` with a rank-3 weight.

    Args:
        x: input (C_in, L) or (N, C_in, L)
        weight: filters (C_out, C_in/groups, k)
        bias: optional (C_out,). Default: None
        stride, padding, dilation, groups: as for ``conv``. Defaults: 1, 0, 1, 1

    Returns:
        (C_out, L_out) or (N, C_out, L_out).

    Raises:
        ValueError: a weight whose rank is not 3, and everything ``conv`` raises

    Examples:
        >>> conv1d(np.arange(6).reshape(1, 6), np.array([[[1, 2, 1]]])).tolist()   # 0·1 + 1·2 + 2·1 = 4
        [[4, 8, 12, 16]]
        >>> conv1d(np.arange(6).reshape(1, 6), np.ones((1, 1, 3, 3)))
        Traceback (most recent call last):
        ...
        ValueError: weight of conv1d must have rank 3, got rank 4
    """
    _check_rank(weight, 3, "conv1d")
    return conv(x, weight, bias, stride, padding, dilation, groups)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution like ``torch.nn.functional.conv2d``: ``conv`` with a rank-4 weight.

    Args:
        x: input (C_in, H, W) or (N, C_in, H, W)
        weight: filters (C_out, C_in/groups, kh, kw)
        bias: optional (C_out,). Default: None
        stride, padding, dilation, groups: as for ``conv``. Defaults: 1, 0, 1, 1

    Returns:
        (C_out, H_out, W_out) or (N, C_out, H_out, W_out).

    Raises:
        ValueError: a weight whose rank is not 4, and everything ``conv`` raises

    Examples:
        >>> x = np.arange(16).reshape(1, 4, 4)
        >>> conv2d(x, np.ones((1, 1, 3, 3), dtype=int)).tolist()
        [[[45, 54], [81, 90]]]
        >>> conv2d(x, np.ones((1, 1, 3, 3), dtype=int), dilation=2, padding=1).tolist()  # taps 2 apart: 5+7+13+15 = 40
        [[[40, 36], [24, 20]]]
        >>> conv2d(np.arange(6).reshape(1, 6), np.array([[[1, 2, 1]]]))
        Traceback (most recent call last):
        ...
        ValueError: weight of conv2d must have rank 4, got rank 3
    """
    _check_rank(weight, 4, "conv2d")
    return conv(x, weight, bias, stride, padding, dilation, groups)


def conv3d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution like ``torch.nn.functional.conv3d``: ``conv`` with a rank-5 weight.

    Args:
        x: input (C_in, D, H, W) or (N, C_in, D, H, W)
        weight: filters (C_out, C_in/groups, kd, kh, kw)
        bias: optional (C_out,). Default: None
        stride, padding, dilation, groups: as for ``conv``. Defaults: 1, 0, 1, 1

    Returns:
        (C_out, D_out, H_out, W_out) or (N, C_out, D_out, H_out, W_out).

    Raises:
        ValueError: a weight whose rank is not 5, and everything ``conv`` raises

    Examples:
        >>> conv3d(np.arange(8).reshape(1, 2, 2, 2), np.ones((1, 1, 2, 2, 2), dtype=int)).tolist()  # 0+1+…+7 = 28
        [[[[28]]]]
        >>> conv3d(np.arange(8).reshape(1, 2, 2, 2), np.ones((1, 1, 2, 2, 2)), padding="same").shape
        (1, 2, 2, 2)
    """
    _check_rank(weight, 5, "conv3d")
    return conv(x, weight, bias, stride, padding, dilation, groups)


def true_conv(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Textbook convolution (kernel flipped), formulas 3 and 4 of the notes.

    ``conv(..., true_conv=True)``: the kernel is flipped in every spatial dimension, then cross-correlated, so
    S(i,j) = Σ I(m,n)·K(i−m, j−n). Arguments, shapes, defaults and errors as for ``conv``.

    Args:
        x: input (C_in, *spatial) or (N, C_in, *spatial)
        weight: filters (C_out, C_in/groups, *k), given unflipped
        bias, stride, padding, dilation, groups: as for ``conv``. Defaults: None, 1, 0, 1, 1

    Returns:
        (C_out, *out) or (N, C_out, *out).

    Examples:
        >>> x = np.array([[0, 1, 2, 3, 4]])
        >>> true_conv(x, np.array([[[1, 2, 3]]])).tolist()          # 0·3 + 1·2 + 2·1 = 4
        [[4, 10, 16]]
        >>> conv(x, np.array([[[3, 2, 1]]])).tolist()               # the same as a cross-correlation with [3, 2, 1]
        [[4, 10, 16]]
    """
    return conv(x, weight, bias, stride, padding, dilation, groups, true_conv=True)


def _check_rank(weight, rank, fn):
    r = np.ndim(weight)
    if r != rank:
        raise ValueError(f"weight of {fn} must have rank {rank}, got rank {r}")


# --------------------------------------------------------------------------------------- transposed conv
@dataclass(frozen=True)
class TransposeGeometry:
    """How a transposed conv maps onto a stride-1 conv over a zero-inserted, padded input (per dimension).

    The input (``in_size``) gets s−1 zeros between neighbouring cells (``inserted_size`` = (i−1)·s + 1), then
    ``border`` zeros around it (``expanded_size``); a stride-1 conv with the flipped kernel and the same dilation over
    that grid gives ``out_size`` = expanded − d·(k−1) cells. All attributes are tuples, one entry per spatial
    dimension; build one with ``conv_transpose_geometry``.

    Examples:
        >>> g = conv_transpose_geometry((2, 2), 3, stride=2, padding=1, output_padding=1)
        >>> g.inserted_size, g.border, g.expanded_size, g.out_size     # 6 − (3−1) = 4
        ((3, 3), ((1, 2), (1, 2)), (6, 6), (4, 4))
    """
    in_size: tuple[int, ...]
    out_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]

    @property
    def border(self) -> tuple[tuple[int, int], ...]:
        """Zeros added (negative: cells cropped) before and after the zero-inserted input: d(k−1)−p, plus
        output_padding after (bottom/right).

        >>> conv_transpose_geometry((2,), 3, stride=2, padding=1, output_padding=1).border   # 2−1 before, 2−1+1 after
        ((1, 2),)
        """
        return tuple((d * (k - 1) - p, d * (k - 1) - p + op) for k, p, op, d in
                     zip(self.kernel_size, self.padding, self.output_padding, self.dilation))

    @property
    def inserted_size(self) -> tuple[int, ...]:
        """Size of the input after inserting s−1 zeros between neighbouring cells: (i−1)·s + 1 per dimension.

        >>> conv_transpose_geometry((3, 2), 3, stride=2).inserted_size
        (5, 3)
        """
        return tuple((i - 1) * s + 1 for i, s in zip(self.in_size, self.stride))

    @property
    def expanded_size(self) -> tuple[int, ...]:
        """Size of the zero-inserted input with its border: (i−1)·s + 1 + border before + border after.

        >>> conv_transpose_geometry((3, 2), 3, stride=2).expanded_size      # 5 + 2 + 2, 3 + 2 + 2
        (9, 7)
        """
        return tuple(n + b + a for n, (b, a) in zip(self.inserted_size, self.border))

    def axis_kinds(self, axis: int) -> tuple[np.ndarray, np.ndarray]:
        """For one axis of the expanded input: kind codes (0 data, 1 inserted zero, 2 padding, 3 output
        padding) and the source input index (−1 where there is none).

        Args:
            axis: the spatial dimension, 0-based

        Returns:
            ``(kind, source)``: two int arrays of length ``expanded_size[axis]``.

        Examples:
            >>> kind, source = conv_transpose_geometry((2,), 3, stride=2, padding=1, output_padding=1).axis_kinds(0)
            >>> kind.tolist(), source.tolist()
            ([2, 0, 1, 0, 2, 3], [-1, 0, -1, 1, -1, -1])
        """
        b, a = self.border[axis]
        n_ins = self.inserted_size[axis]
        s = self.stride[axis]
        op = self.output_padding[axis]
        pos = np.arange(self.expanded_size[axis]) - b                      # index in the inserted grid
        kind = np.full(pos.shape, 2, dtype=np.int8)
        inside = (pos >= 0) & (pos < n_ins)
        kind[inside] = np.where(pos[inside] % s == 0, 0, 1)
        # the last `op` cells after the inserted grid are output padding (the rest of the border is padding)
        after = pos >= n_ins
        if op:
            op_start = n_ins + (a - op)
            kind[after & (pos >= op_start)] = 3
        source = np.where(kind == 0, pos // s, -1)
        return kind, source


def conv_transpose_geometry(in_size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1
                            ) -> TransposeGeometry:
    """The ``TransposeGeometry`` of a transposed conv over an input of spatial size ``in_size``.

    Args:
        in_size: spatial size of the input, a tuple (H, W) etc.; its length is the number of spatial dimensions
        kernel_size: int or tuple (kh, kw, …)
        stride: int or tuple. Default: 1
        padding: int or tuple: cells cropped from each side of the full output. Default: 0
        output_padding: int or tuple: cells added at the end (bottom/right) of the output. Default: 0
        dilation: int or tuple. Default: 1

    Returns:
        TransposeGeometry; ``out_size`` is ``shapes.conv_transpose_output_size``.

    Raises:
        TypeError, ValueError: as ``shapes.conv_transpose_output_size`` (output_padding not smaller than stride or
            dilation, an output size below 1, negative padding, sizes below 1)

    Examples:
        >>> conv_transpose_geometry((2,), 3, stride=2)    # doctest: +NORMALIZE_WHITESPACE
        TransposeGeometry(in_size=(2,), out_size=(5,), kernel_size=(3,), stride=(2,), padding=(0,),
                          output_padding=(0,), dilation=(1,))
        >>> conv_transpose_geometry((3, 3), 3, stride=2, padding=1).out_size    # undoes a conv's 5 -> 3
        (5, 5)
    """
    nd = len(in_size)
    k = ntuple(kernel_size, nd, "kernel_size", minimum=1)
    s = ntuple(stride, nd, "stride", minimum=1)
    p = ntuple(padding, nd, "padding", minimum=0)
    op = ntuple(output_padding, nd, "output_padding", minimum=0)
    d = ntuple(dilation, nd, "dilation", minimum=1)
    o = conv_transpose_output_size(tuple(in_size), k, s, p, op, d)
    return TransposeGeometry(tuple(in_size), o, k, s, p, op, d)


def expand_for_transpose(x: np.ndarray, geom: TransposeGeometry) -> np.ndarray:
    """Insert s−1 zeros between cells of the trailing axes, then pad (or crop) by ``geom.border``.

    The result is the input of the stride-1 conv that computes the transposed conv (see ``GatherTrace``).

    Args:
        x: input (..., *in_size); leading axes (batch, channels) are kept
        geom: the ``TransposeGeometry`` (``conv_transpose_geometry``)

    Returns:
        ndarray (..., *geom.expanded_size) of x's dtype.

    Examples:
        >>> expand_for_transpose(np.array([[1, 2]]), conv_transpose_geometry((2,), 3, stride=2)).tolist()
        [[0, 0, 1, 0, 2, 0, 0]]
        >>> g = conv_transpose_geometry((2, 2), 3, stride=2, padding=1, output_padding=1)
        >>> expand_for_transpose(np.array([[[1, 2], [3, 4]]]), g)[0]   # border 1 before, 2 after
        array([[0, 0, 0, 0, 0, 0],
               [0, 1, 0, 2, 0, 0],
               [0, 0, 0, 0, 0, 0],
               [0, 3, 0, 4, 0, 0],
               [0, 0, 0, 0, 0, 0],
               [0, 0, 0, 0, 0, 0]])
    """
    x = np.asarray(x)
    nd = len(geom.in_size)
    lead = x.shape[:-nd]
    check_allocation(lead + tuple(max(a, b) for a, b in zip(geom.inserted_size, geom.expanded_size)),
                     x.dtype.itemsize, "conv_transpose: the zero-inserted input",
                     "use a smaller stride, kernel, dilation or input")
    ins = np.zeros(lead + geom.inserted_size, dtype=x.dtype)
    ins[(Ellipsis,) + tuple(slice(None, None, s) for s in geom.stride)] = x
    pads = [(max(b, 0), max(a, 0)) for b, a in geom.border]
    out = pad_input(ins, pads)
    crop = tuple(slice(max(-b, 0), out.shape[len(lead) + i] - max(-a, 0)) for i, (b, a) in enumerate(geom.border))
    return out[(Ellipsis,) + crop]


def transpose_weight_as_conv(weight: np.ndarray, groups: int) -> np.ndarray:
    """(C_in, C_out/g, *k) transposed-conv weight → (C_out, C_in/g, *k) conv weight, flipped spatially.

    Within each of the ``groups`` groups the two channel axes swap; the kernel is flipped in every spatial dimension.

    Args:
        weight: transposed conv weight (C_in, C_out/groups, *k)
        groups: number of channel groups (must divide C_in)

    Returns:
        conv weight (C_out, C_in/groups, *k).

    Examples:
        >>> transpose_weight_as_conv(np.arange(4).reshape(1, 1, 2, 2), 1).tolist()   # [[0, 1], [2, 3]] turned 180°
        [[[[3, 2], [1, 0]]]]
        >>> transpose_weight_as_conv(np.arange(6).reshape(2, 1, 3), 1).tolist()       # (2, 1, 3) -> (1, 2, 3)
        [[[2, 1, 0], [5, 4, 3]]]
        >>> transpose_weight_as_conv(np.ones((2, 3, 1, 2)), 1).shape
        (3, 2, 1, 2)
    """
    weight = np.asarray(weight)
    c_in, og = weight.shape[:2]
    nd = weight.ndim - 2
    cg = c_in // groups
    w = weight.reshape((groups, cg, og) + weight.shape[2:]).swapaxes(1, 2)
    w = w.reshape((groups * og, cg) + weight.shape[2:])
    return w[(slice(None), slice(None)) + (slice(None, None, -1),) * nd]


def conv_transpose(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
                   ) -> np.ndarray:
    """Transposed convolution exactly like ``torch.nn.functional.conv_transpose{1,2,3}d``.

    Weight is (C_in, C_out/groups, *k). Output size (i−1)s − 2p + d(k−1) + output_padding + 1.

    Each input value stamps value × kernel into the output, the stamps ``stride`` apart (overlaps add); ``padding``
    then crops p cells from each side and ``output_padding`` adds cells at the end (bottom/right). Computed as a
    stride-1 ``conv`` over the zero-inserted, padded input with the flipped kernel (``expand_for_transpose``,
    ``transpose_weight_as_conv``). It maps a conv's output size back to its input size; output_padding picks
    among the input sizes that the conv's floor maps to the same output.

    Args:
        x: input (C_in, *spatial) or (N, C_in, *spatial)
        weight: (C_in, C_out/groups, *k); its rank (3, 4 or 5) picks 1-D, 2-D or 3-D
        bias: optional (C_out,). Default: None
        stride: int or tuple. Default: 1
        padding: int or tuple: cells cropped from each side. Default: 0
        output_padding: int or tuple, smaller than stride or dilation. Default: 0
        groups: number of channel groups. Default: 1
        dilation: int or tuple. Default: 1

    Returns:
        (C_out, *out) or (N, C_out, *out), batched like ``x``.

    Raises:
        TypeError: as for ``conv``
        ValueError: as for ``conv`` (weight.shape[0] must equal C_in); output_padding not smaller than stride or
            dilation; padding so large that the output size would be below 1

    Examples:
        >>> conv_transpose(np.array([[1, 2]]), np.array([[[1, 1, 1]]]), stride=2).tolist()   # overlap: 1 + 2 = 3
        [[1, 1, 3, 2, 2]]
        >>> x = np.arange(4).reshape(1, 2, 2)            # (C_in, H, W)
        >>> w = np.ones((1, 1, 3, 3), dtype=int)         # (C_in, C_out/groups, kh, kw)
        >>> conv_transpose(x, w, stride=2).tolist()
        [[[0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [2, 2, 6, 4, 4], [2, 2, 5, 3, 3], [2, 2, 5, 3, 3]]]
        >>> conv(np.zeros((1, 5, 5)), w, stride=2, padding=1).shape                   # a conv maps 5 -> 3 ...
        (1, 3, 3)
        >>> conv_transpose(np.zeros((1, 3, 3)), w, stride=2, padding=1).shape         # ... and this maps 3 -> 5
        (1, 5, 5)
        >>> conv(np.zeros((1, 6, 6)), w, stride=2, padding=1).shape                   # 6 -> 3 as well ...
        (1, 3, 3)
        >>> conv_transpose(np.zeros((1, 3, 3)), w, stride=2, padding=1, output_padding=1).shape  # ... 3 -> 6
        (1, 6, 6)
        >>> conv_transpose(x, w, stride=2, output_padding=2)
        Traceback (most recent call last):
        ...
        ValueError: output_padding must be smaller than stride or dilation, got output_padding=2, stride=2, dilation=1
    """
    s = setup(x, weight, bias, stride, dilation, groups, transposed=True)
    geom = conv_transpose_geometry(s.x.shape[2:], s.kernel_size, s.stride, padding, output_padding, s.dilation)
    expanded = expand_for_transpose(s.x, geom)
    w = transpose_weight_as_conv(s.weight, s.groups)
    out = conv(expanded, w, s.bias, stride=1, padding=0, dilation=s.dilation, groups=s.groups)
    return out if s.batched else out[0]


# ------------------------------------------------------------------------------------------- conv matrix
def conv_matrix(input_shape, weight, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """The matrix M with ``conv(x).ravel() == M @ x.ravel()`` for x of ``input_shape`` = (C, *spatial).

    Built from index arithmetic (not by calling ``conv``). ``M.T`` is the transposed convolution with the same
    stride, padding and dilation: convolution is a sparse, weight-shared fully connected layer.

    Args:
        input_shape: unbatched input shape (C_in, *spatial)
        weight: (C_out, C_in/groups, *k)
        stride, padding, dilation, groups: as for ``conv``. Defaults: 1, 0, 1, 1

    Returns:
        M (C_out·Π out, C_in·Π spatial), of the weight's dtype.

    Raises:
        ValueError: ``input_shape`` not of the weight's rank minus one, and everything ``conv`` raises

    Examples:
        >>> M = conv_matrix((1, 4), np.array([[[1, 2]]]), stride=2)     # (C_in, L) = (1, 4), k = 2
        >>> M.tolist()
        [[1, 2, 0, 0], [0, 0, 1, 2]]
        >>> x = np.arange(4)
        >>> (M @ x).tolist(), conv(x.reshape(1, 4), np.array([[[1, 2]]]), stride=2).ravel().tolist()
        ([2, 8], [2, 8])
        >>> (M.T @ [1, 10]).tolist(), conv_transpose(np.array([[1, 10]]), np.array([[[1, 2]]]), stride=2).tolist()
        ([1, 2, 10, 20], [[1, 2, 10, 20]])
        >>> conv_matrix((1, 3, 3), np.ones((1, 1, 2, 2), dtype=int)).shape    # 4 outputs, 9 inputs
        (4, 9)
    """
    weight = as_numeric(weight, "weight")
    input_shape = tuple(int(v) for v in input_shape)
    if weight.ndim not in (3, 4, 5) or len(input_shape) != weight.ndim - 1:
        raise ValueError(f"input_shape must be (C, *spatial) matching weight of shape {weight.shape}, "
                         f"got {input_shape}")
    s = setup(np.zeros(input_shape, dtype=np.int8), weight, None, stride, dilation, groups)
    pads = resolve_padding(padding, s.kernel_size, s.dilation, s.stride)
    spatial = input_shape[1:]
    nd = s.nd
    out_size = tuple(conv_output_length(spatial[a], s.kernel_size[a], s.stride[a], pads[a], s.dilation[a],
                                        a if nd > 1 else None)
                     for a in range(nd))
    c_in = input_shape[0]
    c_out, cg = weight.shape[:2]
    og = c_out // s.groups
    check_allocation((c_out * prod(out_size), c_in * prod(spatial)), weight.dtype.itemsize, "conv_matrix: the matrix",
                     "use a smaller input_shape")
    check_allocation((2 + 2 * nd, c_out, cg) + s.kernel_size + out_size, 8, "conv_matrix: the index grids",
                     "use a smaller input_shape or kernel")
    # index grids over (c_out, c_local, *k, *out)
    grid = np.indices((c_out, cg) + s.kernel_size + out_size, sparse=False)
    co, cl = grid[0], grid[1]
    taps = grid[2:2 + nd]
    outs = grid[2 + nd:]
    ci = (co // og) * cg + cl
    pos = [outs[a] * s.stride[a] - pads[a][0] + taps[a] * s.dilation[a] for a in range(nd)]
    valid = np.ones(co.shape, dtype=bool)
    for a in range(nd):
        valid &= (pos[a] >= 0) & (pos[a] < spatial[a])
    row = np.ravel_multi_index((co,) + tuple(outs), (c_out,) + out_size)
    col = np.ravel_multi_index((ci,) + tuple(np.clip(p, 0, n - 1) for p, n in zip(pos, spatial)),
                               (c_in,) + spatial)
    wv = weight[(co, cl) + tuple(taps)]
    m = np.zeros((c_out * prod(out_size), c_in * prod(spatial)), dtype=weight.dtype)
    np.add.at(m, (row[valid], col[valid]), wv[valid])
    return m


# ----------------------------------------------------------------------------------------- deformable
@dataclass(frozen=True)
class DeformSetup:
    """Validated arguments of ``deform_conv2d``, batched as (N, C, H, W); built by ``deform_setup``.

    Attributes:
        x: input (N, C_in, H, W)
        offset: (N, 2·offset_groups·kh·kw, H_out, W_out)
        mask: (N, offset_groups·kh·kw, H_out, W_out) or None
        weight: (C_out, C_in/groups, kh, kw)
        bias: (C_out,) or None
        batched: whether the input had a batch dimension
        kernel_size, stride, padding, dilation: (h, w) pairs of ints
        groups: C_in / weight.shape[1]
        offset_groups: offset.shape[1] / (2·kh·kw)
        out_size: (H_out, W_out)

    Examples:
        >>> s = deform_setup(np.arange(16).reshape(1, 4, 4), np.zeros((18, 2, 2)), np.ones((1, 1, 3, 3)))
        >>> s.x.shape, s.offset.shape, s.batched, s.groups, s.offset_groups, s.out_size
        ((1, 1, 4, 4), (1, 18, 2, 2), False, 1, 1, (2, 2))
    """
    x: np.ndarray
    offset: np.ndarray
    mask: np.ndarray | None
    weight: np.ndarray
    bias: np.ndarray | None
    batched: bool
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    offset_groups: int
    out_size: tuple[int, int]


def deform_setup(x, offset, weight, bias=None, stride=1, padding=0, dilation=1, mask=None) -> DeformSetup:
    """Check and normalise the arguments of ``deform_conv2d`` into a ``DeformSetup``.

    ``groups`` is inferred as C_in / weight.shape[1] and ``offset_groups`` from the offset's channels, as in
    torchvision. Arguments as for ``deform_conv2d``.

    Raises:
        TypeError: non-numeric arrays, non-int stride, padding or dilation
        ValueError: a weight not of rank 4; x not (C_in, H, W) or (N, C_in, H, W); an offset not
            (N, 2·offset_groups·kh·kw, H_out, W_out) (batched like x); offset_groups or groups not dividing the
            channels; a mask not (N, offset_groups·kh·kw, H_out, W_out); bias not (C_out,); stride/dilation < 1,
            negative padding; a dilated kernel larger than the padded input

    Examples:
        >>> s = deform_setup(np.arange(32).reshape(2, 4, 4), np.zeros((36, 2, 2)), np.ones((2, 1, 3, 3)))
        >>> s.groups, s.offset_groups                   # 36 offset channels = 2·2·3·3
        (2, 2)
        >>> deform_setup(np.arange(16).reshape(1, 4, 4), np.zeros((18, 3, 3)), np.ones((1, 1, 3, 3)))
        ... # doctest: +NORMALIZE_WHITESPACE
        Traceback (most recent call last):
        ...
        ValueError: offset must have shape (N=1, 2·offset_groups·kh·kw = multiple of 18, H_out=2, W_out=2),
        got (18, 3, 3)
    """
    weight = as_numeric(weight, "weight")
    if weight.ndim != 4:
        raise ValueError(f"weight of deform_conv2d must have rank 4 (C_out, C_in/groups, kh, kw), "
                         f"got shape {weight.shape}")
    x = as_numeric(x, "x")
    x, batched = _batched(x, 2, weight.shape)
    offset = as_numeric(offset, "offset")
    if offset.ndim != x.ndim - (0 if batched else 1) or (not batched and offset.ndim != 3):
        raise ValueError(f"offset must be {'(N, ' if batched else '('}2·offset_groups·kh·kw, H_out, W_out), "
                         f"got shape {offset.shape}")
    if not batched:
        offset = offset[None]
    n, c_in, h, w = x.shape
    c_out, cg, kh, kw = weight.shape
    if cg == 0 or c_in % cg:
        raise ValueError(f"weight: C_in={c_in} is not a multiple of weight.shape[1]={cg}")
    groups = c_in // cg
    if c_out % groups:
        raise ValueError(f"groups={groups} (C_in / weight.shape[1]) must divide the output channels C_out={c_out}")
    st = ntuple(stride, 2, "stride", minimum=1)
    pd = ntuple(padding, 2, "padding", minimum=0)
    dl = ntuple(dilation, 2, "dilation", minimum=1)
    ho = conv_output_length(h, kh, st[0], pd[0], dl[0], 0)
    wo = conv_output_length(w, kw, st[1], pd[1], dl[1], 1)
    if offset.shape[0] != n or offset.shape[1] % (2 * kh * kw) or offset.shape[1] == 0 \
            or offset.shape[2:] != (ho, wo):
        raise ValueError(
            f"offset must have shape (N={n}, 2·offset_groups·kh·kw = multiple of {2 * kh * kw}, H_out={ho}, "
            f"W_out={wo}), got {offset.shape if batched else offset.shape[1:]}")
    og = offset.shape[1] // (2 * kh * kw)
    if c_in % og:
        raise ValueError(f"offset: offset_groups={og} must divide the input channels C_in={c_in}")
    if mask is not None:
        mask = as_numeric(mask, "mask")
        if not batched:
            if mask.ndim != 3:
                raise ValueError(f"mask must have shape (offset_groups·kh·kw, H_out, W_out) = "
                                 f"{(og * kh * kw, ho, wo)} for an unbatched input, got {mask.shape}")
            mask = mask[None]
        if mask.shape != (n, og * kh * kw, ho, wo):
            raise ValueError(f"mask must have shape (N, offset_groups·kh·kw, H_out, W_out) = "
                             f"{(n, og * kh * kw, ho, wo) if batched else (og * kh * kw, ho, wo)}, "
                             f"got {mask.shape if batched else mask.shape[1:]}")
    if bias is not None:
        bias = as_numeric(bias, "bias")
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape (C_out,) = ({c_out},), got {bias.shape}")
    return DeformSetup(x, offset, mask, weight, bias, batched, (kh, kw), st, pd, dl, groups, og, (ho, wo))


def bilinear_corners(py: np.ndarray, px: np.ndarray, h: int, w: int):
    """The four neighbours of fractional points: list of (rows, cols, weights, inside) for the corners
    (top-left, top-right, bottom-left, bottom-right), zero outside the input (torchvision's rule).

    Args:
        py, px: row and column coordinates of the points, float arrays of one shape
        h, w: height and width of the input

    Returns:
        list of four tuples ``(rows, cols, weights, inside)``, each array of the points' shape: the corner's integer
        position, its bilinear weight (the four weights sum to 1) and whether it lies inside the input; corners
        outside count as zero.

    Examples:
        >>> for r, c, wgt, inside in bilinear_corners(np.array(0.5), np.array(1.25), 2, 2):
        ...     print(int(r), int(c), float(wgt), bool(inside))
        0 1 0.375 True
        0 2 0.125 False
        1 1 0.375 True
        1 2 0.125 False
    """
    py = np.clip(py, -2.0, h + 1.0)         # farther out every neighbour is outside (zero): same result, and
    px = np.clip(px, -2.0, w + 1.0)         # offsets like 1e300 do not overflow int64
    y0 = np.floor(py).astype(np.int64)
    x0 = np.floor(px).astype(np.int64)
    ly, lx = py - y0, px - x0
    out = []
    for dy in (0, 1):
        for dx in (0, 1):
            r, c = y0 + dy, x0 + dx
            wgt = (ly if dy else 1 - ly) * (lx if dx else 1 - lx)
            inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
            out.append((r, c, wgt, inside))
    return out


def deform_sampling_points(s: DeformSetup) -> tuple[np.ndarray, np.ndarray]:
    """Sampling points (N, offset_groups, kh, kw, H_out, W_out) for y and x: the regular tap position
    (out·stride − padding + tap·dilation) plus the tap's (dy, dx) offset.

    Args:
        s: a ``DeformSetup`` (``deform_setup``)

    Returns:
        ``(py, px)``: two float64 arrays (N, offset_groups, kh, kw, H_out, W_out).

    Examples:
        >>> x, w = np.arange(16).reshape(1, 4, 4), np.ones((1, 1, 3, 3))
        >>> off = np.zeros((18, 2, 2))
        >>> off[1::2] = 1                               # dx = 1 for every tap: the grid moves one column right
        >>> py, px = deform_sampling_points(deform_setup(x, off, w))
        >>> py.shape
        (1, 1, 3, 3, 2, 2)
        >>> py[0, 0, :, :, 0, 0].tolist(), px[0, 0, :, :, 0, 0].tolist()
        ([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]], [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    """
    n = s.x.shape[0]
    kh, kw = s.kernel_size
    ho, wo = s.out_size
    off = s.offset.reshape(n, s.offset_groups, kh, kw, 2, ho, wo)
    base_y = (np.arange(ho)[None, :] * s.stride[0] - s.padding[0] + np.arange(kh)[:, None] * s.dilation[0])
    base_x = (np.arange(wo)[None, :] * s.stride[1] - s.padding[1] + np.arange(kw)[:, None] * s.dilation[1])
    py = base_y[:, None, :, None] + off[:, :, :, :, 0]
    px = base_x[None, :, None, :] + off[:, :, :, :, 1]
    return py.astype(np.float64), px.astype(np.float64)


def deform_conv2d(x, offset, weight, bias=None, stride=1, padding=0, dilation=1, mask=None) -> np.ndarray:
    """Deformable convolution exactly like ``torchvision.ops.deform_conv2d`` (v2 when ``mask`` is given).

    offset: (N, 2·offset_groups·kh·kw, H_out, W_out), a (dy, dx) pair per tap in row-major tap order; each tap
    samples the input bilinearly at its shifted position, zero outside; mask multiplies each sampled value.

    With zero offsets (and no mask) it equals ``conv2d``. ``groups`` is C_in / weight.shape[1]; ``offset_groups``
    (dividing C_in) is offset.shape[1] / (2·kh·kw): each group of input channels has its own offsets.

    Args:
        x: input (C_in, H, W) or (N, C_in, H, W)
        offset: (2·offset_groups·kh·kw, H_out, W_out), or (N, …) batched like x
        weight: (C_out, C_in/groups, kh, kw)
        bias: optional (C_out,). Default: None
        stride, padding, dilation: int or (h, w) pair. Defaults: 1, 0, 1
        mask: optional modulation (offset_groups·kh·kw, H_out, W_out), or (N, …) batched like x. Default: None

    Returns:
        float64 (C_out, H_out, W_out) or (N, C_out, H_out, W_out).

    Raises:
        TypeError, ValueError: as ``deform_setup``

    Examples:
        >>> x, w = np.arange(16).reshape(1, 4, 4), np.ones((1, 1, 3, 3), dtype=int)
        >>> off = np.zeros((18, 2, 2))                  # (2·1·3·3, H_out, W_out)
        >>> deform_conv2d(x, off, w).tolist(), conv2d(x, w).tolist()      # zero offsets: a plain conv
        ([[[45.0, 54.0], [81.0, 90.0]]], [[[45, 54], [81, 90]]])
        >>> off[1::2] = 1                               # dx = 1: each window reads one column to the right
        >>> deform_conv2d(x, off, w).tolist()           # 54 = the next window's sum; the right column reads zeros
        [[[54.0, 39.0], [90.0, 63.0]]]
        >>> mask = np.ones((9, 2, 2))
        >>> mask[4] = 0                                 # switch the centre tap off
        >>> deform_conv2d(x, np.zeros((18, 2, 2)), w, mask=mask).tolist()   # 45 − 5 = 40
        [[[40.0, 48.0], [72.0, 80.0]]]
    """
    s = deform_setup(x, offset, weight, bias, stride, padding, dilation, mask)
    n, c_in, h, w = s.x.shape
    kh, kw = s.kernel_size
    ho, wo = s.out_size
    og = s.offset_groups
    cpg = c_in // og
    py, px = deform_sampling_points(s)
    xg = s.x.reshape(n, og, cpg, h, w).astype(np.float64)
    ni = np.arange(n)[:, None, None, None, None, None]
    gi = np.arange(og)[None, :, None, None, None, None]
    check_allocation((n, og, kh, kw, ho, wo, cpg), 8, "deform_conv2d: the sampled values",
                     "use a smaller input, kernel or batch")
    sampled = np.zeros((n, og, kh, kw, ho, wo, cpg))
    with np.errstate(over="ignore", invalid="ignore"):          # float overflow: refused just below
        for r, c, wgt, inside in bilinear_corners(py, px, h, w):
            vals = xg[ni, gi, :, np.clip(r, 0, h - 1), np.clip(c, 0, w - 1)]   # (N, og, kh, kw, Ho, Wo, cpg)
            sampled += (wgt * inside)[..., None] * vals
        if s.mask is not None:
            sampled *= s.mask.reshape(n, og, kh, kw, ho, wo)[..., None]
        cols = sampled.transpose(0, 1, 6, 2, 3, 4, 5).reshape(n, c_in, kh, kw, ho, wo)
        out = _grouped_contract(cols, s.weight.astype(np.float64), s.groups, (ho, wo))
        if s.bias is not None:
            out = out + s.bias.reshape(1, -1, 1, 1)
    _check_finite_result(out, "deform_conv2d")
    return out if s.batched else out[0]


def grid_offsets(kernel_size, out_size, fn) -> np.ndarray:
    """Offsets (2·kh·kw, H_out, W_out) where each tap (relative position v = (i−ci, j−cj)) moves to fn(v):
    offset = fn(v) − v, the same at every output position.

    Args:
        kernel_size: int or (kh, kw)
        out_size: int or (H_out, W_out)
        fn: maps a tap's position relative to the kernel centre, a float array (dy, dx), to its new position

    Returns:
        float offsets (2·kh·kw, H_out, W_out) for one offset group, (dy, dx) per tap in row-major order.

    Raises:
        TypeError, ValueError: kernel_size or out_size not positive ints

    Examples:
        >>> bool(grid_offsets(3, 1, lambda v: v).any())  # the identity moves nothing
        False
        >>> off = grid_offsets(3, (1, 2), lambda v: 2 * v)
        >>> off.shape
        (18, 1, 2)
        >>> off[:, 0, 0].reshape(9, 2).astype(int).tolist()   # (dy, dx) = v: the top-left tap moves by (−1, −1)
        [[-1, -1], [-1, 0], [-1, 1], [0, -1], [0, 0], [0, 1], [1, -1], [1, 0], [1, 1]]
    """
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    ho, wo = ntuple(out_size, 2, "out_size", minimum=1)
    check_allocation((kh * kw * 2, ho, wo), 8, "the offsets", "use a smaller kernel or output size")
    off = np.zeros((kh, kw, 2))
    for i in range(kh):
        for j in range(kw):
            v = np.array([i - (kh - 1) / 2, j - (kw - 1) / 2])
            off[i, j] = np.asarray(fn(v), dtype=float) - v
    return np.broadcast_to(off.reshape(kh * kw * 2, 1, 1), (kh * kw * 2, ho, wo)).copy()


def scale_offsets(kernel_size, out_size, factor: float) -> np.ndarray:
    """Offsets that scale the sampling grid about its centre by ``factor`` (figure16 c).

    Args:
        kernel_size: int or (kh, kw)
        out_size: int or (H_out, W_out)
        factor: scale of the grid (1 leaves it as it is)

    Returns:
        float offsets (2·kh·kw, H_out, W_out).

    Examples:
        >>> bool(scale_offsets(3, 1, 1).any())
        False
        >>> scale_offsets(3, 1, 2)[:, 0, 0].reshape(9, 2)[[0, 4, 8]].tolist()   # corners move out by one, centre stays
        [[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]]
    """
    return grid_offsets(kernel_size, out_size, lambda v: factor * v)


def rotate_offsets(kernel_size, out_size, degrees: float) -> np.ndarray:
    """Offsets that rotate the sampling grid about its centre by ``degrees`` (figure16 d).

    Args:
        kernel_size: int or (kh, kw)
        out_size: int or (H_out, W_out)
        degrees: angle of rotation of the (dy, dx) grid

    Returns:
        float offsets (2·kh·kw, H_out, W_out).

    Examples:
        >>> off = rotate_offsets(3, 1, 180)[:, 0, 0].reshape(9, 2)
        >>> np.round(off).astype(int)[[0, 4, 8]].tolist()     # a half turn sends each tap to −v: offset −2v
        [[2, 2], [0, 0], [-2, -2]]
    """
    t = np.deg2rad(degrees)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return grid_offsets(kernel_size, out_size, lambda v: rot @ v)


def random_offsets(kernel_size, out_size, seed: int = 0, scale: float = 0.8, offset_groups: int = 1) -> np.ndarray:
    """Reproducible random offsets (2·offset_groups·kh·kw, H_out, W_out), uniform in [−scale, scale].

    Values are rounded to two decimals.

    Args:
        kernel_size: int or (kh, kw)
        out_size: int or (H_out, W_out)
        seed: seed of ``np.random.default_rng``. Default: 0
        scale: largest absolute offset. Default: 0.8
        offset_groups: number of offset groups. Default: 1

    Returns:
        float offsets (2·offset_groups·kh·kw, H_out, W_out).

    Examples:
        >>> off = random_offsets(3, (2, 2), offset_groups=2)
        >>> off.shape, bool((np.abs(off) <= 0.8).all())
        ((36, 2, 2), True)
        >>> bool((random_offsets(3, 2, seed=1) == random_offsets(3, 2, seed=1)).all())
        True
    """
    kh, kw = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    ho, wo = ntuple(out_size, 2, "out_size", minimum=1)
    check_allocation((2 * offset_groups * kh * kw, ho, wo), 8, "the offsets", "use a smaller kernel or output size")
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(-scale, scale, (2 * offset_groups * kh * kw, ho, wo)), 2)


# ------------------------------------------------------------------------------------------- separable
def depthwise_separable(x, depthwise_weight, pointwise_weight, stride=1, padding=0, dilation=1,
                        depthwise_bias=None, pointwise_bias=None) -> tuple[np.ndarray, np.ndarray]:
    """Depthwise conv (groups = C_in, weight (C_in·m, 1, *k)) then pointwise 1x1 conv (weight
    (C_out, C_in·m, 1…)). Returns (intermediate, output).

    Args:
        x: input (C_in, *spatial) or (N, C_in, *spatial)
        depthwise_weight: (C_in·multiplier, 1, *k): ``multiplier`` filters per input channel
        pointwise_weight: (C_out, C_in·multiplier, 1, …): the 1x1 conv that mixes channels
        stride, padding, dilation: of the depthwise conv, as for ``conv``. Defaults: 1, 0, 1
        depthwise_bias: optional (C_in·multiplier,). Default: None
        pointwise_bias: optional (C_out,). Default: None

    Returns:
        ``(intermediate, output)``: (C_in·multiplier, *out) and (C_out, *out), batched like ``x``.

    Raises:
        ValueError: depthwise_weight.shape[1] not 1; a pointwise weight of another rank or a kernel other than 1x1;
            and everything ``conv`` raises

    Examples:
        >>> x = np.arange(32).reshape(2, 4, 4)                          # (C_in, H, W)
        >>> dw = np.ones((2, 1, 3, 3), dtype=int)                       # one 3x3 sum per channel
        >>> pw = np.array([1, -1]).reshape(1, 2, 1, 1)                  # channel 0 minus channel 1
        >>> mid, out = depthwise_separable(x, dw, pw)
        >>> mid.tolist()
        [[[45, 54], [81, 90]], [[189, 198], [225, 234]]]
        >>> out.tolist()                                                # 45 − 189 = −144
        [[[-144, -144], [-144, -144]]]
    """
    x_arr = as_numeric(x, "x")
    dw = as_numeric(depthwise_weight, "depthwise_weight")
    pw = as_numeric(pointwise_weight, "pointwise_weight")
    nd = dw.ndim - 2
    c_in = x_arr.shape[-nd - 1] if x_arr.ndim >= nd + 1 else None
    if dw.ndim >= 3 and dw.shape[1] != 1:
        raise ValueError(f"depthwise_weight must be (C_in·multiplier, 1, *k), got shape {dw.shape}")
    if pw.ndim != dw.ndim or any(k != 1 for k in pw.shape[2:]):
        raise ValueError(f"pointwise_weight must be (C_out, C_in·multiplier, {', '.join(['1'] * nd)}), "
                         f"got shape {pw.shape}")
    mid = conv(x_arr, dw, depthwise_bias, stride, padding, dilation, groups=c_in)
    out = conv(mid, pw, pointwise_bias)
    return mid, out


def separate_kernel(kernel2d) -> tuple[np.ndarray, np.ndarray]:
    """Column and row vectors whose outer product is ``kernel2d`` (rank 1 only).

    Integer kernels give small integer factors (Sobel X → [1,2,1]ᵀ and [−1,0,1]).

    Args:
        kernel2d: a 2-D kernel (kh, kw)

    Returns:
        ``(column, row)``: (kh,) and (kw,) with ``np.outer(column, row) == kernel2d``; int64 when both factors are
        integers, else float64.

    Raises:
        ValueError: a kernel that is not 2-D, all zeros, or not of rank 1

    Examples:
        >>> col, row = separate_kernel(np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]))   # Sobel X
        >>> col.tolist(), row.tolist()
        ([1, 2, 1], [-1, 0, 1])
        >>> np.outer(col, row).tolist()
        [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
        >>> separate_kernel(np.eye(2, dtype=int))      # doctest: +NORMALIZE_WHITESPACE
        Traceback (most recent call last):
        ...
        ValueError: kernel is not separable: it has rank 2, and only a rank-1 kernel is the outer product of a
        column and a row
    """
    k = as_numeric(kernel2d, "kernel")
    if k.ndim != 2:
        raise ValueError(f"kernel must be 2-D, got shape {k.shape}")
    nz = np.argwhere(k != 0)
    if len(nz) == 0:
        raise ValueError("kernel is all zeros: no separable factors to show")
    i0, j0 = nz[0]
    row = k[i0].astype(np.float64)
    if k.dtype.kind == "i":
        g = 0
        for v in k[i0]:
            g = gcd(g, int(v))
        row = row / g
    col = k[:, j0] / row[j0]
    scale = float(np.max(np.abs(k)))
    if not np.allclose(np.outer(col, row), k, rtol=0, atol=1e-9 * scale):
        rank = np.linalg.matrix_rank(k.astype(float))
        raise ValueError(f"kernel is not separable: it has rank {rank}, and only a rank-1 kernel is the outer "
                         f"product of a column and a row")
    if k.dtype.kind == "i" and np.allclose(col, np.round(col)) and np.allclose(row, np.round(row)):
        return np.round(col).astype(np.int64), np.round(row).astype(np.int64)
    return col, row


def separable_conv2d(x, column, row, stride=1, padding=0, dilation=1) -> tuple[np.ndarray, np.ndarray]:
    """Two-pass spatially separable conv of a one-channel image: the (kh×1) column pass, then the (1×kw) row
    pass. Returns (intermediate, output); equal to one pass with ``outer(column, row)``.

    Args:
        x: a one-channel image (H, W)
        column: (kh,) vector of the vertical pass
        row: (kw,) vector of the horizontal pass
        stride, dilation: int or (h, w). Defaults: 1, 1
        padding: int, (h, w), ``'valid'`` or ``'same'``. Default: 0

    Returns:
        ``(intermediate, output)``: (H_out, W) after the column pass and (H_out, W_out).

    Raises:
        ValueError: x not 2-D, and everything ``conv`` raises

    Examples:
        >>> img = np.arange(16).reshape(4, 4)
        >>> mid, out = separable_conv2d(img, [1, 2, 1], [-1, 0, 1])
        >>> mid.tolist()                                # 0 + 2·4 + 8 = 16
        [[16, 20, 24, 28], [32, 36, 40, 44]]
        >>> out.tolist(), conv2d(img[None], np.array([[[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]]]))[0].tolist()
        ([[8, 8], [8, 8]], [[8, 8], [8, 8]])
        >>> separable_conv2d(img, [1, 2, 1], [-1, 0, 1], padding="same")[1].shape
        (4, 4)
    """
    x = as_numeric(x, "x")
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D image (H, W), got shape {x.shape}")
    col = as_numeric(column, "column").reshape(-1)
    r = as_numeric(row, "row").reshape(-1)
    st = ntuple(stride, 2, "stride", minimum=1)
    pd = padding if isinstance(padding, str) else ntuple(padding, 2, "padding", minimum=0)
    dl = ntuple(dilation, 2, "dilation", minimum=1)
    if isinstance(pd, str):
        pads = resolve_padding(pd, (len(col), len(r)), dl, st)
        mid = conv(pad_input(x[None], (pads[0], (0, 0))), col.reshape(1, 1, -1, 1), stride=(st[0], 1),
                   dilation=(dl[0], 1))
        out = conv(pad_input(mid, ((0, 0), pads[1])), r.reshape(1, 1, 1, -1), stride=(1, st[1]),
                   dilation=(1, dl[1]))
        return mid[0], out[0]
    mid = conv(x[None], col.reshape(1, 1, -1, 1), stride=(st[0], 1), padding=(pd[0], 0), dilation=(dl[0], 1))
    out = conv(mid, r.reshape(1, 1, 1, -1), stride=(1, st[1]), padding=(0, pd[1]), dilation=(1, dl[1]))
    return mid[0], out[0]


# ---------------------------------------------------------------------------------------------- counts
def _kernel_tuple(kernel_size) -> tuple:
    """An int kernel size is a square 2-D kernel (k, k); a tuple gives every dimension (any rank)."""
    return tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)


def conv_params(in_channels: int, out_channels: int, kernel_size, groups: int = 1, bias: bool = False) -> int:
    """Learnable parameters of a conv layer: C_out · C_in/groups · Πk (+ C_out with bias). An int kernel_size
    means k x k.

    Args:
        in_channels: C_in, a positive int
        out_channels: C_out, a positive int
        kernel_size: int (square 2-D kernel) or tuple of any rank
        groups: number of channel groups, dividing both C_in and C_out. Default: 1
        bias: count C_out biases. Default: False

    Returns:
        int.

    Raises:
        ValueError: non-positive channel counts, groups or kernel sizes; groups not dividing the channels
        TypeError: a kernel size that is not an int

    Examples:
        >>> conv_params(3, 16, 3), conv_params(3, 16, 3, bias=True)   # 16·3·3·3 = 432
        (432, 448)
        >>> conv_params(4, 8, (3, 3), groups=2), conv_params(1, 1, (3, 3, 3))
        (144, 27)
        >>> conv_params(3, 16, 3, groups=2)
        Traceback (most recent call last):
        ...
        ValueError: groups=2 must divide in_channels=3 and out_channels=16
    """
    k = _kernel_tuple(kernel_size)
    ntuple(tuple(k), len(k), "kernel_size", minimum=1)
    _check_groups(in_channels, out_channels, groups)
    return out_channels * (in_channels // groups) * prod(k) + (out_channels if bias else 0)


def conv_macs(in_channels: int, out_channels: int, kernel_size, out_size, groups: int = 1) -> int:
    """Multiply-adds of a conv layer: one per weight per output position. An int out_size is square, of the
    kernel's rank.

    Args:
        in_channels, out_channels, kernel_size, groups: as for ``conv_params``. Default groups: 1
        out_size: int or tuple, the output's spatial size (bias not counted)

    Returns:
        int: ``conv_params(...)`` · Π out_size.

    Raises:
        ValueError, TypeError: as ``conv_params``

    Examples:
        >>> conv_macs(1, 1, 3, (2, 2))                  # 9 weights at 4 positions
        36
        >>> conv_macs(3, 16, 3, 32)                     # 432 weights · 32·32
        442368
    """
    k = _kernel_tuple(kernel_size)
    o = tuple(out_size) if isinstance(out_size, (tuple, list)) else (out_size,) * len(k)
    return conv_params(in_channels, out_channels, kernel_size, groups) * prod(o)


def separable_counts(in_channels: int, out_channels: int, kernel_size, out_size, multiplier: int = 1) -> dict:
    """Weights and multiply-adds of a standard conv vs. depthwise (groups = C_in) + pointwise (1x1).

    Args:
        in_channels: C_in
        out_channels: C_out
        kernel_size: int (k x k) or tuple
        out_size: int or tuple, the output's spatial size
        multiplier: depthwise filters per input channel. Default: 1

    Returns:
        dict with ``standard_params``, ``depthwise_params``, ``pointwise_params``, ``separable_params`` and the
        matching ``*_macs`` (no biases).

    Raises:
        ValueError, TypeError: as ``conv_params``

    Examples:
        >>> c = separable_counts(3, 16, 3, 32)
        >>> c["standard_params"], c["depthwise_params"], c["pointwise_params"], c["separable_params"]  # 27 + 48 = 75
        (432, 27, 48, 75)
        >>> c["standard_macs"], c["separable_macs"]     # 432·1024, 75·1024
        (442368, 76800)
    """
    k = _kernel_tuple(kernel_size)
    mid = in_channels * multiplier
    dw = conv_params(in_channels, mid, k, groups=in_channels)
    pw = conv_params(mid, out_channels, (1,) * len(k))
    o = out_size if isinstance(out_size, (tuple, list)) else (out_size,) * len(k)
    return {
        "standard_params": conv_params(in_channels, out_channels, k),
        "depthwise_params": dw,
        "pointwise_params": pw,
        "separable_params": dw + pw,
        "standard_macs": conv_macs(in_channels, out_channels, k, o),
        "depthwise_macs": dw * prod(o),
        "pointwise_macs": pw * prod(o),
        "separable_macs": (dw + pw) * prod(o),
    }


def _check_groups(c_in, c_out, groups):
    for name, v in (("in_channels", c_in), ("out_channels", c_out), ("groups", groups)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide in_channels={c_in} and out_channels={c_out}")
