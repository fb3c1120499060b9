"""A Cairo camera that remembers the paths it traced.

Stock Manim rebuilds every outline from its points with one Python call per Bézier curve at every frame; a
convviz frame redraws mostly the same grids and digits. ``PathCachingCamera`` keeps the Cairo path of each
outline it has traced, keyed by the exact bytes of its points and the camera's framing, and replays it with
one ``append_path`` call. The pixels are the same: the path is the one Cairo built before.
"""

from __future__ import annotations

from collections import OrderedDict

from manim.camera.camera import Camera

MAX_CACHED_BYTES = 96 * 2**20      # points bytes kept as keys (paths take about as much again)


class PathCachingCamera(Camera):
    """``Camera`` with ``set_cairo_context_path`` served from a cache (least recently used dropped first)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._paths: OrderedDict = OrderedDict()
        self._cached_bytes = 0

    def _framing(self) -> tuple:
        c = self.frame_center
        return (float(c[0]), float(c[1]), float(self.frame_width), float(self.frame_height),
                int(self.pixel_width), int(self.pixel_height))

    def set_cairo_context_path(self, ctx, vmobject):
        points = vmobject.points
        if len(points) == 0 or points.dtype.kind != "f":
            return super().set_cairo_context_path(ctx, vmobject)
        key = (points.tobytes(), points.shape, type(vmobject), vmobject.n_points_per_cubic_curve,
               vmobject.tolerance_for_point_equality, self._framing())
        path = self._paths.get(key)
        if path is not None:
            self._paths.move_to_end(key)
            ctx.new_path()
            ctx.append_path(path)
            return self
        super().set_cairo_context_path(ctx, vmobject)
        self._paths[key] = ctx.copy_path()
        self._cached_bytes += len(key[0])
        while self._cached_bytes > MAX_CACHED_BYTES and self._paths:
            old, _ = self._paths.popitem(last=False)
            self._cached_bytes -= len(old[0])
        return self
