"""Optical flow between video frames, warping along it, and where it can be trusted.

Flow is OpenCV's DIS (Kroeger et al., ECCV 2016): hundreds of frames a second on one CPU
core. ``flow(a, b)`` is the displacement that carries ``a`` onto ``b``: a(x) ~ b(x + flow(x)).

The confidence follows Ruder, Dosovitskiy & Brox (*Artistic style transfer for videos*, 2016):
a pixel of frame t is trusted (1) unless

- the forward and backward flows disagree there (it was hidden in frame t-1, a disocclusion):
  |b + f(x + b)|^2 > 0.01 (|b|^2 + |f(x + b)|^2) + 0.5, or
- it sits on a motion boundary: |grad b_x|^2 + |grad b_y|^2 > 0.01 |b|^2 + 0.002,

where b is the flow from frame t back to frame t-1 and f the flow from t-1 to t (pixels).
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

# DIS's middle preset: the fast one misses thin moving things, the fine one costs 3x more.
DIS_PRESET = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM


def flow(a: Image.Image, b: Image.Image) -> np.ndarray:
    """(H, W, 2) float32 displacement (x, y) in pixels with a(p) ~ b(p + flow(p))."""
    if a.size != b.size:
        raise ValueError(f"frames of different sizes: {a.size} and {b.size}")
    dis = cv2.DISOpticalFlow_create(DIS_PRESET)
    return dis.calc(_grey(a), _grey(b), None)


def warp(image: torch.Tensor, displacement: np.ndarray) -> torch.Tensor:
    """``image`` (1, C, H, W) sampled at p + displacement(p): the picture carried along the
    flow (bilinear; pixels that come from outside take the nearest border pixel)."""
    height, width = image.shape[-2:]
    if displacement.shape[:2] != (height, width):
        raise ValueError(f"flow is {displacement.shape[:2]}, image is {(height, width)}")
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    x = (xs + displacement[..., 0]) * (2 / max(width - 1, 1)) - 1
    y = (ys + displacement[..., 1]) * (2 / max(height - 1, 1)) - 1
    grid = torch.from_numpy(np.stack([x, y], axis=-1))[None].to(image.device, image.dtype)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)


def confidence(backward: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """(H, W) float32, 1 where frame t's pixel is seen in frame t-1 and moves with its
    neighbours, 0 at disocclusions and motion boundaries (the module's test). ``backward``
    is flow(t, t-1), ``forward`` flow(t-1, t)."""
    height, width = backward.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    # The forward flow where each pixel of t came from in t-1.
    returned = cv2.remap(
        forward,
        xs + backward[..., 0],
        ys + backward[..., 1],
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    squared = lambda v: (v**2).sum(-1)  # noqa: E731
    disoccluded = (
        squared(backward + returned) > 0.01 * (squared(backward) + squared(returned)) + 0.5
    )
    dy_x, dx_x = np.gradient(backward[..., 0])
    dy_y, dx_y = np.gradient(backward[..., 1])
    gradient = dx_x**2 + dy_x**2 + dx_y**2 + dy_y**2
    boundary = gradient > 0.01 * squared(backward) + 0.002
    # A pixel whose source lies outside frame t-1 was not in it (half a pixel of slack: the
    # border row samples itself, and DIS leaves tiny flows there).
    x, y = xs + backward[..., 0], ys + backward[..., 1]
    outside = (x < -0.5) | (x > width - 0.5) | (y < -0.5) | (y > height - 0.5)
    return (~(disoccluded | boundary | outside)).astype(np.float32)


def _grey(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.uint8)
