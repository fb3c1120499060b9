"""The multi-channel scene (cnn-gif2 and the parametric `multichannel`): what it draws against a direct loop over
the definition written here (no convviz), against the notes' printed numbers, and against convviz.ops."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from scene_utils import build, render_file

from convviz.figures import examples as ex
from convviz.figures.conv import ConvFigure
from convviz import ops
from scenes.render import media
from convviz.catalogue import get_entry
from scenes.render.capture import held_frames

# the output volume printed in the notes (o[:,:,0] and o[:,:,1] of the original gif2)
NOTES_O0 = [[1, 0, -3], [-6, 1, 1], [4, -3, 1]]
NOTES_O1 = [[-1, -6, -4], [-2, -3, -4], [-1, -3, -3]]


def direct(x, w, b, stride, pad, groups=1):
    """Cross-correlation from the definition, with plain loops: returns (out[co][i][j], sums) where
    sums[(co, i, j)] = {input channel: sum over the kernel of x_padded * w} (bias excluded). ``pad``: one
    number, or (top, bottom, left, right)."""
    x = [[[int(v) for v in row] for row in ch] for ch in np.asarray(x).tolist()]
    w = np.asarray(w).tolist()
    h, wd = len(x[0]), len(x[0][0])
    c_out, cg, kh, kw = len(w), len(w[0]), len(w[0][0]), len(w[0][0][0])
    og = c_out // groups

    top, bottom, left, right = (pad,) * 4 if isinstance(pad, int) else pad

    def at(c, r, q):                       # the zero-padded input
        r, q = r - top, q - left
        return x[c][r][q] if 0 <= r < h and 0 <= q < wd else 0

    oh, ow = (h + top + bottom - kh) // stride + 1, (wd + left + right - kw) // stride + 1
    out = [[[0] * ow for _ in range(oh)] for _ in range(c_out)]
    sums = {}
    for co in range(c_out):
        first = (co // og) * cg
        for i in range(oh):
            for j in range(ow):
                per = {}
                for cl in range(cg):
                    s = 0
                    for u in range(kh):
                        for v in range(kw):
                            s += at(first + cl, i * stride + u, j * stride + v) * w[co][cl][u][v]
                    per[first + cl] = s
                sums[(co, i, j)] = per
                out[co][i][j] = sum(per.values()) + (int(b[co]) if b is not None else 0)
    return out, sums


def drawn_ints(arr):
    return [[int(s) for s in row] for row in arr.tolist()]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """cnn-gif2 rendered once at low quality, as `convviz render` does: (what the scene drew, the GIF)."""
    entry = get_entry("cnn-gif2")
    held = held_frames(entry.scene, entry.resolve(), entry.options(show_formula=True, show_pytorch=True), "gif",
                       "low")
    gif = media.write_gif(held.frames, tmp_path_factory.mktemp("mc") / "g.gif")
    return SimpleNamespace(drawn=held.drawn), gif


@pytest.fixture(scope="module")
def notes(rendered):
    return rendered[0]


def test_notes_output_equals_definition_and_the_notes(notes):
    out, _ = direct(ex.GIF2_X, ex.GIF2_W, ex.GIF2_B, 2, 1)
    drawn = [drawn_ints(a) for a in notes.drawn["output"]]
    assert drawn == out
    assert drawn == [NOTES_O0, NOTES_O1]
    conv = ops.conv(ex.GIF2_X, ex.GIF2_W, ex.GIF2_B, stride=2, padding=1)
    assert drawn == conv.tolist()


def test_notes_steps_show_per_channel_sums_bias_and_total(notes):
    out, sums = direct(ex.GIF2_X, ex.GIF2_W, ex.GIF2_B, 2, 1)
    steps = notes.drawn["steps"]
    assert len(steps) == 18
    order = [(co, i, j) for co in range(2) for i in range(3) for j in range(3)]   # filter 0 first
    assert [s["out"] for s in steps] == order
    for s in steps:
        co, i, j = s["out"]
        assert {c: int(v) for c, v in s["channel_sums"].items()} == sums[(co, i, j)]
        assert int(s["bias"]) == int(ex.GIF2_B[co])
        assert int(s["total"]) == out[co][i][j]
        terms = [f"ch{c}: {v}" for c, v in sums[(co, i, j)].items()] + [f"b{co}: {int(ex.GIF2_B[co])}"]
        assert s["line"] == " + ".join(terms) + f" = {out[co][i][j]}"
        # the three windows: stride 2 over the padded 7x7, the same place in every channel
        cells = [(i * 2 + u, j * 2 + v) for u in range(3) for v in range(3)]
        assert s["windows"] == {0: cells, 1: cells, 2: cells}
    assert steps[0]["line"] == "ch0: 1 + ch1: -1 + ch2: 0 + b0: 1 = 1"        # worked by hand from the notes


def test_notes_static_content(notes):
    d = notes.drawn
    for c in range(3):                     # the padded slices: zeros around the notes' 5x5 data
        padded = [[0] * 7] + [[0] + [int(v) for v in row] + [0] for row in ex.GIF2_X[c].tolist()] + [[0] * 7]
        assert drawn_ints(d["input"][c]) == padded
    assert [[drawn_ints(a) for a in row] for row in d["filters"]] == ex.GIF2_W.tolist()
    assert d["bias"] == ["1", "0"]
    labels = d["labels"]
    assert labels["input"] == "Input Volume (+pad 1) (7x7x3)"
    assert labels["output"] == "Output Volume (3x3x2)"
    assert labels["filters"] == "Filters (3x3x3)"
    assert labels["slices"] == [[f"w{co}[:,:,{c}]" for c in range(3)] for co in range(2)]
    assert labels["bias"] == ["b0", "b1"]
    # both filters' slices side by side under their input slice, the two outputs side by side
    assert d["layout"]["filters_per_row"] == 2 and d["layout"]["outputs_per_row"] == 2
    assert d["legend"] == ["padding"]                      # 5 + 2 − 3 = 4 = 2·(3 − 1): every cell visited
    assert d["numbers_shown"] and d["cell"] >= 0.3        # readable at 854x480 (≥ 18 px cells)
    o = (5 + 2 * 1 - 3) // 2 + 1
    assert d["extra_lines"][0].endswith(f"= {o}")
    assert d["extra_lines"][-1] == "nn.Conv2d(3, 2, kernel_size=3, stride=2, padding=1)"


def test_random_parameters_from_the_cli_case():
    params = get_entry("multichannel").resolve(in_channels=2, out_channels=3, in_size=4, kernel_size=3, padding=1,
                                               stride=1, seed=3)
    scene = build("multichannel", params=params, lang="zh")
    out, sums = direct(params.x, params.weight, None, 1, 1)
    assert [drawn_ints(a) for a in scene.drawn["output"]] == out
    assert np.array_equal(ops.conv(params.x, params.weight, None, 1, 1), np.array(out))
    steps = scene.drawn["steps"]
    assert len(steps) == 3 * 4 * 4
    for s in steps:
        assert {c: int(v) for c, v in s["channel_sums"].items()} == sums[s["out"]]
        assert s["bias"] is None and "b" not in s["line"]
    assert scene.drawn["labels"]["input"] == "输入数据体（+填充 1）（6x6x2）"
    assert scene.drawn["labels"]["output"] == "输出数据体（4x4x3）"
    assert steps[0]["line"].startswith("通道0: ")


def test_groups_use_only_their_own_input_channels():
    params = get_entry("multichannel").resolve(in_channels=4, out_channels=2, groups=2, in_size=4, bias=[1, -1],
                                               seed=5)
    scene = build("multichannel", params=params)
    assert (params.stride, params.padding) == (2, 1)          # the entry's defaults
    out, sums = direct(params.x, params.weight, [1, -1], 2, 1, groups=2)
    assert [drawn_ints(a) for a in scene.drawn["output"]] == out
    assert scene.drawn["filter_columns"] == [[0, 1], [2, 3]]
    for s in scene.drawn["steps"]:
        co = s["out"][0]
        group = [0, 1] if co == 0 else [2, 3]
        assert sorted(s["channel_sums"]) == group and sorted(s["windows"]) == group
        assert {c: int(v) for c, v in s["channel_sums"].items()} == sums[s["out"]]
        assert {c: link["slice"] for c, link in s["links"].items()} == {c: (co, c - group[0]) for c in group}
    assert scene.drawn["labels"]["filters"] == "Filters (3x3x2) 2 groups"


def test_too_many_channels_is_a_clear_error():
    with pytest.raises(ValueError, match="at most 6 input"):         # the entry's limits, or else the scene's
        build("multichannel", params=get_entry("multichannel").resolve(in_channels=7, out_channels=2))
    fig = ConvFigure(x=np.zeros((7, 4, 4), dtype=int), weight=np.ones((2, 7, 3, 3), dtype=int))   # no builder
    with pytest.raises(ValueError, match="at most 6 input"):
        build("multichannel", params=fig)


def test_renders_gif_that_loops_and_png(rendered, tmp_path):
    with Image.open(rendered[1]) as im:
        assert im.n_frames == 18
        assert im.info.get("loop") == 0
        assert 700 <= im.size[0] <= 1000 and 300 <= im.size[1] <= 700
    png = render_file("cnn-gif2", tmp_path / "g.png", "png")
    with Image.open(png) as im:
        assert im.size[0] >= 640 and 300 <= im.size[1] < im.size[0]


def test_builder_result_is_what_the_scene_drew():
    """The entry's builder gives the notes' data and the layer's arguments; the scene draws exactly that figure
    (its slices padded with zeros, its filters and biases) and the definition's output of it."""
    fig = get_entry("multichannel").resolve(in_channels=2, out_channels=2, in_size=3, kernel_size=2, stride=1,
                                            padding=0, bias=[2, -1], seed=6)
    assert (fig.stride, fig.padding, fig.groups) == (1, 0, 1) and fig.bias.tolist() == [2, -1]
    scene = build("multichannel", params=fig)
    assert scene.params is fig
    assert [drawn_ints(a) for a in scene.drawn["input"]] == fig.x.tolist()
    assert [[drawn_ints(a) for a in row] for row in scene.drawn["filters"]] == fig.weight.tolist()
    assert scene.drawn["bias"] == ["2", "-1"]
    out, _ = direct(fig.x, fig.weight, fig.bias, 1, 0)
    assert [drawn_ints(a) for a in scene.drawn["output"]] == out
    assert scene.drawn["legend"] == []                     # no padding; stride 1 visits every cell


