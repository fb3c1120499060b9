"""figure15: 3-D convolution. An input volume, a k x k x k kernel, the output volume with one voxel marked.

Draws a :class:`convviz.figures.volumes.Conv3DFigure`: its sizes (``conv_output_size``), values
(``convviz.ops.conv``), the kernel's path (row-major over the output's (d, h, w), thinned to a handful of steps,
ending on the marked output voxel) and each step's window and value. The kernel moves through depth as well as
height and width; an interior window is drawn as a see-through box with its projection tinted on the three
visible faces.
Run with stock Manim: ``manim -ql scenes/conv3d.py Conv3DScene``.
"""

from __future__ import annotations

from manim import DOWN, RIGHT, UP, VGroup

from convviz.figures.volumes import Conv3DFigure, WindowStep

from scenes.kit.base import ConvVizScene
from scenes.kit.volume import Volume, link

CELL = 0.5                  # a voxel's side (scene units, before fitting)
DEPTH = 0.6                 # drawn depth of a voxel relative to its side
BLOCK_GAP = 1.4             # between input, kernel and output
TITLE_GAP = 0.3             # block → its title above
KERNEL_TITLE_GAP = 0.25     # kernel's labels → its title below
FORMULA_SIZE = 20
FORMULA_LINE_GAP = 0.12
FORMULA_GAP = 1.1           # blocks → the rule and the size formula (room for the step line between)
STEP_SIZE = 24
STEP_GAP = 0.45             # blocks → the step line
WINDOW_OPACITY = 0.25
MARK_OPACITY = 0.5
ARROW_Z = 6


class Conv3DScene(ConvVizScene):
    default_entry = "cnn-figure15"
    params: Conv3DFigure

    def construct(self):
        fig = self.params
        self.lay_out(fig)
        self.play_steps(fig.steps, lambda step, state: self.show_step(fig, step, state))

    # ------------------------------------------------------------------------------------------------------
    def blocks(self, fig: Conv3DFigure) -> VGroup:
        """Input, kernel and output in a row, the kernel lowered below the arrows' path."""
        t = self.theme
        (di, hi, wi), (kd, kh, kw), (do, ho, wo) = fig.in_size, fig.kernel_size, fig.out_size
        self.vin = Volume((hi, wi, di), t, self.text, cell=CELL, colors=t.input_fill, stroke=t.input_stroke,
                          label_style="both", depth=DEPTH)
        self.vk = Volume((kh, kw, kd), t, self.text, cell=CELL, colors=t.kernel_fill, stroke=t.kernel_stroke,
                         label_style="value", depth=DEPTH)
        self.vout = Volume((ho, wo, do), t, self.text, cell=CELL, colors=t.output_fill, stroke=t.output_stroke,
                           label_style="both", depth=DEPTH, h_label="right")
        row = VGroup(self.vin, self.vk, self.vout).arrange(RIGHT, buff=BLOCK_GAP)
        self.vk.shift(DOWN * (self.vk.body.get_top()[1] - self.vin.point(hi / 2, 0, 0)[1]))
        return row

    def titles(self) -> VGroup:
        titles = VGroup(self.label("input").next_to(self.vin.body, UP, buff=TITLE_GAP),
                        self.label("kernel").next_to(self.vk.labels, DOWN, buff=KERNEL_TITLE_GAP),
                        self.label("output").next_to(self.vout.body, UP, buff=TITLE_GAP))
        titles[2].set_y(titles[0].get_y())
        return titles

    def rule(self, fig: Conv3DFigure) -> str:
        kd, kh, kw = fig.kernel_size
        return self.say(f"each output voxel (d, h, w) is the sum of {kd} × {kh} × {kw} = {fig.taps} products",
                        f"每个输出体素 (d, h, w) 是 {kd} × {kh} × {kw} = {fig.taps} 个乘积之和")

    def lay_out(self, fig: Conv3DFigure) -> None:
        """The blocks, their titles, the rule and the size formula, fitted to the frame (``self.k``: the scale
        the fitting applied, for the texts made per step)."""
        rule = self.rule(fig)
        body = VGroup(self.blocks(fig), self.titles())
        flines = VGroup(self.text(rule, size=FORMULA_SIZE, color=self.theme.muted),
                        *[self.text(s, size=FORMULA_SIZE, color=self.theme.muted) for s in fig.formula]
                        ).arrange(DOWN, buff=FORMULA_LINE_GAP)
        flines.next_to(body, DOWN, buff=FORMULA_GAP)
        whole = VGroup(body, flines)
        w0 = whole.width
        self.fit_to_frame(whole)
        self.k = whole.width / w0
        self.body = body
        self.add(whole)
        self.drawn.update({"input_labels": self.vin.drawn["labels"], "kernel_labels": self.vk.drawn["labels"],
                           "output_labels": self.vout.drawn["labels"], "out_size": fig.out_size,
                           "path": fig.path, "marked": fig.marked, "formula": list(fig.formula), "rule": rule,
                           "steps": []})

    def show_step(self, fig: Conv3DFigure, step: WindowStep, state):
        """The window in the input, the marked output voxel, arrows through the kernel and the value."""
        t = self.theme
        (d0, d1), (h0, h1), (w0, w1) = step.window
        d, h, w = step.position
        kd, kh, kw = fig.kernel_size
        win = self.vin.highlight((h0, h1), (w0, w1), (d0, d1), color=t.kernel_stroke, fill_opacity=WINDOW_OPACITY,
                                 project=True)
        mark = self.vout.highlight(h, w, d, color=t.highlight, fill_opacity=MARK_OPACITY, project=True)
        arrows = VGroup(
            link(self.vin.point((h0 + h1) / 2, w1, (d0 + d1) / 2), self.vk.point(0, 0, kd / 2), t.kernel_stroke),
            link(self.vk.point(kh / 2, kw, kd / 2), self.vout.point(h + 0.5, w + 0.5, d + 0.5), t.kernel_stroke),
        ).set_z_index(ARROW_Z)
        s = self.say(f"output ({d}, {h}, {w}) = {step.total_text}", f"输出 ({d}, {h}, {w}) = {step.total_text}")
        line = self.text(s, size=STEP_SIZE).scale(self.k)
        line.next_to(self.body, DOWN, buff=STEP_GAP * self.k)
        self.drawn["steps"].append({"position": step.position, "window": step.window, "text": s,
                                    "total": step.total_text, "taps": step.taps})
        return self.swap((state, VGroup(win, mark, arrows, line)))
