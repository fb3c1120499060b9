"""Issue 13, class 7: nonsense is refused. Sizes given twice must agree, malformed numbers are refused, options
that mean nothing for the output are refused with a word, and the gallery never overwrites a file of the set."""

import numpy as np
import pytest

from convviz.app import cli
from convviz.app.cli import main
from convviz.app.notes import select


@pytest.fixture
def data(tmp_path, monkeypatch):
    np.save(tmp_path / "x5.npy", np.arange(25).reshape(5, 5))
    np.save(tmp_path / "x3c.npy", np.arange(75).reshape(3, 5, 5))
    np.save(tmp_path / "k3.npy", np.ones((3, 3), int))
    np.save(tmp_path / "w2.npy", np.ones((2, 1, 3, 3), int))

    def boom(*a, **k):
        raise AssertionError("rendering started")
    monkeypatch.setattr(cli, "render_entry", boom)
    return tmp_path


REFUSED = [
    (["conv2d", "--input", "{d}/x5.npy", "--in-size", "9"], ["--in-size 9", "--input", "5x5"]),
    (["conv2d", "--input", "{d}/x5.npy", "--in-size", "5,6"], ["--in-size", "--input"]),
    (["conv2d", "--weight", "{d}/k3.npy", "--kernel-size", "5"], ["--kernel-size 5", "--weight", "3x3"]),
    (["multichannel", "--input", "{d}/x3c.npy", "--in-channels", "2"], ["--in-channels 2", "--input", "3"]),
    (["multichannel", "--weight", "{d}/w2.npy", "--out-channels", "3"], ["--out-channels 3", "--weight", "2"]),
    (["conv2d", "--in-size", ""], ["--in-size", "''"]),
    (["conv2d", "--in-size", "4x"], ["--in-size", "'4x'"]),
    (["conv2d", "--in-size", "x4"], ["--in-size"]),
    (["conv2d", "--in-size", "3,2,1"], ["--in-size"]),
    (["conv2d", "--in-size", "3.5"], ["--in-size"]),
    (["conv2d", "--in-size", "٣"], ["--in-size"]),
    (["conv2d", "--stride", " "], ["--stride"]),
    (["conv2d", "--padding", ""], ["--padding"]),
    (["conv2d", "--kernel-size", "0x3"], ["kernel_size"]),
    (["cnn-gif3", "--format", "png", "--smooth"], ["--smooth", "still"]),
    (["cnn-gif3", "--format", "jpg", "--fps", "10"], ["--fps", "still"]),
    (["cnn-gif3", "--format", "png", "--step-seconds", "2"], ["--step-seconds", "still"]),
    (["cnn-gif3", "--format", "png", "--final-hold", "2"], ["--final-hold", "still"]),
    (["cnn-gif3", "--format", "png", "--single-frame"], ["--single-frame", "still"]),
    (["cnn-gif1", "--smooth"], ["--smooth", "--no-single-frame"]),
    (["cnn-gif3", "--fps", "10"], ["--fps", "--smooth"]),
    (["cnn-figure1", "--show-formula"], ["--show-formula"]),
]


@pytest.mark.parametrize("argv,needles", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_nonsense_is_refused_before_rendering(argv, needles, data, capsys):
    argv = ["render"] + [a.format(d=data) for a in argv] + ["-o", str(data / "o.out")]
    if "--format" not in argv:
        argv[-1] = str(data / "o.gif") if not argv[1].startswith("cnn-figure") else str(data / "o.jpg")
    else:
        argv[-1] = str(data / f"o.{argv[argv.index('--format') + 1]}")
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("convviz: error:"), err
    for n in needles:
        assert n in err, (n, err)


def test_sizes_that_agree_are_accepted(data):
    from convviz.catalogue import get_entry

    fig = get_entry("conv2d").resolve(x=np.arange(25).reshape(5, 5), in_size=5, kernel_size=(3, 3),
                                      weight=np.ones((3, 3), int))
    assert fig.x.shape == (1, 5, 5)


def test_options_that_apply_are_accepted():
    assert cli._check_render_options(cli.build_parser().parse_args(
        ["render", "cnn-gif3", "--smooth", "--fps", "10", "--step-seconds", "2"]), cli.catalogue.get_entry("cnn-gif3"),
        "gif") is None
    assert cli._check_render_options(cli.build_parser().parse_args(
        ["render", "cnn-gif3", "--fps", "10"]), cli.catalogue.get_entry("cnn-gif3"), "mp4") is None


@pytest.mark.parametrize("only,needle", [("", "no names"), (",,,", "no names"), (" , ", "no names"),
                                         ("cnn-gif3.jpg", "cnn-gif3.gif"), ("cnn-figure1.gif", "cnn-figure1.jpg"),
                                         ("cnn-gif3.GIF", "cnn-gif3.gif"), ("cnn-gif99", "not a file")])
def test_notes_only_is_strict(only, needle):
    with pytest.raises(ValueError, match=needle.replace(".", r"\.")):
        select(only)


def test_notes_only_accepts_stems_and_file_names():
    assert [e.name for e in select("cnn-gif3, cnn-figure1.jpg,cnn-gif3.gif")] == ["cnn-gif3", "cnn-figure1"]
    assert len(select(None)) == 29


@pytest.mark.parametrize("gallery", ["{out}/cnn-gif3.gif", "{out}/cnn-figure1.jpg", "{out}", "{out}/../images"])
def test_gallery_never_overwrites_the_set(gallery, tmp_path, capsys):
    out = tmp_path / "images"
    out.mkdir()
    (out / "cnn-gif3.gif").write_bytes(b"GIF89a")
    code = main(["notes", "--only", "cnn-gif3", "--out", str(out), "--gallery", gallery.format(out=out)])
    assert code == 2 and "--gallery" in capsys.readouterr().err
    assert (out / "cnn-gif3.gif").read_bytes() == b"GIF89a"
