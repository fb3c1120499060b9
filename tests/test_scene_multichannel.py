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


def test_notes_links_join_each_window_to_the_filter_slice_under_it(notes):
    """Issue 10: each step links the active window of every input slice by two lines to the filter slice it
    meets (the active filter's slice of that channel, straight under the input slice), and the lines cross no
    other grid or label of the picture."""
    boxes = notes.drawn["boxes"]
    for s in notes.drawn["steps"]:
        co = s["out"][0]
        assert {c: link["slice"] for c, link in s["links"].items()} == {c: (co, c) for c in range(3)}
        for c, link in s["links"].items():
            (wx0, _), (wx1, _) = boxes[f"w{co}.{c}"]
            (ix0, _), (ix1, _) = boxes[f"x{c}"]
            assert ix0 <= wx0 and wx1 <= ix1                       # the slice sits under its input slice
            cells = s["windows"][c]
            assert len(link["lines"]) == 2
            for (start, end) in link["lines"]:
                assert inside(start, boxes[f"x{c}"], tol=-1e-3)    # from the window's corner, on the grid
                assert abs(end[1] - boxes[f"w{co}.{c} label"][1][1]) < 0.1          # to the slice's label
                others = {k: b for k, b in boxes.items() if k not in (f"x{c}", f"w{co}.{c} label")}
                for t in np.linspace(0.02, 0.98, 60):
                    p = (start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1]))
                    hit = [k for k, b in others.items() if inside(p, b)]
                    assert not hit, (s["out"], c, hit)
            # the window's lowest row: the lines leave from its lower corners
            assert max(r for r, _ in cells) == 2 * s["out"][1] + 2


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
