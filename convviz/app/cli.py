"""``convviz list | render | notes | slides``. Manim is imported only when something is rendered.

Bad input (parameters, files, names, formats) is one line on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from .. import catalogue
from ..options import FORMATS, LANGS, QUALITIES, THEME_NAMES
from .errors import ENVIRONMENT_ERRNOS, EXIT_USAGE, UsageError, install_signal_handlers, report, restore_signal_handlers
from .run import check_render, render_entry


class _Parser(argparse.ArgumentParser):
    def error(self, message):                      # one line, exit 2, no usage dump
        raise UsageError(message)


_INT = r"\s*([+-]?[0-9]+)\s*"
_INT_OR_PAIR = re.compile(rf"^{_INT}(?:[,x]{_INT})?$")


def _int_or_pair(text: str, name: str):
    """``3`` → 3, ``3,2`` or ``3x2`` → (3, 2); anything else (empty, ``4x``, ``3,2,1``, ``3.5``) is refused."""
    m = _INT_OR_PAIR.match(text)
    if not m:
        raise UsageError(f"--{name}: expected an int or two ints like 3,2, got {text!r}")
    a, b = m.groups()
    return int(a) if b is None else (int(a), int(b))


def _padding(text: str):
    if text.strip() in ("same", "valid"):
        return text.strip()
    return _int_or_pair(text, "padding")


def _path(text: str) -> Path:
    """A path argument: an empty one is refused (``Path("")`` would silently mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path")
    return Path(text)


def add_layer_arguments(parser) -> None:
    """The layer parameters of parametric scenes (``render`` and ``slides``)."""
    g = parser.add_argument_group("layer parameters (parametric scenes)")
    g.add_argument("--in-size", help="input size: N or H,W")
    g.add_argument("--kernel-size", help="kernel size: K or KH,KW")
    g.add_argument("--stride", help="stride: S or SH,SW")
    g.add_argument("--padding", help="padding: P, PH,PW, 'same' or 'valid'")
    g.add_argument("--dilation", help="dilation: D or DH,DW")
    g.add_argument("--output-padding", help="output padding of a transposed conv (bottom/right)")
    g.add_argument("--groups", type=int, help="channel groups")
    g.add_argument("--in-channels", type=int, help="input channels")
    g.add_argument("--out-channels", type=int, help="output channels")
    g.add_argument("--seed", type=int, help="seed of the random data (default: the entry's)")
    g.add_argument("--input", type=_path, help="input data: .npy, .json (nested lists) or .csv (one 2-D slice)")
    g.add_argument("--weight", type=_path, help="weight data: .npy, .json or .csv (a 2-D kernel)")
    g.add_argument("--bias", help="bias values, comma-separated (one per output channel)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="convviz", description="Convolution explained in pictures: render the course's figures "
                "and animations from computed values.")
    sub = p.add_subparsers(dest="command", metavar="{list,render,notes,slides}", parser_class=_Parser)

    ls = sub.add_parser("list", help="every scene and figure, one line each",
                        description="List every catalogue entry: the notes' files and the parametric scenes.")
    ls.add_argument("--notes", action="store_true", help="only the files of the notes' images/ folder")

    r = sub.add_parser("render", help="render scenes or figures",
                       description="Render catalogue entries to GIF, MP4, WebM, PNG or JPG. Parametric scenes "
                       "(conv2d, conv_transpose2d, dilation, multichannel, padding, stride and the conv-arithmetic "
                       "names) take the layer parameters and your own data. Several names (or --out-dir) render "
                       "in parallel worker processes into DIR/NAME.FORMAT, cached like `notes`: a file whose "
                       "inputs did not change is not drawn again.")
    r.add_argument("name", nargs="+", help="catalogue name(s) (see `convviz list`)")
    r.add_argument("-o", "--output", type=_path, help="output file of one name (default: output/NAME.FORMAT)")
    r.add_argument("--out-dir", type=_path, help="folder for DIR/NAME.FORMAT files, rendered in parallel and "
                   "cached (default with several names: output)")
    r.add_argument("--jobs", type=int, help="parallel render processes with several names (default: cores)")
    r.add_argument("--force", action="store_true", help="with --out-dir or several names: render even when "
                   "the cache says nothing changed")
    r.add_argument("--format", choices=FORMATS, help="output format (default: the entry's own)")
    r.add_argument("--quality", choices=QUALITIES, default="medium", help="low 854px, medium 1280px, high "
                   "1920px-class renders (default: medium)")
    r.add_argument("--fps", type=int, help="frame rate of tweened output (default: by quality)")
    r.add_argument("--theme", choices=THEME_NAMES, help="light (default) or dark")
    r.add_argument("--lang", choices=LANGS, help="label language: en (default) or zh")
    r.add_argument("--step-seconds", type=float, help="seconds per kernel step (default 1)")
    r.add_argument("--final-hold", type=float, help="seconds the last frame is held")
    r.add_argument("--smooth", action="store_true", help="tween between steps")
    r.add_argument("--single-frame", action=argparse.BooleanOptionalAction, default=None,
                   help="GIF/MP4 of the final state only (cnn-gif1's default); --no-single-frame animates")
    r.add_argument("--show-formula", action="store_true", help="show the output-size formula with numbers")
    r.add_argument("--show-pytorch", action="store_true", help="show the matching PyTorch call")
    add_layer_arguments(r)

    n = sub.add_parser("notes", help="regenerate the notes' whole images/ folder",
                       description="Write every file of the notes' images/ folder under its original name: "
                       "in parallel, cached, reproducible.")
    n.add_argument("--out", type=_path, default=Path("output/images"), help="folder (default: output/images)")
    n.add_argument("--only", help="comma-separated file stems, e.g. cnn-gif3,cnn-figure1")
    n.add_argument("--quality", choices=QUALITIES, default="medium", help="default: medium")
    n.add_argument("--lang", choices=LANGS, default="en", help="label language (default: en)")
    n.add_argument("--jobs", type=int, help="parallel render processes (default: the number of cores)")
    n.add_argument("--force", action="store_true", help="render even when the cache says nothing changed")
    n.add_argument("--gallery", type=_path, default=Path("output/gallery.html"),
                   help="HTML page showing every file with its caption (default: output/gallery.html)")
    from .slides import add_slides_parser      # light: the deck's writers load when it is made
    add_slides_parser(sub, add_layer_arguments)
    return p


# ----------------------------------------------------------------------------------------------- commands
def cmd_list(args) -> int:
    entries = catalogue.notes_entries() if args.notes else catalogue.ENTRIES
    width = max(len(e.name) for e in entries)
    for e in entries:
        tag = "notes " if e.notes else ("param " if e.parametric else "figure")
        print(f"{e.name:<{width}}  {tag} {e.format:<4} {e.description}")
    return 0


def render_overrides(args) -> dict:
    """The layer parameters given on the command line, with data files loaded and checked."""
    from .datafiles import load_array, parse_values

    def given(text, name, parse=_int_or_pair):           # "" is a value given (and refused), not "not given"
        return None if text is None else parse(text, name) if parse is _int_or_pair else parse(text)

    ov = {
        "in_size": given(args.in_size, "in-size"),
        "kernel_size": given(args.kernel_size, "kernel-size"),
        "stride": given(args.stride, "stride"),
        "padding": given(args.padding, "padding", _padding),
        "dilation": given(args.dilation, "dilation"),
        "output_padding": given(args.output_padding, "output-padding"),
        "groups": args.groups, "in_channels": args.in_channels, "out_channels": args.out_channels,
        "seed": args.seed,
    }
    if args.input is not None:
        ov["x"] = load_array(args.input, "input")
    if args.weight is not None:
        ov["weight"] = load_array(args.weight, "weight")
    if args.bias is not None:
        ov["bias"] = parse_values(args.bias)
    return {k: v for k, v in ov.items() if v is not None}


def _check_render_options(args, entry, fmt: str) -> None:
    """Options that mean nothing for this output are refused, with the word why."""
    from ..options import STILL_FORMATS

    if args.fps is not None and not 1 <= args.fps <= 120:
        raise UsageError(f"--fps must be between 1 and 120, got {args.fps}")
    if not entry.parametric:
        for opt, used in (("--show-formula", args.show_formula), ("--show-pytorch", args.show_pytorch)):
            if used:
                raise UsageError(f"{opt} does nothing for {entry.name} (only the parametric scenes show it)")
    motion = [("--smooth", args.smooth), ("--fps", args.fps is not None),
              ("--step-seconds", args.step_seconds is not None), ("--final-hold", args.final_hold is not None),
              ("--single-frame", args.single_frame is not None)]
    if fmt in STILL_FORMATS:
        for opt, used in motion:
            if used:
                raise UsageError(f"{opt} does nothing for a still ({fmt}: the final state, one image); drop it "
                                 "or use --format gif, mp4 or webm")
        return
    single = args.single_frame if args.single_frame is not None else entry.option_defaults.get("single_frame", False)
    if single:
        for opt, used in motion[:3]:
            if used:
                raise UsageError(f"{opt} does nothing for a single-frame {fmt} (the final state only"
                                 + ("; add --no-single-frame to animate)" if args.single_frame is None else ")"))
    if fmt == "gif" and args.fps is not None and not args.smooth:
        raise UsageError("--fps does nothing for a GIF without --smooth (each step is one frame shown "
                         "--step-seconds long); add --smooth or drop --fps")


def _render_options(args, entry):
    return entry.options(theme=args.theme, lang=args.lang, step_seconds=args.step_seconds,
                         final_hold=args.final_hold, smooth=args.smooth or None, single_frame=args.single_frame,
                         show_formula=args.show_formula or None, show_pytorch=args.show_pytorch or None)


def _plan_render(args, name: str, overrides: dict, out: Path | None):
    """(entry, params, options, format, output path) of one name, everything checked before drawing."""
    if not name.strip():
        raise UsageError("no scene name given: `convviz list` shows every name")
    entry = catalogue.get_entry(name)
    params = entry.resolve(**overrides)
    fmt = args.format or entry.format
    out = out or (args.out_dir or Path("output")) / f"{entry.name}.{fmt}"
    if out.suffix.lower().lstrip(".") not in (fmt, "jpeg" if fmt == "jpg" else fmt):
        raise UsageError(f"--output {out} does not end in .{fmt} (the format)")
    _check_render_options(args, entry, fmt)
    options = _render_options(args, entry)
    check_render(entry, params, options, fmt, args.quality, fps=args.fps)
    return entry, params, options, fmt, out


def cmd_render(args) -> int:
    from ..files import check_cache, check_folder, check_output

    names = args.name
    batch = len(names) > 1 or args.out_dir is not None
    try:
        overrides = render_overrides(args)
        if batch:
            if args.output is not None:
                raise UsageError(f"-o/--output names one file; for {len(names)} names use --out-dir DIR "
                                 "(each written as DIR/NAME.FORMAT)")
            if overrides and len(names) > 1:
                raise UsageError(f"layer parameters apply to one entry; got {len(names)} names "
                                 f"({', '.join(names)})")
            if args.jobs is not None and args.jobs < 1:
                raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
            if len(set(names)) < len(names):
                twice = sorted({n for n in names if names.count(n) > 1})
                raise UsageError("a name is given twice: " + ", ".join(twice))
            plans = [_plan_render(args, n, overrides, None) for n in names]
            check_folder(args.out_dir or Path("output"), "--out-dir")
        else:
            if args.jobs is not None or args.force:
                raise UsageError("--jobs and --force are for several names or --out-dir (the cached batch render)")
            plans = [_plan_render(args, names[0], overrides, args.output)]
            check_output(plans[0][4], "--output")           # before rendering: a bad path costs nothing
        check_cache()
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None
    if batch:
        return _render_batch(args, plans)
    entry, params, options, fmt, out = plans[0]
    try:
        render_entry(entry, params, options, out, fmt, args.quality, fps=args.fps, progress=sys.stderr.isatty())
    except ValueError as e:                         # a scene's own limits (e.g. channels it can draw)
        raise UsageError(str(e)) from None
    except OSError as e:                            # a full disk, say: name the file being written
        if e.errno in ENVIRONMENT_ERRNOS and not e.filename:
            raise UsageError(f"{e.strerror or e} while writing {out}; nothing was written") from None
        raise
    print(out)
    return 0


def _render_batch(args, plans) -> int:
    """Several files in parallel workers, cached (``batch.run_tasks``); their paths on stdout, failures on
    stderr, exit 1 if any failed."""
    from .batch import Task, run_tasks

    out_dir = args.out_dir or Path("output")
    tasks = [Task(e.name, out, params, options, fmt, args.quality, fps=args.fps)
             for e, params, options, fmt, out in plans]
    results = run_tasks(tasks, out_dir, args.jobs, args.force, progress=sys.stderr.isatty(), desc="convviz render")
    for t, r in zip(tasks, results):
        if r.status == "failed":
            print(f"convviz: {t.name}: {r.error}", file=sys.stderr)
        else:
            print(t.out)
    return 1 if any(r.status == "failed" for r in results) else 0


def main(argv=None) -> int:
    """The one top-level handler: expected errors are one line and exit 2, signals exit 128 + signal after
    the clean-up, anything else one line naming the file with the full trace, exit 1."""
    previous = install_signal_handlers()
    try:
        return _dispatch(argv)
    except BrokenPipeError:                           # `convviz list | head`: the reader left; say nothing
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return 141
    except BaseException as e:                        # noqa: BLE001 - every error ends as one line
        if isinstance(e, SystemExit):
            raise
        return report(e)
    finally:
        restore_signal_handlers(previous)             # callers (tests) get their handlers back


def _dispatch(argv) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "list":
        return cmd_list(args)
    if args.command == "render":
        return cmd_render(args)
    if args.command == "notes":
        from .notes import cmd_notes      # loads the process pool only when needed
        return cmd_notes(args)
    if args.command == "slides":
        from .slides import cmd_slides
        return cmd_slides(args, render_overrides)
    return 0


def run() -> None:
    """The ``convviz`` program: ``main``, then exit at once. The exit handlers run (scratch folders removed,
    worker processes joined) and output is flushed, but Python does not tear down every object one by one:
    after a render that is a third of a second of freeing memory the system frees anyway."""
    code = main()
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):               # a reader that left, a closed stream: nothing to save
            pass
    os._exit(int(code or 0))


if __name__ == "__main__":
    run()
