"""The notes cache: what a figure's file depends on, and the manifest of what was written.

A figure is rendered again only when something it depends on changed: its catalogue entry (scene, builder,
resolved data), the options, the quality, the language, the source of the code it actually imports (its scene
module, its builder module and, transitively, every ``convviz``/``scenes`` module they import, plus the render
layer), or the versions of the libraries that draw it. The manifest lives in the user's cache folder, not in
the images folder.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import shutil
import subprocess
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from ..files import atomic_path, cache_dir

ROOT = Path(__file__).resolve().parents[2]
# modules whose content reaches the key another way (the resolved entry) or that do not draw
NOT_CODE = ("convviz.catalogue", "convviz.app")
RENDER_LAYER = ("scenes.render.capture", "scenes.render.media")


def jsonable(v):
    """Parameters (arrays, dataclasses, tuples) as plain JSON values, for hashing."""
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {"__type__": type(v).__name__,
                **{f.name: jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}}
    if isinstance(v, np.ndarray):
        return {"dtype": str(v.dtype), "shape": list(v.shape), "data": v.astype(object).tolist()
                if v.dtype.kind in "OUS" else v.tolist()}
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in sorted(v.items())}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


# ------------------------------------------------------------------------------------------ code closure
def module_file(name: str) -> Path | None:
    """``scenes.kit.base`` → its source file in this checkout (a package → its ``__init__.py``)."""
    base = ROOT.joinpath(*name.split("."))
    for p in (base.with_suffix(".py"), base / "__init__.py"):
        if p.is_file():
            return p
    return None


def _imports(name: str, path: Path) -> set[str]:
    """The ``convviz``/``scenes`` modules that module ``name`` imports anywhere in its body (absolute or
    relative, at the top or inside functions), with the packages they live in. Parsed once per version of
    the file (the figures share most modules)."""
    st = path.stat()
    return set(_parsed_imports(name, path, st.st_mtime_ns, st.st_size))


@lru_cache(maxsize=None)
def _parsed_imports(name: str, path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)      # `from pkg import module`
    out = set()
    for m in found:
        if m.split(".")[0] in ("convviz", "scenes") and module_file(m) is not None:
            parts = m.split(".")
            out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return frozenset(out)


def code_modules(*roots: str) -> list[str]:
    """Every ``convviz``/``scenes`` module that ``roots`` import, transitively (``roots`` included), except the
    catalogue and the application layer."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        m = todo.pop()
        if m in seen or m.startswith(NOT_CODE) or module_file(m) is None:
            continue
        seen.add(m)
        todo.extend(_imports(m, module_file(m)))
    return sorted(seen)


@lru_cache(maxsize=None)
def _versions() -> bytes:
    parts = []
    for dist in ("manim", "numpy", "pillow", "manimpango", "pycairo", "av"):
        try:
            parts.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist}=none")
    if shutil.which("gifsicle"):
        out = subprocess.run(["gifsicle", "--version"], capture_output=True, text=True).stdout
        parts.append(out.split("\n")[0])
    return "\n".join(parts).encode()


@lru_cache(maxsize=None)
def code_fingerprint(scene: str, builder: str) -> str:
    """Hash of the source a figure is drawn with (``scene`` ``"module:Class"`` in ``scenes``, ``builder``
    ``"module:function"`` in ``convviz.figures``, what they import, the render layer) and the libraries'
    versions."""
    h = hashlib.sha256()
    roots = ("scenes." + scene.partition(":")[0], "convviz.figures." + builder.partition(":")[0]) + RENDER_LAYER
    for m in code_modules(*roots):
        h.update(m.encode())
        h.update(module_file(m).read_bytes())
    h.update(_versions())
    return h.hexdigest()


def render_key(entry, params, options, fmt: str, quality: str, fps=None, min_width: int = 0,
               density: float | None = None) -> str:
    """What a rendered file depends on, hashed: the entry, its resolved data, the options, the output settings
    and the code that draws it."""
    spec = {"name": entry.name, "scene": entry.scene, "builder": entry.builder, "format": fmt,
            "params": jsonable(params), "options": jsonable(options.as_dict()), "quality": quality, "fps": fps,
            "min_width": min_width, "density": density, "code": code_fingerprint(entry.scene, entry.builder)}
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def figure_key(entry, quality: str, lang: str, density: float) -> str:
    """``render_key`` of a notes file (its own format, data and minimum width)."""
    return render_key(entry, entry.resolve(), entry.options(lang=lang), entry.format, quality, None,
                      entry.min_width, density if entry.format == "gif" else None)


# ---------------------------------------------------------------------------------------------- manifest
def file_hash(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def manifest_path(out: Path) -> Path:
    tag = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return cache_dir() / "notes" / f"{tag}.json"


def _valid_record(rec) -> bool:
    return (isinstance(rec, dict) and isinstance(rec.get("key"), str) and isinstance(rec.get("sha256"), str)
            and len(rec["sha256"]) == 64 and all(c in "0123456789abcdef" for c in rec["sha256"]))


def past_seconds(rec) -> float | None:
    """How long the file of manifest record ``rec`` took to render last time ("seconds"), if it says.

    >>> past_seconds({"key": "k", "sha256": "0" * 64, "seconds": 2.5}), past_seconds({"seconds": "x"})
    (2.5, None)
    """
    v = rec.get("seconds") if isinstance(rec, dict) else None
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1e6 else None


def load_manifest(out: Path) -> dict:
    """The manifest of ``out``: file name → {"key", "sha256"[, "seconds"]}. Whatever is not that (a damaged
    file, ``[]``, a record of the wrong shape) is a miss: the file is removed, the bad records dropped, and the
    figures they named are rendered again."""
    p = manifest_path(out)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict):
        p.unlink(missing_ok=True)
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and _valid_record(v)}


@contextmanager
def _locked(p: Path):
    """An exclusive lock beside ``p`` (concurrent ``notes`` runs into one folder update its manifest in turn)."""
    import fcntl

    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p.with_suffix(".lock"), "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def update_manifest(out: Path, changes: dict) -> dict:
    """Apply ``changes`` (file name → record, or None to forget it) to the manifest as it is on disk now, under
    a lock, and write it atomically; returns the new manifest. Records of other runs are kept."""
    p = manifest_path(out)
    with _locked(p):
        manifest = load_manifest(out)
        for name, rec in changes.items():
            if rec is None:
                manifest.pop(name, None)
            elif _valid_record(rec):
                manifest[name] = rec
        with atomic_path(p) as tmp:
            tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def save_manifest(out: Path, manifest: dict) -> None:
    """Write the whole ``manifest`` (atomically, under the lock)."""
    p = manifest_path(out)
    with _locked(p):
        with atomic_path(p) as tmp:
            tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
