"""Smooth video drawn in two processes: the held states are split in two runs, each process draws and encodes
its own run into a segment, and the segments are joined packet by packet (no second encoding).

A process skips the tweens outside its run (Manim's ``skip_animations``, as a measuring pass does) and stops
after its last held state, so the two share the drawing and encoding, the costly part of a smooth video. The
second process is a fresh interpreter started before the first measures (forking a process whose libraries
run threads can hang), so its imports overlap that work. Each segment starts with a key frame; the joined file
has the frames and durations of a one-process render (lossy encoding aside).
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from scenes.render import media
from convviz.files import atomic_path, remove_temporaries


def processes() -> int:
    """How many processes draw a smooth video: ``$CONVVIZ_RENDER_PROCESSES``, else 2 on a machine with two
    cores or more."""
    env = os.environ.get("CONVVIZ_RENDER_PROCESSES", "")
    if env.strip().isdigit() and int(env) >= 1:
        return min(int(env), 2)
    return 2 if (os.cpu_count() or 1) >= 2 else 1


FIRST_SHARE = 0.57     # the second process also runs (without drawing) the storyboard up to its run


def split(holds: int) -> list[tuple[int, int]]:
    """The runs of held states [first, end) the processes draw: the first a little longer, since the second
    must first step through the storyboard up to its own run.

    >>> split(18), split(1)
    ([(0, 10), (10, 18)], [(0, 1)])
    """
    if holds < 2:
        return [(0, holds)]
    cut = min(holds - 1, max(1, round(holds * FIRST_SHARE)))
    return [(0, cut), (cut, holds)]


def segment_path(out: Path, k: int) -> Path:
    """Where run ``k`` is encoded: beside ``out``, named like the temporary files an interrupted run sweeps
    (``files.remove_temporaries``)."""
    out = Path(out)
    return out.with_name(f".{out.stem[:60]}.{os.getpid()}.seg{k:05d}{out.suffix}.part")


def join(segments: list[Path], out: Path) -> Path:
    """The segments' packets one after the other in one file (timestamps shifted), written atomically."""
    import av

    fmt = Path(out).suffix.lstrip(".").lower()
    with atomic_path(out) as tmp:
        inputs = [av.open(str(s)) for s in segments]
        try:
            with av.open(str(tmp), mode="w", format=fmt) as container:
                stream = container.add_stream_from_template(inputs[0].streams.video[0])
                offset = 0
                for inp in inputs:
                    src = inp.streams.video[0]
                    scale = Fraction(src.time_base) / Fraction(stream.time_base) if stream.time_base else 1
                    end = offset
                    for packet in inp.demux(src):
                        if packet.dts is None:                    # the demuxer's flush packet
                            continue
                        pts, dts, dur = packet.pts, packet.dts, packet.duration or 0
                        packet.stream = stream
                        packet.pts = offset + int(pts * scale)
                        packet.dts = offset + int(dts * scale)
                        packet.duration = int(dur * scale)
                        end = max(end, packet.pts + packet.duration)
                        container.mux(packet)
                    offset = end
        finally:
            for inp in inputs:
                inp.close()
    return Path(out)


@dataclass(frozen=True)
class Job:
    """What both processes need to draw the same video: the scene by name, its data and the output settings."""
    scene: str
    params: Any
    options: Any
    quality: str
    fps: int
    min_width: int = 0
    density: float | None = None


def render_in_runs(job: Job, out: Path, draw_run, second, progress: bool = False) -> Path:
    """Draw ``job`` in two processes and join their segments into ``out``. The second process is started
    first (a fresh interpreter: forking a process whose libraries run threads can hang), so its imports overlap
    this one's measuring pass; each measures the scene itself and draws its own run (``draw_run(job, k,
    writer, progress)``; ``second(job, segment, fmt)`` runs in the second process, a module-level function).
    A failed or interrupted child leaves no segment."""

    segments = [segment_path(out, k) for k in range(2)]
    fmt = Path(out).suffix.lstrip(".").lower()
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=second, args=(job, segments[1], fmt), daemon=True)
    child.start()
    try:
        with media.VideoWriter(segments[0], job.fps, fmt) as writer:
            runs = draw_run(job, 0, writer, progress)
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"a drawing process failed (exit {child.exitcode})")
        return join(segments[:runs], out)
    finally:
        if child.is_alive():                  # this process is failing or was interrupted
            child.terminate()
            child.join(5)
        for s in segments:
            s.unlink(missing_ok=True)
        if child.pid:
            remove_temporaries(Path(out).parent, [child.pid])    # what a stopped child was writing


def second_run(draw_run, job: Job, segment: Path, fmt: str) -> None:
    """In the second process: draw run 1 (nothing when the scene holds a single state) into ``segment``."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # the parent stops it; its temporary file goes with it
    writer = media.VideoWriter(segment, job.fps, fmt)
    try:
        runs = draw_run(job, 1, writer)
    except BaseException:
        writer.discard()
        raise
    if runs < 2:
        writer.discard()
    else:
        writer.close()
