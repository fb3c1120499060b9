"""Builders of the formulas figures."""

from __future__ import annotations


# -- builders (TEMPORARY pass-through stubs: to be replaced by typed figure dataclasses) --


def formula_figure(**params):
    return dict(params)
