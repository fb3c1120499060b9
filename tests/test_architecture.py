"""The layout's promises: the compute layer and the catalogue import no Manim, no import cycles, the notes
cache keys a figure on the code it imports, one catalogue road for every entry, short functions."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from convviz.app import cache
from convviz.catalogue import ENTRIES, get_entry, load_builder

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("convviz", "scenes")


def _modules() -> list[str]:
    out = []
    for pkg in PACKAGES:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            rel = p.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            out.append(".".join(parts))
    return out


def test_compute_catalogue_and_app_import_no_manim():
    code = ("import sys, convviz, convviz.catalogue, convviz.figures.conv, convviz.app.cli, convviz.app.notes\n"
            "from convviz.catalogue import ENTRIES\n"
            "[e.resolve() for e in ENTRIES]\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('manim', 'scenes', 'cairo', 'av')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_compute_layer_never_imports_scenes_or_app():
    for m in _modules():
        if not m.startswith("convviz") or m.startswith("convviz.app"):
            continue
        deps = cache._imports(m, cache.module_file(m))
        bad = sorted(d for d in deps if d.startswith(("scenes", "convviz.app")) or d.split(".")[0] == "manim")
        assert not bad, f"{m} imports {bad}"


def _ancestors(m: str) -> set[str]:
    return {".".join(m.split(".")[:i]) for i in range(1, m.count(".") + 1)}


def test_no_import_cycle():
    # importing ``convviz.ops`` runs the package ``convviz`` first, which is no dependency of ops's own: edges
    # to a module's own packages are left out; every other edge counts
    graph = {m: {d for d in cache._imports(m, cache.module_file(m)) if d != m and d not in _ancestors(m)}
             for m in _modules()}
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            m = todo.pop()
            assert m != start, f"import cycle through {start}"
            if m in seen or m not in graph:
                continue
            seen.add(m)
            todo.extend(graph[m])


def test_cache_keys_a_figure_on_the_code_it_imports():
    gif3 = cache.code_modules("scenes.conv2d", "convviz.figures.conv", *cache.RENDER_LAYER)
    fig17 = cache.code_modules("scenes.deformable", "convviz.figures.deformable", *cache.RENDER_LAYER)
    assert "convviz.figures.deformable" not in gif3 and "scenes.deformable" not in gif3
    assert {"convviz.figures.deformable", "scenes.deformable", "convviz.ops"} <= set(fig17)
    for m in ("convviz.ops", "convviz.trace", "scenes.kit.base", "scenes.render.media", "scenes.render.capture"):
        assert m in gif3
    assert not any(m.startswith(("convviz.app", "convviz.catalogue")) for m in gif3 + fig17)


def test_editing_a_builder_changes_only_its_figures_keys(monkeypatch):
    real = cache.module_file

    def edited(name):
        p = real(name)
        if name == "convviz.figures.deformable":
            fake = ROOT / "output" / ".edited_deformable.py"
            fake.parent.mkdir(exist_ok=True)
            fake.write_bytes(p.read_bytes() + b"\n# edited\n")
            return fake
        return p

    gif3, fig17 = get_entry("cnn-gif3"), get_entry("cnn-figure17")
    before = [cache.code_fingerprint(e.scene, e.builder) for e in (gif3, fig17)]
    cache.code_fingerprint.cache_clear()
    monkeypatch.setattr(cache, "module_file", edited)
    after = [cache.code_fingerprint(e.scene, e.builder) for e in (gif3, fig17)]
    cache.code_fingerprint.cache_clear()
    assert after[0] == before[0]
    assert after[1] != before[1]


def test_a_modules_imports_are_read_once_per_version_of_its_file(tmp_path):
    """Figures share most modules: each is parsed once, and again when the file changes."""
    f = tmp_path / "m.py"
    f.write_text("from convviz import ops\n")
    first = cache._imports("convviz.fake", f)
    assert "convviz.ops" in first and "convviz.trace" not in first
    assert cache._imports("convviz.fake", f) == first
    f.write_text("from convviz import ops, trace\n")
    assert {"convviz.ops", "convviz.trace"} <= cache._imports("convviz.fake", f)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_entry_resolves_through_its_builder_to_a_typed_object(entry):
    fig = entry.resolve()
    assert dataclasses.is_dataclass(fig) and dataclasses.fields(fig), f"{entry.builder} returns {type(fig)}"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(fig, dataclasses.fields(fig)[0].name, None)
    assert callable(load_builder(entry.builder))


def test_no_function_over_80_lines():
    long = []
    for pkg in PACKAGES:
        for f in sorted((ROOT / pkg).rglob("*.py")):
            for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno >= 80:
                    long.append(f"{f.relative_to(ROOT)}:{n.lineno} {n.name}")
    assert not long


def test_scenes_hold_no_data_and_repeat_no_default():
    for f in sorted((ROOT / "scenes").glob("*.py")):
        text = f.read_text(encoding="utf-8")
        for bad in ("params.get(", "p.get(", "random_ints", "random_example", "np.random", "default_rng"):
            assert bad not in text, f"{f.name} uses {bad}"
