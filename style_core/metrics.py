"""A fixed quality yardstick for comparing runs and tools, independent of any run's settings.

Four figures, lower is better for all:

- C, content error: ||F(out) - F(content)|| / ||F(content)|| at relu4_2, 256 px.
- S, style error: mean over relu1_1..relu5_1 of ||G(out) - G(style)|| / ||G(style)||, with G
  the Gram matrix normalised by C*H*W, 256 px. S is close to what the engine optimises with
  ``style_statistic="gram"`` (the default matches mean and covariance instead, which S still
  rewards), so it proves little on its own.
- W, style distance: sliced Wasserstein-1 between the output's and the style's VGG feature
  distributions at relu1_1..relu4_1, divided by the same distance for the content image
  itself (content = 1, a perfect match = 0). It compares whole distributions, not their
  second moments, and the engine never optimises it. Measured at the output's own size.
- E, structure lost: 1 - correlation of blurred edge-magnitude maps of output and content at
  a 64 px long side (0 = the same edges). A pixel statistic, no network involved.
- P, pasting: the share of the output made of near-copies of parts of the style image that
  the painting itself does not repeat (a moon, a swirl, an eye), as opposed to its brushwork.
  Each style patch (3x3 at relu5_1) has a best match elsewhere in the painting; an output
  patch counts as pasted when it is closer to some style patch than 90% of the style's patches
  are to their own best repeat. Measured at the output's size, the style at the same long
  side (as the engine sees it). The engine never optimises it: a Gram matrix keeps no
  positions, so it cannot tell a copied object from a repeated stroke.
  P is NaN where it cannot judge: an output too small to hold one 3x3 patch at relu5_1
  (under about 48 px), or a style that, at that size, has fewer than P_MIN_REPEATS patches
  with any position more than P_EXCLUDE cells away to repeat at (a style grid only a few
  cells across: under 160 px for The Starry Night, 144 px for The Scream).
  Callers that summarise P must skip NaN (benchmarks/sweep.py does).

Everything runs on the bundled Caffe VGG19 (max pooling, fp32) on the CPU.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from style_core.images import ImageInput, fit_size, load_image, resize, to_tensor
from style_core.losses import gram_matrix
from style_core.params import CONTENT_LAYERS_DEFAULT, STYLE_LAYERS_DEFAULT
from style_core.vgg import get_vgg19

YARDSTICK_SIZE = 256  # S and C
W_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
W_DIRECTIONS = 64  # random unit directions per layer
W_QUANTILES = 256  # evenly spaced quantiles compared along each direction
W_SEED = 20261128
E_SIZE = 64


def _features(image: ImageInput, long_side: int, layers: tuple[str, ...]) -> dict:
    picture = load_image(image)
    picture = resize(picture, fit_size(*picture.size, long_side))
    net = get_vgg19("vgg19-caffe", "max", torch.device("cpu"))
    with torch.no_grad():
        return net(to_tensor(picture), layers)


def content_error(output: ImageInput, content: ImageInput) -> float:
    """C: relative relu4_2 feature distance (needs both images at the same aspect ratio)."""
    layer = CONTENT_LAYERS_DEFAULT[0]
    out = _features(output, YARDSTICK_SIZE, (layer,))[layer]
    ref = _features(content, YARDSTICK_SIZE, (layer,))[layer]
    if out.shape != ref.shape:
        out = F.interpolate(out, size=ref.shape[-2:], mode="bilinear")
    return float((out - ref).norm() / ref.norm())


def style_error(output: ImageInput, style: ImageInput) -> float:
    """S: mean relative Gram distance over relu1_1..relu5_1."""
    out = _features(output, YARDSTICK_SIZE, STYLE_LAYERS_DEFAULT)
    ref = _features(style, YARDSTICK_SIZE, STYLE_LAYERS_DEFAULT)
    errors = []
    for layer in STYLE_LAYERS_DEFAULT:
        out_gram, ref_gram = gram_matrix(out[layer]), gram_matrix(ref[layer])
        errors.append(float((out_gram - ref_gram).norm() / ref_gram.norm()))
    return sum(errors) / len(errors)


@functools.cache
def _directions(channels: int) -> torch.Tensor:
    """(C, K) fixed random unit directions: the same for every image and every run."""
    generator = torch.Generator().manual_seed(W_SEED + channels)
    directions = torch.randn(channels, W_DIRECTIONS, generator=generator)
    return directions / directions.norm(dim=0, keepdim=True)


def _projected_quantiles(features: torch.Tensor) -> torch.Tensor:
    """(1, C, H, W) -> (K, Q): quantiles of the features projected on each direction."""
    channels = features.shape[1]
    points = features[0].reshape(channels, -1)  # (C, N)
    projected = (_directions(channels).T @ points).sort(dim=1).values  # (K, N) sorted
    count = projected.shape[1]
    levels = (torch.arange(W_QUANTILES) + 0.5) / W_QUANTILES
    return projected[:, (levels * count).long().clamp_max(count - 1)]


def _sliced_distances(features: dict, target: dict[str, torch.Tensor]) -> list[float]:
    """Per layer: mean |quantile difference| against the target's projected quantiles."""
    return [
        float((_projected_quantiles(features[layer]) - target[layer]).abs().mean())
        for layer in W_LAYERS
    ]


