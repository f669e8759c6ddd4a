"""The loss and its gradient, evaluated over tiles, exactly (Galerne, Raad, Lezama & Morel,
"Scaling Painting Style Transfer", 2024).

Every term of the loss is a sum over positions: the content error, and each style layer's
statistics (mean and covariance, or Gram matrix) are functions of sums of ``f`` and
``f f^T`` over the positions. So a first pass without gradients runs the network on
overlapping tiles and adds up those sums over the positions each tile owns; the loss is
computed from them and differentiated with respect to the sums; a second pass runs each tile
again and back-propagates the sums' derivatives through it. The gradient is the untiled one,
in the memory of one tile.

A tile owns a core of positions, aligned to the network's stride so that every layer's grid
splits cleanly, and runs with a margin around it that covers the receptive field of the
deepest layer in use, so that its core's features are exactly the whole image's (at the
image's border the tile stops where the image does, with the same zero padding).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from style_core.devices import autocast
from style_core.layers import receptive_field
from style_core.losses import statistics_error, total_variation
from style_core.vgg import VGG19Features, poolings_before

STRIDE = 16  # relu5_x sits four poolings deep: tile cores start on multiples of 2^4 pixels


@dataclass(frozen=True)
class Tile:
    """One tile: the rows and columns it owns, and the larger window it runs on."""

    core: tuple[int, int, int, int]  # (top, bottom, left, right) in pixels, owned
    window: tuple[int, int, int, int]  # the core and its margin, clipped to the image


@dataclass
class Region:
    """Where one style goes: its statistics per layer and, with a mask, the region's weight
    at each layer's size, (1, 1, h, w) in 0..1 (None: the whole image)."""

    targets: dict[str, torch.Tensor]
    masks: dict[str, torch.Tensor] | None = None


def margin_for(layers: Sequence[str]) -> int:
    """A tile's margin for these layers: the deepest one's receptive radius, rounded up to the
    stride so that windows start on the grid too."""
    # Half the deepest layer's receptive field on each side of a position (relu5_1: 156 px).
    radius = max((receptive_field(layer)[0] - 1) / 2 for layer in layers)
    return STRIDE * math.ceil(radius / STRIDE)


def tiles(height: int, width: int, tile_size: int, margin: int) -> list[Tile]:
    """Cores of ``tile_size`` (a multiple of STRIDE) covering the image, each with its window."""
    if tile_size % STRIDE:
        raise ValueError(f"tile_size must be a multiple of {STRIDE}; got {tile_size}")
    found = []
    for top in range(0, height, tile_size):
        for left in range(0, width, tile_size):
            bottom, right = min(height, top + tile_size), min(width, left + tile_size)
            window = (
                max(0, top - margin),
                min(height, bottom + margin),
                max(0, left - margin),
                min(width, right + margin),
            )
            found.append(Tile((top, bottom, left, right), window))
    return found


def evaluate(
    net: VGG19Features,
    dtype: torch.dtype,
    image: torch.Tensor,
    *,
    content_targets: dict[str, torch.Tensor],
    regions: Sequence[Region],
    layer_weights: dict[str, float],
    statistic: str,
    references: dict[str, torch.Tensor] | None,
    weights: tuple[float, float, float],
    tile_size: int,
) -> tuple[float, dict[str, float], torch.Tensor]:
    """(total loss, its terms, its gradient with respect to ``image``) as the engine's loss
    computes them on the whole (1, 3, H, W) image, evaluated tile by tile."""
    content_weight, style_weight, tv_weight = weights
    style_layers = tuple(layer_weights)
    layers = tuple(dict.fromkeys(tuple(content_targets) + style_layers))
    height, width = image.shape[-2:]
    grid = tiles(height, width, tile_size, margin_for(layers))
    # 1. Each region's and style layer's sums over every tile's core, without gradients.
    sums = _gather(net, dtype, image, grid, regions, style_layers, statistic)
    # 2. The style term from the sums, and its derivative with respect to them.
    style, derivatives = _style_from_sums(sums, regions, layer_weights, statistic, references)
    # 3. Each tile again, back-propagating the sums' derivatives and its content error.
    gradient = torch.zeros_like(image)
    content = 0.0
    for tile in grid:
        window = _window(image, tile).requires_grad_(True)
        with autocast(image.device, dtype):
            features = net(window, layers)
        surrogate = window.new_zeros((), dtype=torch.float32)
        for name, target in content_targets.items():
            own, whole = _cores(tile, name)
            error = (features[name][own].float() - target[whole].float()).pow(2).sum()
            error = error / target.float().pow(2).sum() / len(content_targets)
            content += float(error.detach())
            surrogate = surrogate + content_weight * error
        for region, region_derivatives in zip(regions, derivatives):
            for name in style_layers:
                own, whole = _cores(tile, name)
                mask = region.masks[name][whole] if region.masks else None
                first, second, _ = _sums(features[name][own].float(), mask, statistic)
                d_first, d_second = region_derivatives[name]
                style_part = (d_second * second).sum()
                if d_first is not None:  # a Gram matrix has no mean
                    style_part = style_part + (d_first * first).sum()
                surrogate = surrogate + style_weight * style_part
        surrogate.backward()
        top, bottom, left, right = tile.window
        gradient[..., top:bottom, left:right] += window.grad
    # 4. Total variation on the whole image: it is image-sized, like the gradient.
    whole_image = image.detach().clone().requires_grad_(True)
    tv = total_variation(whole_image)
    (tv_weight * tv).backward()
    gradient += whole_image.grad
    terms = {"content": content, "style": float(style), "tv": float(tv.detach())}
    total = sum(w * terms[k] for w, k in zip(weights, ("content", "style", "tv")))
    return total, terms, gradient


