"""Issue 13, class 4: the cache heals. What is read from the cache is validated; anything invalid is a miss (and
is removed); entries are written atomically, under a lock; Manim's text/TeX folders are per process and start
empty, so a truncated SVG of an earlier run cannot break a render."""

import json
import multiprocessing
import os
import socket

import pytest

from convviz import files
from convviz.app import cache
from convviz.app.cli import main


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVVIZ_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize("content", ["[]", "", "{\"cnn-formula1.jpg\": ", "null", "\x00\xff garbage", "42",
                                     "{\"cnn-formula1.jpg\": []}", "{\"cnn-formula1.jpg\": {\"key\": 1}}"],
                         ids=["empty list", "empty file", "truncated", "null", "binary", "number", "record a list",
                              "record without sha"])
def test_a_damaged_manifest_is_a_miss(content, private_cache, tmp_path):
    out = tmp_path / "images"
    p = cache.manifest_path(out)
    p.parent.mkdir(parents=True)
    p.write_text(content, encoding="utf-8", errors="surrogateescape")
    assert cache.load_manifest(out) == {}
    if not content.startswith("{\"cnn"):                    # not a dict at all: the file is removed
        assert not p.exists()
    cache.update_manifest(out, {})                          # the next write holds only valid records
    assert json.loads(p.read_text()) == {}


def test_notes_runs_over_a_broken_manifest_also_with_force(private_cache, tmp_path, capsys):
    out = tmp_path / "images"
    p = cache.manifest_path(out)
    p.parent.mkdir(parents=True)
    argv = ["notes", "--only", "cnn-formula2", "--quality", "low", "--out", str(out), "--gallery",
            str(tmp_path / "g.html")]
    for extra in ([], ["--force"]):
        p.write_text("[]")
        code = main(argv + extra)
        assert code == 0, capsys.readouterr()
        assert list(json.loads(p.read_text())) == ["cnn-formula2.jpg"]
    assert main(argv) == 0
    assert "1 cached" in capsys.readouterr().out


def test_good_records_survive_bad_neighbours(private_cache, tmp_path):
    out = tmp_path / "images"
    good = {"key": "k", "sha256": "0" * 64}
    p = cache.manifest_path(out)
    p.parent.mkdir(parents=True)
    p.write_text(json.dumps({"a.gif": good, "b.gif": {"key": "k", "sha256": "xyz"}, "c.gif": 3}))
    assert cache.load_manifest(out) == {"a.gif": good}


def _updater(out, i):
    for j in range(15):
        cache.update_manifest(out, {f"f{i}-{j}.gif": {"key": str(j), "sha256": "a" * 64}})


def test_concurrent_manifest_updates_lose_nothing(private_cache, tmp_path):
    out = tmp_path / "images"
    procs = [multiprocessing.Process(target=_updater, args=(out, i)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert len(cache.load_manifest(out)) == 60
    assert not [n for n in os.listdir(cache.manifest_path(out).parent) if n.endswith(".part")]


def test_scratch_folder_starts_empty_and_stale_ones_are_swept(private_cache, monkeypatch):
    host = socket.gethostname().replace(os.sep, "_")[:40] or "host"
    root = private_cache / "manim"
    reused = root / f"{host}-999999" / "texts"            # a dead run's folder under the PID we get now
    reused.mkdir(parents=True)
    (reused / "abc.svg").write_text("<svg")                 # truncated
    dead = root / f"{host}-999998" / "texts"
    dead.mkdir(parents=True)
    other_host = root / "elsewhere-1" / "texts"
    other_host.mkdir(parents=True)
    monkeypatch.setattr(files.os, "getpid", lambda: 999999)
    monkeypatch.setattr(files, "_alive", lambda pid: pid == 999999)
    monkeypatch.setattr(files, "_SCRATCH", {})
    d = files.scratch_dir("manim")
    assert d == root / f"{host}-999999" and list(d.iterdir()) == []
    assert not (root / f"{host}-999998").exists()           # the dead process's folder is gone
    assert other_host.exists()                              # another host's is not ours to judge
