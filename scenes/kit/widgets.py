"""Reusable visuals: number grids, kernel windows, legends, equation lines. Each widget records what it drew.

Also the sizing rules they share: ``number_font_size`` (numbers that fit a cell), ``char_width`` (the monospaced
advance), ``longest_number`` and ``padding_kinds`` (which cells of a padded grid are padding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
import re

from manim import (DOWN, DR, LEFT, RIGHT, UP, Arrow, DashedVMobject, Line, Rectangle, Square, Text, VGroup,
                   VMobject)

from convviz.trace import fmt, product_term

from scenes.kit.settled import is_settled, settle, unsettle
from scenes.kit.theme import FONT_MATH, FONT_MONO

class Shared:
    """Holds a reference (e.g. the scene's text function) that copies of a widget share instead of copying:
    a deep copy of a bound method would copy the whole scene."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __deepcopy__(self, memo):
        return self


# cell kinds (the legend's UNVISITED marks input cells the floor of the size rule leaves out)
DATA, PADDING, INSERTED, EMPTY, OUTPUT_PADDING = "data", "padding", "inserted", "empty", "output_padding"
UNVISITED = "unvisited"

# 1 em = font_size/72 scene units; DejaVu digits are ≈0.64 em wide and ≈0.73 em tall, a DejaVu Sans Mono
# advance is 0.602 em
POINTS_PER_UNIT = 72
DIGIT_WIDTH_EM, DIGIT_HEIGHT_EM, MONO_ADVANCE_EM = 0.64, 0.73, 0.602
NUMBER_WIDTH = 0.8        # of a cell's width that its number may fill
NUMBER_HEIGHT = 0.36      # of a cell's height the digits fill by default


def number_font_size(cell: float, longest: int, height: float = NUMBER_HEIGHT) -> float:
    """Font size (Manim points) so that ``longest`` characters fit 80 % of a cell of side ``cell`` scene units
    and the digits fill ``height`` of its height.

    >>> round(number_font_size(0.6, 1), 2), round(number_font_size(0.6, 3), 2)   # set by height, by width
    (21.3, 18.0)
    >>> round(number_font_size(0.6, 1, height=0.5), 2)
    29.59
    """
    by_width = NUMBER_WIDTH * cell / (DIGIT_WIDTH_EM * max(longest, 1)) * POINTS_PER_UNIT
    by_height = height * cell * POINTS_PER_UNIT / DIGIT_HEIGHT_EM
    return min(by_width, by_height)


def longest_number(values) -> int:
    """Characters of the longest number in ``values`` as ``fmt`` prints it (at least 1).

    >>> longest_number(np.array([1, -12, 3, 4]).reshape(2, 2)), longest_number([])
    (3, 1)
    """
    return max([len(fmt(v)) for v in np.asarray(values).reshape(-1)] + [1])


def char_width(size: float) -> float:
    """Advance of one DejaVu Sans Mono character at ``size`` in scene units (0.602 em; 1 em = size/72).

    >>> round(char_width(18), 4)
    0.1505
    """
    return MONO_ADVANCE_EM * size / POINTS_PER_UNIT


def padding_kinds(size: tuple[int, int], padding) -> np.ndarray:
    """Cell kinds of a padded grid of ``size`` (rows, cols): ``PADDING`` in the ``((top, bottom), (left,
    right))`` border, ``DATA`` inside.

    >>> padding_kinds((3, 4), ((1, 0), (0, 1)))[:, -2:].tolist()    # top row and right column
    [['padding', 'padding'], ['data', 'padding'], ['data', 'padding']]
    """
    (pt, pb), (pl, pr) = padding
    rows, cols = size
    kinds = np.full((rows, cols), DATA, dtype=object)
    kinds[:pt, :] = PADDING
    kinds[rows - pb:, :] = PADDING
    kinds[:, :pl] = PADDING
    kinds[:, cols - pr:] = PADDING
    return kinds


def block_bounds(cells: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]] | None:
    """(rows, cols) when ``cells`` fill one contiguous rectangle (a window without dilation gaps), else None.

    >>> block_bounds([(0, 0), (0, 1), (1, 0), (1, 1)]), block_bounds([(0, 0), (0, 2)])
    (([0, 1], [0, 1]), None)
    """
    rows = sorted({r for r, _ in cells})
    cols = sorted({c for _, c in cells})
    contiguous = (len(rows) * len(cols) == len(cells) and rows == list(range(rows[0], rows[-1] + 1))
                  and cols == list(range(cols[0], cols[-1] + 1)))
    return (rows, cols) if contiguous else None


