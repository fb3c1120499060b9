"""Builders of the features figures."""

from __future__ import annotations


# -- builders (TEMPORARY pass-through stubs: to be replaced by typed figure dataclasses) --


def feature_figure(**params):
    return dict(params)
