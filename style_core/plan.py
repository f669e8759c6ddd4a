"""A job's plan, made once: the scales it optimises, each one's size and steps, the size the
style images are used at, and how much of the network a step runs.

The engine runs this plan; the app's speed model, memory model, ETA and ZeroGPU duration read
it, so a change to what a job costs (print size, video) is made here and nowhere else.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from style_core import lbfgs, tiles
from style_core.images import fit_size
from style_core.layers import BLOCKS, LAYER_NAMES, channels
from style_core.memory import (
    Memory,
    history_pairs,
    network_bytes_per_pixel,
    optimiser_bytes_per_pixel,
    scale_bytes,
)
from style_core.params import StyleParams
from style_core.vgg import poolings_before

# Tile sizes the automatic choice tries, largest first (multiples of tiles.STRIDE).
TILE_SIZES = (2048, 1536, 1024, 768, 512, 384, 256)
# A tiled step runs each window twice: a forward pass without gradients (the statistics'
# sums), then forward and backward. The first costs about this share of the second
# (benchmarks/print_size.py measures it).
GATHER_SHARE = 0.35
UNLIMITED = Memory(budget=math.inf, element_bytes=4)  # no budget: never tile automatically


@dataclass(frozen=True)
class ScalePlan:
    """One coarse-to-fine scale."""

    size: tuple[int, int]  # (width, height) optimised at this scale
    steps: int  # iterations at this scale
    style_side: int  # long side the style images are used at
    tile: int = 0  # evaluated in tiles of this many px (style_core.tiles); 0 = whole
    windows: tuple[int, ...] = ()  # tiled: the pixels of each tile's window (core and margins)
    history: int = lbfgs.HISTORY_SIZE  # L-BFGS curvature pairs kept (memory.history_pairs)
    peak_bytes: int = 0  # memory this scale needs at its peak (style_core.memory)
    # Multiply-adds per pixel of the network this scale runs, a share of the default one's
    # (network_work): it stops at the deepest layer it matches, and small scales match fewer.
    network_work: float = 1.0

    @property
    def pixels(self) -> int:
        return self.size[0] * self.size[1]

    @property
    def passes(self) -> tuple[int, ...]:
        """The pixels of each network pass of a step: the scale's own, or each window's."""
        return self.windows if self.tile else (self.pixels,)

    @property
    def window_pixels(self) -> int:
        """The pixels the network sees once over the scale: its own, or its tiles' windows."""
        return sum(self.passes)

    @property
    def evaluated_pixels(self) -> float:
        """Pixels one step runs the network on, forward and backward: the scale's own, or,
        tiled, each window's twice (the statistics' pass without gradients counted at
        GATHER_SHARE of a full one)."""
        return self.window_pixels * self._pass_share

    @property
    def evaluated_pixels_squared(self) -> float:
        """As evaluated_pixels, each pass's pixels counted times its own: on a CPU a larger
        pass costs more per pixel (style_app.speed)."""
        return sum(pixels * pixels for pixels in self.passes) * self._pass_share

    @property
    def _pass_share(self) -> float:
        return 1 + GATHER_SHARE if self.tile else 1.0


@dataclass(frozen=True)
class JobPlan:
    """Every scale of a job, smallest first; the last is the output's size."""

    scales: tuple[ScalePlan, ...]

    @property
    def output_size(self) -> tuple[int, int]:
        return self.scales[-1].size

    @property
    def steps(self) -> int:
        return sum(scale.steps for scale in self.scales)

    @property
    def peak_bytes(self) -> int:
        return max(scale.peak_bytes for scale in self.scales)

    @property
    def network_work(self) -> float:
        """The deepest network any scale runs, a share of the default one's (network_work)."""
        return max(scale.network_work for scale in self.scales)

    def work(self) -> list[float]:
        """Relative cost of each scale: iterations x pixels the network runs on (a VGG pass
        is linear in pixels)."""
        return [scale.steps * scale.evaluated_pixels for scale in self.scales]


