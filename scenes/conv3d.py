"""figure15: 3-D convolution. An input volume, a k x k x k kernel, the output volume with one voxel marked.

Draws a :class:`convviz.figures.volumes.Conv3DFigure`: its sizes (``conv_output_size``), values
(``convviz.ops.conv``), the kernel's walk (``axis_walk``: from the origin along width, then height, then depth, one
axis per step, ending on the marked output voxel) and each step's window, patch and value. On the input a trail of
arrows joins the centres of the windows visited so far (the last move bold, the previous window's outline ghosted)
and a tag names the move and the path so far, so the last frame (the notes' still) shows the motion along W, H and
D; an interior window is drawn as a see-through box with its projection tinted on the three visible faces. The
output voxel is marked on the block's visible faces it lies on, exactly over its cells (an interior voxel: its box
and projections, no hidden edges). Under the blocks an inset makes every value checkable: each depth slice of the
window's patch ⊙ the kernel's slice = its partial sum, and the output = the partial sums added. "d" is dilation
only (the size formula, glossed under it); depth is spelled out or D.
Run with stock Manim: ``manim -ql scenes/conv3d.py Conv3DScene``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, DashedLine, Dot, Polygon, VGroup

from convviz.figures.volumes import Conv3DFigure, WindowStep

from scenes.kit.base import ConvVizScene
from scenes.kit.volume import Volume, link
from scenes.kit.widgets import NumberGrid, longest_number, number_font_size

CELL = 0.45                 # a voxel's side (scene units, before fitting)
DEPTH = 0.6                 # drawn depth of a voxel relative to its side
BLOCK_GAP = 1.6             # between input, kernel and output
TITLE_GAP = 0.3             # block → its title above
KERNEL_TITLE_GAP = 0.25     # kernel's labels → its title below
FORMULA_SIZE = 20
FORMULA_LINE_GAP = 0.12
FORMULA_GAP = 0.45          # the step line → the rule and the size formula
STEP_SIZE = 24
STEP_GAP = 0.35             # the inset → the step line
WINDOW_OPACITY = 0.25
MARK_OPACITY = 0.5
ARROW_Z = 6
# the inset: per depth slice, patch ⊙ kernel = partial sum
INSET_CELL = 0.55
INSET_DIGITS = 0.5          # of an inset cell's height the digits fill
INSET_GAP = 0.55            # blocks → the inset
SLICE_GAP = 0.7             # between depth slices
OP_GAP = 0.15               # grid ↔ ⊙ / = signs
OP_SIZE = 26
SLICE_TITLE_SIZE = 20
SLICE_TITLE_GAP = 0.12
MOVE_SIZE = 20              # "moved along width (W)"
MOVE_GAP = 0.2              # the input's labels → the move tag
MOVE_STROKE = 5
TRAIL_STROKE = 3            # earlier moves of the trail (the last move: MOVE_STROKE)
TRAIL_DOT = 0.05            # the trail's start: a dot this radius at the first window's centre
MARK_STROKE = 5             # the output voxel's faces: outline
MOVE_LINE_GAP = 0.08        # the move tag's two lines
GHOST_STROKE, GHOST_OPACITY = 2.5, 0.8   # the previous window's outline
AXIS_WORDS = {"D": ("depth", "深度"), "H": ("height", "高度"), "W": ("width", "宽度")}


class Conv3DScene(ConvVizScene):
    default_entry = "cnn-figure15"
    params: Conv3DFigure

    def construct(self):
        fig = self.params
        self.lay_out(fig)
        self.play_steps(fig.steps, lambda step, state: self.show_step(fig, step, state), passed=lambda step: None)

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
        return self.say(f"each output voxel is the sum of {kd} × {kh} × {kw} = {fig.taps} products",
                        f"每个输出体素是 {kd} × {kh} × {kw} = {fig.taps} 个乘积之和")

    def gloss(self) -> str:
        """The order of a position's numbers and what the size formula's "d" is (the dilation, not the depth)."""
        return self.say("positions are (depth, height, width); d in the formula is the dilation",
                        "坐标顺序为（深度，高度，宽度）；公式中的 d 是膨胀率（dilation）")

    def lay_out(self, fig: Conv3DFigure) -> None:
        """The blocks, their titles, the first step's inset and line, the rule and the size formula, fitted to
        the frame (``self.k``: the scale the fitting applied, for what is made per step; ``self.slots``: where
        the per-step inset, line and move tag go)."""
        rule = self.rule(fig)
        body = VGroup(self.blocks(fig), self.titles())
        first = fig.steps[0]
        inset = self.inset(fig, first)[0].next_to(body, DOWN, buff=INSET_GAP)
        line = self.step_line(first)[0].next_to(inset, DOWN, buff=STEP_GAP)
        tag = self.move_tag(fig, first).next_to(self.vin.labels, DOWN, buff=MOVE_GAP).align_to(self.vin.body, LEFT)
        flines = VGroup(self.text(rule, size=FORMULA_SIZE, color=self.theme.muted),
                        *[self.text(s, size=FORMULA_SIZE, color=self.theme.muted) for s in fig.formula],
                        self.text(self.gloss(), size=FORMULA_SIZE, color=self.theme.muted)
                        ).arrange(DOWN, buff=FORMULA_LINE_GAP)
        flines.next_to(line, DOWN, buff=FORMULA_GAP)
        whole = VGroup(body, inset, line, tag, flines)
        w0 = whole.width
        self.fit_to_frame(whole)
        self.k = whole.width / w0
        self.slots = {"inset": inset.get_top(), "line": line.get_top(), "tag": tag.get_corner(UP + LEFT)}
        self.add(body, flines)
        self.drawn.update({"input_labels": self.vin.drawn["labels"], "kernel_labels": self.vk.drawn["labels"],
                           "output_labels": self.vout.drawn["labels"], "out_size": fig.out_size,
                           "path": fig.path, "marked": fig.marked, "formula": list(fig.formula), "rule": rule,
                           "gloss": self.gloss(),
                           "steps": []})

    # -- what each step shows ---------------------------------------------------------------------------------
    def grid(self, values, fill, stroke) -> NumberGrid:
        return NumberGrid(values, self.theme, self.text, cell=INSET_CELL, fill=fill, stroke=stroke,
                          font_size=number_font_size(INSET_CELL, longest_number(values), height=INSET_DIGITS))

    def inset(self, fig: Conv3DFigure, step: WindowStep):
        """Per depth slice of the window: the patch's values ⊙ the kernel's = the partial sum, titled with the
        input depth. Returns (group, patch grids, kernel grids)."""
        t = self.theme
        d0 = step.window[0][0]
        kern = fig.weight[0, 0]
        slices, patches, kernels = VGroup(), [], []
        for a, part in enumerate(step.partial_texts):
            pg = self.grid(step.patch[a], t.input_fill, t.input_stroke)
            kg = self.grid(kern[a], t.kernel_fill, t.kernel_stroke)
            row = VGroup(pg, self.text("⊙", size=OP_SIZE), kg, self.text(f"= {part}", size=OP_SIZE))
            row.arrange(RIGHT, buff=OP_GAP)
            titles = VGroup(
                self.text(self.say(f"input depth {d0 + a}", f"输入 深度 {d0 + a}"), size=SLICE_TITLE_SIZE,
                          color=t.input_stroke).next_to(pg, UP, buff=SLICE_TITLE_GAP),
                self.text(self.say(f"kernel depth {a}", f"卷积核 深度 {a}"), size=SLICE_TITLE_SIZE,
                          color=t.kernel_stroke).next_to(kg, UP, buff=SLICE_TITLE_GAP))
            titles[1].align_to(titles[0], UP)         # one line: tops level (a descender would lift a baseline)
            slices.add(VGroup(titles, row))
            patches.append(pg)
            kernels.append(kg)
        slices.arrange(RIGHT, buff=SLICE_GAP, aligned_edge=DOWN)
        return slices, patches, kernels

    def step_line(self, step: WindowStep):
        d, h, w = step.position
        total = step.total_text
        rhs = f"{' + '.join(step.partial_texts)} = {total}" if len(step.partial_texts) > 1 else total
        s = self.say(f"output ({d}, {h}, {w}) = {rhs}", f"输出 ({d}, {h}, {w}) = {rhs}")
        return self.text(s, size=STEP_SIZE), s

    def move_tag(self, fig: Conv3DFigure, step: WindowStep):
        """Which way the kernel just moved ("start" first) and, under it, the path so far ("W → W → H")."""
        i = fig.path.index(step.position)
        if step.moved is None:
            s = self.say("start: the first window", "起点：第一个窗口")
        else:
            en = " + ".join(f"{AXIS_WORDS[a][0]} ({a})" for a in step.moved)
            zh = " + ".join(f"{AXIS_WORDS[a][1]}（{a}）" for a in step.moved)
            s = self.say(f"kernel moved along {en}", f"卷积核沿{zh}方向移动")
        moves = " → ".join("+".join(st.moved) for st in fig.steps[1:i + 1])
        path = self.say(f"path so far: {moves}", f"已走路径：{moves}") if moves else ""
        lines = VGroup(self.text(s, size=MOVE_SIZE, color=self.theme.highlight))
        if path:
            lines.add(self.text(path, size=MOVE_SIZE, color=self.theme.highlight))
        lines.arrange(DOWN, buff=MOVE_LINE_GAP, aligned_edge=LEFT)
        lines.string, lines.path = s, path
        return lines

    def trail(self, fig: Conv3DFigure, step: WindowStep):
        """The previous window's outline, a dot at the first window's centre and an arrow per move from window
        centre to window centre so far (the last one bold); None at the start. Also the legs' end points."""
        i = fig.path.index(step.position)
        if i == 0:
            return None, []
        kd, kh, kw = fig.kernel_size
        centres = [self.vin.point(h + kh / 2, w + kw / 2, d + kd / 2) for d, h, w in fig.path[:i + 1]]
        d0, h0, w0 = fig.path[i - 1]
        ghost = self.vin.highlight((h0, h0 + kh), (w0, w0 + kw), (d0, d0 + kd), color=self.theme.muted,
                                   fill_opacity=0.0, surface=False, hidden=False, stroke_width=GHOST_STROKE)
        ghost.set_stroke(opacity=GHOST_OPACITY)
        ends = [(a, b) for a, b in zip(centres, centres[1:])]
        a, b = ends[-1]                      # the last move at least a voxel's side long (a depth step is short)
        ends[-1] = (a, a + (b - a) * max(1.0, CELL * self.k / np.linalg.norm(b - a)))
        legs = VGroup(*[link(a, b, self.theme.highlight, stroke_width=MOVE_STROKE if j == i - 1 else TRAIL_STROKE,
                             buff=0) for j, (a, b) in enumerate(ends)])
        start = Dot(centres[0], radius=TRAIL_DOT * self.k, color=self.theme.highlight)
        return VGroup(ghost, start, legs), ends

    def mark(self, fig: Conv3DFigure, step: WindowStep):
        """The output voxel: its faces that lie on the block's visible faces (front, top, right), tinted and
        outlined exactly over their cells; an interior voxel: its box and projections without hidden edges.
        Returns (mark, {face: corners}, the point the kernel's arrow ends at)."""
        d, h, w = step.position
        W, P = fig.out_size[2], self.vout.point
        faces = {}
        if d == 0:
            faces["front"] = [P(h, w, 0), P(h, w + 1, 0), P(h + 1, w + 1, 0), P(h + 1, w, 0)]
        if h == 0:
            faces["top"] = [P(0, w, d), P(0, w + 1, d), P(0, w + 1, d + 1), P(0, w, d + 1)]
        if w == W - 1:
            faces["right"] = [P(h, W, d), P(h, W, d + 1), P(h + 1, W, d + 1), P(h + 1, W, d)]
        if not faces:
            mark = self.vout.highlight(h, w, d, color=self.theme.highlight, fill_opacity=MARK_OPACITY,
                                       project=True, hidden=False)
            return mark, faces, P(h + 0.5, w + 0.5, d + 0.5)
        mark = VGroup(*[Polygon(*c, color=self.theme.highlight, stroke_width=MARK_STROKE)
                        .set_fill(self.theme.highlight, opacity=MARK_OPACITY) for c in faces.values()])
        first = next(iter(faces.values()))
        return mark.set_z_index(ARROW_Z - 1), faces, sum(first) / 4

    def show_step(self, fig: Conv3DFigure, step: WindowStep, state):
        """The window in the input with the trail of its moves, the marked output voxel, arrows through the
        kernel, the inset of the window's values and the value."""
        t = self.theme
        (d0, d1), (h0, h1), (w0, w1) = step.window
        kd, kh, kw = fig.kernel_size
        win = self.vin.highlight((h0, h1), (w0, w1), (d0, d1), color=t.kernel_stroke, fill_opacity=WINDOW_OPACITY,
                                 project=True)
        mark, faces, target = self.mark(fig, step)
        arrows = VGroup(
            link(self.vin.point((h0 + h1) / 2, w1, (d0 + d1) / 2), self.vk.point(0, 0, kd / 2), t.kernel_stroke),
            link(self.vk.point(kh / 2, kw, kd / 2), target, t.kernel_stroke),
        ).set_z_index(ARROW_Z)
        moving = VGroup(win, mark, arrows)
        trail, legs = self.trail(fig, step)
        if trail is not None:
            moving.add(trail.set_z_index(ARROW_Z + 1))
        inset, patches, kernels = self.inset(fig, step)
        line, s = self.step_line(step)
        tag = self.move_tag(fig, step)
        fixed = VGroup(inset.scale(self.k).move_to(self.slots["inset"], aligned_edge=UP),
                       line.scale(self.k).move_to(self.slots["line"], aligned_edge=UP),
                       tag.scale(self.k).move_to(self.slots["tag"], aligned_edge=UP + LEFT))
        self.drawn["steps"].append({
            "position": step.position, "window": step.window, "text": s, "total": step.total_text,
            "taps": step.taps, "moved": step.moved, "move_text": tag.string, "path_text": tag.path,
            "move_arrow": trail is not None, "legs": [(a.tolist(), b.tolist()) for a, b in legs],
            "mark_faces": {k: [c.tolist() for c in v] for k, v in faces.items()},
            "mark_dashes": sum(isinstance(m, DashedLine) for m in mark.get_family()),
            "partials": list(step.partial_texts),
            "patch": [g.drawn_array().tolist() for g in patches],
            "kernel": [g.drawn_array().tolist() for g in kernels]})
        if state is None:
            return list(self.swap((None, moving), (None, fixed, False)))
        return list(self.swap((state[0], moving), (state[1], fixed, False)))
