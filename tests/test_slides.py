"""`convviz slides`: the HTML deck in a real browser (Debian's chromium driven by Playwright), the PowerPoint deck
reopened with python-pptx, the Beamer deck compiled by pdflatex; the gallery's player; bad input."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from convviz.app import slides
from convviz.app.cli import main
from convviz.catalogue import get_entry

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ANIMATED, STILL = "no_padding_no_strides", "cnn-figure1"     # 4 steps (i=4, k=3) and one still
STEPS = 4


def decode(uri_or_bytes) -> np.ndarray:
    data = uri_or_bytes if isinstance(uri_or_bytes, bytes) else base64.b64decode(uri_or_bytes.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def deck_data(page: str) -> dict:
    raw = re.search(r'<script type="application/json">(.*?)</script>', page, re.S).group(1)
    return json.loads(raw.replace("<\\/", "</"))


@pytest.fixture(scope="module")
def gif_frames(tmp_path_factory) -> list[np.ndarray]:
    """The animated entry's GIF, rendered by `convviz render` at the same quality: the reference pictures."""
    out = tmp_path_factory.mktemp("gif") / f"{ANIMATED}.gif"
    assert main(["render", ANIMATED, "--quality", "low", "-o", str(out)]) == 0
    with Image.open(out) as im:
        return [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]


