"""Independent reference implementations, written as plain loops straight from the definitions.

Shares no code with ``convviz`` (numpy is used only as an array container). Everything is accumulated in
Python scalars: Python ints for integer data (so integer results are exact, without overflow) and Python
floats otherwise. Slow on purpose; keep the test shapes small.
"""

from __future__ import annotations

import itertools
import math

import numpy as np


# --------------------------------------------------------------------------------------------- helpers
def as_tuple(value, n):
    """An int (or a length-n sequence) as a tuple of n ints."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    assert len(value) == n, (value, n)
    return value


def is_integer_array(a):
    return np.issubdtype(np.asarray(a).dtype, np.integer)


def scalar(v):
    """A numpy element as a Python int or float."""
    return v.item() if hasattr(v, "item") else v


def finish(out, *arrays):
    """Object array of Python numbers → int64 if every input is an integer array, else float64."""
    if all(is_integer_array(a) for a in arrays if a is not None):
        return out.astype(np.int64)
    return out.astype(np.float64)


def padding_pairs(padding, kernel, dilation, nd):
    """(before, after) per spatial dimension for int / tuple / 'valid' / 'same' padding."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding == "same":
            pairs = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                before = total // 2
                pairs.append((before, total - before))  # the odd extra cell goes at the end
            return pairs
        raise ValueError(padding)
    return [(p, p) for p in as_tuple(padding, nd)]


def conv_out_len(n, k, s, before, after, d):
    return (n + before + after - d * (k - 1) - 1) // s + 1


def conv_transpose_out_len(n, k, s, p, op, d):
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


# ---------------------------------------------------------------------------------------- convolution
def ref_conv(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, flip=False):
    """Cross-correlation exactly as torch.nn.functional.conv{1,2,3}d defines it.

    out[n, co, o] = bias[co] + Σ_{ci in group(co)} Σ_t x[n, ci, o·s − p_before + t·d] · w[co, ci_local, t]
    with x taken as zero outside its bounds. With ``flip`` the kernel index t is replaced by k−1−t.
    """
    x = np.asarray(x)
    weight = np.asarray(weight)
    nd = weight.ndim - 2
    batched = x.ndim == nd + 2
    xb = x if batched else x[None]
    n_batch, c_in = xb.shape[:2]
    in_sp = xb.shape[2:]
    c_out, c_in_g = weight.shape[:2]
    kern = weight.shape[2:]
    s = as_tuple(stride, nd)
    d = as_tuple(dilation, nd)
    pads = padding_pairs(padding, kern, d, nd)
    assert c_in == c_in_g * groups and c_out % groups == 0
    out_per_group = c_out // groups
    out_sp = [conv_out_len(in_sp[a], kern[a], s[a], pads[a][0], pads[a][1], d[a]) for a in range(nd)]
    out = np.empty((n_batch, c_out, *out_sp), dtype=object)
    for n in range(n_batch):
        for co in range(c_out):
            g = co // out_per_group
            for opos in itertools.product(*[range(m) for m in out_sp]):
                acc = 0
                for cl in range(c_in_g):
                    ci = g * c_in_g + cl
                    for t in itertools.product(*[range(k) for k in kern]):
                        idx = [opos[a] * s[a] - pads[a][0] + t[a] * d[a] for a in range(nd)]
                        if any(idx[a] < 0 or idx[a] >= in_sp[a] for a in range(nd)):
                            continue
                        wt = tuple(kern[a] - 1 - t[a] for a in range(nd)) if flip else t
                        acc += scalar(xb[(n, ci, *idx)]) * scalar(weight[(co, cl, *wt)])
                if bias is not None:
                    acc += scalar(np.asarray(bias)[co])
                out[(n, co, *opos)] = acc
    out = finish(out, x, weight, bias)
    return out if batched else out[0]


