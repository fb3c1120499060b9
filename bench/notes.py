"""Benchmark of `convviz notes` (printed, not asserted):

    .venv/bin/python bench/notes.py [--quality medium] [--jobs N] [--gifs]

- a cold full run (empty convviz and Manim caches) and a warm run (nothing changed), in seconds (``--gifs``:
  only the six GIFs, cold, and their legibility table);
- the largest resident memory of any render process;
- per figure: seconds, bytes, pixel size, beside the original's bytes and size (../shared/reference/notes-images);
- per GIF, beside the original: the digits' height in px (the drawn record's smallest "0" times the frames' pixels
  per scene unit, rendered exactly as the notes render it), the smallest label / legend / title and ×w subscript
  in px, the width and bytes. Targets (issue 10): digits ≥ 14 px, in gif1 and gif3 ≥ 18 px (the originals': 21
  and 23 px); labels ≥ 12 px; subscripts ≥ 10 px; each GIF at least as wide as its original and at most 1.6x;
  the six GIFs together ≤ 0.5 of the originals' bytes; each still at least 1280 px wide.
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
# The originals measured once by eye from their PNG frames (rows of the glyph, anti-aliasing included): the digits
# in the grids (gif1's input "3", gif3's "1", gif2's "0"), the labels' capital height ("Image", "Input Volume"),
# the ×w subscripts' digits. gif4, gif5 and gif6 show no numbers and no labels; gif1 has no labels.
ORIGINAL_DIGITS_PX = {"cnn-gif1": 21, "cnn-gif2": 10, "cnn-gif3": 23}
ORIGINAL_LABEL_PX = {"cnn-gif2": 9, "cnn-gif3": 23}
ORIGINAL_SUB_PX = {"cnn-gif1": 13, "cnn-gif3": 12}
TARGET_DIGITS_PX = {"cnn-gif1": 18, "cnn-gif3": 18}     # the others: 14
TARGET_DIGITS_ELSE, TARGET_LABEL_PX, TARGET_SUB_PX = 14, 12, 10
MAX_WIDTH_RATIO, MAX_BYTES_RATIO = 1.6, 0.5


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quality", default="medium")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--originals", type=Path, default=ORIGINALS)
    ap.add_argument("--gifs", action="store_true", help="only the six GIFs (cold) and their legibility")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="convviz-bench-") as tmp:
        os.environ["CONVVIZ_CACHE"] = str(Path(tmp) / "cache")          # cold: no Manim text/TeX cache either
        from convviz import catalogue
        from convviz.app.notes import run_notes

        entries = catalogue.notes_entries()
        if args.gifs:
            entries = [e for e in entries if e.format == "gif"]
        out = Path(tmp) / "images"
        t0 = time.perf_counter()
        cold = run_notes(out, entries, args.quality, "en", args.jobs, force=True, progress=False)
        t_cold = time.perf_counter() - t0
        problems = files_table(cold, out, args.originals)
        print()
        if not args.gifs:
            timings(out, entries, args, t_cold)
        problems += legibility_table(cold, out, args.originals, args.quality)
        for p in problems:
            print("problem:", p)
    return 0


def timings(out: Path, entries, args, t_cold: float) -> None:
    """The warm runs (in process and as a command) and the largest render process, beside their targets."""
    from convviz.app.notes import run_notes

    t0 = time.perf_counter()
    warm = run_notes(out, entries, args.quality, "en", args.jobs, progress=False)
    t_warm = time.perf_counter() - t0
    # the same warm run as a user types it: a new process (imports included)
    t0 = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "convviz.app.cli", "notes", "--out", str(out), "--quality",
                          args.quality, "--gallery", str(out.parent / "gallery.html")], capture_output=True,
                         text=True, env=os.environ.copy(), cwd=ROOT)
    t_warm_cli = time.perf_counter() - t0
    max_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"cold full run: {t_cold:6.1f} s   (target ≤ 90 s)")
    print(f"warm run:      {t_warm:6.2f} s in-process, {t_warm_cli:.2f} s as a command   (target ≤ 2 s); "
          f"{sum(r.status == 'cached' for r in warm)} of {len(warm)} cached, command exit {cli.returncode}")
    print(f"largest render process: {max_rss_mb:,.0f} MB   (target ≤ 1024 MB)")
    print()


def files_table(results, out: Path, originals: Path) -> list[str]:
    """Per file: status, seconds, bytes and size beside the original's; the problems (stills < 1280 px)."""
    from PIL import Image

    print(f"{'file':<18} {'status':<8} {'s':>6} {'bytes':>9} {'size':>10}   {'orig bytes':>10} {'orig size':>10}")
    problems = []
    for r in results:
        f, o = out / r.file, originals / r.file
        size = Image.open(f).size if f.exists() else (0, 0)
        osize = Image.open(o).size if o.exists() else (0, 0)
        obytes = o.stat().st_size if o.exists() else 0
        print(f"{r.file:<18} {r.status:<8} {r.seconds:>6.1f} {r.bytes:>9,} {size[0]:>4}x{size[1]:<5}   "
              f"{obytes:>10,} {osize[0]:>4}x{osize[1]:<5} {r.error}")
        if not r.file.endswith(".gif") and size[0] < 1280:
            problems.append(f"{r.file} is {size[0]} px wide (< 1280)")
        if r.status == "failed":
            problems.append(f"{r.file} failed: {r.error}")
    return problems


