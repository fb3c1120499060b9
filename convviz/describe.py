"""Text that figures show about a layer: the output-size formula with numbers substituted, the PyTorch call."""

from __future__ import annotations

from .shapes import conv_output_length, conv_transpose_output_size, resolve_padding


def _same(values) -> bool:
    return len(set(values)) == 1


def _arg(values) -> str:
    values = tuple(values)
    return str(values[0]) if _same(values) else str(values)


def size_formula(in_size, kernel_size, stride, padding, dilation) -> list[str]:
    """One line per distinct spatial dimension: ``o = ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 = ⌊(5 + 2·1 − 1·(3−1) − 1)/1⌋
    + 1 = 5``; asymmetric ('same' with an even kernel) padding shows both sides.

    Dimensions whose numbers equal the first dimension's are not repeated; when the lines differ, each is
    prefixed with its axis: ``H: ``, ``W: ``, or for a volume (PyTorch's order D, H, W) ``D: ``, ``H: ``,
    ``W: ``. The value is ``shapes.conv_output_length``.

    Args:
        in_size: spatial input size, one int per dimension, e.g. (H, W)
        kernel_size: one int per dimension
        stride: one int per dimension
        padding: an int, a tuple, ``'valid'`` or ``'same'`` (as ``shapes.resolve_padding`` takes it)
        dilation: one int per dimension

    Returns:
        list of str.

    Raises:
        ValueError: as ``shapes.resolve_padding`` and ``shapes.conv_output_length`` (a kernel larger than the
            padded input)

    Examples:
        >>> size_formula((5, 5), (3, 3), (2, 2), 1, (1, 1))
        ['o = ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 = ⌊(5 + 2·1 − 1·(3−1) − 1)/2⌋ + 1 = 3']
        >>> for line in size_formula((6, 5), (4, 3), (1, 1), "same", (1, 1)):     # same padding: o = i
        ...     print(line)
        H: o = ⌊(i + p₁ + p₂ − d(k−1) − 1)/s⌋ + 1 = ⌊(6 + 1 + 2 − 1·(4−1) − 1)/1⌋ + 1 = 6
        W: o = ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 = ⌊(5 + 2·1 − 1·(3−1) − 1)/1⌋ + 1 = 5
        >>> [line[:3] for line in size_formula((2, 4, 5), (1, 3, 3), (1, 1, 1), 0, (1, 1, 1))]   # (D, H, W)
        ['D: ', 'H: ', 'W: ']
    """
    pads = resolve_padding(padding, kernel_size, dilation, stride)
    lines = []
    dims = list(zip(in_size, kernel_size, stride, pads, dilation))
    for a, (i, k, s, (pb, pa), d) in enumerate(dims):
        if a > 0 and dims[a] == dims[0]:
            continue
        o = conv_output_length(i, k, s, (pb, pa), d)
        pad_sym = "2p" if pb == pa else "p₁ + p₂"
        pad_num = f"2·{pb}" if pb == pa else f"{pb} + {pa}"
        name = "" if len(dims) == 1 or all(x == dims[0] for x in dims) else f"{'DHW'[3 - len(dims) + a]}: "
        lines.append(f"{name}o = ⌊(i + {pad_sym} − d(k−1) − 1)/s⌋ + 1 = ⌊({i} + {pad_num} − {d}·({k}−1) − 1)/{s}⌋"
                     f" + 1 = {o}")
    return lines


def transpose_size_formula(in_size, kernel_size, stride, padding, output_padding, dilation) -> list[str]:
    """One line per distinct spatial dimension: ``o = (i−1)s − 2p + d(k−1) + output_padding + 1 = … = 5`` with the
    numbers substituted (``shapes.conv_transpose_output_size``).

    Dimensions whose numbers equal the first dimension's are not repeated; when the lines differ, each is
    prefixed with its axis (``D: ``, ``H: ``, ``W: `` for a volume, as ``size_formula``).

    Args:
        in_size: spatial input size, one int per dimension, e.g. (H, W)
        kernel_size, stride, padding, output_padding, dilation: one int per dimension each

    Returns:
        list of str.

    Raises:
        ValueError: as ``shapes.conv_transpose_output_size``

    Examples:
        >>> transpose_size_formula((3, 3), (3, 3), (2, 2), (1, 1), (0, 0), (1, 1))    # undoes size_formula's 5 -> 3
        ['o = (i−1)s − 2p + d(k−1) + output_padding + 1 = (3−1)·2 − 2·1 + 1·(3−1) + 0 + 1 = 5']
        >>> for line in transpose_size_formula((2, 3), (3, 3), (2, 2), (0, 0), (0, 0), (1, 1)):
        ...     print(line)
        H: o = (i−1)s − 2p + d(k−1) + output_padding + 1 = (2−1)·2 − 2·0 + 1·(3−1) + 0 + 1 = 5
        W: o = (i−1)s − 2p + d(k−1) + output_padding + 1 = (3−1)·2 − 2·0 + 1·(3−1) + 0 + 1 = 7
    """
    lines = []
    dims = list(zip(in_size, kernel_size, stride, padding, output_padding, dilation))
    for a, (i, k, s, p, op, d) in enumerate(dims):
        if a > 0 and dims[a] == dims[0]:
            continue
        o = conv_transpose_output_size(i, k, s, p, op, d)
        name = "" if all(x == dims[0] for x in dims) else f"{'DHW'[3 - len(dims) + a]}: "
        lines.append(f"{name}o = (i−1)s − 2p + d(k−1) + output_padding + 1 = ({i}−1)·{s} − 2·{p} + {d}·({k}−1)"
                     f" + {op} + 1 = {o}")
    return lines


