"""The volume figures (figure6–10, figure15) and the volume widget: what they drew against arithmetic written
here (loops and products from the definitions), plus low-quality renders of every entry."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from PIL import Image

from convviz.figures import volumes
from convviz.catalogue import get_entry
from scene_utils import build, render_file

ENTRIES = ("cnn-figure6", "cnn-figure7", "cnn-figure8", "cnn-figure9", "cnn-figure10", "cnn-figure15")


@lru_cache(maxsize=None)
def scene(name):
    return build(name)


def out_len(i, k):
    """Window starts 0, 1, 2, … whose k cells fit in i (stride 1, no padding)."""
    n = 0
    while n + k <= i:
        n += 1
    return n


# ------------------------------------------------------------------------------------------ the widget
def _widget(shape, **kw):
    from scenes.kit.theme import LIGHT
    from scenes.kit.volume import Volume
    from manim import Text
    return Volume(shape, LIGHT, lambda s, size=20, color=None, **_: Text(s, font_size=size, color=color), **kw)


def _sat_disjoint(a, b):
    """Separating-axis test for two convex polygons given as (n, 2) arrays: True if they do not overlap."""
    for poly in (a, b):
        for i in range(len(poly)):
            e = poly[(i + 1) % len(poly)] - poly[i]
            n = np.array([-e[1], e[0]])
            pa, pb = a @ n, b @ n
            if pa.max() <= pb.min() + 1e-9 or pb.max() <= pa.min() + 1e-9:
                return True
    return False


def test_widget_labels_from_shape_and_clear_of_voxels():
    v = _widget((7, 5, 3), label_style="both")
    assert v.drawn["labels"] == {"H": "H=7", "W": "W=5", "D": "D=3"}
    assert _widget((7, 5, 3)).drawn["labels"] == {"H": "7", "W": "5", "D": "3"}
    H, W, D = 7, 5, 3
    hull = np.array([v.point(*c)[:2] for c in
                     ((0, 0, 0), (0, 0, D), (0, W, D), (H, W, D), (H, W, 0), (H, 0, 0))])   # the block's outline
    for lab in v.labels:
        (x0, y0), (x1, y1) = lab.get_corner([-1, -1, 0])[:2], lab.get_corner([1, 1, 0])[:2]
        box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        assert _sat_disjoint(hull, box), f"label {lab} overlaps the voxels"


def test_widget_elides_long_depth_and_point_follows_moves():
    v = _widget((5, 5, 128), label_style="value")
    assert v.drawn["labels"]["D"] == "128"
    a, b = v.drawn["elided"]["D"]
    shown = v.drawn["shown"]["D"]
    assert len(shown) <= 8 and 0 in shown and 127 in shown
    assert len(shown) + (b - a) == 128 and all(not a <= i < b for i in shown)
    assert "H" not in v.drawn["elided"] and v.drawn["shown"]["H"] == [0, 1, 2, 3, 4]
    # the front face's corners before and after moving/scaling the widget
    before = v.point(5, 5, 0) - v.point(0, 0, 0)
    v.scale(0.5).shift([3, -1, 0])
    after = v.point(5, 5, 0) - v.point(0, 0, 0)
    assert np.allclose(after, before * 0.5)
    cell = v.front_cell(0, 0).get_vertices()
    assert np.allclose(cell[0], v.point(0, 0, 0)) and np.allclose(cell[2], v.point(1, 1, 0))


def test_elide_axis_plans():
    for n in (1, 3, 8, 9, 64, 1000):
        plan = volumes.elide_axis(n, 8)
        assert plan.length <= 8
        covered = sorted(plan.shown + (list(range(*plan.elided)) if plan.elided else []))
        assert covered == list(range(n))
        assert (plan.elided is None) == (n <= 8)


# ------------------------------------------------------------------------------------------ figure7
def test_figure7_pointwise_dot_products():
    p = get_entry("cnn-figure7").params
    fig = get_entry("cnn-figure7").resolve()
    s = scene("cnn-figure7")
    n, d = p["in_size"], p["channels"]
    assert s.drawn["input_labels"] == {"H": f"H={n}", "W": f"W={n}", "D": f"D={d}"}
    assert s.drawn["kernel_labels"] == {"H": "1", "W": "1", "D": f"D={d}"}
    assert s.drawn["output_labels"] == {"H": f"H={n}", "W": f"W={n}", "D": "1"}
    x, w = fig.x, fig.weight
    assert x.shape == (d, n, n) and w.shape == (1, d, 1, 1)
    assert len(s.drawn["steps"]) > 1
    for st in s.drawn["steps"]:
        r, c = st["position"]
        assert st["values"] == [int(x[k, r, c]) for k in range(d)]
        assert st["weights"] == [int(w[0, k, 0, 0]) for k in range(d)]
        total = 0
        for k in range(d):                     # the dot product, by hand
            total += st["values"][k] * st["weights"][k]
        assert st["total"] == str(total) == s.drawn["output_values"][(r, c)]
        terms = " + ".join(f"{a}×{b}" for a, b in zip(st["values"], st["weights"]))
        assert st["equation"] == f"{terms} = {total}"
    assert s.drawn["marked"] == s.drawn["steps"][-1]["position"] == (0, n - 1)     # default: end of row 0


def test_figure7_builder_is_what_the_scene_drew():
    fig = get_entry("cnn-figure7").resolve()
    s = scene("cnn-figure7")
    assert [st["position"] for st in s.drawn["steps"]] == list(fig.path) == [st.position for st in fig.steps]
    assert [st["total"] for st in s.drawn["steps"]] == [st.total_text for st in fig.steps]
    assert fig.term_width == max(len(t) for st in fig.steps for t in st.terms)
    for r in range(fig.x.shape[1]):            # the whole output, by hand
        for c in range(fig.x.shape[2]):
            assert fig.output[0, r, c] == sum(int(fig.x[k, r, c]) * int(fig.weight[0, k, 0, 0])
                                              for k in range(fig.channels))


def _seg_dist(p, q, a, b) -> float:
    """Exact distance between segments pq and ab (0 if they cross)."""
    p, q, a, b = (np.asarray(v, dtype=float) for v in (p, q, a, b))

    def pt_seg(x, u, v):
        t = np.clip(np.dot(x - u, v - u) / max(np.dot(v - u, v - u), 1e-18), 0, 1)
        return float(np.linalg.norm(x - (u + t * (v - u))))

    def cross(u, v, w):
        return (v[0] - u[0]) * (w[1] - u[1]) - (v[1] - u[1]) * (w[0] - u[0])

    if cross(p, q, a) * cross(p, q, b) < 0 and cross(a, b, p) * cross(a, b, q) < 0:
        return 0.0
    return min(pt_seg(p, a, b), pt_seg(q, a, b), pt_seg(a, p, q), pt_seg(b, p, q))


def _box_to_edges(box, edges) -> float:
    l, b, r, t = box
    sides = [((l, b), (r, b)), ((r, b), (r, t)), ((r, t), (l, t)), ((l, t), (l, b))]
    inside = any(l <= x <= r and b <= y <= t for e in edges for (x, y) in e)
    return 0.0 if inside else min(_seg_dist(*s, *e) for s in sides for e in edges)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figure7_output_depth_label_under_its_edge_inside_the_picture(lang):
    """The output's depth label "1" sits under its one-voxel receding edge, as clear of the block as the W
    label is (not diagonal to the front face's corner), and not beyond the block's right side (it was the
    picture's outermost mark, against its right edge)."""
    d = build("cnn-figure7", lang=lang).drawn
    boxes, edges = d["output_label_boxes"], d["output_edges"]
    assert len(edges) == 12 and d["output_labels"]["D"] == "1"
    gaps = {a: _box_to_edges(b, edges) for a, b in boxes.items()}
    assert gaps["W"] > 0.05 and abs(gaps["H"] - gaps["W"]) < 0.01 * gaps["W"]
    assert 0.99 * gaps["W"] <= gaps["D"] <= 1.2 * gaps["W"], gaps
    xs = sorted({round(x, 9) for e in edges for x, _ in e})
    front_right, back_right = xs[-2], xs[-1]            # the receding edge runs between these
    left, bottom, right, top = boxes["D"]
    assert front_right < (left + right) / 2 < back_right
    assert right <= back_right
    foot = min(y for e in edges for _, y in e)
    assert top < foot and abs(top - boxes["W"][3]) < 1e-6    # level with W's label, under the block


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figure7_sum_line_fonts_and_baseline(lang):
    """"输出 (0, 5) = 3×3 + …": the word in the language's font (CJK in the CJK font), every digit and sign in
    the monospace font; the word on the digits' baseline, one gap between the word and its "(r, c) =" ."""
    d = build("cnn-figure7", lang=lang).drawn
    for st in d["steps"]:
        fonts = st["equation_fonts"]
        r, c = st["position"]
        assert fonts[0] == (("输出", "Noto Sans CJK SC") if lang == "zh" else ("output", "DejaVu Sans"))
        assert fonts[1] == (f"({r}, {c}) =", "DejaVu Sans Mono")
        assert " ".join(s for s, _ in fonts[2:]) == st["equation"]
        for s, font in fonts[1:]:
            assert not any(ord(ch) > 0x2E80 for ch in s) and font == "DejaVu Sans Mono", (s, font)
        em = st["em"]
        word, coords, digits = st["word_box"], st["coords_box"], st["digit_box"]
        gap = coords[0] - word[2]
        assert 0.4 * em < gap < 0.8 * em, gap / em
        if lang == "zh":        # ideographs: a little below the baseline, centred on the digits
            assert digits[1] - 0.15 * em < word[1] < digits[1], (word, digits)
            assert abs((word[1] + word[3]) / 2 - (digits[1] + digits[3]) / 2) < 0.08 * em
        else:                   # "output": the descender of p below the baseline, t's top near the digits' top
            assert digits[1] - 0.3 * em < word[1] < digits[1] - 0.1 * em, (word, digits)
            assert abs(word[3] - digits[3]) < 0.08 * em


# ------------------------------------------------------------------------------------------ figure6
def test_figure6_grouped_counts_and_shapes():
    p = get_entry("cnn-figure6").params
    s = scene("cnn-figure6")
    c_in, c_out, k, g = p["in_channels"], p["out_channels"], p["kernel_size"], p["groups"]
    o = out_len(p["in_size"], k)
    assert s.drawn["out_size"] == (o, o)
    dense = c_out * c_in * k * k
    grouped = g * (c_out // g) * (c_in // g) * k * k
    assert s.drawn["params"] == {1: dense, g: grouped}
    assert (dense, grouped) == (576, 288)
    final = s.drawn[f"groups={g}"]
    assert final["input_labels"]["D"].endswith(f"={c_in}") and final["output_labels"]["D"].endswith(f"={c_out}")
    assert final["output_labels"]["H"].endswith(f"={o}")
    assert len(final["filters"]) == g
    for f in final["filters"]:
        assert f["labels"] == {"H": f"h={k}", "W": f"w={k}", "D": f["labels"]["D"]}
        assert f["labels"]["D"].endswith(f"/{g}={c_in // g}")
        assert f"× {c_out // g}" in f["times"]
    assert final["count_lines"] == [f"groups=1: {c_out} × {c_in} × {k} × {k} = {dense} weights",
                                    f"groups={g}: {c_out} × {c_in // g} × {k} × {k} = {grouped} weights"]
    assert len(s.drawn["groups=1"]["filters"]) == 1
    assert s.drawn["groups=1"]["count_lines"] == final["count_lines"][:1]


def test_figure6_other_groups_from_the_builder():
    fig = volumes.grouped_figure(in_size=5, in_channels=12, out_channels=6, kernel_size=(3, 1), groups=3)
    s = build("cnn-figure6", params=fig)
    assert s.drawn["out_size"] == (out_len(5, 3), out_len(5, 1)) == fig.out_size
    assert s.drawn["params"] == {1: 6 * 12 * 3, 3: 6 * 4 * 3}
    final = s.drawn["groups=3"]
    assert [f["labels"]["D"] for f in final["filters"]] == ["Dᵢₙ/3=4"] * 3
    assert all("× 2" in f["times"] for f in final["filters"])
    grouped = fig.counts[-1]
    assert grouped.input_group == (0,) * 4 + (1,) * 4 + (2,) * 4 and grouped.output_group == (0, 0, 1, 1, 2, 2)
    one = volumes.grouped_figure(groups=1)
    assert [c.groups for c in one.counts] == [1]
    with pytest.raises(ValueError):
        volumes.grouped_figure(in_channels=8, out_channels=8, groups=3)


# ------------------------------------------------------------------------------------------ figure8–10
def test_figure8_depthwise_shapes_and_counts():
    p = get_entry("cnn-figure8").params
    s = scene("cnn-figure8")
    i, c, k = p["in_size"], p["in_channels"], p["kernel_size"]
    o = out_len(i, k)
    assert (i, c, k, o) == (7, 3, 3, 5)
    assert s.drawn["input_labels"] == {"H": str(i), "W": str(i), "D": str(c)}
    # the kernels stand one behind the other: the front one carries h and w, every one its depth 1
    assert s.drawn["kernel_labels"] == [{"H": str(k), "W": str(k), "D": "1"}] + [{"D": "1"}] * (c - 1)
    assert s.drawn["output_labels"] == {"H": str(o), "W": str(o), "D": str(c)}
    assert s.drawn["counts"] == {"params": c * k * k, "macs": c * k * k * o * o}
    assert s.drawn["count_line"] == (f"depthwise: {c} × {k} × {k} = {c * k * k} weights, "
                                     f"{c * k * k * o * o} multiply-adds")
    assert s.drawn["path"] == get_entry("cnn-figure8").resolve().path and s.drawn["path"][-1] == (0, o - 1)


def test_figure9_pointwise_step():
    s = scene("cnn-figure9")
    assert s.drawn["input_labels"] == {"H": "5", "W": "5", "D": "3"}
    assert s.drawn["kernel_labels"] == {"H": "1", "W": "1", "D": "3"}
    assert s.drawn["output_labels"] == {"H": "5", "W": "5", "D": "1"}
    assert s.drawn["counts"] == {"params": 3, "macs": 3 * 25}
    assert s.drawn["info"] == ["pointwise: 1 × 3 = 3 weights, 75 multiply-adds"]
    assert len(s.drawn["path"]) > 1


def test_figure10_many_kernels_elided_and_the_comparison():
    entry = get_entry("cnn-figure10")
    p = entry.params
    s = scene("cnn-figure10")
    n, c, co, k = p["in_size"], p["in_channels"], p["out_channels"], p["kernel_size"]
    assert s.drawn["output_labels"] == {"H": str(n), "W": str(n), "D": str(co)}
    assert "D" in s.drawn["output_elided"]
    assert s.drawn["times"] == f"× {co}"
    assert [f["output_labels"]["D"] for f in s.drawn["frames"]] == ["1", "2", "3", str(co)]
    standard = co * c * k * k
    dw, pw = c * k * k, co * c
    o = n * n
    assert (standard, dw, pw) == (3456, 27, 384)
    assert (standard * o, dw * o, pw * o) == (86400, 675, 9600)
    table = s.drawn["table"]
    # the standard conv (and the depthwise step) start from the input whose valid k x k conv is n x n
    i = next(m for m in range(1, 100) if out_len(m, k) == n)
    assert i == 7
    assert table[1][0] == f"standard {k}×{k} conv on the {i}×{i}×{c} input"
    assert table[2][0] == f"depthwise {k}×{k} + pointwise 1×1"
    assert table[1][1:] == [str(standard), str(standard * o)]
    assert co * c * k * k * out_len(i, k) ** 2 == standard * o       # its multiply-adds: every 5x5 output
    zh = build("cnn-figure10", lang="zh").drawn["table"]
    assert zh[1][0] == f"标准 {k}×{k} 卷积（输入 {i}×{i}×{c}）" and zh[1][1:] == table[1][1:]
    assert table[2][1:] == [f"{dw} + {pw} = {dw + pw}", f"{dw * o} + {pw * o} = {(dw + pw) * o}"]
    # the caption's numbers are the builder's
    sep = entry.resolve().separable
    assert f"{sep.depthwise_params} + {sep.pointwise_params} weights instead of {sep.standard_params}" \
        in entry.caption_en
    assert f"standard {k}x{k} conv on the {i}x{i}x{c} input" in entry.caption_en and f"{i}x{i}x{c}" in entry.caption_zh
    assert s.drawn["separable"]["separable_params"] == dw + pw


# ------------------------------------------------------------------------------------------ figure15
def test_figure15_conv3d_moves_in_depth_and_marks_the_voxel():
    p = get_entry("cnn-figure15").params
    fig = get_entry("cnn-figure15").resolve()
    s = scene("cnn-figure15")
    (di, hi, wi), k = p["in_size"], p["kernel_size"]
    o = (out_len(di, k), out_len(hi, k), out_len(wi, k))
    assert s.drawn["out_size"] == o == fig.out_size
    assert s.drawn["output_labels"] == {"H": f"H={o[1]}", "W": f"W={o[2]}", "D": f"D={o[0]}"}
    assert s.drawn["input_labels"] == {"H": f"H={hi}", "W": f"W={wi}", "D": f"D={di}"}
    assert s.drawn["kernel_labels"] == {"H": str(k), "W": str(k), "D": str(k)}
    path = s.drawn["path"]
    assert path[-1] == tuple(p["marked"]) == s.drawn["marked"]
    for axis in range(3):                       # the kernel moves along every axis
        assert len({q[axis] for q in path}) > 1
    x, w = fig.x[0], fig.weight[0, 0]
    assert x.shape == (di, hi, wi) and w.shape == (k, k, k)
    assert [st["position"] for st in s.drawn["steps"]] == list(path)
    for st in s.drawn["steps"]:
        d, h, ww = st["position"]
        assert st["window"] == ((d, d + k), (h, h + k), (ww, ww + k))
        total = 0
        for a in range(k):
            for b in range(k):
                for c in range(k):
                    total += x[d + a, h + b, ww + c] * w[a, b, c]
        assert st["total"] == str(total)
        assert st["taps"] == k ** 3 and st["text"].startswith(f"output ({d}, {h}, {ww}) = ")
        assert st["text"].endswith(f" = {total}")
    assert f"= {k ** 3} products" in s.drawn["rule"]
    assert s.drawn["formula"][-1].endswith(f"= {o[0]}")


def test_figure15_walk_moves_one_axis_at_a_time_along_all_three():
    s = scene("cnn-figure15")
    path = s.drawn["path"]
    assert list(path) == [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 2), (1, 1, 2)]   # W twice, then H, then D
    names = ("D", "H", "W")
    moved = []
    for a, b in zip(path[:-1], path[1:]):
        changed = [i for i in range(3) if a[i] != b[i]]
        assert len(changed) == 1, (a, b)             # every step is a move along exactly one axis
        moved.append(names[changed[0]])
    assert set(moved) == {"D", "H", "W"}
    steps = s.drawn["steps"]
    assert [st["moved"] for st in steps] == [None] + moved
    words = {"D": "depth (D)", "H": "height (H)", "W": "width (W)"}
    assert [st["move_text"] for st in steps[1:]] == [f"kernel moved along {words[m]}" for m in moved]
    assert [st["move_arrow"] for st in steps] == [False] + [True] * len(moved)
    # the path so far under the move: the last frame (the notes' still) names all three directions
    assert [st["path_text"] for st in steps] == [""] + [f"path so far: {' → '.join(moved[:i])}"
                                                       for i in range(1, len(moved) + 1)]
    assert steps[-1]["path_text"] == "path so far: W → W → H → D"
    zh = build("cnn-figure15", lang="zh").drawn["steps"]
    assert zh[-1]["move_text"] == "卷积核沿深度（D）方向移动"
    assert zh[-1]["path_text"] == "已走路径：W → W → H → D"


def _window_centre(s, position, k):
    d, h, w = position
    return s.vin.point(h + k / 2, w + k / 2, d + k / 2)


def test_figure15_trail_joins_the_windows_visited_so_far():
    """Each step draws one arrow per move so far, from window centre to window centre (the last one from the
    previous centre towards the current one, at least a voxel's side long)."""
    s = scene("cnn-figure15")
    k = get_entry("cnn-figure15").params["kernel_size"]
    path = s.drawn["path"]
    for i, st in enumerate(s.drawn["steps"]):
        legs = [(np.array(a), np.array(b)) for a, b in st["legs"]]
        assert len(legs) == i
        centres = [_window_centre(s, q, k) for q in path[:i + 1]]
        for j, (a, b) in enumerate(legs):
            assert np.allclose(a, centres[j])
            if j < i - 1:
                assert np.allclose(b, centres[j + 1])           # chained: each leg ends where the next starts
            else:
                u, v = b - a, centres[j + 1] - a
                assert np.allclose(np.cross(u, v), 0) and np.dot(u, v) > 0     # towards the current window
                assert np.linalg.norm(u) >= max(np.linalg.norm(v), s.vin.cell * s.vin.scale_factor) - 1e-9


def test_figure15_output_voxel_marker_lies_exactly_on_its_surface_cells():
    """The marked voxel is drawn on the output block's visible faces it lies on (front d = 0, top h = 0, right
    w = W - 1), its corners the cell's own corners; no dashed (hidden) edges, so no stray ticks."""
    s = scene("cnn-figure15")
    (D, H, W) = s.drawn["out_size"]
    P = s.vout.point
    for st in s.drawn["steps"]:
        d, h, w = st["position"]
        want = {}
        if d == 0:
            want["front"] = [P(h, w, 0), P(h, w + 1, 0), P(h + 1, w + 1, 0), P(h + 1, w, 0)]
        if h == 0:
            want["top"] = [P(0, w, d), P(0, w + 1, d), P(0, w + 1, d + 1), P(0, w, d + 1)]
        if w == W - 1:
            want["right"] = [P(h, W, d), P(h, W, d + 1), P(h + 1, W, d + 1), P(h + 1, W, d)]
        assert want, st["position"]                 # every voxel of this walk shows on a visible face
        assert set(st["mark_faces"]) == set(want)
        for face, corners in want.items():
            assert np.allclose(np.array(st["mark_faces"][face]), np.array(corners))
        assert st["mark_dashes"] == 0
    assert set(s.drawn["steps"][-1]["mark_faces"]) == {"right"}       # (1, 1, 2): on the right face only


def test_figure15_letter_d_is_only_the_dilation():
    """Depth is spelled out (inset titles, the positions' order) or D; "d" appears only in the size formula,
    and a gloss says it is the dilation."""
    import re

    for lang, depth in (("en", "depth"), ("zh", "深度")):
        s = build("cnn-figure15", lang=lang)
        texts = [m.text for m in s.mobjects for m in m.get_family() if getattr(m, "text", None)
                 and isinstance(m.text, str)]
        texts += [st["text"] for st in s.drawn["steps"]] + [st["move_text"] for st in s.drawn["steps"]]
        for t in texts:
            if t in s.drawn["formula"]:
                continue
            assert not re.search(r"(?<![A-Za-z])d(?![A-Za-z])", t.replace("d in the formula", "").replace(
                "中的 d 是", "")), t
        assert "dilation" in s.drawn["gloss"] and depth in s.drawn["gloss"]
        assert "d(k−1)" in s.drawn["formula"][0]
        if lang == "zh":                              # the reviewer's wording: the order of the coordinates
            assert s.drawn["gloss"].startswith("坐标顺序为（深度，高度，宽度）；"), s.drawn["gloss"]
            assert "位置按" not in s.drawn["gloss"]


def test_figure15_inset_values_add_up_to_the_drawn_output():
    fig = get_entry("cnn-figure15").resolve()
    s = scene("cnn-figure15")
    x, w = fig.x[0], fig.weight[0, 0]
    k = w.shape[0]
    for st in s.drawn["steps"]:
        d, h, ww = st["position"]
        # the inset shows the window's input values and the kernel, slice by slice (depth first)
        assert st["patch"] == [[[str(int(x[d + a, h + b, ww + c])) for c in range(k)] for b in range(k)]
                               for a in range(k)]
        assert st["kernel"] == [[[str(int(w[a, b, c])) for c in range(k)] for b in range(k)] for a in range(k)]
        # 27 products of what is drawn, added by hand, per slice and in all
        partials = [sum(int(st["patch"][a][b][c]) * int(st["kernel"][a][b][c]) for b in range(k) for c in range(k))
                    for a in range(k)]
        products = [int(st["patch"][a][b][c]) * int(st["kernel"][a][b][c])
                    for a in range(k) for b in range(k) for c in range(k)]
        assert len(products) == 27 and sum(products) == sum(partials)
        assert st["partials"] == [str(p) for p in partials]
        assert st["text"] == f"output ({d}, {h}, {ww}) = {' + '.join(map(str, partials))} = {sum(products)}"
        assert st["total"] == str(sum(products))
    assert s.drawn["steps"][-1]["text"] == "output (1, 1, 2) = 13 + 10 + 14 = 37"
    last = s.drawn["steps"][-1]
    sum_s = f"{' + '.join(last['partials'])} = {last['total']}"       # the captions quote the drawn sum
    entry = get_entry("cnn-figure15")
    assert sum_s in entry.caption_en and sum_s in entry.caption_zh
    assert str(last["position"]) in entry.caption_en


def test_axis_walk_thins_but_keeps_one_axis_per_step():
    for shape, end, most in (((3, 3, 3), (2, 2, 2), 10), ((9, 9, 9), (8, 8, 8), 4), ((5, 9, 9), (2, 8, 0), 5),
                             ((4, 4, 5), None, 6)):
        path = volumes.axis_walk(shape, end, max_steps=most)
        want_end = tuple(n // 2 for n in shape) if end is None else end
        assert path[0] == (0, 0, 0) and path[-1] == want_end and len(path) <= max(most, 4)
        for a, b in zip(path[:-1], path[1:]):
            assert sum(p != q for p, q in zip(a, b)) == 1
        assert {i for a, b in zip(path[:-1], path[1:]) for i in range(3) if a[i] != b[i]} == \
            {i for i in range(3) if want_end[i] > 0}
    with pytest.raises(ValueError):
        volumes.axis_walk((3, 3, 3), (3, 0, 0))


def test_figure15_default_mark_is_the_centre_and_bad_marks_are_refused():
    fig = volumes.conv3d_figure(in_size=(4, 6, 7), kernel_size=(1, 3, 3), seed=3)
    assert fig.out_size == (4, 4, 5) and fig.marked == (2, 2, 2) == fig.path[-1]
    assert fig.steps[-1].taps == 9 and fig.steps[-1].window == ((2, 3), (2, 5), (2, 5))
    s = build("cnn-figure15", params=fig)
    assert s.drawn["out_size"] == (4, 4, 5) and s.drawn["marked"] == (2, 2, 2)
    last = s.drawn["steps"][-1]                      # an interior voxel: its box, no face, no hidden-edge ticks
    assert last["mark_faces"] == {} and last["mark_dashes"] == 0
    with pytest.raises(ValueError):
        volumes.conv3d_figure(marked=(3, 0, 0))


# ------------------------------------------------------------------------------------------ renders
@pytest.mark.parametrize("name", ENTRIES)
def test_still_renders(name, tmp_path):
    out = render_file(name, tmp_path / f"{name}.png", "png")
    with Image.open(out) as im:
        w, h = im.size
        assert 640 <= w <= 4096 and 200 <= h <= 4096 and w > h
        px = np.asarray(im.convert("RGB"))
    assert (px > 245).all(axis=2).mean() > 0.3          # white page
    assert (px < 200).any(axis=2).mean() > 0.02         # and something drawn on it


def test_gif_animates(tmp_path):
    out = render_file("cnn-figure9", tmp_path / "f9.gif", "gif")
    with Image.open(out) as im:
        assert im.n_frames > 1
        assert im.size[0] >= 400