def gif_text_px(name: str, quality: str) -> dict[str, float]:
    """{role: px} of the smallest text of each role in ``name``'s frames, built exactly as the notes render it."""
    from convviz import catalogue
    from convviz.app.notes import notes_tasks
    from scenes.render.capture import held_frames

    entry = catalogue.get_entry(name)
    (task,) = notes_tasks(Path("unused"), [entry], quality, "en")
    held = held_frames(entry.scene, task.params, task.options, task.fmt, task.quality, task.fps, task.min_width,
                       task.density)
    return {role: h * held.px_per_unit for role, h in held.drawn.get("text_height", {}).items()}


def legibility_table(results, out: Path, originals: Path, quality: str) -> list[str]:
    """Per GIF: digits, labels, subscripts (px), width and bytes beside the original's and the targets; the
    total bytes' fraction of the originals'. Returns the targets missed."""
    from PIL import Image

    def px(v):
        return f"{v:5.1f}" if v is not None else "    -"

    print(f"{'GIF':<10} {'digits':>6} {'(orig)':>6} {'(min)':>5} {'labels':>6} {'(orig)':>6} {'subs':>5} "
          f"{'(orig)':>6} {'width':>5} {'(orig)':>6} {'ratio':>5} {'bytes':>9} {'(orig)':>9}")
    problems, total, total_orig = [], 0, 0
    for r in [r for r in results if r.file.endswith(".gif") and r.status != "failed"]:
        name, f, o = r.name, out / r.file, originals / r.file
        width, owidth = Image.open(f).size[0], Image.open(o).size[0]
        obytes = o.stat().st_size
        total, total_orig = total + r.bytes, total_orig + obytes
        text = gif_text_px(name, quality)
        need = TARGET_DIGITS_PX.get(name, TARGET_DIGITS_ELSE)
        print(f"{name:<10} {px(text.get('number'))} {px(ORIGINAL_DIGITS_PX.get(name))} {need:>5} "
              f"{px(text.get('label'))} {px(ORIGINAL_LABEL_PX.get(name))} {px(text.get('sub'))} "
              f"{px(ORIGINAL_SUB_PX.get(name))} {width:>5} {owidth:>6} {width / owidth:>5.2f} {r.bytes:>9,} "
              f"{obytes:>9,}")
        for role, least in (("number", need), ("label", TARGET_LABEL_PX), ("sub", TARGET_SUB_PX)):
            if role in text and text[role] < least:
                problems.append(f"{name}: {role} text {text[role]:.1f} px (< {least})")
        if not owidth <= width <= MAX_WIDTH_RATIO * owidth:
            problems.append(f"{name} is {width} px wide, the original {owidth} (allowed {owidth}..."
                            f"{MAX_WIDTH_RATIO * owidth:.0f})")
    if total_orig:
        print(f"\nGIF bytes: {total:,} vs originals {total_orig:,} = {total / total_orig:.3f}   "
              f"(target ≤ {MAX_BYTES_RATIO})")
        if total > MAX_BYTES_RATIO * total_orig:
            problems.append(f"the GIFs are {total / total_orig:.3f} of the originals' bytes (> {MAX_BYTES_RATIO})")
    return problems


if __name__ == "__main__":
    sys.exit(main())
