"""The Conv2d shape rule as in PyTorch's docs (cnn-figure5), with a worked example under it.

Input (N, C_in, H_in, W_in), output (N, C_out, H_out, W_out), H_out = ⌊(H_in + 2·padding[0] − dilation[0]·
(kernel_size[0] − 1) − 1)/stride[0] + 1⌋ and likewise W_out. The example's numbers come from the entry's
parameters and the result from ``convviz.shapes.conv_output_size`` (through
``convviz.figures.shape_rule.shape_rule_figure``). The input
size, the kernel size and the output size keep their role colours (input, kernel, output) in the rule and in the
example. Run with stock Manim too: ``manim -ql scenes/shape_rule.py ShapeRule``.
"""

from __future__ import annotations


from manim import DOWN, LEFT, RIGHT, Line, VGroup

from scenes.kit.base import ConvVizScene, tex_template

RULE_SIZE = 38
SHAPE_SCALE = 0.95            # the shapes in the rule's first lines, relative to RULE_SIZE
EXAMPLE_SCALE = 0.9           # the example's settings and shapes
TEXT_SIZE = 26
SHAPE_LABEL_SIZE = 24
WORD_BUFF = 0.2               # between the words and formulas of one line
TAIL_BUFF = 0.06
SHAPE_LINE_BUFF = 0.25
LINE_BUFF = 0.3
BLOCK_BUFF = 0.35
INDENT = 0.6                  # formulas under their heading
SEPARATOR_STROKE = 1.5


