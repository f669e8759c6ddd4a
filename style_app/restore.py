"""Restoring the settings (and mask) a result PNG carries."""

from __future__ import annotations

from typing import Any

import gradio as gr
from PIL import Image

from style_app.config import DEFAULTS, SLIDER_MAX
from style_app.settings import APP_DECIDES, SETTING_FIELDS, LayerWeights
from style_core import ImageError, StyleParams, read_params
from style_core.images import read_mask
from style_core.params import KNOBS, Knob


def restore_settings(path) -> list:
    """A result PNG -> [every setting in SETTING_FIELDS order, blend, mask, a note on what was
    and was not restored]. A PNG without a mask leaves the current mask as it is."""
    unchanged = [gr.update()] * (len(SETTING_FIELDS) + 2)
    if path is None:
        return [*unchanged, gr.update()]
    try:
        params = read_params(path)
    except OSError:
        raise gr.Error("That file is not a PNG image.", print_exception=False) from None
    except ValueError as error:  # our own messages: they name the field, never a path
        raise gr.Error(
            f"The settings in that PNG are not valid: {error}", print_exception=False
        ) from None
    if params is None:
        raise gr.Error("That PNG carries no style-transfer settings.", print_exception=False)
    values, missed = _restorable(params)
    blend = gr.update()
    if len(params.style_blend) == 2:
        blend = params.style_blend[1] / sum(params.style_blend)
    elif len(params.style_blend) > 2:
        missed.append(f"style_blend {params.style_blend} (the app blends two styles at most)")
    mask = _restorable_mask(path, missed)
    note = "Settings restored from the PNG."
    if mask is not None:
        note += " Its mask is back under 'Paint where the style goes'."
    if missed:
        note += " Not restored: " + "; ".join(missed) + "."
    return [
        *(values[name] for name in SETTING_FIELDS),
        blend,
        gr.update() if mask is None else mask,
        note,
    ]


def _restorable_mask(path, missed: list[str]) -> Image.Image | None:
    try:
        return read_mask(path)
    except ImageError:
        missed.append("the mask (damaged in that PNG)")
        return None


def _restorable(params: StyleParams) -> tuple[dict[str, Any], list[str]]:
    """The widget value for each setting, and a line for each value the app cannot show."""
    values: dict[str, Any] = {}
    missed = []
    for name, knob in KNOBS.items():
        value = getattr(params, name)
        if knob.widget == "layer_weights":
            sliders, not_shown = LayerWeights.restore(params)
            values |= sliders
            missed += not_shown
        elif knob.widget:
            values[name] = _fit_widget(name, knob, value, missed)
        elif name not in APP_DECIDES and name != "style_blend" and value != getattr(DEFAULTS, name):
            missed.append(f"{name} = {value!r} (not adjustable in the app)")
    return values, missed


def _fit_widget(name: str, knob: Knob, value: Any, missed: list[str]) -> Any:
    """The value, clamped into the slider's range with a note when it lies outside."""
    if knob.widget == "layers":
        return list(value)
    if knob.widget != "slider":
        return value
    low, high, _ = knob.ui
    high = SLIDER_MAX.get(name, high)
    clamped = min(max(value, low), high)
    if clamped != value:
        missed.append(f"{name} {value:g} (outside this app's {low:g}-{high:g}; set to {clamped:g})")
    return clamped
