"""Issue 11, correctness of the faster rendering (speed lives in bench/render.py): frames are encoded as they are
drawn and the files hold the same frames and durations as the frames in memory; a still draws only the final
state, and it is the animation's final state; batch renders equal single renders byte for byte and are cached;
the text-outline and Cairo-path caches change no pixel."""

from __future__ import annotations

import os
import sys

import av
import numpy as np
import pytest
from PIL import Image

from convviz.app.cli import main
from convviz.catalogue import get_entry
from scenes.kit.base import ConvVizScene
from scenes.render import capture, media

SMALL = "no_padding_no_strides"          # 4 steps


def gif_frames(path):
    """[(RGB pixels, duration ms)] of every frame of a GIF, as a viewer shows them."""
    out = []
    with Image.open(path) as im:
        for i in range(im.n_frames):
            im.seek(i)
            out.append((np.asarray(im.convert("RGB")), im.info["duration"]))
    return out


def entry_parts(name, **options):
    e = get_entry(name)
    return e, e.resolve(), e.options(**options)


# ------------------------------------------------------------------------------------------------ streaming
def test_streamed_gif_has_the_frames_and_durations_held_in_memory(tmp_path):
    """The GIF written frame by frame (spooled, palettised one at a time, gifsicle) decodes to the frames the
    scene held, each shown for its held time; the palette is exact for these flat colours."""
    e, p, o = entry_parts(SMALL)
    held = capture.held_frames(e.scene, p, o, "gif", "low")
    out = capture.render(e.scene, p, o, tmp_path / "a.gif", "gif", "low")
    decoded = gif_frames(out)
    assert len(decoded) == len(held.frames) == 4
    palette = media.shared_palette([f.pixels[..., :3] for f in held.frames], media.GIF_COLOURS,
                                   capture.theme_colours(o.theme))
    for (pixels, ms), f in zip(decoded, held.frames):
        assert ms == round(f.seconds * 100) * 10
        assert np.array_equal(pixels, np.asarray(media.to_palette(f.pixels[..., :3], palette).convert("RGB")))
        assert np.abs(pixels.astype(int) - f.pixels[..., :3].astype(int)).mean() < 1.0
    assert [ms for _, ms in decoded] == [1000, 1000, 1000, int(o.final_hold * 1000)]


# frames all spooled, the first few kept, all kept; recoded by gifsicle or as written
@pytest.mark.parametrize("in_memory, optimize", [(0, True), (64 * 96 * 4 * 2, True), (2**30, True), (0, False),
                                                 (2**30, False)])
def test_gif_writer_equals_the_in_memory_reference_encoding(in_memory, optimize, tmp_path, monkeypatch):
    """GifWriter against Pillow's save_all of the same palettised frames (what was written before streaming):
    identical decoded frames and durations, consecutive duplicates merged, whether the frames were kept in
    memory or spooled to disk, and whether gifsicle recoded the file or not (each frame then the rectangle
    that changed, placed over the frame before)."""
    from scenes.render.media import shared_palette, to_palette

    monkeypatch.setattr(media, "GIF_FRAMES_IN_MEMORY", in_memory)

    rng = np.random.default_rng(3)
    frames = []
    for i in range(30):
        f = np.full((64, 96, 3), 255, np.uint8)
        f[5 + i: 20 + i, 10:40] = (200, 30, 30)
        f[40:50, 3 * i: 3 * i + 6] = rng.integers(0, 255, 3)
        frames.append(media.Frame(f, 0.5 if i % 3 else 1.0))
    frames.append(media.Frame(frames[-1].pixels.copy(), 2.0))             # a duplicate: merged
    media.write_gif(frames, tmp_path / "stream.gif", optimize=optimize)
    merged = media.merge_identical(frames)
    idx = media.sample_indices(len(merged))
    palette = shared_palette([merged[i].pixels for i in idx], media.GIF_COLOURS)
    pal = [to_palette(f.pixels, palette) for f in merged]
    pal[0].save(tmp_path / "ref.gif", save_all=True, append_images=pal[1:], loop=0, disposal=1,
                duration=[max(20, round(f.seconds * 100) * 10) for f in merged])
    a, b = gif_frames(tmp_path / "stream.gif"), gif_frames(tmp_path / "ref.gif")
    assert len(a) == len(b) == 30
    for (pa, da), (pb, db) in zip(a, b):
        assert da == db and np.array_equal(pa, pb)
    assert a[-1][1] == 2500                                                  # 0.5 + 2.0 s merged


