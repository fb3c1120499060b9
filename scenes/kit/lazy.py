"""``scipy.spatial`` imported when Manim first rotates something, not with Manim: a quarter of the time
``import manim`` takes (about 0.35 s), which most renders never use. Likewise BeautifulSoup (``bs4``, 0.08 s),
which only Manim's ``Code`` uses.

Manim imports scipy for one function, ``space_ops.rotation_matrix`` (``Rotation.from_rotvec``). Until something
rotates (an arrow's tip does), ``scipy.spatial.transform`` is a stand-in module whose ``Rotation`` imports the
real class on first use and hands every attribute on to it; ``bs4``'s ``BeautifulSoup`` and ``Tag`` likewise.
(The standard library's ``importlib.util.LazyLoader`` does not serve: ``from ... import Rotation`` uses the
attribute at once. Nor is networkx, another 0.1 s, deferred: Manim's graph module uses its layouts as it is
imported.)

``defer()`` must run before Manim is imported (``scenes/__init__.py`` calls it); afterwards, or when the module
is already imported, it changes nothing.
"""

from __future__ import annotations

import importlib
import sys
import types

DEFERRED = {"scipy.spatial.transform": ("scipy.spatial", ("Rotation",)),     # module: (its parent, what
            "bs4": ("bs4", ("BeautifulSoup", "Tag"))}                       # Manim imports from it)


def defer() -> None:
    if "manim" in sys.modules:
        return
    for name, (parent, proxies) in DEFERRED.items():
        if name not in sys.modules and parent not in sys.modules:
            sys.modules[name] = _stand_in(name, proxies=proxies)


def _stand_in(name: str, proxies: tuple[str, ...] = ()) -> types.ModuleType:
    """A module standing in for ``name``: the first use of one of its attributes imports the real module and
    copies its attributes in (an import's probes for dunder names such as ``__path__`` do not count). Each
    name in ``proxies`` is there from the start (what ``from name import X`` takes), an object handing every
    attribute on to the real one."""
    stand_in = types.ModuleType(name)
    real: list = []

    def load():
        if not real:
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
            module = importlib.import_module(name)
            real.append(module)
            stand_in.__dict__.update({k: v for k, v in vars(module).items()
                                      if not k.startswith("__") and k not in proxies})
        return real[0]

    def module_attribute(attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(load(), attr)

    class Proxy:
        def __init__(self, attr: str):
            self._attr = attr

        def __getattr__(self, attr: str):
            if attr.startswith("__"):
                raise AttributeError(attr)
            return getattr(getattr(load(), self._attr), attr)

        def __call__(self, *args, **kwargs):
            return getattr(load(), self._attr)(*args, **kwargs)

        def __instancecheck__(self, obj) -> bool:            # isinstance(x, Tag)
            return isinstance(obj, getattr(load(), self._attr))

    for attr in proxies:
        setattr(stand_in, attr, Proxy(attr))
    stand_in.__getattr__ = module_attribute
    return stand_in