def boxes_overlap(a, b, tol=1e-3):
    (ax0, ay0), (ax1, ay1) = a
    (bx0, by0), (bx1, by1) = b
    return ax0 < bx1 - tol and bx0 < ax1 - tol and ay0 < by1 - tol and by0 < ay1 - tol


def inside(p, box, tol=1e-3):
    (x0, y0), (x1, y1) = box
    return x0 + tol < p[0] < x1 - tol and y0 + tol < p[1] < y1 - tol


def crosses(p, q, box, tol=1e-3):
    """Whether the segment p-q enters the inside of ``box`` (shrunk by ``tol``): Liang-Barsky clipping."""
    (x0, y0), (x1, y1) = box
    x0, y0, x1, y1 = x0 + tol, y0 + tol, x1 - tol, y1 - tol
    if x0 >= x1 or y0 >= y1:
        return False
    dx, dy = q[0] - p[0], q[1] - p[1]
    lo, hi = 0.0, 1.0
    for d, a, b in ((dx, p[0] - x0, x1 - p[0]), (dy, p[1] - y0, y1 - p[1])):
        for den, num in ((-d, a), (d, b)):         # p + t·d stays inside: -d·t <= a and d·t <= b
            if den == 0:
                if num < 0:
                    return False
            elif den > 0:
                hi = min(hi, num / den)
            else:
                lo = max(lo, num / den)
    return lo < hi


