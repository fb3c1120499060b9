"""ConvScene (gif3, gif1, gif4, gif5, stride, conv-arithmetic): what it drew vs. an independent reference."""

import numpy as np
from manim import DOWN
import pytest
from PIL import Image

from convviz.figures import examples as ex
from convviz.catalogue import get_entry
from reference import padding_pairs, ref_conv
from scene_utils import build, render_file


def drawn_ints(arr):
    return np.array([[int(v) for v in row] for row in arr])


def test_gif3_draws_the_notes_numbers():
    scene = build("cnn-gif3")
    assert drawn_ints(scene.drawn["output"]).tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    assert drawn_ints(scene.drawn["input"]).tolist() == ex.GIF3_IMAGE.tolist()
    assert drawn_ints(scene.drawn["kernel"]).tolist() == ex.GIF3_KERNEL.tolist()
    assert scene.drawn["equations"][0] == "1×1 + 1×0 + 1×1 + 0×0 + 1×1 + 1×0 + 0×1 + 0×0 + 1×1 = 4"
    assert len(scene.drawn["equations"]) == 9 and scene.steps_shown == 9


def test_gif1_output_matches_reference_and_notes():
    scene = build("cnn-gif1")
    ref = ref_conv(ex.GIF1_INPUT[None], ex.GIF1_KERNEL[None, None])[0]
    assert drawn_ints(scene.drawn["output"]).tolist() == ref.tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]


def _check_equations(scene, x, w, stride, padding, dilation):
    """Each drawn sum line, re-evaluated from its own text, equals the reference output in order."""
    ref = ref_conv(x, w, None, stride, padding, dilation)[0].reshape(-1)
    assert len(scene.drawn["equations"]) == len(ref)
    for line, expected in zip(scene.drawn["equations"], ref):
        lhs, rhs = line.split(" = ")
        terms = [t.replace("(", "").replace(")", "").split("×") for t in lhs.split(" + ")]
        assert sum(int(a) * int(b) for a, b in terms) == int(rhs) == expected


@pytest.mark.parametrize("name", ["cnn-gif4", "cnn-gif5", "stride", "padding_strides_odd", "dilation",
                                  "arbitrary_padding_no_strides", "full_padding_no_strides"])
def test_parametric_entries_draw_reference_values(name):
    entry = get_entry(name)
    p = entry.resolve()
    scene = build(name)
    ref = ref_conv(p.x, p.weight, None, p.stride, p.padding, p.dilation)[0]
    assert drawn_ints(scene.drawn["output"]).tolist() == ref.tolist()
    _check_equations(scene, p.x, p.weight, p.stride, p.padding, p.dilation)


def test_padding_cells_drawn_as_zero_and_marked():
    scene = build("cnn-gif4")
    grid = scene.input_grid
    assert grid.rows == grid.cols == 7
    ring = [(r, c) for r in range(7) for c in range(7) if r in (0, 6) or c in (0, 6)]
    assert all(grid.kinds[r, c] == "padding" and grid.drawn[(r, c)] == "0" for r, c in ring)
    # first window: the top-left 3x3 taps, five of them over padding
    first = scene.drawn["windows"][0]
    assert sum(is_pad for _, is_pad in first) == 5


def test_stride_marks_unvisited_cells():
    scene = build("stride")      # 6x6, k=3, s=2: the last row and column are never visited
    p = get_entry("stride").resolve()
    n = p.x.shape[1]
    visited = set()
    for taps in scene.drawn["windows"]:
        visited |= {pos for pos, pad in taps if not pad}
    unvisited = {(r, c) for r in range(n) for c in range(n)} - visited
    assert unvisited == {(r, n - 1) for r in range(n)} | {(n - 1, c) for c in range(n)}
    assert scene.trace.unvisited() == sorted(unvisited)


def test_random_user_parameters(tmp_path):
    entry = get_entry("conv2d")
    rng = np.random.default_rng(3)
    for seed in range(3):
        k = int(rng.integers(1, 4))
        s = int(rng.integers(1, 3))
        p = int(rng.integers(0, 2))
        d = int(rng.integers(1, 3))
        params = entry.resolve(in_size=int(rng.integers(5, 9)), kernel_size=k, stride=s, padding=p, dilation=d,
                               seed=seed)
        scene = build("conv2d", params=params)
        ref = ref_conv(params.x, params.weight, None, s, p, d)[0]
        assert drawn_ints(scene.drawn["output"]).tolist() == ref.tolist()


def test_formula_and_pytorch_lines():
    scene = build("padding_strides", show_formula=True, show_pytorch=True)
    lines = scene.drawn["extra_lines"]
    assert lines[0].endswith("= ⌊(5 + 2·1 − 1·(3−1) − 1)/2⌋ + 1 = 3")
    assert lines[1] == "nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1, bias=False)"


def test_renders_png_and_looping_gif(tmp_path):
    png = render_file("cnn-gif3", tmp_path / "g.png", "png")
    assert Image.open(png).size[0] >= 640
    gif = render_file("cnn-gif3", tmp_path / "g.gif", "gif")
    im = Image.open(gif)
    assert im.n_frames == 9                      # one frame per step; the last one is held
    assert im.info.get("loop") == 0
    durations = []
    for i in range(im.n_frames):
        im.seek(i)
        durations.append(im.info["duration"])
    assert durations[:-1] == [1000] * 8 and durations[-1] == 5000


