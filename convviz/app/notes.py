"""``convviz notes``: regenerate the notes' images/ folder: parallel, cached (``cache``), reproducible,
failure-isolated, with a results table and an HTML gallery (``gallery``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .. import catalogue
from ..files import check_cache, check_folder, check_output
from .batch import Result, Task, print_table, run_tasks, worker_pool  # noqa: F401 - Result, worker_pool: re-exported
from .errors import UsageError
from .gallery import write_gallery

# The notes' GIFs: pixels per scene unit; never narrower than ``Entry.min_width`` (the original's width, or more
# where a figure needs it). The scenes size their text from their cells (digits 0.45 of a 0.6-0.8 unit cell, rows
# at most 10.6 units wide), so at medium the digits are 14-19 px tall (gif1/gif3 ≥ 18, the originals' 21-23 px),
# labels and legends ≥ 12 px, no GIF wider than 1.6x its original (bench/notes.py --gifs prints them, tests/
# test_notes_legibility.py checks them). High is only a little sharper: the widths stay within 1.6x.
NOTES_GIF_DENSITY = {"low": 40.0, "medium": 52.0, "high": 56.0}


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


def notes_tasks(out: Path, entries, quality: str = "medium", lang: str = "en") -> list[Task]:
    """One ``Task`` per notes file: its own data and format, never narrower than the original, the GIFs at
    ``NOTES_GIF_DENSITY``."""
    return [Task(e.name, out / e.file_name, e.resolve(), e.options(lang=lang), e.format, quality,
                 min_width=e.min_width, density=NOTES_GIF_DENSITY[quality] if e.format == "gif" else None)
            for e in entries]


def run_notes(out: Path, entries, quality: str = "medium", lang: str = "en", jobs: int | None = None,
              force: bool = False, progress: bool = True, gallery: Path | None = None) -> list[Result]:
    """Render what changed in parallel (``batch.run_tasks``), then write the gallery."""
    results = run_tasks(notes_tasks(out, entries, quality, lang), out, jobs, force, progress, "convviz notes")
    if gallery is not None:
        write_gallery(gallery, out, entries, results, lang)
    return results


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
