"""figure2: convolution as a feature extractor.

A picture and its responses to Sobel X, Sobel Y and the Laplacian, as grey levels
(``convviz.figures.features.feature_figure``; the responses computed by ``convviz.ops.conv``), each response
with its own 3x3 kernel printed under it (the notes' original swaps two of them).
``manim -ql scenes/features.py FeatureExtractor``.
"""

from __future__ import annotations

import types

import numpy as np
from manim import DOWN, RIGHT, UP, Group, ImageMobject, Rectangle, VGroup
from PIL import Image

from scenes.kit.base import ConvVizScene
from scenes.kit.widgets import NumberGrid

ZH_NAMES = {"Sobel X": "Sobel X", "Sobel Y": "Sobel Y", "Laplacian": "拉普拉斯"}

# layout (scene units, font sizes in points)
PICTURE_SIDE = 3.0            # width of every picture
PICTURE_FRAME_STROKE = 2
COLUMN_BUFF = 0.45
TITLE_SIZE = 26
TITLE_BUFF = 0.2
KERNEL_CELL = 0.56
KERNEL_BUFF = 0.35            # picture to the kernel under it
CAPTION_SIZE = 20
CAPTION_LINE_BUFF = 0.12
CAPTION_BUFF = 0.35


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
    """Draws a ``convviz.figures.features.FeatureFigure``: the picture, then one column per kernel (title,
    response, the kernel under it), a two-line caption under all."""

    default_entry = "cnn-figure2"

    def construct(self):
        cam = self.renderer.camera
        cam.display_image_mobject = types.MethodType(_display_image_mobject, cam)
        fig = self.params
        self.start_record()
        columns = [self.original_column(fig)] + [self.response_column(r) for r in fig.responses]
        cols = self.lay_out(columns)
        caption = self.caption_lines(cols)
        figure = Group(cols, caption)
        self.fit_to_frame(figure)
        self.add(figure)
        for name, title, pic, grid in columns:
            self.drawn["x"][name] = {"title": float(title.get_center()[0]), "image": float(pic.get_center()[0]),
                                     "kernel": None if grid is None else float(grid.get_center()[0])}
        self.drawn["caption"] = [c.text for c in caption]
        self.drawn["size"] = fig.size
        self.hold_last()

    # -- the storyboard's steps -----------------------------------------------------------------------------
    def start_record(self) -> None:
        self.drawn["titles"] = []
        self.drawn["kernels"] = {}
        self.drawn["images"] = {}
        self.drawn["scales"] = {}
        self.drawn["responses"] = {}
        self.drawn["x"] = {}                    # x-centre of title, picture and kernel per column

    def picture(self, pixels: np.ndarray) -> Group:
        """Grey levels (H, W) as a framed picture PICTURE_SIDE wide."""
        m = ImageMobject(np.repeat(pixels[:, :, None], 3, axis=2))
        m.scale_to_fit_width(PICTURE_SIDE)
        frame = Rectangle(width=m.width, height=m.height, stroke_color=self.theme.grid,
                          stroke_width=PICTURE_FRAME_STROKE).move_to(m)
        return Group(m, frame)

    def original_column(self, fig):
        """(name, title, picture, kernel grid or None) of the picture itself."""
        self.drawn["images"]["Original"] = fig.pixels
        self.drawn["titles"].append(self.T("original"))
        return "Original", self.label("original"), self.picture(fig.pixels), None

    def response_column(self, resp):
        """(name, title, picture, kernel grid) of one kernel's response."""
        t = self.theme
        title_s = self.say(resp.name, ZH_NAMES.get(resp.name, resp.name))
        title = self.text(title_s, size=TITLE_SIZE)
        grid = NumberGrid(resp.kernel, t, self.text, cell=KERNEL_CELL, fill=t.kernel_fill, stroke=t.kernel_stroke)
        self.drawn["titles"].append(title_s)
        self.drawn["kernels"][resp.name] = grid.drawn_array().tolist()
        self.drawn["images"][resp.name] = resp.pixels
        self.drawn["scales"][resp.name] = resp.scale
        self.drawn["responses"][resp.name] = resp.response
        return resp.name, title, self.picture(resp.pixels), grid

    def lay_out(self, columns) -> Group:
        """Pictures in a row, each title above and kernel below; "Kernel" in the first column, level with the
        kernels; titles on one cap line, whatever their descenders."""
        pics = Group(*[pic for _, _, pic, _ in columns]).arrange(RIGHT, buff=COLUMN_BUFF)
        cols = Group()
        for name, title, pic, grid in columns:
            title.next_to(pic, UP, buff=TITLE_BUFF)
            col = Group(title, pic)
            if grid is not None:
                grid.next_to(pic, DOWN, buff=KERNEL_BUFF)
                col.add(grid)
            cols.add(col)
        grids = [g for _, _, _, g in columns if g is not None]
        klabel = self.label("kernel")
        klabel.move_to([pics[0].get_center()[0], grids[0].get_center()[1], 0])
        cols[0].add(klabel)
        top = max(c[0].get_top()[1] for c in cols)
        for c in cols:
            c[0].shift((top - c[0].get_top()[1]) * UP)
        return cols

    def caption_lines(self, cols) -> VGroup:
        """How to read the greys and how the border is filled, no wider than the columns."""
        muted = self.theme.muted
        caption = VGroup(
            self.text(self.say("Responses in grey: mid-grey = 0, lighter = positive, darker = negative; "
                               "each scaled by its largest |value|.",
                               "响应以灰度显示：中灰 = 0，越亮越正，越暗越负；各自按最大绝对值缩放。"),
                      size=CAPTION_SIZE, color=muted),
            self.text(self.say("Cross-correlation of the picture with each 3x3 kernel; at the border the edge "
                               "pixels are repeated.",
                               "图像与各 3x3 卷积核做互相关；边界处重复边缘像素。"),
                      size=CAPTION_SIZE, color=muted),
        ).arrange(DOWN, buff=CAPTION_LINE_BUFF)
        if caption.width > cols.width:
            caption.scale_to_fit_width(cols.width)
        caption.next_to(cols, DOWN, buff=CAPTION_BUFF)
        return caption