def test_chinese_labels_render(tmp_path):
    scene = build("cnn-gif3", lang="zh")
    assert scene.T("input") == "输入"
    png = render_file("cnn-gif3", tmp_path / "zh.png", "png", lang="zh")
    assert png.stat().st_size > 0


def _padded_reference(x, pads):
    """The input with zeros around it, and the kinds (padding / data) of its cells, from index arithmetic."""
    (pt, pb), (pl, pr) = pads
    h, w = x.shape
    rows, cols = h + pt + pb, w + pl + pr
    values = [[int(x[r - pt, c - pl]) if pt <= r < pt + h and pl <= c < pl + w else 0 for c in range(cols)]
              for r in range(rows)]
    kinds = [["data" if pt <= r < pt + h and pl <= c < pl + w else "padding" for c in range(cols)]
             for r in range(rows)]
    return values, kinds


@pytest.mark.parametrize("over", [dict(in_size=7, kernel_size=4, padding="same", seed=2),   # 1 before, 2 after
                                  dict(in_size=5, kernel_size=3, padding=2, stride=2, seed=4),
                                  dict(in_size=6, kernel_size=2, padding=0, seed=1)])
def test_builder_result_is_what_the_scene_drew(over):
    """The scene draws the builder's ConvFigure: its data padded (padding cells marked as padding), its kernel,
    and the reference conv of its data as the output."""
    fig = get_entry("conv2d").resolve(**over)
    scene = build("conv2d", params=fig, show_formula=True, show_pytorch=True)
    assert scene.params is fig
    k = fig.weight.shape[-1]
    pads = padding_pairs(fig.padding, (k, k), (1, 1), 2)
    values, kinds = _padded_reference(fig.x[0], pads)
    assert drawn_ints(scene.drawn["input"]).tolist() == values
    assert scene.input_grid.kinds.tolist() == kinds
    assert drawn_ints(scene.drawn["kernel"]).tolist() == fig.weight[0, 0].tolist()
    ref = ref_conv(fig.x, fig.weight, fig.bias, fig.stride, fig.padding, fig.dilation)[0]
    assert drawn_ints(scene.drawn["output"]).tolist() == ref.tolist()
    i, (pb, pa) = fig.x.shape[-1], pads[0]
    o = (i + pb + pa - (k - 1) - 1) // fig.stride + 1
    assert scene.drawn["extra_lines"][0].endswith(f"= {o}") and len(ref) == o
    assert scene.drawn["extra_lines"][-1].startswith("nn.Conv2d(1, 1, ")
    assert f"padding={fig.padding!r}" in scene.drawn["extra_lines"][-1] or fig.padding == 0


def test_legend_lists_padding_and_unvisited_cells():
    assert build("cnn-gif3").drawn["legend"] == []                  # no padding, every cell visited
    assert build("cnn-gif4").drawn["legend"] == ["padding"]
    assert build("stride").drawn["legend"] == ["unvisited"]          # 6x6, k=3, s=2: the last row/column


@pytest.mark.parametrize("name", ["cnn-gif3", "cnn-gif1"])
def test_weight_subscripts_stand_clear_of_the_window_frame_at_notes_quality(name):
    """Issue 10: every ×w at least 3 px from the inside of the window's frame (right and bottom) in the notes
    GIF, and still at least 10 px tall (the frames' own pixels per unit, from the drawn record)."""
    from pathlib import Path

    from convviz import catalogue
    from convviz.app.notes import notes_tasks
    from scenes.render.capture import held_frames

    entry = catalogue.get_entry(name)
    (task,) = notes_tasks(Path("unused"), [entry], "medium", "en")
    held = held_frames(entry.scene, task.params, task.options, task.fmt, task.quality, task.fps, task.min_width,
                       task.density)
    kernel = [w for row in held.drawn["kernel"] for w in row]
    gaps = held.drawn["subscript_gaps"]
    assert len(gaps) == len(held.drawn["windows"]) == 9
    assert all(len(step) == len(kernel) == 9 for step in gaps)         # every tap has its ×w
    px = [g * held.px_per_unit for step in gaps for pair in step for g in pair]
    assert min(px) >= 3.0, min(px)
    assert held.drawn["text_height"]["sub"] * held.px_per_unit >= 10


def test_weight_subscripts_left_out_rather_than_touching_the_numbers():
    """A window whose ×w would touch its cell's number after moving clear of the frame shows none."""
    from scenes.conv2d import _clear_subscripts
    from scenes.kit.widgets import KernelWindow

    scene = build("cnn-gif3")
    grid = scene.input_grid
    window = KernelWindow(grid, [(0, 0)], [1], scene.theme, scene.text, show_weights=True)
    assert window.drawn == ["×1"]
    grid.numbers[(0, 0)].shift(DOWN * grid.cell_size * 0.3)     # a number low in its cell
    window = _clear_subscripts(window, grid, [(0, 0)])
    assert window.drawn == [] and len(window.subscripts) == 0 and not window.subscripts_fit