def hatch(center, size: float, color: str) -> VGroup:
    """Diagonal hatching that marks an output-padding cell of side ``size`` (kept clear of the number in the
    middle)."""
    h = size / 2
    g = VGroup()
    for k in (-1.5 * h, -1.0 * h, 1.0 * h, 1.5 * h):
        # the part of the line y − x = k inside the square [−h, h]²
        a = np.array([max(-h, -h - k), max(-h, -h + k), 0.0])
        b = np.array([min(h, h - k), min(h, h + k), 0.0])
        g.add(Line(center + a, center + b, stroke_width=1.6, color=color))
    return g


class NumberGrid(VGroup):
    """A grid of cells with optional numbers.

    ``values`` is a 2-D array (numbers or strings; ``None`` for an empty cell). ``kinds`` marks cells as data,
    padding (dashed border, grey zeros), inserted zeros or empty. ``drawn`` maps (row, col) → the text drawn.
    """

    def __init__(self, values, theme, text_factory: Callable[..., Text], cell: float = 0.6,
                 fill: str | None = None, stroke: str | None = None, kinds=None, show_numbers: bool = True,
                 precision: int = 2, font_size: float | None = None, fill_opacity: float = 1.0,
                 number_color: str | None = None, number_offset: tuple[float, float] = (0.0, 0.0)):
        super().__init__()
        vals = np.asarray(values, dtype=object)
        if vals.ndim != 2:
            raise ValueError(f"NumberGrid needs 2-D values, got shape {vals.shape}")
        self.rows, self.cols = vals.shape
        self.cell_size = cell
        self._built_cell = cell        # number_offset was given for this cell size (a grid may be scaled later)
        self.theme = theme
        self.text_factory = Shared(text_factory)
        self.precision = precision
        self.fill = fill or theme.input_fill
        self.stroke = stroke or theme.grid
        self.number_color = number_color or theme.text
        self.number_offset = np.array([number_offset[0], number_offset[1], 0.0]) * cell   # of the cell, from its centre
        self.kinds = np.full(vals.shape, DATA, dtype=object) if kinds is None else np.asarray(kinds, dtype=object)
        strings = [[("" if v is None else fmt(v, precision)) for v in row] for row in vals]
        longest = max([len(s) for row in strings for s in row] + [1])
        self.font_size = font_size or number_font_size(cell, longest)
        self.show_numbers = show_numbers
        self.cells = VGroup()
        self.numbers: dict[tuple[int, int], Text] = {}
        self.drawn: dict[tuple[int, int], str] = {}
        made: dict = {}                    # one cell built per kind, copied for the others (Manim builds slowly)
        for r in range(self.rows):
            for c in range(self.cols):
                kind = self.kinds[r, c]
                if kind not in made:
                    made[kind] = self._make_cell(kind, fill_opacity)
                sq = made[kind].copy()
                sq.move_to(np.array([c * cell, -r * cell, 0.0]))
                self.cells.add(sq)
        self.add(self.cells)
        self.texts = VGroup()
        self.texts.set_z_index(2)
        self.add(self.texts)
        if show_numbers:
            for r in range(self.rows):
                for c in range(self.cols):
                    if strings[r][c] != "":
                        self.set_text(r, c, strings[r][c])
        self.center()

    def _make_cell(self, kind, fill_opacity):
        t = self.theme
        if kind == PADDING or kind == OUTPUT_PADDING:
            sq = Square(self.cell_size, stroke_width=0, fill_color=t.padding_fill, fill_opacity=1)
            border = DashedVMobject(Square(self.cell_size, stroke_color=t.padding_text, stroke_width=2),
                                    num_dashes=8)
            return VGroup(sq, border)
        if kind == INSERTED:
            return Square(self.cell_size, stroke_color=t.padding_text, stroke_width=1.5,
                          fill_color=t.inserted_fill, fill_opacity=1)
        if kind == EMPTY:
            return Square(self.cell_size, stroke_color=self.stroke, stroke_width=2, fill_color=t.background,
                          fill_opacity=1)
        return Square(self.cell_size, stroke_color=self.stroke, stroke_width=2, fill_color=self.fill,
                      fill_opacity=fill_opacity)

    # -- access -------------------------------------------------------------------------------------------
    def index(self, r: int, c: int) -> int:
        return r * self.cols + c

    def cell(self, r: int, c: int) -> VMobject:
        return self.cells[self.index(r, c)]

    def cell_center(self, r: int, c: int) -> np.ndarray:
        return self.cell(r, c).get_center()

    def block(self, cells: Iterable[tuple[int, int]]) -> VGroup:
        return VGroup(*[self.cell(r, c) for r, c in cells])

    # -- numbers ------------------------------------------------------------------------------------------
    def text_for(self, r: int, c: int, s: str, color: str | None = None) -> Text:
        kind = self.kinds[r, c]
        col = color or (self.theme.padding_text if kind in (PADDING, OUTPUT_PADDING, INSERTED)
                        else self.number_color)
        t = self.text_factory(s, size=self.font_size, color=col)
        t.move_to(self.cell_center(r, c) + self.number_offset * (self.cell_size / self._built_cell))
        return t

    def set_text(self, r: int, c: int, value, color: str | None = None) -> Text:
        """Write (or replace) the number of a cell; returns the new Text (already added to the grid)."""
        s = value if isinstance(value, str) else fmt(value, self.precision)
        t = self.text_for(r, c, s, color)
        old = self.numbers.get((r, c))
        if old is not None:
            self.texts.remove(old)
            unsettle(old)
        self.numbers[(r, c)] = t
        t.set_z_index(2)
        self.texts.add(t)
        self.drawn[(r, c)] = s
        if is_settled(self):                # (see ``settled``: a settled grid changes through these methods)
            settle(t)
        return t

    def fill_cell(self, r: int, c: int, color: str, opacity: float = 1.0) -> None:
        cell = self.cell(r, c)
        target = cell[0] if isinstance(cell, VGroup) and len(cell) else cell
        was = unsettle(target)
        target.set_fill(color, opacity=opacity)
        if was:
            settle(target)

    def drawn_array(self, missing=None) -> np.ndarray:
        """The drawn numbers as a (rows, cols) array of strings (``missing`` where nothing is drawn)."""
        out = np.full((self.rows, self.cols), missing, dtype=object)
        for (r, c), s in self.drawn.items():
            out[r, c] = s
        return out


