"""No silent knobs: what the page says when a setting does nothing at the chosen size.

The engine's rank rule drops style layers whose statistics the style image has too few
positions for (style_core.engine._describes_texture); a mask makes the blend share moot; a
style picture smaller than the size it is used at is blurred up (a lower style scale uses it
sharp). Each is said here, in words, beside the slider or in the job's status.
"""

from __future__ import annotations

from collections.abc import Sequence

import gradio as gr

from style_app.settings import LayerWeights, build_params
from style_core import ImageError, StyleParams
from style_core.engine import matched_style_layers
from style_core.images import image_size
from style_core.params import KNOBS
from style_core.plan import StyleScaleKnob, small_style_note, style_side

BLEND_INFO = "How much of the second style goes into the mix."
BLEND_WITH_MASK = "Not used while a mask is set: the mask says where each style goes."


def layers_note(params: StyleParams, used: Sequence[str]) -> str:
    """Which style layers a job matched, and why any chosen one was left out ("" if none)."""
    left_out = [layer for layer in params.style_layers if layer not in used]
    if not left_out:
        return ""
    side = style_side(params, params.size)
    return (
        f"Style matched at {', '.join(used)}; {', '.join(left_out)} left out: at {side} px the "
        "style image has too few positions there, and matching it would copy the painting's "
        "layout rather than its texture."
    )


def small_style_notes(params: StyleParams, style_sizes: Sequence[tuple[int, int]]) -> list[str]:
    """A note for each style picture smaller than the size it is used at (plan.small_style_note),
    naming the Style scale slider's value that uses it at its own size."""
    low, _, step = KNOBS["style_scale"].ui
    knob = StyleScaleKnob("Style scale", low, step)
    names = ["Style image"] if len(style_sizes) == 1 else ["Style image 1", "Style image 2"]
    notes = (small_style_note(params, n, size, knob) for n, size in zip(names, style_sizes))
    return [f"{note}." for note in notes if note]


def layer_slider_updates(style, size, style_scale, style_layers) -> list:
    """One update per style-layer weight slider: greyed out, with the reason, where the job
    at these settings would not use its layer."""
    try:
        params = build_params(
            {"size": size, "style_scale": style_scale, "style_layers": style_layers}
        )
    except gr.Error:
        return [gr.update() for _ in LayerWeights.names]
    used = matched_style_layers(params, [_style_size(style, params)])
    updates = []
    for layer in LayerWeights.names.values():
        if layer not in params.style_layers:
            reason = "Not used: not among the chosen style layers."
        elif layer not in used:
            reason = f"Not used at {params.size} px: the style has too few positions here."
        else:
            reason = None
        updates.append(gr.update(interactive=reason is None, info=reason))
    return updates


def blend_slider_update(mask) -> dict:
    """The blend share is greyed out, and says why, while a mask is set."""
    return gr.update(interactive=mask is None, info=BLEND_INFO if mask is None else BLEND_WITH_MASK)


def _style_size(style, params: StyleParams) -> tuple[int, int]:
    """The style's (width, height) from its header; without one, a square at the size it is
    used at (the most any style can have there)."""
    try:
        return image_size(style) if style is not None else (style_side(params, params.size),) * 2
    except (ImageError, ValueError, OSError):
        return (style_side(params, params.size),) * 2
