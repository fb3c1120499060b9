"""Loading user data for ``--input``/``--weight``/``--bias``: .npy (no pickles), .json (nested lists), .csv
(one 2-D slice; a UTF-8 byte-order mark, as Excel writes, is fine). Every problem is a ``ValueError`` that
names the option, the file, the rule and the value. Sizes are checked before the data is read
(``convviz.limits``)."""

from __future__ import annotations

import codecs
import csv
import json
import math
from pathlib import Path

import numpy as np

from .. import limits

INT64_MAX = 2 ** 63 - 1


def load_array(path: str | Path, what: str = "input") -> np.ndarray:
    p = Path(path)
    opt = f"--{what}"
    try:
        if not p.exists():
            raise ValueError(f"{opt}: file not found: {p}")
        if not p.is_file():
            raise ValueError(f"{opt}: not a file: {p}")
        size = p.stat().st_size
    except OSError as e:
        raise ValueError(f"{opt}: cannot read {p} ({e.strerror or e})") from None
    if size > limits.MAX_DATA_FILE_BYTES:
        raise ValueError(f"{opt}: {p} is {limits.human_bytes(size)}, more than the "
                         f"{limits.human_bytes(limits.MAX_DATA_FILE_BYTES)} a data file may have (a figure draws at "
                         f"most {limits.MAX_GRID}x{limits.MAX_GRID} cells); crop the data")
    suffix = p.suffix.lower()
    try:
        if suffix == ".npy":
            arr = _read_npy(p, opt)
        elif suffix == ".json":
            arr = _read_json(p, opt)
        elif suffix == ".csv":
            arr = _read_csv(p, opt)
        else:
            raise ValueError(f"{opt}: unsupported file type {p.suffix or '(none)'} for {p}: use .npy, .json or .csv")
    except OSError as e:
        raise ValueError(f"{opt}: cannot read {p} ({e.strerror or e})") from None
    return check_numeric(arr, f"{opt} ({p.name})")


def _read_npy(p: Path, opt: str) -> np.ndarray:
    """The header first (shape, dtype), then the data: a file that is not NumPy's, holds objects or is too
    large is refused before anything is allocated."""
    fmt = np.lib.format
    with open(p, "rb") as f:
        try:
            version = fmt.read_magic(f)
        except ValueError:
            raise ValueError(f"{opt}: {p} is not a NumPy .npy file (it does not start with NumPy's header)") from None
        try:
            if version == (1, 0):
                shape, _, dtype = fmt.read_array_header_1_0(f)
            else:
                shape, _, dtype = fmt.read_array_header_2_0(f)
        except (ValueError, OSError, EOFError) as e:
            raise ValueError(f"{opt}: {p} has a damaged .npy header ({e})") from None
    if dtype.hasobject:
        raise ValueError(f"{opt}: {p} holds Python objects (dtype {dtype}), which are not loaded (pickles can run "
                         "code): save a plain numeric array")
    count = math.prod(shape)
    if count > limits.MAX_DATA_VALUES:
        raise ValueError(f"{opt}: {p} holds {count:,} values (shape {shape}), more than the "
                         f"{limits.MAX_DATA_VALUES:,} a figure can draw; crop the data")
    try:
        return np.load(p, allow_pickle=False)
    except (ValueError, EOFError) as e:
        raise ValueError(f"{opt}: {p} is not a valid .npy file ({e})") from None


def _text(p: Path, opt: str) -> str:
    raw = p.read_bytes()
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            break
    else:
        enc = "utf-8"
    try:
        return raw.decode(enc)
    except UnicodeDecodeError as e:
        raise ValueError(f"{opt}: {p} is not UTF-8 text (byte {e.start}: {raw[e.start:e.start + 1]!r})") from None


def _read_json(p: Path, opt: str) -> np.ndarray:
    try:
        data = json.loads(_text(p, opt))
    except json.JSONDecodeError as e:
        raise ValueError(f"{opt}: {p} is not valid JSON ({e})") from None
    except RecursionError:
        raise ValueError(f"{opt}: {p} nests lists too deeply (a figure takes at most 4 levels)") from None
    return _nested_to_array(data, p, opt)


