"""The notes' numeric figures, from the compute layer: outputs vs. the notes and the independent reference."""

import numpy as np

from convviz.figures import examples as ex
from convviz import separate_kernel
from reference import ref_conv


def test_gif3_gif1_gif2_outputs():
    assert ex.gif3_output().tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    assert ex.gif1_output().tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    o = ex.gif2_output()
    assert o[0].tolist() == [[1, 0, -3], [-6, 1, 1], [4, -3, 1]]
    assert o[1].tolist() == [[-1, -6, -4], [-2, -3, -4], [-1, -3, -3]]
    assert np.array_equal(o, ref_conv(ex.GIF2_X, ex.GIF2_W, ex.GIF2_B, stride=2, padding=1))


def test_classic_kernels():
    col, row = separate_kernel(ex.SOBEL_X)
    assert col.tolist() == [1, 2, 1] and row.tolist() == [-1, 0, 1]
    assert ex.SOBEL_Y.tolist() == np.rot90(ex.SOBEL_X).tolist() == [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]
    assert ex.LAPLACIAN.sum() == 0 and ex.LAPLACIAN[1, 1] == -4


def test_feature_responses_are_convolutions_of_the_image():
    img = ex.feature_image(64)
    resp = ex.feature_responses(64)
    assert set(resp) == {"Sobel X", "Sobel Y", "Laplacian"}
    for name, k in ex.FEATURE_KERNELS.items():
        r = resp[name]
        assert r.shape == img.shape
        # an interior pixel by hand: Σ img[i+m-1, j+n-1]·k[m, n]
        i, j = 30, 21
        by_hand = sum(img[i + m - 1, j + n - 1] * k[m, n] for m in range(3) for n in range(3))
        assert np.isclose(r[i, j], by_hand)
