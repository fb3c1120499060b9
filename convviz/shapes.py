"""Output-size rules and parameter validation, with PyTorch's semantics.

Every function takes per-dimension values as an int (the same for every dimension) or a tuple (one per
dimension) and raises ``ValueError``/``TypeError`` naming the parameter, the rule and the value.
"""

from __future__ import annotations

import numbers
from typing import Sequence

IntOrTuple = int | Sequence[int]


def ntuple(value, n: int, name: str, minimum: int | None = None) -> tuple[int, ...]:
    """``value`` as a tuple of ``n`` ints; ``minimum`` is checked for every entry."""
    if isinstance(value, (bool,)) or not isinstance(value, (numbers.Integral, tuple, list)):
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    if isinstance(value, numbers.Integral):
        out = (int(value),) * n
    else:
        if len(value) != n:
            raise ValueError(f"{name} must have {n} entries (one per spatial dimension), got {tuple(value)!r}")
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value):
            raise TypeError(f"{name} must hold ints, got {tuple(value)!r}")
        out = tuple(int(v) for v in value)
    if minimum is not None and any(v < minimum for v in out):
        rule = "at least 1" if minimum == 1 else f"at least {minimum}"
        if minimum == 0:
            rule = "non-negative"
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    return out


def _ndim_of(*values) -> int:
    for v in values:
        if isinstance(v, (tuple, list)):
            return len(v)
    return 0


def resolve_padding(padding, kernel_size: Sequence[int], dilation: Sequence[int], stride: Sequence[int]
                    ) -> tuple[tuple[int, int], ...]:
    """Padding as ``(before, after)`` per spatial dimension.

    ``'valid'`` is no padding; ``'same'`` (stride 1 only) pads ``d·(k−1)`` in all, the odd cell at the
    end (bottom/right), as PyTorch does.
    """
    n = len(kernel_size)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"padding='same' needs stride 1 in every dimension, got stride={tuple(stride)}")
            out = []
            for k, d in zip(kernel_size, dilation):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return tuple(out)
        raise ValueError(f"padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    p = ntuple(padding, n, "padding", minimum=0)
    return tuple((v, v) for v in p)


def conv_output_size(in_size: IntOrTuple, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                     padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1):
    """⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 per dimension; an int if every argument is an int, else a tuple."""
    n = _ndim_of(in_size, kernel_size, stride, padding, dilation)
    scalar = n == 0
    n = max(n, 1)
    i = ntuple(in_size, n, "in_size", minimum=1)
    k = ntuple(kernel_size, n, "kernel_size", minimum=1)
    s = ntuple(stride, n, "stride", minimum=1)
    d = ntuple(dilation, n, "dilation", minimum=1)
    pads = resolve_padding(padding, k, d, s)
    out = []
    for ii, kk, ss, dd, (pb, pa), axis in zip(i, k, s, d, pads, range(n)):
        span = dd * (kk - 1) + 1
        if span > ii + pb + pa:
            where = f" in dimension {axis}" if n > 1 else ""
            raise ValueError(
                f"kernel_size: the dilated kernel (extent d·(k−1)+1 = {span}) is larger than the padded input "
                f"(i + padding = {ii + pb + pa}){where}")
        out.append((ii + pb + pa - span) // ss + 1)
    return out[0] if scalar else tuple(out)


def conv_transpose_output_size(in_size: IntOrTuple, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                               padding: IntOrTuple = 0, output_padding: IntOrTuple = 0,
                               dilation: IntOrTuple = 1):
    """(i−1)·s − 2p + d(k−1) + output_padding + 1 per dimension."""
    n = _ndim_of(in_size, kernel_size, stride, padding, output_padding, dilation)
    scalar = n == 0
    n = max(n, 1)
    i = ntuple(in_size, n, "in_size", minimum=1)
    k = ntuple(kernel_size, n, "kernel_size", minimum=1)
    s = ntuple(stride, n, "stride", minimum=1)
    p = ntuple(padding, n, "padding", minimum=0)
    op = ntuple(output_padding, n, "output_padding", minimum=0)
    d = ntuple(dilation, n, "dilation", minimum=1)
    out = []
    for ii, kk, ss, pp, oo, dd in zip(i, k, s, p, op, d):
        if oo >= ss and oo >= dd:
            raise ValueError(
                f"output_padding must be smaller than stride or dilation, got output_padding={oo}, "
                f"stride={ss}, dilation={dd}")
        o = (ii - 1) * ss - 2 * pp + dd * (kk - 1) + oo + 1
        if o < 1:
            raise ValueError(f"padding={pp} is too large: the transposed conv output size would be {o}")
        out.append(o)
    return out[0] if scalar else tuple(out)


def receptive_field(kernel_size: int, dilation: int = 1) -> int:
    """Extent of one dilated kernel: d·(k−1)+1."""
    (k,) = ntuple(kernel_size, 1, "kernel_size", minimum=1)
    (d,) = ntuple(dilation, 1, "dilation", minimum=1)
    return d * (k - 1) + 1
