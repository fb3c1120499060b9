"""Compute-layer speed (printed, not asserted): vectorised conv / conv_transpose, lazy traces.

    .venv/bin/python bench/compute.py
Target (issue 2): a 3x224x224 input with 64 3x3 filters, stride 1, padding 1, in under 0.5 s on one core.
"""

import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")          # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

import convviz  # noqa: E402


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 224, 224))
    w = rng.standard_normal((64, 3, 3, 3))
    t = best(lambda: convviz.conv(x, w, padding=1))
    print(f"conv 3x224x224 * 64x3x3x3, s=1, p=1        {t * 1000:8.1f} ms   (target < 500 ms) "
          f"{'OK' if t < 0.5 else 'SLOW'}")
    xi = rng.integers(0, 10, (3, 224, 224))
    wi = rng.integers(-2, 3, (64, 3, 3, 3))
    t = best(lambda: convviz.conv(xi, wi, padding=1))
    print(f"conv (int64, exact)                          {t * 1000:8.1f} ms")
    y = rng.standard_normal((64, 112, 112))
    t = best(lambda: convviz.conv_transpose(y, w.transpose(0, 1, 2, 3), stride=2, padding=1, output_padding=1))
    print(f"conv_transpose 64x112x112 -> 3x224x224, s=2  {t * 1000:8.1f} ms")
    off = rng.uniform(-1, 1, (18, 56, 56))
    t = best(lambda: convviz.deform_conv2d(rng.standard_normal((16, 56, 56)), off, rng.standard_normal((16, 16, 3, 3)),
                                           padding=1), repeat=3)
    print(f"deform_conv2d 16x56x56, 16 filters           {t * 1000:8.1f} ms")
    x64 = rng.integers(0, 4, (1, 64, 64))
    t0 = time.perf_counter()
    tr = convviz.trace_conv(x64, np.ones((1, 1, 3, 3), int), padding=1)
    t_make = time.perf_counter() - t0
    t0 = time.perf_counter()
    next(iter(tr))
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = sum(1 for _ in tr)
    t_all = time.perf_counter() - t0
    print(f"trace_conv 64x64: build {t_make * 1000:.2f} ms, first step {t_first * 1000:.2f} ms, "
          f"all {n} steps {t_all:.2f} s (lazy: nothing is built up front)")


if __name__ == "__main__":
    main()
