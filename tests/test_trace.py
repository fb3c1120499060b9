"""Traces: totals equal outputs, scatter = gather = conv_transpose, deformable steps, symbolic expressions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from convviz.figures import examples as ex
from convviz.trace import trace_conv, trace_conv_transpose, trace_deform_conv2d
from reference import ref_bilinear, ref_conv, ref_conv_transpose, ref_deform_conv2d


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_conv_trace_totals_are_the_output(data):
    c_in = data.draw(st.integers(1, 3))
    groups = data.draw(st.sampled_from([g for g in (1, 2, 3) if c_in % g == 0]))
    c_out = groups * data.draw(st.integers(1, 2))
    k = data.draw(st.integers(1, 3))
    d = data.draw(st.integers(1, 2))
    s = data.draw(st.integers(1, 3))
    p = data.draw(st.integers(0, 2))
    n = data.draw(st.integers(d * (k - 1) + 1, 7))
    rng = np.random.default_rng(data.draw(st.integers(0, 10_000)))
    x = rng.integers(-3, 4, (c_in, n, n + 1))
    w = rng.integers(-2, 3, (c_out, c_in // groups, k, k))
    b = rng.integers(-2, 3, c_out) if data.draw(st.booleans()) else None
    t = trace_conv(x, w, b, s, p, d, groups)
    ref = ref_conv(x, w, b, s, p, d, groups)
    totals = np.array([step.total for step in t]).reshape(ref.shape)
    assert np.array_equal(totals, ref)
    assert len(t) == ref.size
    for step in t:                                       # each tap's product and position, from the definition
        for tap in step.taps:
            assert tap.product == tap.value * tap.weight
            r, c = tap.position
            inside = 0 <= r < n and 0 <= c < n + 1
            assert tap.is_padding == (not inside)
            assert tap.value == (x[tap.channel, r, c] if inside else 0)


def test_trace_is_lazy_on_large_input():
    x = np.zeros((1, 64, 64), dtype=np.int64)
    w = np.ones((1, 1, 3, 3), dtype=np.int64)
    t = trace_conv(x, w, padding=1)
    it = iter(t)
    first = next(it)
    assert first.out_position == (0, 0) and len(t) == 64 * 64
    assert t[len(t) - 1].out_position == (63, 63)


def test_symbolic_trace_gives_figure1_expressions():
    t = trace_conv(ex.FIGURE1_INPUT[None], ex.FIGURE1_KERNEL[None, None])
    got = [s.total for s in t]
    letters = ex.FIGURE1_INPUT
    expected = []
    for i in range(2):
        for j in range(3):
            expected.append(f"{letters[i, j]}w+{letters[i, j + 1]}x+{letters[i + 1, j]}y+{letters[i + 1, j + 1]}z")
    assert got == expected
    assert got[0] == "aw+bx+ey+fz" and got[-1] == "gw+hx+ky+lz"


def test_multichannel_step_channel_sums():
    t = trace_conv(ex.GIF2_X, ex.GIF2_W, ex.GIF2_B, stride=2, padding=1)
    ref = ref_conv(ex.GIF2_X, ex.GIF2_W, ex.GIF2_B, stride=2, padding=1)
    for step in t:
        sums = step.channel_sums()
        assert sorted(sums) == [0, 1, 2]
        assert sum(sums.values()) + step.bias == step.total == ref[(step.out_channel,) + step.out_position]
    assert len(t) == 18


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_scatter_equals_gather_equals_conv_transpose(data):
    c_in = data.draw(st.integers(1, 2))
    groups = data.draw(st.sampled_from([g for g in (1, 2) if c_in % g == 0]))
    c_out = groups * data.draw(st.integers(1, 2))
    k = data.draw(st.integers(1, 3))
    s = data.draw(st.integers(1, 3))
    d = data.draw(st.integers(1, 2))
    p = data.draw(st.integers(0, d * (k - 1) + 1))
    op = data.draw(st.integers(0, max(s, d) - 1))
    n = data.draw(st.integers(1, 4))
    o = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    if o < 1:
        return
    rng = np.random.default_rng(data.draw(st.integers(0, 10_000)))
    x = rng.integers(-3, 4, (c_in, n, n))
    w = rng.integers(-2, 3, (c_in, c_out // groups, k, k))
    b = rng.integers(-2, 3, c_out) if data.draw(st.booleans()) else None
    ref = ref_conv_transpose(x, w, b, s, p, op, groups, d)
    scatter = trace_conv_transpose(x, w, b, s, p, op, groups, d, view="scatter")
    assert np.array_equal(scatter.final(), ref)
    gather = trace_conv_transpose(x, w, b, s, p, op, groups, d, view="gather")
    totals = np.array([st_.total for st_ in gather]).reshape(ref.shape)
    assert np.array_equal(totals, ref)
    # the expanded grid: data cells hold the input values at their source positions, all else is zero
    for idx in np.ndindex(gather.kinds.shape):
        v = gather.x[0, :, idx[0], idx[1]]
        if gather.kinds[idx] == 0:
            r, c = gather.sources[idx]
            assert np.array_equal(v, x[:, r, c])
        else:
            assert not v.any()


def test_gather_output_padding_is_bottom_right():
    x = np.arange(9).reshape(1, 3, 3)
    w = np.ones((1, 1, 3, 3), dtype=np.int64)
    g = trace_conv_transpose(x, w, None, stride=2, padding=1, output_padding=1, view="gather")
    assert g.out_size == (6, 6)
    assert (g.kinds[-1, :] == 3).all() and (g.kinds[:, -1] == 3).all()
    assert not (g.kinds[:-1, :-1] == 3).any()


def test_deform_trace_matches_reference():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, (2, 5, 5)).astype(float)
    w = rng.integers(-1, 2, (2, 2, 3, 3)).astype(float)
    off = rng.uniform(-1.5, 1.5, (18, 5, 5))
    mask = rng.uniform(0, 1, (9, 5, 5))
    t = trace_deform_conv2d(x, off, w, None, 1, 1, 1, mask)
    ref = ref_deform_conv2d(x, off, w, None, 1, 1, 1, mask)
    totals = np.array([s.total for s in t]).reshape(ref.shape)
    assert np.allclose(totals, ref)
    step = t.step(7)
    for tap in step.taps:
        y, xx = tap.point
        assert np.isclose(tap.sampled, ref_bilinear(x[tap.channel], 5, 5, y, xx))
        assert np.isclose(sum(nb.weight for nb in tap.neighbours), 1.0)
