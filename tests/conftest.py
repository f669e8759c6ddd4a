"""Shared fixtures: tiny synthetic images (no binary files in the repository)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image


def make_content(width: int = 64, height: int = 48) -> Image.Image:
    """A smooth scene: sky gradient, a dark 'house' block and a bright disc."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.zeros((height, width, 3), np.float32)
    image[..., 0] = 0.3 + 0.4 * y / height
    image[..., 1] = 0.5 + 0.3 * x / width
    image[..., 2] = 0.9 - 0.5 * y / height
    image[height // 2 :, width // 4 : width // 2] = (0.35, 0.2, 0.1)
    disc = (x - 0.75 * width) ** 2 + (y - 0.3 * height) ** 2 < (0.12 * width) ** 2
    image[disc] = (1.0, 0.95, 0.6)
    return Image.fromarray((image * 255).round().astype(np.uint8))


def make_style(width: int = 64, height: int = 64) -> Image.Image:
    """High-frequency stripes and swirls with strong colours: very different Gram statistics."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = np.arctan2(y - height / 2, x - width / 2)
    radius = np.hypot(y - height / 2, x - width / 2)
    wave = 0.5 + 0.5 * np.sin(radius * 0.9 + 3 * angle)
    image = np.stack([wave, 0.2 + 0.6 * (1 - wave), 0.5 + 0.5 * np.cos(x * 0.8)], axis=-1)
    return Image.fromarray((np.clip(image, 0, 1) * 255).round().astype(np.uint8))


@pytest.fixture
def content_image() -> Image.Image:
    return make_content()


@pytest.fixture
def style_image() -> Image.Image:
    return make_style()
