"""Output-size rules and parameter validation, with PyTorch's semantics.

Every function takes per-dimension values as an int (the same for every dimension) or a tuple (one per
dimension) and raises ``ValueError``/``TypeError`` naming the parameter, the rule and the value.
"""

from __future__ import annotations

import numbers
from typing import Sequence

IntOrTuple = int | Sequence[int]


def ntuple(value, n: int, name: str, minimum: int | None = None) -> tuple[int, ...]:
    """``value`` as a tuple of ``n`` ints; ``minimum`` is checked for every entry.

    Args:
        value: an int (repeated ``n`` times) or a tuple/list of ``n`` ints (bools are not ints here)
        n: number of spatial dimensions
        name: the parameter's name, used in error messages
        minimum: smallest allowed entry, or None for no check. Default: None

    Returns:
        tuple of ``n`` Python ints.

    Raises:
        TypeError: ``value`` is not an int or a tuple/list of ints (a float, a bool, a string)
        ValueError: a tuple of the wrong length, or an entry below ``minimum``

    Examples:
        >>> ntuple(3, 2, "stride"), ntuple((1, 2), 2, "stride"), ntuple([0, 1], 2, "padding", minimum=0)
        ((3, 3), (1, 2), (0, 1))
        >>> ntuple((1, 2, 3), 2, "kernel_size")
        Traceback (most recent call last):
        ...
        ValueError: kernel_size must have 2 entries (one per spatial dimension), got (1, 2, 3)
        >>> ntuple(0, 2, "stride", minimum=1)
        Traceback (most recent call last):
        ...
        ValueError: stride must be at least 1, got 0
        >>> ntuple(1.5, 2, "stride")
        Traceback (most recent call last):
        ...
        TypeError: stride must be an int or a tuple of 2 ints, got 1.5
    """
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

    Args:
        padding: a non-negative int or tuple (the same on both sides), ``'valid'`` or ``'same'``
        kernel_size: one int per spatial dimension (its length is the number of dimensions)
        dilation: one int per spatial dimension
        stride: one int per spatial dimension

    Returns:
        tuple of ``(before, after)`` pairs, one per spatial dimension.

    Raises:
        ValueError: ``'same'`` with a stride other than 1, an unknown string, negative padding, a tuple of the
            wrong length
        TypeError: padding that is neither an int, a tuple of ints nor a string

    Examples:
        >>> resolve_padding(1, (3, 3), (1, 1), (1, 1))
        ((1, 1), (1, 1))
        >>> resolve_padding("valid", (3,), (1,), (1,))
        ((0, 0),)
        >>> resolve_padding("same", (3, 4), (1, 1), (1, 1))     # k = 4: 3 cells, the odd one at the end
        ((1, 1), (1, 2))
        >>> resolve_padding("same", (3,), (2,), (1,))           # dilation 2: d·(k−1) = 4
        ((2, 2),)
        >>> resolve_padding("same", (3,), (1,), (2,))
        Traceback (most recent call last):
        ...
        ValueError: padding='same' needs stride 1 in every dimension, got stride=(2,)
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


def conv_output_length(in_size: int, kernel_size: int, stride: int = 1, padding: int | tuple[int, int] = 0,
                       dilation: int = 1, axis: int | None = None) -> int:
    """The one output-size rule, for one spatial axis: ⌊(i + p_before + p_after − d·(k−1) − 1)/s⌋ + 1.

    ``padding`` is an int (both sides) or a ``(before, after)`` pair; ``axis`` only names the dimension in
    the error raised when the dilated kernel does not fit the padded input. Every output size in convviz
    (``conv_output_size``, ``ops.conv``, the formula figures show) comes from here.

    >>> conv_output_length(5, 3, stride=2, padding=1)
    3
    >>> conv_output_length(6, 3, stride=2)          # the floor leaves the last row unvisited
    2
    >>> conv_output_length(7, 3, dilation=2)
    3
    >>> conv_output_length(3, 5)
    Traceback (most recent call last):
    ...
    ValueError: kernel_size: the dilated kernel (extent d·(k−1)+1 = 5) is larger than the padded input (i + padding = 3)
    """
    before, after = (padding, padding) if isinstance(padding, numbers.Integral) else padding
    span = dilation * (kernel_size - 1) + 1
    total = in_size + before + after
    if span > total:
        where = f" in dimension {axis}" if axis is not None else ""
        raise ValueError(f"kernel_size: the dilated kernel (extent d·(k−1)+1 = {span}) is larger than the padded "
                         f"input (i + padding = {total}){where}")
    return (total - span) // stride + 1


