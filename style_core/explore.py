"""Explore: the experiments that explain style transfer, as streams of labelled panels.

Five experiments (issue 16), each a generator of ``ExploreFrame`` snapshots that carry every
planned ``Panel`` (blank until it forms; previews while it forms). All optimisation is
``engine.stylize`` with its own parameters, never a second loop:

- a content reconstruction is a run with style_weight=0, one content layer, from noise;
- a texture is a run with content_weight=0 from noise, whose "content" is a grey image that
  only sets the size;
- a trade-off cell is an ordinary run with its own layers and weights.

"What the network sees" needs no optimisation: one forward pass per image.

Usage::

    for frame in explore("content-layers", ["photo.jpg"]):
        show([panel.image for panel in frame.panels])
    save_grid(frame, "grid.png")  # one labelled picture, settings embedded

Stop early by closing the generator (or just stop iterating): the run in progress stops.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from PIL import Image, PngImagePlugin

from style_core import explore_draw as draw
from style_core.engine import stylize
from style_core.explore_network import (
    cluster_order,
    correlations,
    layer_features,
    strongest_patches,
)
from style_core.images import ImageInput, fit_size, load_image, resize
from style_core.params import DEVICES, LIMITS, DeviceName, Knob, StyleParams
from style_core.vgg import LAYER_NAMES, poolings_before

ROOT = Path(__file__).resolve().parents[1]
# The default pictures, shared with the demo's examples (credited in examples/README.md).
DEFAULT_IMAGES = {
    "photo": ROOT / "examples" / "content_chelsea.jpg",
    "style": ROOT / "examples" / "style_starry_night.jpg",
}
GRID_KEY = "explore"  # PNG text chunk of a saved grid: experiment, settings, labels (JSON)
MAX_PANELS = 36  # a trade-off grid of 6 x 6 cells; more would take minutes even on a GPU
RATIO_LIMITS = (1e-6, 1e4)  # content/style weight ratio: StyleParams' weight ranges allow it
REFERENCE_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


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


@dataclass(frozen=True)
class Panel:
    """One labelled picture of an experiment: blank until it forms, then previews, then final."""

    label: str
    image: Image.Image | None = None  # latest preview; the final picture once done
    losses: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    history: tuple[float, ...] = ()  # the run's total loss after each iteration (runs only)
    done: bool = False


@dataclass(frozen=True)
class ExploreFrame:
    """Progress of an experiment: every planned panel, in grid order (row by row)."""

    experiment: str  # its name in EXPERIMENTS
    panels: tuple[Panel, ...]
    columns: int  # panels per grid row
    current: int | None  # index of the panel forming now; None once done
    elapsed: float  # seconds since the experiment started
    progress: float  # 0..1, share of the planned work (iterations x pixels) done
    settings: ExploreSettings  # resolved: None only where the experiment has no use for it
    done: bool = False


@dataclass(frozen=True)
class _Job:
    """One panel's work: ``states`` yields (panel, fraction of this job done) as it forms."""

    label: str
    states: Callable[[], Iterator[tuple[Panel, float]]]
    work: float  # iterations x pixels, the engine's unit (engine.scale_work); 1 if no run


@dataclass(frozen=True)
class Experiment:
    """One experiment: what it shows, which images and settings it takes, and its defaults."""

    name: str
    title: str
    caption: str  # two or three sentences on what to notice, shown under the grid
    images: tuple[str, ...]  # the role of each input image, in order: "photo", "style"
    uses: tuple[str, ...]  # the ExploreSettings it reads; others must keep their defaults
    size: int  # default panel size: each experiment finishes in about a minute on 2 CPU cores
    steps: int  # default L-BFGS iterations per panel (0: no optimisation)
    layers: tuple[str, ...]  # default layers
    # Builds the panels' jobs from the decoded images; returns them and the grid's columns.
    plan: Callable[[list[Image.Image], ExploreSettings], tuple[list[_Job], int]]
    ratios: tuple[float, ...] = ()  # default ratios (tradeoff)
    # Recomputes panels that summarise others (the init experiment's loss curves).
    derive: Callable[[list[Panel]], None] | None = None


