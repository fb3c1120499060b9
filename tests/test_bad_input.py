"""Invalid arguments raise ValueError/TypeError naming the offending parameter; nothing is silently broadcast."""

from __future__ import annotations

import re

import numpy as np
import pytest

import convviz

X = np.ones((2, 6, 6))            # unbatched, C_in = 2
W = np.ones((4, 2, 3, 3))         # C_out = 4
WT = np.ones((2, 3, 3, 3))        # transposed weight: C_in = 2, C_out = 3
XD = np.ones((2, 2, 6, 6))        # batched for deform
OFF = np.zeros((2, 18, 4, 4))     # 2·1·3·3 offset channels, 4x4 output
MASK = np.ones((2, 9, 4, 4))


def names(message, *candidates):
    """True if any candidate appears in the message as a word (so 'x' does not match inside 'expected')."""
    return any(re.search(rf"(?<![A-Za-z_]){re.escape(c)}(?![A-Za-z])", message) for c in candidates)


CASES = {
    # stride
    "conv stride 0": (lambda: convviz.conv(X, W, stride=0), ["stride"]),
    "conv stride -1": (lambda: convviz.conv(X, W, stride=-1), ["stride"]),
    "conv stride tuple with 0": (lambda: convviz.conv(X, W, stride=(1, 0)), ["stride"]),
    "conv stride float": (lambda: convviz.conv(X, W, stride=1.5), ["stride"]),
    "conv stride wrong length": (lambda: convviz.conv(X, W, stride=(1, 1, 1)), ["stride"]),
    "conv_transpose stride 0": (lambda: convviz.conv_transpose(X, WT, stride=0), ["stride"]),
    "deform stride 0": (lambda: convviz.deform_conv2d(XD, OFF, W, stride=0), ["stride"]),
    "conv_output_size stride 0": (lambda: convviz.conv_output_size(5, 3, stride=0), ["stride"]),
    "conv_transpose_output_size stride 0": (lambda: convviz.conv_transpose_output_size(5, 3, stride=0),
                                            ["stride"]),
    # dilation
    "conv dilation 0": (lambda: convviz.conv(X, W, dilation=0), ["dilation"]),
    "conv dilation tuple with -1": (lambda: convviz.conv(X, W, dilation=(1, -1)), ["dilation"]),
    "conv_transpose dilation 0": (lambda: convviz.conv_transpose(X, WT, dilation=0), ["dilation"]),
    "deform dilation 0": (lambda: convviz.deform_conv2d(XD, OFF, W, dilation=0), ["dilation"]),
    "conv_output_size dilation 0": (lambda: convviz.conv_output_size(5, 3, dilation=0), ["dilation"]),
    # kernel size
    "conv zero-size kernel": (lambda: convviz.conv(X, np.ones((4, 2, 0, 3))), ["kernel"]),
    "conv1d zero-size kernel": (lambda: convviz.conv(np.ones((1, 5)), np.ones((1, 1, 0))), ["kernel"]),
    "conv_transpose zero-size kernel": (lambda: convviz.conv_transpose(X, np.ones((2, 3, 3, 0))), ["kernel"]),
    "conv_output_size kernel 0": (lambda: convviz.conv_output_size(5, 0), ["kernel"]),
    "conv_transpose_output_size kernel 0": (lambda: convviz.conv_transpose_output_size(5, 0), ["kernel"]),
    # padding
    "conv padding -1": (lambda: convviz.conv(X, W, padding=-1), ["padding"]),
    "conv padding tuple with -1": (lambda: convviz.conv(X, W, padding=(1, -1)), ["padding"]),
    "conv padding unknown string": (lambda: convviz.conv(X, W, padding="full"), ["padding"]),
    "conv_transpose padding -1": (lambda: convviz.conv_transpose(X, WT, padding=-1), ["padding"]),
    "conv_transpose padding 'same'": (lambda: convviz.conv_transpose(X, WT, padding="same"), ["padding"]),
    "conv_transpose padding crops everything": (
        lambda: convviz.conv_transpose(np.ones((1, 1)), np.ones((1, 1, 1)), padding=1), ["padding"]),
    "deform padding -1": (lambda: convviz.deform_conv2d(XD, OFF, W, padding=-1), ["padding"]),
    "conv_output_size padding -1": (lambda: convviz.conv_output_size(5, 3, padding=-1), ["padding"]),
    # kernel larger than the padded input
    "conv kernel too large": (lambda: convviz.conv(X, np.ones((4, 2, 7, 3))), ["kernel"]),
    "conv dilated kernel too large": (lambda: convviz.conv(X, W, dilation=(1, 3)), ["kernel"]),
    "conv kernel too large even with padding": (
        lambda: convviz.conv(np.ones((1, 2)), np.ones((1, 1, 5)), padding=1), ["kernel"]),
    "conv_matrix kernel too large": (lambda: convviz.conv_matrix((2, 2, 2), W), ["kernel"]),
    "conv_output_size kernel too large": (lambda: convviz.conv_output_size(5, 7), ["kernel"]),
    "separable_conv2d kernel too large": (
        lambda: convviz.separable_conv2d(np.ones((2, 5)), np.ones(3), np.ones(3)), ["kernel", "column"]),
    "deform kernel too large": (
        lambda: convviz.deform_conv2d(np.ones((2, 2, 2)), np.zeros((18, 1, 1)), W), ["kernel"]),
    # groups
    "conv groups do not divide C_in": (
        lambda: convviz.conv(np.ones((3, 6, 6)), np.ones((4, 1, 3, 3)), groups=2), ["groups"]),
    "conv groups do not divide C_out": (
        lambda: convviz.conv(np.ones((4, 6, 6)), np.ones((3, 2, 3, 3)), groups=2), ["groups"]),
    "conv groups 0": (lambda: convviz.conv(X, W, groups=0), ["groups"]),
    "conv_transpose groups do not divide C_in": (
        lambda: convviz.conv_transpose(np.ones((3, 6, 6)), np.ones((3, 3, 3, 3)), groups=2), ["groups"]),
    "conv_transpose groups 0": (lambda: convviz.conv_transpose(X, WT, groups=0), ["groups"]),
    "conv_matrix groups": (lambda: convviz.conv_matrix((3, 6, 6), np.ones((4, 1, 3, 3)), groups=2), ["groups"]),
    # channel mismatches
    "conv channels": (lambda: convviz.conv(np.ones((3, 6, 6)), W), ["weight", "channels"]),
    "conv channels with groups": (
        lambda: convviz.conv(np.ones((4, 6, 6)), np.ones((4, 1, 3, 3)), groups=2), ["weight", "channels"]),
    "conv_transpose channels": (lambda: convviz.conv_transpose(X, np.ones((3, 3, 3, 3))), ["weight", "channels"]),
    "conv_matrix channels": (lambda: convviz.conv_matrix((3, 6, 6), W), ["weight", "channels", "input_shape"]),
    "deform channels": (lambda: convviz.deform_conv2d(np.ones((3, 6, 6)), OFF[0], W), ["weight", "channels"]),
    "depthwise_separable depthwise weight": (
        lambda: convviz.depthwise_separable(X, np.ones((2, 2, 3, 3)), np.ones((3, 2, 1, 1))),
        ["depthwise_weight", "weight", "channels"]),
    "depthwise_separable pointwise weight": (
        lambda: convviz.depthwise_separable(X, np.ones((2, 1, 3, 3)), np.ones((3, 3, 1, 1))),
        ["pointwise_weight", "weight", "channels"]),
    # output_padding
    "output_padding == stride": (
        lambda: convviz.conv_transpose(X, WT, stride=2, output_padding=2), ["output_padding"]),
    "output_padding == dilation": (
        lambda: convviz.conv_transpose(X, WT, dilation=2, output_padding=2), ["output_padding"]),
    "output_padding >= both": (
        lambda: convviz.conv_transpose(X, WT, stride=2, dilation=3, output_padding=(0, 3)), ["output_padding"]),
    "output_padding with stride 1": (lambda: convviz.conv_transpose(X, WT, output_padding=1), ["output_padding"]),
    "output_padding -1": (lambda: convviz.conv_transpose(X, WT, stride=2, output_padding=-1), ["output_padding"]),
    "conv_transpose_output_size output_padding": (
        lambda: convviz.conv_transpose_output_size(5, 3, stride=2, output_padding=2), ["output_padding"]),
    # 'same' with stride > 1
    "conv same with stride 2": (lambda: convviz.conv(X, W, padding="same", stride=2), ["same", "stride"]),
    "conv same with stride (1, 2)": (lambda: convviz.conv(X, W, padding="same", stride=(1, 2)), ["same", "stride"]),
    "conv_output_size same with stride 2": (
        lambda: convviz.conv_output_size(5, 3, padding="same", stride=2), ["same", "stride"]),
    # offset / mask shapes (no broadcasting)
    "offset spatial": (lambda: convviz.deform_conv2d(XD, np.zeros((2, 18, 4, 5)), W), ["offset"]),
    "offset channels": (lambda: convviz.deform_conv2d(XD, np.zeros((2, 17, 4, 4)), W), ["offset"]),
    "offset batch": (lambda: convviz.deform_conv2d(XD, np.zeros((1, 18, 4, 4)), W), ["offset"]),
    "offset broadcastable spatial": (lambda: convviz.deform_conv2d(XD, np.zeros((2, 18, 1, 1)), W), ["offset"]),
    "offset missing batch": (lambda: convviz.deform_conv2d(XD, np.zeros((18, 4, 4)), W), ["offset"]),
    "offset groups not dividing C_in": (
        lambda: convviz.deform_conv2d(np.ones((3, 6, 6)), np.zeros((36, 4, 4)), np.ones((4, 3, 3, 3))), ["offset"]),
    "mask spatial": (lambda: convviz.deform_conv2d(XD, OFF, W, mask=np.ones((2, 9, 4, 5))), ["mask"]),
    "mask taps": (lambda: convviz.deform_conv2d(XD, OFF, W, mask=np.ones((2, 18, 4, 4))), ["mask"]),
    "mask broadcastable": (lambda: convviz.deform_conv2d(XD, OFF, W, mask=np.ones((2, 1, 4, 4))), ["mask"]),
    "mask batch": (lambda: convviz.deform_conv2d(XD, OFF, W, mask=np.ones((1, 9, 4, 4))), ["mask"]),
    "mask unbatched for batched x": (lambda: convviz.deform_conv2d(XD, OFF, W, mask=np.ones((9, 4, 4))), ["mask"]),
    # non-finite values
    "nan in x": (lambda: convviz.conv(np.full((2, 6, 6), np.nan), W), ["x"]),
    "inf in x": (lambda: convviz.conv(np.where(np.eye(6, dtype=bool), np.inf, 1.0)[None].repeat(2, 0), W), ["x"]),
    "inf in weight": (lambda: convviz.conv(X, np.full((4, 2, 3, 3), np.inf)), ["weight"]),
    "nan in weight": (lambda: convviz.conv(X, np.where(np.arange(72).reshape(4, 2, 3, 3) == 5, np.nan, 1.0)),
                      ["weight"]),
    "nan in bias": (lambda: convviz.conv(X, W, bias=np.array([1, np.nan, 1, 1])), ["bias"]),
    "nan in conv_transpose x": (lambda: convviz.conv_transpose(np.full((2, 6, 6), np.nan), WT), ["x"]),
    "inf in conv_transpose weight": (lambda: convviz.conv_transpose(X, np.full((2, 3, 3, 3), -np.inf)), ["weight"]),
    "nan in deform x": (lambda: convviz.deform_conv2d(np.full((2, 2, 6, 6), np.nan), OFF, W), ["x"]),
    "nan in deform offset": (lambda: convviz.deform_conv2d(XD, np.full((2, 18, 4, 4), np.nan), W), ["offset"]),
    "inf in deform mask": (lambda: convviz.deform_conv2d(XD, OFF, W, mask=np.full((2, 9, 4, 4), np.inf)), ["mask"]),
    "nan in kernel to separate": (lambda: convviz.separate_kernel(np.full((3, 3), np.nan)), ["kernel"]),
    # non-numeric data
    "strings as x": (lambda: convviz.conv([["a", "b"]], np.ones((1, 1, 1))), ["x"]),
    "strings as weight": (lambda: convviz.conv(X, "abc"), ["weight"]),
    # unsupported rank
    "weight rank 2": (lambda: convviz.conv(X, np.ones((2, 2))), ["rank", "weight"]),
    "weight rank 6": (lambda: convviz.conv(np.ones((1, 2, 3, 3, 3, 3)), np.ones((1, 2, 1, 1, 1, 1))),
                      ["rank", "weight"]),
    "conv_transpose weight rank 6": (
        lambda: convviz.conv_transpose(np.ones((1, 2, 3, 3, 3, 3)), np.ones((2, 1, 1, 1, 1, 1))), ["rank", "weight"]),
    "conv1d with 2-D weight": (lambda: convviz.conv1d(X, W), ["rank", "weight"]),
    "conv3d with 2-D weight": (lambda: convviz.conv3d(X, W), ["rank", "weight"]),
    "deform with 1-D weight": (lambda: convviz.deform_conv2d(XD, OFF, np.ones((4, 2, 3))), ["rank", "weight"]),
    "x rank too small": (lambda: convviz.conv(np.ones((6, 6)), W), ["x"]),
    "x rank too large": (lambda: convviz.conv(np.ones((1, 1, 2, 6, 6)), W), ["x"]),
    # bias shape (no broadcasting)
    "bias C_out+1": (lambda: convviz.conv(X, W, bias=np.ones(5)), ["bias"]),
    "bias C_out-1": (lambda: convviz.conv(X, W, bias=np.ones(3)), ["bias"]),
    "bias broadcastable (1,)": (lambda: convviz.conv(X, W, bias=np.ones(1)), ["bias"]),
    "bias scalar": (lambda: convviz.conv(X, W, bias=1.0), ["bias"]),
    "bias column (C_out, 1)": (lambda: convviz.conv(X, W, bias=np.ones((4, 1))), ["bias"]),
    "conv_transpose bias C_out+1": (lambda: convviz.conv_transpose(X, WT, bias=np.ones(4)), ["bias"]),
    "conv_transpose bias (1,)": (lambda: convviz.conv_transpose(X, WT, bias=np.ones(1)), ["bias"]),
    "deform bias C_out+1": (lambda: convviz.deform_conv2d(XD, OFF, W, bias=np.ones(5)), ["bias"]),
    "deform bias (1,)": (lambda: convviz.deform_conv2d(XD, OFF, W, bias=np.ones(1)), ["bias"]),
    "depthwise_separable depthwise_bias": (
        lambda: convviz.depthwise_separable(X, np.ones((2, 1, 3, 3)), np.ones((3, 2, 1, 1)),
                                            depthwise_bias=np.ones(1)), ["bias"]),
    "depthwise_separable pointwise_bias": (
        lambda: convviz.depthwise_separable(X, np.ones((2, 1, 3, 3)), np.ones((3, 2, 1, 1)),
                                            pointwise_bias=np.ones(4)), ["bias"]),
    # tuple lengths
    "conv_output_size mismatched tuple lengths": (lambda: convviz.conv_output_size((5, 5), (3, 3, 3)), ["kernel"]),
    "conv padding tuple wrong length": (lambda: convviz.conv(X, W, padding=(1, 1, 1)), ["padding"]),
    # layer counts
    "conv_params groups do not divide": (lambda: convviz.conv_params(3, 4, (3, 3), groups=2), ["groups"]),
    "conv_params groups 0": (lambda: convviz.conv_params(4, 4, (3, 3), groups=0), ["groups"]),
    "conv_params kernel 0": (lambda: convviz.conv_params(4, 4, (3, 0)), ["kernel"]),
    "conv_macs groups do not divide": (lambda: convviz.conv_macs(4, 3, (3, 3), (8, 8), groups=2), ["groups"]),
    # kernels that cannot be separated
    "separate rank-2 kernel": (lambda: convviz.separate_kernel(np.array([[1, 0], [0, 1]])), ["rank", "separable"]),
    "separate 1-D kernel": (lambda: convviz.separate_kernel(np.ones(3)), ["kernel"]),
    # issue 13: values beyond int64, sums that overflow, arrays beyond memory
    "uint64 beyond int64": (lambda: convviz.conv(np.full((2, 6, 6), 2 ** 64 - 1, np.uint64), W.astype(int)), ["x"]),
    "python int beyond int64 weight": (lambda: convviz.conv(X, [[[[2 ** 70]]]]), ["weight"]),
    "int64 sum overflows": (lambda: convviz.conv(np.full((2, 6, 6), 2 ** 62), W.astype(int)), ["sum", "int64"]),
    "float sum overflows": (lambda: convviz.conv(np.full((2, 6, 6), 1e300), np.full((4, 2, 3, 3), 1e300)),
                            ["result", "overflows"]),
    "padding beyond memory": (lambda: convviz.conv(X, W, padding=10 ** 7), ["padded", "padding"]),
    "transposed stride beyond memory": (lambda: convviz.conv_transpose(X, WT, stride=10 ** 7), ["stride"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_names_parameter(name):
    fn, expected = CASES[name]
    with pytest.raises((ValueError, TypeError)) as exc:
        fn()
    message = str(exc.value)
    assert names(message, *expected), f"{name}: {message!r} names none of {expected}"


def test_names_helper():
    """The word matcher itself: 'x' must stand alone (or as 'x[...]', 'x:'), not inside another word."""
    assert names("x must be finite", "x")
    assert names("got x shape (1, 2)", "x")
    assert not names("expected 3 input channels", "x")
    assert names("output_padding must be smaller", "output_padding")
    assert names("kernel_size must be at least 1", "kernel")
    assert not names("padding must be non-negative", "output_padding")


def test_valid_calls_next_to_the_bad_ones_succeed():
    """Each bad case above differs from a valid call only in the broken argument."""
    assert convviz.conv(X, W).shape == (4, 4, 4)
    assert convviz.conv(X, W, bias=np.ones(4)).shape == (4, 4, 4)
    assert convviz.conv(X, W, padding="same").shape == (4, 6, 6)
    assert convviz.conv_transpose(X, WT, stride=2, output_padding=1).shape == (3, 14, 14)
    assert convviz.conv_transpose(X, WT, dilation=2, output_padding=1).shape == (3, 11, 11)
    assert convviz.conv_transpose(X, WT, bias=np.ones(3)).shape == (3, 8, 8)
    assert convviz.deform_conv2d(XD, OFF, W, mask=MASK, bias=np.ones(4)).shape == (2, 4, 4, 4)
    assert convviz.deform_conv2d(XD[0], OFF[0], W, mask=MASK[0]).shape == (4, 4, 4)
    mid, out = convviz.depthwise_separable(X, np.ones((2, 1, 3, 3)), np.ones((3, 2, 1, 1)),
                                           depthwise_bias=np.ones(2), pointwise_bias=np.ones(3))
    assert mid.shape == (2, 4, 4) and out.shape == (3, 4, 4)
    assert convviz.conv_matrix((2, 6, 6), W).shape == (64, 72)


@pytest.mark.parametrize("bias", [np.ones(1), np.ones((4, 1)), np.ones((1, 4)), np.float64(1.0)])
def test_no_silent_bias_broadcast_batched(bias):
    with pytest.raises(ValueError, match="bias"):
        convviz.conv(np.ones((3, 2, 6, 6)), W, bias=bias)


def test_inputs_are_not_modified():
    x = np.arange(2 * 6 * 6, dtype=float).reshape(2, 6, 6)
    w = np.arange(4 * 2 * 3 * 3, dtype=float).reshape(4, 2, 3, 3)
    off = np.full((18, 4, 4), 0.25)
    copies = [a.copy() for a in (x, w, off)]
    convviz.conv(x, w, padding=1, true_conv=True)
    convviz.conv_transpose(x, np.ascontiguousarray(w[:2, :3]), stride=2)
    convviz.deform_conv2d(x, off, w)
    for a, b in zip((x, w, off), copies):
        assert np.array_equal(a, b)
