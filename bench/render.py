"""Rendering cost beside stock Manim, measured in the same run (issue 11's figures; printed, not asserted).

    .venv/bin/python bench/render.py            # latency, growth, memory, smooth video vs stock Manim (-ql)
    .venv/bin/python bench/render.py --quality high   # the smooth-video comparison at high quality (slow)

Each case runs in a fresh process with a fresh cache folder (cold) and reports wall seconds and the peak
resident memory of its process tree (sampled every 50 ms through /proc). Targets from the issue are printed
beside each figure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CONVVIZ = [PY, "-m", "convviz.app.cli"]


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def run(cmd: list[str], cwd: Path = ROOT) -> tuple[float, int]:
    """(seconds, peak bytes of the process tree) of one command in a fresh cache folder."""
    env = dict(os.environ, CONVVIZ_CACHE=tempfile.mkdtemp(prefix="cvbench-"))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-2000:]}")
    return seconds, peak


def row(what: str, seconds: float, peak: int, note: str = "") -> None:
    print(f"{what:<58} {seconds:8.1f} s {peak / 2**20:8.0f} MB  {note}")


def latency(out: Path) -> None:
    base, _ = run([PY, "-c", "import manim"])
    s, m = run(CONVVIZ + ["render", "no_padding_no_strides", "-o", str(out / "a.gif")])
    row("import manim", base, 0)
    row("render no_padding_no_strides (GIF)", s, m, f"{s / base:.2f}x import manim (target <= 1.5x)")


def growth(out: Path) -> None:
    per = []
    for n in (8, 16):              # 36 and 196 steps with a 3x3 kernel
        steps = (n - 2) ** 2
        s, m = run(CONVVIZ + ["render", "conv2d", "--in-size", str(n), "--kernel-size", "3", "-o",
                              str(out / f"g{n}.gif")])
        per.append(s / steps)
        row(f"conv2d --in-size {n} ({steps} steps, GIF)", s, m, f"{s / steps:.3f} s/step (target: flat; "
            f"memory <= 800 MB)")
    s, m = run(CONVVIZ + ["render", "conv2d", "--in-size", "21", "--kernel-size", "3", "--format", "png", "-o",
                          str(out / "big.png")])
    row("conv2d --in-size 21 --format png (still, 361 steps)", s, m, "target: the final state only")


def smooth_vs_stock(out: Path, quality: str) -> None:
    flag = {"low": "-ql", "medium": "-qm", "high": "-qh"}[quality]
    s_stock, m_stock = run([PY, "-m", "manim", flag, "--media_dir", str(out / "stock"), "--disable_caching",
                            "scenes/multichannel.py", "MultiChannelScene"])
    stock_frames, stock_px = _video_frames(next((out / "stock").rglob("*.mp4")))
    s_ours, m_ours = run(CONVVIZ + ["render", "cnn-gif2", "--smooth", "--format", "mp4", "--quality", quality,
                                    "-o", str(out / "ours.mp4")])
    ours_frames, ours_px = _video_frames(out / "ours.mp4")
    cost_stock = s_stock / stock_frames / (stock_px / 1e6)
    cost_ours = s_ours / ours_frames / (ours_px / 1e6)
    row(f"stock manim {flag} MultiChannelScene ({stock_frames} frames)", s_stock, m_stock,
        f"{cost_stock * 1000:.1f} ms per frame per MP")
    row(f"convviz cnn-gif2 --smooth mp4 {quality} ({ours_frames} frames)", s_ours, m_ours,
        f"{cost_ours * 1000:.1f} ms per frame per MP = {cost_ours / cost_stock:.2f}x stock (target <= 0.5x; "
        f"memory <= 800 MB)")


def _video_frames(path: Path) -> tuple[int, int]:
    import av

    with av.open(str(path)) as c:
        st = c.streams.video[0]
        n = sum(1 for _ in c.demux(st) if _.size)
        return n, st.codec_context.width * st.codec_context.height


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quality", default="low", choices=("low", "medium", "high"),
                    help="quality of the smooth-video comparison (default: low)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        print(f"{'case':<58} {'wall':>10} {'peak RSS':>11}")
        latency(out)
        growth(out)
        smooth_vs_stock(out, args.quality)


if __name__ == "__main__":
    main()