# --------------------------------------------------------------------------------------
# Entry point


def explore(
    experiment: str,
    images: Sequence[ImageInput] | None = None,
    settings: ExploreSettings | None = None,
) -> Iterator[ExploreFrame]:
    """Start an experiment; iterate the result for its frames (the last has ``done=True``).

    ``images``: one per role in ``EXPERIMENTS[experiment].images`` (None: the defaults).
    Raises ValueError (ImageError for images) on bad input, here, before any heavy work.
    """
    started = time.perf_counter()
    # 1. Which experiment, with which settings.
    spec = _experiment(experiment)
    settings = resolve(spec, settings or DEFAULT_SETTINGS)
    # 2. Decode the images (ImageError names the bad one).
    loaded = _load_images(spec, images, settings.size)
    # 3. Plan every panel; the work starts on the first next().
    jobs, columns = spec.plan(loaded, settings)
    return _stream(spec, settings, jobs, columns, started)


def _experiment(name: str) -> Experiment:
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {', '.join(EXPERIMENTS)}; got {name!r}")
    return EXPERIMENTS[name]


def planned_work(
    experiment: str,
    images: Sequence[ImageInput] | None = None,
    settings: ExploreSettings | None = None,
) -> float:
    """The experiment's optimisation work in the engine's unit, iterations x pixels (see
    ``engine.scale_work``), for a time estimate before Run; 0 for "network", which only
    runs two forward passes. Checks its input like ``explore``. An upper bound: a content
    reconstruction at a shallow layer stops the network early and costs less."""
    spec = _experiment(experiment)
    settings = resolve(spec, settings or DEFAULT_SETTINGS)
    loaded = _load_images(spec, images, settings.size)
    if spec.steps == 0:
        return 0.0
    jobs, _ = spec.plan(loaded, settings)
    return float(sum(job.work for job in jobs))  # a picture counts 1: nothing next to a run


def _stream(
    spec: Experiment, settings: ExploreSettings, jobs: list[_Job], columns: int, started: float
) -> Iterator[ExploreFrame]:
    panels = [Panel(job.label) for job in jobs]
    total, finished = sum(job.work for job in jobs), 0.0

    def frame(current: int | None, share: float) -> ExploreFrame:
        if spec.derive:
            spec.derive(panels)
        return ExploreFrame(
            experiment=spec.name,
            panels=tuple(panels),
            columns=columns,
            current=current,
            elapsed=time.perf_counter() - started,
            progress=min(1.0, share),
            settings=settings,
            done=current is None,
        )

    for index, job in enumerate(jobs):
        with closing(job.states()) as states:  # closing the stream stops the run at once
            for panel, fraction in states:
                panels[index] = panel
                yield frame(index, (finished + job.work * fraction) / total)
        finished += job.work
    yield frame(None, 1.0)


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


def _load_images(
    spec: Experiment, images: Sequence[ImageInput] | None, size: int
) -> list[Image.Image]:
    if images is None:
        images = [DEFAULT_IMAGES[role] for role in spec.images]
    if isinstance(images, (str, bytes, os.PathLike, Image.Image)) or not isinstance(
        images, Sequence
    ):
        images = [images]
    if len(images) != len(spec.images):
        roles = " and ".join(f"a {role}" for role in spec.images)
        raise ValueError(
            f"images: {spec.name} takes {len(spec.images)} ({roles}); got {len(images)}"
        )
    return [load_image(image, role, max_side=size) for image, role in zip(images, spec.images)]


# --------------------------------------------------------------------------------------
# Building blocks: a run of the engine as a panel, a ready picture as a panel


