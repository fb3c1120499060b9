"""The notes' five convolution formulas (cnn-formula1..5), typeset with LaTeX.

formula1: continuous convolution and its short form, joined by an arrow labelled 等价表示 as in the notes (in
English "等价表示 (equivalent form)", so the notes' label stays and a reader without Chinese knows it).
formula2: discrete 1-D convolution. formula3/formula4: 2-D convolution and its commuted form (true convolution,
the kernel flipped). formula5: cross-correlation, what deep-learning libraries compute. In formulas 3, 4 and 5
the signs inside the flipped/unflipped index pairs are coloured, so formula5 reads as "the same sum with the
index signs flipped"; formula5 also carries a one-line note and the matching true-convolution sum for
comparison.

The formulas are mathematics (no data), so the LaTeX strings are written here; the entry's
``convviz.figures.formulas.FormulaFigure`` says which one to typeset. Run with stock Manim too:
``manim -ql scenes/formulas.py Formula5``.
"""

from __future__ import annotations


from manim import DOWN, RIGHT, UP, Arrow, VGroup

from convviz.figures.formulas import FORMULA_NUMBERS

from scenes.kit.base import ConvVizScene, tex_template
from scenes.kit.theme import label_text

# Each formula: a list of (tex, role) parts; role "sign" marks the index signs that differ between true
# convolution (−) and cross-correlation (+).
SUM_MN = r"\sum_{m}\sum_{n}"

FORMULAS: dict[int, list[list[tuple[str, str | None]]]] = {
    # formula1 has two formulas joined by the "equivalent form" arrow
    1: [[(r"s(t) = \int x(a)\,w(t-a)\,da", None)],
        [(r"s(t) = (x * w)(t)", None)]],
    2: [[(r"s(t) = (x * w)(t) = \sum_{a=-\infty}^{\infty} x(a)\,w(t-a)", None)]],
    3: [[(r"S(i,j) = (I * K)(i,j) = " + SUM_MN + r" I(m,n)\,K(i", None), ("-", "sign"), ("m,\\, j", None),
         ("-", "sign"), ("n)", None)]],
    4: [[(r"S(i,j) = (K * I)(i,j) = " + SUM_MN + r" I(i", None), ("-", "sign"), ("m,\\, j", None),
         ("-", "sign"), (r"n)\,K(m,n)", None)]],
    5: [[(r"S(i,j) = (I * K)(i,j) = " + SUM_MN + r" I(i", None), ("+", "sign"), ("m,\\, j", None),
         ("+", "sign"), (r"n)\,K(m,n)", None)]],
}

# formula5's comparison line: the true-convolution sum of formula4
COMPARE_5 = [(SUM_MN + r" I(i", None), ("-", "sign"), ("m,\\, j", None), ("-", "sign"), (r"n)\,K(m,n)", None)]

FORMULA_SIZE = 52
SIGN_STROKE = 1.6               # the coloured index signs are drawn bold
NOTE_SIZE = 22                  # formula5's explanatory lines
COMPARE_SCALE = 0.62            # formula5's comparison sum, relative to FORMULA_SIZE
# formula1's "equivalent form" arrow
ARROW_LABEL_SIZE = 24
ARROW_MIN_LENGTH = 2.2
ARROW_LABEL_PAD = 0.5           # the arrow is this much longer than its label
ARROW_STROKE = 4
ARROW_TIP_RATIO = 0.12
ARROW_RAISE = 0.32              # of the left formula's height: the arrow sits at about the maths axis
ROW_BUFF = 0.35
LABEL_BUFF = 0.12
COMPARE_BUFF = 0.25
LINE_BUFF = 0.35

if set(FORMULAS) != set(FORMULA_NUMBERS):
    raise AssertionError(f"formulas typeset here {sorted(FORMULAS)} ≠ the builder's {list(FORMULA_NUMBERS)}")


