"""figure2: convolution as a feature extractor.

A picture (``convviz.figures.examples.feature_image``) and its responses to Sobel X, Sobel Y and the Laplacian
(``convviz.figures.examples.feature_responses``, computed by ``convviz.ops.conv``), each response with its own 3x3 kernel
printed under it (the notes' original swaps two of them). ``manim -ql scenes/features.py FeatureExtractor``.
"""

from __future__ import annotations

import types

import numpy as np
from manim import DOWN, RIGHT, UP, Group, ImageMobject, Rectangle, VGroup
from PIL import Image

from convviz.figures import examples as ex

from scenes.kit.base import ConvVizScene
from scenes.kit.widgets import NumberGrid

ZH_NAMES = {"Sobel X": "Sobel X", "Sobel Y": "Sobel Y", "Laplacian": "拉普拉斯"}


def grey_levels(img: np.ndarray) -> np.ndarray:
    """Grey levels in [0, 1] → 0..255 (uint8)."""
    return np.clip(np.round(np.asarray(img, dtype=np.float64) * 255), 0, 255).astype(np.uint8)


def diverging_grey(v: np.ndarray, scale: float | None = None) -> np.ndarray:
    """A response → 0..255 around mid-grey: 0 ↦ 128, +scale ↦ 255 (white), −scale ↦ 0 (black).

    ``scale`` defaults to the largest |value|, so each response uses the full range and keeps its sign.
    """
    v = np.asarray(v, dtype=np.float64)
    scale = float(np.abs(v).max()) if scale is None else float(scale)
    if scale == 0:
        scale = 1.0
    return np.clip(np.round(127.5 + 127.5 * v / scale), 0, 255).astype(np.uint8)


def _display_image_mobject(camera, image_mobject, pixel_array) -> None:
    """Draw an axis-aligned ImageMobject: resize it to its pixel box (Lanczos) and overlay it.

    Stands in for Manim 0.22's ``Camera.display_image_mobject``, which fails with Pillow 13
    (``Image.fromarray(np.zeros((h, w)), mode="RGBA")`` → "Invalid mode for data type"). Installed on this
    scene's camera only; images here are never rotated.
    """
    sub = Image.fromarray(image_mobject.get_pixel_array(), mode="RGBA")
    xy = camera.points_to_subpixel_coords(image_mobject, image_mobject.points)
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    w, h = int(round(x1 - x0)), int(round(y1 - y0))
    if w < 1 or h < 1:
        return
    sub = sub.resize((w, h), resample=Image.Resampling.LANCZOS)
    full = Image.new("RGBA", (camera.pixel_width, camera.pixel_height), (0, 0, 0, 0))
    full.paste(sub, (int(round(x0)), int(round(y0))))
    camera.overlay_PIL_image(pixel_array, full)


class FeatureExtractor(ConvVizScene):
    default_entry = "cnn-figure2"

    def construct(self):
        cam = self.renderer.camera
        cam.display_image_mobject = types.MethodType(_display_image_mobject, cam)
        t = self.theme
        size = int(self.params.get("size", 256))
        img = ex.feature_image(size)
        responses = ex.feature_responses(size)
        kernels = ex.FEATURE_KERNELS
        side = 3.0                              # scene units per picture
        columns = []
        self.drawn["titles"] = []
        self.drawn["kernels"] = {}
        self.drawn["images"] = {}
        self.drawn["scales"] = {}
        self.drawn["responses"] = {}
        self.drawn["x"] = {}                    # x-centre of title, picture and kernel per column

        def picture(pixels: np.ndarray) -> Group:
            m = ImageMobject(np.repeat(pixels[:, :, None], 3, axis=2))
            m.scale_to_fit_width(side)
            frame = Rectangle(width=m.width, height=m.height, stroke_color=t.grid, stroke_width=2).move_to(m)
            return Group(m, frame)

        orig_pixels = grey_levels(img)
        orig = picture(orig_pixels)
        orig_title = self.label("original")
        columns.append(("Original", orig_title, orig, None))
        self.drawn["images"]["Original"] = orig_pixels
        self.drawn["titles"].append(self.T("original"))
        for name, k in kernels.items():
            r = responses[name]
            scale = float(np.abs(r).max())
            pixels = diverging_grey(r, scale)
            pic = picture(pixels)
            title_s = self.say(name, ZH_NAMES.get(name, name))
            title = self.text(title_s, size=26)
            grid = NumberGrid(k, t, self.text, cell=0.56, fill=t.kernel_fill, stroke=t.kernel_stroke)
            columns.append((name, title, pic, grid))
            self.drawn["titles"].append(title_s)
            self.drawn["kernels"][name] = grid.drawn_array().tolist()
            self.drawn["images"][name] = pixels
            self.drawn["scales"][name] = scale
            self.drawn["responses"][name] = r

        pics = Group(*[pic for _, _, pic, _ in columns]).arrange(RIGHT, buff=0.45)
        cols = Group()
        for name, title, pic, grid in columns:
            title.next_to(pic, UP, buff=0.2)
            col = Group(title, pic)
            if grid is not None:
                grid.next_to(pic, DOWN, buff=0.35)
                col.add(grid)
            cols.add(col)
        # "Kernel" in the first column (the picture has none), level with the kernels
        grids = [g for _, _, _, g in columns if g is not None]
        klabel = self.label("kernel")
        klabel.move_to([pics[0].get_center()[0], grids[0].get_center()[1], 0])
        cols[0].add(klabel)
        # titles on one cap line, whatever their descenders
        top = max(c[0].get_top()[1] for c in cols)
        for c in cols:
            c[0].shift((top - c[0].get_top()[1]) * UP)
        caption = VGroup(
            self.text(self.say("Responses in grey: mid-grey = 0, lighter = positive, darker = negative; "
                               "each scaled by its largest |value|.",
                               "响应以灰度显示：中灰 = 0，越亮越正，越暗越负；各自按最大绝对值缩放。"),
                      size=20, color=t.muted),
            self.text(self.say("Cross-correlation of the picture with each 3x3 kernel; at the border the edge "
                               "pixels are repeated.",
                               "图像与各 3x3 卷积核做互相关；边界处重复边缘像素。"),
                      size=20, color=t.muted),
        ).arrange(DOWN, buff=0.12)
        if caption.width > cols.width:
            caption.scale_to_fit_width(cols.width)
        caption.next_to(cols, DOWN, buff=0.35)
        figure = Group(cols, caption)
        self.fit_to_frame(figure)
        self.add(figure)
        for (name, title, pic, grid), col in zip(columns, cols):
            self.drawn["x"][name] = {"title": float(title.get_center()[0]), "image": float(pic.get_center()[0]),
                                     "kernel": None if grid is None else float(grid.get_center()[0])}
        self.drawn["caption"] = [c.text for c in caption]
        self.drawn["size"] = size
        self.hold_last()