WINDOW_STROKE, TAP_STROKE = 5, 4   # the window's outline, a dilated window's tap squares (0.01 scene unit each)
SUB_SCALE = 0.58          # ×w subscripts: of the grid's number size (the original gif3: about 0.52)
SUB_MIN_SIZE = 10         # points
SUB_CLEAR = 0.04          # of a cell: between a subscript and the window's frame, beyond the stroke


_DASHED: dict = {}


def dashed_polyline(pts, color: str, width: float, num_dashes: int, ratio: float) -> VMobject:
    """A ``DashedVMobject`` of the polyline through ``pts``; cut into dashes once per shape (Manim cuts slowly)
    and moved for each place.

    >>> a = dashed_polyline([np.zeros(3), RIGHT, RIGHT + UP], "#000000", 4, 6, 0.5)
    >>> b = dashed_polyline([UP, RIGHT + UP, RIGHT + 2 * UP], "#000000", 4, 6, 0.5)
    >>> len(a.submobjects), np.allclose(b.submobjects[0].points, a.submobjects[0].points + UP)
    (6, True)
    """
    pts = [np.asarray(p, dtype=float) for p in pts]
    origin = pts[0]
    shape = tuple(round(float(v), 9) for p in pts for v in (p - origin))
    key = (shape, color, width, num_dashes, ratio)
    made = _DASHED.get(key)
    if made is None:
        line = VMobject(stroke_color=color, stroke_width=width).set_points_as_corners([p - origin for p in pts])
        made = DashedVMobject(line, num_dashes=num_dashes, dashed_ratio=ratio)
        if len(_DASHED) > 512:
            _DASHED.clear()
        _DASHED[key] = made
    return made.copy().shift(origin)


