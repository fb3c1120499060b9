"""``convviz slides NAME [NAME ...] -o DECK``: a teaching deck of catalogue entries, stepped one press at a time.

Each animated entry is one slide whose steps are its held states (the frames of its GIF); each still is one
slide; a caption from the catalogue under each. The format follows DECK's extension:

- ``.html``: one self-contained file (``player``): → / Space / click next step, ← back, Home / End, F full screen.
- ``.pptx``: one 16:9 slide per step (a click advances in every presentation program), the caption and the
  step's sum line in the notes field.
- ``.tex``: a Beamer file with its frames written beside it (``DECK-frames/``): one frame per entry, one overlay
  (``\\includegraphics<k>``) per step; ``pdflatex`` compiles it with the project's TeX Live packages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import catalogue
from ..files import atomic_path
from ..options import LANGS, QUALITIES, STILL_FORMATS, THEME_NAMES
from .errors import UsageError
from .player import Slide

DECK_FORMATS = {".html": "html", ".htm": "html", ".pptx": "pptx", ".tex": "tex"}


# ------------------------------------------------------------------------------------------------ command line
def add_slides_parser(sub, add_layer_arguments) -> None:
    s = sub.add_parser("slides", help="a teaching deck (HTML, PowerPoint or Beamer) stepping through entries",
                       description="Write a deck of catalogue entries: each animated entry one slide stepped one "
                       "kernel position per press, each still one slide, the catalogue's caption under each. The "
                       "format follows the output's extension: .html (one self-contained file), .pptx, .tex "
                       "(Beamer, frames written beside it).")
    s.add_argument("names", nargs="+", metavar="NAME", help="catalogue names (see `convviz list`)")
    s.add_argument("-o", "--output", type=Path, required=True, help="the deck: DECK.html, DECK.pptx or DECK.tex")
    s.add_argument("--quality", choices=QUALITIES, default="medium", help="frame size (default: medium)")
    s.add_argument("--theme", choices=THEME_NAMES, help="light (default) or dark")
    s.add_argument("--lang", choices=LANGS, default="en", help="labels and captions: en (default) or zh")
    s.add_argument("--step-seconds", type=float, help="seconds per step when the HTML player plays (default 1)")
    s.add_argument("--show-formula", action="store_true", help="show the output-size formula with numbers")
    s.add_argument("--show-pytorch", action="store_true", help="show the matching PyTorch call")
    s.add_argument("--jobs", type=int, help="entries drawn in parallel (default: the number of cores)")
    add_layer_arguments(s)


def cmd_slides(args, render_overrides) -> int:
    try:
        overrides = render_overrides(args)
        options = dict(theme=args.theme, lang=args.lang, step_seconds=args.step_seconds,
                       show_formula=args.show_formula or None, show_pytorch=args.show_pytorch or None)
        plan = plan_deck(args.names, args.output, overrides, options, args.quality)
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None
    try:
        slides = draw_slides(plan, args.quality, args.lang, args.jobs, progress=sys.stderr.isatty())
    except ValueError as e:                          # a scene's own limits
        raise UsageError(str(e)) from None
    write_deck(slides, args.output, args.lang)
    print(args.output)
    return 0


# ------------------------------------------------------------------------------------------------ the deck
FRAME_FILE = re.compile(r"^\d{2}-[A-Za-z0-9-]*-(\d{3}|caption)\.(png|jpg)$")


def deck_format(out: Path) -> str:
    """html, pptx or tex from the extension; a Beamer deck's frame folder may only hold frames of a deck."""
    from ..files import check_output

    out = Path(out)
    fmt = DECK_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ValueError(f"--output {out}: a deck ends in .html, .pptx or .tex")
    check_output(out, "--output")
    frames = out.parent / f"{out.stem}-frames"
    if fmt == "tex" and (frames.is_file() or frames.is_dir() and not all(
            p.is_file() and FRAME_FILE.match(p.name) for p in frames.iterdir())):
        raise ValueError(f"--output {out}: {frames} exists and holds other files (the deck's frames go there)")
    return fmt