def _run_job(
    label: str,
    content: Image.Image,
    style: Image.Image,
    params: StyleParams,
    finish: Callable[[Image.Image], Image.Image] | None = None,
) -> _Job:
    params = params.validate()
    width, height = fit_size(*content.size, params.size)

    def states() -> Iterator[tuple[Panel, float]]:
        history: list[float] = []
        with closing(stylize(content, [style], params)) as run:
            for snapshot in run:
                if not snapshot.done:
                    history.append(snapshot.losses["total"])
                if snapshot.image is None:
                    continue
                image = finish(snapshot.image) if finish else snapshot.image
                panel = Panel(label, image, snapshot.losses, tuple(history), snapshot.done)
                yield panel, snapshot.progress

    return _Job(label, states, work=params.steps * width * height)


def _picture_job(label: str, make: Callable[[], Image.Image]) -> _Job:
    def states() -> Iterator[tuple[Panel, float]]:
        yield Panel(label, make(), done=True), 1.0

    return _Job(label, states, work=1.0)


def _base_params(settings: ExploreSettings, **changes: Any) -> StyleParams:
    # One scale, as in the papers: each panel is a small, short run.
    base = {
        "size": settings.size,
        "steps": settings.steps,
        "seed": settings.seed,
        "device": settings.device,
        "multiscale": False,
        # Every layer asked for, as in the papers: the point is to show what each one does
        # (deep layers of a small style copy its shapes; the rank rule would hide that).
        "rank_rule": False,
        # The papers' Gram matrix: the experiments explain Gatys et al.'s method.
        "style_statistic": "gram",
    }
    return StyleParams(**{**base, **changes})


def style_set(deepest: str) -> tuple[str, ...]:
    """The growing style-layer set that ends at ``deepest``: the first ReLU of every block
    shallower than it, then it (relu3_1 -> relu1_1, relu2_1, relu3_1), as in Gatys et al.'s
    figures."""
    depth = LAYER_NAMES.index(deepest)
    before = tuple(name for name in REFERENCE_STYLE_LAYERS if LAYER_NAMES.index(name) < depth)
    return before + (deepest,)


def set_label(layers: Sequence[str]) -> str:
    return layers[0] if len(layers) == 1 else f"{layers[0]}…{layers[-1]}"


def _fitted(image: Image.Image, size: int) -> Image.Image:
    return resize(image, fit_size(*image.size, size))


# --------------------------------------------------------------------------------------
# 1-4: experiments that optimise


def _plan_content_layers(
    images: list[Image.Image], settings: ExploreSettings
) -> tuple[list[_Job], int]:
    (photo,) = images
    jobs = [_picture_job("photo (the target)", lambda: _fitted(photo, settings.size))]
    for layer in settings.layers:
        # Content only: no style weight; the style image is only there because stylize
        # needs one, and relu1_1 keeps its (unused) Gram matrices cheap.
        params = _base_params(
            settings,
            style_weight=0.0,
            content_weight=1.0,
            content_layers=(layer,),
            style_layers=("relu1_1",),
            init="noise",
        )
        jobs.append(_run_job(f"from {layer}", photo, photo, params))
    return jobs, len(jobs)


def _plan_texture_layers(
    images: list[Image.Image], settings: ExploreSettings
) -> tuple[list[_Job], int]:
    (style,) = images
    # The "content" only sets the texture's size (the painting's aspect ratio); its loss
    # has weight 0, at the shallowest layer so that it costs next to nothing.
    canvas = Image.new("RGB", fit_size(*style.size, settings.size), (128, 128, 128))
    finish = draw.make_tileable if settings.tileable else None
    jobs = [_picture_job("painting (the target)", lambda: _fitted(style, settings.size))]
    sets = [style_set(layer) for layer in settings.layers]
    # The deepest set twice, with two seeds: same statistics, another layout.
    runs = [(layers, settings.seed) for layers in sets] + [(sets[-1], settings.seed + 1)]
    for index, (layers, seed) in enumerate(runs):
        params = _base_params(
            settings,
            seed=seed,
            content_weight=0.0,  # the style weight stays the engine's: L-BFGS has no line
            # search, so the loss's scale sets its first steps' size
            content_layers=(layers[0],),
            style_layers=layers,
            init="noise",
        )
        label = set_label(layers)
        label += f", seed {seed}" if index >= len(sets) - 1 else ""
        jobs.append(_run_job(label, canvas, style, params, finish))
    return jobs, len(jobs)