def plan_job(
    params: StyleParams,
    content_size: tuple[int, int],
    memory: Memory = UNLIMITED,
    start_side: int = 0,
    style_sizes: Sequence[tuple[int, int]] = (),
) -> JobPlan:
    """The plan of a job on a content image of this (width, height), on a device with this
    ``memory`` (which decides the automatic tile size, ``tile_size=-1``). ``start_side``: the
    long side of a finished result the job continues from (Enlarge; ``enlarge_sides``), or
    refines at its own size (a video frame from the one before). ``style_sizes``: the style
    pictures' (width, height), which decide how deep each scale's network runs (none: as
    large as each scale uses them, the deepest it can be)."""
    if start_side:
        same = start_side == params.size
        sides = [params.size] if same else enlarge_sides(start_side, params.size)
        if params.steps < len(sides):
            raise ValueError(
                f"steps must be at least {len(sides)} to enlarge {start_side} px to "
                f"{params.size} px (one per scale: {', '.join(map(str, sides))}); "
                f"got {params.steps}"
            )
        steps = [
            params.steps // len(sides) + (i < params.steps % len(sides)) for i in range(len(sides))
        ]
    else:
        sides, steps = params.scale_sizes(), params.scale_steps()
    scales = tuple(
        _scale(params, fit_size(*content_size, side), count, memory, style_sizes)
        for side, count in zip(sides, steps, strict=True)
    )
    return JobPlan(scales)


def scale_network_work(
    params: StyleParams, style_long_side: int, style_sizes: Sequence[tuple[int, int]] = ()
) -> float:
    """The share of the default network's work a scale runs, its styles used at this long
    side: the network stops at the deepest layer it matches (the rank rule, describes_texture,
    keeps only the layers the style pictures have positions for). Style sizes unknown: square
    pictures of that side, the most positions a scale can count."""
    square = [(style_long_side, style_long_side)]
    layers = params.content_layers + scale_style_layers(
        params, style_long_side, style_sizes or square
    )
    return network_work(max(layers, key=LAYER_NAMES.index))


def scale_style_layers(
    params: StyleParams, style_long_side: int, style_sizes: Sequence[tuple[int, int]]
) -> tuple[str, ...]:
    """The style layers a scale matches for style pictures of these (width, height), used at
    this long side: the rank rule on each picture's own pixels there (never upscaled)."""
    return matched_layers(params, [own_pixels(size, style_long_side) for size in style_sizes])


def _scale(
    params: StyleParams,
    size: tuple[int, int],
    steps: int,
    memory: Memory,
    style_sizes: Sequence[tuple[int, int]],
) -> ScalePlan:
    """One scale's plan: whole if its tile size allows, else its tiles and their memory."""
    width, height = size
    history = history_pairs(width * height, steps, lbfgs.HISTORY_SIZE, memory.budget)
    per_pixel = optimiser_bytes_per_pixel(params.optimizer, history)
    network = network_bytes_per_pixel(params.style_layers, params.style_statistic, memory)
    layers = params.content_layers + params.style_layers
    side = style_side(params, max(size))
    work = scale_network_work(params, side, style_sizes)  # whatever the tiles

    def planned(tile: int) -> ScalePlan:
        grid = tiles.tiles(height, width, tile, tiles.margin_for(layers)) if tile else []
        windows = [(w[1] - w[0]) * (w[3] - w[2]) for w in (t.window for t in grid)]
        seen = max(windows) if tile else width * height
        need = scale_bytes(width * height, seen, per_pixel, network)
        return ScalePlan(size, steps, side, tile, tuple(windows), history, need, work)

    if params.tile_size > 0:
        return planned(params.tile_size if max(size) > params.tile_size else 0)
    whole = planned(0)
    if params.tile_size == 0 or whole.peak_bytes <= memory.budget:
        return whole
    fitting = (planned(tile) for tile in TILE_SIZES if tile < max(size))
    return next((p for p in fitting if p.peak_bytes <= memory.budget), planned(TILE_SIZES[-1]))


