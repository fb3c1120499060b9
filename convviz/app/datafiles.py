"""Loading user data for ``--input``/``--weight``/``--bias``: .npy (no pickles), .json (nested lists), .csv
(one 2-D slice). Every problem is a ``ValueError`` that names the file and what is wrong."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np


def load_array(path: str | Path, what: str = "input") -> np.ndarray:
    p = Path(path)
    if not p.exists():
        raise ValueError(f"--{what}: file not found: {p}")
    if not p.is_file():
        raise ValueError(f"--{what}: not a file: {p}")
    suffix = p.suffix.lower()
    try:
        if suffix == ".npy":
            try:
                arr = np.load(p, allow_pickle=False)
            except ValueError as e:
                if "pickle" in str(e).lower():
                    raise ValueError(f"--{what}: {p} holds pickled objects, which are not loaded (only plain "
                                     f"numeric .npy arrays)") from None
                raise ValueError(f"--{what}: {p} is not a valid .npy file ({e})") from None
            except (OSError, EOFError) as e:
                raise ValueError(f"--{what}: {p} is not a valid .npy file ({e})") from None
        elif suffix == ".json":
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise ValueError(f"--{what}: {p} is not valid JSON ({e})") from None
            arr = _nested_to_array(data, p, what)
        elif suffix == ".csv":
            arr = _read_csv(p, what)
        else:
            raise ValueError(f"--{what}: unsupported file type {p.suffix or '(none)'} for {p}: use .npy, .json "
                             f"or .csv")
    except ValueError:
        raise
    return check_numeric(arr, f"--{what} ({p.name})")


def _nested_to_array(data, p, what) -> np.ndarray:
    def check(x, depth=0):
        if isinstance(x, list):
            if not x:
                raise ValueError(f"--{what}: {p} has an empty list")
            return [check(v, depth + 1) for v in x]
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError(f"--{what}: {p} must hold nested lists of numbers, found {x!r}")
        return x
    if not isinstance(data, list):
        raise ValueError(f"--{what}: {p} must hold nested lists of numbers, got {type(data).__name__}")
    check(data)
    try:
        arr = np.array(data)
    except ValueError:
        raise ValueError(f"--{what}: {p} is ragged: every row must have the same length") from None
    if arr.dtype == object:
        raise ValueError(f"--{what}: {p} is ragged: every row must have the same length")
    return arr


def _read_csv(p: Path, what: str) -> np.ndarray:
    try:
        rows = [r for r in csv.reader(p.read_text(encoding="utf-8").splitlines()) if any(c.strip() for c in r)]
    except UnicodeDecodeError as e:
        raise ValueError(f"--{what}: {p} is not a text CSV file ({e})") from None
    if not rows:
        raise ValueError(f"--{what}: {p} is empty")
    if len({len(r) for r in rows}) != 1:
        raise ValueError(f"--{what}: {p} is ragged: every row must have the same number of values")
    out = []
    for i, r in enumerate(rows, 1):
        try:
            out.append([float(c) for c in r])
        except ValueError:
            raise ValueError(f"--{what}: {p} line {i} holds something that is not a number: {r}") from None
    arr = np.array(out)
    return arr


def check_numeric(arr: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} holds a non-finite value (nan or inf)")
        if np.all(arr == np.round(arr)) and np.all(np.abs(arr) < 2**53):
            arr = arr.astype(np.int64)
    elif arr.dtype.kind in "bu":
        arr = arr.astype(np.int64)
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    return arr


def parse_values(text: str, name: str = "--bias") -> np.ndarray:
    """``"1,0"`` or ``"1 0"`` → array of numbers."""
    parts = [t for t in text.replace(",", " ").split() if t]
    if not parts:
        raise ValueError(f"{name}: no values given")
    try:
        vals = [float(t) for t in parts]
    except ValueError:
        raise ValueError(f"{name}: expected numbers separated by commas, got {text!r}") from None
    return check_numeric(np.array(vals), name)
