"""``convviz notes``: regenerate the notes' images/ folder: parallel, cached, reproducible, failure-isolated.

A figure is rendered again only when something it depends on changed: its catalogue entry (scene, parameters,
data), the options, the quality, the language, the source code of ``convviz/`` and ``scenes/``, or the versions
of the libraries that draw it. The cache manifest lives in the user's cache folder, not in the images folder.
"""

from __future__ import annotations

import hashlib
import html
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from .. import catalogue
from ..files import atomic_path

ROOT = Path(__file__).resolve().parents[2]
# The notes' GIFs: pixels per scene unit at the default (medium) quality; never narrower than the original.
# Small enough to keep the folder light, large enough for the numbers to read (cells ≈ 26 px).
NOTES_GIF_DENSITY = {"low": 36.0, "medium": 42.0, "high": 64.0}


@dataclass
class Result:
    name: str
    file: str
    status: str            # rendered | cached | failed
    seconds: float = 0.0
    bytes: int = 0
    error: str = ""


# ---------------------------------------------------------------------------------------------- caching
def _jsonable(v):
    if isinstance(v, np.ndarray):
        return {"dtype": str(v.dtype), "shape": list(v.shape), "data": v.astype(object).tolist()
                if v.dtype.kind in "OUS" else v.tolist()}
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in sorted(v.items())}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def _local_imports(path: Path) -> set[str]:
    """Modules of the ``scenes`` package that a scene module imports (``from .x import``, ``scenes.x``)."""
    text = path.read_text(encoding="utf-8")
    found = set(re.findall(r"^\s*from\s+\.(\w+)\s+import", text, re.M))
    found |= set(re.findall(r"^\s*(?:from|import)\s+scenes\.(\w+)", text, re.M))
    return found


def scene_files(module: str) -> list[Path]:
    """The scene module and every scenes/ module it imports, transitively."""
    seen: set[str] = set()
    todo = [module, "render"]
    while todo:
        m = todo.pop()
        p = ROOT / "scenes" / f"{m}.py"
        if m in seen or not p.exists():
            continue
        seen.add(m)
        todo.extend(_local_imports(p))
    return [ROOT / "scenes" / f"{m}.py" for m in sorted(seen)]


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
def _file_bytes(path: Path) -> bytes:
    return path.read_bytes()


@lru_cache(maxsize=None)
def code_fingerprint(module: str) -> str:
    """Hash of the source that can change a figure (all of convviz/, the scene module and what it imports)
    and of the drawing libraries' versions."""
    h = hashlib.sha256()
    for p in sorted((ROOT / "convviz").glob("*.py")) + scene_files(module):
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(_file_bytes(p))
    h.update(_versions())
    return h.hexdigest()


def figure_key(entry, quality: str, lang: str, code: str | None = None) -> str:
    code = code or code_fingerprint(entry.scene.partition(":")[0])
    spec = {"name": entry.name, "scene": entry.scene, "format": entry.format, "params": _jsonable(entry.resolve()),
            "options": _jsonable(entry.options(lang=lang).as_dict()), "quality": quality,
            "min_width": entry.min_width, "density": NOTES_GIF_DENSITY[quality], "code": code}
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def _file_hash(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def manifest_path(out: Path) -> Path:
    from ..files import cache_dir
    tag = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return cache_dir() / "notes" / f"{tag}.json"


def load_manifest(out: Path) -> dict:
    try:
        return json.loads(manifest_path(out).read_text())
    except (OSError, ValueError):
        return {}


def save_manifest(out: Path, manifest: dict) -> None:
    p = manifest_path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(p) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))


# ------------------------------------------------------------------------------------------------ worker
def _init_worker(counter) -> None:
    """Each worker process gets a slot of its own: Manim's text and LaTeX caches are not safe to share between
    processes writing at the same time, so each slot has its own cache folder (reused by later runs)."""
    with counter.get_lock():
        slot = counter.value
        counter.value += 1
    os.environ["CONVVIZ_WORKER"] = f"worker{slot}"


def _render_one(name: str, out_file: str, quality: str, lang: str) -> tuple[float, int]:
    """Runs in a worker process: render one notes figure to its file (atomically)."""
    from .cli import render_entry

    entry = catalogue.get_entry(name)
    t0 = time.perf_counter()
    render_entry(entry, entry.resolve(), entry.options(lang=lang), Path(out_file), entry.format, quality,
                 min_width=entry.min_width, density=NOTES_GIF_DENSITY[quality] if entry.format == "gif" else None)
    return time.perf_counter() - t0, Path(out_file).stat().st_size


def _failure_text(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}"[:160]


# ------------------------------------------------------------------------------------------------ command
def select(only: str | None) -> list:
    entries = catalogue.notes_entries()
    if not only:
        return entries
    by_stem = {e.name: e for e in entries}
    chosen = []
    for raw in [s.strip() for s in only.split(",") if s.strip()]:
        stem = raw.rsplit(".", 1)[0] if raw.rsplit(".", 1)[-1] in ("gif", "jpg", "png") else raw
        if stem not in by_stem:
            raise ValueError(f"--only: {raw!r} is not a file of the notes (e.g. cnn-gif3, cnn-figure1; "
                             f"`convviz list --notes` shows all {len(entries)})")
        if by_stem[stem] not in chosen:
            chosen.append(by_stem[stem])
    if not chosen:
        raise ValueError("--only: no names given")
    return chosen