def _nested_to_array(data, p, opt) -> np.ndarray:
    """Nested lists of numbers, every row the same length, at most 4 levels; ints must fit 64 bits."""
    if not isinstance(data, list):
        raise ValueError(f"{opt}: {p} must hold nested lists of numbers, got {type(data).__name__}")

    def shape_of(x, path):
        if isinstance(x, list):
            if not x:
                raise ValueError(f"{opt}: {p} has an empty list at {path or 'the top'}")
            if len(path) >= 4:
                raise ValueError(f"{opt}: {p} nests lists more than 4 deep (at {path})")
            shapes = [shape_of(v, path + [i]) for i, v in enumerate(x)]
            for i, s in enumerate(shapes[1:], 1):
                if s != shapes[0]:
                    raise ValueError(f"{opt}: {p} is ragged: item {path + [i]} has shape {s or 'a number'} where "
                                     f"item {path + [0]} has {shapes[0] or 'a number'}; every row must have the same "
                                     "length")
            return (len(x),) + shapes[0]
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError(f"{opt}: {p} must hold nested lists of numbers, found {x!r} at {path}")
        if isinstance(x, int) and not -INT64_MAX - 1 <= x <= INT64_MAX:
            raise ValueError(f"{opt}: {p} holds {x} at {path}, an integer too large for 64 bits (and for a label)")
        return ()

    shape = shape_of(data, [])
    if math.prod(shape) > limits.MAX_DATA_VALUES:
        raise ValueError(f"{opt}: {p} holds {math.prod(shape):,} values, more than the {limits.MAX_DATA_VALUES:,} "
                         "a figure can draw; crop the data")
    return np.array(data)


def _read_csv(p: Path, opt: str) -> np.ndarray:
    text = _text(p, opt)
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    delimiter = "," if "," in first or not any(d in first for d in ";\t") else (";" if ";" in first else "\t")
    rows = [(i, r) for i, r in enumerate(csv.reader(lines, delimiter=delimiter), 1) if any(c.strip() for c in r)]
    if not rows:
        raise ValueError(f"{opt}: {p} is empty")
    widths = {len(r) for _, r in rows}
    if len(widths) != 1:
        n0 = len(rows[0][1])
        line, r = next((i, r) for i, r in rows if len(r) != n0)
        raise ValueError(f"{opt}: {p} is ragged: line {line} has {len(r)} values where line {rows[0][0]} has {n0}; "
                         "every row must have the same number of values")
    if len(rows) * len(rows[0][1]) > limits.MAX_DATA_VALUES:
        raise ValueError(f"{opt}: {p} holds {len(rows) * len(rows[0][1]):,} values, more than a figure can draw; "
                         "crop the data")
    out = []
    for line, r in rows:
        vals = []
        for col, c in enumerate(r, 1):
            try:
                vals.append(_number(c))
            except ValueError as e:
                why = str(e) if str(e).startswith("is ") else "is not a number"
                raise ValueError(f"{opt}: {p} line {line}, column {col}: {c.strip()!r} {why}") from None
        out.append(vals)
    return np.array(out)


def _number(text: str):
    t = text.strip()
    if not t.isascii():                                  # int() would read other scripts' digits
        raise ValueError("is not a number")
    try:
        v = int(t)
    except ValueError:
        return float(t)
    if not -INT64_MAX - 1 <= v <= INT64_MAX:
        raise ValueError("is an integer too large for 64 bits (and for a label)")
    return v


def check_numeric(arr: np.ndarray, name: str) -> np.ndarray:
    """Numbers only, finite, and integers that fit int64 (unsigned ones are not wrapped round); floats that are
    whole numbers become ints."""
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float64)                       # float16/32: no overflow warnings below
        finite = np.isfinite(arr)
        if not finite.all():
            idx = [int(i) for i in np.argwhere(~finite)[0]]
            raise ValueError(f"{name} holds a non-finite value ({arr[tuple(idx)]}) at {idx}")
        if np.all(arr == np.round(arr)) and np.all(np.abs(arr) < 2 ** 53):
            arr = arr.astype(np.int64)
    elif arr.dtype.kind == "u":
        if arr.max() > INT64_MAX:
            idx = [int(i) for i in np.unravel_index(int(np.argmax(arr)), arr.shape)]
            raise ValueError(f"{name} holds {int(arr.max())} at {idx}, an integer too large for int64 (and for a "
                             "label)")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind in "bi":
        arr = arr.astype(np.int64)
    limits.check_label(arr, name)
    return arr


def parse_values(text: str, name: str = "--bias") -> np.ndarray:
    """``"1,0"`` or ``"1 0"`` → array of numbers."""
    parts = [t for t in text.replace(",", " ").split() if t]
    if not parts:
        raise ValueError(f"{name}: no values given")
    vals = []
    for t in parts:
        try:
            v = _number(t)
        except ValueError as e:
            if str(e).startswith("is an integer"):
                raise ValueError(f"{name}: {t} {e}") from None
            raise ValueError(f"{name}: expected numbers separated by commas, got {t!r} in {text!r}") from None
        vals.append(v)
    return check_numeric(np.array(vals), name)
