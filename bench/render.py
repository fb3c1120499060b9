"""Rendering cost beside stock Manim, measured in the same run (issue 11's figures; printed, not asserted).

    .venv/bin/python bench/render.py            # latency, growth, smooth video vs stock Manim (-ql), batch, notes
    .venv/bin/python bench/render.py --only smooth --quality high   # the smooth-video comparison at high quality
    .venv/bin/python bench/render.py --only growth --big            # growth up to 900 steps (minutes)
    .venv/bin/python bench/render.py --only memory                  # smooth high-quality cnn-gif2: peak memory

Each case runs in a fresh process, with a fresh cache folder (cold) unless it says warm, and reports wall
seconds and the peak memory of its process tree (sampled through /proc every 0.25 s): proportional set size,
which counts a page shared by a forked process once (resident size counts it in each; printed for the smooth
video, whose second process is forked). Stock Manim runs
the same scene with its own camera (bench/stock_scenes.py). Targets from the issue are printed beside each
figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
CONVVIZ = [PY, "-m", "convviz.app.cli"]

from convviz.options import VIDEO_PRESETS  # noqa: E402


def _tree_memory(pid: int, proportional: bool = True) -> tuple[int, int]:
    """(resident bytes, proportional bytes) of ``pid`` and all its descendants. A forked process shares its
    parent's pages until either writes them: resident counts them in both, proportional (PSS) once, split.
    PSS costs the kernel a walk of the page tables: without ``proportional`` it is 0."""
    rss, pss, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                rss += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            if proportional:
                with open(f"/proc/{p}/smaps_rollup") as f:
                    pss += next(int(line.split()[1]) for line in f if line.startswith("Pss:")) * 1024
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError, StopIteration):
            continue
    return rss, pss


_last_cache = ""


def run(cmd: list[str], cwd: Path = ROOT, cache: str | None = None) -> tuple[float, int]:
    """(seconds, peak bytes of the process tree) of one command, in a fresh cache folder unless ``cache``.
    The peak is of the tree's proportional memory (PSS: shared pages counted once); ``peaks`` holds the last
    run's (peak resident, peak proportional)."""
    global _last_cache
    _last_cache = cache or tempfile.mkdtemp(prefix="cvbench-")
    env = dict(os.environ, CONVVIZ_CACHE=_last_cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)          # as on a user's machine: compiled modules are kept
    t0, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_rss = peak_pss = polls = 0
    while proc.poll() is None:
        rss, pss = _tree_memory(proc.pid, proportional=polls % 5 == 0)     # PSS every 0.25 s: it slows the run
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        polls += 1
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-2000:]}")
    peaks[:] = [peak_rss, peak_pss]
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu[0] = (now.ru_utime + now.ru_stime) - (used.ru_utime + used.ru_stime)
    return seconds, peak_pss


peaks = [0, 0]
cpu = [0.0]      # CPU seconds (user + system) of the last run's process tree: steadier than wall time on this VM


def row(what: str, seconds: float, peak: int, note: str = "") -> None:
    print(f"{what:<58} {seconds:8.1f} s {peak / 2**20:8.0f} MB  {note}")


