"""The progress bar of a render: over the storyboard's steps while they are worked out (their number not yet
known), then over the frames (or steps) drawn."""

from __future__ import annotations


def progress_bar(scene_cls, on: bool):
    """A tqdm bar counting the storyboard's steps, or None when ``on`` is false."""
    if not on:
        return None
    from tqdm import tqdm

    return tqdm(total=None, desc=f"planning {scene_cls.__name__}", unit="step", leave=False)


def drawing(bar, scene, total: int, unit: str) -> None:
    """Turn ``bar`` to counting ``total`` drawn frames (or held steps: ``unit``)."""
    if bar is not None:
        bar.set_description(f"drawing {type(scene).__name__}", refresh=False)
        bar.unit = unit
        bar.reset(total=total)
