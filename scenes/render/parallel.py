"""Smooth video drawn in two processes: the storyboard runs once and keeps every frame's outlines
(``FrameSink.keep_frame``); the process then forks, the child draws and encodes the second half of the frames
into a segment while the parent draws the first, and the segments are joined packet by packet (no second
encoding). Each process encodes in its own thread only: with two processes on two cores, the encoder's thread
pools cost more in waiting than they gain (a tenth of a medium-quality render).

The fork happens after the storyboard, so the child inherits the kept frames and the typeset text (copy on
write) and starts drawing at once: no second import, no second storyboard. It is taken only when no other
thread runs in the process (forking a process whose threads hold locks can hang); otherwise, or when the
frames could not be kept, one process draws everything. Each segment starts with a key frame; the joined file
has the frames and durations of a one-process render (lossy encoding aside).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time
from fractions import Fraction
from pathlib import Path

from scenes.render import media
from scenes.render.progress import drawing
from convviz.files import atomic_path, remove_temporaries


def processes() -> int:
    """How many processes draw a smooth video: ``$CONVVIZ_RENDER_PROCESSES``, else 2 on a machine with two
    cores or more."""
    env = os.environ.get("CONVVIZ_RENDER_PROCESSES", "")
    if env.strip().isdigit() and int(env) >= 1:
        return min(int(env), 2)
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def fork_is_safe() -> bool:
    """No thread but this one runs Python here (tqdm's monitor aside, which the child never uses)."""
    return all(t is threading.main_thread() or type(t).__name__ == "TMonitor" for t in threading.enumerate())


MIN_SPLIT = 8          # fewer frames are drawn in one process


FIRST_SHARE = 0.5      # of the frames, drawn by this process (joining the segments takes it 0.02 s)


def cut(states: list) -> int | None:
    """Where the second process's frames begin: the tweened frame after a held state nearest ``FIRST_SHARE``
    of the way (a held state ends in the first segment, a tween starts the second), or None when the frames
    are too few to share.

    >>> cut([([], 1, True)] + [([], 0.1, False)] * 4 + [([], 1, True)] + [([], 0.1, False)] * 4)
    6
    >>> cut([([], 1, True)] * 3) is None
    True
    """
    starts = [i for i in range(1, len(states)) if states[i - 1][2] and not states[i][2]]
    if len(states) < MIN_SPLIT or not starts:
        return None
    return min(starts, key=lambda i: abs(i - FIRST_SHARE * len(states)))


def segment_path(out: Path, k: int) -> Path:
    """Where segment ``k`` is encoded: beside ``out``, named like the temporary files an interrupted run sweeps
    (``files.remove_temporaries``)."""
    out = Path(out)
    return out.with_name(f".{out.stem[:60]}.{os.getpid()}.seg{k:05d}{out.suffix}.part")


def join(segments: list[Path], out: Path, lengths: list[int], fps: int) -> Path:
    """The segments' packets one after the other in one file, written atomically. Segment k lasts
    ``lengths[k]`` frame times (its writer's ``VideoWriter.pts``): its packets are shifted by the lengths
    before it, each lasts until the next frame shows (the demuxer gives the decoding steps instead), and
    ``media.PacketTimes`` times their decoding across the seams."""
    import av

    fmt = Path(out).suffix.lstrip(".").lower()
    with atomic_path(out) as tmp:
        inputs = [av.open(str(s)) for s in segments]
        try:
            with av.open(str(tmp), mode="w", format=fmt) as container:
                stream = container.add_stream_from_template(inputs[0].streams.video[0])
                timing = media.PacketTimes(container.mux)
                unit = Fraction(1, fps)
                start = 0                                      # frame times before this segment
                for inp, length in zip(inputs, lengths):
                    src = inp.streams.video[0]
                    scale = Fraction(src.time_base) / unit     # the segment's times in frame times
                    packets = [p for p in inp.demux(src) if p.dts is not None]   # (not the flush packet)
                    shown = sorted({round(p.pts * scale) for p in packets}) + [length]
                    until = dict(zip(shown, shown[1:]))
                    for packet in packets:
                        pts = round(packet.pts * scale)
                        packet.stream = stream
                        packet.time_base = unit
                        packet.pts, packet.duration = start + pts, until[pts] - pts
                        timing.add(packet)
                    start += length
                timing.close(start)
        finally:
            for inp in inputs:
                inp.close()
    return Path(out)


STALL_SECONDS = 120    # a drawing process that draws no frame for this long is stopped (no frame takes 1 s)


def _child(draw_frames, states, segment: Path, fps: int, fmt: str, drawn, length) -> None:
    """In the forked process: draw ``states`` into ``segment``, counting them in ``drawn`` and putting its
    length in frame times in ``length`` (both shared); the exit code says how it went."""
    gc.freeze()                     # never free what the parent made (its libraries' threads are not here)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # the parent stops it; its temporary file goes with it
    for s in (signal.SIGINT, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)            # the parent handles Ctrl-C and a hang-up, then stops it
    writer = media.VideoWriter(segment, fps, fmt, threads=1)
    try:
        draw_frames(states, writer, lambda: setattr(drawn, "value", drawn.value + 1))
    except BaseException:
        writer.discard()
        raise
    writer.close()
    length.value = writer.pts


def _wait(child, drawn, stall: float | None = None) -> None:
    """Wait for ``child`` to end; fail if it draws no frame for ``stall`` seconds (``STALL_SECONDS``): the
    caller's clean-up then stops it."""
    stall = STALL_SECONDS if stall is None else stall
    seen, since = drawn.value, time.monotonic()
    while child.is_alive():
        child.join(0.5)
        if drawn.value != seen:
            seen, since = drawn.value, time.monotonic()
        elif time.monotonic() - since > stall:
            raise RuntimeError(f"a drawing process drew nothing for {stall:.0f} s and was stopped")
    if child.exitcode != 0:
        raise RuntimeError(f"a drawing process failed (exit {child.exitcode})")


def render_in_two(out: Path, fmt: str, fps: int, animate, draw_states) -> Path:
    """Render into ``out`` with the frames shared by two processes. ``animate(writer, draw)`` runs the scene
    (``capture._animation``) and calls ``draw(scene, sink, fit, writer, bar)`` with the kept frames;
    ``draw_states(scene, states, fit, writer, sink, on_state)`` draws some of them (``capture._draw_kept``).
    A failed or interrupted child leaves no segment."""
    segments = [segment_path(out, k) for k in range(2)]
    children: list = []
    lengths: list = []                                  # the child's segment length (shared)

    def draw(scene, sink, fit, writer, bar):
        states, on_state = sink.states, (lambda: bar.update(1)) if bar is not None else None
        k = cut(states) if fork_is_safe() else None
        sink.writer = writer
        drawn = None
        if k is not None:
            ctx = multiprocessing.get_context("fork")
            drawn = ctx.Value("l", 0, lock=False)                  # the child's frames so far
            lengths.append(ctx.Value("l", 0, lock=False))         # its segment's length, once written
            child = ctx.Process(target=_child, daemon=True, args=(
                lambda part, w, count: draw_states(scene, part, fit, w, on_state=count), states[k:],
                segments[1], fps, fmt, drawn, lengths[-1]))
            try:
                child.start()
            except OSError:                     # no process to be had (memory, process limit): draw them all
                k = None
                lengths.pop()
            else:
                children.append(child)
                states = states[:k]
                writer.threads = 1              # two processes on two cores: no encoder threads besides
        drawing(bar, scene, len(states), "frame")          # this process's frames
        draw_states(scene, states, fit, writer, sink, on_state)
        for child in children:
            _wait(child, drawn)

    try:
        with media.VideoWriter(segments[0], fps, fmt) as writer:
            animate(writer, draw)
        return join(segments[:1 + len(children)], out, [writer.pts] + [n.value for n in lengths], fps)
    finally:
        for child in children:
            if child.is_alive():                  # this process is failing or was interrupted
                child.terminate()
                child.join(5)
        for s in segments:
            s.unlink(missing_ok=True)
        for child in children:
            remove_temporaries(Path(out).parent, [child.pid])    # what a stopped child was writing
