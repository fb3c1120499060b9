"""The Conv2d shape rule as in PyTorch's docs (cnn-figure5), with a worked example under it.

Input (N, C_in, H_in, W_in), output (N, C_out, H_out, W_out), H_out = ⌊(H_in + 2·padding[0] − dilation[0]·
(kernel_size[0] − 1) − 1)/stride[0] + 1⌋ and likewise W_out. The example's numbers come from the entry's
parameters and the result from ``convviz.shapes.conv_output_size`` (through ``convviz.figures.shape_rule``). The input
size, the kernel size and the output size keep their role colours (input, kernel, output) in the rule and in the
example. Run with stock Manim too: ``manim -ql scenes/shape_rule.py ShapeRule``.
"""

from __future__ import annotations


from manim import DOWN, LEFT, RIGHT, Line, VGroup

from convviz.figures.shape_rule import shape_rule_example

from scenes.kit.base import ConvVizScene, tex_template

RULE_SIZE = 38


class ShapeRule(ConvVizScene):
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
        row = VGroup(self.text("•  " + self.T(bullet_key) + self.say(":", "："), size=26),
                     self.tex([(full, None)], size=RULE_SIZE * 0.95),
                     self.text(self.say("or", "或"), size=26),
                     self.tex([(short, None)], size=RULE_SIZE * 0.95))
        row.arrange(RIGHT, buff=0.2)
        if tail:
            row.add(self.text(tail, size=26).next_to(row, RIGHT, buff=0.06).align_to(row[0], DOWN))
        return row

    def construct(self):
        p = self.params
        t = self.theme
        steps = shape_rule_example(p["in_size"], p["kernel_size"], p["stride"], p["padding"], p["dilation"])
        # -- the rule (PyTorch docs) ---------------------------------------------------------------------
        lines = [
            self.shape_line("input", r"(N, C_{in}, H_{in}, W_{in})", r"(C_{in}, H_{in}, W_{in})"),
            self.shape_line("output", r"(N, C_{out}, H_{out}, W_{out})", r"(C_{out}, H_{out}, W_{out})",
                            self.say(", where", "，其中")),
        ]
        rules = VGroup()
        for a, dim in enumerate("HW"):
            rules.add(self.tex([
                (dim + r"_{out}", "output"), (r"= \left\lfloor \frac{", None), (dim + r"_{in}", "input"),
                (rf" + 2 \times \text{{padding}}[{a}] - \text{{dilation}}[{a}] \times (", None),
                (rf"\text{{kernel\_size}}[{a}]", "kernel"),
                (rf" - 1) - 1}}{{\text{{stride}}[{a}]}} + 1 \right\rfloor", None)]))
        # -- the worked example ---------------------------------------------------------------------------
        h, w = steps
        same = (h.in_size, h.kernel_size, h.stride, h.padding, h.dilation) == \
               (w.in_size, w.kernel_size, w.stride, w.padding, w.dilation)

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
        settings = "".join(x for x, _ in setting_parts)
        example_title = VGroup(self.text(self.say("Example:", "例："), size=26),
                               self.tex(setting_parts, size=RULE_SIZE * 0.9)).arrange(RIGHT, buff=0.2)
        examples = VGroup()
        self.drawn["example"] = []
        self.drawn["example_tex"] = []
        for dim, s in zip("HW", steps):
            parts = [
                (dim + r"_{out}", "output"), (r"= \left\lfloor \frac{", None), (str(s.in_size), "input"),
                (rf" + 2 \times {s.padding} - {s.dilation} \times (", None), (str(s.kernel_size), "kernel"),
                (rf" - 1) - 1}}{{{s.stride}}} + 1 \right\rfloor = \left\lfloor \frac{{{s.numerator}}}{{{s.stride}}}"
                 r" + 1 \right\rfloor =", None),
                (str(s.out_size), "output")]
            examples.add(self.tex(parts))
            self.drawn["example_tex"].append("".join(x for x, _ in parts))
            self.drawn["example"].append({
                "dim": dim, "in_size": s.in_size, "padding": s.padding, "dilation": s.dilation,
                "kernel_size": s.kernel_size, "stride": s.stride, "numerator": s.numerator, "out_size": s.out_size})
        size_in = self.tex([(r"(N, C_{in}, ", None), (str(h.in_size), "input"), (",", None),
                            (str(w.in_size), "input"), (")", None)], size=RULE_SIZE * 0.9)
        size_out = self.tex([(r"(N, C_{out}, ", None), (str(h.out_size), "output"), (",", None),
                             (str(w.out_size), "output"), (")", None)], size=RULE_SIZE * 0.9)
        shapes = VGroup(self.label("input", size=24), size_in, self.tex([(r"\longrightarrow", None)]),
                        self.label("output", size=24), size_out).arrange(RIGHT, buff=0.2)
        self.drawn["shapes"] = ((h.in_size, w.in_size), (h.out_size, w.out_size))
        self.drawn["settings"] = settings
        self.drawn["same_hw"] = same
        top = VGroup(*lines).arrange(DOWN, buff=0.25, aligned_edge=LEFT)
        rules.arrange(DOWN, buff=0.3, aligned_edge=LEFT)
        rule_block = VGroup(top, rules).arrange(DOWN, buff=0.35, aligned_edge=LEFT)
        rules.shift(RIGHT * 0.6)
        examples.arrange(DOWN, buff=0.3, aligned_edge=LEFT)
        ex_block = VGroup(example_title, examples, shapes).arrange(DOWN, buff=0.3, aligned_edge=LEFT)
        examples.shift(RIGHT * 0.6)
        shapes.shift(RIGHT * 0.6)
        rule_w = max(rule_block.width, ex_block.width)
        sep = Line([0, 0, 0], [rule_w, 0, 0], color=t.grid, stroke_width=1.5)
        body = VGroup(rule_block, sep, ex_block).arrange(DOWN, buff=0.35, aligned_edge=LEFT)
        self.fit_to_frame(body)
        self.show_still(body)
