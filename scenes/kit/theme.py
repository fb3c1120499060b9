"""One colour per role across every figure, two themes, and the labels in English and Chinese."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FONT_EN = "DejaVu Sans"
FONT_ZH = "Noto Sans CJK SC"
FONT_MONO = "DejaVu Sans Mono"
FONT_MATH = "Latin Modern Roman"     # TeX's look for italic symbols (fonts-lmodern, pulled in by texlive)


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    muted: str            # secondary text (captions, dimension labels)
    grid: str             # cell borders
    input_fill: str
    input_stroke: str
    kernel_fill: str
    kernel_stroke: str
    output_fill: str
    output_stroke: str
    padding_fill: str     # zero padding: grey, dashed border, grey zeros
    padding_text: str
    inserted_fill: str    # zeros inserted between cells by a transposed conv
    bias_fill: str
    bias_stroke: str
    highlight: str        # the current step
    unvisited: str        # cells the floor leaves out
    groups: tuple[str, ...] = field(default=())   # per-channel / per-group colours


LIGHT = Theme(
    name="light", background="#FFFFFF", text="#1A202C", muted="#4A5568", grid="#718096",
    input_fill="#DBEAFE", input_stroke="#1D4ED8",
    kernel_fill="#FED7AA", kernel_stroke="#AE3A0A",     # ≥ 4.5:1 on every fill (×w subscripts)
    output_fill="#D1FAE5", output_stroke="#047857",
    padding_fill="#F1F5F9", padding_text="#94A3B8",
    inserted_fill="#FFFFFF",
    bias_fill="#EDE9FE", bias_stroke="#6D28D9",
    highlight="#DC2626", unvisited="#FECACA",
    groups=("#2563EB", "#D97706", "#059669", "#DB2777", "#7C3AED", "#0891B2"),
)

DARK = Theme(
    name="dark", background="#111827", text="#F3F4F6", muted="#9CA3AF", grid="#6B7280",
    input_fill="#1E3A8A", input_stroke="#93C5FD",
    kernel_fill="#9A3412", kernel_stroke="#FFC58F",     # ≥ 4.5:1 on every fill, the kernel's too
    output_fill="#065F46", output_stroke="#6EE7B7",
    padding_fill="#1F2937", padding_text="#6B7280",
    inserted_fill="#111827",
    bias_fill="#4C1D95", bias_stroke="#C4B5FD",
    highlight="#F87171", unvisited="#7F1D1D",
    groups=("#60A5FA", "#FBBF24", "#34D399", "#F472B6", "#A78BFA", "#22D3EE"),
)

THEMES = {"light": LIGHT, "dark": DARK}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "input": "Input", "kernel": "Kernel", "output": "Output", "bias": "Bias", "filter": "Filter",
        "padding": "zero padding", "inserted": "inserted zeros", "unvisited": "not visited",
        "intermediate": "Intermediate", "image": "Image", "feature": "Convolved Feature",
        "scatter": "Scatter: each input value × kernel, added into the output",
        "gather": "Gather: stride-1 conv of the zero-inserted, padded input with the flipped kernel",
        "flipped": "Kernel (flipped)", "output_padding": "output padding", "step": "step",
        "original": "Original", "weights": "weights", "mult": "multiplications", "params": "parameters",
        "receptive_field": "receptive field", "sum": "sum", "equivalent": "equivalent form",
    },
    "zh": {
        "input": "输入", "kernel": "卷积核", "output": "输出", "bias": "偏置", "filter": "滤波器",
        "padding": "零填充", "inserted": "插入的零", "unvisited": "未被窗口覆盖",
        "intermediate": "中间结果", "image": "图像", "feature": "卷积特征",
        "scatter": "scatter 视角：每个输入值 × 卷积核，叠加到输出上",
        "gather": "gather 视角：对插零并填充后的输入做步长为 1 的卷积（卷积核翻转）",
        "flipped": "翻转后的卷积核", "output_padding": "输出填充", "step": "步骤",
        "original": "原图", "weights": "权重", "mult": "次乘法", "params": "个参数",
        "receptive_field": "感受野", "sum": "求和", "equivalent": "等价表示",
    },
}


def label_text(key: str, lang: str = "en") -> str:
    """A label in the chosen language (English when a key has no translation)."""
    table = LABELS.get(lang, LABELS["en"])
    return table.get(key, LABELS["en"].get(key, key))


def font_for(lang: str) -> str:
    return FONT_ZH if lang == "zh" else FONT_EN


def tint(color, amount: float, toward="#FFFFFF"):
    """``color`` moved ``amount`` (0..1) toward ``toward`` (white: lighter; the background: fainter; black:
    darker), as a Manim colour."""
    from manim import ManimColor, interpolate_color

    return interpolate_color(ManimColor(color), ManimColor(toward), amount)


def opaque_tint(color, share: float, background) -> str:
    """``share`` (0..1) of ``color`` on ``background`` (``theme.tint``), as an opaque 8-bit ``#RRGGBB``: the
    tints keep the theme's text readable on them. Channels are rounded half to even once ``tint``'s float noise
    is snapped off, exactly as these figures were always coloured (Cairo, given the unrounded colour, would
    round a channel of x.5 up and change the notes' files)."""
    rgb = np.round(np.round(tint(color, 1 - share, background).to_rgb() * 255, 6))
    return "#" + "".join(f"{int(v):02X}" for v in rgb)
