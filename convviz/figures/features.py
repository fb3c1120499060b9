"""Builder of figure2: convolution as a feature extractor.

The project's picture (``examples.feature_image``), its responses to the classic kernels
(``examples.feature_responses``: cross-correlation, edge pixels repeated at the border) and the grey levels the
figure shows for each: the picture as is, each response around mid-grey (0 ↦ 128, ±its largest |value| ↦
white/black), so a response keeps its sign and uses the full range.

>>> fig = feature_figure(size=64)
>>> fig.pixels.shape, fig.pixels.dtype.name, [r.name for r in fig.responses]
((64, 64), 'uint8', ['Sobel X', 'Sobel Y', 'Laplacian'])
>>> r = fig.responses[0]
>>> bool(r.scale == abs(r.response).max()), int(r.pixels.min()), int(r.pixels.max())
(True, 0, 255)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import examples as ex

__all__ = ["grey_levels", "diverging_grey", "FeatureResponse", "FeatureFigure", "feature_figure"]


def grey_levels(img: np.ndarray) -> np.ndarray:
    """Grey levels in [0, 1] → 0..255 (uint8).

    >>> grey_levels(np.array([0.0, 0.5, 1.0, 1.2])).tolist()
    [0, 128, 255, 255]
    """
    return np.clip(np.round(np.asarray(img, dtype=np.float64) * 255), 0, 255).astype(np.uint8)


def diverging_grey(v: np.ndarray, scale: float | None = None) -> np.ndarray:
    """A response → 0..255 around mid-grey: 0 ↦ 128, +scale ↦ 255 (white), −scale ↦ 0 (black).

    ``scale`` defaults to the largest |value|, so each response uses the full range and keeps its sign.

    >>> diverging_grey(np.array([-2.0, 0.0, 1.0, 2.0])).tolist()
    [0, 128, 191, 255]
    >>> diverging_grey(np.array([0.1 + 0.2 - 0.3, -(0.1 + 0.2 - 0.3), 1.0])).tolist()     # 0 but for rounding
    [128, 128, 255]
    """
    v = np.asarray(v, dtype=np.float64)
    scale = float(np.abs(v).max()) if scale is None else float(scale)
    if scale == 0:
        scale = 1.0
    # v / scale to 9 places: a response that is 0 but for rounding (a sum of pixel values such as 0.1 that
    # binary cannot hold, in whatever order the machine's BLAS adds them) is mid-grey on every machine
    return np.clip(np.round(127.5 + 127.5 * np.round(v / scale, 9)), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class FeatureResponse:
    """One column of the figure: a kernel, the picture's response to it, the |value| that maps to white/black
    and the grey levels shown."""
    name: str               # as in examples.FEATURE_KERNELS: "Sobel X", "Sobel Y", "Laplacian"
    kernel: np.ndarray      # (3, 3)
    response: np.ndarray    # (size, size), float
    scale: float            # largest |response|
    pixels: np.ndarray      # (size, size), uint8


@dataclass(frozen=True)
class FeatureFigure:
    """figure2's data: the picture (grey levels in [0, 1] and as shown) and one response per kernel."""
    size: int
    image: np.ndarray                       # (size, size), float in [0, 1]
    pixels: np.ndarray                      # (size, size), uint8
    responses: tuple[FeatureResponse, ...]


def feature_figure(*, size: int = 256) -> FeatureFigure:
    """The picture at ``size``² pixels and its responses to ``examples.FEATURE_KERNELS``, in that order.

    >>> fig = feature_figure(size=32)
    >>> bool(np.array_equal(fig.responses[2].response, ex.feature_responses(32)["Laplacian"]))
    True
    """
    image = ex.feature_image(size)          # checks size
    responses = ex.feature_responses(size)
    columns = []
    for name, k in ex.FEATURE_KERNELS.items():
        r = responses[name]
        scale = float(np.abs(r).max())
        columns.append(FeatureResponse(name, k, r, scale, diverging_grey(r, scale)))
    return FeatureFigure(int(size), image, grey_levels(image), tuple(columns))