def test_crosses_is_a_real_clip():
    box = ((0, 0), (1, 1))
    assert crosses((-1, 0.5), (2, 0.5), box)                    # straight through
    assert not crosses((-1, 1), (2, 1), box)                    # along its edge
    assert not crosses((-1, 2), (2, 1.5), box)                  # above it
    assert crosses((-1, -1), (2, 2), box) and not crosses((2, 0), (0, 2.5), box)
    assert crosses((0.5, 0.5), (0.6, 0.6), box)                 # wholly inside


def segments(polyline):
    return list(zip(polyline[:-1], polyline[1:]))


def check_links(d, lang="en"):
    """Issue 10, from the geometry the scene recorded: at every step the window over each input slice the
    filter reads is outlined (its box is exactly its cells), linked by two polylines from the window's lower
    corners down the grid's lines to the slice's lower edge, then to the filter slice under it; a line goes from
    the sum row's total to the output cell's corner. No line crosses a digit's box (grids' numbers, the sum
    row's tokens) nor any grid or label but the one it leaves."""
    boxes, cell = d["boxes"], d["cell"]
    digits = d["digit_boxes"]
    assert len(digits) == sum(g.size for g in d["input"]) + sum(a.size for row in d["filters"] for a in row) \
        + len(d["bias"] or []) + sum(a.size for a in d["output"])
    for s in d["steps"]:
        co, orow, ocol = s["out"]
        glyphs = digits + [b for text, _, b in s["sum_tokens"] if any(ch.isdigit() for ch in text)]
        assert sorted(s["window_boxes"]) == sorted(s["windows"]) == sorted(s["links"])
        for c, link in s["links"].items():
            (gx0, gy0), (gx1, gy1) = boxes[f"x{c}"]
            rows = [r for r, _ in s["windows"][c]]
            cols = [q for _, q in s["windows"][c]]
            (wx0, wy0), (wx1, wy1) = s["window_boxes"][c]            # the outline: exactly the window's cells
            assert wx0 == pytest.approx(gx0 + min(cols) * cell, abs=0.02)
            assert wx1 == pytest.approx(gx0 + (max(cols) + 1) * cell, abs=0.02)
            assert wy1 == pytest.approx(gy1 - min(rows) * cell, abs=0.02)
            assert wy0 == pytest.approx(gy1 - (max(rows) + 1) * cell, abs=0.02)
            outline = s["window_outlines"][c]                       # a full outline, not corner brackets
            assert outline is not None
            assert outline[0] == pytest.approx(outline[-1]) and len(outline) == 5
            assert np.allclose(sorted(outline[:4]), sorted([(wx0, wy0), (wx0, wy1), (wx1, wy0), (wx1, wy1)]),
                               atol=0.02)
            slice_box = boxes["w{}.{}".format(*link["slice"])]
            label_box = boxes["w{}.{} label".format(*link["slice"])]
            assert len(link["lines"]) == 2
            for line, x_win, x_slice in zip(link["lines"], (wx0, wx1), (slice_box[0][0], slice_box[1][0])):
                assert line[0] == pytest.approx((x_win, wy0), abs=0.02)          # the window's lower corner
                assert line[-1][0] == pytest.approx(x_slice, abs=0.02)           # over the slice's edge,
                assert 0 < line[-1][1] - label_box[1][1] < 0.1                   # just above its label
                assert all(abs(p[1] - gy0) < 0.02 or p[1] > gy0 for p in line[:-1])   # off the grid at its edge
                mine = (f"x{c}", "w{}.{} label".format(*link["slice"]))
                for p, q in segments(line):
                    assert not [b for b in glyphs if crosses(p, q, b)], (s["out"], c, p, q)
                    assert not [k for k, b in boxes.items() if k not in mine and crosses(p, q, b)], (s["out"], c)
        # the output cell: marked, and joined to the total by a line from its lower right corner
        (cx0, cy0), (cx1, cy1) = s["out_cell"]
        (ox0, _), (_, oy1) = boxes[f"o{co}"]
        assert (cx0, cy1) == (pytest.approx(ox0 + ocol * cell, abs=0.02), pytest.approx(oy1 - orow * cell, abs=0.02))
        assert cx1 - cx0 == pytest.approx(cell, abs=0.02)
        path = s["out_link"]
        assert path[0] == pytest.approx((cx1, cy0), abs=0.02)
        (tx0, ty0), (tx1, ty1) = s["total_box"]
        assert path[-1][0] > tx1 and ty0 < path[-1][1] < ty1                    # ends right of the total
        assert [t for t, _, b in s["sum_tokens"] if b == s["total_box"]] == [s["total"]]
        for p, q in segments(path):
            assert not [b for b in glyphs if crosses(p, q, b)], (s["out"], p, q)
            assert not [k for k, b in boxes.items() if k != f"o{co}" and crosses(p, q, b)], (s["out"], p, q)
        # the sum row: every digit in the monospace font; Chinese words in the CJK font, centred on the digits
        mono = {f for text, f, _ in s["sum_tokens"] if any(ch.isdigit() for ch in text)}
        assert mono == {"DejaVu Sans Mono"}
        words = [(t, b) for t, f, b in s["sum_tokens"] if f != "DejaVu Sans Mono"]
        assert [t for t, _ in words] == (["通道"] * len(s["links"]) if lang == "zh" else [])
        mid = (s["total_box"][0][1] + s["total_box"][1][1]) / 2
        for _, b in words:
            assert (b[0][1] + b[1][1]) / 2 == pytest.approx(mid, abs=0.03)