def window_outline(corner, size: float, rows: Sequence[int], cols: Sequence[int], over_pad) -> list:
    """The perimeter of the block ``rows`` x ``cols`` (grid indices; ``corner`` is the top-left corner of its
    first cell) as runs of unit edges of one kind: ``[(is_padding, [points])]`` clockwise, an edge being of the
    kind of the tap cell it borders (``over_pad(r, c)``).

    >>> runs = window_outline(np.zeros(3), 1.0, [0, 1], [0, 1], lambda r, c: r == 0)
    >>> [(pad, len(pts) - 1) for pad, pts in runs]    # edges: 4 along the data row, 4 along the padded top row
    [(False, 4), (True, 4)]
    """
    x0, y0 = corner[0], corner[1]
    x = [x0 + i * size for i in range(len(cols) + 1)]
    y = [y0 - i * size for i in range(len(rows) + 1)]
    nr, nc = len(rows), len(cols)
    edges = ([((x[i], y[0]), (x[i + 1], y[0]), (rows[0], cols[i])) for i in range(nc)]
             + [((x[nc], y[j]), (x[nc], y[j + 1]), (rows[j], cols[-1])) for j in range(nr)]
             + [((x[i + 1], y[nr]), (x[i], y[nr]), (rows[-1], cols[i])) for i in reversed(range(nc))]
             + [((x[0], y[j + 1]), (x[0], y[j]), (rows[j], cols[0])) for j in reversed(range(nr))])
    kinds = [bool(over_pad(*cell)) for _, _, cell in edges]
    start = next((i for i in range(len(edges)) if kinds[i] != kinds[i - 1]), 0)
    edges, kinds = edges[start:] + edges[:start], kinds[start:] + kinds[:start]
    runs: list = []
    for (a, b, _), kind in zip(edges, kinds):
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(np.array([*b, 0.0]))
        else:
            runs.append((kind, [np.array([*a, 0.0]), np.array([*b, 0.0])]))
    return runs


class KernelWindow(VGroup):
    """Outline of the kernel's taps over a grid (one square per tap, so dilation shows its gaps), each tap with
    its weight as a small subscript (×w) in the bottom-right corner, like the classic gif3, clear of the frame.

    Taps over padding (``pad_cells``) are dashed; with ``split_padding`` a contiguous window too is drawn in two
    parts: its outline dashed along the padding and solid along the data (``data_tint``: the data part tinted,
    with that opacity). Subscripts that
    would not fit their cell beside its number are all left out (``subscripts_fit`` False, ``drawn`` empty)."""

    def __init__(self, grid: NumberGrid, cells: Sequence[tuple[int, int]], weights: Sequence | None,
                 theme, text_factory, pad_cells: Sequence[bool] | None = None, color: str | None = None,
                 precision: int = 2, show_weights: bool = True, fill_opacity: float = 0.0,
                 split_padding: bool = False, data_tint: float = 0.0, sub_scale: float = SUB_SCALE):
        super().__init__()
        self.color = color or theme.kernel_stroke
        self.drawn: list[str] = []
        self.squares = VGroup()
        self.subscripts = VGroup()
        pads = [bool(p) for p in pad_cells] if pad_cells is not None else [False] * len(cells)
        block = block_bounds(cells)
        if block is None:
            self._tap_squares(grid, cells, pads, theme, fill_opacity)
        elif split_padding and any(pads) and not all(pads):
            self._split_block(grid, cells, pads, block, theme, data_tint)
        else:                        # one outline around the block: fewer changed pixels per step
            self.squares.add(self._box(grid, *block, theme, fill_opacity))
        self.subscripts_fit = True
        if weights is not None and show_weights:
            self._subscripts(grid, cells, weights, text_factory, precision, max(grid.font_size * sub_scale,
                                                                                SUB_MIN_SIZE))
        self.add(self.squares, self.subscripts)
        self.squares.set_z_index(1)
        self.subscripts.set_z_index(3)

    def _box(self, grid, rows, cols, theme, fill_opacity, stroke: float = WINDOW_STROKE) -> Rectangle:
        first, last = grid.cell(rows[0], cols[0]), grid.cell(rows[-1], cols[-1])
        box = Rectangle(width=last.get_right()[0] - first.get_left()[0],
                        height=first.get_top()[1] - last.get_bottom()[1], stroke_color=self.color,
                        stroke_width=stroke, fill_color=theme.kernel_fill, fill_opacity=fill_opacity)
        return box.move_to((first.get_corner(UP + LEFT) + last.get_corner(DOWN + RIGHT)) / 2)

    def _tap_squares(self, grid, cells, pads, theme, fill_opacity) -> None:
        for (r, c), over_pad in zip(cells, pads):
            if over_pad:
                sq = DashedVMobject(Square(grid.cell_size, stroke_color=self.color, stroke_width=TAP_STROKE),
                                    num_dashes=10)
            else:
                sq = Square(grid.cell_size, stroke_color=self.color, stroke_width=TAP_STROKE,
                            fill_color=theme.kernel_fill, fill_opacity=fill_opacity)
            self.squares.add(sq.move_to(grid.cell_center(r, c)))

    def _split_block(self, grid, cells, pads, block, theme, data_tint: float) -> None:
        """The outline solid along data taps, dashed along padding taps; the data part tinted (``data_tint``
        opacity; a tint moving with the window costs a notes GIF about 12 % more bytes)."""
        rows, cols = block
        pad_at = {cell: p for cell, p in zip(cells, pads)}
        data = block_bounds([cell for cell, p in zip(cells, pads) if not p])
        if data is not None and data_tint > 0:
            self.squares.add(self._box(grid, *data, theme, data_tint, stroke=0))
        corner = grid.cell(rows[0], cols[0]).get_corner(UP + LEFT)
        for over_pad, pts in window_outline(corner, grid.cell_size, rows, cols, lambda r, c: pad_at[(r, c)]):
            if over_pad:
                self.squares.add(dashed_polyline(pts, self.color, WINDOW_STROKE, 3 * (len(pts) - 1), 0.55))
            else:
                self.squares.add(VMobject(stroke_color=self.color, stroke_width=WINDOW_STROKE)
                                 .set_points_as_corners(pts))

    def _subscripts(self, grid, cells, weights, text_factory, precision, size) -> None:
        """``×w`` in each tap's bottom-right corner, inside the cell by the frame's half stroke and a gap; all
        left out if one would leave its cell or touch its cell's number."""
        inset = WINDOW_STROKE * 0.01 / 2 + SUB_CLEAR * grid.cell_size
        subs, drawn = [], []
        for (r, c), w in zip(cells, weights):
            s = "×" + fmt(w, precision)
            t = text_factory(s, size=size, color=self.color, role="sub")
            (left, bottom, _), (right, _, _) = bounds(grid.cell(r, c))
            t.move_to(np.array([right - inset, bottom + inset, 0.0]), aligned_edge=DR)
            number = grid.numbers.get((r, c))
            if t.get_left()[0] < left + inset or (number is not None and overlap(t, number)):
                self.subscripts_fit = False
                return
            subs.append(t)
            drawn.append(s)
        self.subscripts.add(*subs)
        self.drawn = drawn


