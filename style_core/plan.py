"""A job's plan, made once: the scales it optimises, each one's size and steps, the size the
style images are used at, and how much of the network a step runs.

The engine runs this plan; the app's speed model, memory model, ETA and ZeroGPU duration read
it, so a change to what a job costs (print size, video) is made here and nowhere else.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from style_core.images import fit_size
from style_core.layers import BLOCKS, LAYER_NAMES, channels
from style_core.params import StyleParams


@dataclass(frozen=True)
class ScalePlan:
    """One coarse-to-fine scale."""

    size: tuple[int, int]  # (width, height) optimised at this scale
    steps: int  # iterations at this scale
    style_side: int  # long side the style images are used at

    @property
    def pixels(self) -> int:
        return self.size[0] * self.size[1]


@dataclass(frozen=True)
class JobPlan:
    """Every scale of a job, smallest first; the last is the output's size."""

    scales: tuple[ScalePlan, ...]
    network_work: float  # multiply-adds per pixel, a share of the default network's (network_work)

    @property
    def output_size(self) -> tuple[int, int]:
        return self.scales[-1].size

    @property
    def steps(self) -> int:
        return sum(scale.steps for scale in self.scales)

    def work(self) -> list[float]:
        """Relative cost of each scale: iterations x pixels (a VGG pass is linear in pixels)."""
        return [scale.steps * scale.pixels for scale in self.scales]


def plan_job(params: StyleParams, content_size: tuple[int, int]) -> JobPlan:
    """The plan of a job on a content image of this (width, height)."""
    scales = tuple(
        ScalePlan(fit_size(*content_size, side), steps, style_side(params, side))
        for side, steps in zip(params.scale_sizes(), params.scale_steps(), strict=True)
    )
    deepest = max(params.content_layers + params.style_layers, key=LAYER_NAMES.index)
    return JobPlan(scales, network_work(deepest))


def style_side(params: StyleParams, output_long_side: int) -> int:
    """Long side of the style images for an output of this long side (``style_scale``)."""
    return max(16, round(output_long_side * params.style_scale))


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
