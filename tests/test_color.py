"""Colour preservation: YIQ luminance, luminance recombination, colour statistics matching."""

from __future__ import annotations

import pytest
import torch

from style_core.color import (
    grey,
    linear_color_transfer,
    luminance,
    match_luminance,
    recombine_luminance,
)
from style_core.images import to_tensor
from tests.conftest import make_content, make_style

# The YIQ (NTSC) transform, written out independently of the module.
YIQ = torch.tensor(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]],
    dtype=torch.float64,
)


def _yiq(image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,bjhw->bihw", YIQ, image.double())


def _pixels(*rgb: tuple[float, float, float]) -> torch.Tensor:
    """A (1, 3, 1, N) image with the given RGB pixels."""
    return torch.tensor(rgb, dtype=torch.float32).T.reshape(1, 3, 1, len(rgb))


def _smooth(seed: int, low: float, high: float, size: int = 24) -> torch.Tensor:
    """Random colours confined to [low, high] so that nothing gets clipped."""
    generator = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(1, 3, size, size, generator=generator)


def test_luminance_of_known_pixels():
    image = _pixels((0, 0, 0), (1, 1, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1), (0.5, 0.5, 0.5))
    y = luminance(image)
    assert y.shape == (1, 1, 1, 6)
    assert y.flatten().tolist() == pytest.approx([0.0, 1.0, 0.299, 0.587, 0.114, 0.5], abs=1e-6)


def test_luminance_keeps_batch_and_dtype():
    image = torch.rand(2, 3, 4, 5, dtype=torch.float64)
    y = luminance(image)
    assert y.shape == (2, 1, 4, 5) and y.dtype == torch.float64
    assert torch.allclose(y[1, 0], 0.299 * image[1, 0] + 0.587 * image[1, 1] + 0.114 * image[1, 2])


def test_grey_is_luminance_in_every_channel():
    image = _pixels((1, 0, 0), (0.2, 0.4, 0.6))
    g = grey(image)
    assert g.shape == image.shape
    for channel in range(3):
        assert torch.allclose(g[:, channel : channel + 1], luminance(image))


def test_recombine_luminance_keeps_content_colour_and_stylised_luminance():
    content = _smooth(0, 0.35, 0.65)
    stylised = _smooth(1, 0.3, 0.7)
    result = recombine_luminance(stylised, content)
    assert result.shape == content.shape
    result_yiq, content_yiq, stylised_yiq = _yiq(result), _yiq(content), _yiq(stylised)
    assert torch.allclose(result_yiq[:, 0], stylised_yiq[:, 0], atol=1e-5)
    assert torch.allclose(result_yiq[:, 1:], content_yiq[:, 1:], atol=1e-5)
    # And it really changed something: neither input comes back unchanged.
    assert not torch.allclose(result, content, atol=1e-2)
    assert not torch.allclose(result, stylised, atol=1e-2)


def test_recombine_luminance_of_grey_content_is_grey():
    content = torch.full((1, 3, 4, 4), 0.5)
    stylised = _smooth(2, 0.0, 1.0, size=4)
    result = recombine_luminance(stylised, content)
    assert torch.allclose(result[:, 0], result[:, 1], atol=1e-5)
    assert torch.allclose(result[:, 1], result[:, 2], atol=1e-5)
    assert torch.allclose(result[:, :1], luminance(stylised), atol=1e-5)


def test_recombine_luminance_stays_in_range():
    result = recombine_luminance(
        torch.ones(1, 3, 2, 2), _pixels((1, 0, 0), (0, 0, 1)).repeat(1, 1, 2, 1)
    )
    assert result.min() >= 0 and result.max() <= 1


def _mean_and_cov(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    pixels = image[0].reshape(3, -1).double()
    return pixels.mean(1), torch.cov(pixels)


def test_linear_color_transfer_transfers_mean_and_covariance():
    # Correlated colours in the middle of the range, so clamping to 0..1 does not bite.
    base = _smooth(3, 0.0, 1.0)
    mix = torch.tensor([[0.20, 0.05, 0.0], [0.05, 0.15, 0.02], [0.0, 0.03, 0.1]])
    offset = torch.tensor([0.55, 0.6, 0.65]).view(1, 3, 1, 1)
    content = torch.einsum("ij,bjhw->bihw", mix, base) + offset
    style = _smooth(4, 0.1, 0.6)
    assert 0 < content.min() and content.max() < 1
    matched = linear_color_transfer(style, content)
    assert matched.shape == style.shape and matched.dtype == style.dtype
    content_mean, content_cov = _mean_and_cov(content)
    style_mean, style_cov = _mean_and_cov(style)
    matched_mean, matched_cov = _mean_and_cov(matched)
    assert (style_mean - content_mean).abs().max() > 0.1  # a real change is needed
    assert torch.allclose(matched_mean, content_mean, atol=1e-3)
    assert torch.allclose(matched_cov, content_cov, atol=3e-5)  # 1e-5 regularisation
    assert (style_cov - content_cov).abs().max() > 5e-3


def test_linear_color_transfer_on_the_test_images_moves_the_mean_to_the_content():
    content = to_tensor(make_content())
    style = to_tensor(make_style())
    matched = linear_color_transfer(style, content)
    assert matched.min() >= 0 and matched.max() <= 1
    content_mean, style_mean = content.mean((0, 2, 3)), style.mean((0, 2, 3))
    matched_mean = matched.mean((0, 2, 3))
    assert (matched_mean - content_mean).abs().max() < 0.05
    assert (matched_mean - content_mean).abs().max() < (style_mean - content_mean).abs().max() / 3


def test_linear_color_transfer_keeps_the_style_pattern():
    content = _smooth(5, 0.3, 0.6)
    style = _smooth(6, 0.2, 0.8)
    matched = linear_color_transfer(style, content)
    # An affine colour map: per channel the result is strongly correlated with the style.
    for channel in range(3):
        stacked = torch.stack(
            [matched[0].reshape(3, -1)[channel], style[0].reshape(3, -1)[channel]]
        )
        assert torch.corrcoef(stacked.double())[0, 1] > 0.5


def test_match_luminance_matches_mean_and_std():
    content = _smooth(7, 0.3, 0.8)
    style = _smooth(8, 0.1, 0.5)
    matched = match_luminance(style, content)
    assert matched.shape == style.shape
    # Grey: all three channels are the same luminance.
    assert torch.equal(matched[:, 0], matched[:, 1]) and torch.equal(matched[:, 1], matched[:, 2])
    matched_y, content_y, style_y = matched[:, 0], luminance(content), luminance(style)
    assert abs(matched_y.mean() - content_y.mean()) < 1e-4
    assert abs(matched_y.std() - content_y.std()) < 1e-4
    assert abs(style_y.mean() - content_y.mean()) > 0.1
    # The pattern is the style's: a positive affine map of its luminance.
    scaled = (style_y - style_y.mean()) / style_y.std() * content_y.std() + content_y.mean()
    assert torch.allclose(matched_y, scaled[:, 0], atol=1e-5)


def test_match_luminance_of_a_flat_style_is_the_content_mean():
    content = _smooth(9, 0.2, 0.9)
    flat = torch.full((1, 3, 8, 8), 0.4)
    matched = match_luminance(flat, content)
    assert torch.isfinite(matched).all()
    # No division blow-up: still flat, at the content's mean up to float32 rounding of the
    # (zero) deviations amplified by the 1e-6 std floor (a few grey levels at most).
    assert matched.std() < 1e-4
    assert abs(matched.mean() - luminance(content).mean()) < 0.03
