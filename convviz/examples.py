"""The data of the notes' figures (../shared/reference/FIGURES.md) and generators for user parameters.

Arrays are channels-first like PyTorch: an image is (C, H, W), a conv weight (C_out, C_in, kh, kw).
Outputs are never typed here: they are computed by the functions below.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import ops


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
    """Reproducible small integers in [low, high] (readable in a grid)."""
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


@lru_cache(maxsize=4)
def feature_image(size: int = 256) -> np.ndarray:
    """A picture the project draws, where edges matter: a house with a window, a sun and a tilted square on
    a soft gradient (float grey levels in [0, 1], shape (size, size))."""
    from PIL import Image, ImageDraw, ImageFilter

    s = size / 256
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    for y in range(size):                                  # sky gradient
        d.line([(0, y), (size, y)], fill=int(200 - 90 * y / size))
    d.rectangle([0, int(190 * s), size, size], fill=70)    # ground
    d.ellipse([int(180 * s), int(22 * s), int(232 * s), int(74 * s)], fill=250)   # sun
    d.rectangle([int(40 * s), int(110 * s), int(150 * s), int(200 * s)], fill=215)  # house
    d.polygon([(int(30 * s), int(112 * s)), (int(95 * s), int(55 * s)), (int(160 * s), int(112 * s))], fill=30)
    d.rectangle([int(60 * s), int(130 * s), int(90 * s), int(160 * s)], fill=40)   # window
    d.line([(int(75 * s), int(130 * s)), (int(75 * s), int(160 * s))], fill=215, width=max(1, int(2 * s)))
    d.line([(int(60 * s), int(145 * s)), (int(90 * s), int(145 * s))], fill=215, width=max(1, int(2 * s)))
    d.rectangle([int(108 * s), int(150 * s), int(132 * s), int(200 * s)], fill=110)  # door
    d.polygon([(int(200 * s), int(120 * s)), (int(240 * s), int(150 * s)), (int(210 * s), int(190 * s)),
               (int(170 * s), int(160 * s))], fill=160)   # tilted square
    img = img.filter(ImageFilter.GaussianBlur(0.6 * s))
    return np.asarray(img, dtype=np.float64) / 255.0


def feature_responses(size: int = 256) -> dict[str, np.ndarray]:
    """figure2: the image's response to each feature kernel (same size, zero padding 1)."""
    img = feature_image(size)
    return {name: ops.conv(img[None], k[None, None].astype(np.float64), padding=1)[0]
            for name, k in FEATURE_KERNELS.items()}