def bounds(m) -> tuple[np.ndarray, np.ndarray]:
    """(lower-left, upper-right) corners of ``m``'s bounding box as Manim measures it (``get_corner``, ``get_left``
    …), from one walk of its family instead of one per query.

    >>> from manim import Square
    >>> lo, hi = bounds(Square(2).shift(RIGHT))
    >>> lo.tolist(), hi.tolist()
    ([0.0, -1.0, 0.0], [2.0, 1.0, 0.0])
    """
    pts = m.get_points_defining_boundary()
    if len(pts) == 0:
        return np.zeros(3), np.zeros(3)
    return pts.min(axis=0), pts.max(axis=0)


def overlap(a, b) -> bool:
    """Whether the bounding boxes of ``a`` and ``b`` overlap (touching edges do not).

    >>> from manim import Square
    >>> overlap(Square(2), Square(2).shift(RIGHT)), overlap(Square(2), Square(2).shift(2 * RIGHT))
    (True, False)
    """
    (al, ab, _), (ar, at, _) = bounds(a)
    (bl, bb, _), (br, bt, _) = bounds(b)
    return not (ar <= bl or br <= al or at <= bb or bt <= ab)


class FitText(VGroup):
    """One line of text scaled down to fit ``max_width``; ``drawn`` is the string."""

    def __init__(self, s: str, text_factory, max_width: float, size: float = 24, color: str | None = None):
        super().__init__()
        t = text_factory(s, size=size, color=color)
        if t.width > max_width:
            t.scale_to_fit_width(max_width)
        self.add(t)
        self.drawn = s


def break_tokens(s: str) -> list[str]:
    """Pieces of ``s`` between which a line may break: after a space or CJK punctuation, before an opening
    bracket; a CJK run between any two characters. Joined, they give ``s`` back.

    >>> break_tokens("Kernel (flipped)")
    ['Kernel ', '(flipped)']
    >>> break_tokens("卷积核（翻转）")
    ['卷', '积', '核', '（翻转）']
    """
    tokens, cur = [], ""
    for ch in s:
        if ch in CLOSING and not cur and tokens:       # a line never starts with closing punctuation
            tokens[-1] += ch
            continue
        if ch in "(（" and cur:
            tokens.append(cur)
            cur = ""
        cur += ch
        bracketed = cur[0] in "(（" and ch not in ")）"
        if not bracketed and (ch == " " or ch in ")）" or ord(ch) > 0x2E80):
            tokens.append(cur)
            cur = ""
    return tokens + ([cur] if cur else [])


