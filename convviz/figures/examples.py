"""The data of the notes' figures (../shared/reference/FIGURES.md) and generators for user parameters.

Arrays are channels-first like PyTorch: an image is (C, H, W), a conv weight (C_out, C_in, kh, kw).
Outputs are never typed here: they are computed by the functions below.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import ops


def _rows(*rows: str) -> np.ndarray:
    """Digit strings → integer matrix: ``_rows("111", "010")``."""
    return np.array([[int(c) for c in r] for r in rows], dtype=np.int64)


# -- gif3: the sliding window of §2 -----------------------------------------------------------------------
GIF3_IMAGE = _rows("11100", "01110", "00111", "00110", "01100")
GIF3_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.int64)

# -- gif1: the conv-arithmetic guide's numeric step -------------------------------------------------------
GIF1_INPUT = _rows("33210", "00131", "31223", "20022", "20001")
GIF1_KERNEL = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=np.int64)

# -- gif2: the multi-channel demo (x[:,:,c] in the original is X[c] here) -----------------------------------
GIF2_X = np.stack([
    _rows("01122", "01100", "11010", "10111", "02010"),
    _rows("11120", "02112", "12002", "02121", "20120"),
    _rows("20202", "00121", "10221", "20200", "00112"),
])
GIF2_W = np.array([
    [[[1, 1, -1], [-1, 0, 1], [-1, -1, 0]],
     [[-1, 0, -1], [0, 0, -1], [1, -1, 0]],
     [[0, 1, 0], [1, 0, 1], [0, -1, 1]]],
    [[[-1, -1, 0], [-1, 1, 0], [-1, 1, 0]],
     [[1, -1, 0], [-1, 0, -1], [-1, 0, 0]],
     [[-1, 0, 1], [1, 0, 1], [0, -1, 0]]],
], dtype=np.int64)
GIF2_B = np.array([1, 0], dtype=np.int64)
GIF2_STRIDE = 2
GIF2_PADDING = 1

# -- figure2 / figure11: classic kernels --------------------------------------------------------------------
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.int64)
SOBEL_Y = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.int64)
LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.int64)
FEATURE_KERNELS = {"Sobel X": SOBEL_X, "Sobel Y": SOBEL_Y, "Laplacian": LAPLACIAN}

# -- figure1: symbolic input and kernel -------------------------------------------------------------------
FIGURE1_INPUT = np.array(list("abcdefghijkl")).reshape(3, 4)
FIGURE1_KERNEL = np.array(list("wxyz")).reshape(2, 2)


def gif3_output() -> np.ndarray:
    return ops.conv(GIF3_IMAGE[None], GIF3_KERNEL[None, None])[0]


def gif1_output() -> np.ndarray:
    return ops.conv(GIF1_INPUT[None], GIF1_KERNEL[None, None])[0]


def gif2_output() -> np.ndarray:
    """(2, 3, 3): o[:,:,0] and o[:,:,1] of the original."""
    return ops.conv(GIF2_X, GIF2_W, GIF2_B, stride=GIF2_STRIDE, padding=GIF2_PADDING)


def symbols(prefix: str, shape) -> np.ndarray:
    """Names like x11..x66 (1-based row and column) for a symbolic grid."""
    h, w = shape
    return np.array([[f"{prefix}{i + 1}{j + 1}" for j in range(w)] for i in range(h)])


def letters(shape, start: str = "a") -> np.ndarray:
    n = int(np.prod(shape))
    return np.array([chr(ord(start) + i) for i in range(n)]).reshape(shape)


# -- user parameters --------------------------------------------------------------------------------------
def random_ints(shape, seed: int = 0, low: int = 0, high: int = 3) -> np.ndarray:
    """Reproducible small integers in [low, high] (readable in a grid).

    >>> random_ints((2, 3), seed=12).tolist() == np.random.default_rng(12).integers(0, 4, size=(2, 3)).tolist()
    True
    """
    return np.random.default_rng(seed).integers(low, high + 1, size=shape, dtype=np.int64)


def random_example(in_channels: int, in_size, out_channels: int, kernel_size, groups: int = 1, seed: int = 0,
                   transposed: bool = False, bias: bool = False) -> dict:
    """Input, weight and bias for a parametric scene: input 0..3, weights 0..2 (small sums, easy to check)."""
    in_size = tuple(in_size)
    kernel_size = tuple(kernel_size)
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(in_channels,) + in_size, dtype=np.int64)
    if transposed:
        w = rng.integers(0, 3, size=(in_channels, out_channels // groups) + kernel_size, dtype=np.int64)
    else:
        w = rng.integers(0, 3, size=(out_channels, in_channels // groups) + kernel_size, dtype=np.int64)
    b = rng.integers(-1, 2, size=(out_channels,), dtype=np.int64) if bias else None
    return {"x": x, "weight": w, "bias": b}


# -- figure2: the feature-extractor picture (drawn for convviz.figures.features; numpy + PIL only) ----------
FEATURE_BORDER = "edge"     # how feature_responses fills the 1-pixel border: the edge pixels repeated


@lru_cache(maxsize=4)
def feature_image(size: int = 256) -> np.ndarray:
    """A picture the project draws, where edges matter: a house with a window and a door, a sun and a tilted
    square on a sky that darkens smoothly towards the ground. Float grey levels in [0, 1], shape (size, size).

    Deterministic: shapes are drawn at 4x and averaged down (anti-aliased edges); the sky gradient is computed
    in floating point, so it has no 8-bit steps for the Laplacian to pick up.
    """
    from PIL import Image, ImageDraw

    if int(size) != size or size < 16:
        raise ValueError(f"size must be an int of at least 16, got {size!r}")
    size = int(size)
    ss = 4
    n = size * ss
    s = n / 256
    objects = Image.new("L", (n, n), 0)      # grey level of each object
    sky = Image.new("L", (n, n), 255)        # 255 where the sky shows
    d_obj, d_sky = ImageDraw.Draw(objects), ImageDraw.Draw(sky)

    def xy(*pts):
        return [(round(x * s), round(y * s)) for x, y in pts]

    def shape(kind, pts, fill, **kw):
        getattr(d_obj, kind)(xy(*pts), fill=fill, **kw)
        getattr(d_sky, kind)(xy(*pts), fill=0, **kw)

    shape("rectangle", [(0, 190), (256, 256)], 70)                        # ground
    shape("ellipse", [(180, 22), (232, 74)], 250)                          # sun
    shape("rectangle", [(40, 110), (150, 200)], 215)                       # house
    shape("polygon", [(30, 112), (95, 55), (160, 112)], 30)                # roof
    shape("rectangle", [(60, 130), (90, 160)], 40)                         # window
    bar = max(1, round(2 * s))
    shape("line", [(75, 130), (75, 160)], 215, width=bar)                  # window cross
    shape("line", [(60, 145), (90, 145)], 215, width=bar)
    shape("rectangle", [(108, 150), (132, 200)], 110)                      # door
    shape("polygon", [(200, 120), (240, 150), (210, 190), (170, 160)], 160)   # tilted square

    def down(im):
        return np.asarray(im, dtype=np.float64).reshape(size, ss, size, ss).mean(axis=(1, 3)) / 255.0

    alpha, obj = down(sky), down(objects)
    y = (np.arange(size, dtype=np.float64) + 0.5) / size
    gradient = ((200 - 90 * y) / 255.0)[:, None] * np.ones((1, size))
    return _soften(alpha * gradient + (1 - alpha) * obj, sigma=1.0 * size / 256)


def _soften(img: np.ndarray, sigma: float) -> np.ndarray:
    """A separable Gaussian blur (edge pixels repeated): edges a few pixels wide, like a photograph's."""
    r = max(1, int(np.ceil(3 * sigma)))
    g = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    g /= g.sum()
    out = np.pad(img, r, mode="edge")
    out = np.apply_along_axis(lambda v: np.convolve(v, g, mode="valid"), 0, out)
    out = np.apply_along_axis(lambda v: np.convolve(v, g, mode="valid"), 1, out)
    return out


def feature_responses(size: int = 256) -> dict[str, np.ndarray]:
    """figure2: the image's response to each feature kernel (cross-correlation, same size as the image).

    The border is filled by repeating the edge pixels (``FEATURE_BORDER``) before a valid convolution, so the
    frame of the picture is not mistaken for an edge (zero padding would draw a bright line around it).
    """
    img = np.pad(feature_image(size), 1, mode=FEATURE_BORDER)
    return {name: ops.conv(img[None], k[None, None].astype(np.float64))[0]
            for name, k in FEATURE_KERNELS.items()}
