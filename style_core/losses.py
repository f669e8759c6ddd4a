"""Loss terms of Gatys et al., "Image Style Transfer Using Convolutional Neural Networks" (2016).

Departures from the paper, so that one set of weights works at any output size and backbone:
- The Gram matrix is normalised by C*H*W (the paper leaves it unnormalised and scales the
  loss by 1/(4 N^2 M^2)), so it is a per-position average and does not grow with image size.
- Content and style errors are *relative*: squared error divided by the squared norm of the
  target. Layers with large activations then do not drown out the others, and a weight means
  the same thing at 256 px and 1024 px and on either backbone.
- A style statistic's error is divided by the larger of its own squared norm and a quarter of
  the content image's (``style_scale``): a flat or low-contrast style has a covariance near
  zero, and dividing by that alone made it pull ~30x harder than a textured one at the same
  style weight (benchmarks/RESULTS.md, "Every knob means what it says").
- By default the style is matched on each layer's feature mean and covariance
  (``style_statistic``), not the paper's uncentred Gram matrix (still an option): in a Gram
  matrix of ReLU features the mean's outer product is most of the norm (64-95% on the benchmark
  paintings), so its relative error mostly asks for the right average and little for the
  texture (benchmarks/RESULTS.md, "fifth step" and "sixth step").
All loss maths runs in float32 even when the network ran in bf16/fp16.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

# In the mean-and-covariance style loss, the share of the mean's relative error (the
# covariance's is the rest). Three quarters, not half: on all 30 benchmark pairs the same W came
# with less structure lost (E), and the texture outside VGG (Wpx) was as close or closer
# (benchmarks/RESULTS.md, "seventh step"); a quarter was worse on both.
MEAN_SHARE = 0.75

# The floor of a style error's divisor, as a share of the content statistics' squared norm
# (style_scale). A quarter leaves every benchmark painting's own norm in charge (all 30 pairs:
# W and E within noise) while a flat red style pulls 1.7x as hard as The Starry Night, not 31x;
# a floor of 1 made flat styles even (1.5x) but cost W (0.228 -> 0.240).
CONTENT_FLOOR = 0.25


def gram_matrix(features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, C), normalised by C*H*W.

    With a mask (1, 1, H, W) in 0..1 it is the guided Gram matrix of Gatys et al. (2017),
    "Controlling Perceptual Factors in Neural Style Transfer": features weighted by the mask,
    normalised by the mask's area (sum of squared weights) instead of H*W, so it is the
    average over the region and a small region is held to the style as firmly as a large one.
    """
    batch, channels, height, width = features.shape
    features = features.float()
    area = height * width
    if mask is not None:
        features = features * mask
        area = mask.float().pow(2).sum().clamp_min(1e-6)
    flat = features.reshape(batch, channels, height * width)
    return flat @ flat.transpose(1, 2) / (channels * area)


