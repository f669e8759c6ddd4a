"""The Explore experiments' knobs: one frozen dataclass whose fields carry their ``Knob``
(help, label, range, widget), from which the CLI flags and the tab's widgets are made; and
``resolve``, which fills in an experiment's defaults and checks every value once."""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from style_core.params import DEVICES, DeviceName, Knob
from style_core.vgg import LAYER_NAMES, poolings_before

if TYPE_CHECKING:
    from style_core.explore.experiments import Experiment

MAX_PANELS = 36  # a trade-off grid of 6 x 6 cells; more would take minutes even on a GPU
RATIO_LIMITS = (1e-6, 1e4)  # content/style weight ratio: StyleParams' weight ranges allow it


def _setting(default: Any, **description: Any) -> Any:
    return field(default=default, metadata={"knob": Knob(**description)})


@dataclass(frozen=True)
class ExploreSettings:
    """The knobs of the Explore experiments; each experiment reads some (``Experiment.uses``).

    None means "the experiment's default"; ``resolve`` fills those in, so a saved grid's
    settings say exactly what ran.
    """

    size: int | None = _setting(
        None,
        help="long side of each panel in px; default: the experiment's (128-256, for a CPU; "
        "a GPU does 512 quickly)",
        label="Panel size (px)",
        limits=(64, 1024),
        ui=(64, 768, 32),
        widget="slider",
    )
    steps: int | None = _setting(
        None,
        help="L-BFGS iterations per panel; default: the experiment's",
        label="Steps per panel",
        limits=(1, 1000),
        ui=(5, 300, 5),
        widget="slider",
    )
    seed: int = _setting(
        0,
        help="seed of the start noise: the same layer with another seed shows what is kept",
        label="Noise seed",
        limits=(0, 2**32 - 2),  # texture-layers also uses seed + 1
        widget="number",
    )
    layers: tuple[str, ...] | None = _setting(
        None,
        help="VGG19 layers: one panel each (content-layers); the deepest layer of each growing "
        "style set, shallow to deep (texture-layers, tradeoff rows); the layer to look at "
        "(network)",
        label="Layers",
        widget="layers",
    )
    ratios: tuple[float, ...] | None = _setting(
        None,
        help="content weight / style weight, one grid column each (tradeoff)",
        label="Content/style weight ratios",
        widget="ratios",
    )
    tileable: bool = _setting(
        False,
        help="blend each texture's edges so that it tiles (texture-layers)",
        label="Tileable textures",
        widget="checkbox",
    )
    maps: int = _setting(
        6,
        help="how many of the photo's feature maps to show (network)",
        label="Feature maps",
        limits=(1, 16),
        ui=(1, 16, 1),
        widget="slider",
    )
    channel: int | None = _setting(
        None,
        help="channel whose strongest patches are shown; default: the first map shown (network)",
        label="Channel",
        limits=(0, 511),
        widget="number",
    )
    device: DeviceName = _setting(
        "auto", help="auto = CUDA, then Apple MPS, then CPU", choices=DEVICES
    )

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExploreSettings:
        """From a JSON-like dict (lists become tuples); unknown keys are an error."""
        unknown = sorted(set(data) - set(SETTINGS))
        if unknown:
            raise ValueError(f"unknown explore setting(s): {', '.join(unknown)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


SETTINGS: dict[str, Knob] = {
    f.name: f.metadata["knob"] for f in dataclasses.fields(ExploreSettings)
}
DEFAULT_SETTINGS = ExploreSettings()


def knob_type(name: str) -> Any:
    """A setting's type, resolved from its annotation (for generated CLI flags and widgets)."""
    return typing.get_type_hints(ExploreSettings)[name]


def resolve(spec: Experiment, settings: ExploreSettings) -> ExploreSettings:
    """The settings with the experiment's defaults filled in, checked; ValueError names the
    setting, the value and the rule."""
    if not isinstance(settings, ExploreSettings):
        raise ValueError(f"settings must be ExploreSettings; got {type(settings).__name__}")
    for name in SETTINGS:
        if name not in spec.uses and getattr(settings, name) != getattr(DEFAULT_SETTINGS, name):
            raise ValueError(
                f"{name} does not apply to {spec.name}; it uses {', '.join(spec.uses)}"
            )
    defaults = {
        "size": spec.size,
        "steps": spec.steps,
        "layers": spec.layers,
        "ratios": spec.ratios,
    }
    resolved = dataclasses.replace(
        settings,
        **{
            name: default
            for name, default in defaults.items()
            if name in spec.uses and getattr(settings, name) is None
        },
    )
    _check_numbers(resolved)
    if "layers" in spec.uses:
        _check_layers(spec, resolved.layers)
    _check_ratios(spec, resolved)
    if spec.name == "network":
        _check_channel(resolved)
    return resolved


def _check_numbers(settings: ExploreSettings) -> None:
    for name, knob in SETTINGS.items():
        value = getattr(settings, name)
        if knob.choices and value not in knob.choices:
            raise ValueError(f"{name} must be one of {', '.join(knob.choices)}; got {value!r}")
        if knob.limits is None or value is None:
            continue
        low, high = knob.limits
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{name} must be an integer from {low:g} to {high:g}; got {value!r}")
    if not isinstance(settings.tileable, bool):
        raise ValueError(f"tileable must be true or false; got {settings.tileable!r}")


def _check_layers(spec: Experiment, layers: Any) -> None:
    if not isinstance(layers, tuple) or not layers:
        raise ValueError(f"layers must name at least one VGG19 layer, e.g. {spec.layers[0]}")
    for layer in layers:
        if layer not in LAYER_NAMES:
            raise ValueError(
                f"layers has unknown layer {layer!r}; choose from relu1_1 ... relu5_4 "
                "(conv/relu/pool names as in the VGG paper)"
            )
    if len(set(layers)) != len(layers):
        raise ValueError(f"layers names a layer twice: {', '.join(layers)}")
    if spec.name == "network" and len(layers) != 1:
        raise ValueError(f"layers must be one layer for network; got {len(layers)}")
    depth = [LAYER_NAMES.index(layer) for layer in layers]
    if spec.name in ("texture-layers", "tradeoff") and depth != sorted(depth):
        raise ValueError(
            "layers must go from shallow to deep (each names the deepest layer of a growing "
            f"set), e.g. relu1_1 relu3_1 relu5_1; got {' '.join(layers)}"
        )
    if len(layers) > MAX_PANELS:
        raise ValueError(f"layers has {len(layers)} layers; at most {MAX_PANELS}")


def _check_ratios(spec: Experiment, settings: ExploreSettings) -> None:
    ratios, (low, high) = settings.ratios, RATIO_LIMITS
    if "ratios" not in spec.uses:
        return
    if not isinstance(ratios, tuple) or not ratios:
        raise ValueError("ratios must give at least one content/style weight ratio, e.g. 0.01")
    for ratio in ratios:
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)):
            raise ValueError(f"ratios must contain only numbers; got {ratio!r}")
        if not (math.isfinite(ratio) and low <= ratio <= high):
            raise ValueError(
                f"ratios must be finite numbers from {low:g} to {high:g} "
                f"(content weight / style weight); got {ratio!r}"
            )
    cells = len(settings.layers) * len(ratios)
    if cells > MAX_PANELS:
        raise ValueError(
            f"layers x ratios makes {cells} grid cells; at most {MAX_PANELS} "
            f"({len(settings.layers)} layer rows x {len(ratios)} ratio columns)"
        )


def _check_channel(settings: ExploreSettings) -> None:
    channels = channel_count(settings.layers[0])
    if settings.channel is not None and settings.channel >= channels:
        raise ValueError(
            f"channel must be below {channels} ({settings.layers[0]} has {channels} channels); "
            f"got {settings.channel}"
        )
    if settings.maps > channels:  # pragma: no cover - every layer has >= 64 channels
        raise ValueError(f"maps must be at most {channels}; got {settings.maps}")


def channel_count(layer: str) -> int:
    """Channels of a VGG19 layer: 64, 128, 256, 512, 512 in blocks 1 to 5."""
    block = poolings_before(layer) + (0 if layer.startswith("pool") else 1)
    return (64, 128, 256, 512, 512)[block - 1]
