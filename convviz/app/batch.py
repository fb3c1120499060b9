"""Rendering many catalogue entries at once: worker processes, each file written atomically and cached.

``convviz notes`` and ``convviz render NAME NAME ...`` both run here. A file is rendered again only when its
``cache.render_key`` (entry, data, options, output settings, the code that draws it) differs from the one the
manifest noted for it, or the file on disk is not the one written. The workers have their own Manim folders
and share one process group, which a signal or Ctrl-C stops as a whole; the manifest is updated as each file
is finished, so an interrupted run keeps what it finished.
"""

from __future__ import annotations

import gc
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
from typing import Any

from .. import catalogue
from ..files import remove_scratch, remove_temporaries
from ..options import STILL_FORMATS
from .cache import file_hash, load_manifest, past_seconds, render_key, update_manifest
from .errors import HANDLED_SIGNALS, Interrupted


@dataclass
class Result:
    name: str
    file: str
    status: str            # rendered | cached | failed
    seconds: float = 0.0
    bytes: int = 0
    error: str = ""


@dataclass(frozen=True)
class Task:
    """One file to render: ``name``'s scene with resolved ``params`` and ``options`` into ``out``."""
    name: str
    out: Path
    params: Any
    options: Any
    fmt: str
    quality: str
    fps: int | None = None
    min_width: int = 0
    density: float | None = None

    def key(self) -> str:
        return render_key(catalogue.get_entry(self.name), self.params, self.options, self.fmt, self.quality,
                          self.fps, self.min_width, self.density)

    def animated(self) -> bool:
        return self.fmt not in STILL_FORMATS

    def steps(self) -> int:
        """The kernel steps this file animates (0 for a still or a fixed figure): the cost estimate that orders
        a render with no past time."""
        if not self.animated():
            return 0
        from .run import kernel_steps

        return kernel_steps(catalogue.get_entry(self.name), self.params) or 0


# ------------------------------------------------------------------------------------------------ worker
_RENDERING = False          # in a worker: a render is under way (a signal then cleans up before exiting)


def _init_worker(counter, group=None) -> None:
    """Each worker process: a slot number, its own Manim folders (``files.scratch_dir``: Manim's text and TeX
    caches are not safe to share between processes writing at the same time) and its signals. Given ``group``
    (a shared int), the workers join one process group, which ``run_tasks`` stops as a whole (their gifsicle
    children too); the first worker founds it."""
    gc.freeze()     # what the parent left (garbage too) is never collected here: an object freed in a fork of
    #                 its process, without the threads its library started, can hang (a video encoder did)
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
    """Mid-render: raise, so the temporary file is removed on the way out (``render_task`` then exits); idle:
    exit at once."""
    for s in HANDLED_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    if _RENDERING:
        raise Interrupted(signum)
    os._exit(128 + signum)


def render_task(task: Task) -> tuple[float, int]:
    """Runs in a worker process: render one file (atomically); (seconds, bytes)."""
    global _RENDERING
    from .run import render_entry

    t0 = time.perf_counter()
    _RENDERING = True
    try:
        render_entry(catalogue.get_entry(task.name), task.params, task.options, task.out, task.fmt, task.quality,
                     fps=task.fps, min_width=task.min_width, density=task.density)
    except Interrupted as e:                 # the temporary file is gone (atomic_path); this worker ends here
        os._exit(e.exit_code)
    finally:
        _RENDERING = False
    return time.perf_counter() - t0, task.out.stat().st_size


def _failure_text(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}"[:160]


# ------------------------------------------------------------------------------------------------ pool
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
    they were writing, their scratch folders are removed, and the exception goes on. ``notes``, batch
    ``render`` and ``slides`` draw in it."""
    counter, group = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    gc.collect()            # the parent's garbage is freed here, where its libraries' threads run (_init_worker)
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


def _varied_start(todo: list, jobs: int) -> list:
    """``todo`` with its first ``jobs`` tasks of different scenes where it has them, the rest in order: workers
    that start together on one scene, each with a cold text cache, would typeset its texts twice."""
    first, rest, scenes = [], [], set()
    for it in todo:
        scene = catalogue.get_entry(it[1].name).scene
        if len(first) < jobs and scene not in scenes:
            first.append(it)
            scenes.add(scene)
        else:
            rest.append(it)
    return first + rest


def run_tasks(tasks: list[Task], out: Path, jobs: int | None = None, force: bool = False, progress: bool = True,
              desc: str = "convviz") -> list[Result]:
    """Render the ``tasks`` (files in folder ``out``) whose key changed, in parallel; results in task order."""
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(out)
    results: dict[int, Result] = {}
    todo = []
    for i, t in enumerate(tasks):
        key, rec = t.key(), manifest.get(t.out.name)
        if not force and rec and rec.get("key") == key and t.out.is_file() and rec.get("sha256") == file_hash(t.out):
            results[i] = Result(t.name, t.out.name, "cached", 0.0, t.out.stat().st_size)
        else:
            todo.append((i, t, key))
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=desc, unit="file",
               disable=not progress, file=sys.stderr, leave=False)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    if todo:
        # the longest first, so the pool does not wait on one long render at the end: as long as they took last
        # time, or before those not rendered yet, animations first, the most kernel steps first
        past = {i: past_seconds(manifest.get(t.out.name)) for i, t, _ in todo}
        todo.sort(key=lambda it: (past[it[0]] is None, -(past[it[0]] or 0.0), not it[1].animated(),
                                  -it[1].steps(), it[0]))
        if all(past[i] is None for i, _, _ in todo[:jobs]):       # never drawn here: its texts are not cached
            todo = _varied_start(todo, jobs)
        with worker_pool(jobs, on_stop=lambda pids: (remove_temporaries(out, pids), bar.close())) as pool:
            futures = {pool.submit(render_task, t): (i, t, key) for i, t, key in todo}
            worker_pids = [p.pid for p in (pool._processes or {}).values()]
            for fut in as_completed(futures):
                i, t, key = futures[fut]
                try:
                    seconds, size = fut.result()
                    results[i] = Result(t.name, t.out.name, "rendered", seconds, size)
                    update_manifest(out, {t.out.name: {"key": key, "sha256": file_hash(t.out),
                                                       "seconds": round(seconds, 2)}})
                except Exception as exc:      # one failure does not stop the others
                    results[i] = Result(t.name, t.out.name, "failed", 0.0, 0, _failure_text(exc))
                    update_manifest(out, {t.out.name: None})
                    if os.environ.get("CONVVIZ_DEBUG"):
                        traceback.print_exception(exc)
                bar.set_postfix_str(t.name)
                bar.update(1)
        remove_temporaries(out, worker_pids)     # a worker that crashed (killed for memory, say) left its own
        remove_scratch(worker_pids)
    bar.close()
    return [results[i] for i in range(len(tasks))]


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