def _window(image: torch.Tensor, tile: Tile) -> torch.Tensor:
    top, bottom, left, right = tile.window
    return image.detach()[..., top:bottom, left:right].clone()


def _cores(tile: Tile, layer: str) -> tuple[tuple, tuple]:
    """The tile's core at this layer: (index into the window's features, index into a
    whole-image tensor such as a target or a mask). Windows start on the stride, so the
    shifts are exact; at the image's bottom and right edges the network's pooling floors,
    as the shift does."""
    shift = poolings_before(layer)
    top, bottom, left, right = (edge >> shift for edge in tile.core)
    window_top, window_left = tile.window[0] >> shift, tile.window[2] >> shift
    own = (
        ...,
        slice(top - window_top, bottom - window_top),
        slice(left - window_left, right - window_left),
    )
    return own, (..., slice(top, bottom), slice(left, right))


def _sums(
    features: torch.Tensor, mask: torch.Tensor | None, statistic: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(sum of w f, sum of w f f^T, sum of w) over the positions of (1, C, h, w) features; w is
    the mask (squared for the Gram matrix, as losses.gram_matrix weighs it) or 1."""
    channels = features.shape[1]
    flat = features.reshape(channels, -1)
    if mask is None:
        weight = flat.new_ones(1, flat.shape[-1])
    else:
        weight = mask.float().reshape(1, -1)
        weight = weight.pow(2) if statistic == "gram" else weight
    return (flat * weight).sum(-1), (flat * weight) @ flat.T, weight.sum()


def _gather(net, dtype, image, grid, regions, style_layers, statistic) -> list[dict]:
    """Per region, per style layer: ``_sums`` over every tile's core, in float64 (the
    covariance is E[f f^T] - mu mu^T: float32 sums would cancel digits)."""
    totals: list[dict] = [{} for _ in regions]
    for tile in grid:
        with torch.no_grad(), autocast(image.device, dtype):
            features = net(_window(image, tile), style_layers)
        _add_sums(totals, tile, features, regions, style_layers, statistic)
    return totals


def _add_sums(totals, tile, features, regions, style_layers, statistic) -> None:
    """Add one tile's core's ``_sums`` to each region's and style layer's running totals."""
    for region, total in zip(regions, totals):
        for name in style_layers:
            own, whole = _cores(tile, name)
            mask = region.masks[name][whole] if region.masks else None
            parts = [p.double() for p in _sums(features[name][own].float(), mask, statistic)]
            previous = total.get(name)
            total[name] = parts if previous is None else [a + b for a, b in zip(previous, parts)]


def _style_from_sums(sums, regions, layer_weights, statistic, references):
    """The style term (the mean over regions of the weighted layer errors) from the gathered
    sums, and its derivative with respect to each region's and layer's sums of f and f f^T."""
    leaves = [
        {
            name: [part.float().requires_grad_(i < 2) for i, part in enumerate(parts)]
            for name, parts in region_sums.items()
        }
        for region_sums in sums
    ]
    total_weight = sum(layer_weights.values())
    terms = []
    for region, region_leaves in zip(regions, leaves):
        for name, weight in layer_weights.items():
            value = _statistics(*region_leaves[name], statistic)
            reference = references[name] if references else None
            error = statistics_error(value, region.targets[name], statistic, reference)
            terms.append(weight / total_weight * error)
    style = torch.stack(terms).sum() / len(regions)
    style.backward()
    derivatives = [
        {name: (first.grad, second.grad) for name, (first, second, _) in region.items()}
        for region in leaves
    ]
    return style.detach(), derivatives


def _statistics(first, second, count, statistic):
    """(1, C, C) Gram matrix or (1, C + 1, C) covariance then mean, from the sums, as
    losses.style_statistics computes them from the features."""
    channels = first.shape[0]
    if statistic == "gram":
        return (second / (channels * count)).unsqueeze(0)
    mean = first / count
    covariance = second / count - mean[:, None] * mean[None, :]
    return torch.cat([covariance, mean[None]], dim=0).unsqueeze(0)


def features_and_statistics(
    net: VGG19Features,
    dtype: torch.dtype,
    image: torch.Tensor,
    feature_layers: Sequence[str],
    statistic_layers: Sequence[str],
    statistic: str,
    tile_size: int,
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """A whole image's features at ``feature_layers`` (float32, assembled from the tiles'
    cores) and its style statistics at ``statistic_layers`` (from their sums), without ever
    running the network on more than a tile: what a scale's set-up needs of a large image."""
    layers = tuple(dict.fromkeys(tuple(feature_layers) + tuple(statistic_layers)))
    height, width = image.shape[-2:]
    grid = tiles(height, width, tile_size, margin_for(layers))
    features: dict[str, torch.Tensor] = {}
    sums: list[dict] = [{}]  # one region: the whole image
    for tile in grid:  # one pass: the features kept and the statistics' sums
        with torch.no_grad(), autocast(image.device, dtype):
            own_features = net(_window(image, tile), layers)
        for name in feature_layers:
            own, whole = _cores(tile, name)
            core = own_features[name][own].float()
            if name not in features:
                shift = poolings_before(name)
                shape = (1, core.shape[1], height >> shift, width >> shift)
                features[name] = image.new_zeros(shape, dtype=torch.float32)
            features[name][whole] = core
        _add_sums(sums, tile, own_features, [Region({})], tuple(statistic_layers), statistic)
    statistics = {
        name: _statistics(*(p.float() for p in parts), statistic) for name, parts in sums[0].items()
    }
    return features, statistics
