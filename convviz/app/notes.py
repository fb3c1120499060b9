"""``convviz notes``: regenerate the notes' images/ folder: parallel, cached (``cache``), reproducible,
failure-isolated, with a results table and an HTML gallery (``gallery``).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .. import catalogue
from .cache import figure_key, file_hash, load_manifest, save_manifest
from .errors import UsageError
from .gallery import write_gallery

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
    from .run import render_entry

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
        key = figure_key(e, quality, lang, NOTES_GIF_DENSITY[quality])
        rec = manifest.get(e.file_name)
        if not force and rec and rec.get("key") == key and f.is_file() and rec.get("sha256") == file_hash(f):
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
                    manifest[e.file_name] = {"key": key, "sha256": file_hash(f)}
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
