"""Issue 13, class 3: signals. SIGTERM is handled like SIGINT: children stopped (render's gifsicle, notes' worker
process group), temporary files removed, exit 128 + signal; an interrupted `notes` keeps the manifest of the
files it finished, so the rerun renders only the rest. A stand-in gifsicle that hangs makes the moment of the
signal certain and the cases short."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FAKE_GIFSICLE = """#!/bin/sh
# stand-in gifsicle: prints a version; files named in $FAST_NAMES are passed through at once, others hang
if [ "$1" = "--version" ]; then echo "LCDF Gifsicle 0.0-test"; exit 0; fi
for a in "$@"; do last="$a"; done
case "$last" in *"$FAST_NAMES"*) if [ -n "$FAST_NAMES" ]; then exec cat "$last"; fi;; esac
echo $$ >> "$PIDS"
exec sleep 60
"""


@pytest.fixture
def env(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    g = bin_dir / "gifsicle"
    g.write_text(FAKE_GIFSICLE)
    g.chmod(0o755)
    e = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", PIDS=str(tmp_path / "pids"),
             CONVVIZ_CACHE=str(tmp_path / "cache"), FAST_NAMES="")
    return e


def start(argv, env, cwd):
    return subprocess.Popen([sys.executable, "-m", "convviz.app.cli"] + argv, env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(cond, timeout=60.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            return True
        time.sleep(0.05)
    return False


def pids_in(path: Path) -> list[int]:
    return [int(v) for v in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:                                  # a zombie of an exited process counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


def processes_mentioning(text: str) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != os.getpid():
            try:
                if text in (d / "cmdline").read_bytes().decode(errors="replace") and alive(int(d.name)):
                    out.append(int(d.name))
            except OSError:
                pass
    return out


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_render_stopped_in_gifsicle_cleans_up(sig, code, env, tmp_path):
    out = tmp_path / "out"
    p = start(["render", "no_padding_no_strides", "--quality", "low", "-o", str(out / "a.gif")], env, ROOT)
    assert wait_for(lambda: pids_in(tmp_path / "pids")), p.communicate()
    assert any(n.endswith(".part") for n in os.listdir(out))            # caught while the file is being written
    p.send_signal(sig)
    _, err = p.communicate(timeout=20)
    assert p.returncode == code, err
    assert "interrupted" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert os.listdir(out) == []                                         # no .part, no half file
    assert wait_for(lambda: not any(alive(g) for g in pids_in(tmp_path / "pids")), 5)   # gifsicle stopped
    assert not list((tmp_path / "cache" / "manim").glob("*")), "the Manim scratch folder is removed"


def test_render_stopped_while_drawing(env, tmp_path):
    out = tmp_path / "out"
    p = start(["render", "conv2d", "--in-size", "9", "--quality", "low", "-o", str(out / "a.gif")], env, ROOT)
    assert wait_for(lambda: list((tmp_path / "cache").glob("manim/*"))), p.communicate()
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=20)
    assert p.returncode == 143, err
    assert not out.exists() or os.listdir(out) == []


def test_notes_stopped_stops_workers_and_keeps_finished_files(env, tmp_path):
    out = tmp_path / "images"
    argv = ["notes", "--only", "cnn-gif1,cnn-gif3", "--quality", "low", "--out", str(out), "--gallery",
            str(tmp_path / "g.html"), "--jobs", "2"]
    env["FAST_NAMES"] = "cnn-gif1"                  # cnn-gif1 finishes, cnn-gif3 hangs in gifsicle
    p = start(argv, env, ROOT)
    assert wait_for(lambda: (out / "cnn-gif1.gif").exists() and len(pids_in(tmp_path / "pids")) == 1), \
        p.communicate()
    manifests = lambda: list((tmp_path / "cache" / "notes").glob("*.json"))     # noqa: E731
    assert wait_for(lambda: manifests() and "cnn-gif1.gif" in manifests()[0].read_text())   # (after the file)
    manifest = manifests()[0]
    assert len(processes_mentioning(str(out))) == 3                       # the command and its two workers
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 143, err
    assert "interrupted" in err.splitlines()[-1] and "Traceback" not in err
    assert wait_for(lambda: not processes_mentioning(str(out)), 5), "workers left running"
    assert not any(alive(g) for g in pids_in(tmp_path / "pids"))
    assert sorted(os.listdir(out)) == ["cnn-gif1.gif"]                   # no temporary file left
    assert list(json.loads(manifest.read_text())) == ["cnn-gif1.gif"]
    assert not list((tmp_path / "cache" / "manim").glob("*"))
    # the rerun renders only the rest
    env["FAST_NAMES"] = ".gif"
    r = subprocess.run([sys.executable, "-m", "convviz.app.cli"] + argv, env=env, cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "1 cached" in r.stdout and "1 rendered" in r.stdout