CLOSING = "：，、。；！？）"


def break_lines(tokens: Sequence[str], width: Callable[[str], float], max_width: float) -> list[str]:
    """``tokens`` (``break_tokens``) joined into as few lines as fit ``max_width`` and, among those, the lines
    whose widest is the narrowest; lines stripped. ``width(line)`` measures a stripped line; a token wider
    than ``max_width`` keeps a line of its own.

    Few lines are measured (each is a typeset text): a line is the longest run of tokens that fits, found by
    halving (a run's width grows with its tokens), and the limit is tightened to just under the widest line
    until the lines no longer fit in as few: the widest line is then the narrowest it can be.

    >>> break_lines(["ab ", "cd ", "ef ", "gh"], lambda line: len(line), 8)
    ['ab cd', 'ef gh']
    >>> break_lines(["ab ", "cd"], lambda line: len(line), 8), break_lines([], len, 8)
    (['ab cd'], [])
    """
    n, measured = len(tokens), {}
    if not n:
        return []

    def w(i: int, j: int) -> float:
        if (i, j) not in measured:
            measured[i, j] = width("".join(tokens[i:j]).strip())
        return measured[i, j]

    def fill(fits, most: int) -> list[tuple[int, int]] | None:
        """Greedy lines (token ranges) whose widths ``fits``; None past ``most`` lines."""
        lines, i = [], 0
        while i < n:
            if len(lines) == most:
                return None
            a, b = i + 1, n                       # the longest run from i that fits: at least one token
            if fits(w(i, b)):
                a = b
            while b - a > 1:
                m = (a + b) // 2
                a, b = (m, b) if fits(w(i, m)) else (a, m)
            lines.append((i, a))
            i = a
        return lines

    lines = fill(lambda x: x <= max_width, n)
    widest = max(w(i, j) for i, j in lines)
    while len(lines) > 1:
        tighter = fill(lambda x: x < widest, len(lines))
        narrower = tighter and max(w(i, j) for i, j in tighter)
        if not tighter or narrower >= widest:      # more lines needed, or a token alone is the widest
            break
        lines, widest = tighter, narrower
    return ["".join(tokens[i:j]).strip() for i, j in lines]


class WrappedText(VGroup):
    """Text broken into lines no wider than ``max_width`` (``break_lines`` of ``break_tokens``), as few as
    fit and as even as they can be, each line centred; ``drawn`` is the string, ``lines`` the lines. A piece
    wider than ``max_width`` keeps its line (scaled down to fit)."""

    def __init__(self, s: str, text_factory, max_width: float, size: float = 24, color: str | None = None,
                 line_buff: float = 0.1):
        super().__init__()
        lines = break_lines(break_tokens(s), lambda line: text_factory(line, size=size, color=color).width,
                            max_width)
        for line in lines:
            t = text_factory(line, size=size, color=color)
            if t.width > max_width:
                t.scale_to_fit_width(max_width)
            self.add(t)
        self.arrange(DOWN, buff=line_buff)
        self.drawn = s
        self.lines = lines


def output_grid(shape: tuple[int, int], theme, text_factory, cell: float, **kwargs) -> NumberGrid:
    """An output grid with every cell empty (filled in one step at a time); ``kwargs`` as for ``NumberGrid``."""
    return NumberGrid(np.full(shape, None), theme, text_factory, cell=cell, fill=theme.output_fill,
                      stroke=theme.output_stroke, kinds=np.full(shape, EMPTY, dtype=object), **kwargs)


SWATCH_SIDE = 0.26        # scene units
SWATCH_LABEL_GAP = 0.12


