"""Issue 13, class 2: no tracebacks. One top-level handler: expected errors (bad input, unwritable paths, a full
disk) are one line on stderr and exit 2, output paths are checked before rendering starts, and an unexpected
error is one line naming the file that holds the full trace, exit 1."""

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from convviz.app import cli
from convviz.app.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["render", "no_padding_no_strides", "--quality", "low"]


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def no_render(monkeypatch):
    """Refusals must come before rendering: rendering here fails the test."""
    def boom(*a, **k):
        raise AssertionError("rendering started")
    monkeypatch.setattr(cli, "render_entry", boom)


def test_groups_zero(capsys, tmp_path, no_render):
    assert main(["render", "conv2d", "--groups", "0", "-o", str(tmp_path / "a.gif")]) == 2
    assert "--groups" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("make,needle", [
    (lambda d: (d / "file").write_text("x") and d / "file" / "a.gif", "is a file, not a folder"),
    (lambda d: (d / "file2").write_text("x") and d / "file2" / "deeper" / "a.gif", "is a file, not a folder"),
    (lambda d: d / ("a" * 300 + ".gif"), "longer than"),
    (lambda d: d / ("é" * 130 + ".gif"), "264 bytes"),
    (lambda d: (d / "sub.gif").mkdir() or d / "sub.gif", "is a folder"),
    (lambda d: os.symlink(d / "nowhere", d / "dangling.gif") or d / "dangling.gif", "broken symbolic link"),
], ids=["under a file", "two below a file", "name 300 bytes", "unicode name 260 bytes", "a folder",
        "dangling symlink"])
def test_bad_output_paths_are_refused_before_rendering(make, needle, capsys, tmp_path, no_render):
    target = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(["render", "cnn-gif3", "-o", str(target)] if str(target).endswith(".gif")
                else ["render", "cnn-gif3", "--format", "gif", "-o", str(target)])
    line = one_line(capsys.readouterr().err)
    assert code == 2 and needle in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_read_only_folder_is_refused_before_rendering(capsys, tmp_path, no_render, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() == 0:              # root writes anywhere: make the folder refuse as a read-only mount would
        import convviz.files as files
        real = files._probe

        def probe(folder):
            if Path(folder) == ro:
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(folder))
            return real(folder)
        monkeypatch.setattr(files, "_probe", probe)
    else:
        ro.chmod(0o555)
    code = main(["render", "cnn-gif3", "-o", str(ro / "a.gif")])
    line = one_line(capsys.readouterr().err)
    assert code == 2 and "cannot write" in line and str(ro) in line
    assert list(ro.iterdir()) == []


def test_uppercase_extension_renders(capsys, tmp_path):
    out = tmp_path / "x.MP4"
    assert main(SMALL + ["--format", "mp4", "-o", str(out)]) == 0, capsys.readouterr().err
    assert out.stat().st_size > 0


@pytest.mark.parametrize("argv,needle", [
    (["notes", "--out", "{d}/file"], "not a folder"),
    (["notes", "--out", "{d}/file/sub"], "is a file, not a folder"),
    (["notes", "--only", "cnn-gif3", "--out", "{d}/o", "--gallery", "{d}"], ".html"),
    (["notes", "--only", "cnn-gif3", "--out", "{d}/o", "--gallery", "{d}/sub.html"], "folder"),
    (["notes", "--only", "cnn-gif3", "--out", "{d}/o", "--gallery", "{d}/file/g.html"], "is a file, not a folder"),
], ids=["out is a file", "out under a file", "gallery without .html", "gallery is a folder", "gallery under a file"])
def test_notes_paths_are_checked_before_rendering(argv, needle, capsys, tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "sub.html").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main([a.format(d=tmp_path) for a in argv])
    line = one_line(capsys.readouterr().err)
    assert code == 2 and needle in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_unreadable_data_file_is_one_line(capsys, tmp_path, monkeypatch, no_render):
    p = tmp_path / "x.csv"
    p.write_text("1,2\n3,4\n")
    real = Path.read_bytes

    def denied(self):
        if self == p:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", denied)
    assert main(["render", "conv2d", "--input", str(p), "--kernel-size", "1", "-o", str(tmp_path / "a.gif")]) == 2
    line = one_line(capsys.readouterr().err)
    assert "--input" in line and "Permission denied" in line and "x.csv" in line


def test_a_full_disk_is_one_line_and_leaves_nothing(capsys, tmp_path, monkeypatch):
    from scenes.render import media

    def full(pixels, path):
        with media.atomic_path(Path(path)) as tmp:
            tmp.write_bytes(b"half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(media, "write_still", full)
    code = main(SMALL + ["--format", "png", "-o", str(tmp_path / "a.png")])
    line = one_line(capsys.readouterr().err)
    assert code == 2 and "No space left on device" in line and "a.png" in line
    assert list(tmp_path.iterdir()) == []


def test_a_real_full_disk_on_a_small_tmpfs(tmp_path):
    # the set-up runs as root (./dev.sh installs system packages), so a 4 KB tmpfs can be mounted
    mnt = tmp_path / "small"
    mnt.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(mnt)], capture_output=True,
                             text=True)
    assert mounted.returncode == 0, f"cannot mount a tmpfs: {mounted.stderr}"
    try:
        r = subprocess.run([sys.executable, "-m", "convviz.app.cli"] + SMALL + ["-o", str(mnt / "a.gif")],
                           capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 2, r.stderr
        assert "No space left on device" in one_line(r.stderr)
        assert os.listdir(mnt) == []
    finally:
        subprocess.run(["umount", str(mnt)])


def test_an_internal_error_is_one_line_with_the_trace_file(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CONVVIZ_CACHE", str(tmp_path / "cache"))

    def bug(*a, **k):
        return 1 // 0
    monkeypatch.setattr(cli, "render_entry", bug)
    code = main(SMALL + ["-o", str(tmp_path / "a.gif")])
    line = one_line(capsys.readouterr().err)
    assert code == 1 and "internal error" in line and "ZeroDivisionError" in line
    trace = Path(line.split("full trace in ")[1].split(" ")[0])
    assert trace.is_file() and "Traceback" in trace.read_text() and "ZeroDivisionError" in trace.read_text()


def test_closed_stdout_is_quiet():
    r = subprocess.run(f"{sys.executable} -m convviz.app.cli list | head -1", shell=True, capture_output=True,
                       text=True, cwd=ROOT)
    assert r.stdout.count("\n") == 1 and r.stderr == ""


def test_help_and_version_of_the_parser_still_exit_0(capsys):
    with pytest.raises(SystemExit) as e:
        main(["render", "--help"])
    assert e.value.code == 0


def test_a_long_name_within_the_limit_is_written(capsys, tmp_path):
    """254 bytes of name: the temporary name beside it stays short, so the render succeeds."""
    out = tmp_path / ("é" * 125 + ".png")
    assert len(out.name.encode()) == 254
    assert main(SMALL + ["--format", "png", "-o", str(out)]) == 0, capsys.readouterr().err
    assert out.is_file() and sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_an_unwritable_cache_folder_is_one_line(capsys, tmp_path, monkeypatch, no_render):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("CONVVIZ_CACHE", str(tmp_path / "file" / "cache"))
    assert main(SMALL + ["-o", str(tmp_path / "a.gif")]) == 2
    line = one_line(capsys.readouterr().err)
    assert "cache folder" in line and "CONVVIZ_CACHE" in line