@pytest.fixture(scope="module")
def html_deck(tmp_path_factory) -> Path:
    """The deck alone in a folder (as on a USB stick); its two entries drawn in two processes."""
    out = tmp_path_factory.mktemp("usb") / "deck.html"
    assert main(["slides", ANIMATED, STILL, "--quality", "low", "--jobs", "2", "-o", str(out)]) == 0
    assert [p.name for p in out.parent.iterdir()] == ["deck.html"]
    return out


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is not installed (./dev.sh setup installs it)"
    from playwright import sync_api
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A browser page that blocks and counts every request but the deck file, and keeps console errors."""

    def __init__(self, browser, url: str, width: int = 1024, height: int = 768):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.url, self.blocked, self.errors = url, [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(url)

    def _route(self, route):
        if route.request.url.split("#")[0] == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def state(self) -> dict:
        return self.page.evaluate("""() => { const r = document.querySelector('.cvp');
            return {slide: +r.dataset.slide, step: +r.dataset.step, src: r.querySelector('img').src,
                    sum: r.querySelector('.cvp-sum').textContent, count: r.querySelector('.cvp-count').textContent}}""")

    def close(self):
        self.page.close()


def direct_conv(x: np.ndarray, w: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """(patch, output) per output cell in row-major order, from the definition (stride 1, no padding)."""
    kh, kw = w.shape
    return [(x[r:r + kh, c:c + kw], int((x[r:r + kh, c:c + kw] * w).sum()))
            for r in range(x.shape[0] - kh + 1) for c in range(x.shape[1] - kw + 1)]


# ------------------------------------------------------------------------------------------------ HTML
def test_html_deck_is_one_file_that_loads_nothing(html_deck):
    page = html_deck.read_text(encoding="utf-8")
    assert 200_000 > len(page) > 10_000
    text = re.sub(r"data:[\w/+.;-]*,[\w+/=]*", "data:", page).replace("http-equiv", "")
    assert not re.search(r"https?:|//[a-z]|\burl\(", text, re.I)
    assert re.findall(r'\b(?:src|href)="([^"]*)"', page) == ["data:,"]       # the favicon, inline
    assert "<link rel=\"stylesheet\"" not in page and "@import" not in page


def test_html_deck_steps_through_the_gif_frames_in_a_browser(html_deck, gif_frames, browser):
    data = deck_data(html_deck.read_text(encoding="utf-8"))
    assert [len(s["frames"]) for s in data["slides"]] == [STEPS, 1]
    fig = get_entry(ANIMATED).resolve()
    expected = direct_conv(fig.x[0], fig.weight[0, 0])
    page = Page(browser, html_deck.as_uri())
    try:
        seen = []
        for k in range(STEPS):
            st = page.state()
            assert (st["slide"], st["step"]) == (1, k + 1)
            assert f"{k + 1}/{STEPS}" in st["count"]
            assert np.array_equal(decode(st["src"]), gif_frames[k])          # the GIF's frame, pixel for pixel
            patch, total = expected[k]                                       # the sum line of this step
            terms = re.findall(r"(-?\d+)×(-?\d+)", st["sum"])
            assert [int(a) for a, _ in terms] == patch.reshape(-1).tolist()
            assert st["sum"].endswith(f"= {total}")
            shot = page.page.locator(".cvp-stage img").screenshot()
            assert all(shot != s for s in seen)                              # each step's picture differs
            seen.append(shot)
            page.page.keyboard.press("ArrowRight")
        assert (page.state()["slide"], page.state()["step"]) == (2, 1)       # the still
        assert page.state()["sum"] == "" and get_entry(STILL).caption_en in page.page.inner_text("body")
        page.page.keyboard.press("ArrowLeft")
        assert (page.state()["slide"], page.state()["step"]) == (1, STEPS)
        page.page.keyboard.press("ArrowLeft")
        assert page.state()["step"] == STEPS - 1
        assert np.array_equal(decode(page.state()["src"]), gif_frames[STEPS - 2])
        page.page.keyboard.press("Home")
        assert (page.state()["slide"], page.state()["step"]) == (1, 1)
        page.page.keyboard.press(" ")
        page.page.mouse.click(500, 300)
        assert page.state()["step"] == 3
        page.page.keyboard.press("End")
        assert (page.state()["slide"], page.state()["step"]) == (2, 1)
        page.page.keyboard.press("f")                                        # full screen, and back
        page.page.wait_for_function("!!document.fullscreenElement")
        page.page.keyboard.press("f")
        page.page.wait_for_function("!document.fullscreenElement")
        page.page.goto(html_deck.as_uri() + "#1.3")                          # a reload keeps the place
        page.page.reload()
        assert (page.state()["slide"], page.state()["step"]) == (1, 3)
        assert page.blocked == [] and page.errors == []
    finally:
        page.close()


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_html_deck_fits_the_screen(html_deck, browser, size, tmp_path):
    w, h = size
    page = Page(browser, html_deck.as_uri(), w, h)
    try:
        for keys in ([], ["End"]):                                   # the animated slide, then the still
            for k in keys:
                page.page.keyboard.press(k)
            geo = page.page.evaluate("""() => {
                const box = s => { const r = document.querySelector(s).getBoundingClientRect();
                                   return [r.left, r.top, r.right, r.bottom]; };
                const d = document.documentElement;
                return {scroll: [d.scrollWidth, d.scrollHeight, d.clientWidth, d.clientHeight],
                        img: box('.cvp-stage img'), title: box('.cvp-title'), count: box('.cvp-count'),
                        sum: box('.cvp-sum'), cap: box('.cvp-cap')}}""")
            sw, sh, cw, ch = geo["scroll"]
            assert (sw, sh) == (cw, ch) == (w, h), "scrollbars"
            for name in ("img", "title", "count"):
                x0, y0, x1, y1 = geo[name]
                assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, (name, geo[name])
            img = geo["img"]
            assert img[2] - img[0] >= 0.6 * w or img[3] - img[1] >= 0.45 * h      # the figure is large
            assert geo["title"][3] <= img[1] + 1
            if not keys:
                assert img[3] <= geo["sum"][1] + 1 and geo["sum"][3] <= h
            shot = tmp_path / f"deck-{w}x{h}-{len(keys)}.png"
            page.page.screenshot(path=str(shot))
            pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
            assert pixels.shape[:2] == (h, w)
            # nothing clipped at the window's edges: the outermost rows and columns are the background
            for edge in (pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]):
                assert np.abs(edge - pixels[0, 0]).max() < 8
        assert page.blocked == [] and page.errors == []
    finally:
        page.close()


# ------------------------------------------------------------------------------------------------ PowerPoint
def test_pptx_deck_reopens_with_one_slide_per_step(tmp_path, gif_frames):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    out = tmp_path / "deck.pptx"
    assert main(["slides", ANIMATED, STILL, "--quality", "low", "--jobs", "1", "-o", str(out)]) == 0
    prs = Presentation(str(out))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)          # 16:9
    pages = list(prs.slides)
    assert len(pages) == STEPS + 1
    for k, page in enumerate(pages):
        pics = [s for s in page.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pics) == 1
        pic = pics[0]
        assert pic.left >= 0 and pic.top >= 0 and pic.left + pic.width <= prs.slide_width
        assert pic.top + pic.height <= prs.slide_height
        notes = page.notes_slide.notes_text_frame.text
        if k < STEPS:
            assert np.array_equal(decode(pic.image.blob), gif_frames[k])
            # as large as the slide allows: full width, or the full height under the title band
            assert pic.width == prs.slide_width or abs(pic.height - (prs.slide_height - slides.TITLE_H)) <= 1
            assert notes.startswith(f"{k + 1}/{STEPS}: ") and "×" in notes
        else:
            assert notes == get_entry(STILL).caption_en
    assert len({p.shapes[0].image.sha1 for p in pages[:STEPS]}) == STEPS


# ------------------------------------------------------------------------------------------------ Beamer
def test_beamer_deck_compiles_with_one_page_per_step(tmp_path):
    assert shutil.which("pdflatex"), "pdflatex is not installed (./dev.sh setup installs it)"
    out = tmp_path / "deck.tex"
    assert main(["slides", ANIMATED, STILL, "--quality", "low", "--lang", "zh", "--jobs", "1", "-o", str(out)]) == 0
    tex = out.read_text(encoding="utf-8")
    assert tex.startswith(r"\documentclass[aspectratio=169]{beamer}")
    assert tex.count(r"\begin{frame}") == 2 and tex.count(r"\includegraphics<") == STEPS
    frames = sorted(p.name for p in (tmp_path / "deck-frames").iterdir())
    assert len([f for f in frames if f.startswith("01-")]) == STEPS
    assert "02-cnn-figure1-caption.png" in frames                # the Chinese caption, drawn
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", out.name], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    pages = int(re.search(r"Output written on deck\.pdf \((\d+) pages?", run.stdout).group(1))
    assert pages == STEPS + 1
    # written again: the frame folder is replaced whole, nothing stale is left
    assert main(["slides", STILL, "--quality", "low", "-o", str(out)]) == 0
    assert sorted(p.name for p in (tmp_path / "deck-frames").iterdir()) == ["01-cnn-figure1-001.jpg"]


def test_tex_text_escapes_or_refuses():
    assert slides.tex_text("a_b & 3×3 → 50%") == r"a\_b \& 3$\times$3 $\to$ 50\%"
    assert slides.tex_text("卷积") is None


# ------------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("argv, message", [
    (["slides", ANIMATED, "-o", "deck.pdf"], "a deck ends in .html, .pptx or .tex"),
    (["slides", ANIMATED, STILL, "--stride", "2", "-o", "deck.html"], "layer parameters apply to one entry"),
    (["slides", "no-such-entry", "-o", "deck.html"], "unknown scene"),
    (["slides", "conv2d", "--in-size", "2", "--kernel-size", "3", "-o", "deck.html"], "kernel"),
    (["slides", STILL, "--stride", "2", "-o", "deck.html"], "does not take --stride"),
    (["slides", ANIMATED], "-o/--output"),
])
def test_bad_input_is_one_line_and_writes_nothing(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("convviz: error: ") and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_folder_of_other_files_is_not_replaced(tmp_path, capsys):
    (tmp_path / "deck-frames").mkdir()
    (tmp_path / "deck-frames" / "notes.txt").write_text("mine")
    assert main(["slides", STILL, "-o", str(tmp_path / "deck.tex")]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert (tmp_path / "deck-frames" / "notes.txt").read_text() == "mine"


# ------------------------------------------------------------------------------------------------ gallery
def test_gallery_steps_animated_entries_in_the_player(tmp_path, gif_frames, browser):
    from convviz.app.gallery import write_gallery
    from convviz.app.notes import Result
    from scenes.render import media

    images = tmp_path / "images"
    images.mkdir()
    entry = get_entry(ANIMATED)
    media.write_gif([media.Frame(f, 1.0) for f in gif_frames], images / entry.file_name)
    with Image.open(images / entry.file_name) as im:
        written = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    page_path = write_gallery(tmp_path / "gallery.html", images, [entry],
                              [Result(entry.name, entry.file_name, "rendered")], "en")
    page = Page(browser, page_path.as_uri())
    try:
        root = page.page.locator(".cvp")
        root.focus()
        for k in range(STEPS):
            assert np.array_equal(decode(page.state()["src"]), written[k])
            page.page.keyboard.press("ArrowRight")
        assert page.blocked == [] and page.errors == []
    finally:
        page.close()
