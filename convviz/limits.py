"""Every limit of convviz in one place: what can be drawn legibly and rendered in reasonable time (the
application checks it before anything is built), and what one array of the compute layer may take (checked
before numpy allocates it).

Each check raises ``ValueError`` with a message that names the parameter, the limit and what to do. Nothing here
allocates: sizes are computed from the parameters with Python integers.

>>> check_grid("--in-size 2000", (2000, 2000), "input")
Traceback (most recent call last):
...
ValueError: --in-size 2000: an input of 2000x2000 cells cannot be drawn legibly (a grid has at most 64x64 cells); pass a smaller input or crop it
>>> check_allocation((10**6, 10**6), 8, "conv: the padded input")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: conv: the padded input would hold 1000000x1000000 values (8.0 TB), above the memory limit of one array ...
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from math import prod

import numpy as np

# ------------------------------------------------------------------------------- what can be drawn (the app)
MAX_GRID = 64                     # cells per side of any drawn grid: padded input, kernel, expanded input, output
MAX_CHANNELS = {"conv": 1, "transposed": 1, "multichannel": 6}      # input and output channels a scene draws
MAX_STEPS = 1024                  # kernel steps (held states) of one figure: ~17 minutes at one step a second
MAX_LABEL = 10 ** 8               # |value| of a drawn number: at most 8 digits before the decimal point
MAX_FRAME_BYTES = 2 * 1024 ** 3   # frames kept in memory (slides, convviz.show; files are streamed)
MAX_DRAWN_FRAMES = 20_000         # distinct frames one file render draws (time: ~10 minutes of drawing)
MAX_DATA_FILE_BYTES = 8 * 1024 ** 2   # a --input/--weight file
MAX_DATA_VALUES = MAX_CHANNELS["multichannel"] ** 2 * MAX_GRID ** 2    # values in one data file
MAX_SEED = 2 ** 64 - 1            # numpy's seeds are non-negative
FRAME_UNITS = (8.0 * 16 / 9, 8.0)   # scene units of the standard frame (what a layout fills at most)
TWEEN_SECONDS = 0.5               # longest tween of one step in smooth mode (scenes.kit.base.transition)

# ------------------------------------------------------------------------------------ memory (compute layer)
MEMORY_FRACTION = 8               # one array may take 1/8 of the machine's memory ...
MEMORY_ENV = "CONVVIZ_MAX_BYTES"  # ... or this many bytes


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"


@lru_cache(maxsize=1)
def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 1024 ** 3


def memory_budget() -> int:
    """Bytes one array of the compute layer may take: ``$CONVVIZ_MAX_BYTES``, else an eighth of the memory."""
    env = os.environ.get(MEMORY_ENV, "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return _physical_memory() // MEMORY_FRACTION


def check_allocation(shape, itemsize: int, what: str, hint: str = "use smaller inputs, kernels or padding") -> None:
    """Refuse (``ValueError``, never numpy's ``MemoryError``) an array of ``shape`` (or a count) and
    ``itemsize`` bytes per value that would exceed ``memory_budget()``."""
    dims = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(v) for v in shape)
    count = prod(dims)
    if count * int(itemsize) > memory_budget():
        size = "x".join(str(v) for v in dims) if len(dims) <= 6 else f"{count:,}"
        raise ValueError(f"{what} would hold {size} values ({human_bytes(count * itemsize)}), above the memory "
                         f"limit of one array ({human_bytes(memory_budget())}: an eighth of this machine's memory, "
                         f"or ${MEMORY_ENV}); {hint}")


# ------------------------------------------------------------------------------------------------- drawing
def _opt(name: str) -> str:
    return "--" + name.replace("_", "-")


def show(v) -> str:
    """A parameter as typed on the command line: ``3``, ``3,2``, ``same``."""
    if isinstance(v, (tuple, list)):
        return ",".join(str(x) for x in v)
    return str(v)


def check_grid(option: str, side, what: str, hint: str = "pass a smaller input or crop it") -> None:
    """A drawn grid of ``side`` cells ((rows, cols) or one int) must fit ``MAX_GRID`` per side; ``option`` names
    what the user gave (``--in-size 2000``)."""
    side = tuple(side) if isinstance(side, (tuple, list)) else (side, side)
    if max(side) > MAX_GRID:
        shown = "x".join(str(v) for v in side)
        raise ValueError(f"{option}: {'an' if what[0] in 'aeiou' else 'a'} {what} of {shown} cells cannot be "
                         f"drawn legibly (a grid has at most {MAX_GRID}x{MAX_GRID} cells); {hint}")


def check_label(values, what: str) -> None:
    """Every number of ``values`` must be finite and drawable as a short exact label (|v| < ``MAX_LABEL``)."""
    a = np.asarray(values)
    if a.size == 0 or a.dtype.kind not in "biufO":
        return                                                    # symbolic figures: strings
    flat = a.reshape(-1)
    if a.dtype.kind == "f":
        with np.errstate(all="ignore"):
            ok = np.isfinite(flat) & (np.abs(flat) < MAX_LABEL)
    else:
        items = flat.tolist()                                     # Python ints: exact
        if any(isinstance(v, str) for v in items):
            return
        ok = np.array([abs(v) < MAX_LABEL for v in items], dtype=bool)
    if not ok.all():
        first = int(np.argmin(ok))
        idx = [int(i) for i in np.unravel_index(first, a.shape)] if a.ndim else []
        v = flat[first]
        v = v.item() if isinstance(v, np.generic) else v
        shown = "a non-finite value" if isinstance(v, float) and not math.isfinite(v) else repr(v)
        where = f" at {idx}" if idx else ""
        digits = len(str(MAX_LABEL)) - 1
        raise ValueError(f"{what} holds {shown}{where}, which cannot be drawn as a short exact label (at most "
                         f"{digits} digits: |value| < 10^{digits}); scale the data down")


def _pair(params: dict, name: str, default, minimum: int):
    from .shapes import ntuple

    v = params.get(name)
    v = default if v is None else v
    if isinstance(v, str):
        return v
    try:
        return ntuple(v, 2, name, minimum=minimum)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{_opt(name)}: {e}") from None


def _int_param(params: dict, name: str, minimum: int, maximum: int | None = None, rule: str = ""):
    v = params.get(name)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise ValueError(f"{_opt(name)} must be an int, got {v!r}")
    if v < minimum or (maximum is not None and v > maximum):
        span = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ValueError(f"{_opt(name)} must be {span}{rule}, got {v}")
    return int(v)


def _shape(a) -> tuple[int, ...] | None:
    return None if a is None else tuple(np.shape(a))


def check_request(kind: str, params: dict) -> None:
    """Before a conv-family builder allocates anything: the parameters it will draw (the entry's merged with
    the user's) must be in range and, where the sizes are known, give grids, channels and steps that can be
    drawn. ``kind`` is the entry's (conv, transposed, multichannel)."""
    max_c = MAX_CHANNELS[kind]
    _int_param(params, "seed", 0, MAX_SEED, " (a seed is a non-negative int)")
    groups = _int_param(params, "groups", 1, None, " (channel groups)")
    for name in ("in_channels", "out_channels"):
        _int_param(params, name, 1)
        v = params.get(name)
        if v is not None and v > max_c:
            raise ValueError(_channels_message(kind, _opt(name), v))
    x, w = params.get("x"), params.get("weight")
    xs, ws = _shape(x), _shape(w)
    if xs is not None and len(xs) not in (2, 3):
        raise ValueError(f"--input must be one 2-D slice (H, W) or a stack (C, H, W), got shape {xs}")
    if ws is not None and len(ws) not in (2, 3, 4):
        raise ValueError(f"--weight must be a 2-D kernel, a (C, kh, kw) filter or a 4-D weight, got shape {ws}")
    if xs is not None and len(xs) == 3 and xs[0] > max_c:
        raise ValueError(_channels_message(kind, "--input", xs[0], f" (shape {xs})"))
    if ws is not None and len(ws) == 4:
        c_out = ws[1] * (groups or 1) if kind == "transposed" else ws[0]
        if c_out > max_c:
            raise ValueError(_channels_message(kind, "--weight", c_out, f" output channels (shape {ws})"))
    if groups is not None and groups > 1:
        c_in = xs[0] if xs is not None and len(xs) == 3 else params.get("in_channels") or 1
        c_out = params.get("out_channels")
        if ws is not None and len(ws) == 4:
            c_out = ws[1] * groups if kind == "transposed" else ws[0]
        for name, c in (("in-channels", c_in), ("out-channels", c_out or 1)):
            if c % groups:
                raise ValueError(f"--groups {groups} must divide the {name.replace('-', ' ')} ({c}): each group "
                                 f"takes an equal share; pass --{name} as a multiple of {groups}")
    for name in ("in_size", "kernel_size"):
        v = _pair(params, name, 1, 1)
        if not isinstance(v, str):
            check_grid(f"{_opt(name)} {show(params[name])}" if params.get(name) is not None else _opt(name), v,
                       "input" if name == "in_size" else "kernel",
                       "pass a smaller input or crop it" if name == "in_size" else "use a smaller kernel")
    for name, minimum in (("stride", 1), ("dilation", 1), ("output_padding", 0)):
        _pair(params, name, 0 if minimum == 0 else 1, minimum)
    pad = params.get("padding")
    if pad is not None and not isinstance(pad, str):
        _pair(params, "padding", 0, 0)
    if params.get("example") is not None and not any(params.get(k) is not None for k in (
            "in_size", "kernel_size", "in_channels", "out_channels", "groups", "seed")):
        return                              # the notes' example data: small, checked again once built
    in_hw = xs[-2:] if xs is not None and len(xs) >= 2 else _pair(params, "in_size", 5, 1)
    k_hw = ws[-2:] if ws is not None and len(ws) >= 2 else _pair(params, "kernel_size", 3, 1)
    check_geometry(kind, in_hw, k_hw, params.get("stride", 1), params.get("padding", 0),
                   params.get("dilation", 1), params.get("output_padding", 0),
                   params.get("view", "gather"), out_channels=params.get("out_channels") or 1,
                   in_option="--input" if xs is not None else "--in-size",
                   k_option="--weight" if ws is not None else "--kernel-size")


def _channels_message(kind: str, option: str, value: int, extra: str = "") -> str:
    if kind == "multichannel":
        return (f"{option} {value}{extra}: multichannel draws at most {MAX_CHANNELS[kind]} input and "
                f"{MAX_CHANNELS[kind]} output channels; use fewer channels")
    return (f"{option} {value}{extra}: this scene draws one input and one output channel; use the `multichannel` "
            f"scene for up to {MAX_CHANNELS['multichannel']}")


def check_geometry(kind: str, in_hw, k_hw, stride, padding, dilation, output_padding=0, view: str = "gather",
                   out_channels: int = 1, in_option: str = "--in-size", k_option: str = "--kernel-size") -> dict:
    """The drawn grids and the number of steps of a 2-D (transposed) conv, from its arguments alone; raises
    ``ValueError`` past ``MAX_GRID`` or ``MAX_STEPS``. Returns the sizes (used by ``check_render``)."""
    from .shapes import conv_output_length, conv_transpose_output_size, ntuple, resolve_padding

    in_hw = ntuple(tuple(int(v) for v in in_hw), 2, "in_size", minimum=1)
    k_hw = ntuple(tuple(int(v) for v in k_hw), 2, "kernel_size", minimum=1)
    check_grid(in_option, in_hw, "input")
    check_grid(k_option, k_hw, "kernel", "use a smaller kernel")
    args = f"--stride {show(stride)} --padding {show(padding)} --dilation {show(dilation)}"
    s = ntuple(stride, 2, "stride", minimum=1)
    d = ntuple(dilation, 2, "dilation", minimum=1)
    if kind == "transposed":
        p = ntuple(padding, 2, "padding", minimum=0)
        op = ntuple(output_padding, 2, "output_padding", minimum=0)
        inserted = tuple((i - 1) * st + 1 for i, st in zip(in_hw, s))
        check_grid(f"--stride {show(stride)}", inserted, "zero-inserted input", "use a smaller stride or input")
        border = tuple(dd * (kk - 1) - pp for kk, pp, dd in zip(k_hw, p, d))
        expanded = tuple(n + 2 * b + o for n, b, o in zip(inserted, border, op))
        check_grid(args, expanded, "expanded input (zeros inserted, then padded)",
                   "use a smaller kernel, dilation, stride or input")
        out = conv_transpose_output_size(in_hw, k_hw, s, p, op, d)
        check_grid(args, out, "output", "use a smaller input or stride")
        steps = {"gather": prod(out), "scatter": prod(in_hw), "both": prod(out) + prod(in_hw)}.get(view, prod(out))
        padded = expanded
    else:
        pads = resolve_padding(padding, k_hw, d, s)
        padded = tuple(i + a + b for i, (a, b) in zip(in_hw, pads))
        check_grid(f"--padding {show(padding)}", padded, "padded input", "use less padding or a smaller input")
        out = tuple(conv_output_length(in_hw[a], k_hw[a], s[a], pads[a], d[a], a) for a in range(2))
        steps = prod(out) * int(out_channels)
    if steps > MAX_STEPS:
        raise ValueError(f"{steps} kernel steps ({'x'.join(map(str, out))} outputs"
                         + (f" x {out_channels} channels" if out_channels > 1 and kind != "transposed" else "")
                         + f") are more than the {MAX_STEPS} one figure may take to render in reasonable time; "
                           "use a smaller input, a larger --stride or fewer channels")
    return {"padded": padded, "out": out, "steps": steps}


def frame_bytes(quality: str, density: float | None = None) -> tuple[int, int, int]:
    """(width, height, bytes) of the largest frame a render at ``quality`` (or ``density`` pixels per scene
    unit) captures: the standard frame's content, RGBA."""
    from .options import VIDEO_DENSITY

    d = density or VIDEO_DENSITY[quality]
    w = min(4096, int(math.ceil(FRAME_UNITS[0] * d)))
    h = min(4096, int(math.ceil(FRAME_UNITS[1] * d)))
    return w, h, w * h * 4


def check_render(steps: int, options, fmt: str, quality: str, fps: int | None, density: float | None = None,
                 in_memory: bool = False) -> None:
    """Frames an animated render draws: steps (plus titles and the final hold) times the tweened frames of a
    step in smooth mode. A file render streams them (at most ``MAX_DRAWN_FRAMES``, a bound on time); frames
    kept ``in_memory`` (slides, ``convviz.show``) times the frame size must stay under ``MAX_FRAME_BYTES``."""
    from .options import STILL_FORMATS, VIDEO_PRESETS

    if fmt in STILL_FORMATS:
        return
    rate = fps or VIDEO_PRESETS[quality][2]
    tween = math.ceil(min(TWEEN_SECONDS, 0.45 * options.step_seconds) * rate) if options.smooth else 0
    frames = (steps + 4) * (1 + tween)
    fewer = ("(a smaller input or a larger --stride)" + (", a lower --fps or no --smooth" if options.smooth else ""))
    if not in_memory:
        if frames > MAX_DRAWN_FRAMES:
            raise ValueError(f"about {frames:,} frames to draw are more than the {MAX_DRAWN_FRAMES:,} one render may "
                             f"take in reasonable time; use fewer steps {fewer}")
        return
    w, h, per = frame_bytes(quality, density)
    if frames * per > MAX_FRAME_BYTES:
        raise ValueError(
            f"about {frames:,} frames of up to {w}x{h} pixels ({human_bytes(frames * per)}) are more than one "
            f"render may hold in memory ({human_bytes(MAX_FRAME_BYTES)}); use a lower --quality, fewer steps "
            + fewer)