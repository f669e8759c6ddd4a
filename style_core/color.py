"""Colour preservation, after Gatys et al., "Preserving Color in Neural Artistic Style Transfer" (2016).

Images are (B, 3, H, W) RGB tensors in 0..1.
"""

from __future__ import annotations

import torch

# RGB -> YIQ (NTSC). Y is luminance; I and Q carry the colour.
_RGB_TO_YIQ = torch.tensor(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]]
)


def _apply(matrix: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,bjhw->bihw", matrix.to(image), image)


def luminance(image: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) -> (B, 1, H, W) luminance."""
    return _apply(_RGB_TO_YIQ, image)[:, :1]


def match_luminance(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Style luminance, shifted and scaled to the content's mean and std, as grey RGB.

    Gatys et al. (2016), section 3: luminance-only transfer matches the luminance statistics first.
    """
    style_y, content_y = luminance(style), luminance(content)
    matched = (style_y - style_y.mean()) / style_y.std().clamp_min(1e-6)
    matched = matched * content_y.std() + content_y.mean()
    return matched.expand(-1, 3, -1, -1).clamp(0, 1)


def grey(image: torch.Tensor) -> torch.Tensor:
    """Luminance as a 3-channel grey image (what the network sees in luminance mode)."""
    return luminance(image).expand(-1, 3, -1, -1)


def recombine_luminance(stylised: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Luminance of ``stylised`` with the colour (I, Q) of ``content``; same size required."""
    yiq = _apply(_RGB_TO_YIQ, content)
    yiq = torch.cat([luminance(stylised), yiq[:, 1:]], dim=1)
    return _apply(torch.linalg.inv(_RGB_TO_YIQ), yiq).clamp(0, 1)


def linear_color_transfer(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Linear colour transfer: style pixels get the content's colour mean and covariance.

    Not histogram matching: only the first two moments of the colours move, so the style
    keeps the shape of its own colour distribution.

    x' = C_c^{1/2} C_s^{-1/2} (x - mu_s) + mu_c  (Gatys et al. 2016, section 2, "image analogies" variant).
    """
    style_px = style[0].reshape(3, -1).double()  # (3, N)
    content_px = content[0].reshape(3, -1).double()
    mu_s, mu_c = style_px.mean(1, keepdim=True), content_px.mean(1, keepdim=True)
    cov_s = torch.cov(style_px) + 1e-5 * torch.eye(3, dtype=torch.float64)
    cov_c = torch.cov(content_px) + 1e-5 * torch.eye(3, dtype=torch.float64)
    transform = _matrix_power(cov_c, 0.5) @ _matrix_power(cov_s, -0.5)
    matched = transform @ (style_px - mu_s) + mu_c
    return matched.reshape(style.shape).to(style.dtype).clamp(0, 1)


def _matrix_power(matrix: torch.Tensor, power: float) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return vectors @ torch.diag(values.clamp_min(1e-8).pow(power)) @ vectors.T
