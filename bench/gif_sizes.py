"""GIF bytes of the conv-arithmetic animations vs. the published ones (printed, not asserted).

    .venv/bin/python bench/gif_sizes.py

Issue 3's target: at the same pixel size, each GIF at most half the bytes of the conv-arithmetic GIF of the same
animation, while carrying numbers. Our layout (input | kernel | output, sum line) has another aspect ratio than
theirs, so each is rendered twice: at their width, and at their pixel area; both are printed.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# published sizes (FIGURES.md): name → (width, height, bytes)
PUBLISHED = {
    "dilation": (395, 381, 124_951),
    "padding_strides_transposed": (395, 449, 272_498),
    "same_padding_no_strides": (395, 449, 276_460),
}


def render_at(name: str, width: int, out: Path) -> tuple[int, int, int, int]:
    from PIL import Image

    from convviz.catalogue import get_entry
    from scenes.render.capture import render

    e = get_entry(name)
    render(e.scene, e.resolve(), e.options(), out, "gif", "low", min_width=width, density=1.0)
    im = Image.open(out)
    return im.size[0], im.size[1], out.stat().st_size, im.n_frames


def main() -> int:
    print(f"{'name':<28} {'published':>22} | {'ours, same width':>26} {'ratio':>6} | {'ours, same area':>26} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (w, h, b) in PUBLISHED.items():
            w1, h1, b1, n1 = render_at(name, w, Path(tmp) / f"{name}-w.gif")
            w2 = int(round(math.sqrt(w * h * w1 / h1)))
            w2, h2, b2, n2 = render_at(name, w2, Path(tmp) / f"{name}-a.gif")
            print(f"{name:<28} {w:>4}x{h:<4} {b:>8,} B     | {w1:>4}x{h1:<4} {b1:>8,} B {n1:>3}f {b1 / b:>6.2f} | "
                  f"{w2:>4}x{h2:<4} {b2:>8,} B {n2:>3}f {b2 / b:>6.2f}")
    print("target: ratio ≤ 0.50")
    return 0


if __name__ == "__main__":
    sys.exit(main())