def median_run(cmd: list[str], n: int = 5, cache: str | None = None) -> tuple[float, int]:
    """Median seconds (and largest peak) of ``n`` runs of ``cmd`` (the machine's noise is ±20 %)."""
    results = [run(cmd, cache=cache) for _ in range(n)]
    return sorted(r[0] for r in results)[n // 2], max(r[1] for r in results)


def latency(out: Path) -> None:
    base, _ = median_run([PY, "-c", "import manim"])
    row("import manim (median of 5)", base, 0)
    cache = tempfile.mkdtemp(prefix="cvbench-")
    cmd = CONVVIZ + ["render", "no_padding_no_strides", "-o", str(out / "a.gif")]
    s, m = run(cmd, cache=cache)
    row("render no_padding_no_strides, cold (empty cache)", s, m, f"{s / base:.2f}x import manim")
    s, m = median_run(cmd, cache=cache)
    row("render no_padding_no_strides, glyphs cached (median of 5)", s, m,
        f"{s / base:.2f}x import manim (target <= 1.5x)")


def growth(out: Path, big: bool) -> None:
    sizes = (8, 16, 32) if big else (8, 16)          # 36, 196 and 900 steps with a 3x3 kernel
    for n in sizes:
        steps = (n - 2) ** 2
        s, m = run(CONVVIZ + ["render", "conv2d", "--in-size", str(n), "--kernel-size", "3", "-o",
                              str(out / f"g{n}.gif")])
        row(f"conv2d --in-size {n} ({steps} steps, GIF)", s, m, f"{s / steps:.3f} s/step (target: about flat; "
            f"memory <= 800 MB)")
    s, m = run(CONVVIZ + ["render", "conv2d", "--in-size", "28", "--kernel-size", "3", "--format", "png", "-o",
                          str(out / "big.png")])
    row("conv2d --in-size 28 --format png (still, 676 steps)", s, m, "the final state only (was 40 s)")


def smooth_vs_stock(out: Path, quality: str, n: int = 3) -> None:
    """Stock Manim and convviz on the same scene, alternately, ``n`` times each; the medians. Both with their
    text typeset before (a first run of each, not counted): the scene's texts are convviz's glyph outlines,
    cached on disk, under stock Manim too (each has its own cache folder; video frames are never cached)."""
    flag = {"low": "-ql", "medium": "-qm", "high": "-qh"}[quality]
    stock_cmd = [PY, "-m", "manim", flag, "--media_dir", str(out / "stock"), "--disable_caching",
                 "bench/stock_scenes.py", "MultiChannelStock"]
    ours_cmd = CONVVIZ + ["render", "cnn-gif2", "--smooth", "--format", "mp4", "--quality", quality, "-o",
                          str(out / "ours.mp4")]
    stock_cache, cache = tempfile.mkdtemp(prefix="cvbench-"), tempfile.mkdtemp(prefix="cvbench-")
    first = [run(stock_cmd, cache=stock_cache)[0], run(ours_cmd, cache=cache)[0]]
    stock, ours = [], []
    for _ in range(n):
        stock.append(run(stock_cmd, cache=stock_cache))
        ours.append(run(ours_cmd, cache=cache))
    (s_stock, m_stock), (s_ours, m_ours) = (sorted(r)[n // 2] for r in (stock, ours))
    print(f"  first (text typeset cold) runs, s: stock {first[0]:.1f}; convviz {first[1]:.1f}")
    print(f"  runs, s: stock {' '.join(f'{s:.1f}' for s, _ in stock)}; convviz {' '.join(f'{s:.1f}' for s, _ in ours)}")
    fps = VIDEO_PRESETS[quality][2]                    # Manim's and convviz's frame rate at this quality
    stock_frames, stock_px = _video_frames(next((out / "stock").rglob("*.mp4")), fps)
    ours_frames, ours_px = _video_frames(out / "ours.mp4", fps)
    cost_stock = s_stock / stock_frames / (stock_px / 1e6)
    cost_ours = s_ours / ours_frames / (ours_px / 1e6)
    row(f"stock manim {flag} MultiChannelScene ({stock_frames} frames, median of {n})", s_stock, m_stock,
        f"{cost_stock * 1000:.1f} ms per frame per MP")
    row(f"convviz cnn-gif2 --smooth mp4 {quality} ({ours_frames} frames, median of {n})", s_ours, m_ours,
        f"{cost_ours * 1000:.1f} ms per frame per MP = {cost_ours / cost_stock:.2f}x stock (target <= 0.5x; "
        f"memory <= 800 MB)")


def memory(out: Path) -> None:
    """The longest renders of the issue's memory target (the 196- and 900-step GIFs are in ``growth``)."""
    s, m = run(CONVVIZ + ["render", "cnn-gif2", "--smooth", "--format", "mp4", "--quality", "high", "-o",
                          str(out / "high.mp4")])
    frames, px = _video_frames(out / "high.mp4", VIDEO_PRESETS["high"][2])
    row(f"cnn-gif2 --smooth mp4 high ({frames} frames, {px / 1e6:.2f} MP)", s, m,
        f"memory <= 800 MB (resident, shared pages counted in each process: {peaks[0] / 2**20:.0f} MB)")


def batch(out: Path) -> None:
    from convviz.catalogue import CONV_ARITHMETIC

    names = [n for base in CONV_ARITHMETIC for n in (base, f"{base}_transposed") if n != "dilation_transposed"]
    cache = tempfile.mkdtemp(prefix="cvbench-")
    one = one_cpu = 0.0
    for n in names:                                   # as a user would, one command after another
        s, _ = run(CONVVIZ + ["render", n, "-o", str(out / "one" / f"{n}.gif")], cache=cache)
        one, one_cpu = one + s, one_cpu + cpu[0]
    row(f"the {len(names)} conv-arithmetic animations one by one", one, 0, f"CPU {one_cpu:.1f} s")
    cmd = CONVVIZ + ["render", *names, "--out-dir", str(out / "batch")]
    s, m = run(cmd)
    row(f"render {len(names)} names --out-dir, cold", s, m, f"{s / one:.2f}x one by one (target <= 0.35x, "
        f"<= 30 s); CPU {cpu[0]:.1f} s")
    s, m = run(cmd, cache=_last_cache)
    row(f"render {len(names)} names --out-dir, warm", s, m, "target: about a second")


def notes_cold(out: Path) -> None:
    s, m = run(CONVVIZ + ["notes", "--out", str(out / "images"), "--gallery", str(out / "g.html")])
    row("convviz notes, cold (29 files, medium)", s, m, f"target <= 20 s; CPU {cpu[0]:.1f} s")


def _video_frames(path: Path, fps: int) -> tuple[int, int]:
    """(frames shown: the video's duration at ``fps``, pixels per frame). A held frame may be stored once (and
    once at its end) and shown for many frame times: counting stored frames would undercount."""
    import av

    with av.open(str(path)) as c:
        st = c.streams.video[0]
        return round(c.duration / av.time_base * fps), st.codec_context.width * st.codec_context.height


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quality", default="low", choices=("low", "medium", "high"),
                    help="quality of the smooth-video comparison (default: low)")
    ap.add_argument("--only", help="comma-separated parts: latency,growth,smooth,memory,batch,notes (default: all)")
    ap.add_argument("--big", action="store_true", help="growth also at 900 steps (several minutes)")
    args = ap.parse_args()
    parts = (args.only or "latency,growth,smooth,memory,batch,notes").split(",")
    subprocess.run([PY, "-m", "compileall", "-q", "convviz", "scenes"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        print(f"{'case':<58} {'wall':>10} {'peak PSS':>11}")
        if "latency" in parts:
            latency(out)
        if "growth" in parts:
            growth(out, args.big)
        if "smooth" in parts:
            smooth_vs_stock(out, args.quality)
        if "memory" in parts:
            memory(out)
        if "batch" in parts:
            batch(out)
        if "notes" in parts:
            notes_cold(out)


if __name__ == "__main__":
    main()
