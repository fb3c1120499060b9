"""convviz: convolution explained in pictures. The compute layer (numpy only; Manim is imported by scenes)."""

from .ops import (conv, conv1d, conv2d, conv3d, conv_matrix, conv_macs, conv_params, conv_transpose,
                  deform_conv2d, depthwise_separable, random_offsets, rotate_offsets, scale_offsets,
                  separable_conv2d, separable_counts, separate_kernel, true_conv)
from .shapes import conv_output_size, conv_transpose_output_size, receptive_field
from .trace import trace_conv, trace_conv_transpose, trace_deform_conv2d

__version__ = "0.1.0"

__all__ = [
    "conv", "conv1d", "conv2d", "conv3d", "true_conv", "conv_transpose", "conv_matrix", "deform_conv2d",
    "depthwise_separable", "separate_kernel", "separable_conv2d", "conv_params", "conv_macs",
    "separable_counts", "random_offsets", "rotate_offsets", "scale_offsets", "conv_output_size",
    "conv_transpose_output_size", "receptive_field", "trace_conv", "trace_conv_transpose",
    "trace_deform_conv2d",
]


def __getattr__(name: str):
    """``convviz.render`` and ``convviz.show`` (the application layer) load on first use, so ``import convviz``
    stays numpy-only; importlib keeps the compute layer free of an import of the application layer."""
    if name in ("render", "show"):
        import importlib

        return getattr(importlib.import_module("convviz.app.api"), name)
    raise AttributeError(f"module 'convviz' has no attribute {name!r}")
