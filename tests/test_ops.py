"""convviz's compute layer against the loop reference in ``reference.py`` and against identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import convviz
from reference import (as_tuple, conv_out_len, conv_transpose_out_len, padding_pairs, prod, ref_conv,
                       ref_conv_transpose, ref_deform_conv2d, ref_shift2d, ref_textbook_conv)

SETTINGS = settings(max_examples=60, deadline=None)
FEW = settings(max_examples=30, deadline=None)


# ------------------------------------------------------------------------------------------ helpers
def assert_same(actual, expected, integer):
    """Exact (values and integer dtype) for integer data, allclose for floats; shapes always equal."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if integer:
        assert np.issubdtype(actual.dtype, np.integer), actual.dtype
        assert np.array_equal(actual, expected), (actual, expected)
    else:
        assert np.issubdtype(actual.dtype, np.floating), actual.dtype
        assert np.allclose(actual, expected, rtol=1e-9, atol=1e-9), (actual, expected)


def make_array(rng, shape, integer):
    if integer:
        return rng.integers(-5, 6, size=shape).astype(np.int64)
    return rng.standard_normal(shape)


# Per-dimension limits keep the Python-loop reference fast: (max kernel, max dilation, max stride, max extra).
LIMITS = {1: (4, 3, 3, 6), 2: (3, 3, 3, 4), 3: (2, 2, 2, 2)}


@st.composite
def conv_cases(draw, nd, padding_kinds=("int", "tuple", "valid", "same"), allow_batch=True):
    kmax, dmax, smax, extra = LIMITS[nd]
    seed = draw(st.integers(0, 2**32 - 1))
    integer = draw(st.booleans())
    depthwise = draw(st.booleans())
    if depthwise:  # groups = C_in, a channel multiplier per input channel
        groups = draw(st.integers(1, 3))
        c_in_g = 1
    else:
        groups = draw(st.integers(1, 3))
        c_in_g = draw(st.integers(1, 2 if nd == 3 else 3))
    c_in = groups * c_in_g
    c_out = groups * draw(st.integers(1, 2))
    kern = tuple(draw(st.integers(1, kmax)) for _ in range(nd))
    dil = tuple(draw(st.integers(1, dmax)) for _ in range(nd))
    kind = draw(st.sampled_from(padding_kinds))
    if kind == "same":
        stride = (1,) * nd
        padding = "same"
    else:
        stride = tuple(draw(st.integers(1, smax)) for _ in range(nd))
        if kind == "valid":
            padding = "valid"
        elif kind == "int":
            padding = draw(st.integers(0, 2))
        else:
            padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    pads = padding_pairs(padding, kern, dil, nd)
    in_sp = []
    for a in range(nd):
        lowest = max(1, dil[a] * (kern[a] - 1) + 1 - pads[a][0] - pads[a][1])  # kernel fits in padded input
        in_sp.append(draw(st.integers(lowest, lowest + extra)))
    batch = draw(st.sampled_from([None, 1, 2])) if allow_batch else None
    # Randomly present stride / dilation as ints when all entries agree (both forms are accepted).
    as_int = draw(st.booleans())
    stride_arg = stride[0] if as_int and len(set(stride)) == 1 else stride
    dil_arg = dil[0] if as_int and len(set(dil)) == 1 else dil
    rng = np.random.default_rng(seed)
    x_shape = ((batch,) if batch else ()) + (c_in, *in_sp)
    x = make_array(rng, x_shape, integer)
    w = make_array(rng, (c_out, c_in_g, *kern), integer)
    bias = make_array(rng, (c_out,), integer) if draw(st.booleans()) else None
    return dict(x=x, weight=w, bias=bias, stride=stride_arg, padding=padding, dilation=dil_arg, groups=groups,
                integer=integer)


def conv_kwargs(case):
    return {k: case[k] for k in ("bias", "stride", "padding", "dilation", "groups")}


