"""Post-processing of rendered frames: cropping, GIF (one shared palette, frame differencing, gifsicle),
MP4/WebM (PyAV), PNG/JPG stills. Every file is written to a temporary name and renamed into place, so a failed
render never leaves a half-written file. No Manim here: frames are numpy arrays.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import zlib
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convviz.files import atomic_path


@dataclass
class Frame:
    pixels: np.ndarray      # (H, W, 3 or 4) uint8
    seconds: float


def _rgb(frame: np.ndarray) -> np.ndarray:
    return frame[..., :3] if frame.shape[-1] == 4 else frame


def colour_keys(pixels: np.ndarray) -> np.ndarray:
    """(H, W) uint32: each pixel of an (H, W, 3 or 4) uint8 frame as one number, r | g << 8 | b << 16 (alpha
    dropped). Of an RGBA frame, its four bytes read as one little-endian number, masked: one pass."""
    if pixels.shape[-1] == 4 and pixels.flags.c_contiguous:
        return pixels.view("<u4")[..., 0] & np.uint32(0xFFFFFF)
    keys = pixels[..., 0].astype(np.uint32)
    keys |= pixels[..., 1].astype(np.uint32) << 8
    keys |= pixels[..., 2].astype(np.uint32) << 16
    return keys


def key_colours(keys: np.ndarray) -> np.ndarray:
    """The (H, W, 3) uint8 frame of ``colour_keys``."""
    keys = np.ascontiguousarray(keys, dtype="<u4")
    return np.ascontiguousarray(keys.view(np.uint8).reshape(*keys.shape, 4)[..., :3])


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    """``np.array_equal`` of two frames, compared eight bytes at a time: its temporary array of results is an
    eighth of a frame's size (a frame-sized one costs more in fresh memory than the comparison itself)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.flags.c_contiguous and b.flags.c_contiguous and a.nbytes % 8 == 0:
        return bool(np.array_equal(a.reshape(-1).view(np.uint64), b.reshape(-1).view(np.uint64)))
    return bool(np.array_equal(a, b))


def merge_identical(frames: list[Frame]) -> list[Frame]:
    """Consecutive identical frames become one frame shown for their summed time."""
    out: list[Frame] = []
    for f in frames:
        if out and _equal(out[-1].pixels, f.pixels):
            out[-1] = Frame(out[-1].pixels, out[-1].seconds + f.seconds)
        else:
            out.append(f)
    return out


# ------------------------------------------------------------------------------------------ streaming writers
class FrameWriter:
    """Takes frames one at a time as they are drawn (``add``) and writes them out as it goes; consecutive
    identical frames are merged into one shown for their summed time. Only the last distinct frame is held in
    memory. Use as a context manager: the file appears on a clean exit, nothing is left on an error.
    ``count`` is the number of distinct frames so far (the current one included)."""

    def __init__(self):
        self.pending: Frame | None = None
        self.count = 0

    def add(self, pixels: np.ndarray, seconds: float) -> None:
        p = self.pending
        if p is not None and (p.pixels is pixels or _equal(p.pixels, pixels)):
            self.pending = Frame(p.pixels, p.seconds + seconds)
            return
        if p is not None:
            self.emit(p)
        self.pending = Frame(pixels, seconds)
        self.count += 1

    def emit(self, frame: Frame) -> None:          # a finished distinct frame
        raise NotImplementedError

    def finish(self) -> None:                      # all frames emitted: complete the file
        pass

    def discard(self) -> None:                     # an error: remove whatever was written
        pass

    def close(self) -> None:
        if self.pending is not None:
            self.emit(self.pending)
            self.pending = None
        if self.count == 0:
            raise RuntimeError("the scene held no frame: nothing to write")
        self.finish()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.close()
                return False
            except BaseException:
                self.discard()
                raise
        self.discard()
        return False


class ListWriter(FrameWriter):
    """Keeps the frames in ``frames`` (what tests, slides and notebooks read; short scenes only)."""

    def __init__(self):
        super().__init__()
        self.frames: list[Frame] = []

    def emit(self, frame: Frame) -> None:
        self.frames.append(frame)