def plan_deck(names, out: Path, overrides: dict, options: dict, quality: str = "medium") -> list[tuple]:
    """Check everything before anything is drawn (the figures, the frames' memory, the output path):
    [(entry, figure, options, overridden)]."""
    from .run import check_render

    deck_format(out)
    if overrides and len(names) > 1:
        raise ValueError(f"layer parameters apply to one entry; got {len(names)} names ({', '.join(names)})")
    plan = []
    for name in names:
        entry = catalogue.get_entry(name)
        fig = entry.resolve(**overrides)
        opts = entry.options(**options, smooth=False)
        check_render(entry, fig, opts, entry.format, quality, in_memory=True)
        plan.append((entry, fig, opts, bool(overrides)))
    return plan


def draw_slides(plan, quality: str, lang: str, jobs: int | None = None, progress: bool = False) -> list[Slide]:
    """Every planned entry drawn, in parallel processes when there are several (each with its own Manim cache,
    like ``notes``), in the plan's order."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(plan)))
    if jobs == 1:
        return [make_slide(*item, quality=quality, lang=lang, progress=progress) for item in plan]
    from .batch import worker_pool

    with worker_pool(jobs) as pool:
        futures = [pool.submit(make_slide, *item, quality=quality, lang=lang, progress=progress) for item in plan]
        return [f.result() for f in futures]


def make_slide(entry, fig, options, overridden: bool = False, quality: str = "medium", lang: str = "en",
               progress: bool = False) -> Slide:
    """Render ``entry``'s held states (Manim runs here) into a ``Slide``."""
    from scenes.render.capture import held_frames, theme_colours

    from .player import palette_pngs, still_image

    if progress:
        print(f"convviz: drawing {entry.name} …", file=sys.stderr)
    held = held_frames(entry.scene, fig, options, entry.format, quality)
    pixels = [f.pixels for f in held.frames]
    title, caption = heading(entry, fig, overridden, lang)
    h, w = pixels[0].shape[:2]
    common = dict(name=entry.name, title=title, caption=caption, size=(w, h),
                  background=tuple(int(v) for v in pixels[0][0, 0, :3]))
    if entry.format in STILL_FORMATS:
        data, mime = still_image(pixels[0], entry.format)
        return Slide(images=[data], mime=mime, texts=[""], seconds=[options.final_hold], animated=False, **common)
    images = palette_pngs(pixels, exact=theme_colours(options.theme))
    return Slide(images=images, mime="image/png", texts=frame_texts(held),
                 seconds=[f.seconds for f in held.frames], animated=True, **common)


def step_texts(drawn: dict) -> list[str]:
    """The sum line of each held state, read from the scene's record ([] when it keeps none): conv scenes keep
    one equation per step, multichannel and 3-D scenes a line or text per step, transposed ones their views'
    lines (scatter) and equations (gather) in the order shown."""
    if isinstance(drawn.get("equations"), list):
        return [str(s) for s in drawn["equations"]]
    steps = drawn.get("steps")
    if isinstance(steps, list) and steps and isinstance(steps[0], dict):
        key = next((k for k in ("line", "text") if k in steps[0]), None)
        return [str(s[key]) for s in steps] if key else []
    texts: list[str] = []
    for view in drawn.get("views") or []:
        rec = drawn.get(view) or {}
        texts += [str(s) for s in (rec.get("lines") or rec.get("equations") or [])]
    return texts


def frame_texts(held) -> list[str]:
    """One sum line per frame ('' everywhere when the record does not match the held states one to one)."""
    texts = step_texts(held.drawn)
    out = [""] * len(held.frames)
    if len(texts) != len(held.held):
        return out
    for text, frame in zip(texts, held.held):
        out[frame] = text
    return out


def layer_summary(fig) -> str:
    """``nn.Conv2d(1, 1, kernel_size=3, stride=2): 7×7 → 3×3``, computed from the figure's data."""
    from .. import ops
    from ..describe import pytorch_conv, pytorch_conv_transpose

    k = tuple(fig.weight.shape[2:])
    if hasattr(fig, "output_padding"):
        y = ops.conv_transpose(fig.x, fig.weight, fig.bias, fig.stride, fig.padding, fig.output_padding,
                               fig.groups, fig.dilation)
        call = pytorch_conv_transpose(fig.x.shape[0], fig.weight.shape[1] * fig.groups, k, fig.stride,
                                      fig.padding, fig.output_padding, fig.groups, fig.dilation,
                                      bias=fig.bias is not None)
    else:
        y = ops.conv(fig.x, fig.weight, fig.bias, fig.stride, fig.padding, fig.dilation, fig.groups)
        call = pytorch_conv(fig.x.shape[0], fig.weight.shape[0], k, fig.stride, fig.padding, fig.dilation,
                            fig.groups, bias=fig.bias is not None)
    return f"{call}: {'×'.join(map(str, fig.x.shape))} → {'×'.join(map(str, y.shape))}"


