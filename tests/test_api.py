"""`convviz.render` and `convviz.show`: what the command line does, from Python; lazy (no Manim until drawn);
the notebook player self-contained and stepping in a real browser."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import convviz
from convviz.app.cli import main

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NAME = "no_padding_no_strides"          # 4 steps


def test_import_loads_neither_manim_nor_the_app_and_render_loads_no_manim():
    code = ("import sys, convviz\n"
            "heavy = lambda: sorted(m for m in sys.modules if m.split('.')[0] in ('manim', 'scenes', 'cairo', 'av')"
            " or m.startswith('convviz.app'))\n"
            "print(heavy())\n"
            "convviz.render, convviz.show\n"
            "print(sorted(m for m in heavy() if not m.startswith('convviz.app')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "[]"]
    with pytest.raises(AttributeError):
        convviz.no_such_thing


def test_render_writes_what_the_cli_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = convviz.render(NAME, quality="low")
    assert path == Path("output") / f"{NAME}.gif" and Image.open(path).format == "GIF"
    assert main(["render", NAME, "--quality", "low", "-o", "cli.gif"]) == 0
    assert path.read_bytes() == Path("cli.gif").read_bytes()
    png = convviz.render("conv2d", tmp_path / "c.png", in_size=4, kernel_size=(3, 2), stride=1, quality="low")
    assert png == tmp_path / "c.png" and Image.open(png).format == "PNG"
    x = np.arange(16).reshape(1, 4, 4)
    gif = convviz.render("conv2d", tmp_path / "d.gif", x=x, weight=np.ones((1, 1, 2, 2), int), theme="dark",
                         quality="low")
    assert Image.open(gif).format == "GIF" and Image.open(gif).n_frames == 9
    assert convviz.render(NAME, format="jpg", quality="low") == Path("output") / f"{NAME}.jpg"
    np.save(tmp_path / "x.npy", x)
    assert convviz.render("conv2d", tmp_path / "e.jpg", input=tmp_path / "x.npy", kernel_size=3,
                          quality="low").exists()


@pytest.mark.parametrize("call, argv", [
    (dict(name="nope"), ["render", "nope"]),
    (dict(name="conv2d", stride=0), ["render", "conv2d", "--stride", "0"]),
    (dict(name="conv2d", in_size=2, kernel_size=3), ["render", "conv2d", "--in-size", "2", "--kernel-size", "3"]),
    (dict(name="cnn-figure1", stride=2), ["render", "cnn-figure1", "--stride", "2"]),
    (dict(name="conv2d", path="x.gif", format="png"), ["render", "conv2d", "--format", "png", "-o", "x.gif"]),
    (dict(name="conv2d", fps=500), ["render", "conv2d", "--fps", "500"]),
    (dict(name="conv2d", input="missing.npy"), ["render", "conv2d", "--input", "missing.npy"]),
    (dict(name="cnn-figure1", step_seconds=2), ["render", "cnn-figure1", "--step-seconds", "2"]),
    (dict(name="conv2d", fps=30), ["render", "conv2d", "--fps", "30"]),
])
def test_bad_input_raises_value_error_with_the_cli_message(call, argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    cli_message = capsys.readouterr().err.removeprefix("convviz: error: ").strip()
    name = call.pop("name")
    with pytest.raises(ValueError) as err:
        convviz.render(name, **call)
    assert str(err.value) == cli_message
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def player():
    return convviz.show(NAME, quality="low", step_seconds=0.2)


def test_show_returns_a_self_contained_player(player, tmp_path):
    assert player.steps == 4 and repr(player).endswith("4 steps>")
    page = player._repr_html_()
    assert page.count("data:image/png;base64,") == 4
    text = re.sub(r"data:[\w/+.;-]*,[\w+/=]*", "data:", page)
    assert not re.search(r"https?:|//[a-z]|\burl\(|<link|@import", text, re.I)
    assert re.findall(r'\b(?:src|href)="([^"]*)"', page) == []
    assert "<style>" in page and "ConvvizPlayer" in page
    saved = player.save(tmp_path / "one.html")
    assert "data-cvp=\"deck\"" in saved.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="does not take --stride"):
        convviz.show("cnn-figure1", stride=2)


def test_show_steps_and_plays_in_a_browser(player):
    assert Path(CHROMIUM).exists(), "Debian's chromium is not installed (./dev.sh setup installs it)"
    from playwright import sync_api
    frames = [np.asarray(Image.open(io.BytesIO(b)).convert("RGB")) for b in player.slide.images]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        # a notebook output cell: the fragment inside someone else's page, twice (two cells)
        page.set_content("<html><body><h1>notebook</h1>" + player._repr_html_() + player._repr_html_()
                         + "</body></html>")

        def state(i=0):
            return page.evaluate("""i => { const r = document.querySelectorAll('.cvp')[i];
                const src = r.querySelector('img').src;
                return {step: +r.dataset.step, src: src, sum: r.querySelector('.cvp-sum').textContent}}""", i)

        def picture(i=0):
            return np.asarray(Image.open(io.BytesIO(base64.b64decode(state(i)["src"].split(",", 1)[1])))
                              .convert("RGB"))

        widget = page.locator(".cvp").first
        widget.focus()
        for k in range(4):
            assert state()["step"] == k + 1 and np.array_equal(picture(), frames[k])
            assert state()["sum"] == player.slide.texts[k] and "×" in state()["sum"]
            page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowLeft")
        assert state()["step"] == 3 and state(1)["step"] == 1              # the other cell did not move
        page.locator(".cvp").nth(1).locator("input[type=range]").fill("3")
        assert state(1)["step"] == 3
        page.locator(".cvp").nth(1).locator("button").nth(1).click()       # play: 0.2 s a step, looping
        page.wait_for_function("document.querySelectorAll('.cvp')[1].dataset.step === '1'", timeout=5000)
        page.locator(".cvp").nth(1).locator("button").nth(1).click()       # pause
        held = state(1)["step"]
        page.wait_for_timeout(600)
        assert state(1)["step"] == held
        assert requests == [] and errors == []
        browser.close()