class LastOnly(FrameWriter):
    """Passes on only the final frame, shown at least ``min_seconds`` (``single_frame`` renders), to ``inner``
    when closed (``inner`` is closed by its owner)."""

    def __init__(self, inner: FrameWriter, min_seconds: float):
        super().__init__()
        self.inner, self.min_seconds = inner, min_seconds

    def emit(self, frame: Frame) -> None:
        self.last = frame

    def finish(self) -> None:
        self.inner.add(self.last.pixels, max(self.min_seconds, 1.0))


REORDER_WINDOW = 32      # packets: more than any H.264 encoder reorders (x264 allows at most 16 B-frames)


class PacketTimes:
    """Decoding times for encoded packets given in decoding order with their true showing times (``pts``) and
    durations, then ``mux(packet)``: each as late as it can be, ``min(pts, next packet's decoding time - 1)``,
    worked out over the next ``REORDER_WINDOW`` packets. A frame is then decoded just before it shows, even
    after a long held frame (the encoder's own decoding times, a fixed number of frames behind, would fall far
    behind there), and the last packet, decoded last, shows last: MP4 takes the video's length from the last
    packet's decoding time plus its duration, which ``close(end)`` makes reach ``end``."""

    def __init__(self, mux):
        self.mux, self.queue, self.last = mux, deque(), None

    def add(self, packet) -> None:
        self.queue.append(packet)
        if len(self.queue) > REORDER_WINDOW:
            self._emit()

    def close(self, end: int) -> None:
        """Mux the packets still held; the last one lasts until ``end``."""
        while self.queue:
            self._emit(end if len(self.queue) == 1 else None)

    def _emit(self, end: int | None = None) -> None:
        packet = self.queue.popleft()
        dts = packet.pts
        for i, later in enumerate(self.queue, 1):
            dts = min(dts, later.pts - i)
        if self.last is not None and dts <= self.last:
            dts = self.last + 1
        if dts > packet.pts:
            raise RuntimeError("the video encoder reorders frames further than convviz can time them")
        packet.dts = self.last = dts
        if end is not None:
            packet.duration = max(1, end - dts)
        self.mux(packet)