# -------------------------------------------------------------------------------- conv vs reference
@pytest.mark.parametrize("nd", [1, 2, 3])
@SETTINGS
@given(data=st.data())
def test_conv_matches_reference(nd, data):
    case = data.draw(conv_cases(nd))
    got = convviz.conv(case["x"], case["weight"], **conv_kwargs(case))
    want = ref_conv(case["x"], case["weight"], **conv_kwargs(case))
    assert_same(got, want, case["integer"])


@pytest.mark.parametrize("nd", [1, 2, 3])
@FEW
@given(data=st.data())
def test_conv_same_padding_keeps_size(nd, data):
    """'same' (stride 1) with any kernel, even ones, and any dilation keeps the spatial size."""
    case = data.draw(conv_cases(nd, padding_kinds=("same",)))
    got = convviz.conv(case["x"], case["weight"], **conv_kwargs(case))
    assert got.shape[-nd:] == case["x"].shape[-nd:]
    assert_same(got, ref_conv(case["x"], case["weight"], **conv_kwargs(case)), case["integer"])


def test_same_padding_puts_odd_cell_at_end():
    """Kernel 2 needs one padding cell in total: PyTorch puts it after the input (right/bottom)."""
    x = np.array([[1, 2, 3, 4]])
    w = np.array([[[10, 1]]])
    # windows (1,2), (2,3), (3,4), (4,0)
    assert np.array_equal(convviz.conv(x, w, padding="same"), [[12, 23, 34, 40]])
    x2 = np.arange(1, 10).reshape(1, 3, 3)
    w2 = np.zeros((1, 1, 2, 2), dtype=int)
    w2[0, 0, 0, 0] = 1  # picks the window's top-left cell: out == x
    assert np.array_equal(convviz.conv(x2, w2, padding="same"), x2)
    w2 = np.zeros((1, 1, 2, 2), dtype=int)
    w2[0, 0, 1, 1] = 1  # bottom-right cell: x shifted up-left, zero at the bottom/right border
    assert np.array_equal(convviz.conv(x2, w2, padding="same"), [[[5, 6, 0], [8, 9, 0], [0, 0, 0]]])


@pytest.mark.parametrize("nd", [1, 2, 3])
@FEW
@given(data=st.data())
def test_conv_nd_helpers(nd, data):
    case = data.draw(conv_cases(nd))
    fn = {1: convviz.conv1d, 2: convviz.conv2d, 3: convviz.conv3d}[nd]
    got = fn(case["x"], case["weight"], **conv_kwargs(case))
    assert_same(got, ref_conv(case["x"], case["weight"], **conv_kwargs(case)), case["integer"])


def test_conv_small_known_values():
    x = np.array([[1, 2, 3, 4, 5]])
    w = np.array([[[1, 0, -1]]])
    assert np.array_equal(convviz.conv(x, w), [[-2, -2, -2]])
    assert np.array_equal(convviz.conv(x, w, stride=2, padding=1), [[-2, -2, 4]])
    assert np.array_equal(convviz.conv(x, w, dilation=2), [[-4]])
    assert np.array_equal(convviz.true_conv(x, w), [[2, 2, 2]])


def test_integer_dtype_and_batching():
    x = np.arange(2 * 3 * 5 * 5).reshape(2, 3, 5, 5)
    w = np.ones((4, 3, 3, 3), dtype=np.int32)
    out = convviz.conv(x, w)
    assert out.shape == (2, 4, 3, 3)
    assert np.issubdtype(out.dtype, np.integer)
    out0 = convviz.conv(x[0], w)
    assert out0.shape == (4, 3, 3)
    assert np.array_equal(out0, out[0])
    assert np.issubdtype(convviz.conv(x.astype(float), w).dtype, np.floating)


# ---------------------------------------------------------------------------------- true convolution
@pytest.mark.parametrize("nd", [1, 2, 3])
@SETTINGS
@given(data=st.data())
def test_true_conv_matches_textbook_definition(nd, data):
    case = data.draw(conv_cases(nd))
    want = ref_textbook_conv(case["x"], case["weight"], **conv_kwargs(case))
    assert_same(convviz.conv(case["x"], case["weight"], true_conv=True, **conv_kwargs(case)), want,
                case["integer"])
    assert_same(convviz.true_conv(case["x"], case["weight"], **conv_kwargs(case)), want, case["integer"])
    # and equivalently a cross-correlation with the flipped kernel
    flipped = np.flip(case["weight"], axis=tuple(range(2, 2 + nd))).copy()
    assert_same(convviz.conv(case["x"], flipped, **conv_kwargs(case)), want, case["integer"])