def ratio_weights(ratio: float) -> tuple[float, float]:
    """(content_weight, style_weight) with this ratio, both inside StyleParams' ranges.

    The style weight stays at the engine's default where it can: L-BFGS here takes fixed
    unit steps (no line search), so a style weight of 10^4 from "content weight 1" would
    take steps so large that a cell stalls; shrinking the content weight instead keeps each
    cell's steps like an ordinary run's.
    """
    style_weight = StyleParams().style_weight
    content_weight = ratio * style_weight
    high = LIMITS["content_weight"][1]
    if content_weight > high:
        return high, high / ratio
    return content_weight, style_weight


def _plan_tradeoff(images: list[Image.Image], settings: ExploreSettings) -> tuple[list[_Job], int]:
    photo, style = images
    jobs = []
    for layer in settings.layers:
        layers = style_set(layer)
        for ratio in settings.ratios:
            content_weight, style_weight = ratio_weights(ratio)
            # Departure from the paper's figure: cells start from the photo, not from noise,
            # so that a few steps per cell suffice (Gatys et al. 2016 show both converge alike).
            params = _base_params(
                settings,
                content_weight=content_weight,
                style_weight=style_weight,
                style_layers=layers,
                init="content",
            )
            jobs.append(_run_job(f"{set_label(layers)} · {ratio:g}", photo, style, params))
    return jobs, len(settings.ratios)


INIT_LABELS = ("from the photo", "from noise")


def _plan_init(images: list[Image.Image], settings: ExploreSettings) -> tuple[list[_Job], int]:
    photo, style = images
    jobs = [
        _run_job(label, photo, style, _base_params(settings, init=init))
        for label, init in zip(INIT_LABELS, ("content", "noise"))
    ]
    # The curves are drawn by _derive_curves from the two runs' histories, as they grow.
    jobs.append(_Job("loss curves", _no_states, work=0.0))
    return jobs, len(jobs)


def _no_states() -> Iterator[tuple[Panel, float]]:
    """A panel with no work of its own (drawn by ``Experiment.derive``)."""
    yield from ()


def _derive_curves(panels: list[Panel]) -> None:
    runs = panels[: len(INIT_LABELS)]
    histories = {panel.label: panel.history for panel in runs}
    if not any(histories.values()):
        return
    side = max((max(p.image.size) for p in runs if p.image is not None), default=256)
    curves = draw.loss_curves(histories, (side, round(side * 0.75)), "total loss")
    panels[-1] = Panel("loss curves", curves, done=all(p.done for p in runs))


# --------------------------------------------------------------------------------------
# 5: what the network sees (no optimisation; the analysis is in explore_network)


PATCHES = 9  # a 3 x 3 mosaic
PATCH_BORDERS = ((31, 119, 180), (255, 127, 14))  # blue: from the photo; orange: the painting