@pytest.mark.parametrize("fmt,fps", [("mp4", 10), ("mp4", 30), ("webm", 10)])
def test_streamed_video_shows_each_held_frame_for_its_duration(fmt, fps, tmp_path):
    """A held frame is encoded at the first and the last frame time it covers, the time stamps skipping the
    rest (also where H.264 reorders B-frames): a player shows it from its start until the next frame's, the
    last one to the video's end."""
    e, p, o = entry_parts(SMALL, step_seconds=0.5)
    held = capture.held_frames(e.scene, p, o, fmt, "low", fps=fps)
    out = capture.render(e.scene, p, o, tmp_path / f"a.{fmt}", fmt, "low", fps=fps)
    with av.open(str(out)) as c:
        decoded = [(round(f.time * fps), f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
        duration = c.duration / av.time_base
    starts = np.cumsum([0] + [round(f.seconds * fps) for f in held.frames])
    expected = []                                    # (frame time, the held frame shown then)
    for f, a, b in zip(held.frames, starts, starts[1:]):
        ends = [b - 1] if b - a > 1 else []
        expected += [(t, f) for t in [a] + ends]
    assert [t for t, _ in decoded] == [t for t, _ in expected]
    for (_, pixels), (_, f) in zip(decoded, expected):     # lossy: close to its frame, far from the others
        assert np.abs(pixels.astype(int) - f.pixels[..., :3].astype(int)).mean() < 3.0
    assert abs(duration - starts[-1] / fps) < 1.1 / fps           # the last frame shown for its whole time


def test_packet_decoding_times_are_as_late_as_they_can_be_and_the_last_reaches_the_end():
    """``PacketTimes`` (reordered B-frames across a held frame): decoding times rise, none after its showing
    time, each the latest it can be; the last packet decodes when it shows and lasts until the end."""
    from types import SimpleNamespace

    # showing times in decoding order: I, then P after a long hold, the B-frames it references, ...
    shows = [0, 46, 1, 2, 47, 50, 48, 49, 90, 51]
    muxed = []
    timing = media.PacketTimes(muxed.append)
    for t in shows:
        timing.add(SimpleNamespace(pts=t, dts=None, duration=1))
    timing.close(95)
    dts = [m.dts for m in muxed]
    assert [m.pts for m in muxed] == shows
    assert all(a < b for a, b in zip(dts, dts[1:])) and all(d <= t for d, t in zip(dts, shows))
    # the latest possible: each is its own showing time or one before the next packet's decoding time
    assert all(d == min(t, nxt - 1) for d, t, nxt in zip(dts, shows, dts[1:] + [10**9]))
    assert dts == [-1, 0, 1, 2, 46, 47, 48, 49, 50, 51]
    assert muxed[-1].duration == 95 - 51 and [m.duration for m in muxed[:-1]] == [1] * 9


def test_joined_segments_last_as_long_as_their_frames_with_b_frames_across_holds(tmp_path):
    """Two segments ending in long held frames, joined: the MP4 lasts the sum of their lengths and shows each
    frame from its time (with the demuxer's decoding steps as durations, the video ended 3 s early)."""
    from scenes.render import parallel

    fps, segments, lengths, expected, start = 15, [], [], [], 0
    for k, holds in enumerate(([1.0] + [1 / 15] * 4 + [2.0], [1 / 15] * 5 + [1.0] + [1 / 15] * 3 + [3.0])):
        path = tmp_path / f"s{k}.mp4"
        with media.VideoWriter(path, fps) as w:
            for i, seconds in enumerate(holds):
                img = np.full((48, 64, 3), (20 * i + 110 * k) % 256, np.uint8)
                img[i * 4:i * 4 + 8, 8:24] = 255
                w.add(img, seconds)
                expected.append((start, img))
                start += round(seconds * fps)
        segments.append(path)
        lengths.append(w.pts)
    out = parallel.join(segments, tmp_path / "j.mp4", lengths, fps)
    with av.open(str(out)) as c:
        duration = c.duration / av.time_base
        frames = [(round(f.time * fps), f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert lengths == [49, 68] and abs(duration - 117 / fps) < 1e-6
    shown = {t: img for t, img in frames}
    for t, img in expected:
        assert np.abs(shown[t].astype(int) - img.astype(int)).mean() < 3.0
    assert max(shown) == 116                          # the last frame shown again at the video's last frame time


def test_frames_for_a_writer_that_copies_them_use_two_arrays_in_turn():
    """``capture._copy``: for a writer that copies each frame as it emits it (``VideoWriter``), the drawn
    pixels go into one of two arrays, never the one the writer still holds; other writers get new arrays."""
    ring, a, b = [], np.full((4, 6, 4), 1, np.uint8), np.full((4, 6, 4), 2, np.uint8)
    first = capture._copy(a, ring, None)
    second = capture._copy(b, ring, first)
    third = capture._copy(a, ring, second)
    assert third is first and second is not first and len(ring) == 2
    assert np.array_equal(third, a) and np.array_equal(second, b) and third is not a
    assert capture._copy(a, None, None) is not capture._copy(a, None, None)
    assert media.VideoWriter.copies_on_emit
    assert not any(getattr(w, "copies_on_emit", False) for w in (media.GifWriter, media.ListWriter, media.LastOnly))


def test_a_render_keeps_no_frame_list_and_leaves_no_spool(tmp_path, monkeypatch):
    """The file render streams: no ListWriter is made, and nothing but the file is left in its folder."""
    made = []
    monkeypatch.setattr(media.ListWriter, "__init__",
                        lambda self: made.append(1) or media.FrameWriter.__init__(self))
    e, p, o = entry_parts(SMALL)
    capture.render(e.scene, p, o, tmp_path / "a.gif", "gif", "low")
    capture.render(e.scene, p, o, tmp_path / "a.webm", "webm", "low")
    assert made == [] and sorted(os.listdir(tmp_path)) == ["a.gif", "a.webm"]


def test_a_writer_that_fails_leaves_nothing(tmp_path):
    w = media.GifWriter(tmp_path / "a.gif")
    with pytest.raises(RuntimeError):
        with w:
            w.add(np.zeros((8, 8, 3), np.uint8), 1.0)
            raise RuntimeError("drawing failed")
    assert os.listdir(tmp_path) == []


def test_a_gif_of_frames_of_two_sizes_is_refused_and_leaves_nothing(tmp_path):
    with pytest.raises(ValueError, match="one size"):
        with media.GifWriter(tmp_path / "a.gif") as w:
            w.add(np.zeros((8, 8, 3), np.uint8), 1.0)
            w.add(np.ones((8, 9, 3), np.uint8), 1.0)
            w.add(np.zeros((8, 8, 3), np.uint8), 1.0)
    assert os.listdir(tmp_path) == []


def _encoder_threads() -> list[str]:
    names = []
    for t in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{t}/comm") as f:
            names.append(f.read().strip())
    return [n for n in names if n.startswith("vpx")]


@pytest.mark.parametrize("end", ["close", "discard"])
def test_a_video_writer_frees_its_encoder_when_it_ends(end, tmp_path):
    """libvpx runs worker threads; a writer that has ended holds no encoder (a process forked later would
    inherit the encoder without its threads and hang freeing it)."""
    def write(name):
        w = media.VideoWriter(tmp_path / name, 15)
        for i in range(3):
            w.add(np.full((64, 64, 3), 40 * i, np.uint8), 0.2)
        w.emit(w.pending)
        return w

    w = write("held.webm")
    held = (w.container, w.stream)                # held elsewhere, a flushed encoder keeps its threads
    w.close()
    assert _encoder_threads()
    del held
    assert _encoder_threads() == []
    getattr(write("a.webm"), end)()
    assert _encoder_threads() == []
    assert sorted(os.listdir(tmp_path)) == (["a.webm", "held.webm"] if end == "close" else ["held.webm"])


class _Garbage:
    """A reference cycle that notes, in ``log``, the process that freed it."""

    def __init__(self, log):
        self.log, self.me = log, self

    def __del__(self):
        with open(self.log, "a") as f:
            f.write(f"{os.getpid()}\n")


def test_a_worker_never_frees_what_its_parent_left(tmp_path):
    """Garbage left by the parent is freed in the parent before the workers start, and a worker never
    collects what it inherited (the objects of a library whose threads it does not have)."""
    import gc

    from convviz.app.batch import worker_pool

    log = tmp_path / "freed"
    gc.disable()                                  # only the collections below free the cycles
    try:
        _Garbage(log)
        with worker_pool(1) as pool:
            _Garbage(log)                         # made after the pool, before its worker is forked
            assert pool.submit(gc.collect).result(timeout=60) >= 0
            assert pool.submit(gc.get_freeze_count).result(timeout=60) > 0
        gc.collect()
    finally:
        gc.enable()
    assert log.read_text().split() == [str(os.getpid())] * 2


# ------------------------------------------------------------------------------------------------ stills
STILL_CASES = [("conv2d", {}, ("output", "equations", "windows", "input", "kernel")),
               ("multichannel", {}, ("output", "input", "filters")),
               ("conv_transpose2d", {}, ("output", "views")),                      # scatter, then gather
               ("conv_transpose2d", {"bias": [2]}, ("output", "views")),
               ("conv_transpose2d", {"view": "scatter", "bias": [2]}, ("output",)),
               ("conv_transpose2d", {"view": "gather", "bias": [-1]}, ("output",)),
               ("cnn-figure15", {}, ("path", "marked")),                            # play_steps(passed=)
               ("cnn-figure7", {}, ("output_values", "marked")),
               ("cnn-figure8", {}, ("counts",)), ("cnn-figure9", {}, ("path",)), ("cnn-figure10", {}, ("info",))]


@pytest.mark.parametrize("name,changes,keys", STILL_CASES)
def test_a_still_is_the_final_state_of_the_animation_without_drawing_each_step(name, changes, keys):
    """The still's storyboard measures no step and builds only the last step's passing parts (``passing``);
    its pixels equal the animation's final state framed the same way, and what it records of the trace
    equals the full animation's record."""
    from dataclasses import replace

    e, p, o = entry_parts(name)
    p = replace(p, **{k: np.asarray(v) if k == "bias" else v for k, v in changes.items()})
    cls = capture.load_scene_class(e.scene)
    still_scene, still_pixels = capture._still(cls, p, o, "low", 15, 0)
    anim_scene, sink = capture.build_scene(cls, p, o, "low", still=False)
    for key in keys:
        assert repr(still_scene.drawn[key]) == repr(anim_scene.drawn[key]), key
    if name == "conv_transpose2d":
        for view in anim_scene.drawn["views"]:
            for key in ("windows", "equations", "marked", "stamps", "lines"):
                if key in anim_scene.drawn[view]:
                    assert still_scene.drawn[view][key] == anim_scene.drawn[view][key], (view, key)
    from manim import tempconfig
    with tempconfig(capture._config("low", 15, anim_scene.theme.background)):
        again = capture.still_frame(anim_scene, sink, "low")
    assert np.array_equal(again, still_pixels)
    scatter_bias = getattr(p, "view", None) == "scatter" and p.bias is not None     # the bias: one more state
    assert still_scene.steps_shown == (2 if scatter_bias else 1)
    assert anim_scene.steps_shown > still_scene.steps_shown


def test_a_large_still_renders_past_what_an_animation_may_draw(tmp_path, capsys):
    """28x28 input, 676 steps: the PNG shows the final state, every output cell written with its value."""
    from convviz.options import STILL_MIN_WIDTH

    out = tmp_path / "big.png"
    assert main(["render", "conv2d", "--in-size", "28", "--format", "png", "--quality", "low", "-o", str(out)]) == 0
    with Image.open(out) as im:
        assert im.size[0] >= STILL_MIN_WIDTH["low"]
    e = get_entry("conv2d")
    p = e.resolve(in_size=28)
    held = capture.held_frames(e.scene, p, e.options(), "png", "low")
    x, w = np.asarray(p.x)[0], np.asarray(p.weight)[0, 0]
    ref = np.array([[np.sum(x[i:i + 3, j:j + 3] * w) for j in range(26)] for i in range(26)])
    assert np.allclose(np.asarray(held.drawn["output"], dtype=float), ref + (p.bias[0] if p.bias is not None else 0),
                       atol=0.006)


# ------------------------------------------------------------------------------------------------ batch
def _recording_pool(monkeypatch, took: dict) -> list:
    """``batch.worker_pool`` replaced by one that writes each file at once, as if it took ``took[name]``
    seconds; the names in the order submitted."""
    from concurrent.futures import Future
    from contextlib import contextmanager

    from convviz.app import batch

    submitted = []

    class Pool:
        _processes: dict = {}

        def submit(self, fn, task):
            submitted.append(task.name)
            task.out.write_bytes(task.name.encode())
            f = Future()
            f.set_result((took.get(task.name, 1.0), task.out.stat().st_size))
            return f

    @contextmanager
    def pool(jobs, on_stop=None):
        yield Pool()

    monkeypatch.setattr(batch, "worker_pool", pool)
    return submitted


def _tasks(names, out):
    from convviz.app import batch

    return [batch.Task(n, out / get_entry(n).file_name, get_entry(n).resolve(), get_entry(n).options(),
                       get_entry(n).format, "low") for n in names]


def test_batch_renders_the_longest_first_as_they_took_last_time(tmp_path, monkeypatch):
    """The manifest keeps each file's render time; files to render again go to the pool longest first (those
    not timed yet after them, animations first), so no worker waits alone on a long render at the end."""
    from convviz.app import batch, cache

    monkeypatch.setenv("CONVVIZ_CACHE", str(tmp_path / "cache"))
    names = ["cnn-formula1", "cnn-gif1", "cnn-figure5", "cnn-figure15"]
    tasks = _tasks(names, tmp_path / "out")
    took = {"cnn-formula1": 0.5, "cnn-gif1": 2.0, "cnn-figure5": 3.0, "cnn-figure15": 1.0}
    submitted = _recording_pool(monkeypatch, took)
    batch.run_tasks(tasks, tmp_path / "out", jobs=2, progress=False)
    assert submitted == ["cnn-gif1", "cnn-formula1", "cnn-figure5", "cnn-figure15"]     # animations first
    manifest = cache.load_manifest(tmp_path / "out")
    assert {n: manifest[t.out.name]["seconds"] for n, t in zip(names, tasks)} == took
    submitted.clear()
    batch.run_tasks(tasks, tmp_path / "out", jobs=2, force=True, progress=False)
    assert submitted == ["cnn-figure5", "cnn-gif1", "cnn-figure15", "cnn-formula1"]


def test_batch_renders_never_timed_go_by_their_kernel_steps(tmp_path, monkeypatch):
    """With no past times, animations go to the pool by their kernel steps, the most first (an output cell a
    step, times channels; a still draws only the final state), and the first of each worker are of different
    scenes (the same scene started together would typeset its texts twice)."""
    from convviz.app import batch

    monkeypatch.setenv("CONVVIZ_CACHE", str(tmp_path / "cache"))
    names = ["no_padding_strides", "dilation", "arbitrary_padding_no_strides", "full_padding_no_strides",
             "padding_strides_odd_transposed", "cnn-figure15"]
    tasks = _tasks(names, tmp_path / "out")

    def outputs(i, k, s, p, d=1):                 # the output length, from the definition
        return (i + 2 * p - d * (k - 1) - 1) // s + 1
    # 5x5 input, 3x3 kernel, stride 2: 2x2 outputs; 7x7 dilated by 2: 3x3; 5x5, 4x4 kernel, padding 2: 6x6;
    # 5x5, 3x3, padding 2: 7x7; the transposed conv of a 3x3 input (3x3 kernel, stride 2, padding 1, output
    # padding 1) gathers (3 − 1)·2 − 2·1 + (3 − 1) + 1 + 1 = 6 outputs a side
    assert [t.steps() for t in tasks] == [outputs(5, 3, 2, 0) ** 2, outputs(7, 3, 1, 0, 2) ** 2,
                                          outputs(5, 4, 1, 2) ** 2, outputs(5, 3, 1, 2) ** 2, 6 * 6, 0]
    took = {}
    submitted = _recording_pool(monkeypatch, took)
    batch.run_tasks(tasks, tmp_path / "out", jobs=2, progress=False)
    assert submitted == ["full_padding_no_strides", "padding_strides_odd_transposed", "arbitrary_padding_no_strides",
                         "dilation", "no_padding_strides", "cnn-figure15"]
    submitted.clear()                         # timed (their texts cached by then): longest first, as they took
    took.update({"full_padding_no_strides": 3.0, "arbitrary_padding_no_strides": 2.0, "dilation": 1.5})
    batch.run_tasks(tasks, tmp_path / "out", jobs=2, force=True, progress=False)      # records these times
    submitted.clear()
    batch.run_tasks(tasks, tmp_path / "out", jobs=2, force=True, progress=False)
    assert submitted[:3] == ["full_padding_no_strides", "arbitrary_padding_no_strides", "dilation"]   # one scene
    submitted.clear()
    batch.run_tasks(_tasks(names, tmp_path / "one"), tmp_path / "one", jobs=1, progress=False)   # steps alone
    assert submitted == ["full_padding_no_strides", "arbitrary_padding_no_strides", "padding_strides_odd_transposed",
                         "dilation", "no_padding_strides", "cnn-figure15"]


def test_batch_equals_single_renders_byte_for_byte_and_is_cached(tmp_path, capsys):
    names = [SMALL, "padding_strides", "cnn-figure3"]
    assert main(["render", *names, "--quality", "low", "--out-dir", str(tmp_path / "b"), "--jobs", "2"]) == 0
    out = capsys.readouterr().out.split()
    assert out == [str(tmp_path / "b" / f"{n}.{get_entry(n).format}") for n in names]
    for n in names:
        single = tmp_path / f"{n}.{get_entry(n).format}"
        assert main(["render", n, "--quality", "low", "-o", str(single)]) == 0
        assert single.read_bytes() == (tmp_path / "b" / single.name).read_bytes()
    stamps = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "b").iterdir()}
    assert main(["render", *names, "--quality", "low", "--out-dir", str(tmp_path / "b")]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "b").iterdir()} == stamps      # all cached
    assert main(["render", SMALL, "--quality", "low", "--theme", "dark", "--out-dir", str(tmp_path / "b")]) == 0
    assert (tmp_path / "b" / f"{SMALL}.gif").stat().st_mtime_ns != stamps[f"{SMALL}.gif"]   # options changed


@pytest.mark.parametrize("argv,needle", [
    (["render", SMALL, "padding_strides", "-o", "x.gif"], "--out-dir"),
    (["render", "conv2d", "stride", "--in-size", "7"], "one entry"),
    (["render", SMALL, SMALL, "--out-dir", "{d}"], "twice"),
    (["render", SMALL, "--jobs", "2"], "--out-dir"),
    (["render", SMALL, "padding_strides", "--jobs", "0"], "--jobs"),
    (["render", SMALL, "nonsense_name"], "nonsense_name"),
])
def test_batch_refusals_are_one_line_and_write_nothing(argv, needle, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([a.replace("{d}", str(tmp_path / "d")) for a in argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------------------------------------ caches
def test_text_outlines_from_the_disk_cache_draw_the_same_pixels(tmp_path, monkeypatch):
    """First run: outlines made by Pango and stored; second (fresh process state): read back; a damaged file
    is ignored and rewritten. The pixels are the same each time."""
    from scenes.kit import base, glyphs

    monkeypatch.setenv("CONVVIZ_CACHE", str(tmp_path / "cache"))
    e, p, o = entry_parts(SMALL)

    def frames():
        base._text_template.cache_clear()
        base._canonical.cache_clear()
        return [f.pixels for f in capture.held_frames(e.scene, p, o, "gif", "low").frames]

    first = frames()
    files = sorted((tmp_path / "cache" / "glyphs").rglob("*.npz"))
    assert len(files) > 10
    assert all(np.array_equal(a, b) for a, b in zip(first, frames()))
    files[0].write_bytes(b"not a zip")
    key_free = frames()
    assert all(np.array_equal(a, b) for a, b in zip(first, key_free))
    with np.load(files[0], allow_pickle=False) as z:                     # rewritten whole
        assert z["points"].shape[1] == 3
    assert glyphs.load(("x", "no such font", 1.0, "#000000", "NORMAL", "NORMAL", False)) is None


@pytest.mark.parametrize("name,smooth", [("full_padding_no_strides", False), ("padding_strides_transposed", False),
                                         ("cnn-gif2", False), ("cnn-gif2", True), ("cnn-figure15", True),
                                         ("cnn-figure16", True)])
def test_drawing_the_kept_states_equals_a_second_pass(name, smooth, monkeypatch):
    """An animation is drawn from the states (and in smooth mode the tweened frames) its first pass kept,
    copying the pixels of what is unchanged from a snapshot; past the budget the storyboard runs again, Manim
    drawing as it goes. Same frames (a smooth cnn-gif2 holds the last tweened frame's outlines: that state is
    not drawn again)."""
    from scenes.kit import base

    e, p, o = entry_parts(name, smooth=smooth)
    same = []
    monkeypatch.setattr(capture, "_same_outlines", lambda a, b, f=capture._same_outlines: same.append(f(a, b))
                        or same[-1])
    kept = capture.held_frames(e.scene, p, o, "gif", "low")
    assert any(same) == (name == "cnn-gif2" and smooth) and len(same) > 3
    monkeypatch.setattr(base, "KEEP_BUDGET", 0)                       # no state kept: a second pass draws
    again = capture.held_frames(e.scene, p, o, "gif", "low")
    assert len(kept.frames) == len(again.frames) > 3
    for a, b in zip(kept.frames, again.frames):
        assert a.seconds == b.seconds
        assert np.array_equal(a.pixels, b.pixels)


def test_formulas_typeset_together_are_those_typeset_alone(monkeypatch):
    """``typeset_tex`` puts several formulas through one LaTeX run: each part has the outline it has typeset
    on its own (its shape and its place in its formula, to a thousandth of a glyph's size), its size and
    colour; ``prefetch_tex`` finds a scene's formulas by building it with stand-ins, and leaves its record."""
    import manim
    from manim import tempconfig

    from scenes.kit import base

    formulas = [((r"H_{out}", r"= \left\lfloor \frac{", r"H_{in}", r" - 1}{2} \right\rfloor"), 40.0, "#ff0000"),
                ((r"-1", r"+ x"), 30.0, "#000000"), ((r"\longrightarrow",), 40.0, "#000000")]
    runs = []
    real = manim.MathTex
    monkeypatch.setattr(manim, "MathTex", lambda *a, **k: runs.append(a) or real(*a, **k))
    with tempconfig({"verbosity": "ERROR"}):
        monkeypatch.setattr(base, "_TEX", {})
        base.typeset_tex(formulas)
        together = {k: base.tex_template(*k) for k in formulas}
        assert len(runs) == 1
        monkeypatch.setattr(base, "_TEX", {})
        alone = {k: base.tex_template(*k) for k in formulas}
        assert len(runs) == 1 + len(formulas)
    for key in formulas:
        a, b = together[key], alone[key]
        assert [t.text for t in a] == list(key[0]) == [t.text for t in b]
        tol = 1e-3 * b.height
        for x, y in zip(a, b):
            assert len(x.points) == len(y.points)
            if len(y.points):
                assert np.abs((x.points - a.get_center()) - (y.points - b.get_center())).max() < tol
                assert x.get_fill_color().to_hex().lower() == key[2]
    assert abs(together[formulas[1]][0].width - alone[formulas[1]][0].width) < 1e-3   # "-1": its minus a sign

    scene = capture.load_scene_class("shape_rule:ShapeRule")
    e, p, o = entry_parts("cnn-figure5")
    monkeypatch.setattr(base, "_TEX", {})
    runs.clear()
    held = capture.held_frames(scene, p, o, "png", "low")
    assert len(runs) == 1 and held.drawn["example"] and len(held.drawn["example_tex"]) == 2


def test_a_text_at_any_size_and_colour_is_the_canonical_outline_scaled():
    """One typeset outline serves every size and colour: it matches Manim's own ``Text`` at that size within
    the SVG's rounding (0.002 unit, a tenth of a pixel at high quality), centred alike, in the colour asked."""
    from manim import Text

    from scenes.kit import base

    for s, font, size, color in [("(16", "DejaVu Sans Mono", 18.75, "#1A202C"), ("Gather: stride-1 conv", "DejaVu Sans",
                                  20.59, "#AE3A0A"), ("×0", "DejaVu Sans", 13.88, "#4A5568")]:
        ours = base._text_template(s, font, size, color, "NORMAL", "NORMAL", False)
        ref = Text(s, font=font, font_size=size, color=color)
        ref_pts = np.concatenate([g.points for g in ref.family_members_with_points()])
        assert ours.points.shape == ref_pts.shape
        assert np.abs(ours.points - ref_pts).max() < 0.002
        assert ours.get_fill_color().to_hex().upper() == color
        assert abs(ours.width - ref.width) < 0.002
    long = "floor((in + 2*padding - dilation*(kernel-1) - 1)/stride) + 1 along each of depth, height and width"
    one_line = base._text_template(long, "DejaVu Sans", 20.0, "#000000", "NORMAL", "NORMAL", False)
    ref = Text(long, font="DejaVu Sans", font_size=20.0)                    # one line at this size
    assert abs(one_line.height - ref.height) < 0.002 and abs(one_line.width - ref.width) < 0.002


def test_typesetting_without_the_svg_id_groups_gives_manims_outlines():
    """``_shapes_only`` skips the VGroup per SVG element: the same glyph outlines, point for point."""
    from manim import Text

    from scenes.kit import base

    for s, font in [("Gather: stride-1 conv of the zero-inserted", "DejaVu Sans"), ("(2×0", "DejaVu Sans Mono"),
                    ("输入 ×权重", "Noto Sans CJK SC")]:
        stock = Text(s, font=font, font_size=96)
        with base._shapes_only():
            ours = Text(s, font=font, font_size=96)
        a, b = stock.family_members_with_points(), ours.family_members_with_points()
        assert len(a) == len(b) > 2
        assert all(np.array_equal(x.points, y.points) for x, y in zip(a, b))


def test_the_path_caching_camera_draws_what_stock_manim_draws():
    from manim.camera.camera import Camera

    e, p, o = entry_parts("cnn-figure15", smooth=True)
    cls = capture.load_scene_class(e.scene)

    class Stock(cls):
        def __init__(self, *a, **k):
            k["camera_class"] = Camera
            super().__init__(*a, **k)

    cached = capture.held_frames(cls, p, o, "gif", "low").frames
    stock = capture.held_frames(Stock, p, o, "gif", "low").frames
    assert len(cached) == len(stock) > 4
    assert all(np.array_equal(a.pixels, b.pixels) and a.seconds == b.seconds for a, b in zip(cached, stock))


# ------------------------------------------------------------------------------------------------ two processes
def _decoded(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_smooth_video_in_two_processes_has_the_frames_of_one(fmt, tmp_path, monkeypatch):
    """The storyboard runs once; a forked process draws and encodes the second half of the kept frames while
    this one draws the first; the joined file has every frame, in order, at the same times as a one-process
    render (H.264/VP9 are lossy: close, not equal), and no segment is left."""
    from scenes.render import parallel

    joined = []
    monkeypatch.setattr(parallel, "join", lambda segments, out, *rest, join=parallel.join: joined.append(
        len(segments)) or join(segments, out, *rest))
    e, p, o = entry_parts("cnn-figure15", smooth=True)
    files = {}
    for n in ("1", "2"):
        monkeypatch.setenv("CONVVIZ_RENDER_PROCESSES", n)
        files[n] = capture.render(e.scene, p, o, tmp_path / n / f"a.{fmt}", fmt, "low", fps=10)
    assert joined == [2]                                                     # two segments, drawn by two
    one, two = _decoded(files["1"]), _decoded(files["2"])
    assert len(one) == len(two) > 20
    errors = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(one, two)]
    assert max(errors) < 3.0
    times = {}
    for n in ("1", "2"):
        with av.open(str(files[n])) as c:
            times[n] = [round(f.time, 3) for f in c.decode(video=0)]
    assert times["1"] == times["2"]                                          # at the same times
    assert os.listdir(tmp_path / "2") == [f"a.{fmt}"]


def test_a_smooth_video_is_drawn_in_one_process_when_another_thread_runs(tmp_path, monkeypatch):
    """Forking a process whose threads may hold locks can hang: with a thread running, one process draws."""
    import threading

    from scenes.render import parallel

    joined = []
    monkeypatch.setattr(parallel, "join", lambda segments, out, *rest, join=parallel.join: joined.append(
        len(segments)) or join(segments, out, *rest))
    monkeypatch.setenv("CONVVIZ_RENDER_PROCESSES", "2")
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)
    worker.start()
    try:
        assert not parallel.fork_is_safe()
        e, p, o = entry_parts("cnn-figure15", smooth=True)
        capture.render(e.scene, p, o, tmp_path / "a.mp4", "mp4", "low", fps=10)
    finally:
        stop.set()
        worker.join()
    assert joined == [1] and len(_decoded(tmp_path / "a.mp4")) > 20
    assert parallel.fork_is_safe()


def test_a_steady_transform_leaves_what_does_not_move_exactly_put():
    """Manim's interpolation moves a part whose start and end are equal by rounding errors; the scenes' swap
    keeps it exactly (so a kept frame shares its copy), and moves the rest as Manim does."""
    from manim import ReplacementTransform, Square, VGroup

    from scenes.kit.base import SteadyTransform

    def pair():
        still, moving = Square(0.7).shift([0.1, 0.3, 0]), Square(0.7)
        target = VGroup(still.copy(), moving.copy().shift([1.1, 0.2, 0]))
        return VGroup(still, moving), target

    for cls, exact in ((ReplacementTransform, False), (SteadyTransform, True)):
        start, target = pair()
        before = [m.points.copy() for m in start]
        anim = cls(start, target)
        anim.begin()
        anims = []
        for alpha in (0.3, 0.7):
            anim.interpolate(alpha)
            anims.append([m.points.copy() for m in start])
        assert all(np.array_equal(a[0], before[0]) for a in anims) == exact
        assert all(np.allclose(a[0], before[0]) for a in anims)                     # no visible move either way
        assert not np.allclose(anims[0][1], before[1]) and not np.allclose(anims[0][1], anims[1][1])


class _Unusual(ConvVizScene):
    """Animations whose changes reach beyond their own mobject: a ``Succession`` whose second part adds its
    square while it plays, and an ``UpdateFromAlphaFunc`` that moves another square."""

    def construct(self):
        from manim import Create, FadeIn, Square, Succession, UpdateFromAlphaFunc

        a, b, c, d = (Square(0.8, color=col, fill_opacity=0.5).shift([x, 0, 0])
                      for col, x in (("#C53030", -2), ("#2B6CB0", 0), ("#2F855A", 2), ("#B7791F", 0.5)))
        self.add(a)
        self.hold(0.2)
        self.transition(Succession(FadeIn(b), Create(c)))
        self.hold(0.2)
        self.add(d)
        self.transition(UpdateFromAlphaFunc(a, lambda m, t: d.move_to([0.5, t, 0])))
        self.hold(0.2)


def test_kept_tweens_of_animations_that_reach_beyond_their_mobject_equal_manims_drawing(monkeypatch):
    """The kept tween frames of animations not known to change only their own mobject's family are kept
    whole at every frame: the same pixels as Manim drawing them in a second pass."""
    from scenes.kit import base
    from scenes.render.capture import _touched

    o = get_entry(SMALL).options(smooth=True)
    kept = capture.held_frames(_Unusual, {}, o, "gif", "low", fps=10)
    monkeypatch.setattr(base, "KEEP_BUDGET", 0)
    again = capture.held_frames(_Unusual, {}, o, "gif", "low", fps=10)
    assert len(kept.frames) == len(again.frames) > 8
    for a, b in zip(kept.frames, again.frames):
        assert a.seconds == b.seconds and np.array_equal(a.pixels, b.pixels)

    from manim import FadeIn, Scene, Square, Succession, UpdateFromAlphaFunc
    scene, sq = Scene(), Square()
    for anims, known in (([FadeIn(sq)], True), ([Succession(FadeIn(sq))], False),
                         ([UpdateFromAlphaFunc(sq, lambda m, t: None)], False)):
        scene.animations = anims
        assert (_touched(scene) is not None) == known


def _failing_child(draw_frames, states, segment, fps, fmt, drawn):    # runs in the forked process
    raise SystemExit(3)


def _stalled_child(draw_frames, states, segment, fps, fmt, drawn, length):    # runs in the forked process
    import time
    time.sleep(600)


def test_a_stalled_drawing_process_is_stopped_and_the_render_fails_leaving_nothing(tmp_path, monkeypatch):
    from scenes.render import parallel

    monkeypatch.setenv("CONVVIZ_RENDER_PROCESSES", "2")
    monkeypatch.setattr(parallel, "_child", _stalled_child)
    monkeypatch.setattr(parallel, "STALL_SECONDS", 1.5)
    started = []
    monkeypatch.setattr(parallel, "_wait", lambda child, drawn, wait=parallel._wait: started.append(child)
                        or wait(child, drawn))
    e, p, o = entry_parts("cnn-figure15", smooth=True)
    with pytest.raises(RuntimeError, match="drew nothing"):
        capture.render(e.scene, p, o, tmp_path / "a.mp4", "mp4", "low", fps=10)
    assert os.listdir(tmp_path) == []
    assert started and not started[0].is_alive()


def test_without_a_second_process_to_be_had_one_process_draws_every_frame(tmp_path, monkeypatch):
    import multiprocessing.context

    from scenes.render import parallel

    def no_process(self):
        raise OSError(11, "Resource temporarily unavailable")

    joined = []
    monkeypatch.setattr(parallel, "join", lambda segments, out, *rest, join=parallel.join: joined.append(
        len(segments)) or join(segments, out, *rest))
    monkeypatch.setenv("CONVVIZ_RENDER_PROCESSES", "2")
    e, p, o = entry_parts("cnn-figure15", smooth=True)
    two = _decoded(capture.render(e.scene, p, o, tmp_path / "two.mp4", "mp4", "low", fps=10))
    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", no_process)
    one = _decoded(capture.render(e.scene, p, o, tmp_path / "one.mp4", "mp4", "low", fps=10))
    assert joined == [2, 1] and len(one) == len(two) > 20
    assert sorted(os.listdir(tmp_path)) == ["one.mp4", "two.mp4"]


def test_a_failing_drawing_process_fails_the_render_and_leaves_nothing(tmp_path, monkeypatch):
    from scenes.render import parallel

    monkeypatch.setenv("CONVVIZ_RENDER_PROCESSES", "2")
    monkeypatch.setattr(parallel, "_child", _failing_child)
    e, p, o = entry_parts("cnn-figure15", smooth=True)
    with pytest.raises(RuntimeError, match="drawing process failed"):
        capture.render(e.scene, p, o, tmp_path / "a.mp4", "mp4", "low", fps=10)
    assert os.listdir(tmp_path) == []


def test_the_second_process_starts_at_a_tween_after_a_held_state():
    """Every frame is drawn once, by one of the two; a held state is never the second process's first."""
    from scenes.render.parallel import MIN_SPLIT, cut

    rng = np.random.default_rng(5)
    for n in (MIN_SPLIT, 9, 40, 401):
        held = rng.random(n) < 0.3
        held[0] = True
        states = [([], 1.0, bool(h)) for h in held]
        k = cut(states)
        if k is None:
            assert not any(held[i - 1] and not held[i] for i in range(1, n))
            continue
        assert 0 < k < n and held[k - 1] and not held[k]
    assert cut([([], 1.0, False)] * (MIN_SPLIT - 1)) is None


def test_a_smooth_video_stopped_by_sigterm_leaves_no_segment_or_process(tmp_path):
    """SIGTERM while two processes draw: exit 143, no file, no segment, the second process gone."""
    import signal
    import subprocess
    import sys
    import time

    env = dict(os.environ, CONVVIZ_CACHE=str(tmp_path / "cache"), CONVVIZ_RENDER_PROCESSES="2")
    out = tmp_path / "out"
    p = subprocess.Popen([sys.executable, "-m", "convviz.app.cli", "render", "cnn-gif2", "--smooth", "--format",
                          "mp4", "--quality", "low", "-o", str(out / "a.mp4")], env=env, stderr=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, text=True)
    deadline, children = time.monotonic() + 60, []
    while time.monotonic() < deadline and not (children and out.exists()
                                               and any(".seg" in n for n in os.listdir(out))):
        time.sleep(0.1)
        children = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
    assert children and any(".seg" in n for n in os.listdir(out)), "the second process never started"
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 143, err
    assert os.listdir(out) == []
    time.sleep(1)
    def running(pid):
        try:
            return open(f"/proc/{pid}/stat").read().split()[2] != "Z"
        except OSError:
            return False
    assert children and not [c for c in children if running(c)]


def test_scipy_spatial_and_bs4_load_only_when_used(tmp_path):
    """Importing the scenes (and Manim through them) leaves scipy.spatial and bs4 unloaded; a rotation then
    loads scipy and turns as the matrix says; scipy.spatial.transform is the real module afterwards; Manim's
    ``Code`` (its only user of bs4) still works."""
    import subprocess
    import sys
    from pathlib import Path

    code = """
import sys, numpy as np
from scenes.render import capture
capture.load_scene_class("multichannel:MultiChannelScene")
assert "manim" in sys.modules
print("spatial" if "scipy.spatial" in sys.modules else "-")
from manim import Square
s = Square(side_length=2).rotate(0.3, about_point=np.zeros(3))
c, n = np.cos(0.3), np.sin(0.3)
assert np.allclose(s.get_vertices()[0], [c * 1 - n * 1, n * 1 + c * 1, 0])
from scipy.spatial.transform import Rotation
assert isinstance(Rotation, type) and Rotation.__module__.startswith("scipy.spatial")
print("spatial" if "scipy.spatial" in sys.modules else "-")
print("bs4" if "bs4.element" in sys.modules else "-")
from manim import Code
code = Code(code_string="x = 1", language="python")
assert len(code.code_lines) == 1
print("bs4" if "bs4.element" in sys.modules else "-")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:4] == ["-", "spatial", "-", "bs4"]


def test_a_stand_in_module_loads_the_real_one_at_its_first_use(monkeypatch):
    """``lazy._stand_in``: an import's probes load nothing; the first call or attribute does, and the stand-in
    then holds the real module's attributes."""
    import sys

    from scenes.kit import lazy

    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    stand_in = lazy._stand_in("colorsys", proxies=("rgb_to_hsv",))
    monkeypatch.setitem(sys.modules, "colorsys", stand_in)
    from colorsys import rgb_to_hsv
    assert sys.modules["colorsys"] is stand_in and "hls_to_rgb" not in vars(stand_in)
    assert rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert isinstance(int, lazy._stand_in("builtins", proxies=("type",)).type)      # isinstance(x, a proxy)
    assert sys.modules["colorsys"] is not stand_in and stand_in.hls_to_rgb is sys.modules["colorsys"].hls_to_rgb


def test_swap_leaves_the_screen_as_manims_remove_and_add_do():
    """``swap`` replaces a mobject on screen at the top by editing the list (Manim's remove and add walk every
    family on screen): the same mobjects in the same order as Manim's way, for a replacement on screen, one
    whose new mobject is already there, and one whose old mobject sits inside a group."""
    from manim import Square, VGroup

    def screen(old: str, new: str, manims: bool) -> tuple[list, list]:
        parts = {k: Square(0.5 + i / 10) for i, k in enumerate("abcdn")}
        parts["group"] = VGroup(parts["c"], parts["d"])
        scene = ConvVizScene(params={}, options=get_entry(SMALL).options())
        scene.add(parts["a"], parts["group"], parts["b"])
        if manims:
            scene.remove(parts[old])
            scene.add(parts[new])
        else:
            scene.swap((parts[old], parts[new]))
        name = {id(m): k for k, m in parts.items()}
        return [name[id(m)] for m in scene.mobjects], [name[id(m)] for m in scene.get_mobject_family_members()]

    for old, new in (("a", "n"), ("a", "b"), ("c", "n"), ("group", "n")):
        assert screen(old, new, manims=False) == screen(old, new, manims=True), (old, new)
    assert screen("a", "n", manims=False)[0] == ["group", "b", "n"]


def test_a_settled_outline_cannot_change_unseen(monkeypatch):
    """``settle`` makes an outline's drawn arrays read-only: an in-place change raises instead of going unseen.
    The sink then takes a settled outline's copy again without comparing its bytes, and sees every change that
    is still possible: an array put in its place, a value set (a stroke width), a change after ``unsettle``. A
    copy of a settled outline is not settled."""
    from manim import RED, RIGHT, Square

    from scenes.kit import base
    from scenes.kit.base import FrameSink
    from scenes.kit.settled import is_settled, settle, unsettle

    signed = []
    monkeypatch.setattr(base, "_signature", lambda m, f=base._signature: signed.append(m) or f(m))
    sq = Square(1.0)
    settle(sq)
    assert is_settled(sq) and not sq.points.flags.writeable and not sq.fill_rgbas.flags.writeable
    for change in (lambda: sq.scale(2), lambda: sq.set_fill(RED, opacity=1)):
        with pytest.raises(ValueError, match="read-only"):
            change()
    twin = sq.copy()
    assert not is_settled(twin) and twin.points.flags.writeable
    twin.shift(RIGHT)

    sink = FrameSink(keep=True)
    first = sink.freeze([sq], prune=True)[0]
    assert len(signed) == 1 and np.array_equal(first.points, sq.points) and first.points is not sq.points
    assert sink.freeze([sq], prune=True)[0] is first and len(signed) == 1          # not compared again

    sq.shift(RIGHT)                                               # (Manim's shift puts a new array in place)
    moved = sink.freeze([sq], prune=True)[0]
    assert moved is not first and np.array_equal(moved.points, first.points + RIGHT) and len(signed) == 2
    sq.set_stroke(width=9)                                        # a value set (no array written)
    wide = sink.freeze([sq], prune=True)[0]
    assert wide is not moved and wide.stroke_width == 9
    assert unsettle(sq) and not is_settled(sq) and sq.points.flags.writeable
    sq.set_fill(RED, opacity=1)                                   # changed in place, unsettled, settled again
    settle(sq)
    red = sink.freeze([sq], prune=True)[0]
    assert red is not wide and np.array_equal(red.fill_rgbas, sq.fill_rgbas) and red.fill_rgbas[0, 3] == 1
    assert sink.freeze([sq], prune=True)[0] is red and not unsettle(Square(1.0))


def test_a_settled_grid_changes_through_its_methods_and_stays_settled():
    """``NumberGrid.fill_cell`` and ``set_text`` change a settled grid (its cells and texts stay settled);
    the text they replace is let go."""
    from manim import Text

    from scenes.kit.settled import is_settled, settle
    from scenes.kit.theme import THEMES
    from scenes.kit.widgets import NumberGrid

    grid = NumberGrid([[1, 2], [3, 4]], THEMES["light"], lambda s, size=20, color=None: Text(s, font_size=size))
    settle(grid)
    old = grid.numbers[(0, 1)]
    grid.fill_cell(0, 1, "#ff0000")
    new = grid.set_text(0, 1, 7)
    assert np.allclose(grid.cell(0, 1).fill_rgbas[0, :3], (1, 0, 0)) and is_settled(grid.cell(0, 1))
    assert all(is_settled(m) for m in new.get_family()) and not is_settled(old) and old.points.flags.writeable
    assert grid.drawn[(0, 1)] == "7"


@pytest.mark.parametrize("name,module,smooth", [("cnn-gif3", "conv2d", False), ("cnn-gif3", "conv2d", True),
                                                ("cnn-gif2", "multichannel", False),
                                                ("cnn-gif2", "multichannel", True),
                                                ("padding_strides_transposed", "transposed", False),
                                                ("cnn-gif6", "transposed", True)])
def test_settling_changes_no_frame(name, module, smooth, monkeypatch):
    """conv2d, multichannel and transposed settle their figure before their steps: the same frames, durations
    and trace as without settling, with far fewer outlines compared byte by byte."""
    from scenes.kit import base

    e, p, o = entry_parts(name, smooth=smooth)
    assert e.scene.startswith(f"{module}:")
    signed = []
    monkeypatch.setattr(base, "_signature", lambda m, f=base._signature: signed.append(m) or f(m))
    settled = capture.held_frames(e.scene, p, o, "gif", "low")
    n_settled, signed[:] = len(signed), []
    monkeypatch.setattr(ConvVizScene, "settle_figure", lambda self: None)
    plain = capture.held_frames(e.scene, p, o, "gif", "low")
    assert n_settled < len(signed) / 2
    assert len(settled.frames) == len(plain.frames) >= 9
    with np.printoptions(threshold=sys.maxsize):
        assert repr(settled.drawn) == repr(plain.drawn)
    for a, b in zip(settled.frames, plain.frames):
        assert a.seconds == b.seconds and np.array_equal(a.pixels, b.pixels)


@pytest.mark.parametrize("name,smooth", [("cnn-gif3", False), ("cnn-gif3", True), ("cnn-gif2", False),
                                         ("padding_strides_transposed", False), ("cnn-figure15", True),
                                         ("dilation", False), ("cnn-gif6", False)])
def test_repainting_where_a_state_changed_draws_the_same_pixels(name, smooth, monkeypatch):
    """A held state that changed a little from the state drawn before it is drawn by repainting that one's
    pixels only where they differ (``_repaint``): every frame equals drawing each state whole. Here every held
    state that can be is repainted (tweened frames are not)."""
    e, p, o = entry_parts(name, smooth=smooth)
    repainted = []
    monkeypatch.setattr(capture, "_repaint", lambda *a, f=capture._repaint: repainted.append(f(*a)) or repainted[-1])
    monkeypatch.setattr(capture, "REPAINT_MIN", 0)
    monkeypatch.setattr(capture, "REPAINT_AREA", 1.0)
    again = capture.held_frames(e.scene, p, o, "gif", "low")
    monkeypatch.setattr(capture, "REPAINT_MIN", 10**9)
    whole = capture.held_frames(e.scene, p, o, "gif", "low")
    assert sum(repainted) >= len(whole.held) / 2 and len(again.frames) == len(whole.frames) > 3
    for a, b in zip(again.frames, whole.frames):
        assert a.seconds == b.seconds and np.array_equal(a.pixels, b.pixels)


def test_a_flat_text_measures_as_manim_measures_its_outline():
    """``FlatText`` measures itself with numpy, not with Manim's Python loops over its points: the same
    anchors, extremes, centre, width and height as a plain ``VMobject`` holding the same points, a group of
    them included (and a text with a submobject added goes Manim's way)."""
    from manim import DL, RIGHT, UR, VGroup, VMobject

    scene = ConvVizScene(params={}, options=get_entry(SMALL).options())
    texts = [scene.text(s, size=24) for s in ("12.5", "Output", "卷积核", "-7")]
    texts[1].shift(RIGHT * 2)
    for t in texts:
        plain = VMobject()
        plain.points = t.points.copy()
        assert np.array_equal(np.array(t.get_anchors()), np.array(plain.get_anchors()))
        assert np.array_equal(t.get_points_defining_boundary(), plain.get_points_defining_boundary())
        for d in (DL, UR, RIGHT):
            assert np.array_equal(t.get_critical_point(d), plain.get_critical_point(d))
        assert (t.width, t.height, tuple(t.get_center())) == (plain.width, plain.height, tuple(plain.get_center()))
    group, plain_group = VGroup(*[t.copy() for t in texts]), VGroup()
    for t in texts:
        p = VMobject()
        p.points = t.points.copy()
        plain_group.add(p)
    assert np.array_equal(group.get_critical_point(UR), plain_group.get_critical_point(UR))
    assert group.width == plain_group.width and group.height == plain_group.height
    host = texts[0].copy()
    host.add(texts[2].copy())
    assert host.width == VGroup(texts[0].copy(), texts[2].copy()).width


def test_a_palette_map_looks_up_only_the_rows_that_changed_and_maps_as_from_scratch():
    """``PaletteMap`` maps a frame following another by looking up only the rows that changed: every frame's
    indices equal those of a fresh map, and each pixel gets its nearest palette colour."""
    rng = np.random.default_rng(3)
    palette = rng.integers(0, 256, (40, 3), dtype=np.uint8)
    frame = palette[rng.integers(0, 40, (30, 20))]
    frames = [frame]
    for lo, hi in ((5, 7), (0, 1), (29, 30), (0, 0), (10, 25)):          # (0, 0): nothing changed
        f = frames[-1].copy()
        f[lo:hi] = rng.integers(0, 256, (hi - lo, 20, 3), dtype=np.uint8)
        frames.append(f)
    frames.append(rng.integers(0, 256, (12, 9, 3), dtype=np.uint8))    # another size
    mapping = media.PaletteMap(palette)
    for f in frames:
        got = np.asarray(mapping(f))
        assert np.array_equal(got, media.PaletteMap(palette).indices(f))
        dist = ((f[:, :, None, :].astype(int) - palette[None, None].astype(int)) ** 2).sum(-1)
        assert np.array_equal(dist[np.arange(f.shape[0])[:, None], np.arange(f.shape[1]), got], dist.min(-1))


def test_colour_keys_are_one_number_per_colour_however_the_frame_is_laid_out():
    """``colour_keys`` of an RGBA frame (its bytes read as numbers) equals that of the same frame as RGB and as a
    strided view, is r + 256 g + 65536 b whatever the alpha, and ``key_colours`` gives the RGB frame back."""
    rng = np.random.default_rng(5)
    rgba = rng.integers(0, 256, (7, 11, 4), dtype=np.uint8)
    want = rgba[..., 0].astype(int) + 256 * rgba[..., 1].astype(int) + 65536 * rgba[..., 2].astype(int)
    for frame, expected in ((rgba, want), (np.ascontiguousarray(rgba[..., :3]), want), (rgba[..., :3], want),
                            (rgba[:, ::2], want[:, ::2])):
        keys = media.colour_keys(frame)
        assert keys.dtype == np.uint32 and np.array_equal(keys, expected)
    keys = media.colour_keys(rgba)
    assert np.array_equal(media.key_colours(keys), rgba[..., :3])
    rgba[..., 3] = 0                                  # the key does not see alpha, and is a new array
    assert np.array_equal(media.colour_keys(rgba), keys)


def test_a_flat_text_copies_as_a_deep_copy_would():
    """``FlatText.copy`` (made directly, a sixth of the time): the same attributes as Manim's deep copy, arrays
    and lists its own; a text with a submobject or a settled stamp is copied the deep way."""
    import copy as copying

    from scenes.kit.settled import is_settled, settle

    scene = ConvVizScene(params={}, options=get_entry(SMALL).options())
    text = scene.text("12.5", size=24, color="#ff0000")
    fast, deep = text.copy(), copying.deepcopy(text)
    assert fast.__dict__.keys() == deep.__dict__.keys() and type(fast) is type(text)
    for k, v in deep.__dict__.items():
        mine = fast.__dict__[k]
        assert np.array_equal(mine, v) if isinstance(v, np.ndarray) else mine == v, k
        if isinstance(v, (np.ndarray, list)):
            assert mine is not text.__dict__[k], k
    fast.shift(np.array([1.0, 0, 0]))
    fast.set_fill("#0000ff")
    fast.add(scene.text("3", size=24))
    assert np.array_equal(text.points, deep.points) and np.array_equal(text.fill_rgbas, deep.fill_rgbas)
    assert not text.submobjects and len(fast.copy().submobjects) == 1
    text.marks = ["kept"]                                         # a list of its own: copied the deep way
    assert text.copy().marks == ["kept"] and text.copy().marks is not text.marks
    settle(text)
    assert not is_settled(text.copy()) and text.copy().points.flags.writeable
