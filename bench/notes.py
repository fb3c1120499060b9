"""Benchmark of `convviz notes` (printed, not asserted):

    .venv/bin/python bench/notes.py [--quality medium] [--jobs N]

- a cold full run (empty convviz and Manim caches) and a warm run (nothing changed), in seconds;
- the largest resident memory of any render process;
- per figure: seconds, bytes, pixel size, beside the original's bytes and size (../shared/reference/notes-images);
- the GIFs' total bytes as a fraction of the originals' (target ≤ 0.3), each GIF at least as wide as its
  original, each still at least 1280 px wide.
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
ORIGINALS = ROOT.parent / "shared" / "reference" / "notes-images"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quality", default="medium")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--originals", type=Path, default=ORIGINALS)
    args = ap.parse_args()

    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="convviz-bench-") as tmp:
        os.environ["CONVVIZ_CACHE"] = str(Path(tmp) / "cache")          # cold: no Manim text/TeX cache either
        from convviz import catalogue
        from convviz.app.notes import run_notes

        entries = catalogue.notes_entries()
        out = Path(tmp) / "images"
        t0 = time.perf_counter()
        cold = run_notes(out, entries, args.quality, "en", args.jobs, force=True, progress=False)
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = run_notes(out, entries, args.quality, "en", args.jobs, progress=False)
        t_warm = time.perf_counter() - t0
        # the same warm run as a user types it: a new process (imports included)
        t0 = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "convviz.app.cli", "notes", "--out", str(out), "--quality",
                              args.quality, "--gallery", str(Path(tmp) / "gallery.html")], capture_output=True,
                             text=True, env=os.environ.copy(), cwd=ROOT)
        t_warm_cli = time.perf_counter() - t0
        max_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        print(f"{'file':<18} {'status':<8} {'s':>6} {'bytes':>9} {'size':>10}   {'orig bytes':>10} {'orig size':>10}")
        gif_bytes = gif_orig = 0
        problems = []
        for r in cold:
            f = out / r.file
            size = Image.open(f).size if f.exists() else (0, 0)
            o = args.originals / r.file
            osize = Image.open(o).size if o.exists() else (0, 0)
            obytes = o.stat().st_size if o.exists() else 0
            print(f"{r.file:<18} {r.status:<8} {r.seconds:>6.1f} {r.bytes:>9,} {size[0]:>4}x{size[1]:<5}   "
                  f"{obytes:>10,} {osize[0]:>4}x{osize[1]:<5} {r.error}")
            if r.file.endswith(".gif"):
                gif_bytes += r.bytes
                gif_orig += obytes
                if size[0] < osize[0]:
                    problems.append(f"{r.file} is {size[0]} px wide, the original {osize[0]}")
            elif size[0] < 1280:
                problems.append(f"{r.file} is {size[0]} px wide (< 1280)")
            if r.status == "failed":
                problems.append(f"{r.file} failed: {r.error}")
        print()
        print(f"cold full run: {t_cold:6.1f} s   (target ≤ 90 s)")
        print(f"warm run:      {t_warm:6.2f} s in-process, {t_warm_cli:.2f} s as a command   (target ≤ 2 s); "
              f"{sum(r.status == 'cached' for r in warm)} of {len(warm)} cached, command exit {cli.returncode}")
        print(f"largest render process: {max_rss_mb:,.0f} MB   (target ≤ 1024 MB)")
        if gif_orig:
            print(f"GIF bytes: {gif_bytes:,} vs originals {gif_orig:,} = {gif_bytes / gif_orig:.3f}   (target ≤ 0.30)")
        for p in problems:
            print("problem:", p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