def run_notes(out: Path, entries, quality: str = "medium", lang: str = "en", jobs: int | None = None,
              force: bool = False, progress: bool = True, gallery: Path | None = None) -> list[Result]:
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(out)
    results: dict[str, Result] = {}
    todo = []
    for e in entries:
        f = out / e.file_name
        key = figure_key(e, quality, lang)
        rec = manifest.get(e.file_name)
        if not force and rec and rec.get("key") == key and f.is_file() and rec.get("sha256") == _file_hash(f):
            results[e.name] = Result(e.name, e.file_name, "cached", 0.0, f.stat().st_size)
        else:
            todo.append((e, f, key))
    bar = tqdm(total=len(entries), initial=len(entries) - len(todo), desc="convviz notes", unit="fig",
               disable=not progress, file=sys.stderr, leave=False)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    if todo:
        # heavier figures first, so the pool does not wait on one long render at the end
        todo.sort(key=lambda t: (t[0].format != "gif", t[0].name))
        counter = multiprocessing.Value("i", 0)
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(counter,)) as pool:
            futures = {pool.submit(_render_one, e.name, str(f), quality, lang): (e, f, key) for e, f, key in todo}
            for fut in as_completed(futures):
                e, f, key = futures[fut]
                try:
                    seconds, size = fut.result()
                    results[e.name] = Result(e.name, e.file_name, "rendered", seconds, size)
                    manifest[e.file_name] = {"key": key, "sha256": _file_hash(f)}
                except Exception as exc:      # one failure does not stop the others
                    results[e.name] = Result(e.name, e.file_name, "failed", 0.0, 0, _failure_text(exc))
                    manifest.pop(e.file_name, None)
                    if os.environ.get("CONVVIZ_DEBUG"):
                        traceback.print_exception(exc)
                bar.set_postfix_str(e.name)
                bar.update(1)
        save_manifest(out, manifest)
    bar.close()
    ordered = [results[e.name] for e in entries]
    if gallery is not None:
        write_gallery(gallery, out, entries, ordered, lang)
    return ordered


def write_gallery(path: Path, out: Path, entries, results, lang: str) -> Path:
    """An HTML page showing every generated file with its caption."""
    rel = os.path.relpath(out.resolve(), path.parent.resolve())
    rows = []
    for e, r in zip(entries, results):
        src = html.escape(f"{rel}/{e.file_name}".replace(os.sep, "/"))
        img = f'<img src="{src}" alt="{html.escape(e.name)}" loading="lazy">' if r.status != "failed" else \
            f'<p class="fail">failed: {html.escape(r.error)}</p>'
        rows.append(f'<figure id="{html.escape(e.name)}">{img}<figcaption><b>{html.escape(e.file_name)}</b> '
                    f'({r.status}, {r.bytes:,} bytes)<br>{html.escape(e.caption(lang))}</figcaption></figure>')
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>convviz: the notes' figures</title><style>"
            "body{font-family:sans-serif;max-width:1100px;margin:2em auto;background:#fff;color:#1a202c}"
            "figure{margin:0 0 2.5em;border-bottom:1px solid #ddd;padding-bottom:1em}"
            "img{max-width:100%;border:1px solid #eee}.fail{color:#b91c1c}</style></head><body>"
            f"<h1>The notes' figures ({len(entries)})</h1>" + "".join(rows) + "</body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path


def print_table(results: list[Result], stream=None) -> None:
    stream = stream or sys.stdout
    w = max(len(r.file) for r in results)
    print(f"{'file':<{w}}  {'status':<8} {'seconds':>8} {'bytes':>10}", file=stream)
    for r in results:
        line = f"{r.file:<{w}}  {r.status:<8} {r.seconds:>8.1f} {r.bytes:>10,}"
        if r.error:
            line += f"  {r.error}"
        print(line, file=stream)
    counts = {s: sum(r.status == s for r in results) for s in ("rendered", "cached", "failed")}
    print(f"{len(results)} files: {counts['rendered']} rendered, {counts['cached']} cached, "
          f"{counts['failed']} failed; {sum(r.bytes for r in results):,} bytes", file=stream)


def cmd_notes(args) -> int:
    from .cli import UsageError

    try:
        entries = select(args.only)
        if args.jobs is not None and args.jobs < 1:
            raise ValueError(f"--jobs must be at least 1, got {args.jobs}")
        if args.out.exists() and not args.out.is_dir():
            raise ValueError(f"--out {args.out} exists and is not a folder")
    except ValueError as e:
        raise UsageError(str(e)) from None
    t0 = time.perf_counter()
    results = run_notes(args.out, entries, args.quality, args.lang, args.jobs, args.force, progress=True,
                        gallery=args.gallery)
    print_table(results)
    print(f"written to {args.out} in {time.perf_counter() - t0:.1f} s; gallery: {args.gallery}")
    return 1 if any(r.status == "failed" for r in results) else 0
