"""convviz scenes drawn by stock Manim's own camera (no path cache): the reference the benchmark compares
with, run as ``manim -ql bench/stock_scenes.py MultiChannelStock``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from manim.camera.camera import Camera  # noqa: E402

from scenes.multichannel import MultiChannelScene  # noqa: E402


class MultiChannelStock(MultiChannelScene):
    def __init__(self, *args, **kwargs):
        kwargs["camera_class"] = Camera
        super().__init__(*args, **kwargs)
