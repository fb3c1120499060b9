"""Output-size formulas, checked against independent arithmetic and against the ops' actual output shapes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import convviz

SETTINGS = settings(max_examples=60, deadline=None)


def out_len(i, k, s=1, p=0, d=1):
    """Count the window starts: positions 0, s, 2s, … whose dilated window fits in i + 2p cells."""
    extent = d * (k - 1) + 1
    count = 0
    start = 0
    while start + extent <= i + 2 * p:
        count += 1
        start += s
    return count


def transpose_out_len(i, k, s=1, p=0, op=0, d=1):
    """Last cell touched by the scatter (j = i−1, t = k−1), plus one, minus the cropping, plus output_padding."""
    last = (i - 1) * s + (k - 1) * d
    return last + 1 - 2 * p + op


@st.composite
def conv_dims(draw):
    k = draw(st.integers(1, 7))
    d = draw(st.integers(1, 4))
    s = draw(st.integers(1, 4))
    p = draw(st.integers(0, 4))
    i = draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 40))
    return i, k, s, p, d


@SETTINGS
@given(dims=conv_dims())
def test_conv_output_size_int(dims):
    i, k, s, p, d = dims
    got = convviz.conv_output_size(i, k, stride=s, padding=p, dilation=d)
    assert type(got) is int
    assert got == out_len(i, k, s, p, d)
    assert got == convviz.conv_output_size(i, k, s, p, d)  # positional order


@SETTINGS
@given(dims=st.lists(conv_dims(), min_size=1, max_size=3), data=st.data())
def test_conv_output_size_tuple(dims, data):
    i, k, s, p, d = (tuple(v) for v in zip(*dims))
    want = tuple(out_len(*dim) for dim in dims)
    got = convviz.conv_output_size(i, k, stride=s, padding=p, dilation=d)
    assert type(got) is tuple and got == want
    # any single tuple argument makes the result a tuple; the other arguments may stay ints when uniform
    args = dict(in_size=i, kernel_size=k, stride=s, padding=p, dilation=d)
    for name in args:
        if len(set(args[name])) == 1 and data.draw(st.booleans()):
            args[name] = args[name][0]
    if all(isinstance(v, int) for v in args.values()):
        args["in_size"] = i  # keep at least one tuple
    got = convviz.conv_output_size(**args)
    assert type(got) is tuple and got == want


@SETTINGS
@given(k=st.integers(1, 8), d=st.integers(1, 4), extra=st.integers(0, 20), n=st.integers(1, 3))
def test_conv_output_size_same_and_valid(k, d, extra, n):
    i = 1 + extra  # 'same' pads d·(k−1) in total, so any i ≥ 1 fits
    assert convviz.conv_output_size(i, k, padding="same", dilation=d) == i
    assert convviz.conv_output_size((i,) * n, (k,) * n, padding="same", dilation=(d,) * n) == (i,) * n
    big = i + d * (k - 1)
    assert convviz.conv_output_size(big, k, padding="valid", dilation=d) == out_len(big, k, 1, 0, d) == i


@SETTINGS
@given(k=st.integers(1, 6), d=st.integers(1, 4), s=st.integers(1, 4), p=st.integers(0, 6), i=st.integers(1, 30),
       data=st.data())
def test_conv_transpose_output_size_int(k, d, s, p, i, data):
    op = data.draw(st.integers(0, max(s, d) - 1))
    want = transpose_out_len(i, k, s, p, op, d)
    if want < 1:  # padding crops away everything
        with pytest.raises(ValueError, match="padding"):
            convviz.conv_transpose_output_size(i, k, stride=s, padding=p, output_padding=op, dilation=d)
        return
    got = convviz.conv_transpose_output_size(i, k, stride=s, padding=p, output_padding=op, dilation=d)
    assert type(got) is int and got == want


@SETTINGS
@given(n=st.integers(1, 3), data=st.data())
def test_conv_transpose_output_size_tuple(n, data):
    dims = []
    for _ in range(n):
        k, d, s = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
        p = data.draw(st.integers(0, d * (k - 1)))
        op = data.draw(st.integers(0, max(s, d) - 1))
        need = 2 * p - d * (k - 1) - op  # (i−1)·s ≥ need keeps the output size ≥ 1
        least = max(1, 1 - (-need // s))
        i = data.draw(st.integers(least, max(least, 20)))       # (a large padding may need i > 20)
        dims.append((i, k, s, p, op, d))
    i, k, s, p, op, d = (tuple(v) for v in zip(*dims))
    got = convviz.conv_transpose_output_size(i, k, stride=s, padding=p, output_padding=op, dilation=d)
    assert type(got) is tuple and got == tuple(transpose_out_len(*dim) for dim in dims)


@SETTINGS
@given(dims=conv_dims())
def test_transpose_size_inverts_conv_size(dims):
    """Every input size that a conv maps to o is recovered by the transposed size with some output_padding."""
    i, k, s, p, d = dims
    o = convviz.conv_output_size(i, k, stride=s, padding=p, dilation=d)
    base = transpose_out_len(o, k, s, p, 0, d)  # may be < 1 by itself; output_padding then makes up for it
    assert 0 <= i - base < s
    assert convviz.conv_transpose_output_size(o, k, stride=s, padding=p, output_padding=i - base, dilation=d) == i


def test_known_sizes():
    assert convviz.conv_output_size(5, 3) == 3
    assert convviz.conv_output_size(7, 3, stride=2, padding=1) == 4
    assert convviz.conv_output_size(7, 3, dilation=2) == 3
    assert convviz.conv_output_size((5, 6), 3) == (3, 4)
    assert convviz.conv_output_size(5, (3, 3)) == (3, 3)
    assert convviz.conv_output_size((5,), 3) == (3,)
    assert convviz.conv_output_size((6, 7), (2, 4), padding="same", dilation=(3, 2)) == (6, 7)
    assert convviz.conv_transpose_output_size(3, 3, stride=2, padding=1, output_padding=1) == 6
    assert convviz.conv_transpose_output_size(4, 2, stride=2) == 8
    assert convviz.conv_transpose_output_size((5, 4), 3, stride=(2, 1)) == (11, 6)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), nd=st.integers(1, 3), data=st.data())
def test_sizes_agree_with_ops(seed, nd, data):
    k = tuple(data.draw(st.integers(1, 3)) for _ in range(nd))
    d = tuple(data.draw(st.integers(1, 2)) for _ in range(nd))
    s = tuple(data.draw(st.integers(1, 3)) for _ in range(nd))
    p = tuple(data.draw(st.integers(0, 2)) for _ in range(nd))
    i = tuple(data.draw(st.integers(max(1, d[a] * (k[a] - 1) + 1 - 2 * p[a]), 7)) for a in range(nd))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, *i))
    w = rng.standard_normal((1, 1, *k))
    out = convviz.conv(x, w, stride=s, padding=p, dilation=d)
    assert out.shape[1:] == convviz.conv_output_size(i, k, stride=s, padding=p, dilation=d)
    same = convviz.conv(x, w, padding="same", dilation=d)
    assert same.shape[1:] == convviz.conv_output_size(i, k, padding="same", dilation=d) == i
    op = tuple(data.draw(st.integers(0, max(s[a], d[a]) - 1)) for a in range(nd))
    size = tuple(transpose_out_len(i[a], k[a], s[a], p[a], op[a], d[a]) for a in range(nd))
    if min(size) >= 1:
        t = convviz.conv_transpose(x, w, stride=s, padding=p, output_padding=op, dilation=d)
        assert t.shape[1:] == size == convviz.conv_transpose_output_size(i, k, stride=s, padding=p,
                                                                          output_padding=op, dilation=d)
