"""Builders of the graph figures."""

from __future__ import annotations


# -- builders (TEMPORARY pass-through stubs: to be replaced by typed figure dataclasses) --


def computation_graph_figure(**params):
    from . import examples as ex
    return {"x": ex.FIGURE1_INPUT, "weight": ex.FIGURE1_KERNEL}