def style_distance(
    output: ImageInput, style: ImageInput, content: ImageInput, size: int | None = None
) -> float:
    """W: sliced Wasserstein-1 to the style's features, relative to the content's own (= 1).

    All three images are compared at ``size`` (long side; default the output's own size).
    """
    out_picture = load_image(output)
    size = size or max(out_picture.size)
    out = _features(out_picture, size, W_LAYERS)
    ref = _features(style, size, W_LAYERS)
    baseline = _features(content, size, W_LAYERS)
    ref = {layer: _projected_quantiles(ref[layer]) for layer in W_LAYERS}  # once, used twice
    ratios = [
        d / max(base, 1e-12)
        for d, base in zip(_sliced_distances(out, ref), _sliced_distances(baseline, ref))
    ]
    return sum(ratios) / len(ratios)


def _edge_map(image: ImageInput, size: tuple[int, int]) -> torch.Tensor:
    grey = to_tensor(resize(load_image(image), size)).mean(dim=1, keepdim=True)  # (1, 1, H, W)
    sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    kernels = torch.stack([sobel, sobel.T]).unsqueeze(1)  # (2, 1, 3, 3): d/dx, d/dy
    gradients = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode="replicate"), kernels)
    magnitude = gradients.pow(2).sum(dim=1, keepdim=True).sqrt()
    # A 3x3 binomial blur: edges a pixel apart at 64 px still count as the same edge.
    blur = torch.tensor([1.0, 2.0, 1.0])
    blur = (blur[:, None] * blur[None, :] / 16).view(1, 1, 3, 3)
    return F.conv2d(F.pad(magnitude, (1, 1, 1, 1), mode="replicate"), blur).flatten()


def structure_lost(output: ImageInput, content: ImageInput) -> float:
    """E: 1 - Pearson correlation of blurred edge magnitudes of output and content at 64 px."""
    content_picture = load_image(content)
    size = fit_size(*content_picture.size, E_SIZE)
    a, b = _edge_map(output, size), _edge_map(content_picture, size)
    a, b = a - a.mean(), b - b.mean()
    correlation = (a * b).sum() / (a.norm() * b.norm()).clamp_min(1e-12)
    return float(1 - correlation)


P_LAYER = "relu5_1"  # object-sized: a 3x3 patch here sees most of a moon or a face
P_EXCLUDE = 3  # style positions this close (Chebyshev, in cells) overlap the patch itself
P_QUANTILE = 0.9  # "as close as the painting's own repeats get", for all but its top 10%
P_MIN_REPEATS = 30  # fewer style patches with a real own repeat than this: P is NaN


def _unit_patches(features: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
    """(1, C, H, W) -> ((H-2)*(W-2), C*9) unit-length 3x3 patches, and the grid (H-2, W-2).
    Interior only: padded border patches would all look alike."""
    height, width = features.shape[-2:]
    if height < 3 or width < 3:
        return features.new_zeros(0, features.shape[1] * 9), (0, 0)
    patches = F.unfold(features, 3)[0].T
    return F.normalize(patches, dim=1), (height - 2, width - 2)


def _own_repeats(style: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
    """(N,) each style patch's best cosine match in the style more than P_EXCLUDE cells away:
    how closely the painting repeats it. Brushwork repeats closely; a moon or a face does not.
    NaN for a patch with no position that far away (a style grid only a few cells across)."""
    height, width = grid
    rows, cols = torch.arange(height).repeat_interleave(width), torch.arange(width).repeat(height)
    best = torch.empty(style.shape[0])
    for start in range(0, style.shape[0], 1024):  # chunks: N x N at once can be large
        block = slice(start, start + 1024)
        near = ((rows[block, None] - rows[None]).abs() <= P_EXCLUDE) & (
            (cols[block, None] - cols[None]).abs() <= P_EXCLUDE
        )
        best[block] = (style[block] @ style.T).masked_fill(near, -1.0).max(dim=1).values
        best[block][near.all(dim=1)] = float("nan")
    return best


def pasting(output: ImageInput, style: ImageInput) -> float:
    """P: share of the output's relu5_1 3x3 patches that are closer to some style patch than
    the painting's own repeats are for 90% of its patches: near-copies of its rare parts.

    NaN when it cannot judge: the output holds no 3x3 patch at relu5_1 (under about 48 px),
    or fewer than P_MIN_REPEATS style patches have a position more than P_EXCLUDE cells away
    (small sizes: then every patch's "own repeat" would be the patch itself, and noise or
    flat grey would count as wholly pasted). The 90% quantile is taken over the patches
    that have such a position only; from 160 px on (8 cells along the long side) every
    style patch has one, and a P that is not NaN is the figure it was before this guard."""
    out_picture = load_image(output)
    size = max(out_picture.size)  # the style at the output's size, as the engine sees it
    out, _ = _unit_patches(_features(out_picture, size, (P_LAYER,))[P_LAYER])
    ref, grid = _unit_patches(_features(style, size, (P_LAYER,))[P_LAYER])
    if out.shape[0] == 0:
        return float("nan")  # too small to hold a 3x3 patch at relu5_1 (under ~48 px)
    repeats = _own_repeats(ref, grid)
    repeats = repeats[~repeats.isnan()]
    if repeats.shape[0] < P_MIN_REPEATS:
        return float("nan")  # too few style patches with a real repeat to set a threshold
    threshold = torch.quantile(repeats, P_QUANTILE)
    closest = (out @ ref.T).max(dim=1).values
    return float((closest > threshold).float().mean())


def yardstick(output: ImageInput, content: ImageInput, style: ImageInput) -> dict[str, float]:
    """All five figures: S, C, W, E, P."""
    return {
        "S": style_error(output, style),
        "C": content_error(output, content),
        "W": style_distance(output, style, content),
        "E": structure_lost(output, content),
        "P": pasting(output, style),
    }