class Legend(VGroup):
    """A row of swatches, each a small cell drawn like a grid cell of its kind (``PADDING``, ``OUTPUT_PADDING``,
    ``INSERTED``, ``DATA`` or ``UNVISITED``) beside its label. ``entries``: (kind, label) pairs; ``keys``: the
    kinds shown, in order."""

    def __init__(self, entries: Sequence[tuple[str, str]], theme, text_factory, size: float = 18,
                 side: float = SWATCH_SIDE, buff: float = 0.4):
        super().__init__()
        self.keys = [kind for kind, _ in entries]
        for kind, label in entries:
            text = text_factory(label, size=size, color=theme.muted)
            self.add(VGroup(self.swatch(kind, theme, side), text).arrange(RIGHT, buff=SWATCH_LABEL_GAP))
        if entries:
            self.arrange(RIGHT, buff=buff)

    @classmethod
    def for_conv(cls, trace, unvisited, theme, text_factory, label, **kwargs) -> "Legend | None":
        """Zero padding and unvisited cells, those of them a conv ``trace`` has (None if neither); ``label``
        maps a kind to its text (the scene's ``T``)."""
        kinds = ([PADDING] if any(a or b for a, b in trace.padding) else []) + ([UNVISITED] if unvisited else [])
        return cls([(k, label(k)) for k in kinds], theme, text_factory, **kwargs) if kinds else None

    @staticmethod
    def swatch(kind: str, theme, side: float) -> VMobject:
        t = theme
        if kind in (PADDING, OUTPUT_PADDING):
            sq = VGroup(Square(side, fill_color=t.padding_fill, fill_opacity=1, stroke_width=0),
                        DashedVMobject(Square(side, stroke_color=t.padding_text, stroke_width=2), num_dashes=6))
            if kind == OUTPUT_PADDING:
                sq.add(hatch(sq.get_center(), side, t.padding_text))
            return sq
        if kind == INSERTED:
            return Square(side, fill_color=t.inserted_fill, fill_opacity=1, stroke_color=t.padding_text,
                          stroke_width=1.5)
        fill = t.unvisited if kind == UNVISITED else t.input_fill
        return Square(side, fill_color=fill, fill_opacity=1, stroke_color=t.grid, stroke_width=2)


class EquationLines(VGroup):
    """A step's sum in a monospaced font with every term in a fixed column: ``1×1 + 1×0 + … = 4``.

    Each token (term, "+", "=", total) is its own cached text placed by an invisible strut at a fixed column,
    so terms keep their place from step to step: only what changed is redrawn (and a GIF stores only that).
    ``drawn`` is the text as a reader sees it (single spaces).
    """

    def __init__(self, terms: Sequence[str], total: str, text_factory, left: float, top: float,
                 term_width: int, per_line: int = 12, size: float = 18, color: str | None = None,
                 font: str = FONT_MONO, line_gap: float = 0.12):
        super().__init__()
        cw = char_width(size)
        lh = size / POINTS_PER_UNIT * 1.25 + line_gap
        chunks = [list(terms[i:i + per_line]) for i in range(0, len(terms), per_line)] or [[]]
        for n, chunk in enumerate(chunks):
            y = top - n * lh
            col = 0
            tokens: list[tuple[int, str]] = []
            for i, term in enumerate(chunk):
                tokens.append((col, term))
                col += term_width + 1
                last = n == len(chunks) - 1 and i == len(chunk) - 1
                tokens.append((col, "=" if last else "+"))
                col += 2
            if not chunk:
                tokens.append((0, "="))
                col = 2
            if n == len(chunks) - 1:
                tokens.append((col, total))
            for c, tok in tokens:
                t = text_factory(tok, size=size, color=color, font=font, strut=True)
                t.place_strut([left + c * cw - cw, y, 0])
                self.add(t)
        self.drawn = " + ".join(terms) + f" = {total}"


