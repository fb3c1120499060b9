"""Every catalogue entry renders at low quality: a still of the final state (and the notes' GIFs animate)."""

import pytest
from PIL import Image

from convviz.catalogue import ENTRIES
from scene_utils import render_file


@pytest.mark.parametrize("name", [e.name for e in ENTRIES])
def test_every_entry_renders_a_png(name, tmp_path):
    out = render_file(name, tmp_path / f"{name}.png", "png")
    im = Image.open(out)
    assert im.format == "PNG"
    assert im.size[0] >= 640 and 40 <= im.size[1] <= 4096          # fitted to content, never a sliver
    assert not list(tmp_path.glob("*.part"))