def heading(entry, fig, overridden: bool, lang: str) -> tuple[str, str]:
    """(title, caption) of a slide. The catalogue's caption describes the entry's own data, so it is left out
    when the user changed the parameters; a parametric entry's title is its layer, computed."""
    caption = "" if overridden else entry.caption(lang)
    if entry.parametric and hasattr(fig, "weight"):
        return layer_summary(fig), caption
    return (entry.description if lang == "en" else entry.name), caption


def write_deck(slides: list[Slide], out: Path, lang: str = "en") -> Path:
    fmt = deck_format(out)
    if fmt == "html":
        from .player import deck_html

        page = deck_html(slides, Path(out).stem, lang)
        with atomic_path(Path(out)) as tmp:
            tmp.write_text(page, encoding="utf-8")
        return Path(out)
    if fmt == "pptx":
        return write_pptx(slides, Path(out))
    return write_beamer(slides, Path(out))


# ------------------------------------------------------------------------------------------------ PowerPoint
SLIDE_W, SLIDE_H = 12192000, 6858000        # EMU: 13.333 x 7.5 in, 16:9
TITLE_H = 457200                            # 0.5 in band for the title and step counter


def write_pptx(slides: list[Slide], out: Path) -> Path:
    """One 16:9 slide per step (one per still): the picture at full width (or full height when it is tall),
    a title line with the step counter, the caption and the step's sum line in the notes."""
    import io

    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    blank = prs.slide_layouts[6]
    for s in slides:
        fg = RGBColor(0xF3, 0xF4, 0xF6) if sum(s.background) < 384 else RGBColor(0x1A, 0x20, 0x2C)
        for k, image in enumerate(s.images):
            page = prs.slides.add_slide(blank)
            page.background.fill.solid()
            page.background.fill.fore_color.rgb = RGBColor(*s.background)
            w, h = s.size
            scale = min(SLIDE_W / w, (SLIDE_H - TITLE_H) / h)
            pw, ph = int(w * scale), int(h * scale)
            page.shapes.add_picture(io.BytesIO(image), (SLIDE_W - pw) // 2, TITLE_H + (SLIDE_H - TITLE_H - ph) // 2,
                                    pw, ph)
            box = page.shapes.add_textbox(Pt(18), 0, SLIDE_W - 2 * Pt(18), TITLE_H)
            para = box.text_frame.paragraphs[0]
            para.text = s.title + (f"   ·   {k + 1} / {s.steps}" if s.steps > 1 else "")
            para.font.size, para.font.color.rgb = Pt(16), fg
            notes = [s.caption] if s.caption else []
            if s.texts and s.texts[k]:
                notes.append(f"{k + 1}/{s.steps}: {s.texts[k]}")
            page.notes_slide.notes_text_frame.text = "\n\n".join(notes)
    with atomic_path(out) as tmp:
        prs.save(str(tmp))
    return out


# ------------------------------------------------------------------------------------------------ Beamer
TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
               "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
TEX_UNICODE = {"×": r"$\times$", "·": r"$\cdot$", "Σ": r"$\Sigma$", "ᵀ": r"$^{T}$", "ₐ": r"$_{a}$",
               "ₘ": r"$_{m}$", "ₙ": r"$_{n}$", "→": r"$\to$", "−": r"$-$", "∗": r"$\ast$", "∫": r"$\int$",
               "⋆": r"$\star$", "⌊": r"$\lfloor$", "⌋": r"$\rfloor$", "…": r"\ldots{}", "–": "--",
               "—": "---",
               "‘": "`", "’": "'", "“": "``", "”": "''", "≤": r"$\leq$", "≥": r"$\geq$", "≠": r"$\neq$"}