def test_true_conv_textbook_full_2d():
    """S(i,j) = Σ I(m,n) K(i−m, j−n) on the valid positions, by hand for a non-symmetric kernel."""
    image = np.arange(16).reshape(4, 4)
    kernel = np.array([[1, 2], [3, 4]])
    expected = np.zeros((3, 3), dtype=int)
    for i in range(1, 4):
        for j in range(1, 4):
            expected[i - 1, j - 1] = sum(image[m, n] * kernel[i - m, j - n]
                                         for m in range(4) for n in range(4)
                                         if 0 <= i - m < 2 and 0 <= j - n < 2)
    assert np.array_equal(convviz.true_conv(image[None], kernel[None, None])[0], expected)


# ----------------------------------------------------------------------------------- transposed conv
@st.composite
def transpose_cases(draw, nd):
    kmax, dmax, smax, extra = LIMITS[nd]
    seed = draw(st.integers(0, 2**32 - 1))
    integer = draw(st.booleans())
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out_g = draw(st.integers(1, 2))
    kern = tuple(draw(st.integers(1, kmax)) for _ in range(nd))
    dil = tuple(draw(st.integers(1, dmax)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, smax)) for _ in range(nd))
    # padding may exceed d·(k−1): the implicit conv then has negative padding (the output is cropped)
    pad = tuple(draw(st.integers(0, dil[a] * (kern[a] - 1) + 2)) for a in range(nd))
    out_pad = tuple(draw(st.integers(0, max(stride[a], dil[a]) - 1)) for a in range(nd))
    in_sp = []
    for a in range(nd):
        need = 2 * pad[a] - dil[a] * (kern[a] - 1) - out_pad[a]  # (i−1)·s ≥ need keeps the output ≥ 1
        lowest = max(1, 1 + -(-need // stride[a]))
        in_sp.append(draw(st.integers(lowest, lowest + max(1, extra - 2))))
    batch = draw(st.sampled_from([None, 1, 2]))
    rng = np.random.default_rng(seed)
    x = make_array(rng, ((batch,) if batch else ()) + (c_in, *in_sp), integer)
    w = make_array(rng, (c_in, c_out_g, *kern), integer)
    bias = make_array(rng, (groups * c_out_g,), integer) if draw(st.booleans()) else None
    as_int = draw(st.booleans())

    def maybe_int(t):
        return t[0] if as_int and len(set(t)) == 1 else t

    return dict(x=x, weight=w, bias=bias, stride=maybe_int(stride), padding=maybe_int(pad),
                output_padding=maybe_int(out_pad), groups=groups, dilation=maybe_int(dil), integer=integer)


def transpose_kwargs(case):
    return {k: case[k] for k in ("bias", "stride", "padding", "output_padding", "groups", "dilation")}


@pytest.mark.parametrize("nd", [1, 2, 3])
@SETTINGS
@given(data=st.data())
def test_conv_transpose_matches_reference(nd, data):
    case = data.draw(transpose_cases(nd))
    got = convviz.conv_transpose(case["x"], case["weight"], **transpose_kwargs(case))
    want = ref_conv_transpose(case["x"], case["weight"], **transpose_kwargs(case))
    assert_same(got, want, case["integer"])


def test_conv_transpose_small_known_values():
    x = np.array([[1, 2, 3]])
    w = np.array([[[1, 10]]])
    # stride 2: 1·[1,10] at 0, 2·[1,10] at 2, 3·[1,10] at 4 → length (3−1)·2 + 2 = 6
    assert np.array_equal(convviz.conv_transpose(x, w, stride=2), [[1, 10, 2, 20, 3, 30]])
    # overlapping contributions add up (stride 1)
    assert np.array_equal(convviz.conv_transpose(x, w), [[1, 12, 23, 30]])
    # padding crops p cells from each end; output_padding adds one cell at the end
    assert np.array_equal(convviz.conv_transpose(x, w, stride=2, padding=1), [[10, 2, 20, 3]])
    assert np.array_equal(convviz.conv_transpose(x, w, stride=2, padding=1, output_padding=1), [[10, 2, 20, 3, 30]])


# ------------------------------------------------------------------------------------------ identities
@st.composite
def adjoint_cases(draw, nd):
    case = draw(conv_cases(nd, padding_kinds=("int", "tuple")))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = case["x"]
    nsp = x.shape[-nd:]
    kern = case["weight"].shape[2:]
    s = as_tuple(case["stride"], nd)
    d = as_tuple(case["dilation"], nd)
    p = as_tuple(case["padding"], nd)
    out_sp = tuple(conv_out_len(nsp[a], kern[a], s[a], p[a], p[a], d[a]) for a in range(nd))
    # output_padding so that the transposed conv maps the conv's output size back onto the input size
    op = tuple(nsp[a] - conv_transpose_out_len(out_sp[a], kern[a], s[a], p[a], 0, d[a]) for a in range(nd))
    y = make_array(rng, x.shape[:-nd - 1] + (case["weight"].shape[0], *out_sp), case["integer"])
    case.update(y=y, output_padding=op, bias=None)
    return case


@pytest.mark.parametrize("nd", [1, 2, 3])
@SETTINGS
@given(data=st.data())
def test_conv_transpose_is_adjoint_of_conv(nd, data):
    """<conv(x, w), y> == <x, conv_transpose(y, w)>: the same weight array, (C_out, C_in/g, *k) for the conv,
    is (C_in', C_out'/g, *k) for the transpose with C_in' = C_out, C_out' = C_in."""
    c = data.draw(adjoint_cases(nd))
    assert all(0 <= o < max(sa, da) for o, sa, da in
               zip(c["output_padding"], as_tuple(c["stride"], nd), as_tuple(c["dilation"], nd)))
    fwd = convviz.conv(c["x"], c["weight"], stride=c["stride"], padding=c["padding"], dilation=c["dilation"],
                       groups=c["groups"])
    back = convviz.conv_transpose(c["y"], c["weight"], stride=c["stride"], padding=c["padding"],
                                  output_padding=c["output_padding"], groups=c["groups"],
                                  dilation=c["dilation"])
    assert fwd.shape == c["y"].shape
    assert back.shape == c["x"].shape
    lhs = np.sum(fwd * c["y"])
    rhs = np.sum(c["x"] * back)
    if c["integer"]:
        assert lhs == rhs
    else:
        assert np.isclose(lhs, rhs, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("nd", [1, 2, 3])
@SETTINGS
@given(data=st.data())
def test_conv_matrix(nd, data):
    """conv(x).ravel() == M @ x.ravel() and M.T @ y.ravel() == conv_transpose(y).ravel()."""
    c = data.draw(adjoint_cases(nd))
    x = c["x"] if c["x"].ndim == nd + 1 else c["x"][0]
    y = c["y"] if c["y"].ndim == nd + 1 else c["y"][0]
    kw = dict(stride=c["stride"], padding=c["padding"], dilation=c["dilation"], groups=c["groups"])
    m = convviz.conv_matrix(x.shape, c["weight"], **kw)
    assert m.shape == (y.size, x.size)
    fwd = ref_conv(x, c["weight"], **kw)
    back = ref_conv_transpose(y, c["weight"], stride=c["stride"], padding=c["padding"],
                              output_padding=c["output_padding"], groups=c["groups"], dilation=c["dilation"])
    assert_same(m @ x.ravel(), fwd.ravel(), c["integer"])
    assert_same(m.T @ y.ravel(), back.ravel(), c["integer"])
    assert_same(m @ x.ravel(), convviz.conv(x, c["weight"], **kw).ravel(), c["integer"])


@pytest.mark.parametrize("nd", [1, 2])
@FEW
@given(data=st.data())
def test_conv_matrix_any_padding(nd, data):
    c = data.draw(conv_cases(nd, allow_batch=False))
    kw = dict(stride=c["stride"], padding=c["padding"], dilation=c["dilation"], groups=c["groups"])
    m = convviz.conv_matrix(c["x"].shape, c["weight"], **kw)
    assert_same(m @ c["x"].ravel(), ref_conv(c["x"], c["weight"], **kw).ravel(), c["integer"])


@pytest.mark.parametrize("nd", [1, 2, 3])
@SETTINGS
@given(data=st.data())
def test_depthwise_is_per_channel(nd, data):
    """groups = C_in: output channels c·m … c·m+m−1 depend only on input channel c."""
    case = data.draw(conv_cases(nd))
    x, w = case["x"], case["weight"]
    c_in = x.shape[-nd - 1]
    mult = data.draw(st.integers(1, 3))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    w = make_array(rng, (c_in * mult, 1, *w.shape[2:]), case["integer"])
    kw = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    got = convviz.conv(x, w, groups=c_in, **kw)
    ch = -nd - 1
    for c in range(c_in):
        xc = np.take(x, [c], axis=ch)
        single = ref_conv(xc, w[c * mult:(c + 1) * mult], **kw)
        assert_same(np.take(got, range(c * mult, (c + 1) * mult), axis=ch), single, case["integer"])


# ------------------------------------------------------------------------------ depthwise separable
@pytest.mark.parametrize("nd", [1, 2])
@FEW
@given(data=st.data())
def test_depthwise_separable(nd, data):
    case = data.draw(conv_cases(nd))
    x = case["x"]
    integer = case["integer"]
    c_in = x.shape[-nd - 1]
    mult = data.draw(st.integers(1, 2))
    c_out = data.draw(st.integers(1, 4))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    dw = make_array(rng, (c_in * mult, 1, *case["weight"].shape[2:]), integer)
    pw = make_array(rng, (c_out, c_in * mult) + (1,) * nd, integer)
    db = make_array(rng, (c_in * mult,), integer) if data.draw(st.booleans()) else None
    pb = make_array(rng, (c_out,), integer) if data.draw(st.booleans()) else None
    kw = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    mid, out = convviz.depthwise_separable(x, dw, pw, depthwise_bias=db, pointwise_bias=pb, **kw)
    want_mid = ref_conv(x, dw, db, groups=c_in, **kw)
    assert_same(mid, want_mid, integer)
    assert_same(out, ref_conv(want_mid, pw, pb), integer)


# --------------------------------------------------------------------------------- separable kernels
def test_separate_sobel():
    col, row = convviz.separate_kernel(np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]))
    assert np.array_equal(col, [1, 2, 1])
    assert np.array_equal(row, [-1, 0, 1])
    assert np.issubdtype(col.dtype, np.integer) and np.issubdtype(row.dtype, np.integer)


@SETTINGS
@given(col=st.lists(st.integers(-6, 6), min_size=1, max_size=5).filter(any),
       row=st.lists(st.integers(-6, 6), min_size=1, max_size=5).filter(any))
def test_separate_integer_rank1(col, row):
    kernel = np.outer(col, row)
    c, r = convviz.separate_kernel(kernel)
    assert np.asarray(c).shape == (len(col),) and np.asarray(r).shape == (len(row),)
    assert np.array_equal(np.outer(c, r), kernel)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), kh=st.integers(1, 5), kw=st.integers(1, 5))
