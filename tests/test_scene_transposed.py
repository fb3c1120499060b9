"""Transposed convolution scenes (cnn-gif6, cnn-figure14, conv_transpose2d, the conv-arithmetic *_transposed set).

What the scenes drew is compared with references written here from the definitions, sharing no code with
``convviz``: the output from the scatter loop ``out[j·s − p + t·d] += x[j]·w[t]``, the expanded grid's cell
kinds from index arithmetic, the gather windows and sums from the flipped kernel, the scatter view's running sums
from the same loop stopped after each input cell.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from convviz.catalogue import get_entry
from scene_utils import build, render_file


# ------------------------------------------------------------------------------------ independent references
def pair(v):
    return (int(v), int(v)) if np.isscalar(v) else tuple(int(a) for a in v)


def scatter_loop(x, w, bias, stride, padding, output_padding, dilation, upto=None):
    """Transposed conv of one (H, W) input with one (kh, kw) kernel, straight from the definition; with
    ``upto`` only the first ``upto`` input cells (row-major) are stamped, and the set of touched cells is
    returned too."""
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = pair(stride), pair(padding), pair(output_padding), pair(dilation)
    ih, iw = x.shape
    kh, kw = w.shape
    oh = (ih - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    ow = (iw - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    out = [[0] * ow for _ in range(oh)]
    touched = set()
    n = 0
    for jr in range(ih):
        for jc in range(iw):
            if upto is not None and n >= upto:
                break
            n += 1
            for tr in range(kh):
                for tc in range(kw):
                    r, c = jr * sh - ph + tr * dh, jc * sw - pw + tc * dw
                    if 0 <= r < oh and 0 <= c < ow:
                        out[r][c] += int(x[jr, jc]) * int(w[tr, tc])
                        touched.add((r, c))
    if bias is not None and upto is None:
        out = [[v + int(np.asarray(bias).reshape(-1)[0]) for v in row] for row in out]
    return out, touched


def axis_kinds(i, k, s, p, op, d):
    """Kind of each position along one axis of the zero-inserted, padded input, and its source index."""
    b = d * (k - 1) - p
    n_ins = (i - 1) * s + 1
    size = n_ins + 2 * b + op
    kinds, src = [], []
    for e in range(size):
        q = e - b
        if e >= size - op:
            kinds.append("output_padding"); src.append(-1)
        elif 0 <= q < n_ins and q % s == 0:
            kinds.append("data"); src.append(q // s)
        elif 0 <= q < n_ins:
            kinds.append("inserted"); src.append(-1)
        else:
            kinds.append("padding"); src.append(-1)
    return kinds, src


def expanded_reference(x, k, s, p, op, d):
    """(kinds, numbers) of the expanded grid: output padding (whole bottom rows / right columns) over padding
    over inserted zeros over data."""
    (kh, kw), (sh, sw), (ph, pw), (oph, opw), (dh, dw) = pair(k), pair(s), pair(p), pair(op), pair(d)
    kr, sr = axis_kinds(x.shape[0], kh, sh, ph, oph, dh)
    kc, sc = axis_kinds(x.shape[1], kw, sw, pw, opw, dw)
    kinds = np.empty((len(kr), len(kc)), dtype=object)
    nums = np.empty((len(kr), len(kc)), dtype=object)
    for r in range(len(kr)):
        for c in range(len(kc)):
            pair_ = (kr[r], kc[c])
            for kind in ("output_padding", "padding", "inserted", "data"):
                if kind in pair_:
                    kinds[r, c] = kind
                    break
            nums[r, c] = str(int(x[sr[r], sc[c]])) if kinds[r, c] == "data" else "0"
    return kinds, nums


def term(v, w):
    return f"{v}×({w})" if w < 0 else f"{v}×{w}"


def as_strings(a):
    return np.array([[str(v) for v in row] for row in a], dtype=object)


def params_of(name, **over):
    p = get_entry(name).resolve(**over)
    x, w = p.x[0], p.weight[0, 0]
    return p, x, w


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def gif6():
    return build("cnn-gif6")


@pytest.fixture(scope="module")
def odd():
    return build("padding_strides_odd_transposed")


@pytest.fixture(scope="module")
def strip():
    return build("cnn-figure14")


SMALL = {"x": np.array([[[2, 1], [0, 3]]]), "weight": np.array([[[[1, 2], [0, 1]]]]), "bias": [1], "stride": 1,
         "padding": 0}


@pytest.fixture(scope="module")
def both():
    """conv_transpose2d on small data with a bias: the scatter view, then the gather view."""
    return build("conv_transpose2d", get_entry("conv_transpose2d").resolve(**SMALL))


# ----------------------------------------------------------------------------------------------- gather
def test_gif6_is_the_notes_transposed_conv(gif6):
    p, x, w = params_of("cnn-gif6")
    assert p.view == "gather" and x.shape == (3, 3) and w.shape == (3, 3)
    g = gif6.drawn["gather"]
    assert g["kinds"].shape == (7, 7)                 # 3x3, zeros between, 1-cell border
    assert gif6.drawn["output"].shape == (5, 5)
    assert gif6.steps_shown == 25


@pytest.mark.parametrize("name", ["gif6", "odd"])
def test_gather_output_equals_scatter_loop(name, request):
    scene = request.getfixturevalue(name)
    entry = {"gif6": "cnn-gif6", "odd": "padding_strides_odd_transposed"}[name]
    p, x, w = params_of(entry)
    ref, _ = scatter_loop(x, w, p.bias, p.stride, p.padding, p.output_padding, p.dilation)
    assert (scene.drawn["gather"]["output"] == as_strings(ref)).all()


@pytest.mark.parametrize("name", ["gif6", "odd"])
def test_expanded_grid_kinds_and_numbers(name, request):
    scene = request.getfixturevalue(name)
    entry = {"gif6": "cnn-gif6", "odd": "padding_strides_odd_transposed"}[name]
    p, x, w = params_of(entry)
    kinds, nums = expanded_reference(x, w.shape, p.stride, p.padding, p.output_padding, p.dilation)
    g = scene.drawn["gather"]
    assert g["kinds"].shape == kinds.shape
    assert (g["kinds"] == kinds).all()
    assert (g["expanded"] == nums).all()


def test_output_padding_is_the_bottom_row_and_right_column(odd):
    p, x, w = params_of("padding_strides_odd_transposed")
    assert p.output_padding == 1
    kinds = odd.drawn["gather"]["kinds"]
    op = kinds == "output_padding"
    assert op[-1, :].all() and op[:, -1].all()
    assert not op[:-1, :-1].any()                     # nothing at the top or left
    assert "output_padding" in odd.drawn["gather"]["legend"]
    assert odd.drawn["output"].shape == (6, 6)        # maps 3x3 back to the 6x6 of padding_strides_odd


def test_flipped_kernel_windows_and_sums(gif6):
    p, x, w = params_of("cnn-gif6")
    g = gif6.drawn["gather"]
    assert (g["kernel"] == as_strings(w)).all()
    assert (g["flipped"] == as_strings(w[::-1, ::-1])).all()
    _, nums = expanded_reference(x, w.shape, p.stride, p.padding, p.output_padding, p.dilation)
    ref, _ = scatter_loop(x, w, None, p.stride, p.padding, 0, p.dilation)
    k = w.shape[0]
    for n, (cells, expr) in enumerate(zip(g["windows"], g["equations"])):
        r, c = divmod(n, 5)
        assert g["marked"][n] == (r, c)
        assert cells == [(r + a, c + b) for a in range(k) for b in range(k)]
        terms = [term(nums[r + a, c + b], int(w[k - 1 - a, k - 1 - b])) for a in range(k) for b in range(k)]
        assert expr == " + ".join(terms) + f" = {ref[r][c]}"


def test_random_parameters_gather_and_scatter():
    """Random data with stride, dilation, output padding, cropping padding and a bias: both views against the
    loop, the expanded grid against index arithmetic, the scatter stamps against the definition."""
    s_, p_, op_, d_ = 2, 1, 1, 2
    p = get_entry("conv_transpose2d").resolve(in_size=2, kernel_size=2, stride=s_, padding=p_, output_padding=op_,
                                              dilation=d_, seed=7, bias=[2])
    scene = build("conv_transpose2d", p)
    x, w = p.x[0], p.weight[0, 0]
    ref, _ = scatter_loop(x, w, p.bias, s_, p_, op_, d_)
    oh, ow = len(ref), len(ref[0])
    assert (scene.drawn["gather"]["output"] == as_strings(ref)).all()
    assert (scene.drawn["scatter"]["output"] == as_strings(ref)).all()
    kinds, nums = expanded_reference(x, w.shape, s_, p_, op_, d_)
    assert (scene.drawn["gather"]["kinds"] == kinds).all()
    assert (scene.drawn["gather"]["expanded"] == nums).all()
    for n, cells in enumerate(scene.drawn["gather"]["windows"]):      # dilation 2: taps two cells apart
        r, c = divmod(n, ow)
        assert cells == [(r + d_ * a, c + d_ * b) for a in range(2) for b in range(2)]
    # every stamp: where value × weight lands, and whether the output keeps it (padding crops the rest)
    stamps = scene.drawn["scatter"]["stamps"]
    for n, st in enumerate(stamps):
        jr, jc = divmod(n, x.shape[1])
        expected = sorted(((jr * s_ - p_ + d_ * a, jc * s_ - p_ + d_ * b), str(int(x[jr, jc]) * int(w[a, b])))
                          for a in range(2) for b in range(2))
        assert sorted((o, prod) for o, _, prod in st) == expected
        for (r, c), inside, _ in st:
            assert inside == (0 <= r < oh and 0 <= c < ow)
    assert any(not inside for st in stamps for _, inside, _ in st)


# ---------------------------------------------------------------------------------------------- scatter
def test_scatter_running_sums(both):
    x, w = SMALL["x"][0], SMALL["weight"][0, 0]
    s = both.drawn["scatter"]
    assert both.drawn["views"] == ["scatter", "gather"]
    n_in = x.size
    assert len(s["partials"]) == n_in
    for n, drawn in enumerate(s["partials"]):
        part, touched = scatter_loop(x, w, None, 1, 0, 0, 1, upto=n + 1)
        for (r, c), v in np.ndenumerate(drawn):
            if (r, c) in touched or n == n_in - 1:    # the last state shows every cell
                assert v == str(part[r][c]), (n, r, c)
            else:
                assert v is None, (n, r, c)
        jr, jc = divmod(n, x.shape[1])
        assert s["marked"][n] == (jr, jc)
        # the products block: value × kernel
        assert (s["products"][n] == as_strings(int(x[jr, jc]) * w)).all()
        assert sorted(o for o, inside, _ in s["stamps"][n]) == sorted(
            (jr + a, jc + b) for a in range(2) for b in range(2))
    # then the bias is added in one more state: final = output + bias
    ref, _ = scatter_loop(x, w, SMALL["bias"], 1, 0, 0, 1)
    assert (s["output"] == as_strings(ref)).all()
    assert (both.drawn["gather"]["output"] == as_strings(ref)).all()
    assert both.steps_shown == n_in + 1 + len(ref) * len(ref[0])


# ------------------------------------------------------------------------------------------------ strip
def test_strip_four_steps_along_the_first_row(strip):
    p, x, w = params_of("cnn-figure14")
    ref, _ = scatter_loop(x, w, p.bias, p.stride, p.padding, p.output_padding, p.dilation)
    kinds, nums = expanded_reference(x, w.shape, p.stride, p.padding, p.output_padding, p.dilation)
    panels = strip.drawn["panels"]
    assert len(panels) == 4
    for i, panel in enumerate(panels):
        assert panel["marked"] == (0, i)
        assert panel["window"] == [(a, i + b) for a in range(3) for b in range(3)]
        assert (panel["kinds"] == kinds).all() and (panel["expanded"] == nums).all()
        out = panel["output"]
        for (r, c), v in np.ndenumerate(out):
            assert v == (str(ref[r][c]) if r == 0 and c <= i else None)
    assert (strip.drawn["flipped"] == as_strings(w[::-1, ::-1])).all()


def test_strip_window_dashed_over_the_padding(strip):
    # like gif4 and gif6: the window's outline is dashed where it borders padding taps, solid along the rest.
    # Step i's window covers rows 0..2, columns i..i+2 of the 7x7 expanded grid; row 0 and column 0 are padding
    # (stride 2, padding 1: d(k-1)-p = 1 ring), so the solid run outlines the data block rows 1..2, columns
    # max(i, 1)..i+2, and the dashed run the rest of the perimeter (boxes: left, top, right, bottom in cells)
    p, x, w = params_of("cnn-figure14")
    kinds, _ = expanded_reference(x, w.shape, p.stride, p.padding, p.output_padding, p.dilation)
    for i, panel in enumerate(strip.drawn["panels"]):
        win = [(r, c) for r in range(3) for c in range(i, i + 3)]
        data = [(r, c) for r, c in win if kinds[r, c] not in ("padding", "output_padding")]
        rows, cols = [r for r, _ in data], [c for _, c in data]
        solid = [box for dashed, box in panel["outline"] if not dashed]
        dashed = [box for dashed, box in panel["outline"] if dashed]
        assert solid == [(min(cols), min(rows), max(cols) + 1, max(rows) + 1)] == [(max(i, 1), 1, i + 3, 3)]
        assert len(dashed) == 1 and dashed[0][1] == 0 and dashed[0][0] == i and dashed[0][2] == i + 3
        assert dashed[0][3] == (3 if i == 0 else 1)        # down the padded left column only in step 1


# ------------------------------------------------------------------------------------------------ renders
def test_gif_frames_and_loop(tmp_path):
    p = get_entry("conv_transpose2d").resolve(**SMALL)
    out = render_file("conv_transpose2d", tmp_path / "t.gif", "gif", params=p)
    im = Image.open(out)
    assert im.info.get("loop") == 0                   # loops forever
    assert im.n_frames == 4 + 1 + 9                   # scatter: 4 input cells + bias, gather: 9 outputs
    assert im.size[0] >= 300 and im.size[1] >= 150


@pytest.mark.parametrize("name", ["cnn-figure14", "no_padding_no_strides_transposed"])
def test_png_renders(name, tmp_path):
    out = render_file(name, tmp_path / f"{name}.png", "png")
    im = Image.open(out)
    assert im.size[0] >= 640 and 200 <= im.size[1] <= im.size[0]


# ------------------------------------------------------------------------------------- builder and extras
def test_builder_result_is_what_the_scene_drew(both):
    """The scene draws the builder's TransposedFigure: its input and kernel in the scatter view, the kernel and
    its flip in the gather view, and only the kinds of cell its expanded grid has in the legend."""
    fig = both.params
    assert fig.view == "both" and (fig.stride, fig.padding, fig.output_padding, fig.dilation) == (1, 0, 0, 1)
    x, w = SMALL["x"][0], SMALL["weight"][0, 0]
    assert (fig.x[0] == x).all() and (fig.weight[0, 0] == w).all()
    assert (both.drawn["scatter"]["input"] == as_strings(x)).all()
    assert (both.drawn["scatter"]["kernel"] == as_strings(w)).all()
    assert (both.drawn["gather"]["kernel"] == as_strings(w)).all()
    assert (both.drawn["gather"]["flipped"] == as_strings(w[::-1, ::-1])).all()
    # stride 1 inserts nothing; a border of d(k−1) − p = 1 zero; no output padding
    assert both.drawn["gather"]["legend"] == ["data", "padding"]


@pytest.mark.parametrize("name", ["padding_strides_odd_transposed", "cnn-figure14"])
def test_formula_and_pytorch_lines(name):
    p, x, w = params_of(name)
    scene = build(name, show_formula=True, show_pytorch=True)
    lines = scene.drawn["extra_lines"] if name == "cnn-figure14" else scene.drawn["gather"]["extra_lines"]
    i, k = x.shape[0], w.shape[0]
    o = (i - 1) * p.stride - 2 * p.padding + p.dilation * (k - 1) + p.output_padding + 1
    assert lines[0].endswith(f"= {o}")
    call = f"nn.ConvTranspose2d(1, 1, kernel_size={k}, stride={p.stride}, padding={p.padding}"
    call += f", output_padding={p.output_padding}" if p.output_padding else ""
    assert lines[1] == call + (", bias=False)" if p.bias is None else ")")
