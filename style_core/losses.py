"""Loss terms of Gatys et al., "Image Style Transfer Using Convolutional Neural Networks" (2016).

Departures from the paper, so that one set of weights works at any output size and backbone:
- The Gram matrix is normalised by C*H*W (the paper leaves it unnormalised and scales the
  loss by 1/(4 N^2 M^2)), so it is a per-position average and does not grow with image size.
- Content and style errors are *relative*: squared error divided by the squared norm of the
  target. Layers with large activations then do not drown out the others, and a weight means
  the same thing at 256 px and 1024 px and on either backbone.
All loss maths runs in float32 even when the network ran in bf16/fp16.
"""

from __future__ import annotations

import torch


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
) -> torch.Tensor:
    """Weighted mean over style layers of the relative Gram error (guided Grams with masks:
    one (1, 1, h, w) mask per layer, at that layer's size)."""
    total = sum(layer_weights.values())
    terms = [
        layer_weights[name]
        / total
        * relative_error(gram_matrix(features[name], masks[name] if masks else None), gram)
        for name, gram in target_grams.items()
    ]
    return torch.stack(terms).sum()


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of neighbouring pixels of (B, C, H, W), in 0..1 units."""
    dy = image[:, :, 1:, :] - image[:, :, :-1, :]
    dx = image[:, :, :, 1:] - image[:, :, :, :-1]
    return dy.pow(2).mean() + dx.pow(2).mean()
