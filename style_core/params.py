"""Every knob of a style-transfer run, in one frozen dataclass validated once.

The CLI, the Gradio app and the Python API all build a ``StyleParams`` and call
``validate()``. Each field carries a ``Knob`` (help, label, range, widget) in its metadata;
``KNOBS`` collects them, and the CLI flags, the app's widgets and the API parameter names are
generated from it, so adding a knob is one field here.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import sys
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from style_core.layers import LAYER_NAMES

Backbone = Literal["vgg19-caffe", "vgg19-torchvision"]
Pooling = Literal["max", "avg"]
Optimizer = Literal["lbfgs", "adam"]
Init = Literal["content", "noise", "style"]
ColorMode = Literal["none", "luminance", "linear"]
DeviceName = Literal["auto", "cpu", "cuda", "mps"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]
StyleStatistic = Literal["mean-covariance", "gram"]

BACKBONES: tuple[str, ...] = get_args(Backbone)
POOLINGS: tuple[str, ...] = get_args(Pooling)
OPTIMIZERS: tuple[str, ...] = get_args(Optimizer)
INITS: tuple[str, ...] = get_args(Init)
COLOR_MODES: tuple[str, ...] = get_args(ColorMode)
DEVICES: tuple[str, ...] = get_args(DeviceName)
PRECISIONS: tuple[str, ...] = get_args(Precision)
STYLE_STATISTICS: tuple[str, ...] = get_args(StyleStatistic)

CONTENT_LAYERS_DEFAULT = ("relu4_2",)
STYLE_LAYERS_DEFAULT = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
MAX_STYLES = 8


@dataclass(frozen=True)
class Knob:
    """How one StyleParams field is described, checked and shown (CLI flag, app widget, API).

    ``widget`` says how the app shows it: "slider", "number", "radio", "checkbox", "layers"
    (a multi-select of VGG19 layer names), "layer_weights" (one slider per default style
    layer), or "" for knobs the app does not show.
    """

    help: str  # one line: the CLI's --help text and the app's info text
    label: str = ""  # the app's widget label
    limits: tuple[float, float] | None = None  # inclusive range that validate() enforces
    ui: tuple[float, float, float] | None = None  # app slider (minimum, maximum, step)
    choices: tuple[str, ...] = ()  # allowed values (from the field's Literal)
    widget: str = ""
    advanced: bool = False  # app: inside the "Advanced" accordion
    cli: bool = True  # has a --flag on the command line


def _knob(default: Any, **description: Any) -> Any:
    """A dataclass field whose metadata is its Knob (tuples are immutable: plain defaults)."""
    return field(default=default, metadata={"knob": Knob(**description)})


@dataclass(frozen=True)
class StyleParams:
    """One style-transfer run. Defaults give a good 512 px picture in well under a minute on CPU.

    Field order is the app's widget order and the /stylize API's parameter order (fields the
    app shows first, in the order existing API clients pass them).
    """

    style_weight: float = _knob(
        50.0,
        help="style strength: weight of the style loss (relative error of the style statistics)",
        label="Style strength",
        limits=(0.0, 1e6),
        ui=(0.5, 100, 0.5),
        widget="slider",
    )
    content_weight: float = _knob(
        8.0,  # at the default job; shorter jobs want less (benchmarks/RESULTS.md, seventh step)
        help="weight of the content loss (relative feature error at the content layers)",
        label="Content weight",
        limits=(0.0, 1e4),
        ui=(0, 30, 0.5),
        widget="slider",
    )
    steps: int = _knob(
        60,
        help="optimiser iterations in total, spread over the coarse-to-fine scales",
        label="Steps (iterations)",
        limits=(1, 10_000),
        ui=(10, 1000, 1),
        widget="slider",
    )
    size: int = _knob(
        512,
        help="long side of the output in pixels; the content's aspect ratio is kept",
        label="Output size (long side, px)",
        limits=(64, 4096),
        ui=(128, 2048, 32),
        widget="slider",
    )
    tv_weight: float = _knob(
        0.0,
        help="total-variation smoothness; 0 = off",
        label="Smoothness (total variation)",
        limits=(0.0, 1e4),
        ui=(0, 100, 1),
        widget="slider",
    )
    style_scale: float = _knob(
        1.0,
        help="style image long side relative to the output's long side",
        label="Style scale (brush size)",
        limits=(0.1, 4.0),
        ui=(0.25, 2.0, 0.05),
        widget="slider",
    )
    color: ColorMode = _knob(
        "none",
        help="colour preservation: none; luminance only; or linear colour transfer (the style recoloured to the content's colour mean and covariance)",
        label="Preserve the content's colours",
        choices=COLOR_MODES,
        widget="radio",
    )
    optimizer: Optimizer = _knob(
        "lbfgs",
        help="L-BFGS converges in far fewer iterations than Adam here",
        label="Optimiser",
        choices=OPTIMIZERS,
        widget="radio",
        advanced=True,
    )
    init: Init = _knob(
        "content",
        help="start image: the content, uniform noise, or the (resized) style",
        label="Start from",
        choices=INITS,
        widget="radio",
        advanced=True,
    )
    pooling: Pooling = _knob(
        "avg",
        help="average pooling gives smoother results (Gatys et al. 2016)",
        label="Pooling",
        choices=POOLINGS,
        widget="radio",
        advanced=True,
    )
    style_layer_weights: tuple[float, ...] = _knob(
        (),
        help="one weight per style layer; empty = equal",
        label="Style layer weight",
        ui=(0, 5, 0.1),
        widget="layer_weights",
        advanced=True,
    )
    multiscale: bool = _knob(
        True,
        help="coarse-to-fine: optimise at 1/4, 1/2, 1 of the size, upsampling between",
        label="Coarse-to-fine (faster at large sizes)",
        widget="checkbox",
        advanced=True,
    )
    seed: int = _knob(
        0,
        help="makes a run reproducible on the same device",
        label="Seed",
        limits=(0, 2**32 - 1),
        widget="number",
        advanced=True,
    )
    backbone: Backbone = _knob(
        "vgg19-caffe",
        help="bundled Caffe VGG19, or torchvision's (downloaded once)",
        label="Backbone (torchvision weights download once)",
        choices=BACKBONES,
        widget="radio",
        advanced=True,
    )
    content_layers: tuple[str, ...] = _knob(
        CONTENT_LAYERS_DEFAULT,
        help="VGG19 layers for the content loss",
        label="Content layers",
        widget="layers",
        advanced=True,
    )
    style_layers: tuple[str, ...] = _knob(
        STYLE_LAYERS_DEFAULT,
        help="VGG19 layers for the style loss",
        label="Style layers",
        widget="layers",
        advanced=True,
    )
    learning_rate: float = _knob(
        0.02,
        help="Adam only, in 0..1 pixel units; L-BFGS uses its own step size",
        label="Learning rate (Adam only)",
        limits=(1e-5, 10.0),
        ui=(0.001, 0.2, 0.001),
        widget="slider",
        advanced=True,
    )
    rank_rule: bool = _knob(
        True,
        help="use a style layer only where the style has over 2 positions per channel there "
        "(else its Gram matrix copies the painting's moons and faces, not its brushwork)",
    )  # no app widget: the app always keeps the rule (Explore turns it off in the library)
    style_statistic: StyleStatistic = _knob(
        "mean-covariance",
        help="what the style loss matches at each layer: the features' mean and covariance, "
        "or the Gram matrix of Gatys et al. (mostly the mean: less of the texture)",
        choices=STYLE_STATISTICS,
    )  # no app widget; Explore keeps the papers' Gram matrix
    style_blend: tuple[float, ...] = _knob(
        (), help="one weight per style image; empty = equal weights"
    )
    min_scale_size: int = _knob(
        128, help="smallest long side used by coarse-to-fine", limits=(64, 1024)
    )
    tile_size: int = _knob(
        -1,
        help="evaluate scales larger than this many px (long side) in tiles of it, exactly "
        "(memory of one tile); a multiple of 16; 0 = never tile; -1 = only where the "
        "device's memory needs it, in the largest tiles that fit",
        limits=(-1, 8192),
    )
    device: DeviceName = _knob(
        "auto", help="auto = CUDA, then Apple MPS, then CPU", choices=DEVICES
    )
    precision: Precision = _knob(
        "auto",
        help="network precision; auto = bf16/fp16 autocast where it is fast",
        choices=PRECISIONS,
    )
    preview_seconds: float = _knob(
        0.5,
        help="at most one preview image per this many seconds; 0 = every step",
        limits=(0.0, 3600.0),
        cli=False,
    )
    preview_every: int = _knob(
        0,
        help="also a preview every N iterations regardless of time; 0 = off",
        limits=(0, 1_000_000),
        cli=False,
    )

    def validate(self) -> StyleParams:
        """Return self if every field is acceptable, else raise ValueError naming the field."""
        for name, (low, high) in LIMITS.items():
            _check_number(name, getattr(self, name), low, high, integer=isinstance(low, int))
        for name, knob in KNOBS.items():
            value = getattr(self, name)
            if knob.choices and value not in knob.choices:
                raise ValueError(
                    f"{name} must be one of {', '.join(knob.choices)}; got {_show(value)}"
                )
        for name in ("multiscale", "rank_rule"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false; got {_show(getattr(self, name))}")
        for name in ("content_layers", "style_layers"):
            layers = getattr(self, name)
            if not isinstance(layers, tuple) or not layers:
                raise ValueError(
                    f"{name} must name at least one VGG19 layer, as a list; got {_show(layers)}"
                )
            for layer in layers:
                if layer not in LAYER_NAMES:
                    raise ValueError(
                        f"{name} has unknown layer {_show(layer)}; choose from relu1_1 ... "
                        "relu5_4 (conv/relu/pool names as in the VGG paper)"
                    )
        _check_weights("style_layer_weights", self.style_layer_weights, len(self.style_layers))
        _check_weights("style_blend", self.style_blend, None)
        if len(self.style_blend) > MAX_STYLES:
            raise ValueError(
                f"style_blend has {len(self.style_blend)} weights; at most {MAX_STYLES} "
                "(one per style image)"
            )
        if self.tile_size > 0 and (self.tile_size % 16 or self.tile_size < 64):
            raise ValueError(
                "tile_size must be -1 (automatic), 0 (never tile) or a multiple of 16 from 64; "
                f"got {self.tile_size}"
            )
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
        """Iterations per scale (28:14:18 with three scales, 55:45 with two).

        The final scale gets a large share although each of its steps costs 16x a step at the
        first: its fine brushwork decides how near the result's feature distribution gets to
        the painting's (W in benchmarks/RESULTS.md), and the coarse scales converge quickly.
        """
        shares = {1: [1.0], 2: [0.55, 0.45], 3: [28 / 60, 14 / 60, 18 / 60]}
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
        """Build and validate from a JSON-like dict (lists become tuples; missing keys take
        their defaults). Any bad value, of any type, or unknown key is a ValueError naming it."""
        if not isinstance(data, dict):
            raise ValueError(f"parameters must be a JSON object; got {_show(data)}")
        unknown = sorted(set(data) - set(KNOBS), key=str)
        if unknown:
            names = ", ".join(_show(name) for name in unknown[:5])
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            raise ValueError(f"unknown parameter(s): {names}{more}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        if values.get("color") == "histogram":
            # Before 2026-12 "linear" was called "histogram" (it never matched histograms):
            # result PNGs made then still restore.
            values["color"] = "linear"
        return cls(**values).validate()

    @classmethod
    def from_json(cls, text: str | bytes) -> StyleParams:
        """Parse, build and validate (``from_dict``); every failure is a one-line ValueError."""
        if not isinstance(text, (str, bytes, bytearray)):
            raise ValueError(f"parameters must be JSON text; got {type(text).__name__}")
        if len(text) > MAX_JSON_CHARS:
            # A run's settings take about 700 characters; far more is not ours.
            raise ValueError(
                f"parameters are too long ({len(text):,} characters; at most {MAX_JSON_CHARS:,})"
            )
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"parameters are not valid JSON: {error.msg}") from None
        except RecursionError:
            raise ValueError("parameters are not valid JSON: nested too deeply") from None
        except ValueError:  # an integer past Python's int_max_str_digits, or bad UTF-8
            raise ValueError(
                "parameters are not valid JSON: a value in them is unreadable"
            ) from None
        if not isinstance(data, dict):
            raise ValueError("parameters must be a JSON object")
        return cls.from_dict(data)


MAX_JSON_CHARS = 100_000  # from_json refuses longer text before parsing it
# Every knob's description, in field order; the CLI, the app and validate() read it.
KNOBS: dict[str, Knob] = {f.name: f.metadata["knob"] for f in dataclasses.fields(StyleParams)}
# Ranges (inclusive) for numeric fields: shared by validate(), the CLI and the UI sliders.
LIMITS: dict[str, tuple[float, float]] = {
    name: knob.limits for name, knob in KNOBS.items() if knob.limits
}


def _split(total: int, fractions: list[float]) -> list[int]:
    bounds = [0] + [round(total * c) for c in itertools.accumulate(fractions)]
    return [b - a for a, b in zip(bounds, bounds[1:])]


def preset_for(device_kind: str) -> StyleParams:
    """Defaults per hardware class: CPU favours speed, GPUs can afford larger output."""
    if device_kind in ("cuda", "mps"):
        return StyleParams(size=1024, steps=400)
    return StyleParams()


def _show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for an error message: one line, at most ``limit`` characters.

    Values come from untrusted files and API calls: a megabyte string, a 4000-digit integer
    or a list nested 900 deep must not become the message (or break making it)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # ints past int_max_str_digits; absurd nesting
        return f"a {type(value).__name__} too large to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_number(name: str, value: Any, low: float, high: float, integer: bool) -> None:
    kind = "an integer" if integer else "a number"
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        raise ValueError(f"{name} must be {kind} between {low:g} and {high:g}; got {_show(value)}")
    # Range first: math.isfinite overflows on huge ints; NaN fails every comparison.
    if not low <= value <= high or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"{name} must be between {low:g} and {high:g}; got {_show(value)}")


def _check_weights(name: str, weights: Any, expected: int | None) -> None:
    if not isinstance(weights, tuple):
        raise ValueError(f"{name} must be a list of numbers; got {_show(weights)}")
    if expected is not None and weights and len(weights) != expected:
        raise ValueError(f"{name} needs {expected} values (one per layer); got {len(weights)}")
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise ValueError(f"{name} must contain only numbers; got {_show(weight)}")
        # A comparison, not math.isfinite (which overflows on huge ints); NaN fails it too.
        if not 0 <= weight <= sys.float_info.max:
            raise ValueError(f"{name} values must be finite and >= 0; got {_show(weight)}")
    if weights and sum(weights) == 0:
        raise ValueError(f"{name} must not be all zeros")
    # Each weight is divided by their sum: an infinite sum would make every share 0.
    if not math.isfinite(sum(map(float, weights))):
        raise ValueError(f"{name} values are too large: their sum overflows")
