"""The settings' widgets, generated from the table of knobs, and inputs whose errors name the
parameter (the API reaches them without the page's own limits)."""

from __future__ import annotations

import math
from typing import Any

import gradio as gr

from style_app.config import DEFAULTS, SLIDER_MAX
from style_app.settings import LayerWeights
from style_core.params import KNOBS, Knob
from style_core.vgg import LAYER_NAMES


def uploaded_image(**kwargs) -> gr.Image:
    """A gr.Image input that passes the uploaded file through undecoded.

    gr.Image would open it with PIL first and fail with an opaque error on non-images or
    decompression bombs; style_core's loader checks size and format and says what is wrong.
    (An instance override, not a subclass: Gradio writes a .pyi file for every subclass.)
    """
    component = gr.Image(type="filepath", **kwargs)
    decode = component.preprocess

    def preprocess(payload):
        if payload is not None and payload.path and not (payload.url or "").startswith("data:"):
            return payload.path
        return decode(payload)

    component.preprocess = preprocess
    return component


def name_errors(component: gr.components.Component, name: str) -> None:
    """Check API values by type first, and make Gradio's own checks name the parameter."""
    check = component.preprocess

    def preprocess(payload):
        _check_type(component, name, payload)
        try:
            return check(payload)
        except (gr.Error, ValueError, TypeError) as error:
            raise gr.Error(
                _message(component, name, payload, error), print_exception=False
            ) from None

    component.preprocess = preprocess


def _check_type(component: gr.components.Component, name: str, payload: Any) -> None:
    if isinstance(component, gr.Checkbox) and not isinstance(payload, bool):
        raise gr.Error(f"{name} must be true or false; got {payload!r}", print_exception=False)
    is_number = isinstance(payload, (int, float)) and not isinstance(payload, bool)
    if (
        isinstance(component, (gr.Slider, gr.Number))
        and payload is not None
        and not (is_number and math.isfinite(payload))
    ):
        raise gr.Error(_range_message(component, name, payload), print_exception=False)
    if is_number and getattr(component, "precision", None) == 0 and payload != int(payload):
        # precision=0 would round 10.5 silently; a client asking for it made a mistake.
        raise gr.Error(f"{name} must be a whole number; got {payload!r}", print_exception=False)
    if isinstance(component, gr.Dropdown) and not (
        isinstance(payload, list) and all(isinstance(item, str) for item in payload)
    ):
        raise gr.Error(
            f"{name} must be a list of layer names; got {payload!r}", print_exception=False
        )


def _message(component: gr.components.Component, name: str, payload: Any, error: Exception) -> str:
    if isinstance(component, (gr.Slider, gr.Number)):
        return _range_message(component, name, payload)
    if isinstance(component, gr.Dropdown):  # the layer lists
        known = {choice[1] for choice in component.choices}
        unknown = ", ".join(repr(x) for x in payload if x not in known)
        return f"{name} has unknown layer(s) {unknown}; choose from relu1_1 ... pool5"
    if isinstance(component, gr.Radio):
        choices = ", ".join(str(choice[1]) for choice in component.choices)
        return f"{name} must be one of {choices}; got {payload!r}"
    return f"{name}: {getattr(error, 'message', error)}"


def _range_message(component: gr.Slider | gr.Number, name: str, value) -> str:
    low, high = component.minimum, component.maximum
    whole = isinstance(component, gr.Number) and component.precision == 0
    kind = "a whole number between" if whole else "between"
    return f"{name} must be {kind} {low:g} and {high:g}; got {value!r}"


def setting_widget(name: str, knob: Knob, value: Any) -> gr.components.Component:
    """The widget for one knob, from its table entry."""
    label, info = knob.label, knob.help
    if knob.widget == "slider":
        low, high, step = knob.ui
        high = SLIDER_MAX.get(name, high)
        whole = 0 if isinstance(value, int) else None  # the API types steps and size as integers
        return gr.Slider(low, high, value=value, step=step, precision=whole, label=label, info=info)
    if knob.widget == "radio":
        return gr.Radio(list(knob.choices), value=value, label=label, info=info)
    if knob.widget == "checkbox":
        return gr.Checkbox(value=value, label=label, info=info)
    if knob.widget == "number":
        low, high = knob.limits
        return gr.Number(value, precision=0, minimum=low, maximum=high, label=label, info=info)
    if knob.widget == "layers":
        choices = [layer for layer in LAYER_NAMES if not layer.startswith("conv")]
        return gr.Dropdown(choices, value=list(value), multiselect=True, label=label, info=info)
    raise ValueError(f"{name}: no widget kind {knob.widget!r}")


def settings_widgets(advanced: bool) -> dict[str, gr.components.Component]:
    """The main (or Advanced) settings' widgets by API name, in table order."""
    widgets: dict[str, gr.components.Component] = {}
    for name, knob in KNOBS.items():
        if not knob.widget or knob.advanced != advanced:
            continue
        if knob.widget == "layer_weights":
            widgets |= LayerWeights.widgets()
        else:
            widgets[name] = setting_widget(name, knob, getattr(DEFAULTS, name))
    return widgets
