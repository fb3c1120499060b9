"""`convviz notes`: names and formats, cache, byte-identical reruns, failure isolation, gallery."""

import hashlib
from dataclasses import replace

from PIL import Image

from convviz import catalogue
from convviz.app.cli import main
from convviz.app.notes import run_notes

# every file of ../shared/reference/FIGURES.md (the notes' images/ folder)
FIGURES_MD = (
    [f"cnn-formula{i}.jpg" for i in range(1, 6)]
    + [f"cnn-figure{i}.jpg" for i in range(1, 19)]
    + [f"cnn-gif{i}.gif" for i in range(1, 7)]
)


def test_catalogue_covers_every_file_of_the_notes():
    names = sorted(e.file_name for e in catalogue.notes_entries())
    assert names == sorted(FIGURES_MD)
    assert len({e.name for e in catalogue.ENTRIES}) == len(catalogue.ENTRIES)
    for e in catalogue.notes_entries():
        assert e.caption_en and e.caption_zh, e.name


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_notes_only_renders_caches_and_is_reproducible(tmp_path, capsys):
    out = tmp_path / "images"
    gallery = tmp_path / "gallery.html"
    argv = ["notes", "--only", "cnn-gif3,cnn-gif1.gif", "--quality", "low", "--out", str(out),
            "--gallery", str(gallery), "--jobs", "2"]
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["cnn-gif1.gif", "cnn-gif3.gif"]
    assert "cnn-gif3.gif" in table and "rendered" in table
    for p in out.iterdir():
        assert Image.open(p).format == "GIF"
    first = {p.name: digest(p) for p in out.iterdir()}
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert table.count("cached") >= 2 and "rendered " not in table.split("\n", 1)[1].split("files:")[0]
    # forced: rendered again, byte for byte the same
    assert main(argv + ["--force"]) == 0
    capsys.readouterr()
    assert {p.name: digest(p) for p in out.iterdir()} == first
    page = gallery.read_text(encoding="utf-8")
    assert "cnn-gif3.gif" in page and catalogue.get_entry("cnn-gif3").caption_en in page


def test_a_failing_figure_leaves_the_others_and_exits_nonzero(tmp_path, monkeypatch, capsys):
    good = catalogue.get_entry("cnn-gif3")
    bad = replace(good, name="cnn-broken", scene="conv2d:NoSuchScene")
    monkeypatch.setitem(catalogue._BY_NAME, "cnn-broken", bad)      # workers are forked: they see it too
    out = tmp_path / "images"
    results = run_notes(out, [bad, good], quality="low", jobs=2, progress=False)
    status = {r.name: r.status for r in results}
    assert status == {"cnn-broken": "failed", "cnn-gif3": "rendered"}
    assert "NoSuchScene" in [r for r in results if r.name == "cnn-broken"][0].error
    assert sorted(p.name for p in out.iterdir()) == ["cnn-gif3.gif"]     # nothing half-written


def test_only_rejects_names_outside_the_notes(capsys):
    assert main(["notes", "--only", "conv2d"]) == 2
    assert "not a file of the notes" in capsys.readouterr().err


def test_notes_gif_is_at_least_as_wide_as_the_original(tmp_path):
    # cnn-gif3's content is narrower than the original's 526 px at the notes' density: the floor applies
    entry = catalogue.get_entry("cnn-gif3")
    assert entry.min_width == 526
    results = run_notes(tmp_path, [entry], quality="medium", jobs=1, progress=False)
    assert results[0].status == "rendered"
    assert Image.open(tmp_path / "cnn-gif3.gif").size[0] >= 526