def test_notes_links_join_windows_to_filter_slices_and_the_total_to_the_output_cell(notes):
    d = notes.drawn
    check_links(d)
    s = d["steps"][4]                     # o0[1,1]: the window's lower corners are in the grid, not on its edge
    assert s["out"] == (0, 1, 1) and s["windows"][0][-1] == (4, 4)
    assert all(len(line) == 3 for link in s["links"].values() for line in link["lines"])
    assert len(s["out_link"]) == 5
    line = " ".join(t for t, _, _ in d["steps"][0]["sum_tokens"])
    assert line == "ch0: 1 + ch1: -1 + ch2: 0 + b0: 1 = 1"


def test_zh_links_and_sum_row_in_one_monospace_font():
    scene = build("cnn-gif2", lang="zh")
    check_links(scene.drawn, lang="zh")
    tokens = scene.drawn["steps"][9]["sum_tokens"]
    assert [t for t, _, _ in tokens] == ["通道", "0: 0", "+", "通道", "1: -1", "+", "通道", "2: 0", "+", "b1: 0",
                                         "=", "-1"]
    word, digits = tokens[0][2], tokens[1][2]
    assert 0 < digits[0][0] - word[1][0] < 0.1                     # the index right after the word


def test_groups_links_and_the_output_line():
    params = get_entry("multichannel").resolve(in_channels=4, out_channels=2, groups=2, in_size=4, bias=[1, -1],
                                               seed=5)
    check_links(build("multichannel", params=params).drawn)