@dataclass
class SumLayout:
    """Where a trace's sum lines go: fixed term columns wide enough for the widest value × weight of the whole
    trace, as many terms per line as fit ``max_width`` (lines balanced), centred on ``centre_x``."""
    term_width: int
    per_line: int
    lines: int
    left: float
    size: float

    @classmethod
    def for_trace(cls, trace, centre_x: float, max_width: float, size: float = 22) -> "SumLayout":
        values = [fmt(v) for v in np.unique(trace.padded)]
        weights = [product_term(0, v)[2:] for v in np.unique(trace.weight)]
        term_width = max(len(v) for v in values) + 1 + max(len(w) for w in weights)
        n = int(np.prod(trace.kernel_size)) + (trace.bias is not None)
        total_w = max(len(fmt(v)) for v in np.asarray(trace.output).reshape(-1))
        max_chars = int(max_width / char_width(size))
        per_line = n
        while per_line > 1 and per_line * (term_width + 3) + total_w + 3 > max_chars:
            per_line -= 1
        lines = -(-n // per_line)
        per_line = -(-n // lines)                      # balance the lines
        width = (per_line * (term_width + 3) + total_w + 3) * char_width(size)
        return cls(term_width, per_line, lines, centre_x - width / 2, size)

    def build(self, step, top: float, text_factory, color: str | None = None) -> "EquationLines":
        return EquationLines(step.terms(), fmt(step.total), text_factory, left=self.left, top=top,
                             term_width=self.term_width, per_line=self.per_line, size=self.size, color=color)


__all__ = ["NumberGrid", "KernelWindow", "FitText", "WrappedText", "break_lines", "break_tokens", "window_outline",
           "Legend", "EquationLines", "SumLayout", "Shared", "output_grid", "number_font_size", "longest_number",
           "char_width", "padding_kinds", "block_bounds", "hatch", "DATA", "PADDING", "INSERTED", "EMPTY",
           "OUTPUT_PADDING", "UNVISITED", "MathSymbols", "elbow_arrow"]


def elbow_arrow(points, color, stroke_width: float = 4, tip_length: float = 0.22) -> VGroup:
    """A polyline through ``points`` with an arrow head on its last segment."""
    pts = [np.asarray(p, dtype=float) for p in points]
    parts = VGroup(*[Line(a, b, color=color, stroke_width=stroke_width) for a, b in zip(pts[:-2], pts[1:-1])])
    parts.add(Arrow(pts[-2], pts[-1], buff=0, color=color, stroke_width=stroke_width, tip_length=tip_length,
                    max_tip_length_to_length_ratio=0.5, max_stroke_width_to_length_ratio=20))
    return parts


class MathSymbols:
    """Italic symbols with subscripts (``x3``, ``x11``, ``F1``, ``w2``) built from Text, without LaTeX."""

    def __init__(self, scene):                 # a ConvVizScene: its cached text()
        self.scene = scene

    REF = 40.0      # glyphs are built at one size and scaled: one cached template per string, whatever the size
    SUB_SCALE = 0.68            # subscript size, relative to the symbol's
    DIGIT_ADVANCE = 0.5         # Latin Modern digits are tabular, half an em wide
    SUB_KERN = 0.02             # gap between symbol and subscript at 28 pt (scene units)
    SUB_DROP = 0.12             # how far the subscript's foot sits below the symbol's, at 28 pt
    PROBE_SIZE = 20.0           # fit_size measures the symbols at this size

    def __call__(self, s: str, size: float = 28, color: str | None = None) -> VGroup:
        m = re.fullmatch(r"([A-Za-z]+)(\d*)", s)
        base, sub = (m.group(1), m.group(2)) if m else (s, "")
        ref = self.REF
        g = VGroup(self.scene.text(base, size=ref, color=color, font=FONT_MATH, italic=True))
        if sub:
            # one glyph per digit (Latin Modern digits are tabular, half an em wide): ten cached templates
            # serve every subscript
            sub_size = ref * self.SUB_SCALE
            adv = self.DIGIT_ADVANCE * sub_size / 72
            x0 = g[0].get_right()[0] + self.SUB_KERN * ref / 28
            y0 = g[0].get_bottom()[1] - self.SUB_DROP * ref / 28
            for i, ch in enumerate(sub):
                d = self.scene.text(ch, size=sub_size, color=color, font=FONT_MATH)
                d.move_to([x0 + (i + 0.5) * adv, y0 + d.height / 2, 0])
                g.add(d)
        g.scale(size / ref)
        g.symbol = s
        return g

    def grid_factory(self, scale: float = 1.0):
        """A ``text_factory`` for NumberGrid: cell strings drawn as symbols."""
        return lambda s, size, color=None: self(s, size * scale, color)

    def fit_size(self, strings, cell: float, width: float = 0.64, height: float = 0.55) -> float:
        """One font size for a grid: the widest symbol fills ``width`` of a cell (at most ``height`` tall)."""
        probe = self.PROBE_SIZE
        probes = [self(str(v), probe) for v in np.asarray(strings, dtype=object).ravel() if v is not None]
        if not probes:
            return probe
        w = max(m.width for m in probes)
        h = max(m.height for m in probes)
        return probe * min(width * cell / w, height * cell / h)

    def grid(self, values, theme, cell: float, **kw) -> NumberGrid:
        """A NumberGrid of symbols sized to its cells."""
        return NumberGrid(values, theme, self.grid_factory(), cell=cell,
                          font_size=self.fit_size(values, cell), **kw)
