"""The command line: list, render, and every bad-input case (one line on stderr, exit 2, nothing written)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convviz.catalogue import ENTRIES, notes_entries
from convviz.app.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_every_entry(capsys):
    code, out, _ = run(["list"], capsys)
    assert code == 0
    names = [line.split()[0] for line in out.strip().splitlines()]
    assert names == [e.name for e in ENTRIES]
    code, out, _ = run(["list", "--notes"], capsys)
    assert len(out.strip().splitlines()) == len(notes_entries()) == 29


def test_help_text_on_every_command(capsys):
    for argv in (["--help"], ["list", "--help"], ["render", "--help"], ["notes", "--help"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 0
        assert "usage" in capsys.readouterr().out


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "x.json"
    good.write_text(json.dumps([[1, 2, 0, 1], [0, 1, 2, 2], [3, 1, 0, 1], [1, 1, 1, 0]]))
    np.save(tmp_path / "pickled.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "bad.json").write_text("[[1, 2], [3")
    (tmp_path / "ragged.json").write_text("[[1, 2], [3]]")
    (tmp_path / "nan.csv").write_text("1,2\n3,nan\n")
    (tmp_path / "text.csv").write_text("1,2\n3,x\n")
    np.save(tmp_path / "w4d.npy", np.ones((2, 3, 3, 3, 3)))
    (tmp_path / "k.csv").write_text("1,0\n0,1\n")
    return tmp_path


BAD = [
    (["render", "nope"], "unknown scene"),
    (["render", "cnn-gif3", "--format", "bmp"], "invalid choice"),
    (["render", "conv2d", "--stride", "0"], "stride"),
    (["render", "conv2d", "--dilation", "0"], "dilation"),
    (["render", "conv2d", "--kernel-size", "0"], "kernel_size"),
    (["render", "conv2d", "--padding", "-1"], "padding"),
    (["render", "conv2d", "--padding", "sideways"], "padding"),
    (["render", "conv2d", "--in-size", "3", "--kernel-size", "5"], "larger than the padded input"),
    (["render", "conv2d", "--padding", "same", "--stride", "2"], "same"),
    (["render", "conv_transpose2d", "--stride", "2", "--output-padding", "2"], "output_padding"),
    (["render", "multichannel", "--in-channels", "3", "--groups", "2"], "groups"),
    (["render", "conv2d", "--input", "{d}/missing.json"], "not found"),
    (["render", "conv2d", "--input", "{d}/pickled.npy"], "pickle"),
    (["render", "conv2d", "--input", "{d}/bad.json"], "not valid JSON"),
    (["render", "conv2d", "--input", "{d}/ragged.json"], "ragged"),
    (["render", "conv2d", "--input", "{d}/nan.csv"], "non-finite"),
    (["render", "conv2d", "--input", "{d}/text.csv"], "not a number"),
    (["render", "conv2d", "--weight", "{d}/w4d.npy"], "weight"),
    (["render", "conv2d", "--bias", "1,x"], "bias"),
    (["render", "cnn-figure1", "--stride", "2"], "does not take"),
    (["render", "cnn-gif3", "--fps", "0"], "fps"),
    (["render", "cnn-gif3", "-o", "{d}/out.png"], "does not end in .gif"),
    (["notes", "--only", "cnn-gif99"], "not a file of the notes"),
    (["notes", "--jobs", "0"], "jobs"),
    # issue 13: bounded work, nonsense, messages
    (["render", "conv2d", "--groups", "0"], "--groups"),
    (["render", "conv2d", "--in-size", "2000"], "64x64"),
    (["render", "conv2d", "--in-size", ""], "--in-size"),
    (["render", "conv2d", "--in-size", "4x"], "--in-size"),
    (["render", "conv2d", "--seed", "-1"], "--seed"),
    (["render", "conv2d", "--input", "{d}/x.json", "--in-size", "9"], "conflicts with --input"),
    (["render", "cnn-gif3", "--format", "png", "--smooth", "-o", "{d}/o.png"], "still"),
    (["notes", "--only", ""], "no names"),
    (["notes", "--only", "cnn-gif3.jpg"], "cnn-gif3.gif"),
]


@pytest.mark.parametrize("argv,needle", BAD, ids=[" ".join(a[:4]) for a, _ in BAD])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(argv, needle, files, capsys):
    target = files / "out.gif"
    argv = [a.format(d=files) for a in argv]
    if argv[0] == "render" and "-o" not in argv:
        argv += ["-o", str(target)]
    before = sorted(p.name for p in files.iterdir())
    code, out, err = run(argv, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("convviz: error:"), err
    assert needle.lower() in lines[0].lower()
    assert "Traceback" not in err
    assert sorted(p.name for p in files.iterdir()) == before


def test_bad_input_does_not_overwrite_existing_file(files, capsys):
    target = files / "keep.gif"
    target.write_bytes(b"old")
    code, _, _ = run(["render", "conv2d", "--stride", "0", "-o", str(target)], capsys)
    assert code == 2 and target.read_bytes() == b"old"


def test_subprocess_exit_status_and_stderr(tmp_path):
    r = subprocess.run([sys.executable, "-m", "convviz.app.cli", "render", "conv2d", "--stride", "0", "-o",
                        str(tmp_path / "a.gif")], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "stride" in r.stderr
    assert not (tmp_path / "a.gif").exists()


def test_the_program_exits_at_once_after_its_clean_up(tmp_path):
    """``convviz`` (``cli.run``) skips Python's teardown but not the exit handlers: the render is written, its
    path printed, the exit status kept and the Manim scratch folder removed."""
    env = dict(os.environ, CONVVIZ_CACHE=str(tmp_path / "cache"))
    code = "import sys; from convviz.app.cli import run; sys.argv[1:] = %r; run()"
    ok = subprocess.run([sys.executable, "-c", code % ["render", "no_padding_no_strides", "--format", "png", "-o",
                                                         str(tmp_path / "a.png")]],
                        capture_output=True, text=True, env=env, cwd=ROOT)
    assert ok.returncode == 0 and ok.stdout.strip() == str(tmp_path / "a.png") and (tmp_path / "a.png").exists()
    assert (tmp_path / "cache" / "manim").is_dir() and not list((tmp_path / "cache" / "manim").iterdir())
    bad = subprocess.run([sys.executable, "-c", code % ["render", "conv2d", "--stride", "0"]], capture_output=True,
                         text=True, env=env, cwd=ROOT)
    assert bad.returncode == 2 and "stride" in bad.stderr


def test_render_with_user_data_files(files, capsys):
    out = files / "conv.png"
    code, stdout, err = run(["render", "conv2d", "--input", str(files / "x.json"), "--weight", str(files / "k.csv"),
                             "--bias", "1", "--format", "png", "--quality", "low", "-o", str(out)], capsys)
    assert code == 0, err
    assert Image.open(out).size[0] >= 640
    assert not [p for p in files.iterdir() if p.name.endswith(".part")]


def test_render_mp4_and_webm(tmp_path, capsys):
    import av
    for fmt in ("mp4", "webm"):
        out = tmp_path / f"s.{fmt}"
        code, _, err = run(["render", "no_padding_no_strides", "--format", fmt, "--quality", "low", "-o", str(out)],
                           capsys)
        assert code == 0, err
        with av.open(str(out)) as c:
            stream = c.streams.video[0]
            assert stream.width % 2 == 0 and stream.height % 2 == 0
            assert float(c.duration / 1e6) == pytest.approx(3 + 3.0, abs=0.3)   # 4 steps: 3 × 1 s + 3 s hold


def test_stock_manim_runs_a_scene_module(tmp_path):
    r = subprocess.run([sys.executable, "-m", "manim", "-ql", "-s", "--media_dir", str(tmp_path),
                        "scenes/conv2d.py", "ConvScene"], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 0, r.stderr[-2000:]
    pngs = list(tmp_path.rglob("*.png"))
    assert len(pngs) == 1 and Image.open(pngs[0]).size == (854, 480)
