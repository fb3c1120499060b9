"""Issue 13, class 5: concurrent runs. Each process has its own Manim media folder (text and TeX caches), so two
`render`s or two `notes` at once with one cache do not race; output files and the manifest are published
atomically."""

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def launch(argv, cache):
    return subprocess.Popen([sys.executable, "-m", "convviz.app.cli"] + argv, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, CONVVIZ_CACHE=str(cache)))


def test_two_renders_at_once_share_a_cache(tmp_path):
    cache = tmp_path / "cache"
    runs = [launch(["render", "no_padding_no_strides", "--quality", "low", "--lang", lang, "-o", str(out)], cache)
            for lang, out in (("en", tmp_path / "a.gif"), ("zh", tmp_path / "b.gif"), ("en", tmp_path / "a.gif"))]
    for r in runs:
        _, err = r.communicate(timeout=120)
        assert r.returncode == 0, err
    for name in ("a.gif", "b.gif"):
        assert Image.open(tmp_path / name).format == "GIF"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif", "b.gif", "cache"]
    assert not list((cache / "manim").glob("*")), "each run removes its own Manim folder"


def test_two_notes_at_once_into_one_folder(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "images"
    common = ["--quality", "low", "--out", str(out), "--jobs", "1"]
    runs = [launch(["notes", "--only", only, "--gallery", str(tmp_path / f"g{i}.html")] + common, cache)
            for i, only in enumerate(("cnn-formula2,cnn-gif1", "cnn-gif1,cnn-formula2"))]
    for r in runs:
        _, err = r.communicate(timeout=180)
        assert r.returncode == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["cnn-formula2.jpg", "cnn-gif1.gif"]
    manifest = json.loads(next((cache / "notes").glob("*.json")).read_text())
    assert sorted(manifest) == ["cnn-formula2.jpg", "cnn-gif1.gif"]