def tex_text(s: str) -> str | None:
    """``s`` for pdflatex, or None when it holds a character the base TeX fonts cannot set (Chinese)."""
    out = []
    for c in s:
        if c in TEX_SPECIAL:
            out.append(TEX_SPECIAL[c])
        elif c in TEX_UNICODE:
            out.append(TEX_UNICODE[c])
        elif ord(c) < 128:
            out.append(c)
        else:
            return None
    return "".join(out)


def _text_image(text: str, path: Path, color: tuple[int, int, int], background: tuple[int, int, int],
                width: int = 1800, size: int = 40) -> Path:
    """A caption pdflatex cannot set (Chinese) drawn as a picture with the CJK font Manim uses."""
    from PIL import Image, ImageDraw, ImageFont

    font_file = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True,
                               text=True).stdout.strip() if shutil.which("fc-match") else ""
    font = ImageFont.truetype(font_file, size) if font_file else ImageFont.load_default(size)
    lines, line = [], ""
    for c in text:                                   # greedy wrap, character by character (CJK has no spaces)
        if font.getlength(line + c) > width and line:
            lines.append(line)
            line = c.lstrip()
        else:
            line += c
    lines.append(line)
    step = int(size * 1.4)
    im = Image.new("RGB", (width, step * len(lines) + size // 3), background)
    draw = ImageDraw.Draw(im)
    for i, ln in enumerate(lines):
        draw.text((width / 2, i * step), ln, font=font, fill=color, anchor="ma")
    im.save(path, format="PNG", optimize=True)
    return path


def _tex_frame(s: Slide, index: int, folder: Path, rel: str) -> list[str]:
    stem = f"{index:02d}-{re.sub(r'[^A-Za-z0-9]+', '-', s.name).strip('-')}"
    for k, data in enumerate(s.images):
        (folder / f"{stem}-{k + 1:03d}.{s.ext}").write_bytes(data)
    title = tex_text(s.title)
    lines = [r"\begin{frame}" + (f"{{{title}}}" if title else ""), r"  \centering"]
    size = r"width=\linewidth,height=0.74\textheight,keepaspectratio"
    if s.steps == 1:
        lines.append(rf"  \includegraphics[{size}]{{{rel}/{stem}-001.{s.ext}}}")
    else:
        lines += [rf"  \includegraphics<{k + 1}>[{size}]{{{rel}/{stem}-{k + 1:03d}.{s.ext}}}%"
                  for k in range(s.steps)]
    if s.caption:
        cap = tex_text(s.caption)
        if cap is None:
            fg = (243, 244, 246) if sum(s.background) < 384 else (74, 85, 104)
            _text_image(s.caption, folder / f"{stem}-caption.png", fg, s.background)
            lines.append(rf"  \par\vspace{{2pt}}\includegraphics[width=0.9\linewidth]{{{rel}/{stem}-caption.png}}")
        else:
            lines.append(rf"  \par\vspace{{2pt}}{{\footnotesize {cap}\par}}")
    lines.append(r"\end{frame}")
    return lines


def write_beamer(slides: list[Slide], out: Path) -> Path:
    """``out`` (.tex) and its pictures in ``<stem>-frames/`` beside it; the folder is replaced whole."""
    folder = out.parent / f"{out.stem}-frames"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.stem}-frames.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)                    # mkdtemp's folder is private; a deck's folder is not
    try:
        body = []
        for i, s in enumerate(slides, 1):
            body += _tex_frame(s, i, tmp, folder.name)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    bg = "%02X%02X%02X" % slides[0].background
    fg = "F3F4F6" if sum(slides[0].background) < 384 else "1A202C"
    doc = [r"\documentclass[aspectratio=169]{beamer}", r"\usepackage{graphicx}",
           r"\setbeamertemplate{navigation symbols}{}",
           rf"\definecolor{{cvbg}}{{HTML}}{{{bg}}}\definecolor{{cvfg}}{{HTML}}{{{fg}}}",
           r"\setbeamercolor{background canvas}{bg=cvbg}\setbeamercolor{normal text}{fg=cvfg}",
           r"\setbeamercolor{frametitle}{fg=cvfg}",
           r"\graphicspath{{./}}", r"\begin{document}", *body, r"\end{document}", ""]
    with atomic_path(out) as t:
        t.write_text("\n".join(doc), encoding="utf-8")
    return out