def mean_and_covariance(features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """(B, C, H, W) -> (B, C + 1, C): the covariance of the features over positions (C rows),
    then their mean (one row), in float32. With a mask (1, 1, H, W) in 0..1, both are averages
    weighted by it (the region's statistics, as the guided Gram matrix)."""
    batch, channels = features.shape[:2]
    flat = features.float().reshape(batch, channels, -1)
    if mask is None:
        weight = flat.new_ones(1, 1, flat.shape[-1])
    else:
        weight = mask.float().reshape(1, 1, -1)
    total = weight.sum(-1, keepdim=True).clamp_min(1e-6)
    mean = (flat * weight).sum(-1, keepdim=True) / total
    centred = (flat - mean) * weight.sqrt()
    covariance = centred @ centred.transpose(1, 2) / total
    return torch.cat([covariance, mean.transpose(1, 2)], dim=1)


def style_statistics(
    features: torch.Tensor, statistic: str = "gram", mask: torch.Tensor | None = None
) -> torch.Tensor:
    """What the style loss matches at one layer: the Gram matrix, or mean and covariance."""
    if statistic == "gram":
        return gram_matrix(features, mask)
    return mean_and_covariance(features, mask)


def statistics_error(
    value: torch.Tensor,
    target: torch.Tensor,
    statistic: str = "gram",
    reference: torch.Tensor | None = None,
) -> torch.Tensor:
    """Error of one layer's style statistics against the style's, relative to ``style_scale``
    (``reference``: the content image's statistics at that layer, for the floor). Mean and
    covariance each get their own relative error (weighted by ``MEAN_SHARE``), so the texture
    counts however large the mean is."""
    if statistic == "gram":
        return _scaled_error(value, target, reference)
    channels = target.shape[-1]
    covariance_rows = (slice(None), slice(None, channels))  # then one row: the mean
    mean_row = (slice(None), slice(channels, None))
    covariance, mean = (
        _scaled_error(value[rows], target[rows], None if reference is None else reference[rows])
        for rows in (covariance_rows, mean_row)
    )
    return MEAN_SHARE * mean + (1 - MEAN_SHARE) * covariance


def style_scale(target: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
    """What a style error is divided by: ||target||^2, but at least CONTENT_FLOOR times the
    content's ||reference||^2, so a style with almost no covariance (flat red, a poster) does not
    make the same style weight pull many times harder."""
    scale = target.float().pow(2).sum()
    if reference is not None:
        scale = torch.maximum(scale, CONTENT_FLOOR * reference.float().pow(2).sum())
    return scale.clamp_min(1e-12)


def _scaled_error(
    value: torch.Tensor, target: torch.Tensor, reference: torch.Tensor | None
) -> torch.Tensor:
    return (value.float() - target.float()).pow(2).sum() / style_scale(target, reference)


def blend_statistics(
    statistics: Sequence[torch.Tensor], weights: Sequence[float], statistic: str = "gram"
) -> torch.Tensor:
    """The statistics of a mixture of styles (weights sum to 1), exact for either statistic.

    A Gram matrix is an average second moment, so mixing is a weighted sum. Mean and covariance
    are not: the mixture's covariance also holds the spread between the styles' means,
    sum w (cov + mu mu^T) - mu_bar mu_bar^T. Averaging covariances left that out, and a 50/50
    blend of a dark and a light texture came out as one mid-grey mud.
    """
    weighed = [(s, w) for s, w in zip(statistics, weights) if w > 0]
    if len(weighed) == 1:  # exactly, not to rounding: the same job as that style alone
        return weighed[0][0]
    statistics, weights = zip(*weighed)
    if statistic == "gram":
        return sum(w * s for s, w in zip(statistics, weights))
    channels = statistics[0].shape[-1]
    means = [s[:, channels:] for s in statistics]  # (B, 1, C) each
    second = sum(
        w * (s[:, :channels] + m.transpose(1, 2) @ m) for s, m, w in zip(statistics, means, weights)
    )
    mean = sum(w * m for m, w in zip(means, weights))
    return torch.cat([second - mean.transpose(1, 2) @ mean, mean], dim=1)


def relative_error(value: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """||value - target||^2 / ||target||^2, in float32."""
    return _scaled_error(value, target, None)


def content_loss(
    features: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]
) -> torch.Tensor:
    """Mean relative feature error over the content layers."""
    terms = [relative_error(features[name], target) for name, target in targets.items()]
    return torch.stack(terms).mean()


def style_loss(
    features: dict[str, torch.Tensor],
    targets: dict[str, torch.Tensor],
    layer_weights: dict[str, float],
    masks: dict[str, torch.Tensor] | None = None,
    statistic: str = "gram",
    references: dict[str, torch.Tensor] | None = None,
) -> torch.Tensor:
    """Weighted mean over style layers of the error of their style statistics (``targets``
    holds ``style_statistics(..., statistic)`` per layer; ``references`` the content image's,
    for ``style_scale``'s floor; with masks, one (1, 1, h, w) mask per layer, at that layer's
    size: guided statistics)."""
    total = sum(layer_weights.values())
    terms = [
        layer_weights[name]
        / total
        * statistics_error(
            style_statistics(features[name], statistic, masks[name] if masks else None),
            target,
            statistic,
            references[name] if references else None,
        )
        for name, target in targets.items()
    ]
    return torch.stack(terms).sum()


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of neighbouring pixels of (B, C, H, W), in 0..1 units."""
    dy = image[:, :, 1:, :] - image[:, :, :-1, :]
    dx = image[:, :, :, 1:] - image[:, :, :, :-1]
    return dy.pow(2).mean() + dx.pow(2).mean()
