"""The one catalogue: every figure and scene by name. ``convviz list``, ``render``, ``notes`` read only this.

An entry names its scene (``"module:Class"`` in ``scenes/``), its builder (``"module:function"`` in
``convviz/figures/``) with the builder's parameters, its default format, and captions in English and Chinese.
``Entry.resolve()`` runs the builder for every kind of entry and returns the one typed object the scene draws.
Entries with ``notes=True`` are the files of the notes' ``images/`` folder, named by their file stem.

>>> fig = get_entry("stride").resolve()
>>> type(fig).__name__, fig.x.shape, fig.stride
('ConvFigure', (1, 6, 6), 2)
>>> get_entry("cnn-gif3").resolve(stride=2).stride
2
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import limits, ops
from .options import RenderOptions
from .shapes import conv_output_size, conv_transpose_output_size

# parameters a user may set on the command line, per scene kind
CONV_KEYS = ("in_size", "kernel_size", "stride", "padding", "dilation", "groups", "in_channels", "out_channels",
             "seed", "x", "weight", "bias")
TRANSPOSED_KEYS = CONV_KEYS + ("output_padding",)
USER_KEYS = {"conv": CONV_KEYS, "transposed": TRANSPOSED_KEYS, "multichannel": CONV_KEYS}


def load_builder(ref: str):
    """``"module:function"`` inside ``convviz.figures`` → the function (numpy only: no Manim)."""
    module, _, fn = ref.partition(":")
    return getattr(importlib.import_module(f"convviz.figures.{module}"), fn)


@dataclass(frozen=True)
class Entry:
    name: str
    scene: str                              # "module:Class" in the scenes package
    builder: str                            # "module:function" in convviz.figures
    description: str
    kind: str = "figure"                    # conv | transposed | multichannel | figure
    params: dict[str, Any] = field(default_factory=dict)   # the builder's keyword arguments
    format: str = "gif"
    notes: bool = False                     # a file of the notes' images/ folder
    caption_en: str = ""
    caption_zh: str = ""
    option_defaults: dict[str, Any] = field(default_factory=dict)
    min_width: int = 0                      # pixels: a notes GIF is at least as wide as its original

    @property
    def file_name(self) -> str:
        return f"{self.name}.{self.format}"

    @property
    def parametric(self) -> bool:
        return self.kind in USER_KEYS

    @property
    def accepted(self) -> tuple[str, ...]:
        return USER_KEYS.get(self.kind, ())

    def caption(self, lang: str = "en") -> str:
        return self.caption_zh if lang == "zh" and self.caption_zh else self.caption_en

    def options(self, **overrides) -> RenderOptions:
        return RenderOptions(**self.option_defaults).with_(**overrides)

    def resolve(self, **overrides):
        """The scene's finished data: the builder run on the entry's parameters and the user's overrides
        (``None`` = not given), validated by the compute layer (a ``ValueError`` naming the parameter)."""
        overrides = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(overrides) - set(self.accepted)
        if unknown:
            what = ", ".join("--" + k.replace("_", "-") for k in sorted(unknown))
            raise ValueError(f"{self.name} does not take {what}"
                             + (f" (it takes: {', '.join('--' + k.replace('_', '-') for k in self.accepted)})"
                                if self.accepted else " (it has no parameters)"))
        if not self.parametric:
            return load_builder(self.builder)(**{**self.params, **overrides})
        _check_conflicts(self.kind, overrides)
        params = {**self.params, **overrides}
        limits.check_request(self.kind, params)           # before the builder allocates anything
        fig = load_builder(self.builder)(**params)
        check_figure(self.kind, fig)                      # every grid, step and label it will draw
        return fig


def _check_conflicts(kind: str, given: dict) -> None:
    """A size given twice, by a data file and by a parameter, must agree (else the file would win silently)."""
    import numpy as np

    x, w = given.get("x"), given.get("weight")
    pairs = []
    if x is not None:
        xs = np.shape(x)
        pairs.append(("in_size", "--input", xs[-2:] if len(xs) >= 2 else xs))
        pairs.append(("in_channels", "--input", xs[0] if len(xs) == 3 else 1))
    if w is not None:
        ws = np.shape(w)
        pairs.append(("kernel_size", "--weight", ws[-2:] if len(ws) >= 2 else ws))
        if len(ws) == 4 and kind == "transposed":
            pairs.append(("out_channels", "--weight", ws[1] * int(given.get("groups") or 1)))
        elif len(ws) == 4:
            pairs.append(("out_channels", "--weight", ws[0]))
        elif len(ws) == 2:
            pairs.append(("out_channels", "--weight", 1))
    for name, source, actual in pairs:
        v = given.get(name)
        if v is None:
            continue
        want = tuple(v) if isinstance(v, (tuple, list)) else ((v, v) if name in ("in_size", "kernel_size") else v)
        have = tuple(int(a) for a in actual) if isinstance(actual, tuple) else int(actual)
        if want != have:
            def shown(v):
                return "x".join(map(str, v)) if isinstance(v, tuple) else str(v)
            raise ValueError(f"--{name.replace('_', '-')} {shown(want)} conflicts with {source}, whose data gives "
                             f"{shown(have)}; drop one of them")


def check_figure(kind: str, fig) -> dict:
    """After the builder, before drawing (the limits are ``convviz.limits``'s): the figure's grids, channels and
    steps are drawable, and every number it shows (data, weights, bias, each output and each partial sum) is finite and a short exact label."""
    x, w = np.asarray(fig.x), np.asarray(fig.weight)
    if x.dtype.kind in "US" or w.dtype.kind in "US":
        return {}
    max_c = limits.MAX_CHANNELS[kind]
    c_out = w.shape[1] * int(fig.groups) if kind == "transposed" else w.shape[0]
    if x.shape[0] > max_c or c_out > max_c:
        raise ValueError(limits._channels_message(kind, "channels", max(x.shape[0], c_out),
                                                  f" (input {x.shape[0]}, output {c_out})"))
    geo = limits.check_geometry(kind, x.shape[-2:], w.shape[-2:], fig.stride, fig.padding, fig.dilation,
                                 getattr(fig, "output_padding", 0), getattr(fig, "view", "gather"), c_out,
                                 "the input", "the kernel")
    limits.check_label(x, "the input (--input)")
    limits.check_label(w, "the weight (--weight)")
    if fig.bias is not None:
        limits.check_label(fig.bias, "the bias (--bias)")
    if kind == "transposed":
        out = ops.conv_transpose(x, w, fig.bias, fig.stride, fig.padding, fig.output_padding, fig.groups,
                                 fig.dilation)
        # scatter partial sums never exceed the sums of absolute products
        partial = ops.conv_transpose(np.abs(x), np.abs(w), None, fig.stride, fig.padding, fig.output_padding,
                                     fig.groups, fig.dilation)
        limits.check_label(partial, "a running sum of the scatter view")
    else:
        out = ops.conv(x, w, fig.bias, fig.stride, fig.padding, fig.dilation, fig.groups)
        if kind == "multichannel":
            limits.check_label(_channel_sums(x, w, fig), "a per-channel sum")
    limits.check_label(out, "the output")
    return geo


def _channel_sums(x, w, fig) -> np.ndarray:
    """Every per-input-channel sum the multichannel figure shows (each filter's slice over its input slice)."""
    groups = int(fig.groups)
    cg = w.shape[1]
    og = w.shape[0] // groups
    sums = []
    for co in range(w.shape[0]):
        for cl in range(cg):
            c = (co // og) * cg + cl
            sums.append(ops.conv(x[c:c + 1], w[co:co + 1, cl:cl + 1], None, fig.stride, fig.padding,
                                 fig.dilation).reshape(-1))
    return np.concatenate(sums)


# ----------------------------------------------------------------------------------------------- entries
ENTRIES: list[Entry] = []


def _add(*entries: Entry) -> None:
    ENTRIES.extend(entries)


# -- the notes' images/ folder -------------------------------------------------------------------------------
_add(
    Entry("cnn-formula1", "formulas:Formula1", "formulas:formula_figure",
          "continuous convolution and its equivalent form (等价表示)",
          format="jpg", notes=True, params={"which": 1},
          caption_en="Continuous convolution s(t) = ∫x(a)w(t−a)da, written s(t) = (x∗w)(t).",
          caption_zh="连续卷积 s(t)=∫x(a)w(t−a)da，等价表示为 s(t)=(x∗w)(t)。"),
    Entry("cnn-formula2", "formulas:Formula2", "formulas:formula_figure",
          "discrete 1-D convolution", format="jpg", notes=True,
          params={"which": 2}, caption_en="Discrete convolution: s(t) = Σₐ x(a)w(t−a).",
          caption_zh="离散卷积：s(t)=Σₐ x(a)w(t−a)。"),
    Entry("cnn-formula3", "formulas:Formula3", "formulas:formula_figure",
          "2-D convolution (kernel flipped)", format="jpg", notes=True,
          params={"which": 3}, caption_en="2-D convolution: S(i,j) = Σₘ Σₙ I(m,n) K(i−m, j−n).",
          caption_zh="二维卷积：S(i,j)=Σₘ Σₙ I(m,n)K(i−m,j−n)。"),
    Entry("cnn-formula4", "formulas:Formula4", "formulas:formula_figure",
          "commutativity of convolution", format="jpg", notes=True,
          params={"which": 4}, caption_en="Convolution commutes: S(i,j) = Σₘ Σₙ I(i−m, j−n) K(m,n).",
          caption_zh="卷积满足交换律：S(i,j)=Σₘ Σₙ I(i−m,j−n)K(m,n)。"),
    Entry("cnn-formula5", "formulas:Formula5", "formulas:formula_figure",
          "cross-correlation: what libraries compute", format="jpg",
          notes=True, params={"which": 5},
          caption_en="Cross-correlation, what deep-learning libraries call convolution: the index signs flip "
                     "(coloured) compared with formulas 3 and 4, i.e. the kernel is not flipped.",
          caption_zh="互相关（深度学习库所说的卷积）：与公式 3、4 相比，下标的符号相反（彩色标出），即卷积核不翻转。"),
    Entry("cnn-figure1", "graph:ComputationGraph", "graph:computation_graph_figure",
          "3x4 ∗ 2x2 computation graph with symbolic outputs",
          format="jpg", notes=True,
          params={"example": "figure1"},
          caption_en="A 3x4 input convolved with a 2x2 kernel (no flip): each output is a weighted sum of one "
                     "2x2 patch, computed by the symbolic trace.",
          caption_zh="3x4 输入与 2x2 卷积核（不翻转）的计算：每个输出是一个 2x2 区域的加权和，由符号追踪算出。"),
    Entry("cnn-gif3", "conv2d:ConvScene", "conv:conv_figure", "sliding window: 5x5 binary image, 3x3 kernel, 9 steps",
          kind="conv", params={"example": "gif3"}, notes=True, min_width=526, option_defaults={"final_hold": 5.0},
          caption_en="The kernel slides over the image one cell at a time; each output is the sum of the "
                     "element-wise products.",
          caption_zh="卷积核在图像上逐格滑动，每个输出是对应元素乘积之和。"),
    Entry("cnn-gif1", "conv2d:ConvScene", "conv:conv_figure",
          "the conv-arithmetic guide's numeric step, one frame like the original",
          kind="conv", params={"example": "gif1"}, notes=True, min_width=535, option_defaults={"single_frame": True},
          caption_en="A 3x3 kernel over a 5x5 input: the last step's products and sum, every output filled in "
                     "(one frame, like the original; `--no-single-frame` animates all nine steps).",
          caption_zh="3x3 卷积核作用于 5x5 输入：最后一步的乘积与求和，所有输出均已填好（与原图一样为单帧）。"),
    Entry("cnn-figure2", "features:FeatureExtractor", "features:feature_figure",
          "Sobel X, Sobel Y and Laplacian responses of an image",
          format="jpg", notes=True, params={"size": 384},
          caption_en="Convolution as a feature extractor: an image and its responses to Sobel X, Sobel Y and "
                     "Laplacian kernels, each kernel under its own response.",
          caption_zh="卷积作为特征提取器：原图及其对 Sobel X、Sobel Y 与拉普拉斯核的响应，每个核列在其响应下方。"),
    Entry("cnn-figure3", "connectivity:SparseConnectivity", "connectivity:sparse_connectivity_figure",
          "sparse connectivity: fully connected vs. kernel 3",
          format="jpg", notes=True, params={"n": 5, "kernel_size": 3, "highlight": 3},
          caption_en="Sparse connectivity: with a kernel of width 3, x3 reaches only s2, s3, s4; a fully "
                     "connected layer reaches all five.",
          caption_zh="稀疏连接：卷积核宽度为 3 时，x3 只影响 s2、s3、s4；全连接层则影响全部五个输出。"),
    Entry("cnn-figure4", "connectivity:WeightSharing", "connectivity:weight_sharing_figure",
          "weight sharing on a 6x6 input", format="jpg",
          notes=True, params={"in_size": 6, "kernel_size": 3, "stride": 3},
          caption_en="Weight sharing: four locally connected 3x3 blocks (stride 3, no overlap, 2x2 output), each "
                     "with its own weights (4 × 9 = 36), vs. one 3x3 kernel shared by every position (9 weights).",
          caption_zh="权值共享：四个互不重叠的 3x3 局部连接块（步长 3，输出 2x2）各有自己的权重（4 × 9 = 36 个），"
                     "对比所有位置共享的同一个 3x3 卷积核（9 个权重）。"),
    Entry("cnn-gif2", "multichannel:MultiChannelScene", "conv:conv_figure",
          "multi-channel convolution: 5x5x3 input, two 3x3x3 "
          "filters, stride 2, pad 1", kind="multichannel", 
          params={"example": "gif2", "stride": 2, "padding": 1}, notes=True, min_width=1140,
          caption_en="Two 3x3x3 filters over a 5x5x3 input (zero padding 1, stride 2): per-channel sums plus "
                     "the bias give each output cell.",
          caption_zh="两个 3x3x3 滤波器作用于 5x5x3 输入（零填充 1，步长 2）：各通道之和加偏置得到每个输出。"),
    Entry("cnn-gif4", "conv2d:ConvScene", "conv:conv_figure",
          "'same' padding: 5x5 input, 3x3 kernel, 25 steps", kind="conv",
          params={"in_size": 5, "kernel_size": 3, "padding": "same", "seed": 4, "weights_in_window": False},
          notes=True, min_width=395,
          caption_en="'Same' padding: a ring of zeros keeps the 5x5 output the size of the input.",
          caption_zh="same 填充：一圈零使 5x5 输出与输入大小相同。"),
    Entry("cnn-figure5", "shape_rule:ShapeRule", "shape_rule:shape_rule_figure",
          "the Conv2d shape rule with a worked example", format="jpg",
          notes=True, params={"in_size": 5, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1},
          caption_en="The Conv2d output-size rule, with the numbers of an example substituted.",
          caption_zh="Conv2d 输出尺寸公式，并代入一个例子的数值。"),
    Entry("cnn-figure7", "pointwise:PointwiseConv", "volumes:pointwise_figure",
          "1x1 convolution: H x W x D → H x W x 1", format="jpg",
          notes=True, params={"in_size": 6, "channels": 8, "seed": 7},
          caption_en="1x1 convolution: each output value is the dot product of the D input values at that "
                     "position with the 1x1xD kernel.",
          caption_zh="1x1 卷积：每个输出值是该位置 D 个输入值与 1x1xD 卷积核的点积。"),
    Entry("cnn-figure6", "grouped:GroupedConv", "volumes:grouped_figure",
          "grouped convolution with 2 groups", format="jpg", notes=True,
          params={"in_size": 6, "in_channels": 8, "out_channels": 8, "kernel_size": 3, "groups": 2},
          caption_en="Grouped convolution (2 groups): each half of the input channels has its own filters and "
                     "its own half of the output.",
          caption_zh="分组卷积（2 组）：每一半输入通道有各自的滤波器，得到各自一半的输出。"),
    Entry("cnn-figure8", "depthwise:DepthwiseStep", "volumes:depthwise_figure",
          "depthwise step: 7x7x3 → 3x3x1 (x3) → 5x5x3", format="jpg",
          notes=True, params={"in_size": 7, "in_channels": 3, "kernel_size": 3},
          caption_en="Depthwise convolution: one 3x3x1 kernel per channel, 7x7x3 → 5x5x3.",
          caption_zh="逐通道卷积：每个通道一个 3x3x1 卷积核，7x7x3 → 5x5x3。"),
    Entry("cnn-figure9", "depthwise:PointwiseStep", "volumes:pointwise_step_figure",
          "pointwise step: 5x5x3 → 1x1x3 → 5x5x1", format="jpg",
          notes=True, params={"in_size": 5, "in_channels": 3, "out_channels": 1, "kernel_size": 3},
          caption_en="Pointwise convolution: one 1x1x3 kernel, 5x5x3 → 5x5x1.",
          caption_zh="逐点卷积：一个 1x1x3 卷积核，5x5x3 → 5x5x1。"),
    Entry("cnn-figure10", "depthwise:PointwiseStep", "volumes:pointwise_step_figure",
          "pointwise repeated: x 128 kernels → 5x5x128", format="jpg",
          notes=True, params={"in_size": 5, "in_channels": 3, "out_channels": 128, "kernel_size": 3},
          caption_en="128 pointwise kernels give 5x5x128; depthwise separable: 27 + 384 weights instead of 3456 "
                     "for a standard 3x3 conv on the 7x7x3 input.",
          caption_zh="128 个逐点卷积核得到 5x5x128；深度可分离卷积只需 27 + 384 个权重，而在 7x7x3 输入上做标准 3x3 "
                     "卷积需要 3456 个。"),
    Entry("cnn-figure11", "separable:SeparableKernel", "separable:separable_kernel_figure",
          "Sobel = [1,2,1]ᵀ · [-1,0,1]", format="jpg", notes=True,
          params={"kernel": "sobel_x"},
          caption_en="Spatial separability: the Sobel kernel is the outer product of a column and a row.",
          caption_zh="空间可分离：Sobel 核是一个列向量与一个行向量的外积。"),
    Entry("cnn-figure12", "separable:SpatiallySeparable", "separable:spatially_separable_figure",
          "5x5 → 3x1 → 3x5 → 1x3 → 3x3", format="jpg",
          notes=True, params={"in_size": 5, "kernel": "sobel_x", "seed": 12},
          caption_en="Spatially separable convolution: a 3x1 pass then a 1x3 pass equals the 3x3 kernel, with "
                     "fewer multiplications.",
          caption_zh="空间可分离卷积：先 3x1 再 1x3，结果等于 3x3 卷积，乘法更少。"),
    Entry("cnn-gif5", "conv2d:ConvScene", "conv:conv_figure",
          "dilated convolution: 7x7 input, 3x3 kernel, dilation 2, 9 steps",
          kind="conv", params={"in_size": 7, "kernel_size": 3, "dilation": 2, "seed": 5, "weights_in_window": False},
          notes=True, min_width=399, option_defaults={"show_pytorch": True},
          caption_en="Dilated convolution (dilation 2): the 3x3 kernel's taps are 2 apart, covering 5x5.",
          caption_zh="空洞卷积（膨胀率 2）：3x3 卷积核的采样点间隔为 2，覆盖 5x5 区域。"),
    Entry("cnn-figure13", "receptive_field:ReceptiveField", "dilation:receptive_field_figure",
          "dilation 1, 2, 3 on 11x11 grids", format="jpg",
          notes=True, params={"grid": 11, "kernel_size": 3, "dilations": (1, 2, 3)},
          caption_en="Dilation rate and receptive field: taps 1, 2 and 3 apart cover 3x3, 5x5 and 7x7.",
          caption_zh="膨胀率与感受野：采样点间隔 1、2、3 时分别覆盖 3x3、5x5、7x7。"),
    Entry("cnn-figure14", "transposed:TransposedStrip", "conv:conv_transpose_figure",
          "transposed conv: four frames of the first output row",
          kind="transposed", format="jpg", notes=True,
          params={"in_size": 3, "kernel_size": 3, "stride": 2, "padding": 1, "seed": 14, "view": "gather"},
          caption_en="Transposed convolution (stride 2, padding 1) as a direct convolution: zeros inserted "
                     "between the 3x3 input cells and around them, flipped kernel, 5x5 output.",
          caption_zh="转置卷积（步长 2，填充 1）的直接卷积形式：在 3x3 输入之间和四周插零，卷积核翻转，得到 5x5 输出。"),
    Entry("cnn-gif6", "transposed:TransposedScene", "conv:conv_transpose_figure",
          "transposed conv 3x3 → 5x5, stride 2, padding 1, 25 steps",
          kind="transposed", notes=True, min_width=540,
          params={"in_size": 3, "kernel_size": 3, "stride": 2, "padding": 1, "seed": 14, "view": "gather",
                    "weights_in_window": False},
          caption_en="Transposed convolution, animated: each output is a stride-1 convolution of the "
                     "zero-inserted, padded input with the flipped kernel.",
          caption_zh="转置卷积动画：每个输出是插零并填充后的输入与翻转卷积核的步长为 1 的卷积。"),
    Entry("cnn-figure16", "deformable:DeformableSampling", "deformable:sampling_figure",
          "deformable sampling: regular, learned, scale, rotate",
          format="jpg", notes=True, params={"kernel_size": 3, "seed": 4774, "offset_range": 1.5, "scale": 1.6,
                                           "degrees": 30},
          caption_en="Deformable sampling, each point read from an offset tensor (regular position + offset): "
                     "(a) the regular 3x3 grid, (b) free-form offsets (a seeded offset tensor standing in for "
                     "learned ones), (c) offsets that scale the grid, (d) offsets that rotate it.",
          caption_zh="可变形采样，每个点都取自偏移张量（规则位置 + 偏移）：(a) 规则 3x3 网格，(b) 任意偏移（用带种子的随机"
                     "偏移张量代替学习到的偏移），(c) 使网格缩放的偏移，(d) 使网格旋转的偏移。"),
    Entry("cnn-figure17", "deformable:DeformablePipeline", "deformable:pipeline_figure",
          "deformable conv pipeline, one output traced",
          format="jpg", notes=True,
          params={"in_size": 6, "kernel_size": 3, "seed": 10973, "padding": 1, "offset_range": 0.8},
          caption_en="Deformable convolution on a small example: a conv predicts an offset field with 2N = 18 "
                     "channels (N = 9 taps); each tap of one output samples the input bilinearly at its shifted "
                     "point (four neighbours and their weights), and the weighted sum is the output value.",
          caption_zh="小例子上的可变形卷积：一个卷积预测 2N = 18 通道的偏移场（N = 9 个采样点）；某个输出的每个采样点在偏移后"
                     "的位置做双线性插值（四个邻点及其权重），加权求和即为该输出值。"),
    Entry("cnn-figure18", "deformable:DeformableOverview", "deformable:overview_figure",
          "the complete deformable-convolution picture",
          format="jpg", notes=True,
          params={"x_shape": (32, 64, 28, 28), "kernel_size": 3, "out_channels": 64, "padding": 1, "seed": 144},
          caption_en="The complete deformable convolution (the original figure shows deformable PS RoI pooling "
                     "instead): for x (32, 64, 28, 28) an offset branch, a 3x3 conv with padding 1, predicts "
                     "offsets (32, 18, 28, 28), 18 = 2·3·3; the main branch samples x at the shifted points and "
                     "convolves to y (32, 64, 28, 28).",
          caption_zh="完整的可变形卷积（原图画的是可变形 PS RoI 池化）：对 x (32, 64, 28, 28)，偏移分支（3x3 卷积，填充 1）"
                     "预测偏移 (32, 18, 28, 28)，18 = 2·3·3；主分支在偏移后的位置对 x 采样并卷积，得到 y (32, 64, 28, 28)。"),
    Entry("cnn-figure15", "conv3d:Conv3DScene", "volumes:conv3d_figure",
          "3-D convolution: a 3x3x3 kernel through a volume", format="jpg",
          notes=True, params={"in_size": (5, 5, 5), "kernel_size": 3, "marked": (1, 1, 2), "seed": 15},
          caption_en="3-D convolution: a 3x3x3 kernel moves along width (W, twice), then height (H), then depth (D) "
                     "to the marked output voxel (1, 1, 2), on the output's right face; arrows trace the path; the "
                     "inset multiplies the window by the kernel depth slice by depth slice: 13 + 10 + 14 = 37.",
          caption_zh="三维卷积：3x3x3 卷积核依次沿宽度（W，两步）、高度（H）、深度（D）移动到标出的输出体素 (1, 1, 2)"
                     "（位于输出右侧面）；箭头画出移动路径；插图按深度切片把窗口与卷积核逐元素相乘再求和：13 + 10 + 14 = 37。"),
)

# -- parametric scenes ---------------------------------------------------------------------------------------
_add(
    Entry("conv2d", "conv2d:ConvScene", "conv:conv_figure",
          "any 2-D convolution: --in-size --kernel-size --stride --padding ...",
          kind="conv", params={"in_size": 5, "kernel_size": 3}),
    Entry("padding", "conv2d:ConvScene", "conv:conv_figure", "zero padding (default: 'same' on 5x5)", kind="conv",
          params={"in_size": 5, "kernel_size": 3, "padding": "same"}),
    Entry("stride", "conv2d:ConvScene", "conv:conv_figure",
          "stride 2 on 6x6: the floor leaves the last row and column unvisited",
          kind="conv", params={"in_size": 6, "kernel_size": 3, "stride": 2}),
    Entry("multichannel", "multichannel:MultiChannelScene", "conv:conv_figure",
          "multi-channel conv: per-channel sums plus bias",
          kind="multichannel", params={"example": "gif2", "stride": 2, "padding": 1}),
    Entry("conv_transpose2d", "transposed:TransposedScene", "conv:conv_transpose_figure",
          "any transposed conv, scatter then gather view: "
          "--in-size --kernel-size --stride --padding --output-padding ...",
          kind="transposed", params={"in_size": 3, "kernel_size": 3, "stride": 2, "padding": 1, "view": "both"}),
)

# -- the conv-arithmetic set (Dumoulin & Visin), now with numbers and labels ---------------------------------
CONV_ARITHMETIC = {
    # name: (i, k, p, s, d)
    "no_padding_no_strides": (4, 3, 0, 1, 1),
    "arbitrary_padding_no_strides": (5, 4, 2, 1, 1),
    "same_padding_no_strides": (5, 3, 1, 1, 1),
    "full_padding_no_strides": (5, 3, 2, 1, 1),
    "no_padding_strides": (5, 3, 0, 2, 1),
    "padding_strides": (5, 3, 1, 2, 1),
    "padding_strides_odd": (6, 3, 1, 2, 1),
    "dilation": (7, 3, 0, 1, 2),
}

for _name, (_i, _k, _p, _s, _d) in CONV_ARITHMETIC.items():
    _o = conv_output_size(_i, _k, _s, _p, _d)
    _add(Entry(_name, "conv2d:ConvScene", "conv:conv_figure",
          f"conv-arithmetic: i={_i}, k={_k}, p={_p}, s={_s}, d={_d} → o={_o}",
               kind="conv", params={"in_size": _i, "kernel_size": _k, "padding": _p, "stride": _s,
                                      "dilation": _d, "seed": _i * 10 + _k}))
    if _name != "dilation":
        # the transposed conv mapping o back to i; output_padding restores what the floor dropped
        _op = _i - conv_transpose_output_size(_o, _k, _s, _p, 0, _d)
        _add(Entry(f"{_name}_transposed", "transposed:TransposedScene", "conv:conv_transpose_figure",
                   f"conv-arithmetic transposed: {_o} → {_i} (k={_k}, p={_p}, s={_s}"
                   + (f", output_padding={_op} at the bottom/right" if _op else "") + ")",
                   kind="transposed", params={"in_size": _o, "kernel_size": _k, "padding": _p, "stride": _s,
                                                "output_padding": _op, "seed": _o * 10 + _k, "view": "gather"}))

_BY_NAME = {e.name: e for e in ENTRIES}
assert len(_BY_NAME) == len(ENTRIES), "duplicate catalogue names"


def get_entry(name: str) -> Entry:
    try:
        return _BY_NAME[name]
    except KeyError:
        close = [n for n in _BY_NAME if name.lower() in n.lower()][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else "; `convviz list` shows every name"
        raise ValueError(f"unknown scene {name!r}{hint}") from None


def notes_entries() -> list[Entry]:
    return [e for e in ENTRIES if e.notes]