class FormulaScene(ConvVizScene):
    """One of the notes' formulas; ``params.which`` (a ``FormulaFigure``, 1..5) picks it."""

    default_entry = "cnn-formula1"

    def tex(self, parts, size: float = FORMULA_SIZE, color: str | None = None) -> VGroup:
        """Typeset (tex, role) parts; "sign" parts in the highlight colour (bold)."""
        m = tex_template(tuple(p for p, _ in parts), float(size), color or self.theme.text).copy()
        for sub, (_, role) in zip(m, parts):
            if role == "sign":
                sub.set_color(self.theme.highlight)
                sub.set_stroke(self.theme.highlight, width=SIGN_STROKE)
        self.drawn.setdefault("tex", []).append("".join(p for p, _ in parts))
        self.drawn.setdefault("signs", []).extend(p for p, r in parts if r == "sign")
        return m

    def note(self, en: str, zh: str, size: float = NOTE_SIZE):
        s = self.say(en, zh)
        self.drawn["text"].append(s)
        return self.text(s, size=size, color=self.theme.muted)

    def construct(self):
        which = self.params.which
        build = getattr(self, f"_formula{which}", self._plain)
        self.prefetch_tex(lambda: (self.start_record(which), build(which)))      # its formulas in one LaTeX run
        self.start_record(which)
        body = build(which)
        self.fit_to_frame(body)
        self.show_still(body)

    def start_record(self, which: int) -> None:
        self.drawn["which"] = which
        self.drawn["tex"] = []
        self.drawn["signs"] = []
        self.drawn["text"] = []

    # ------------------------------------------------------------------------------------------------------
    def _plain(self, which: int) -> VGroup:
        return VGroup(*[self.tex(parts) for parts in FORMULAS[which]])

    def _formula1(self, which: int) -> VGroup:
        left, right = [self.tex(parts) for parts in FORMULAS[which]]
        text = self.say(f"{label_text('equivalent', 'zh')} ({self.T('equivalent')})", self.T("equivalent"))
        label = self.text(text, size=ARROW_LABEL_SIZE)
        length = max(ARROW_MIN_LENGTH, label.width + ARROW_LABEL_PAD)
        arrow = Arrow([0, 0, 0], [length, 0, 0], buff=0, color=self.theme.input_stroke, stroke_width=ARROW_STROKE,
                      max_tip_length_to_length_ratio=ARROW_TIP_RATIO)
        row = VGroup(left, arrow, right).arrange(RIGHT, buff=ROW_BUFF)
        arrow.align_to(left[0], DOWN).shift(UP * (left.height * ARROW_RAISE))
        label.next_to(arrow, UP, buff=LABEL_BUFF)
        self.drawn["text"].append(text)
        return VGroup(row, label)

    def _formula5(self, which: int) -> VGroup:
        main = self._plain(which)
        t = self.theme
        note = self.note("Cross-correlation (no kernel flip): what conv layers such as PyTorch's conv2d "
                         "compute.", "互相关（卷积核不翻转）：PyTorch conv2d 等卷积层实际计算的就是它。")
        cmp_label = self.note("True convolution (formula 4) has the opposite signs:",
                              "真正的卷积（公式 4）中下标符号相反：")
        cmp_tex = self.tex(COMPARE_5, size=FORMULA_SIZE * COMPARE_SCALE, color=t.muted)
        cmp = VGroup(cmp_label, cmp_tex).arrange(RIGHT, buff=COMPARE_BUFF)
        return VGroup(main, note, cmp).arrange(DOWN, buff=LINE_BUFF)


class Formula1(FormulaScene):
    default_entry = "cnn-formula1"


class Formula2(FormulaScene):
    default_entry = "cnn-formula2"


class Formula3(FormulaScene):
    default_entry = "cnn-formula3"


class Formula4(FormulaScene):
    default_entry = "cnn-formula4"


class Formula5(FormulaScene):
    default_entry = "cnn-formula5"