def ref_textbook_conv(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Textbook convolution S(i) = Σ_m I(m)·K(i − m), written with the flipped index (no kernel flip).

    Output position o corresponds to i = o·s + d·(k−1) in padded coordinates; the dilated kernel index u
    pairs with input position m = i − u·d (i.e. K((i − m)/d) whenever d divides i − m and 0 ≤ (i−m)/d < k).
    """
    x = np.asarray(x)
    weight = np.asarray(weight)
    nd = weight.ndim - 2
    batched = x.ndim == nd + 2
    xb = x if batched else x[None]
    n_batch, c_in = xb.shape[:2]
    in_sp = xb.shape[2:]
    c_out, c_in_g = weight.shape[:2]
    kern = weight.shape[2:]
    s = as_tuple(stride, nd)
    d = as_tuple(dilation, nd)
    pads = padding_pairs(padding, kern, d, nd)
    out_per_group = c_out // groups
    out_sp = [conv_out_len(in_sp[a], kern[a], s[a], pads[a][0], pads[a][1], d[a]) for a in range(nd)]
    padded_sp = [in_sp[a] + pads[a][0] + pads[a][1] for a in range(nd)]
    out = np.empty((n_batch, c_out, *out_sp), dtype=object)
    for n in range(n_batch):
        for co in range(c_out):
            g = co // out_per_group
            for opos in itertools.product(*[range(m) for m in out_sp]):
                i = [opos[a] * s[a] + d[a] * (kern[a] - 1) for a in range(nd)]
                acc = 0
                for cl in range(c_in_g):
                    ci = g * c_in_g + cl
                    # sum over every padded input position m; K(i − m) is nonzero only on the dilated grid
                    for m in itertools.product(*[range(p) for p in padded_sp]):
                        u = []
                        for a in range(nd):
                            diff = i[a] - m[a]
                            if diff < 0 or diff % d[a] != 0 or diff // d[a] >= kern[a]:
                                break
                            u.append(diff // d[a])
                        else:
                            src = [m[a] - pads[a][0] for a in range(nd)]
                            if all(0 <= src[a] < in_sp[a] for a in range(nd)):
                                acc += scalar(xb[(n, ci, *src)]) * scalar(weight[(co, cl, *u)])
                if bias is not None:
                    acc += scalar(np.asarray(bias)[co])
                out[(n, co, *opos)] = acc
    out = finish(out, x, weight, bias)
    return out if batched else out[0]


def ref_conv_transpose(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution by its scatter definition (torch.nn.functional.conv_transpose{1,2,3}d).

    out[n, co, j·s − p + t·d] += x[n, ci, j] · w[ci, co_local, t] for ci in the group of co; positions
    outside [0, o) are dropped, o = (i−1)s − 2p + d(k−1) + output_padding + 1.
    """
    x = np.asarray(x)
    weight = np.asarray(weight)
    nd = weight.ndim - 2
    batched = x.ndim == nd + 2
    xb = x if batched else x[None]
    n_batch, c_in = xb.shape[:2]
    in_sp = xb.shape[2:]
    assert weight.shape[0] == c_in and c_in % groups == 0
    c_out_g = weight.shape[1]
    c_out = c_out_g * groups
    in_per_group = c_in // groups
    kern = weight.shape[2:]
    s = as_tuple(stride, nd)
    p = as_tuple(padding, nd)
    op = as_tuple(output_padding, nd)
    d = as_tuple(dilation, nd)
    out_sp = [conv_transpose_out_len(in_sp[a], kern[a], s[a], p[a], op[a], d[a]) for a in range(nd)]
    out = np.empty((n_batch, c_out, *out_sp), dtype=object)
    out.fill(0)
    for n in range(n_batch):
        for ci in range(c_in):
            g = ci // in_per_group
            for j in itertools.product(*[range(m) for m in in_sp]):
                xv = scalar(xb[(n, ci, *j)])
                for col in range(c_out_g):
                    co = g * c_out_g + col
                    for t in itertools.product(*[range(k) for k in kern]):
                        pos = [j[a] * s[a] - p[a] + t[a] * d[a] for a in range(nd)]
                        if all(0 <= pos[a] < out_sp[a] for a in range(nd)):
                            out[(n, co, *pos)] += xv * scalar(weight[(ci, col, *t)])
    if bias is not None:
        for n in range(n_batch):
            for co in range(c_out):
                for opos in itertools.product(*[range(m) for m in out_sp]):
                    out[(n, co, *opos)] += scalar(np.asarray(bias)[co])
    out = finish(out, x, weight, bias)
    return out if batched else out[0]


# --------------------------------------------------------------------------------- deformable conv
def ref_bilinear(img, height, width, h, w):
    """torchvision's CPU ``bilinear_interpolate``: corners outside the image contribute zero."""
    if h <= -1 or height <= h or w <= -1 or width <= w:
        return 0.0
    h_low = math.floor(h)
    w_low = math.floor(w)
    h_high = h_low + 1
    w_high = w_low + 1
    lh = h - h_low
    lw = w - w_low
    hh = 1 - lh
    hw = 1 - lw
    v1 = float(img[h_low, w_low]) if (h_low >= 0 and w_low >= 0) else 0.0
    v2 = float(img[h_low, w_high]) if (h_low >= 0 and w_high <= width - 1) else 0.0
    v3 = float(img[h_high, w_low]) if (h_high <= height - 1 and w_low >= 0) else 0.0
    v4 = float(img[h_high, w_high]) if (h_high <= height - 1 and w_high <= width - 1) else 0.0
    w1, w2, w3, w4 = hh * hw, hh * lw, lh * hw, lh * lw
    return w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4


def ref_deform_conv2d(x, offset, weight, bias=None, stride=1, padding=0, dilation=1, mask=None):
    """torchvision.ops.deform_conv2d as plain loops (float64 result)."""
    x = np.asarray(x, dtype=np.float64)
    offset = np.asarray(offset, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    batched = x.ndim == 4
    if not batched:
        x = x[None]
        offset = offset[None]
        if mask is not None:
            mask = np.asarray(mask)[None]
    n_batch, c_in, height, width = x.shape
    c_out, c_in_g, kh, kw = weight.shape
    groups = c_in // c_in_g
    out_per_group = c_out // groups
    sh, sw = as_tuple(stride, 2)
    ph, pw = as_tuple(padding, 2)
    dh, dw = as_tuple(dilation, 2)
    h_out = (height + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    w_out = (width + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    offset_groups = offset.shape[1] // (2 * kh * kw)
    channels_per_offset_group = c_in // offset_groups
    out = np.zeros((n_batch, c_out, h_out, w_out), dtype=np.float64)
    for n in range(n_batch):
        for co in range(c_out):
            g = co // out_per_group
            for oy in range(h_out):
                for ox in range(w_out):
                    acc = 0.0
                    for cl in range(c_in_g):
                        ci = g * c_in_g + cl
                        og = ci // channels_per_offset_group
                        for i in range(kh):
                            for j in range(kw):
                                tap = i * kw + j
                                dy = offset[n, og * 2 * kh * kw + 2 * tap, oy, ox]
                                dx = offset[n, og * 2 * kh * kw + 2 * tap + 1, oy, ox]
                                py = oy * sh - ph + i * dh + dy
                                px = ox * sw - pw + j * dw + dx
                                val = ref_bilinear(x[n, ci], height, width, py, px)
                                if mask is not None:
                                    val *= float(mask[n, og * kh * kw + tap, oy, ox])
                                acc += val * weight[co, cl, i, j]
                    if bias is not None:
                        acc += float(np.asarray(bias)[co])
                    out[n, co, oy, ox] = acc
    return out if batched else out[0]


def ref_shift2d(x, dy, dx):
    """shifted[..., h, w] = x[..., h + dy, w + dx], zero where that falls outside."""
    x = np.asarray(x)
    out = np.zeros_like(x)
    height, width = x.shape[-2:]
    for h in range(height):
        for w in range(width):
            if 0 <= h + dy < height and 0 <= w + dx < width:
                out[..., h, w] = x[..., h + dy, w + dx]
    return out


# ------------------------------------------------------------------------------------------- counts
def prod(values):
    result = 1
    for v in values:
        result *= v
    return result