class VideoWriter(FrameWriter):
    """MP4 (H.264) or WebM (VP9) encoded as the frames arrive: each distinct frame converted to YUV once.

    A frame held for n frame times is encoded once, or twice when n > 1: at the first and at the last of them,
    so that it shows for its whole time in any player, the video's last frame too. The encoder sees the
    frames one frame time apart, as if each were shown once; the packets then get their true time stamps
    (``_retime``): H.264 keeps its B-frames, whose reordered decoding times need the regular steps, and the
    encoder does not compare a held frame with itself n times over. A smooth cnn-gif2 at 15 fps has 137
    distinct frames shown as 419: its process draws and encodes in two thirds of the time, and the file is
    smaller."""

    copies_on_emit = True       # a frame's pixels are copied when it is emitted: its array may then be reused

    def __init__(self, path: Path, fps: int, fmt: str | None = None, threads: int = 0):
        super().__init__()
        self.path, self.fps, self.threads = Path(path), fps, threads      # encoder threads (0: the codec's choice)
        self.format = fmt or self.path.suffix.lstrip(".").lower()      # x.MP4 is an mp4
        self.codec = {"mp4": "libx264", "webm": "libvpx-vp9"}[self.format]
        self._atomic = atomic_path(self.path)
        self.tmp = self._atomic.__enter__()
        self.container = self.stream = None
        self._staging = None            # the frame the pixels are copied into before conversion
        self.pts = 0                    # where the next frame starts, in frame times
        self._times: list[int] = []     # the true time of each frame the encoder was given, in its order
        self._timing = None             # ``PacketTimes`` muxing the packets

    def _open(self, w: int, h: int) -> None:
        import av

        self.container = av.open(str(self.tmp), mode="w", format=self.format)
        self.stream = self.container.add_stream(self.codec, rate=self.fps)
        self._timing = PacketTimes(self.container.mux)
        self.stream.width, self.stream.height, self.stream.pix_fmt = w, h, "yuv420p"
        if self.threads:
            self.stream.codec_context.thread_count = self.threads
        # x264 "veryfast": a third less encoding time than "medium" for these flat pictures, at the same quality
        # (crf 20) and about the same size
        self.stream.options = ({"crf": "20", "preset": "veryfast"} if self.codec == "libx264"
                               else {"crf": "32", "b": "0", "row-mt": "1"})

    def emit(self, frame: Frame) -> None:
        import av

        pixels = frame.pixels
        h, w = pixels.shape[0] - pixels.shape[0] % 2, pixels.shape[1] - pixels.shape[1] % 2   # even sizes
        if self.container is None:
            self._open(w, h)
        c = pixels.shape[-1]
        staging = self._staging
        if staging is None or (staging.width, staging.height, len(staging.format.components)) != (w, h, c):
            self._staging = av.VideoFrame(w, h, "rgba" if c == 4 else "rgb24")
        plane = self._staging.planes[0]     # the pixels copied in row by row (a third of from_ndarray's time)
        np.frombuffer(plane, np.uint8).reshape(h, plane.line_size)[:, :w * c] = pixels[:h, :w].reshape(h, w * c)
        vf = self._staging.reformat(format="yuv420p")
        n = max(1, int(round(frame.seconds * self.fps)))
        first = len(self._times)
        self._times += [self.pts, self.pts + n - 1][:1 + (n > 1)]
        self.pts += n
        for i in range(first, len(self._times)):
            vf.pts = i
            for packet in self.stream.encode(vf):
                self._mux(packet)

    def _retime(self, t: int) -> int:
        """The true time of the frame the encoder was given ``t``-th (the end after the last)."""
        return self._times[t] if t < len(self._times) else self.pts

    def _mux(self, packet) -> None:
        """An encoded packet at its true time, lasting until the next frame (``PacketTimes`` times its
        decoding and muxes it)."""
        t = packet.pts
        packet.pts, packet.duration = self._retime(t), self._retime(t + 1) - self._retime(t)
        self._timing.add(packet)

    def finish(self) -> None:
        try:
            for packet in self.stream.encode():
                self._mux(packet)
            self._timing.close(self.pts)
            self.container.close()
        finally:
            self._release()
        self._atomic.__exit__(None, None, None)

    def discard(self) -> None:
        if self.container is not None:
            try:
                self.container.close()
            except Exception:
                pass
        self._release()
        self._atomic.__exit__(RuntimeError, RuntimeError("discarded"), None)

    def _release(self) -> None:
        """Drop the container and stream now: PyAV frees the encoder (and stops libvpx's worker threads) only
        when they are released. Left to the garbage collector, a worker process forked meanwhile inherits the
        encoder without its threads and hangs freeing it."""
        self.container = self.stream = self._staging = self._timing = None


# Colours of a GIF's one palette: the theme's flat colours plus anti-aliasing shades. 28 look like 40 at 2x zoom
# and, with the table at 32 entries (5-bit codes), make the notes' six GIFs 7 % smaller (0.49 of the originals'
# bytes against 0.53; bench/notes.py --gifs).
GIF_COLOURS = 28
GIF_FRAMES_IN_MEMORY = 24 * 2**20      # bytes of changed rows a GIF writer keeps as they are before spooling
GIF_ROW_GAP = 8                        # unchanged rows between two changed runs kept with them (one run, not two)


def changed_runs(keys: np.ndarray, before: np.ndarray | None,
                 gap: int = GIF_ROW_GAP) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """Where frame ``keys`` differs from ``before`` (everywhere if there is none): the runs of rows (start,
    end), runs fewer than ``gap`` rows apart joined, and the span of columns (start, end).

    >>> a = np.zeros((30, 4), np.uint32); b = a.copy(); b[2, 1] = b[5, 0] = b[20:22, 1] = 1
    >>> changed_runs(b, a), changed_runs(b, None), changed_runs(a, a)
    (([(2, 6), (20, 22)], (0, 2)), ([(0, 30)], (0, 4)), ([], (0, 0)))
    """
    if before is None or before.shape != keys.shape:
        return [(0, keys.shape[0])], (0, keys.shape[1])
    differs = keys != before
    rows = np.flatnonzero(np.any(differs, axis=1))
    if not len(rows):
        return [], (0, 0)
    cols = np.flatnonzero(np.any(differs[rows[0]: rows[-1] + 1], axis=0))
    cuts = np.flatnonzero(np.diff(rows) > gap)
    starts = np.concatenate([rows[:1], rows[cuts + 1]])
    ends = np.concatenate([rows[cuts], rows[-1:]]) + 1
    return list(zip(starts.tolist(), ends.tolist())), (int(cols[0]), int(cols[-1]) + 1)