def _pytorch_call(cls: str, in_channels, out_channels, kernel_size, options, groups, bias, nd) -> str:
    """``nn.<cls>(C_in, C_out, kernel_size=…, <options that differ from their defaults>)``."""
    k = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * nd
    parts = [str(in_channels), str(out_channels), f"kernel_size={_arg(k)}"]
    for name, v, default in options:
        if isinstance(v, str):
            parts.append(f"{name}='{v}'")
            continue
        vv = v if isinstance(v, (tuple, list)) else (v,) * nd
        if any(x != default for x in vv):
            parts.append(f"{name}={_arg(vv)}")
    if groups != 1:
        parts.append(f"groups={groups}")
    if not bias:
        parts.append("bias=False")
    return f"nn.{cls}{nd}d({', '.join(parts)})"


def pytorch_conv(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, nd: int = 2) -> str:
    """``nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)``; defaults left out.

    Args:
        in_channels: C_in
        out_channels: C_out
        kernel_size: int or tuple
        stride: int or tuple. Default: 1
        padding: int, tuple, ``'valid'`` or ``'same'``. Default: 0
        dilation: int or tuple. Default: 1
        groups: Default: 1
        bias: whether the layer has a bias (``bias=False`` is written out otherwise). Default: True
        nd: number of spatial dimensions: ``Conv1d``, ``Conv2d`` or ``Conv3d``. Default: 2

    Returns:
        str: the PyTorch module call. A tuple whose entries are all equal is written as one int.

    Examples:
        >>> pytorch_conv(1, 1, 3, stride=2, padding=1)
        'nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)'
        >>> pytorch_conv(3, 8, (3, 5), padding="same", bias=False)
        "nn.Conv2d(3, 8, kernel_size=(3, 5), padding='same', bias=False)"
        >>> pytorch_conv(4, 4, (3,), dilation=(2,), groups=4, nd=1)
        'nn.Conv1d(4, 4, kernel_size=3, dilation=2, groups=4)'
    """
    return _pytorch_call("Conv", in_channels, out_channels, kernel_size,
                         (("stride", stride, 1), ("padding", padding, 0), ("dilation", dilation, 1)), groups, bias, nd)


def pytorch_conv_transpose(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                           groups=1, dilation=1, bias=True, nd: int = 2) -> str:
    """``nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, output_padding=1)``; defaults left out.

    Args:
        in_channels: C_in
        out_channels: C_out
        kernel_size: int or tuple
        stride, padding, output_padding: int or tuple. Defaults: 1, 0, 0
        groups: Default: 1
        dilation: int or tuple. Default: 1
        bias: whether the layer has a bias (``bias=False`` is written out otherwise). Default: True
        nd: number of spatial dimensions: ``ConvTranspose1d``, ``2d`` or ``3d``. Default: 2

    Returns:
        str: the PyTorch module call.

    Examples:
        >>> pytorch_conv_transpose(1, 1, 3, stride=2, padding=1, output_padding=1)
        'nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, output_padding=1)'
        >>> pytorch_conv_transpose(2, 4, 2, stride=2, bias=False, nd=3)
        'nn.ConvTranspose3d(2, 4, kernel_size=2, stride=2, bias=False)'
    """
    return _pytorch_call("ConvTranspose", in_channels, out_channels, kernel_size,
                         (("stride", stride, 1), ("padding", padding, 0), ("output_padding", output_padding, 0),
                          ("dilation", dilation, 1)), groups, bias, nd)
