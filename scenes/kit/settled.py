"""Settled outlines: a scene's promise that a mobject's look will not change until it says so.

At every held state the frame sink compares each outline on screen with the copy it kept last
(``FrameSink.freeze``), byte by byte, because Manim changes points and colours in place (``scale`` and
``rotate`` write into the points, ``set_fill`` into the colours). On a large figure that comparison is most
of a step's cost, and it grows with the figure: a 32x32 input has some 2900 outlines, of which a step changes
a handful.

``settle(mobject)`` makes the drawn arrays of the mobject's family read-only and stamps each member. While the
stamp and the arrays are those ``settle`` left, the outline cannot have changed: an in-place write raises
(``ValueError: assignment destination is read-only``) instead of going unseen, and an assignment
(``m.points = ...``) puts another array there, which the sink sees. A settled outline is then compared by
identity, not by content. ``unsettle`` lifts the promise (the arrays writable again, the stamp gone); a copy
(``Mobject.copy``) is never settled.
"""

from __future__ import annotations

import numpy as np

DRAWN_ARRAYS = ("points", "fill_rgbas", "stroke_rgbas", "background_stroke_rgbas", "sheen_direction")
DRAWN_VALUES = ("stroke_width", "background_stroke_width", "sheen_factor", "joint_type", "cap_style",
                "background_image", "z_index")


class Stamp:
    """What ``settle`` left on an outline: its drawn arrays (read-only) and values. Copied with its mobject
    (``deepcopy``), it becomes None: the copy's arrays are new and writable."""

    __slots__ = ("arrays", "values")

    def __init__(self, arrays: tuple, values: tuple):
        self.arrays = arrays
        self.values = values

    def __deepcopy__(self, memo):
        return None

    def holds(self, d: dict) -> bool:
        """Whether the outline with attribute dictionary ``d`` still has the arrays and values stamped
        (``DRAWN_ARRAYS`` and ``DRAWN_VALUES`` spelled out: this runs for every outline at every step)."""
        p, f, s, b, h = self.arrays
        g = d.get
        return (g("points") is p and g("fill_rgbas") is f and g("stroke_rgbas") is s
                and g("background_stroke_rgbas") is b and g("sheen_direction") is h
                and (g("stroke_width"), g("background_stroke_width"), g("sheen_factor"), g("joint_type"),
                     g("cap_style"), g("background_image"), g("z_index")) == self.values)


def values_of(d: dict) -> tuple:
    """The drawn values (``DRAWN_VALUES``) of the outline with attribute dictionary ``d``."""
    return tuple(d.get(a) for a in DRAWN_VALUES)


def settle(*mobjects) -> None:
    """Stamp the families of ``mobjects`` settled and make their drawn arrays read-only. A member whose arrays
    are views of other arrays (which could change through them) is left unsettled."""
    for mob in mobjects:
        for m in mob.get_family():
            d = m.__dict__
            arrays = tuple(d.get(a) for a in DRAWN_ARRAYS)
            if not all(isinstance(v, np.ndarray) and v.base is None for v in arrays):
                d.pop("_cv_settled", None)
                continue
            for v in arrays:
                v.flags.writeable = False
            d["_cv_settled"] = Stamp(arrays, values_of(d))


def unsettle(*mobjects) -> bool:
    """Lift ``settle`` from the families of ``mobjects``; whether any member was settled."""
    was = False
    for mob in mobjects:
        for m in mob.get_family():
            st = m.__dict__.pop("_cv_settled", None)
            if st is not None:
                was = True
                for name, v in zip(DRAWN_ARRAYS, st.arrays):
                    if m.__dict__.get(name) is v:       # (an array it no longer holds is not its to change)
                        v.flags.writeable = True
    return was


def is_settled(m) -> bool:
    return m.__dict__.get("_cv_settled") is not None
