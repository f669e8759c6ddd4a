"""Loss terms of Gatys et al., "Image Style Transfer Using Convolutional Neural Networks" (2016).

Departures from the paper, so that one set of weights works at any output size and backbone:
- The Gram matrix is normalised by C*H*W (the paper leaves it unnormalised and scales the
  loss by 1/(4 N^2 M^2)), so it is a per-position average and does not grow with image size.
- Content and style errors are *relative*: squared error divided by the squared norm of the
  target. Layers with large activations then do not drown out the others, and a weight means
  the same thing at 256 px and 1024 px and on either backbone.
- By default the style is matched on each layer's feature mean and covariance
  (``style_statistic``), not the paper's uncentred Gram matrix (still an option): in a Gram
  matrix of ReLU features the mean's outer product is most of the norm (64-95% on the benchmark
  paintings), so its relative error mostly asks for the right average and little for the
  texture (benchmarks/RESULTS.md, "fifth step" and "sixth step").
All loss maths runs in float32 even when the network ran in bf16/fp16.
"""

from __future__ import annotations

import torch

# In the mean-and-covariance style loss, the share of the mean's relative error (the
# covariance's is the rest). Three quarters, not half: on all 30 benchmark pairs the same W came
# with less structure lost (E), and the texture outside VGG (Wpx) was as close or closer
# (benchmarks/RESULTS.md, "seventh step"); a quarter was worse on both.
MEAN_SHARE = 0.75


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
    value: torch.Tensor, target: torch.Tensor, statistic: str = "gram"
) -> torch.Tensor:
    """Relative error of one layer's style statistics. Mean and covariance each get their own
    relative error (weighted by ``MEAN_SHARE``), so the texture counts however large the mean
    is."""
    if statistic == "gram":
        return relative_error(value, target)
    channels = target.shape[-1]
    covariance = relative_error(value[:, :channels], target[:, :channels])
    mean = relative_error(value[:, channels:], target[:, channels:])
    return MEAN_SHARE * mean + (1 - MEAN_SHARE) * covariance


def relative_error(value: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """||value - target||^2 / ||target||^2, in float32."""
    value, target = value.float(), target.float()
    return (value - target).pow(2).sum() / target.pow(2).sum().clamp_min(1e-12)


def content_loss(
    features: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]
) -> torch.Tensor:
    """Mean relative feature error over the content layers."""
    terms = [relative_error(features[name], target) for name, target in targets.items()]
    return torch.stack(terms).mean()


def style_loss(
    features: dict[str, torch.Tensor],
    target_grams: dict[str, torch.Tensor],
    layer_weights: dict[str, float],
    masks: dict[str, torch.Tensor] | None = None,
    statistic: str = "gram",
) -> torch.Tensor:
    """Weighted mean over style layers of the relative error of their style statistics
    (``target_grams`` holds ``style_statistics(..., statistic)`` per layer; with masks, one
    (1, 1, h, w) mask per layer, at that layer's size: guided statistics)."""
    total = sum(layer_weights.values())
    terms = [
        layer_weights[name]
        / total
        * statistics_error(
            style_statistics(features[name], statistic, masks[name] if masks else None),
            target,
            statistic,
        )
        for name, target in target_grams.items()
    ]
    return torch.stack(terms).sum()


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of neighbouring pixels of (B, C, H, W), in 0..1 units."""
    dy = image[:, :, 1:, :] - image[:, :, :-1, :]
    dx = image[:, :, :, 1:] - image[:, :, :, :-1]
    return dy.pow(2).mean() + dx.pow(2).mean()
