"""``convviz notes``: regenerate the notes' images/ folder: parallel, cached (``cache``), reproducible,
failure-isolated, with a results table and an HTML gallery (``gallery``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .. import catalogue
from ..files import check_cache, check_folder, check_output, remove_scratch, remove_temporaries
from .cache import figure_key, file_hash, load_manifest, update_manifest
from .errors import HANDLED_SIGNALS, Interrupted, UsageError
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
_RENDERING = False          # in a worker: a render is under way (a signal then cleans up before exiting)


def _init_worker(counter, group=None) -> None:
    """Each worker process: a slot number, its own Manim folders (``files.scratch_dir``: Manim's text and TeX
    caches are not safe to share between processes writing at the same time) and its signals. Given ``group``
    (a shared int), the workers join one process group, which ``run_notes`` stops as a whole (their gifsicle
    children too); the first worker founds it."""
    with counter.get_lock():
        slot = counter.value
        counter.value += 1
    os.environ["CONVVIZ_WORKER"] = f"worker{slot}"
    if group is not None:
        with group.get_lock():
            try:
                os.setpgid(0, group.value or 0)
            except OSError:                                  # the founder is gone: found a new group
                os.setpgid(0, 0)
            group.value = os.getpgrp()
    for s in HANDLED_SIGNALS:
        signal.signal(s, _worker_signal)


def _worker_signal(signum, frame):
    """Mid-render: raise, so the temporary file is removed on the way out (``_render_one`` then exits); idle:
    exit at once."""
    for s in HANDLED_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    if _RENDERING:
        raise Interrupted(signum)
    os._exit(128 + signum)


def _render_one(name: str, out_file: str, quality: str, lang: str) -> tuple[float, int]:
    """Runs in a worker process: render one notes figure to its file (atomically)."""
    global _RENDERING
    from .run import render_entry

    entry = catalogue.get_entry(name)
    t0 = time.perf_counter()
    _RENDERING = True
    try:
        render_entry(entry, entry.resolve(), entry.options(lang=lang), Path(out_file), entry.format, quality,
                     min_width=entry.min_width,
                     density=NOTES_GIF_DENSITY[quality] if entry.format == "gif" else None)
    except Interrupted as e:                 # the temporary file is gone (atomic_path); this worker ends here
        os._exit(e.exit_code)
    finally:
        _RENDERING = False
    return time.perf_counter() - t0, Path(out_file).stat().st_size


def _failure_text(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}"[:160]


# ------------------------------------------------------------------------------------------------ command
def select(only: str | None) -> list:
    """The entries ``--only`` names (all without it): stems, or file names with the file's own extension."""
    entries = catalogue.notes_entries()
    if only is None:
        return entries
    by_stem = {e.name: e for e in entries}
    chosen = []
    for raw in [s.strip() for s in only.split(",") if s.strip()]:
        stem, dot, ext = raw.rpartition(".")
        if dot and stem in by_stem:
            if raw != by_stem[stem].file_name:
                raise ValueError(f"--only: {raw!r}: the notes' file is {by_stem[stem].file_name} (give its stem "
                                 f"{stem} or that name)")
        else:
            stem = raw
        if stem not in by_stem:
            raise ValueError(f"--only: {raw!r} is not a file of the notes (e.g. cnn-gif3, cnn-figure1; "
                             f"`convviz list --notes` shows all {len(entries)})")
        if by_stem[stem] not in chosen:
            chosen.append(by_stem[stem])
    if not chosen:
        raise ValueError(f"--only: no names given ({only!r}); leave --only out to render every file")
    return chosen


def _stop_workers(procs, group) -> list[int]:
    """Stop every worker process of ``procs`` (SIGTERM to their process group, then SIGKILL to what is left);
    their pids."""
    pids = [p.pid for p in procs if p.pid]
    pgid = group.value if group is not None else 0
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 2.0)):
        if pgid and pgid != os.getpgrp():
            try:
                os.killpg(pgid, sig)
            except OSError:
                pass
        for p in procs:
            if p.is_alive():
                try:
                    os.kill(p.pid, sig)
                except OSError:
                    pass
        deadline = time.monotonic() + wait
        for p in procs:
            p.join(max(0.0, deadline - time.monotonic()))
        if not any(p.is_alive() for p in procs):
            break
    return pids


@contextmanager
def worker_pool(jobs: int, on_stop=None):
    """A process pool whose workers have their own Manim caches and share one process group: on a signal or
    Ctrl-C in the parent, the workers are stopped (SIGTERM, then SIGKILL), ``on_stop(pids)`` cleans up what
    they were writing, their scratch folders are removed, and the exception goes on. ``notes`` and ``slides``
    both draw in it."""
    counter, group = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(counter, group))
    try:
        yield pool
    except BaseException:
        procs = list((pool._processes or {}).values())       # before shutdown() forgets them
        pool.shutdown(wait=False, cancel_futures=True)
        pids = _stop_workers(procs, group)
        if on_stop is not None:
            on_stop(pids)
        remove_scratch(pids)
        raise
    pool.shutdown(wait=True)


def run_notes(out: Path, entries, quality: str = "medium", lang: str = "en", jobs: int | None = None,
              force: bool = False, progress: bool = True, gallery: Path | None = None) -> list[Result]:
    """Render what changed in parallel. The manifest is updated as each file is finished, so a run stopped by
    a signal (workers stopped, their temporary files removed) keeps what it finished for the next run."""
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
        with worker_pool(jobs, on_stop=lambda pids: (remove_temporaries(out, pids), bar.close())) as pool:
            futures = {pool.submit(_render_one, e.name, str(f), quality, lang): (e, f, key) for e, f, key in todo}
            worker_pids = [p.pid for p in (pool._processes or {}).values()]
            for fut in as_completed(futures):
                e, f, key = futures[fut]
                try:
                    seconds, size = fut.result()
                    results[e.name] = Result(e.name, e.file_name, "rendered", seconds, size)
                    update_manifest(out, {e.file_name: {"key": key, "sha256": file_hash(f)}})
                except Exception as exc:      # one failure does not stop the others
                    results[e.name] = Result(e.name, e.file_name, "failed", 0.0, 0, _failure_text(exc))
                    update_manifest(out, {e.file_name: None})
                    if os.environ.get("CONVVIZ_DEBUG"):
                        traceback.print_exception(exc)
                bar.set_postfix_str(e.name)
                bar.update(1)
        remove_temporaries(out, worker_pids)     # a worker that crashed (killed for memory, say) left its own
        remove_scratch(worker_pids)
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
        check_folder(args.out, "--out")
        check_cache()
        if args.gallery is not None:
            _check_gallery(args.gallery, args.out)
    except ValueError as e:
        raise UsageError(str(e)) from None
    t0 = time.perf_counter()
    results = run_notes(args.out, entries, args.quality, args.lang, args.jobs, args.force, progress=True,
                        gallery=args.gallery)
    print_table(results)
    print(f"written to {args.out} in {time.perf_counter() - t0:.1f} s; gallery: {args.gallery}")
    return 1 if any(r.status == "failed" for r in results) else 0


def _check_gallery(gallery: Path, out: Path) -> None:
    """An .html file that can be written and is no file of the set."""
    if gallery.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"--gallery {gallery}: the gallery is an HTML page: give a name ending in .html")
    set_files = {os.path.abspath(out / e.file_name) for e in catalogue.notes_entries()}
    if os.path.abspath(gallery) in set_files or os.path.abspath(gallery) == os.path.abspath(out):
        raise ValueError(f"--gallery {gallery} would overwrite a file of the notes' set")
    check_output(gallery, "--gallery")