def _plan_network(images: list[Image.Image], settings: ExploreSettings) -> tuple[list[_Job], int]:
    photo, style = (_fitted(image, settings.size) for image in images)
    layer = settings.layers[0]
    # One forward pass per image: cheap next to any optimisation, so it runs here.
    seen_photo = layer_features(photo, layer, settings.device)  # (C, h, w)
    seen_style = layer_features(style, layer, settings.device)
    spread = seen_photo.flatten(1).std(1)  # channels whose map varies most show the most
    shown = spread.argsort(descending=True)[: settings.maps].tolist()
    channel = shown[0] if settings.channel is None else settings.channel

    def feature_map(index: int) -> Image.Image:
        return draw.map_image(seen_photo[index].numpy(), photo.size)

    def gram_picture() -> Image.Image:
        channels, height, width = seen_style.shape
        flat = seen_style.reshape(channels, height * width)
        similarity = correlations(flat @ flat.T)  # the Gram matrix, each channel's norm 1
        order = cluster_order(similarity)
        matrix = similarity[order][:, order].numpy()
        off_diagonal = matrix[~np.eye(len(matrix), dtype=bool)]
        # Colours span the off-diagonal values (2nd to 98th percentile): the diagonal's 1s
        # and a few outliers would otherwise squeeze the structure into one shade.
        low, high = np.percentile(off_diagonal, [2, 98])
        matrix = np.clip((matrix - low) / max(high - low, 1e-12), 0, 1)
        return draw.map_image(matrix, (settings.size, settings.size))

    def patches() -> Image.Image:
        found = strongest_patches(
            [(photo, seen_photo[channel]), (style, seen_style[channel])], layer, PATCHES
        )
        tile = (settings.size - 4) // 3
        framed = [_framed(crop, PATCH_BORDERS[source]) for source, crop in found]
        return draw.mosaic(framed, columns=3, tile=tile)

    channels = seen_style.shape[0]
    jobs = [_picture_job("photo", lambda: photo)]
    jobs += [_picture_job(f"{layer} channel {c}", lambda c=c: feature_map(c)) for c in shown]
    jobs += [
        _picture_job("painting", lambda: style),
        _picture_job(
            f"painting's Gram matrix at {layer} ({channels} channels, similar ones together)",
            gram_picture,
        ),
        _picture_job(
            f"channel {channel}: its {PATCHES} strongest patches (blue: photo, orange: painting)",
            patches,
        ),
    ]
    return jobs, math.ceil(len(jobs) / 2)