def test_separate_float_rank1(seed, kh, kw):
    rng = np.random.default_rng(seed)
    kernel = np.outer(rng.standard_normal(kh), rng.standard_normal(kw))
    c, r = convviz.separate_kernel(kernel)
    assert np.allclose(np.outer(c, r), kernel)


@pytest.mark.parametrize("kernel", [
    [[1, 0], [0, 1]],
    [[0, 1, 0], [1, -4, 1], [0, 1, 0]],  # Laplacian
    [[1.0, 2.0], [3.0, 4.5]],
])
def test_separate_rejects_rank2(kernel):
    with pytest.raises(ValueError) as exc:
        convviz.separate_kernel(np.array(kernel))
    assert "rank" in str(exc.value) or "separable" in str(exc.value)


def test_separable_conv2d_example():
    x = np.arange(25).reshape(5, 5)
    mid, out = convviz.separable_conv2d(x, np.array([1, 2, 1]), np.array([-1, 0, 1]))
    assert mid.shape == (3, 5) and out.shape == (3, 3)
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    assert np.array_equal(out, ref_conv(x[None], sobel[None, None])[0])
    assert np.array_equal(mid, ref_conv(x[None], np.array([1, 2, 1]).reshape(1, 1, 3, 1))[0])


@SETTINGS
@given(data=st.data())
def test_separable_conv2d_two_pass_equals_full_kernel(data):
    seed = data.draw(st.integers(0, 2**32 - 1))
    integer = data.draw(st.booleans())
    kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    sh, sw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    dh, dw = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    ph, pw = data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))
    h = data.draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 9))
    w = data.draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 9))
    rng = np.random.default_rng(seed)
    x = make_array(rng, (h, w), integer)
    col = make_array(rng, (kh,), integer)
    row = make_array(rng, (kw,), integer)
    stride, padding, dilation = (sh, sw), (ph, pw), (dh, dw)
    if sh == sw and ph == pw and dh == dw and data.draw(st.booleans()):
        stride, padding, dilation = sh, ph, dh
    mid, out = convviz.separable_conv2d(x, col, row, stride=stride, padding=padding, dilation=dilation)
    full = ref_conv(x[None], np.outer(col, row)[None, None], stride=stride, padding=padding, dilation=dilation)[0]
    assert_same(out, full, integer)
    # the column pass carries the vertical stride/padding/dilation, the row pass the horizontal ones
    want_mid = ref_conv(x[None], col.reshape(1, 1, kh, 1), stride=(sh, 1), padding=(ph, 0), dilation=(dh, 1))[0]
    assert_same(mid, want_mid, integer)
    assert_same(out, ref_conv(want_mid[None], row.reshape(1, 1, 1, kw), stride=(1, sw), padding=(0, pw),
                              dilation=(1, dw))[0], integer)


