"""Every knob of a style-transfer run, in one frozen dataclass validated once.

The CLI, the Gradio app and the Python API all build a ``StyleParams`` and call
``validate()``; allowed values live here and feed both error messages and UI choices.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

Backbone = Literal["vgg19-caffe", "vgg19-torchvision"]
Pooling = Literal["max", "avg"]
Optimizer = Literal["lbfgs", "adam"]
Init = Literal["content", "noise", "style"]
ColorMode = Literal["none", "luminance", "histogram"]
DeviceName = Literal["auto", "cpu", "cuda", "mps"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]

BACKBONES: tuple[str, ...] = get_args(Backbone)
POOLINGS: tuple[str, ...] = get_args(Pooling)
OPTIMIZERS: tuple[str, ...] = get_args(Optimizer)
INITS: tuple[str, ...] = get_args(Init)
COLOR_MODES: tuple[str, ...] = get_args(ColorMode)
DEVICES: tuple[str, ...] = get_args(DeviceName)
PRECISIONS: tuple[str, ...] = get_args(Precision)

CONTENT_LAYERS_DEFAULT = ("relu4_2",)
STYLE_LAYERS_DEFAULT = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")

# Ranges (inclusive) for numeric fields: shared by validate(), the CLI and the UI sliders.
LIMITS: dict[str, tuple[float, float]] = {
    "size": (64, 4096),
    "steps": (1, 10_000),
    "content_weight": (0.0, 1e4),
    "style_weight": (0.0, 1e6),
    "tv_weight": (0.0, 1e4),
    "style_scale": (0.1, 4.0),
    "learning_rate": (1e-5, 10.0),
    "min_scale_size": (64, 1024),
    "preview_seconds": (0.0, 3600.0),
    "preview_every": (0, 1_000_000),
    "seed": (0, 2**32 - 1),
}
MAX_STYLES = 8


@dataclass(frozen=True)
class StyleParams:
    """One style-transfer run. Defaults give a good 512 px picture in well under a minute on CPU."""

    size: int = 512  # long side of the output in pixels; aspect ratio of the content is kept
    steps: int = 160  # optimiser iterations in total, spread over the scales (most at small ones)
    content_weight: float = (
        1.0  # weight of the content loss (relative feature error at content layers)
    )
    style_weight: float = 10.0  # "style strength": weight of the style loss (relative Gram error)
    tv_weight: float = 0.0  # total-variation smoothness; 0 = off
    style_scale: float = 1.0  # style image long side relative to the output's long side
    style_blend: tuple[float, ...] = ()  # one weight per style image; empty = equal weights
    color: ColorMode = "none"  # colour preservation: none, luminance only, or histogram matching
    content_layers: tuple[str, ...] = CONTENT_LAYERS_DEFAULT  # VGG19 layers for the content loss
    style_layers: tuple[str, ...] = STYLE_LAYERS_DEFAULT  # VGG19 layers for the style loss
    style_layer_weights: tuple[float, ...] = ()  # one weight per style layer; empty = equal
    pooling: Pooling = "avg"  # average pooling gives smoother results (Gatys et al. 2016)
    optimizer: Optimizer = "lbfgs"  # L-BFGS converges in far fewer iterations than Adam here
    learning_rate: float = 0.02  # Adam only, in 0..1 pixel units; L-BFGS uses its own step size
    init: Init = "content"  # start image: the content, uniform noise, or the (resized) style
    multiscale: bool = (
        True  # coarse-to-fine: optimise at 1/4, 1/2, 1 of the size, upsampling between
    )
    min_scale_size: int = 128  # smallest long side used by coarse-to-fine
    seed: int = 0  # makes a run reproducible on the same device
    backbone: Backbone = "vgg19-caffe"  # bundled Caffe VGG19, or torchvision's (downloaded once)
    device: DeviceName = "auto"  # auto = CUDA, then Apple MPS, then CPU
    precision: Precision = "auto"  # network precision; auto = bf16/fp16 autocast where it is fast
    preview_seconds: float = 0.5  # at most one preview image per this many seconds; 0 = every step
    preview_every: int = 0  # also a preview every N iterations regardless of time; 0 = off

    def validate(self) -> StyleParams:
        """Return self if every field is acceptable, else raise ValueError naming the field."""
        from style_core.vgg import LAYER_NAMES  # late import: vgg imports this module

        for name, (low, high) in LIMITS.items():
            _check_number(name, getattr(self, name), low, high, integer=isinstance(low, int))
        for name, allowed in (
            ("color", COLOR_MODES),
            ("pooling", POOLINGS),
            ("optimizer", OPTIMIZERS),
            ("init", INITS),
            ("backbone", BACKBONES),
            ("device", DEVICES),
            ("precision", PRECISIONS),
        ):
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        if not isinstance(self.multiscale, bool):
            raise ValueError(f"multiscale must be true or false; got {self.multiscale!r}")
        for name in ("content_layers", "style_layers"):
            layers = getattr(self, name)
            if not isinstance(layers, tuple) or not layers:
                raise ValueError(f"{name} must name at least one VGG19 layer")
            for layer in layers:
                if layer not in LAYER_NAMES:
                    raise ValueError(
                        f"{name} has unknown layer {layer!r}; choose from relu1_1 ... relu5_4 "
                        "(conv/relu/pool names as in the VGG paper)"
                    )
        _check_weights("style_layer_weights", self.style_layer_weights, len(self.style_layers))
        _check_weights("style_blend", self.style_blend, None)
        if self.content_weight == 0 and self.style_weight == 0:
            raise ValueError("content_weight and style_weight cannot both be 0")
        return self

    def replace(self, **changes: Any) -> StyleParams:
        return dataclasses.replace(self, **changes)

    def scale_sizes(self) -> list[int]:
        """Long side at each coarse-to-fine scale, smallest first."""
        sizes = [self.size]
        # Coarse-to-fine only pays off above ~300 px; three scales at most, and never more
        # scales than iterations.
        while self.multiscale and self.size > 300 and len(sizes) < min(3, self.steps):
            if sizes[0] // 2 < self.min_scale_size:
                break
            sizes.insert(0, sizes[0] // 2)
        return sizes

    def scale_steps(self) -> list[int]:
        """Iterations per scale, most at the cheap small scales (100:60:30 with three scales)."""
        shares = {1: [1.0], 2: [0.65, 0.35], 3: [100 / 190, 60 / 190, 30 / 190]}
        fractions = shares[len(self.scale_sizes())]
        # Rounding running totals keeps the sum exact; tiny budgets first give each scale one.
        steps = _split(self.steps, fractions)
        if min(steps) == 0:
            steps = [1 + n for n in _split(self.steps - len(fractions), fractions)]
        return steps

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StyleParams:
        """Build from a JSON-like dict (lists become tuples); unknown keys are an error."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(unknown)}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> StyleParams:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"parameters are not valid JSON: {error.msg}") from None
        if not isinstance(data, dict):
            raise ValueError("parameters must be a JSON object")
        return cls.from_dict(data)