class GifWriter(FrameWriter):
    """A looping GIF with one palette shared by all frames and per-frame durations, in bounded memory: each
    frame is kept as the runs of rows that changed from the frame before (``changed_runs``, in ``colour_keys``),
    the first ones as they are (up to ``GIF_FRAMES_IN_MEMORY`` bytes), the rest spooled to a scratch file
    (zlib) as they arrive; at the end the palette is chosen from up to 12 frames (as before streaming), each
    frame is quantised (its changed rows looked up) and appended to the GIF one at a time, as the rectangle
    that changed (left in place: the frames shown are the same), and gifsicle -O3 (when installed) chooses
    the smallest way to code the changes, reading from disk (from a smaller file, to the same bytes)."""

    def __init__(self, path: Path, colors: int = GIF_COLOURS, optimize: bool = True, exact: tuple = ()):
        super().__init__()
        self.path, self.colors, self.optimize, self.exact = Path(path), colors, optimize, tuple(exact)
        self._atomic = atomic_path(self.path)
        self.tmp = self._atomic.__enter__()
        self.spool_path = _sibling(self.tmp, "spool")
        self.spool = open(self.spool_path, "wb")
        self.index: list[tuple] = []        # per frame: offset, length, changed runs, changed columns, seconds
        self._held: list[list[np.ndarray]] = []     # the first frames' changed rows, up to GIF_FRAMES_IN_MEMORY
        self._held_bytes = 0
        self._last: np.ndarray | None = None        # the frame emitted last, in colour keys
        self.shape: tuple | None = None

    def emit(self, frame: Frame) -> None:
        keys = colour_keys(frame.pixels)             # a new array: the frame as the palette map reads it
        if self.shape is None:
            self.shape = keys.shape
        elif keys.shape != self.shape:
            raise ValueError(f"a GIF's frames are one size: {keys.shape[1]}x{keys.shape[0]} after "
                             f"{self.shape[1]}x{self.shape[0]}")
        runs, cols = changed_runs(keys, self._last)
        self._last = keys
        parts = [keys[a:b] for a, b in runs]
        size = sum(p.nbytes for p in parts)
        if self._held_bytes + size <= GIF_FRAMES_IN_MEMORY:      # a short GIF: no compression round trip
            self._held.append([p if p.shape == keys.shape else p.copy() for p in parts])   # not views of keys
            self._held_bytes += size
            self.index.append((-len(self._held), 0, tuple(runs), cols, frame.seconds))
            return
        data = zlib.compress(b"".join(p.tobytes() for p in parts), 1)
        self.index.append((self.spool.tell(), len(data), tuple(runs), cols, frame.seconds))
        self.spool.write(data)

    def _frames(self):
        """Each frame in order: (its colour keys, updated in place, its changed runs and columns, its seconds)."""
        keys = np.zeros(self.shape, dtype=np.uint32)
        for off, n, runs, cols, seconds in self.index:
            if off < 0:
                parts = self._held[-off - 1]
            else:
                self.spool.seek(off)
                flat = np.frombuffer(zlib.decompress(self.spool.read(n)), dtype=np.uint32)
                cut = np.cumsum([(b - a) * self.shape[1] for a, b in runs])[:-1]
                parts = [p.reshape(-1, self.shape[1]) for p in np.split(flat, cut)]
            for (a, b), p in zip(runs, parts):
                keys[a:b] = p
            yield keys, runs, cols, seconds

    def finish(self) -> None:
        self.spool.close()
        self.spool = open(self.spool_path, "rb")
        sampled = sample_indices(len(self.index))
        h, w = self.shape
        sheet = np.empty((len(sampled) * h, w), dtype=np.uint32)          # the sampled frames, one above another
        at = {i: n * h for n, i in enumerate(sampled)}
        for i, (keys, _, _, _) in enumerate(self._frames()):
            if i in at:
                sheet[at[i]: at[i] + h] = keys
        palette = key_palette(sheet, self.colors, self.exact)
        indices = np.zeros(self.shape, dtype=np.uint8)
        with open(self.tmp, "wb") as out:
            out.write(_gif_header(w, h, palette))
            mapping = PaletteMap(palette)
            for keys, runs, (c0, c1), seconds in self._frames():
                mapping.update(indices, keys, runs)
                r0, r1 = (runs[0][0], runs[-1][1]) if runs else (0, 1)
                c1 = max(c1, c0 + 1)
                box = mapping.indexed_image(np.ascontiguousarray(indices[r0:r1, c0:c1]))
                out.write(_gif_frame(box, max(2, int(round(seconds * 100))), (c0, r0)))
            out.write(b"\x3b")
        self._close_spool()
        gifsicle = shutil.which("gifsicle")
        if self.optimize and gifsicle:
            # to a second file, not in place (-b): a gifsicle stopped by a signal leaves no file of its own
            # behind, and subprocess.run kills it when the signal's exception reaches here
            done = _sibling(self.tmp, "opt")
            try:
                with open(done, "wb") as f:
                    subprocess.run([gifsicle, "-O3", "--no-comments", "--no-names", str(self.tmp)], check=True,
                                   stdout=f, stderr=subprocess.PIPE)
                if done.stat().st_size == 0:
                    raise RuntimeError(f"gifsicle wrote nothing for {self.path.name}")
                os.replace(done, self.tmp)
            finally:
                done.unlink(missing_ok=True)
        self._atomic.__exit__(None, None, None)

    def _close_spool(self) -> None:
        if self.spool is not None:
            self.spool.close()
            self.spool = None
        self.spool_path.unlink(missing_ok=True)

    def discard(self) -> None:
        self._close_spool()
        self._atomic.__exit__(RuntimeError, RuntimeError("discarded"), None)


