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

    # -- kept outlines --------------------------------------------------------------------------------------
    def draw_kept(self, outlines) -> None:
        """Draw ``outlines`` (copies that never change, ``FrameSink.freeze``) as ``capture_mobjects(outlines,
        include_submobjects=False)`` would: the same Cairo calls, in the same order, with what
        ``display_vectorized`` works out per outline at every frame (path, colours, widths) worked out once
        per outline and framing. Outlines with a gradient or a background image go the stock way."""
        ctx = self.get_cairo_context(self.pixel_array)
        framing = self._framing()
        for m in outlines:
            steps = m.__dict__.get("_cv_steps")
            if steps is None or steps[0] != framing:
                steps = (framing, self._steps(ctx, m))
                m._cv_steps = steps
            if steps[1] is None:
                self.capture_mobjects([m], include_submobjects=False)
                continue
            path, paints = steps[1]
            ctx.new_path()
            ctx.append_path(path)
            for rgba, width, join, cap in paints:
                ctx.set_source_rgba(*rgba)
                if width is None:
                    ctx.fill_preserve()
                else:
                    ctx.set_line_width(width)
                    ctx.set_line_join(join)
                    ctx.set_line_cap(cap)
                    ctx.stroke_preserve()

    def _steps(self, ctx, m):
        """(path, paints) drawing ``m`` like ``display_vectorized``: background stroke, fill, stroke, each
        (rgba as Cairo takes it, line width or None for a fill, join, cap); an invisible paint (alpha 0, width
        0) is left out, as it changes no pixel. None: ``m`` needs the stock drawing."""
        from manim.camera.camera import CAP_STYLE_MAP, LINE_JOIN_MAP
        from manim.mobject.types.vectorized_mobject import VMobject

        if not isinstance(m, VMobject) or m.get_background_image() or len(m.points) == 0:
            return None
        paints = []
        for kind in ("background", "fill", "stroke"):
            rgbas = self.get_fill_rgbas(m) if kind == "fill" else self.get_stroke_rgbas(m, background=kind
                                                                                         == "background")
            if len(rgbas) != 1:
                return None
            rgba = (*rgbas[0][2::-1], rgbas[0][3])          # Cairo's surface holds BGRA: Manim reverses rgb
            if kind == "fill":
                if rgba[3] > 0:
                    paints.append((rgba, None, None, None))
                continue
            width = m.get_stroke_width(kind == "background")
            if width == 0 or rgba[3] <= 0:
                continue
            paints.append((rgba, width * self.cairo_line_width_multiple * (self.frame_width / self.frame_width),
                           LINE_JOIN_MAP[m.joint_type], CAP_STYLE_MAP[m.cap_style]))
        self.set_cairo_context_path(ctx, m)
        return ctx.copy_path(), paints
