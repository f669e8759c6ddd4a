"""What the page says about time: the estimate before Run and the quality levels, refreshed
from the measured speed on each page load."""

from __future__ import annotations

import gradio as gr

from style_app.config import DEFAULTS
from style_app.settings import build_params
from style_app.speed import QUALITIES, describe_quality, describe_time, fit_quality
from style_core import ImageError
from style_core.images import image_size


def estimate(content, steps, size, multiscale) -> str:
    """Run-time estimate shown before Run, from the planned work and the measured speed."""
    try:
        params = build_params({"steps": steps, "size": size, "multiscale": multiscale})
    except gr.Error:
        return ""
    return describe_time(params, content_size(content))


def content_size(content) -> tuple[int, int]:
    """The content's (width, height) from its header, or 4:3 without a readable one."""
    try:
        return image_size(content) if content is not None else (4, 3)
    except (ImageError, ValueError, OSError):
        return (4, 3)  # the job itself will say what is wrong with the file


def quality_choices() -> list[tuple[str, str]]:
    """(label saying what it costs here, value) for each quality level."""
    return [(describe_quality(level), level) for level in QUALITIES]


def apply_quality(level: str, content) -> tuple:
    """A quality level -> steps, size and content weight sliders (sliders still override it)."""
    if level not in QUALITIES:
        return gr.update(), gr.update(), gr.update()
    steps, size = fit_quality(level, content_size(content))
    return steps, size, QUALITIES[level].content_weight


def on_page_load(content):
    """Each visitor sees the current measured speed: labels, the fitted default and its time."""
    steps, size, content_weight = apply_quality("Balanced", content)
    return (
        gr.update(choices=quality_choices(), value="Balanced"),
        steps,
        size,
        content_weight,
        estimate(content, steps, size, DEFAULTS.multiscale),
    )