def _sibling(tmp: Path, tag: str) -> Path:
    """A second temporary file beside ``tmp`` named like it (``….gif.part`` → ``….gif.TAG.part``), so the
    clean-up of an interrupted run (``files.remove_temporaries``) finds it too."""
    name = tmp.name
    return tmp.with_name(name[: -len(".part")] + f".{tag}.part" if name.endswith(".part") else f"{name}.{tag}")


def _gif_header(w: int, h: int, palette: np.ndarray) -> bytes:
    """GIF89a header, global colour table (``palette`` padded to a power of two) and loop-forever extension."""
    bits = max(1, int(np.ceil(np.log2(max(2, len(palette))))))
    table = np.zeros((2 ** bits, 3), dtype=np.uint8)
    table[: len(palette)] = palette
    screen = struct.pack("<HHBBB", w, h, 0x80 | ((bits - 1) << 4) | (bits - 1), 0, 0)
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", 0) + b"\x00"
    return b"GIF89a" + screen + table.tobytes() + loop


def _gif_frame(im, delay_cs: int, at: tuple[int, int] = (0, 0)) -> bytes:
    """One frame's graphic control extension (``delay_cs`` hundredths of a second, disposal: leave in place)
    and its image block, LZW-coded by Pillow (a one-frame GIF of ``im`` whose image block is taken out), placed
    with its top-left corner at pixel ``at`` (x, y) of the GIF."""
    buf = io.BytesIO()
    im.save(buf, format="GIF", optimize=False, interlace=False)
    data = buf.getvalue()
    pos = 13 + (3 * 2 ** ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    while data[pos] == 0x21:                                      # extensions Pillow wrote: skip them
        pos += 2
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    if data[pos] != 0x2C:
        raise ValueError("unexpected GIF block from Pillow")
    start, flags = pos, data[pos + 9]
    pos += 10 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0) + 1     # descriptor, local table, LZW size
    while data[pos]:
        pos += data[pos] + 1
    control = b"\x21\xf9\x04" + bytes([1 << 2]) + struct.pack("<H", delay_cs) + b"\x00\x00"
    return control + data[start: start + 1] + struct.pack("<HH", *at) + data[start + 5: pos + 1]