def test_notes_output_title_sits_on_its_grids(notes):
    """Issue 10: "Output Volume" right above its slices (it floated at the top of the picture)."""
    b = notes.drawn["boxes"]
    title, label = b["output title"], b["o0 label"]
    gap = title[0][1] - label[1][1]
    assert 0 < gap < 0.25
    assert title[0][1] < b["input title"][0][1]                       # under the top line, not on it
    (ox0, _), (ox1, _) = b["o0"][0], b["o1"][1]
    assert ox0 <= (title[0][0] + title[1][0]) / 2 <= ox1


def _no_overlaps(drawn):
    items = sorted(drawn["boxes"].items())
    for i, (ka, a) in enumerate(items):
        for kb, bx in items[i + 1:]:
            assert not boxes_overlap(a, bx), (ka, kb)


@pytest.mark.parametrize("case", [
    {},                                                                       # the notes' figure
    {"lang": "zh"},
    {"params": {"in_channels": 4, "out_channels": 2, "groups": 2, "in_size": 4}},
    {"params": {"in_channels": 2, "out_channels": 6, "in_size": 5}},          # filters wrap into rows
    {"params": {"in_channels": 6, "out_channels": 6, "in_size": 4}},          # short labels
])
def test_labels_grids_and_titles_never_overlap(case):
    params = case.get("params")
    if params is None:
        scene = build("cnn-gif2", lang=case.get("lang", "en"))
    else:
        scene = build("multichannel", params=get_entry("multichannel").resolve(**params))
    _no_overlaps(scene.drawn)
    for s in scene.drawn["steps"]:
        for c, link in s["links"].items():
            assert link["slice"][0] == s["out"][0]


def test_uneven_same_padding_with_two_channels_draws():
    """`convviz render multichannel --padding same --in-channels 2 --kernel-size 2` used to fail ("cannot draw
    this legibly": the input's title, the legend and the output's title on one line were wider than the frame
    at any cell size); the output's title now sits over the output's slices."""
    params = get_entry("multichannel").resolve(in_channels=2, kernel_size=2, padding="same", stride=1, seed=4)
    scene = build("multichannel", params=params)
    d = scene.drawn
    assert d["labels"]["input"] == "Input Volume (+pad top 0, bottom 1, left 0, right 1) (6x6x2)"
    out, sums = direct(params.x, params.weight, params.bias, 1, (0, 1, 0, 1))
    assert [drawn_ints(a) for a in d["output"]] == out
    assert len(out[0]) == 5 and len(out[0][0]) == 5                      # 'same': the input's size
    for s in d["steps"]:
        assert {c: int(v) for c, v in s["channel_sums"].items()} == sums[s["out"]]
    assert d["cell"] >= 0.3
    _no_overlaps(d)
    # uneven on both sides, in Chinese: the longest title there is
    params = get_entry("multichannel").resolve(in_channels=2, out_channels=2, in_size=(4, 9), kernel_size=(2, 4),
                                               padding="same", stride=1, seed=4)
    scene = build("multichannel", params=params, lang="zh")
    assert "上 0 下 1 左 1 右 2" in scene.drawn["labels"]["input"]
    _no_overlaps(scene.drawn)