def _split(total: int, fractions: list[float]) -> list[int]:
    bounds = [0] + [round(total * c) for c in itertools.accumulate(fractions)]
    return [b - a for a, b in zip(bounds, bounds[1:])]


def preset_for(device_kind: str) -> StyleParams:
    """Defaults per hardware class: CPU favours speed, GPUs can afford larger output."""
    if device_kind in ("cuda", "mps"):
        return StyleParams(size=1024, steps=400)
    return StyleParams()


def _check_number(name: str, value: Any, low: float, high: float, integer: bool) -> None:
    kind = "an integer" if integer else "a number"
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        raise ValueError(f"{name} must be {kind} between {low:g} and {high:g}; got {value!r}")
    # Range first: math.isfinite overflows on huge ints; NaN fails every comparison.
    if not low <= value <= high or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"{name} must be between {low:g} and {high:g}; got {value!r}")


def _check_weights(name: str, weights: Any, expected: int | None) -> None:
    if not isinstance(weights, tuple):
        raise ValueError(f"{name} must be a list of numbers; got {weights!r}")
    if expected is not None and weights and len(weights) != expected:
        raise ValueError(f"{name} needs {expected} values (one per layer); got {len(weights)}")
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise ValueError(f"{name} must contain only numbers; got {weight!r}")
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"{name} values must be finite and >= 0; got {weight!r}")
    if weights and sum(weights) == 0:
        raise ValueError(f"{name} must not be all zeros")
