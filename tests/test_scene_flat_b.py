"""figure1 (symbolic computation graph), figure2 (feature extractor), figure3 (sparse connectivity) and figure4
(weight sharing): what the scenes drew against values built independently here (string loops, hand arithmetic,
the |i − j| ≤ 1 rule, plain counting), plus a low-quality render of each entry."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import convviz
from convviz.catalogue import get_entry
from convviz.figures import connectivity as cn
from convviz.figures import examples as ex
from convviz.figures.features import FeatureFigure
from convviz.figures.graph import ComputationGraphFigure, computation_graph_figure
from scene_utils import build, render_file

FIG1_INPUT = ["abcd", "efgh", "ijkl"]
FIG1_KERNEL = ["wx", "yz"]


@pytest.fixture(scope="module")
def fig1():
    return build("cnn-figure1")


@pytest.fixture(scope="module")
def fig2():
    return build("cnn-figure2")


@pytest.fixture(scope="module")
def fig3():
    return build("cnn-figure3")


@pytest.fixture(scope="module")
def fig4():
    return build("cnn-figure4")


# ------------------------------------------------------------------------------------------------ figure1
def test_figure1_expressions_from_a_string_loop(fig1):
    expected = []
    for r in range(len(FIG1_INPUT) - len(FIG1_KERNEL) + 1):
        row = []
        for c in range(len(FIG1_INPUT[0]) - len(FIG1_KERNEL[0]) + 1):
            terms = []
            for i in range(len(FIG1_KERNEL)):
                for j in range(len(FIG1_KERNEL[0])):
                    terms.append(FIG1_INPUT[r + i][c + j] + FIG1_KERNEL[i][j])
            row.append("+".join(terms))
        expected.append(row)
    assert fig1.drawn["outputs"] == expected
    assert expected[0][0] == "aw+bx+ey+fz" and expected[-1][-1] == "gw+hx+ky+lz"     # FIGURES.md
    # one line per kernel row, as the notes lay them out
    assert fig1.drawn["lines"][0][0] == ["aw + bx", "ey + fz"]


def test_figure1_terms_evenly_spaced(fig1):
    # "ey  + fz" read with a double space (terms set in grid columns as wide as the widest term above): every
    # ink gap between neighbouring parts of a line is now the same, in every box
    gaps = fig1.drawn["term_gaps"]
    assert sorted(gaps) == [(r, c) for r in range(2) for c in range(3)]
    assert all([len(line) for line in lines] == [3, 2] for lines in gaps.values())   # "aw + bx +", "ey + fz"
    flat = [g for lines in gaps.values() for line in lines for g in line]
    assert min(flat) > 0.05 and max(flat) - min(flat) < 1e-6


def test_figure1_grids_and_patch(fig1):
    assert fig1.drawn["input"] == [list(r) for r in FIG1_INPUT]
    assert fig1.drawn["kernel"] == [list(r) for r in FIG1_KERNEL]
    assert sorted(fig1.drawn["patch"]) == [(0, 0), (0, 1), (1, 0), (1, 1)]      # a, b, e, f


# ------------------------------------------------------------------------------------------------ figure2
SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
SOBEL_Y = [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]
LAPLACIAN = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
KERNELS = {"Sobel X": SOBEL_X, "Sobel Y": SOBEL_Y, "Laplacian": LAPLACIAN}


def test_figure2_each_kernel_under_its_own_title(fig2):
    d = fig2.drawn
    assert d["titles"] == ["Original", "Sobel X", "Sobel Y", "Laplacian"]
    for name, k in KERNELS.items():
        assert d["kernels"][name] == [[str(v) for v in row] for row in k], name
        x = d["x"][name]
        assert abs(x["kernel"] - x["title"]) < 1e-6 and abs(x["image"] - x["title"]) < 1e-6, name
    # columns left to right in title order, so no kernel sits under a neighbour's title
    xs = [d["x"][n]["title"] for n in ["Original", "Sobel X", "Sobel Y", "Laplacian"]]
    assert xs == sorted(xs)


def _response_by_hand(img, k, r, c):
    """Cross-correlation at one pixel, the border filled by repeating edge pixels."""
    h, w = img.shape
    total = 0.0
    for i in range(3):
        for j in range(3):
            rr = min(max(r - 1 + i, 0), h - 1)
            cc = min(max(c - 1 + j, 0), w - 1)
            total += img[rr, cc] * k[i][j]
    return total


def _full_response(img, k):
    """The same by shifting the edge-padded picture (numpy slicing, no convviz)."""
    p = np.pad(img, 1, mode="edge")
    h, w = img.shape
    return sum(k[i][j] * p[i:i + h, j:j + w] for i in range(3) for j in range(3))


def test_figure2_responses_by_hand(fig2):
    d = fig2.drawn
    img = ex.feature_image(d["size"])
    assert d["images"]["Original"].shape == img.shape
    # pixels on the roof's edge, the window, the picture's corner and its top border
    n = img.shape[0]
    points = [(int(0.35 * n), int(0.3 * n)), (int(0.55 * n), int(0.25 * n)), (0, 0), (0, n // 2),
              (n - 1, n - 1)]
    for name, k in KERNELS.items():
        resp = d["responses"][name]
        assert resp.shape == img.shape
        for r, c in points:
            assert resp[r, c] == pytest.approx(_response_by_hand(img, k, r, c), abs=1e-9), (name, r, c)
        full = _full_response(img, k)
        assert np.allclose(resp, full, atol=1e-9)
        # the displayed grey: 0 ↦ mid-grey, ±max|response| ↦ white/black
        m = np.abs(full).max()
        for r, c in points:
            want = int(np.clip(np.round(127.5 + 127.5 * full[r, c] / m), 0, 255))
            if abs(full[r, c]) < 1e-9:          # zero, but for the rounding of adding up pixel values: mid-grey
                want = 128
            assert int(d["images"][name][r, c]) == want
        zero = np.abs(full) < 1e-9 * m          # every such pixel, whatever order the machine added in
        assert zero.sum() > 1000 and np.all(d["images"][name][zero] == 128)
        assert d["images"][name].min() in (0, 1) or d["images"][name].max() in (254, 255)
    # a hand-made 3x3 patch: Sobel X of a left-to-right step 0 | 1 is 1 + 2 + 1 = 4 per unit step
    step = np.zeros((5, 5))
    step[:, 3:] = 1.0
    assert _response_by_hand(step, SOBEL_X, 2, 2) == 4.0
    assert _response_by_hand(step, LAPLACIAN, 2, 2) == 1.0


def test_figure2_picture_is_deterministic_with_edges():
    a, b = ex.feature_image(64), ex.feature_image(64)
    assert np.array_equal(a, b) and a.min() >= 0 and a.max() <= 1
    assert np.abs(_full_response(a, SOBEL_X)).max() > 0.5       # there are real edges to find


# ------------------------------------------------------------------------------------------------ figure3
def test_figure3_edges_from_the_band_rule(fig3):
    n = 5
    band = sorted((j + 1, i + 1) for i in range(n) for j in range(n) if abs(i - j) <= 1)
    dense = sorted((j + 1, i + 1) for i in range(n) for j in range(n))
    assert fig3.drawn["edges"]["conv"] == band
    assert fig3.drawn["edges"]["dense"] == dense
    assert fig3.drawn["reached"]["conv"] == [2, 3, 4]
    assert fig3.drawn["reached"]["dense"] == [1, 2, 3, 4, 5]
    # and the edges are exactly conv_matrix's non-zeros
    m = convviz.conv_matrix((1, n), np.ones((1, 1, 3), dtype=np.int64), padding=1)
    assert sorted((j + 1, i + 1) for i, j in zip(*np.nonzero(m))) == band


def test_figure3_matrices(fig3):
    mat = fig3.drawn["matrix"]
    n = 5
    assert mat["dense"]["nonzero"] == [[True] * n for _ in range(n)]
    assert mat["conv"]["nonzero"] == [[abs(i - j) <= 1 for j in range(n)] for i in range(n)]
    # the banded matrix names each weight by its tap: M[i, j] = w_(j − i + 2), one diagonal per weight
    want = [[f"w{j - i + 2}" if abs(i - j) <= 1 else None for j in range(n)] for i in range(n)]
    assert mat["conv"]["cells"] == want
    assert "25" in mat["dense"]["caption"] and "13" in mat["conv"]["caption"]


# ------------------------------------------------------------------------------------------------ figure4
def test_figure4_counts(fig4):
    d = fig4.drawn
    blocks = (6 // 3) * (6 // 3)                 # stride 3: non-overlapping 3x3 blocks of a 6x6 input
    assert d["stride"] == (3, 3)
    assert d["counts"] == {"locally_connected": blocks * 3 * 3, "shared": 3 * 3, "positions": blocks,
                           "per_position": 9}
    assert d["counts"]["shared"] == convviz.conv_params(1, 1, (3, 3))
    assert d["count_text"]["locally_connected"] == "4 × 9 = 36 weights"
    assert d["count_text"]["shared"] == "9 weights"
    assert "do not overlap" in d["note"] and "2x2" in d["note"]


def test_locally_connected_counts():
    # one kernel per output position: positions × k²
    assert cn.locally_connected_params(6, 3, 3) == 4 * 9
    assert cn.locally_connected_params(6, 3, 1) == 16 * 9
    assert cn.locally_connected_params((7, 5), (3, 2), 1, in_channels=2, out_channels=3) == 5 * 4 * 3 * 2 * 6
    ws = cn.weight_sharing(6, 3, 1)
    assert ws.out_size == (4, 4) and ws.overlapping and ws.shared == 9 and ws.locally_connected == 144


def test_figure4_drawn_grids(fig4):
    d = fig4.drawn
    assert d["input"] == [[f"x{i}{j}" for j in range(1, 7)] for i in range(1, 7)]
    assert d["kernels"] == [[[f"{l}{i}{j}" for j in range(1, 4)] for i in range(1, 4)] for l in "abcd"]
    assert d["shared_kernel"] == [[f"a{i}{j}" for j in range(1, 4)] for i in range(1, 4)]
    assert d["outputs"]["local"] == [["F1", "F2"], ["F3", "F4"]]
    assert d["outputs"]["shared"] == [["F11", "F12"], ["F21", "F22"]]
    assert d["windows"] == [(0, 0), (0, 3), (3, 0), (3, 3)]


def _crosses(segment, box, samples=400):
    """Does the straight segment ((x0, y0), (x1, y1)) pass through the rectangle (left, bottom, right, top)?"""
    (x0, y0), (x1, y1) = segment
    left, bottom, right, top = box
    for n in range(samples + 1):
        t = n / samples
        x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        if left < x < right and bottom < y < top:
            return True
    return False


def _inside(point, box, margin=0.0):
    left, bottom, right, top = box
    return left - margin < point[0] < right + margin and bottom - margin < point[1] < top + margin


@pytest.mark.parametrize("params", [None, {"in_size": 4, "kernel_size": 2, "stride": 1}])
def test_figure4_connectors_join_the_window_only(params):
    # one path per row from the first window to its kernel; it must join that window and no other block: it
    # leaves the window's own top edge (not a border the window shares with the next block) and every later
    # point, and every segment, stays outside the input grid (so it neither runs along another block's border nor
    # crosses a label); it ends on the kernel's left side
    d = build("cnn-figure4", params=None if params is None else cn.weight_sharing_figure(**params)).drawn
    assert len(d["connectors"]) == 2
    boxes = d["input_label_boxes"]
    n = len(d["input"])
    assert [len(b) for b in boxes] == [n * n, n * n]
    for row, path in enumerate(d["connectors"]):
        grid, win, ker = d["input_boxes"][row], d["window_boxes"][row], d["kernel_boxes"][row]
        (x0, y0), rest = path[0], path[1:]
        assert y0 == pytest.approx(win[3]) and win[0] < x0 < win[2]           # on the window's top edge...
        cell = (grid[2] - grid[0]) / n
        assert x0 < grid[0] + (d["counts"]["per_position"] ** 0.5) * cell      # ...over the first window's columns
        gap = 0.2
        assert not any(_inside(p, grid, gap) for p in rest)
        steps = 200
        for (xa, ya), (xb, yb) in zip(path[1:-1], path[2:]):
            assert not any(_inside((xa + t / steps * (xb - xa), ya + t / steps * (yb - ya)), grid)
                           for t in range(steps + 1))
        assert path[0][1] < path[1][1] and path[0][0] == pytest.approx(path[1][0])  # straight up off the edge
        assert not any(_crosses(seg, box) for seg in zip(path[:-1], path[1:]) for box in boxes[row].values())
        xe, ye = path[-1]
        assert xe == pytest.approx(ker[0]) and ker[1] < ye < ker[3]
    # (the previous route ran from the window's top-right corner along the grid line under its top edge, i.e.
    # along the next block's border, to the input's right side: its second point was on the grid's edge)


# ------------------------------------------------------------------------------------------------ builders
def string_loop(inp, ker):
    """Each output of a valid cross-correlation of name grids as its sum of products, by plain loops."""
    oh, ow = len(inp) - len(ker) + 1, len(inp[0]) - len(ker[0]) + 1
    return [["+".join(inp[r + i][c + j] + ker[i][j] for i in range(len(ker)) for j in range(len(ker[0])))
             for c in range(ow)] for r in range(oh)]


def test_builders_return_their_dataclasses():
    assert isinstance(get_entry("cnn-figure1").resolve(), ComputationGraphFigure)
    assert isinstance(get_entry("cnn-figure2").resolve(), FeatureFigure)
    assert isinstance(get_entry("cnn-figure3").resolve(), cn.SparseConnectivityFigure)
    assert isinstance(get_entry("cnn-figure4").resolve(), cn.WeightSharingFigure)


def test_figure1_other_symbols_drawn():
    inp, ker = ["pqr", "stu"], ["a", "b"]
    fig = computation_graph_figure(x=np.array([list(r) for r in inp]), weight=np.array([list(r) for r in ker]))
    d = build("cnn-figure1", params=fig).drawn
    assert d["outputs"] == string_loop(inp, ker) == [["pa+sb", "qa+tb", "ra+ub"]]
    assert d["lines"][0][2] == ["ra", "ub"] and sorted(d["patch"]) == [(0, 0), (1, 0)]
    assert [[fig.expression(r, c) for c in range(3)] for r in range(1)] == d["outputs"]


def test_figure2_draws_the_builders_pixels(fig2):
    fig = get_entry("cnn-figure2").resolve()
    d = fig2.drawn
    assert d["size"] == fig.size == 384
    assert np.array_equal(d["images"]["Original"], fig.pixels)
    for r in fig.responses:
        assert np.array_equal(d["images"][r.name], r.pixels) and d["scales"][r.name] == r.scale


def test_figure3_other_sizes():
    # 7 inputs, kernel width 5 (padding 2), x1 highlighted: it reaches s1..s3, the band |i − j| ≤ 2
    fig = cn.sparse_connectivity_figure(n=7, kernel_size=5, highlight=1)
    d = build("cnn-figure3", params=fig).drawn
    band = sorted((j + 1, i + 1) for i in range(7) for j in range(7) if abs(i - j) <= 2)
    assert d["edges"]["conv"] == band and len(band) == 7 * 5 - 2 * (1 + 2)
    assert d["reached"]["conv"] == [1, 2, 3] and d["reached"]["dense"] == list(range(1, 8))
    assert "29 non-zeros, 5 shared weights" in d["matrix"]["conv"]["caption"]
    assert "49 weights" in d["matrix"]["dense"]["caption"]
    with pytest.raises(ValueError, match="highlight"):
        cn.sparse_connectivity_figure(n=5, kernel_size=3, highlight=6)


def test_figure4_overlapping_windows():
    fig = cn.weight_sharing_figure(in_size=4, kernel_size=2, stride=1)
    d = build("cnn-figure4", params=fig).drawn
    positions = 3 * 3                             # (4 − 2)/1 + 1 = 3 per side
    assert d["counts"] == {"locally_connected": positions * 4, "shared": 4, "positions": positions,
                           "per_position": 4}
    assert d["count_text"]["locally_connected"] == "9 × 4 = 36 weights"
    assert "overlapping 2x2 windows, 3x3 output" in d["note"]
    assert d["kernels"][8] == [["i11", "i12"], ["i21", "i22"]]
    assert d["outputs"]["local"][2] == ["F7", "F8", "F9"]


def test_opaque_tint_is_the_theme_tint_rounded():
    from scenes.kit.theme import opaque_tint
    from scenes.kit.theme import LIGHT

    # 22 % of #DC2626 on white, by hand: 255 − 0.22·(255 − c) per channel, rounded half to even
    want = "#" + "".join(f"{round(255 - 0.22 * (255 - v)):02X}" for v in (0xDC, 0x26, 0x26))
    assert opaque_tint(LIGHT.highlight, 0.22, LIGHT.background) == want == "#F7CFCF"


# ------------------------------------------------------------------------------------------------ renders
@pytest.mark.parametrize("name,fmt", [("cnn-figure1", "jpg"), ("cnn-figure2", "png"), ("cnn-figure3", "jpg"),
                                      ("cnn-figure4", "png")])
def test_render_smoke(tmp_path, name, fmt):
    out = render_file(name, tmp_path / f"{name}.{fmt}", fmt)
    assert out.exists()
    with Image.open(out) as im:
        w, h = im.size
        assert 640 <= w <= 2000 and 300 <= h <= 1500, (w, h)
        px = np.asarray(im.convert("L"))
    assert px.min() < 100 and np.median(px) > 200          # dark ink on a white page


def test_chinese_labels():
    s = build("cnn-figure2", lang="zh")
    assert s.drawn["titles"][0] == "原图" and s.drawn["titles"][3] == "拉普拉斯"
    assert s.drawn["kernels"]["Laplacian"] == [[str(v) for v in row] for row in LAPLACIAN]


def test_connectivity_chinese_texts():
    d3 = build("cnn-figure3", lang="zh").drawn
    assert d3["notes"]["conv"] == "x3 影响 s2、s3、s4"          # a Chinese list takes 、
    assert "13 个非零元素，3 个共享权重" in d3["matrix"]["conv"]["caption"]
    d4 = build("cnn-figure4", lang="zh").drawn
    assert d4["count_text"] == {"locally_connected": "4 × 9 = 36 个权重", "shared": "9 个权重"}
    assert d4["note"] == "步长 3：3x3 窗口互不重叠，输出 2x2"