def _framed(image: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    side = max(image.size)
    framed = Image.new("RGB", (side + 6, side + 6), colour)
    framed.paste(image.resize((side, side), Image.Resampling.LANCZOS), (3, 3))
    return framed


# --------------------------------------------------------------------------------------
# The five experiments, in the order they tell the story

EXPERIMENTS: dict[str, Experiment] = {
    spec.name: spec
    for spec in (
        Experiment(
            name="content-layers",
            title="1. Content reconstruction by layer",
            caption=(
                "Each panel starts from white noise and changes only its pixels until its "
                "features at one VGG19 layer match the photo's (Gatys, Ecker & Bethge 2016, "
                "Image Style Transfer Using Convolutional Neural Networks, Fig. 1). Shallow "
                "layers give the photo back almost exactly; deep ones keep where things are "
                "but let go of exact colours and fine texture, which is why style transfer "
                "takes its content from relu4_2. Run it again with another seed: the noise "
                "changes, the reconstruction hardly does, so what a layer keeps is the photo."
            ),
            images=("photo",),
            uses=("size", "steps", "seed", "layers", "device"),
            size=192,
            steps=30,
            layers=("relu1_2", "relu2_2", "relu3_2", "relu4_2", "relu5_2"),
            plan=_plan_content_layers,
        ),
        Experiment(
            name="texture-layers",
            title="2. Texture synthesis by layer",
            caption=(
                "From white noise, only the Gram matrices of the painting's features (which "
                "channels fire together) are matched, over a growing set of layers (Gatys, "
                "Ecker & Bethge 2015, Texture Synthesis Using Convolutional Neural Networks). "
                "relu1_1 alone gives colour splotches; each deeper layer adds larger "
                "structure, from brush strokes to whole swirls (with a portrait, eyes float "
                "about). The last two panels differ only in their noise seed: the same style "
                "in another layout, because a Gram matrix averages over positions."
            ),
            images=("style",),
            uses=("size", "steps", "seed", "layers", "tileable", "device"),
            size=160,
            steps=40,
            layers=REFERENCE_STYLE_LAYERS,
            plan=_plan_texture_layers,
        ),
        Experiment(
            name="tradeoff",
            title="3. The content/style trade-off",
            caption=(
                "Rows: the layers that carry the style, from relu1_1 alone down to relu1_1 "
                "to relu5_1; columns: the content weight divided by the style weight, a "
                "decade apart (Gatys, Ecker & Bethge 2016, Fig. 3). To the left the style "
                "wins and the photo dissolves into the painting's texture; to the right the "
                "photo wins. Deeper style layers carry larger, more painterly structure. "
                "Cells start from the photo (the paper starts from noise) so few steps do."
            ),
            images=("photo", "style"),
            uses=("size", "steps", "seed", "layers", "ratios", "device"),
            size=128,
            steps=30,
            layers=("relu1_1", "relu3_1", "relu5_1"),  # three of the paper's five rows
            ratios=(1e-2, 1e-1, 1.0, 10.0),
            plan=_plan_tradeoff,
        ),
        Experiment(
            name="init",
            title="4. Start from the photo or from noise",
            caption=(
                "The same run (default weights and layers) started from the photo and from "
                "white noise, with the total loss after every iteration. Both start about "
                "as far from the goal (the photo has the content but not the style, noise "
                "has neither) and end at a similar loss, but in different pictures: from "
                "the photo the layout survives, from noise the picture is more textured and "
                "the photo shows only faintly. The loss is not convex, so the start decides "
                "which optimum is found (compare Gatys, Ecker & Bethge 2016, Fig. 6)."
            ),
            images=("photo", "style"),
            uses=("size", "steps", "seed", "device"),
            size=160,
            steps=50,
            layers=(),  # the engine's default layers
            plan=_plan_init,
            derive=_derive_curves,
        ),
        Experiment(
            name="network",
            title="5. What the network sees",
            caption=(
                "At one VGG19 layer: the photo's feature maps that vary most (bright = the "
                "channel fires there), the painting's Gram matrix, that is how strongly each "
                "pair of channels fires together, the very statistic style transfer matches "
                "(channels ordered so that similar ones sit together), and for one channel "
                "the patches of both images that excite it most, each the size of the "
                "channel's receptive field. Shallow channels answer colours and edges; deep "
                "ones answer textures and parts of objects."
            ),
            images=("photo", "style"),
            uses=("size", "layers", "maps", "channel", "device"),
            size=256,
            steps=0,
            layers=("relu3_1",),
            plan=_plan_network,
        ),
    )
}


# --------------------------------------------------------------------------------------
# One picture of a frame


def grid_image(frame: ExploreFrame) -> Image.Image:
    """The frame's panels as one labelled grid, titled with the experiment."""
    cells = [(panel.label, panel.image) for panel in frame.panels]
    return draw.grid(cells, frame.columns, EXPERIMENTS[frame.experiment].title)


def save_grid(frame: ExploreFrame, path: str | os.PathLike) -> Path:
    """Save ``grid_image`` as PNG with the experiment, its settings and the panel labels as
    a JSON text chunk (key ``explore``); ``read_grid`` reads them back."""
    info = PngImagePlugin.PngInfo()
    record = {
        "experiment": frame.experiment,
        "settings": json.loads(frame.settings.to_json()),
        "labels": [panel.label for panel in frame.panels],
    }
    info.add_text(GRID_KEY, json.dumps(record, sort_keys=True))
    path = Path(path)
    grid_image(frame).save(path, format="PNG", pnginfo=info, optimize=True)
    return path


def read_grid(source: str | os.PathLike) -> tuple[str, ExploreSettings] | None:
    """(experiment, settings) embedded by ``save_grid``, or None if the PNG carries none."""
    with Image.open(source) as image:
        text = image.text.get(GRID_KEY) if hasattr(image, "text") else None
    if not text:
        return None
    record = json.loads(text)
    return record["experiment"], ExploreSettings.from_dict(record["settings"])


def knob_type(name: str) -> Any:
    """A setting's type, resolved from its annotation (for generated CLI flags and widgets)."""
    return typing.get_type_hints(ExploreSettings)[name]
