"""Post-processing of rendered frames: cropping, GIF (one shared palette, frame differencing, gifsicle),
MP4/WebM (PyAV), PNG/JPG stills. Every file is written to a temporary name and renamed into place, so a failed
render never leaves a half-written file. No Manim here: frames are numpy arrays.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convviz.files import atomic_path


@dataclass
class Frame:
    pixels: np.ndarray      # (H, W, 3 or 4) uint8
    seconds: float


def _rgb(frame: np.ndarray) -> np.ndarray:
    return frame[..., :3] if frame.shape[-1] == 4 else frame


def merge_identical(frames: list[Frame]) -> list[Frame]:
    """Consecutive identical frames become one frame shown for their summed time."""
    out: list[Frame] = []
    for f in frames:
        if out and out[-1].pixels.shape == f.pixels.shape and np.array_equal(out[-1].pixels, f.pixels):
            out[-1] = Frame(out[-1].pixels, out[-1].seconds + f.seconds)
        else:
            out.append(f)
    return out


def write_gif(frames: list[Frame], path: Path, colors: int = 40, optimize: bool = True) -> Path:
    """A looping GIF: one palette shared by all frames (no per-frame quantisation noise), per-frame durations,
    then gifsicle -O3 for frame differencing when it is installed."""
    from PIL import Image

    frames = merge_identical(frames)
    rgb = [Image.fromarray(_rgb(f.pixels)) for f in frames]
    idx = range(len(rgb)) if len(rgb) <= 24 else np.linspace(0, len(rgb) - 1, 24).astype(int)
    palette = shared_palette([np.asarray(rgb[i]) for i in idx], colors)
    pal = [to_palette(np.asarray(im), palette) for im in rgb]
    durations = [max(20, int(round(f.seconds * 100)) * 10) for f in frames]
    with atomic_path(path) as tmp:
        pal[0].save(tmp, format="GIF", save_all=True, append_images=pal[1:], duration=durations, loop=0,
                    optimize=False, disposal=1)
        gifsicle = shutil.which("gifsicle")
        if optimize and gifsicle:
            # to stdout, not in place (-b): a gifsicle stopped by a signal leaves no file of its own behind, and
            # subprocess.run kills it when the signal's exception reaches here
            done = subprocess.run([gifsicle, "-O3", "--no-comments", "--no-names", str(tmp)], check=True,
                                  capture_output=True)
            tmp.write_bytes(done.stdout)
    return Path(path)


def shared_palette(samples: list[np.ndarray], colors: int):
    """One palette for every frame: the exact flat colours of the figure (background, fills, strokes: the
    colours covering the most pixels) are kept as they are, median cut fills the rest (anti-aliased edges)."""
    from PIL import Image

    pixels = np.concatenate([a.reshape(-1, 3) for a in samples])
    keys = (pixels[:, 0].astype(np.int32) << 16) | (pixels[:, 1].astype(np.int32) << 8) | pixels[:, 2]
    values, counts = np.unique(keys, return_counts=True)
    top = np.argsort(-counts, kind="stable")[: colors // 2]
    flat = values[top][counts[top] >= len(keys) // 2000]          # at least 0.05 % of the pixels
    exact = [((int(v) >> 16) & 255, (int(v) >> 8) & 255, int(v) & 255) for v in flat]
    sheet = Image.fromarray(np.concatenate(samples, axis=0)) if len(samples) > 1 else Image.fromarray(samples[0])
    rest = sheet.quantize(colors=max(2, colors - len(exact)), method=Image.Quantize.MEDIANCUT,
                          dither=Image.Dither.NONE).getpalette()[: 3 * max(2, colors - len(exact))]
    merged = list(exact)
    for i in range(0, len(rest), 3):
        c = tuple(rest[i:i + 3])
        if c not in merged:
            merged.append(c)
    return np.array(merged[:256], dtype=np.uint8)


def to_palette(rgb: np.ndarray, palette: np.ndarray):
    """Map each pixel to its nearest palette colour exactly (Pillow's own palette conversion is approximate:
    it turned pure white into #F9F9FA)."""
    from PIL import Image

    keys = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    uniq, inverse = np.unique(keys.reshape(-1), return_inverse=True)
    cols = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1).astype(np.int32)
    dist = ((cols[:, None, :] - palette[None, :, :].astype(np.int32)) ** 2).sum(axis=-1)
    index = dist.argmin(axis=1).astype(np.uint8)[inverse].reshape(rgb.shape[:2])
    im = Image.fromarray(index, mode="P")
    flat = palette.reshape(-1).tolist()
    im.putpalette(flat + flat[:3] * (256 - len(palette)))
    return im


def write_video(frames: list[Frame], path: Path, fps: int) -> Path:
    """MP4 (H.264) or WebM (VP9) with each frame repeated for its duration."""
    import av

    path = Path(path)
    container_format = path.suffix.lstrip(".").lower()          # x.MP4 is an mp4
    codec = {"mp4": "libx264", "webm": "libvpx-vp9"}[container_format]
    frames = merge_identical(frames)
    h, w = frames[0].pixels.shape[:2]
    if w % 2 or h % 2:
        frames = [Frame(np.ascontiguousarray(f.pixels[: h - h % 2, : w - w % 2]), f.seconds) for f in frames]
        h, w = h - h % 2, w - w % 2
    with atomic_path(path) as tmp:
        with av.open(str(tmp), mode="w", format=container_format) as container:
            stream = container.add_stream(codec, rate=fps)
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            if codec == "libx264":
                stream.options = {"crf": "20", "preset": "medium"}
            else:
                stream.options = {"crf": "32", "b": "0", "row-mt": "1"}
            for f in frames:
                vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(_rgb(f.pixels)), format="rgb24")
                for _ in range(max(1, int(round(f.seconds * fps)))):
                    for packet in stream.encode(vf):
                        container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
    return path


def write_still(pixels: np.ndarray, path: Path) -> Path:
    """PNG (lossless, optimised) or JPG (quality 92, 4:4:4 so coloured text stays sharp)."""
    from PIL import Image

    path = Path(path)
    im = Image.fromarray(_rgb(pixels))
    with atomic_path(path) as tmp:
        if path.suffix.lower() in (".jpg", ".jpeg"):
            im.save(tmp, format="JPEG", quality=92, subsampling=0, optimize=True)
        else:
            im.save(tmp, format="PNG", optimize=True)
    return path