def conv_output_size(in_size: IntOrTuple, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                     padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1):
    """Output size of a convolution per spatial dimension (``conv_output_length`` on each); an int if every
    argument is an int, else a tuple. ``padding`` may be ``'same'`` or ``'valid'`` as in PyTorch.

    >>> conv_output_size(5, 3, stride=2, padding=1)
    3
    >>> conv_output_size((28, 28), 5, padding=(2, 0))
    (28, 24)
    >>> conv_output_size((6, 5), (3, 2), padding="same")
    (6, 5)
    """
    n = _ndim_of(in_size, kernel_size, stride, padding, dilation)
    scalar = n == 0
    n = max(n, 1)
    i = ntuple(in_size, n, "in_size", minimum=1)
    k = ntuple(kernel_size, n, "kernel_size", minimum=1)
    s = ntuple(stride, n, "stride", minimum=1)
    d = ntuple(dilation, n, "dilation", minimum=1)
    pads = resolve_padding(padding, k, d, s)
    out = [conv_output_length(i[a], k[a], s[a], pads[a], d[a], axis=a if n > 1 else None) for a in range(n)]
    return out[0] if scalar else tuple(out)


def conv_transpose_output_size(in_size: IntOrTuple, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                               padding: IntOrTuple = 0, output_padding: IntOrTuple = 0,
                               dilation: IntOrTuple = 1):
    """(i−1)·s − 2p + d(k−1) + output_padding + 1 per dimension.

    The inverse of ``conv_output_size``: a conv with the same kernel, stride, padding and dilation maps the result
    back to ``in_size``. Since the conv's floor maps several input sizes to one output size, ``output_padding``
    picks among them. Every argument is an int or a tuple (one per spatial dimension); the result is an int if
    every argument is an int, else a tuple.

    Args:
        in_size: input size, each at least 1
        kernel_size: each at least 1
        stride: each at least 1. Default: 1
        padding: cells cropped from each side, non-negative. Default: 0
        output_padding: cells added at the end, smaller than stride or dilation. Default: 0
        dilation: each at least 1. Default: 1

    Raises:
        ValueError: output_padding not smaller than stride or dilation; an output size below 1; values below
            their minimum; tuples of different lengths
        TypeError: values that are not ints or tuples of ints

    Examples:
        >>> conv_transpose_output_size(3, 3, stride=2, padding=1), conv_output_size(5, 3, stride=2, padding=1)
        (5, 3)
        >>> conv_transpose_output_size(3, 3, stride=2, padding=1, output_padding=1), conv_output_size(6, 3, 2, 1)
        (6, 3)
        >>> conv_transpose_output_size((2, 3), 2, stride=2)
        (4, 6)
        >>> conv_transpose_output_size(1, 3, padding=2)
        Traceback (most recent call last):
        ...
        ValueError: padding=2 is too large: the transposed conv output size would be -1
    """
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
    """Extent of one dilated kernel: d·(k−1)+1.

    Args:
        kernel_size: int, at least 1
        dilation: int, at least 1. Default: 1

    Returns:
        int: the number of input cells, along one axis, that one output value depends on.

    Raises:
        ValueError: kernel_size or dilation below 1
        TypeError: values that are not ints

    Examples:
        >>> receptive_field(3), receptive_field(3, dilation=2), receptive_field(5, dilation=3)
        (3, 5, 13)
        >>> receptive_field(0)
        Traceback (most recent call last):
        ...
        ValueError: kernel_size must be at least 1, got 0
    """
    (k,) = ntuple(kernel_size, 1, "kernel_size", minimum=1)
    (d,) = ntuple(dilation, 1, "dilation", minimum=1)
    return d * (k - 1) + 1