def write_gif(frames: list[Frame], path: Path, colors: int = GIF_COLOURS, optimize: bool = True,
              exact: tuple = ()) -> Path:
    """``frames`` as a GIF through ``GifWriter`` (for frames already in memory)."""
    with GifWriter(path, colors, optimize, exact) as w:
        for f in frames:
            w.add(f.pixels, f.seconds)
    return Path(path)


def sample_indices(n: int, samples: int = 12) -> list[int]:
    """Which of ``n`` frames the GIF palette is chosen from: all up to ``samples``, else evenly spread."""
    return list(range(n)) if n <= samples else [int(i) for i in np.linspace(0, n - 1, samples).astype(int)]


def shared_palette(samples: list[np.ndarray], colors: int, exact: tuple = ()):
    """One palette for every frame, chosen from the (H, W, 3 or 4) frames ``samples``: ``key_palette`` of them
    one above another."""
    return key_palette(np.concatenate([colour_keys(f) for f in samples], axis=0), colors, exact)


def key_palette(keys: np.ndarray, colors: int, exact: tuple = ()):
    """One palette for every frame, from ``keys`` (the ``colour_keys`` of sampled frames, one above another):
    the figure's own colours are kept exactly: those of ``exact`` (the theme's colours, as (r, g, b)) that
    cover at least 16 pixels, then the flat colours covering the most pixels (background, fills, strokes);
    median cut fills the rest (anti-aliased edges). A small mark in a theme colour (a bias outline, a marker
    beside a stroke of a close colour) keeps its colour."""
    from PIL import Image

    keys = np.ascontiguousarray(keys, dtype="<u4")
    h, w = keys.shape
    sheet = Image.frombuffer("RGBX", (w, h), keys, "raw", "RGBX", 0, 1)     # the keys' bytes as they are
    n_pixels = w * h
    found = sheet.getcolors(maxcolors=n_pixels)                 # (count, (r, g, b, 0)), counted in C
    counts = np.array([c for c, _ in found], dtype=np.int64)
    values = np.array([(r << 16) | (g << 8) | b for _, (r, g, b, _) in found], dtype=np.int64)
    order = np.argsort(values, kind="stable")                   # as np.unique would list them
    values, counts = values[order], counts[order]
    wanted = {(int(r) << 16) | (int(g) << 8) | int(b) for r, g, b in exact}
    present = [int(v) for v, c in zip(values, counts) if int(v) in wanted and c >= 16]
    top = np.argsort(-counts, kind="stable")[: colors // 2]
    flat = [int(v) for v in values[top][counts[top] >= n_pixels // 2000]]      # at least 0.05 % of the pixels
    keep = list(dict.fromkeys(present + flat))[: max(colors // 2, len(present))]
    kept = [((v >> 16) & 255, (v >> 8) & 255, v & 255) for v in keep]
    n_rest = max(2, colors - len(kept))
    # median cut over every third pixel of every third row: as good for the edge colours (a frame's pixels are
    # many and alike; 12 samples thinned so choose a palette as 24 at every other pixel did, within 0.5 % of the
    # notes GIFs' bytes), a ninth of the time
    thin = Image.fromarray(key_colours(keys[::3, ::3]))
    rest = thin.quantize(colors=n_rest, method=Image.Quantize.MEDIANCUT,
                         dither=Image.Dither.NONE).getpalette()[: 3 * n_rest]
    merged = list(kept)
    for i in range(0, len(rest), 3):
        c = tuple(rest[i:i + 3])
        if c not in merged:
            merged.append(c)
    return np.array(merged[:256], dtype=np.uint8)


class PaletteMap:
    """Maps frames to one palette, each pixel to its nearest palette colour exactly (Pillow's own palette
    conversion is approximate: it turned pure white into #F9F9FA). A colour's index is looked up once and kept
    in a table over all 2^24 colours, indexed by ``colour_keys``, so a frame costs one table lookup per pixel;
    of a frame following another (``image``, ``lookup_after``), only the rows that changed are looked up. The
    table holds index + 1, 0 for a colour not looked up yet: zeros cost nothing until a page of them is
    touched (the system maps zeroed memory lazily), a table filled with a mark costs 32 MB of writes."""

    def __init__(self, palette: np.ndarray):
        self.palette = np.asarray(palette, dtype=np.uint8)
        flat = self.palette.reshape(-1).tolist()
        self._flat = flat + flat[:3] * (256 - len(self.palette))
        self._index = np.zeros(1 << 24, dtype=np.uint16)
        self._last: tuple | None = None        # (the keys mapped last, their indices)

    def indices(self, rgb: np.ndarray) -> np.ndarray:
        """(H, W) palette indices of ``rgb`` (H, W, 3 or 4)."""
        return self.lookup(colour_keys(rgb))

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """(H, W) palette indices of a frame's ``colour_keys``."""
        found = self._index[keys]
        unknown = found == 0
        if unknown.any():
            uniq = np.unique(keys[unknown]).astype(np.int64)
            cols = np.stack([uniq & 255, (uniq >> 8) & 255, (uniq >> 16) & 255], axis=1)
            dist = ((cols[:, None, :] - self.palette[None, :, :].astype(np.int64)) ** 2).sum(axis=-1)
            self._index[uniq] = dist.argmin(axis=1) + 1
            found = self._index[keys]
        found -= 1
        return found.astype(np.uint8)

    def lookup_after(self, keys: np.ndarray) -> np.ndarray:
        """``lookup(keys)``, looking up only the rows where ``keys`` differ from the frame given last (kept, not
        copied: ``keys`` must not change afterwards)."""
        last = self._last
        if last is None or last[0].shape != keys.shape:
            out = self.lookup(keys)
        else:
            out = last[1].copy()
            self.update(out, keys, changed_runs(keys, last[0])[0])
        self._last = (keys, out)
        return out

    def update(self, indices: np.ndarray, keys: np.ndarray, runs) -> None:
        """Look up the runs of rows ``runs`` ((start, end), ``changed_runs``) of ``keys`` into ``indices``; the
        other rows stay as they are."""
        for a, b in runs:
            indices[a:b] = self.lookup(keys[a:b])

    def image(self, keys: np.ndarray):
        """A Pillow "P" image of a frame's ``colour_keys`` on the palette (mapped after the frame before)."""
        return self.indexed_image(self.lookup_after(keys))

    def indexed_image(self, indices: np.ndarray):
        """A Pillow "P" image of (H, W) palette ``indices`` (which it may share: use it before they change)."""
        from PIL import Image

        im = Image.fromarray(indices, mode="P")
        im.putpalette(self._flat)
        return im

    def __call__(self, rgb: np.ndarray):
        """``image`` of an (H, W, 3 or 4) frame."""
        return self.image(colour_keys(rgb))


def to_palette(rgb: np.ndarray, palette: np.ndarray):
    """``rgb`` as a Pillow "P" image on ``palette`` (``PaletteMap``, for one frame)."""
    return PaletteMap(palette)(rgb)


def write_video(frames: list[Frame], path: Path, fps: int) -> Path:
    """``frames`` as MP4 (H.264) or WebM (VP9) through ``VideoWriter`` (for frames already in memory)."""
    with VideoWriter(path, fps) as w:
        for f in frames:
            w.add(f.pixels, f.seconds)
    return Path(path)


def write_still(pixels: np.ndarray, path: Path) -> Path:
    """PNG (lossless, optimised) or JPG (quality 92, 4:4:4 so coloured text stays sharp)."""
    from PIL import Image

    path = Path(path)
    im = Image.fromarray(_rgb(pixels))
    with atomic_path(path) as tmp:
        if path.suffix.lower() in (".jpg", ".jpeg"):
            im.save(tmp, format="JPEG", quality=92, subsampling=0, optimize=True)
        else:
            im.save(tmp, format="PNG", optimize=True)
    return path
