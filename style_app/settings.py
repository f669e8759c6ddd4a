"""The app's settings by API name, and widget values -> validated StyleParams.

Every knob with a widget in ``style_core.params.KNOBS`` is one setting, except
``style_layer_weights``: that one is a slider per default style layer (``w_relu1_1`` ...), the
names existing API clients use, and everything about those sliders lives in ``LayerWeights``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gradio as gr

from style_app.config import DEFAULTS
from style_core import StyleParams
from style_core.params import KNOBS, STYLE_LAYERS_DEFAULT

# Not shown: they describe how a run is shown or where it runs, and the app decides those.
APP_DECIDES = ("device", "precision", "preview_seconds", "preview_every")


class LayerWeights:
    """``style_layer_weights`` as one slider per default style layer: their API names, their
    widgets, the weights they send and the values a restored PNG sets."""

    knob = KNOBS["style_layer_weights"]
    names = {f"w_{layer}": layer for layer in STYLE_LAYERS_DEFAULT}  # API name -> layer

    @classmethod
    def widgets(cls) -> dict[str, gr.Slider]:
        low, high, step = cls.knob.ui
        return {
            api_name: gr.Slider(low, high, value=1.0, step=step, label=f"{cls.knob.label} {layer}")
            for api_name, layer in cls.names.items()
        }

    @classmethod
    def read(cls, settings: Mapping[str, Any], layers: tuple[str, ...]) -> tuple[float, ...]:
        """One weight per chosen style layer: its slider's, or 1 for a layer without one."""
        sliders = {layer: api_name for api_name, layer in cls.names.items()}
        weights = tuple(
            number(settings.get(sliders[layer], 1.0), sliders[layer]) if layer in sliders else 1.0
            for layer in layers
        )
        return () if all(w == 1.0 for w in weights) else weights  # () = equal weights

    @classmethod
    def restore(cls, params: StyleParams) -> tuple[dict[str, float], list[str]]:
        """(slider values, a note for each weight no slider can show) for a restored run."""
        layers = params.style_layers
        weights = dict(zip(layers, params.style_layer_weights or (1.0,) * len(layers)))
        values = {api_name: weights.get(layer, 1.0) for api_name, layer in cls.names.items()}
        missed = [
            f"weight {w:g} on {layer} (no slider; the app uses 1)"
            for layer, w in weights.items()
            if layer not in STYLE_LAYERS_DEFAULT and w != 1.0
        ]
        return values, missed


def _api_names(name: str) -> tuple[str, ...]:
    return tuple(LayerWeights.names) if KNOBS[name].widget == "layer_weights" else (name,)


# The settings by API name, in table order: the /stylize keyword parameters.
SETTING_FIELDS: tuple[str, ...] = tuple(
    api_name for name, knob in KNOBS.items() if knob.widget for api_name in _api_names(name)
)


def build_params(settings: Mapping[str, Any], blend: float | None = None) -> StyleParams:
    """Widget values by API name -> validated StyleParams (gr.Error naming the bad one).

    Missing settings take the hardware preset's value; ``blend`` is the second style's share
    (None with one style)."""
    try:
        values = {
            name: _from_widget(name, settings.get(name, getattr(DEFAULTS, name)))
            for name, knob in KNOBS.items()
            if knob.widget and knob.widget != "layer_weights"
        }
        values["style_layer_weights"] = LayerWeights.read(settings, values["style_layers"])
        if blend is not None:
            values["style_blend"] = (1.0 - number(blend, "blend"), number(blend, "blend"))
        return DEFAULTS.replace(**values).validate()
    except (TypeError, ValueError) as error:
        raise gr.Error(str(error), print_exception=False) from None


def _from_widget(name: str, value: Any) -> Any:
    """Sliders send floats and multi-selects lists; StyleParams wants ints and tuples."""
    if type(getattr(DEFAULTS, name)) is int and not isinstance(value, bool):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number; got {value!r}")
    return tuple(value) if isinstance(value, list) else value


def number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number; got {value!r}")
    return float(value)