@FEW
@given(seed=st.integers(0, 2**32 - 1), integer=st.booleans(), kh=st.integers(1, 4), kw=st.integers(1, 4),
       dh=st.integers(1, 2), dw=st.integers(1, 2), h=st.integers(1, 7), w=st.integers(1, 7))
def test_separable_conv2d_same_padding(seed, integer, kh, kw, dh, dw, h, w):
    rng = np.random.default_rng(seed)
    x = make_array(rng, (h, w), integer)
    col = make_array(rng, (kh,), integer)
    row = make_array(rng, (kw,), integer)
    mid, out = convviz.separable_conv2d(x, col, row, padding="same", dilation=(dh, dw))
    assert out.shape == (h, w)
    full = ref_conv(x[None], np.outer(col, row)[None, None], padding="same", dilation=(dh, dw))[0]
    assert_same(out, full, integer)


# ------------------------------------------------------------------------------------ deformable conv
@st.composite
def deform_cases(draw, offsets="float", with_mask=None):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    offset_groups = draw(st.integers(1, 2))
    groups = draw(st.integers(1, 2))
    # C_in divisible by both offset_groups and groups
    c_in = offset_groups * groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 6))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 6))
    h_out = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    w_out = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    batch = draw(st.sampled_from([None, 1, 2]))
    lead = (batch,) if batch else ()
    x = rng.standard_normal(lead + (c_in, h, w))
    weight = rng.standard_normal((c_out, c_in // groups, kh, kw))
    off_shape = lead + (2 * offset_groups * kh * kw, h_out, w_out)
    if offsets == "zero":
        offset = np.zeros(off_shape)
    elif offsets == "int":
        offset = rng.integers(-3, 4, size=off_shape).astype(np.float64)
    else:
        # a mix of generic fractions, halves, integers and points just outside the border
        offset = rng.uniform(-3, 3, size=off_shape)
        special = rng.integers(0, 4, size=off_shape)
        offset = np.where(special == 1, np.round(offset * 2) / 2, offset)
        offset = np.where(special == 2, np.round(offset), offset)
    bias = rng.standard_normal(c_out) if draw(st.booleans()) else None
    use_mask = draw(st.booleans()) if with_mask is None else with_mask
    mask = rng.uniform(0, 1, size=lead + (offset_groups * kh * kw, h_out, w_out)) if use_mask else None
    stride, padding, dilation = (sh, sw), (ph, pw), (dh, dw)
    if sh == sw and ph == pw and dh == dw and draw(st.booleans()):
        stride, padding, dilation = sh, ph, dh
    return dict(x=x, offset=offset, weight=weight, bias=bias, stride=stride, padding=padding,
                dilation=dilation, mask=mask, groups=groups)


def deform_kwargs(c):
    return {k: c[k] for k in ("bias", "stride", "padding", "dilation", "mask")}


@SETTINGS
@given(case=deform_cases("float"))
def test_deform_matches_reference(case):
    got = convviz.deform_conv2d(case["x"], case["offset"], case["weight"], **deform_kwargs(case))
    want = ref_deform_conv2d(case["x"], case["offset"], case["weight"], **deform_kwargs(case))
    assert_same(got, want, integer=False)


@FEW
@given(case=deform_cases("int"))
def test_deform_integer_offsets_matches_reference(case):
    got = convviz.deform_conv2d(case["x"], case["offset"], case["weight"], **deform_kwargs(case))
    want = ref_deform_conv2d(case["x"], case["offset"], case["weight"], **deform_kwargs(case))
    assert_same(got, want, integer=False)


@FEW
@given(case=deform_cases("zero", with_mask=False))
def test_deform_zero_offsets_is_conv(case):
    kw = dict(bias=case["bias"], stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    got = convviz.deform_conv2d(case["x"], case["offset"], case["weight"], **kw)
    assert_same(got, ref_conv(case["x"], case["weight"], groups=case["groups"], **kw), integer=False)
    assert_same(got, convviz.conv(case["x"], case["weight"], groups=case["groups"], **kw), integer=False)
    ones = np.ones(case["offset"].shape[:-3] + (case["offset"].shape[-3] // 2,) + case["offset"].shape[-2:])
    assert_same(convviz.deform_conv2d(case["x"], case["offset"], case["weight"], mask=ones, **kw), got,
                integer=False)


@FEW
@given(case=deform_cases("zero", with_mask=False), dy=st.integers(-3, 3), dx=st.integers(-3, 3))
def test_deform_constant_integer_offset_is_shifted_conv(case, dy, dx):
    """Every tap moved by the same integer (dy, dx) == conv (no padding) of the zero-padded input shifted by
    (dy, dx): sampling x[y + dy, x + dx] with zeros outside."""
    x = case["x"]
    ph, pw = as_tuple(case["padding"], 2)
    offset = case["offset"].copy()
    offset[..., 0::2, :, :] = dy
    offset[..., 1::2, :, :] = dx
    kw = dict(bias=case["bias"], stride=case["stride"], dilation=case["dilation"])
    got = convviz.deform_conv2d(x, offset, case["weight"], padding=case["padding"], **kw)
    padded = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)])
    want = ref_conv(ref_shift2d(padded, dy, dx), case["weight"], groups=case["groups"], padding=0, **kw)
    assert_same(got, want, integer=False)
    assert_same(got, ref_deform_conv2d(x, offset, case["weight"], padding=case["padding"], **kw), integer=False)


def test_deform_half_offset_interpolates():
    """A single 1x1 tap moved by (0, 0.5) averages horizontal neighbours; the last column reads half a zero."""
    x = np.array([[[0.0, 2.0, 4.0]]])
    weight = np.ones((1, 1, 1, 1))
    offset = np.zeros((2, 1, 3))
    offset[1] = 0.5
    out = convviz.deform_conv2d(x, offset, weight)
    assert np.allclose(out, [[[1.0, 3.0, 2.0]]])
    offset[0] = -1.0  # one row up: outside the image → 0
    assert np.allclose(convviz.deform_conv2d(x, offset, weight), 0.0)


# ------------------------------------------------------------------------------------------- counts
@SETTINGS
@given(groups=st.integers(1, 4), a=st.integers(1, 8), b=st.integers(1, 8),
       kernel=st.lists(st.integers(1, 7), min_size=1, max_size=3), bias=st.booleans(),
       out_extra=st.lists(st.integers(1, 40), min_size=3, max_size=3))
def test_conv_params_and_macs(groups, a, b, kernel, bias, out_extra):
    c_in, c_out = groups * a, groups * b
    k = tuple(kernel)
    out = tuple(out_extra[:len(k)])
    per_output = c_out * (c_in // groups)
    for kk in k:
        per_output *= kk
    params = per_output + (c_out if bias else 0)
    assert convviz.conv_params(c_in, c_out, k, groups=groups, bias=bias) == params
    macs = per_output
    for o in out:
        macs *= o
    assert convviz.conv_macs(c_in, c_out, k, out, groups=groups) == macs


@SETTINGS
@given(c_in=st.integers(1, 64), c_out=st.integers(1, 256), kh=st.integers(1, 7), kw=st.integers(1, 7),
       oh=st.integers(1, 64), ow=st.integers(1, 64), mult=st.integers(1, 3))
def test_separable_counts(c_in, c_out, kh, kw, oh, ow, mult):
    counts = convviz.separable_counts(c_in, c_out, (kh, kw), (oh, ow), multiplier=mult)
    positions = oh * ow
    standard = c_out * c_in * kh * kw
    depthwise = c_in * mult * kh * kw
    pointwise = c_in * mult * c_out
    assert counts == {
        "standard_params": standard,
        "depthwise_params": depthwise,
        "pointwise_params": pointwise,
        "separable_params": depthwise + pointwise,
        "standard_macs": standard * positions,
        "depthwise_macs": depthwise * positions,
        "pointwise_macs": pointwise * positions,
        "separable_macs": (depthwise + pointwise) * positions,
    }
    if mult == 1:
        assert counts == convviz.separable_counts(c_in, c_out, (kh, kw), (oh, ow))


def test_separable_counts_example():
    counts = convviz.separable_counts(3, 128, (3, 3), (8, 8))
    assert counts["standard_params"] == 3456
    assert counts["depthwise_params"] == 27
    assert counts["pointwise_params"] == 384
    assert counts["separable_params"] == 411
    assert convviz.conv_params(3, 128, (3, 3)) == 3456
    assert convviz.conv_params(3, 128, (3, 3), bias=True) == 3456 + 128
    assert convviz.conv_params(4, 4, (3, 3), groups=4) == 36
    assert prod((3, 3)) * 3 == counts["depthwise_params"]


def test_small_integer_dtypes_do_not_wrap():
    x = np.full((1, 4), 100, np.int8)
    w = np.full((1, 1, 3), 100, np.int8)
    assert convviz.conv(x, w).tolist() == [[30000, 30000]]


def test_int_kernel_size_means_square_in_counts():
    assert convviz.conv_params(3, 128, 3) == 3 * 128 * 9 == convviz.separable_counts(3, 128, 3, 5)["standard_params"]
    assert convviz.conv_macs(3, 128, 3, 5) == 3 * 128 * 9 * 25


def test_separate_kernel_rejects_tiny_rank_two_kernel():
    with pytest.raises(ValueError, match="rank"):
        convviz.separate_kernel(np.array([[1e-13, 0.0], [0.0, 1e-13]]))


def test_unbatched_deform_rejects_batched_mask():
    x = np.zeros((1, 4, 4))
    w = np.ones((1, 1, 3, 3))
    with pytest.raises(ValueError, match="mask"):
        convviz.deform_conv2d(x, np.zeros((18, 2, 2)), w, mask=np.ones((1, 9, 2, 2)))


def test_large_integers_stay_exact():
    x = np.array([[2**40 + 1, 3, 2**41 - 7]], dtype=np.int64)
    w = np.array([[[3, -2]]], dtype=np.int64)
    expected = [[3 * (2**40 + 1) - 2 * 3, 3 * 3 - 2 * (2**41 - 7)]]
    assert convviz.conv(x, w).tolist() == expected