def enlarge_sides(start_side: int, size: int) -> list[int]:
    """The scales that continue a result of ``start_side`` px up to ``size`` px, as
    coarse-to-fine makes them: the size, halved while a half is still well above the start
    (``ENLARGE_MIN_STEP``); smallest first."""
    if size <= start_side:
        raise ValueError(
            f"size must be larger than the result's {start_side} px to enlarge it; got {size}"
        )
    sides = [size]
    while sides[0] // 2 >= ENLARGE_MIN_STEP * start_side:
        sides.insert(0, sides[0] // 2)
    return sides


# A scale of its own only from this far above the one before: 256 -> 640 px goes in one step
# (a 320 px scale would redo most of what 256 px did).
ENLARGE_MIN_STEP = 1.4


def enlarge_params(
    params: StyleParams, start_side: int, size: int, steps: int | None = None
) -> StyleParams:
    """The settings that continue a finished ``start_side`` px result of ``params`` up to
    ``size`` px (``stylize(..., start=result)``): the same job, its size and steps changed.
    ``steps`` (None: as many per new scale as the job's own last scale took) are shared
    equally between the new scales."""
    sides = enlarge_sides(start_side, size)
    if steps is None:
        steps = params.scale_steps()[-1] * len(sides)
    return params.replace(size=size, steps=steps).validate()


def style_side(params: StyleParams, output_long_side: int) -> int:
    """Long side of the style images for an output of this long side (``style_scale``)."""
    return max(16, round(output_long_side * params.style_scale))


def own_size_style_scale(params: StyleParams, style_long_side: int, step: float = 0.01) -> float:
    """The largest ``style_scale``, a multiple of ``step``, that uses a style picture of this
    long side at its own size (no larger: a style picture smaller than ``style_side`` is
    blurred up to it, which keeps the brush size and softens the strokes)."""
    return math.floor(style_long_side / params.size / step + 1e-9) * step


class StyleScaleKnob(NamedTuple):
    """The style scale as a note's reader can change it."""

    name: str  # what it is called there: "Style scale" on the page, "--style-scale" on the CLI
    lowest: float  # the lowest value offered there
    step: float  # the values offered there are multiples of this


def small_style_note(
    params: StyleParams, name: str, style_size: tuple[int, int], knob: StyleScaleKnob | None
) -> str | None:
    """Why a style picture smaller than the size it is used at looks soft (None: it is not
    smaller): it is blurred up, so that its strokes keep the size the style scale asks for
    (benchmarks/RESULTS.md, "A style smaller than the output"), and the style scale that uses
    it at its own size, where ``knob`` offers one."""
    width, height = style_size
    side = style_side(params, params.size)
    if max(style_size) >= side:
        return None
    advice = ""
    if knob is not None:
        scale = own_size_style_scale(params, max(style_size), knob.step)
        if scale >= knob.lowest:
            advice = (
                f"; {knob.name} {scale:.2f} uses it at its own size, sharp but with finer strokes"
            )
    return (
        f"{name} is {width}x{height}, smaller than the {side} px it is used at: its strokes are "
        f"blurred up to keep their size (a larger picture of it keeps them sharp{advice})"
    )


# A style layer needs more than this many style positions per channel (describes_texture).
STYLE_POSITIONS_PER_CHANNEL = 2


def describes_texture(layer: str, style_size: tuple[int, int]) -> bool:
    """Whether a style picture of this (width, height) has enough positions at this layer for
    its statistics to describe its texture rather than its layout.

    A Gram matrix or covariance averaged over fewer positions than it has channels is
    rank-deficient, and near that it still pins down the painting's few large shapes (the
    moon, one swirl, a face) rather than its brushwork: matching it pastes those shapes into
    the picture. So every scale uses a layer only where the style has more than
    STYLE_POSITIONS_PER_CHANNEL positions per channel, counted in the picture's own pixels (a
    small style upscaled to the output's scale has no more). At 512 px that drops relu5_1 for
    every style (a 512x512 one has exactly 2 per channel, and pasted a face in
    benchmarks/RESULTS.md, "Engine v3"); relu4_1 stays from 384 px up. Gatys et al. use every
    layer at every size; ``rank_rule=False`` does the same.
    """
    width, height = style_size
    poolings = poolings_before(layer)
    positions = (height >> poolings) * (width >> poolings)
    return positions > STYLE_POSITIONS_PER_CHANNEL * channels(layer)


def matched_layers(params: StyleParams, style_sizes: Sequence[tuple[int, int]]) -> tuple[str, ...]:
    """The style layers a scale matches: those that describe every style's texture (the rank
    rule, describes_texture), or all with ``rank_rule=False``. A tiny scale still gets the
    shallowest layer."""
    if not params.rank_rule:
        return params.style_layers
    kept = tuple(
        name
        for name in params.style_layers
        if all(describes_texture(name, size) for size in style_sizes)
    )
    return kept or params.style_layers[:1]


def own_pixels(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """(width, height) of a style picture of this size fitted to long_side, never upscaled."""
    return fit_size(*size, min(long_side, max(size)))


@functools.cache
def network_work(deepest: str) -> float:
    """Multiply-adds per pixel of a network stopped at this layer, as a share of the default
    network's (up to relu5_1): relu2_2 0.26, relu4_2 0.77. How much of a step's time that saves
    depends on the device (style_app.speed times it)."""
    work = []  # (conv layer name, multiply-adds per input pixel)
    in_channels = 3
    for block, convs in BLOCKS:
        for conv in range(1, convs + 1):
            name = f"conv{block}_{conv}"
            work.append((name, 9 * in_channels * channels(name) / 4 ** (block - 1)))
            in_channels = channels(name)
    position = LAYER_NAMES.index(deepest)
    full = sum(cost for name, cost in work if LAYER_NAMES.index(name) <= _RELU5_1)
    return sum(cost for name, cost in work if LAYER_NAMES.index(name) <= position) / full


_RELU5_1 = LAYER_NAMES.index("relu5_1")
