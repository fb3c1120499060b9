"""Issue 13, class 6: no silent wrong numbers. The library is exact or refuses (ValueError naming the value);
the command line refuses, before drawing, any value or result it cannot draw as a short exact label and any
non-finite result."""

import json

import numpy as np
import pytest

import convviz
from convviz.app.cli import main

W1 = np.ones((1, 1, 1, 1), dtype=np.int64)


def test_uint64_beyond_int64_is_refused_not_wrapped():
    with pytest.raises(ValueError, match="18446744073709551615"):
        convviz.conv(np.array([[[2 ** 64 - 1]]], dtype=np.uint64), W1)
    assert convviz.conv(np.array([[[2 ** 63 - 1]]], dtype=np.uint64), W1).tolist() == [[[2 ** 63 - 1]]]


def test_python_ints_beyond_int64_are_refused():
    with pytest.raises(ValueError, match=str(2 ** 70)):
        convviz.conv([[[2 ** 70]]], W1)
    with pytest.raises(ValueError, match="weight"):
        convviz.conv(np.ones((1, 2, 2), int), [[[[2 ** 64]]]])


def test_int64_sums_are_exact_or_refused():
    x = np.full((1, 2, 2), 2 ** 62, dtype=np.int64)
    with pytest.raises(ValueError, match=str(2 ** 64)):             # 4 · 2^62 does not fit
        convviz.conv(x, np.ones((1, 1, 2, 2), int))
    # a sum whose partial sums overflow but whose total fits is exact
    x = np.array([[[2 ** 62, 2 ** 62], [-(2 ** 62), -(2 ** 62) + 5]]], dtype=np.int64)
    assert convviz.conv(x, np.ones((1, 1, 2, 2), int)).tolist() == [[[5]]]
    assert convviz.conv(x, np.ones((1, 1, 2, 2), int), bias=[2 ** 63 - 6]).tolist() == [[[2 ** 63 - 1]]]
    with pytest.raises(ValueError, match="int64"):
        convviz.conv(x, np.ones((1, 1, 2, 2), int), bias=[2 ** 63 - 5])
    # the transposed conv and the trace take the same road
    with pytest.raises(ValueError):
        convviz.conv_transpose(np.full((1, 2, 2), 2 ** 62), np.ones((1, 1, 2, 2), int))
    tr = convviz.trace_conv(x, np.ones((1, 1, 2, 2), int))
    assert tr[0].total == 5 and tr.output.tolist() == [[[5]]]


def test_scatter_partial_sums_do_not_wrap():
    a = 2 ** 62
    x = np.array([a, a, -a]).reshape(3, 1, 1)                       # three channels into one output cell
    tr = convviz.trace_conv_transpose(x, np.ones((3, 1, 1, 1), int), view="scatter")
    steps = list(tr)
    assert int(steps[1].partial[0, 0, 0]) == 2 ** 63                # exact, beyond int64 on the way
    assert int(steps[2].partial[0, 0, 0]) == a and tr.output.tolist() == [[[a]]]


def test_float_overflow_is_refused():
    with pytest.raises(ValueError, match="overflows"):
        convviz.conv(np.full((1, 2, 2), 1e200), np.full((1, 1, 2, 2), 1e200))
    with pytest.raises(ValueError, match="overflows"):
        convviz.deform_conv2d(np.full((1, 4, 4), 1e300), np.zeros((18, 2, 2)), np.full((1, 1, 3, 3), 1e10))


@pytest.mark.parametrize("offset", [1e300, -1e300, 1e18, 2.0 ** 63])
def test_huge_deformable_offsets_sample_zero(offset):
    x = np.arange(16.0).reshape(1, 4, 4)
    out = convviz.deform_conv2d(x, np.full((18, 2, 2), offset), np.ones((1, 1, 3, 3)))
    assert np.isfinite(out).all() and out.tolist() == [[[0.0, 0.0], [0.0, 0.0]]]
    tr = convviz.trace_deform_conv2d(x, np.full((18, 2, 2), offset), np.ones((1, 1, 3, 3)))
    assert tr.step(0).total == 0


def test_deformable_offsets_near_the_border_unchanged():
    """The clipping that tames huge offsets does not move a point that still touches the input."""
    rng = np.random.default_rng(0)
    x = rng.integers(-5, 5, (1, 5, 5)).astype(float)
    off = rng.uniform(-3.5, 3.5, (18, 3, 3))
    out = convviz.deform_conv2d(x, off, np.ones((1, 1, 3, 3)))
    tr = convviz.trace_deform_conv2d(x, off, np.ones((1, 1, 3, 3)))
    ref = []
    for st in tr:
        total = 0.0
        for t in st.taps:
            py, px = t.point
            v = 0.0
            for r in (int(np.floor(py)), int(np.floor(py)) + 1):
                for c in (int(np.floor(px)), int(np.floor(px)) + 1):
                    if 0 <= r < 5 and 0 <= c < 5:
                        v += (1 - abs(py - r)) * (1 - abs(px - c)) * x[0, r, c]
            total += v * t.weight
        ref.append(total)
    assert np.allclose(out.reshape(-1), ref)


@pytest.fixture
def data(tmp_path):
    np.save(tmp_path / "u64.npy", np.array([[2 ** 64 - 1, 1], [1, 1]], dtype=np.uint64))
    (tmp_path / "inf.json").write_text(json.dumps([[1e308, 1], [1, 1]]))
    (tmp_path / "big.json").write_text(json.dumps([[2 ** 62, 2 ** 62], [2 ** 62, 2 ** 62]]))
    (tmp_path / "sum.json").write_text(json.dumps([[60000000, 60000000], [0, 0]]))
    (tmp_path / "w.json").write_text(json.dumps([[1, 1], [1, 1]]))
    return tmp_path


@pytest.mark.parametrize("argv,needle", [
    (["--input", "{d}/u64.npy", "--kernel-size", "1"], "18446744073709551615"),
    (["--input", "{d}/inf.json", "--kernel-size", "1"], "1e+308"),
    (["--input", "{d}/big.json", "--kernel-size", "1"], str(2 ** 62)),
    (["--input", "{d}/sum.json", "--weight", "{d}/w.json"], "120000000"),          # the output's label
    (["--input", "{d}/sum.json", "--weight", "{d}/w.json", "--bias", "1e-3"], "output"),
    (["--bias", "1e300"], "bias"),
], ids=["uint64", "1e308", "2^62 values", "sum too long", "float sum too long", "bias"])
def test_cli_refuses_what_it_cannot_draw_exactly(argv, needle, data, capsys):
    argv = ["render", "conv2d"] + [a.format(d=data) for a in argv] + ["-o", str(data / "o.gif")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err, err
    assert not (data / "o.gif").exists()


def test_cli_labels_at_the_limit_are_drawn(data, capsys):
    from convviz.catalogue import get_entry

    fig = get_entry("conv2d").resolve(x=np.array([[49999999, 50000000], [0, 0]]), weight=np.ones((2, 2), int))
    assert fig.x.max() == 50000000