class ShapeRule(ConvVizScene):
    """Draws a ``convviz.figures.shape_rule.ShapeRuleFigure``: the rule, a rule line, the worked example."""

    default_entry = "cnn-figure5"

    def tex(self, parts, size: float = RULE_SIZE) -> VGroup:
        """Typeset (tex, role) parts; role input/kernel/output takes that role's colour."""
        t = self.theme
        colours = {"input": t.input_stroke, "kernel": t.kernel_stroke, "output": t.output_stroke}
        m = tex_template(tuple(p for p, _ in parts), float(size), t.text).copy()
        for sub, (_, role) in zip(m, parts):
            if role in colours:
                sub.set_color(colours[role])
        return m

    def shape_line(self, bullet_key: str, full: str, short: str, tail: str = "") -> VGroup:
        row = VGroup(self.text("•  " + self.T(bullet_key) + self.say(":", "："), size=TEXT_SIZE),
                     self.tex([(full, None)], size=RULE_SIZE * SHAPE_SCALE),
                     self.text(self.say("or", "或"), size=TEXT_SIZE),
                     self.tex([(short, None)], size=RULE_SIZE * SHAPE_SCALE))
        row.arrange(RIGHT, buff=WORD_BUFF)
        if tail:
            row.add(self.text(tail, size=TEXT_SIZE).next_to(row, RIGHT, buff=TAIL_BUFF).align_to(row[0], DOWN))
        return row

    def construct(self):
        fig = self.params
        self.prefetch_tex(lambda: (self.rule(), self.example(fig)))        # a dozen formulas, one LaTeX run
        rule_block = self.rule()
        ex_block = self.example(fig)
        rule_w = max(rule_block.width, ex_block.width)
        sep = Line([0, 0, 0], [rule_w, 0, 0], color=self.theme.grid, stroke_width=SEPARATOR_STROKE)
        body = VGroup(rule_block, sep, ex_block).arrange(DOWN, buff=BLOCK_BUFF, aligned_edge=LEFT)
        self.fit_to_frame(body)
        self.show_still(body)

    # -- the storyboard's steps -----------------------------------------------------------------------------
    def rule(self) -> VGroup:
        """The rule as PyTorch's docs give it: the input and output shapes, then H_out and W_out."""
        lines = VGroup(
            self.shape_line("input", r"(N, C_{in}, H_{in}, W_{in})", r"(C_{in}, H_{in}, W_{in})"),
            self.shape_line("output", r"(N, C_{out}, H_{out}, W_{out})", r"(C_{out}, H_{out}, W_{out})",
                            self.say(", where", "，其中")),
        ).arrange(DOWN, buff=SHAPE_LINE_BUFF, aligned_edge=LEFT)
        rules = VGroup()
        for a, dim in enumerate("HW"):
            rules.add(self.tex([
                (dim + r"_{out}", "output"), (r"= \left\lfloor \frac{", None), (dim + r"_{in}", "input"),
                (rf" + 2 \times \text{{padding}}[{a}] - \text{{dilation}}[{a}] \times (", None),
                (rf"\text{{kernel\_size}}[{a}]", "kernel"),
                (rf" - 1) - 1}}{{\text{{stride}}[{a}]}} + 1 \right\rfloor", None)]))
        rules.arrange(DOWN, buff=LINE_BUFF, aligned_edge=LEFT)
        block = VGroup(lines, rules).arrange(DOWN, buff=BLOCK_BUFF, aligned_edge=LEFT)
        rules.shift(RIGHT * INDENT)
        return block

    def example(self, fig) -> VGroup:
        """"Example:" and its settings, H_out and W_out with the numbers substituted, the two shapes."""
        title = self.example_title(fig)
        examples = VGroup(*[self.worked_step(dim, s) for dim, s in zip("HW", fig.steps)])
        shapes = self.shapes(fig)
        examples.arrange(DOWN, buff=LINE_BUFF, aligned_edge=LEFT)
        block = VGroup(title, examples, shapes).arrange(DOWN, buff=LINE_BUFF, aligned_edge=LEFT)
        examples.shift(RIGHT * INDENT)
        shapes.shift(RIGHT * INDENT)
        self.drawn["same_hw"] = fig.same_hw
        return block

    def example_title(self, fig) -> VGroup:
        h, w = fig.steps

        def value(a_val, b_val) -> str:
            return f"{a_val}" if a_val == b_val else f"({a_val}, {b_val})"

        if h.in_size == w.in_size:
            size_parts = [(r"H_{in} = W_{in} = ", None), (str(h.in_size), "input")]
        else:
            size_parts = [(r"H_{in} = ", None), (str(h.in_size), "input"), (r",\ W_{in} = ", None),
                          (str(w.in_size), "input")]
        setting_parts = size_parts + [
            (r",\ \text{kernel\_size} = ", None), (value(h.kernel_size, w.kernel_size), "kernel"),
            (rf",\ \text{{stride}} = {value(h.stride, w.stride)},\ \text{{padding}} = {value(h.padding, w.padding)},"
             rf"\ \text{{dilation}} = {value(h.dilation, w.dilation)}", None)]
        self.drawn["settings"] = "".join(x for x, _ in setting_parts)
        return VGroup(self.text(self.say("Example:", "例："), size=TEXT_SIZE),
                      self.tex(setting_parts, size=RULE_SIZE * EXAMPLE_SCALE)).arrange(RIGHT, buff=WORD_BUFF)

    def worked_step(self, dim: str, s) -> VGroup:
        """dim_out = ⌊(in + 2·p − d·(k − 1) − 1)/s + 1⌋ = ⌊numerator/s + 1⌋ = out, with the step's numbers."""
        parts = [
            (dim + r"_{out}", "output"), (r"= \left\lfloor \frac{", None), (str(s.in_size), "input"),
            (rf" + 2 \times {s.padding} - {s.dilation} \times (", None), (str(s.kernel_size), "kernel"),
            (rf" - 1) - 1}}{{{s.stride}}} + 1 \right\rfloor = \left\lfloor \frac{{{s.numerator}}}{{{s.stride}}}"
             r" + 1 \right\rfloor =", None),
            (str(s.out_size), "output")]
        self.drawn.setdefault("example_tex", []).append("".join(x for x, _ in parts))
        self.drawn.setdefault("example", []).append({
            "dim": dim, "in_size": s.in_size, "padding": s.padding, "dilation": s.dilation,
            "kernel_size": s.kernel_size, "stride": s.stride, "numerator": s.numerator, "out_size": s.out_size})
        return self.tex(parts)

    def shapes(self, fig) -> VGroup:
        """Input (N, C_in, H, W) → output (N, C_out, H_out, W_out) with the example's sizes."""
        h, w = fig.steps
        size_in = self.tex([(r"(N, C_{in}, ", None), (str(h.in_size), "input"), (",", None),
                            (str(w.in_size), "input"), (")", None)], size=RULE_SIZE * EXAMPLE_SCALE)
        size_out = self.tex([(r"(N, C_{out}, ", None), (str(h.out_size), "output"), (",", None),
                             (str(w.out_size), "output"), (")", None)], size=RULE_SIZE * EXAMPLE_SCALE)
        self.drawn["shapes"] = ((h.in_size, w.in_size), (h.out_size, w.out_size))
        return VGroup(self.label("input", size=SHAPE_LABEL_SIZE), size_in, self.tex([(r"\longrightarrow", None)]),
                      self.label("output", size=SHAPE_LABEL_SIZE), size_out).arrange(RIGHT, buff=WORD_BUFF)
