"""``convviz list | render | notes | slides``. Manim is imported only when something is rendered.

Bad input (parameters, files, names, formats) is one line on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import catalogue
from ..options import FORMATS, LANGS, QUALITIES, THEME_NAMES
from .errors import EXIT_USAGE, UsageError
from .run import render_entry


class _Parser(argparse.ArgumentParser):
    def error(self, message):                      # one line, exit 2, no usage dump
        raise UsageError(message)


def _int_or_pair(text: str, name: str):
    """``3`` → 3, ``3,2`` or ``3x2`` → (3, 2)."""
    parts = [p for p in text.replace("x", ",").split(",") if p.strip()]
    try:
        vals = [int(p) for p in parts]
    except ValueError:
        raise UsageError(f"--{name}: expected an int or two ints like 3,2, got {text!r}") from None
    if len(vals) == 1:
        return vals[0]
    if len(vals) == 2:
        return tuple(vals)
    raise UsageError(f"--{name}: expected an int or two ints like 3,2, got {text!r}")


def _padding(text: str):
    if text in ("same", "valid"):
        return text
    return _int_or_pair(text, "padding")


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
    g.add_argument("--input", type=Path, help="input data: .npy, .json (nested lists) or .csv (one 2-D slice)")
    g.add_argument("--weight", type=Path, help="weight data: .npy, .json or .csv (a 2-D kernel)")
    g.add_argument("--bias", help="bias values, comma-separated (one per output channel)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="convviz", description="Convolution explained in pictures: render the course's figures "
                "and animations from computed values.")
    sub = p.add_subparsers(dest="command", metavar="{list,render,notes,slides}", parser_class=_Parser)

    ls = sub.add_parser("list", help="every scene and figure, one line each",
                        description="List every catalogue entry: the notes' files and the parametric scenes.")
    ls.add_argument("--notes", action="store_true", help="only the files of the notes' images/ folder")

    r = sub.add_parser("render", help="render one scene or figure",
                       description="Render a catalogue entry to GIF, MP4, WebM, PNG or JPG. Parametric scenes "
                       "(conv2d, conv_transpose2d, dilation, multichannel, padding, stride and the conv-arithmetic "
                       "names) take the layer parameters and your own data.")
    r.add_argument("name", help="catalogue name (see `convviz list`)")
    r.add_argument("-o", "--output", type=Path, help="output file (default: output/NAME.FORMAT)")
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
    n.add_argument("--out", type=Path, default=Path("output/images"), help="folder (default: output/images)")
    n.add_argument("--only", help="comma-separated file stems, e.g. cnn-gif3,cnn-figure1")
    n.add_argument("--quality", choices=QUALITIES, default="medium", help="default: medium")
    n.add_argument("--lang", choices=LANGS, default="en", help="label language (default: en)")
    n.add_argument("--jobs", type=int, help="parallel render processes (default: the number of cores)")
    n.add_argument("--force", action="store_true", help="render even when the cache says nothing changed")
    n.add_argument("--gallery", type=Path, default=Path("output/gallery.html"),
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

    ov = {
        "in_size": _int_or_pair(args.in_size, "in-size") if args.in_size else None,
        "kernel_size": _int_or_pair(args.kernel_size, "kernel-size") if args.kernel_size else None,
        "stride": _int_or_pair(args.stride, "stride") if args.stride else None,
        "padding": _padding(args.padding) if args.padding else None,
        "dilation": _int_or_pair(args.dilation, "dilation") if args.dilation else None,
        "output_padding": _int_or_pair(args.output_padding, "output-padding") if args.output_padding else None,
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


def cmd_render(args) -> int:
    try:
        entry = catalogue.get_entry(args.name)
        params = entry.resolve(**render_overrides(args))
        fmt = args.format or entry.format
        out = args.output or Path("output") / f"{entry.name}.{fmt}"
        if out.suffix.lower().lstrip(".") not in (fmt, "jpeg" if fmt == "jpg" else fmt):
            raise UsageError(f"--output {out} does not end in .{fmt} (the format)")
        if out.exists() and out.is_dir():
            raise UsageError(f"--output {out} is a folder")
        if args.fps is not None and not 1 <= args.fps <= 120:
            raise UsageError(f"--fps must be between 1 and 120, got {args.fps}")
        options = entry.options(theme=args.theme, lang=args.lang, step_seconds=args.step_seconds,
                                final_hold=args.final_hold, smooth=args.smooth or None, single_frame=args.single_frame,
                                show_formula=args.show_formula or None, show_pytorch=args.show_pytorch or None)
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None
    try:
        render_entry(entry, params, options, out, fmt, args.quality, fps=args.fps, progress=sys.stderr.isatty())
    except ValueError as e:                         # a scene's own limits (e.g. channels it can draw)
        raise UsageError(str(e)) from None
    print(out)
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    try:
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
    except UsageError as e:
        print(f"convviz: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("convviz: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
