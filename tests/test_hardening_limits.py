"""Issue 13, class 1: bounded work. Limits (convviz.limits) are checked before anything is allocated or drawn,
and the message names the limit and what to do; the compute layer refuses arrays that would not fit in memory
with a ValueError, never numpy's MemoryError."""

import time

import numpy as np
import pytest

import convviz
from convviz import limits
from convviz.app.cli import main
from convviz.catalogue import ENTRIES, get_entry


def cli(argv, capsys, tmp_path):
    before = set(tmp_path.iterdir())
    t0 = time.perf_counter()
    code = main(argv + (["-o", str(tmp_path / "out.gif")] if argv[0] == "render" and "-o" not in argv else []))
    err = capsys.readouterr().err
    assert time.perf_counter() - t0 < 5, "a refusal must come before any work"
    assert set(tmp_path.iterdir()) == before
    return code, err


REFUSED = [
    (["render", "conv2d", "--in-size", "2000"], ["--in-size 2000", "64x64", "smaller input"]),
    (["render", "conv2d", "--in-channels", "100000000"], ["--in-channels", "multichannel"]),
    (["render", "multichannel", "--in-channels", "100000000"], ["--in-channels", "at most 6"]),
    (["render", "multichannel", "--out-channels", "7"], ["--out-channels", "at most 6"]),
    (["render", "conv2d", "--padding", "3000", "--format", "png", "-o", "{d}/o.png"], ["--padding 3000", "64x64"]),
    (["render", "conv2d", "--kernel-size", "100000", "--in-size", "5"], ["--kernel-size", "64x64"]),
    (["render", "conv_transpose2d", "--stride", "100"], ["--stride 100", "zero-inserted"]),
    (["render", "conv_transpose2d", "--dilation", "40"], ["expanded input", "dilation"]),
    (["render", "conv2d", "--in-size", "40"], ["kernel steps", "1024", "--stride"]),
    (["render", "multichannel", "--in-size", "20", "--padding", "0", "--stride", "1", "--in-channels", "3",
      "--out-channels", "4"], ["kernel steps"]),
    (["render", "conv2d", "--in-size", "30", "--smooth", "--fps", "60"], ["frames", "20,000", "--fps"]),
    (["render", "conv2d", "--in-size", "99999999999999999999999999"], ["--in-size", "64x64"]),
    (["render", "conv_transpose2d", "--stride", "99999999999999999999999999"], ["--stride", "64x64"]),
]


@pytest.mark.parametrize("argv,needles", REFUSED, ids=[" ".join(a[1:4]) for a, _ in REFUSED])
def test_unbounded_work_is_refused_at_once_with_the_limit_named(argv, needles, capsys, tmp_path):
    argv = [a.format(d=tmp_path) for a in argv]
    code, err = cli(argv, capsys, tmp_path)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("convviz: error:"), err
    for n in needles:
        assert n.lower() in lines[0].lower(), (n, lines[0])


def test_a_large_csv_is_refused_before_drawing(capsys, tmp_path):
    big = tmp_path / "big.csv"
    big.write_text("\n".join(",".join("1" for _ in range(300)) for _ in range(300)))
    code, err = cli(["render", "conv2d", "--input", str(big)], capsys, tmp_path)
    assert code == 2 and "--input" in err and "64x64" in err


def test_a_huge_npy_is_refused_from_its_header(capsys, tmp_path):
    """The header says 10^10 values: refused without reading (the file itself is tiny)."""
    p = tmp_path / "huge.npy"
    with open(p, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (100000, 100000)})
    code, err = cli(["render", "conv2d", "--input", str(p)], capsys, tmp_path)
    assert code == 2 and "100,000" not in err and "values" in err and "huge.npy" in err


def test_limits_at_the_edge_are_accepted():
    """The largest drawable figures resolve (grids of 64 cells, 1024 steps) and every catalogue entry fits."""
    for e in ENTRIES:
        e.resolve()
    fig = get_entry("conv2d").resolve(in_size=64, kernel_size=3, stride=4, padding=0)
    assert fig.x.shape == (1, 64, 64)
    get_entry("conv2d").resolve(in_size=34, kernel_size=3)                  # 32 x 32 = 1024 steps
    with pytest.raises(ValueError, match="1056 kernel steps"):
        get_entry("conv2d").resolve(in_size=(34, 35), kernel_size=(3, 3), stride=1)   # 32 x 33 = 1056
    with pytest.raises(ValueError, match="64x64"):
        get_entry("conv2d").resolve(in_size=65, kernel_size=3, stride=8)


def test_channel_limits_match_what_the_scenes_draw():
    from scenes.multichannel import MAX_CHANNELS
    assert limits.MAX_CHANNELS["multichannel"] == MAX_CHANNELS


@pytest.mark.parametrize("call", [
    lambda: convviz.conv(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), padding=10 ** 6),
    lambda: convviz.conv_transpose(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), stride=10 ** 6),
    lambda: convviz.conv(np.ones((1, 50, 50)), np.ones((1, 1, 3, 3)), dilation=1, padding=(10 ** 5, 0)),
    lambda: convviz.conv_matrix((1, 2000, 2000), np.ones((1, 1, 3, 3))),
    lambda: convviz.trace_conv(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), padding=10 ** 6),
    lambda: convviz.trace_conv_transpose(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), stride=10 ** 6, view="gather"),
    lambda: convviz.deform_conv2d(np.ones((1, 128, 100, 100)), np.zeros((1, 2 * 49, 94, 94)),
                                  np.ones((1, 128, 7, 7))),                    # 443 MB of samples
], ids=["padding", "transposed stride", "one-sided padding", "conv_matrix", "trace padding", "gather stride",
        "deform samples"])
def test_compute_layer_refuses_with_value_error_not_memory_error(call, monkeypatch):
    monkeypatch.setenv(limits.MEMORY_ENV, str(256 * 1024 ** 2))
    with pytest.raises(ValueError, match="memory limit"):
        call()


def test_memory_budget_follows_the_environment(monkeypatch):
    monkeypatch.setenv(limits.MEMORY_ENV, "1000")
    assert limits.memory_budget() == 1000
    with pytest.raises(ValueError, match="memory limit"):
        convviz.conv(np.ones((1, 20, 20)), np.ones((1, 1, 3, 3)))
    monkeypatch.delenv(limits.MEMORY_ENV)
    assert limits.memory_budget() > 10 ** 8
