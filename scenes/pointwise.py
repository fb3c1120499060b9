"""figure7: 1x1 convolution. An H x W x D input, one 1x1xD kernel, an H x W x 1 output.

Draws a :class:`convviz.figures.volumes.PointwiseFigure`. The kernel sweeps a few positions of the first row;
at each, the D input values under it, the D weights and their dot product (the figure's ``DotStep``, the total
being ``convviz.ops.conv``'s output) are shown, and the value is written into the output cell. The last position
is the marked output cell (default: the end of the first row, where the whole input column is visible on the
block's surface).
Run with stock Manim: ``manim -ql scenes/pointwise.py PointwiseConv``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, SurroundingRectangle, VGroup

from convviz.figures.volumes import DotStep, PointwiseFigure

from scenes.kit.base import ConvVizScene
from scenes.kit.theme import FONT_MONO, font_for
from scenes.kit.volume import LABEL_GAP, Volume, link
from scenes.kit.widgets import EquationLines, NumberGrid, char_width

CELL = 0.5                  # a voxel's side (scene units, before fitting)
BLOCK_GAP = 1.3             # between input, kernel and output
TITLE_GAP = 0.25            # block → its title above
GRID_CELL = 0.52            # a cell of the values / weights rows
GRID_GAP = 0.18             # values row → weights row
GRID_LABEL_GAP = 0.3        # a row's label → the row
PANEL_GAP = 0.75            # blocks → the dot-product panel
EQUATION_RESERVE = 0.9      # room kept under the panel for the equation
EQUATION_GAP = 0.3          # panel → the equation
WORD_GAP_EM = 0.6           # "output" / "输出" → its monospaced "(r, c) =" (one monospace column)
TEXT_SIZE = 22
COLUMN_OPACITY = 0.3
MARK_STROKE = 6
MARK_Z, ARROW_Z = 5, 6


class PointwiseConv(ConvVizScene):
    default_entry = "cnn-figure7"
    params: PointwiseFigure

    def construct(self):
        fig = self.params
        self.lay_out(fig)
        self.play_steps(fig.steps, lambda step, state: self.show_step(fig, step, state),
                        passed=lambda step: self.vout.write(*step.position, step.total_text))
        self.drawn["output_values"] = self.vout.values()
        self.drawn["marked"] = fig.marked

    # ------------------------------------------------------------------------------------------------------
    def blocks(self, fig: PointwiseFigure) -> VGroup:
        """Input, kernel and output in a row (the kernel level with the input's middle) and their titles."""
        t = self.theme
        (h, w), d, (oh, ow) = fig.in_size, fig.channels, fig.out_size
        self.vin = Volume((h, w, d), t, self.text, cell=CELL, colors=t.input_fill, stroke=t.input_stroke,
                          names=("H", "W", "D"), label_style="both")
        self.vk = Volume((1, 1, d), t, self.text, cell=CELL, colors=t.kernel_fill, stroke=t.kernel_stroke,
                         names=("1", "1", "D"), label_style="both")
        self.vout = Volume((oh, ow, fig.output.shape[0]), t, self.text, cell=CELL, colors=t.output_fill,
                           stroke=t.output_stroke, names=("H", "W", "1"), label_style="both")
        _place_depth_label(self.vout)
        row = VGroup(self.vin, self.vk, self.vout).arrange(RIGHT, buff=BLOCK_GAP, aligned_edge=DOWN)
        self.vk.shift(UP * (self.vin.point(0, 0, d / 2)[1] - self.vk.point(0.5, 0.5, d / 2)[1]))
        titles = VGroup(*[self.label(k).next_to(v.body, UP, buff=TITLE_GAP)
                          for k, v in zip(("input", "kernel", "output"), (self.vin, self.vk, self.vout))])
        ty = max(m.get_center()[1] for m in titles)
        for m in titles:
            m.set_y(ty)
        return VGroup(row, titles)

    def dot_panel(self, first: DotStep) -> tuple[VGroup, VGroup]:
        """The values and weights rows with their labels (the values' label a placeholder: each step writes
        its own); returns the panel and the placeholder."""
        t = self.theme
        self.vals = NumberGrid(np.array([first.values]), t, self.text, cell=GRID_CELL, fill=t.input_fill,
                               stroke=t.input_stroke)
        self.wts = NumberGrid(np.array([first.weights]), t, self.text, cell=GRID_CELL, fill=t.kernel_fill,
                              stroke=t.kernel_stroke)
        grids = VGroup(self.vals, self.wts).arrange(DOWN, buff=GRID_GAP)
        wlab = self.text(self.say("kernel weights", "卷积核权重"), size=TEXT_SIZE).next_to(self.wts, LEFT,
                                                                                         buff=GRID_LABEL_GAP)
        vlab = self.values_label(first.position).next_to(self.vals, LEFT, buff=GRID_LABEL_GAP)
        return VGroup(vlab, wlab, grids), vlab

    def lay_out(self, fig: PointwiseFigure) -> None:
        """Blocks above the dot-product panel, fitted to the frame with room for the equation (``self.k``: the
        scale the fitting applied, for the texts made per step)."""
        blocks = self.blocks(fig)
        panel, placeholder = self.dot_panel(fig.steps[0])
        panel.next_to(blocks[0], DOWN, buff=PANEL_GAP)
        body = VGroup(*blocks, panel)
        w0 = body.width
        self.fit_to_frame(body, bottom_reserve=EQUATION_RESERVE)
        self.k = body.width / w0
        panel.remove(placeholder)
        self.add(body)
        self.body = body
        self.eq_top = panel.get_bottom()[1] - EQUATION_GAP
        self.drawn.update({"input_labels": self.vin.drawn["labels"], "kernel_labels": self.vk.drawn["labels"],
                           "output_labels": self.vout.drawn["labels"], "path": fig.path, "steps": [],
                           "output_edges": [tuple((float(p[0]), float(p[1])) for p in e) for e in _edges(self.vout)],
                           "output_label_boxes": {a: _box(m) for a, m in zip(self.vout.drawn["labels"],
                                                                              self.vout.labels)}})

    def equation(self, fig: PointwiseFigure, step: DotStep) -> tuple[VGroup, EquationLines]:
        """"output (r, c) = v×w + … = total" under the panel: the word ("output", 输出) in its own font, every
        digit and sign in the monospace font, the terms in fixed columns; the word sits on the digits'
        baseline (each font's baseline from its own "0"). ``line.fonts``: (string, font) of every token."""
        r, c = step.position
        size, top = TEXT_SIZE, self.eq_top
        cw = char_width(size)
        coords = f"({r}, {c}) ="
        eq = EquationLines(step.terms, step.total_text, self.text, left=0, top=top, term_width=fig.term_width,
                           per_line=fig.channels, size=size, color=self.theme.text)
        head = self.text(coords, size=size, font=FONT_MONO, strut=True)
        head.place_strut([-(len(coords) + 1) * cw - cw, top, 0])
        baseline = self.text("0", size=size, font=FONT_MONO, strut=True).place_strut([0, top, 0]).get_bottom()[1]
        word_s = self.say("output", "输出")
        word_font = font_for(self.lang)
        word = self.text(word_s, size=size, font=word_font, strut=True)
        ref = self.text("0", size=size, font=word_font, strut=True)      # the word font's baseline under its strut
        drop = (ref.get_center() + ref.strut_offset)[1] - ref.get_bottom()[1]
        word.place_strut([0, baseline + drop, 0])
        word.shift(RIGHT * (head.get_left()[0] - WORD_GAP_EM * size / 72 - word.get_right()[0]))
        line = VGroup(word, head, eq).scale(self.k)
        line.move_to([self.body.get_center()[0], self.eq_top - line.height / 2, 0])
        line.fonts = [(word_s, word_font), (coords, FONT_MONO)] + [(m.text, FONT_MONO) for m in eq]
        return line, eq

    def show_step(self, fig: PointwiseFigure, step: DotStep, state):
        """The input column and the output cell marked, arrows through the kernel, the panel's numbers, the
        value written into the output and the equation."""
        t, d = self.theme, fig.channels
        r, c = step.position
        col = self.vin.highlight(r, c, None, color=t.kernel_stroke, fill_opacity=COLUMN_OPACITY)
        mark = SurroundingRectangle(self.vout.front_cell(r, c), color=t.highlight, buff=0, stroke_width=MARK_STROKE)
        mark.set_z_index(MARK_Z)
        arrows = VGroup(
            link(self.vin.point(r + 0.5, c + 1, d / 2), self.vk.point(0.5, 0, d / 2), t.kernel_stroke),
            link(self.vk.point(0.5, 1, d / 2), self.vout.point(r, c + 0.5, 0), t.kernel_stroke),
        )
        arrows.set_z_index(ARROW_Z)
        for k in range(d):
            self.vals.set_text(0, k, step.values[k])
            self.wts.set_text(0, k, step.weights[k])
        self.vout.write(r, c, step.total_text)
        line, eq = self.equation(fig, step)
        vlab = self.values_label(step.position).scale(self.k)
        vlab.move_to(self.vals.get_left() + LEFT * (GRID_LABEL_GAP + vlab.width / 2))
        word, head = line[0], line[1]
        self.drawn["steps"].append({"position": step.position, "values": list(step.values),
                                    "weights": list(step.weights), "equation": eq.drawn, "total": step.total_text,
                                    "equation_fonts": line.fonts, "word_box": _box(word), "coords_box": _box(head),
                                    "digit_box": _box(line[2][0]), "em": TEXT_SIZE / 72 * self.k})
        return self.swap((state, VGroup(col, mark, arrows, line, vlab)))

    def values_label(self, pos):
        r, c = pos
        return self.text(self.say(f"input at ({r}, {c})", f"({r}, {c}) 处的输入"), size=TEXT_SIZE)


def _box(m) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of a mobject, in scene units.

    >>> from manim import Square
    >>> _box(Square(2))
    (-1.0, -1.0, 1.0, 1.0)
    """
    return (float(m.get_left()[0]), float(m.get_bottom()[1]), float(m.get_right()[0]), float(m.get_top()[1]))


def _edges(vol: Volume) -> list[tuple[np.ndarray, np.ndarray]]:
    """The 12 edges of a block's cuboid, as pairs of scene points."""
    H, W, D = vol.shape
    corners = [(h, w, d) for h in (0, H) for w in (0, W) for d in (0, D)]
    return [(vol.point(*a), vol.point(*b)) for i, a in enumerate(corners) for b in corners[i + 1:]
            if sum(x != y for x, y in zip(a, b)) == 1]


def _place_depth_label(vol: Volume) -> None:
    """Put a one-voxel-deep block's depth label under its receding bottom edge (as W's is under its edge),
    ``LABEL_GAP`` below the block's foot: the widget sets it out to the right of that short edge, where it is
    the picture's outermost mark, diagonal to the front face's corner."""
    lab = dict(zip(vol.drawn["labels"], vol.labels)).get("D")
    if lab is None:
        return
    H, W, D = vol.shape
    front, back = vol.point(H, W, 0), vol.point(H, W, D)
    foot = min(front[1], back[1])
    lab.move_to([(front[0] + back[0]) / 2, foot - LABEL_GAP - lab.height / 2, 0])
