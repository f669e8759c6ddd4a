"""Tiled evaluation is exact: the loss and gradient summed over tiles equal the whole image's
(style_core.tiles, after Galerne et al., "Scaling Painting Style Transfer")."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from style_core.images import fit_size, load_image, resize, to_tensor
from style_core.losses import content_loss, style_loss, style_statistics, total_variation
from style_core.params import STYLE_LAYERS_DEFAULT
from style_core.tiles import Region, evaluate, margin_for, tiles
from style_core.vgg import get_vgg19, poolings_before
from tests.test_engine_masks import EXAMPLES, STARRY

CONTENT_LAYERS = ("relu4_2",)
WEIGHTS = (8.0, 1000.0, 1.0)


@pytest.fixture(scope="module")
def net():
    return get_vgg19("vgg19-caffe", "max", torch.device("cpu"))


def picture(name: str, long_side: int) -> torch.Tensor:
    image = load_image(EXAMPLES / name)
    return to_tensor(resize(image, fit_size(*image.size, long_side)))


def layer_masks(share: torch.Tensor) -> dict[str, torch.Tensor]:
    height, width = share.shape[-2:]
    return {
        name: F.adaptive_avg_pool2d(
            share, (height >> poolings_before(name), width >> poolings_before(name))
        )
        for name in STYLE_LAYERS_DEFAULT
    }


def problem(net, long_side: int, statistic: str, masked: bool):
    content = picture("content_chelsea.jpg", long_side)
    with torch.no_grad():
        features = net(content, CONTENT_LAYERS + STYLE_LAYERS_DEFAULT)
        style = net(picture(STARRY.name, long_side), STYLE_LAYERS_DEFAULT)
    targets = {name: style_statistics(style[name], statistic) for name in STYLE_LAYERS_DEFAULT}
    if masked:  # two regions: the Starry Night on the left, its mirror image on the right
        with torch.no_grad():
            other = net(picture(STARRY.name, long_side).flip(-1), STYLE_LAYERS_DEFAULT)
        others = {n: style_statistics(other[n], statistic) for n in STYLE_LAYERS_DEFAULT}
        left = torch.zeros(1, 1, *content.shape[-2:])
        left[..., : content.shape[-1] // 2] = 1.0
        regions = [Region(targets, layer_masks(left)), Region(others, layer_masks(1 - left))]
    else:
        regions = [Region(targets)]
    return {
        "content_targets": {name: features[name] for name in CONTENT_LAYERS},
        "regions": regions,
        "layer_weights": dict.fromkeys(STYLE_LAYERS_DEFAULT, 1.0),
        "statistic": statistic,
        "references": {
            name: style_statistics(features[name], statistic) for name in STYLE_LAYERS_DEFAULT
        },
        "weights": WEIGHTS,
    }, content


def untiled(net, image: torch.Tensor, setup: dict) -> tuple[float, torch.Tensor]:
    """The engine's loss on the whole image, and its gradient."""
    image = image.detach().clone().requires_grad_(True)
    features = net(image, CONTENT_LAYERS + STYLE_LAYERS_DEFAULT)
    regional = [
        style_loss(
            features,
            region.targets,
            setup["layer_weights"],
            region.masks,
            setup["statistic"],
            setup["references"],
        )
        for region in setup["regions"]
    ]
    content_weight, style_weight, tv_weight = setup["weights"]
    total = (
        content_weight * content_loss(features, setup["content_targets"])
        + style_weight * torch.stack(regional).mean()
        + tv_weight * total_variation(image)
    )
    total.backward()
    return total.item(), image.grad


@pytest.mark.parametrize(
    ("long_side", "statistic", "masked"),
    [
        (512, "mean-covariance", False),
        (320, "gram", False),
        (320, "mean-covariance", True),
        (320, "gram", True),
    ],
)
def test_the_tiled_gradient_is_the_untiled_one(net, long_side, statistic, masked):
    setup, content = problem(net, long_side, statistic, masked)
    # A start some way from the photo, so that every term has a gradient.
    image = (
        content + 0.1 * torch.randn(content.shape, generator=torch.Generator().manual_seed(0))
    ).clamp(0, 1)
    expected_loss, expected = untiled(net, image, setup)
    loss, terms, gradient = evaluate(net, torch.float32, image, tile_size=128, **setup)
    assert len(tiles(*image.shape[-2:], 128, margin_for(("relu5_1",)))) >= 6
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    assert set(terms) == {"content", "style", "tv"}
    error = (gradient - expected).norm() / expected.norm()
    assert error < 1e-4, float(error)


def test_a_margin_too_small_for_relu5_1_is_not_exact(net, monkeypatch):
    """The check above can fail: with a margin under relu5_1's receptive radius the core's
    deep features are not the whole image's, and the gradient drifts."""
    from style_core import tiles as tiles_module

    setup, content = problem(net, 320, "mean-covariance", False)
    _, expected = untiled(net, content, setup)
    monkeypatch.setattr(tiles_module, "margin_for", lambda layers: 16)
    _, _, gradient = evaluate(net, torch.float32, content, tile_size=128, **setup)
    assert (gradient - expected).norm() / expected.norm() > 1e-3


def test_a_tiled_run_paints_the_untiled_runs_picture():
    from style_core import StyleParams, run

    params = StyleParams(size=320, steps=6, multiscale=False, precision="fp32")
    content = EXAMPLES / "content_chelsea.jpg"
    plain = run(content, STARRY, params)
    tiled = run(content, STARRY, params.replace(tile_size=128))
    difference = (to_tensor(plain) - to_tensor(tiled)).abs() * 255
    # The sums are added in another order, so the two runs part by float rounding, which
    # L-BFGS amplifies step by step (as a run on another thread count would): after 3 steps
    # no pixel differs by more than 1 grey level; after 6, 0.02% of them (max 3), mean 0.02.
    assert float((difference > 1.01).float().mean()) < 0.001
    assert float(difference.mean()) < 0.1


def test_tile_size_is_checked():
    from style_core import StyleParams

    with pytest.raises(
        ValueError,
        match=r"tile_size must be -1 \(automatic\), 0 \(never tile\) or a multiple of 16",
    ):
        StyleParams(tile_size=100).validate()
    assert StyleParams(tile_size=256).validate().tile_size == 256


def test_a_large_images_set_up_is_gathered_from_tiles(net):
    """Features and style statistics of a whole image, without running the network on it."""
    from style_core.tiles import features_and_statistics

    image = picture("content_chelsea.jpg", 320)
    for statistic in ("mean-covariance", "gram"):
        features, statistics = features_and_statistics(
            net, torch.float32, image, CONTENT_LAYERS, STYLE_LAYERS_DEFAULT, statistic, 128
        )
        with torch.no_grad():
            whole = net(image, CONTENT_LAYERS + STYLE_LAYERS_DEFAULT)
        expected = whole["relu4_2"]
        assert features["relu4_2"].shape == expected.shape
        assert ((features["relu4_2"] - expected).norm() / expected.norm()) < 1e-5
        for name in STYLE_LAYERS_DEFAULT:
            reference = style_statistics(whole[name], statistic)
            error = (statistics[name] - reference).norm() / reference.norm()
            assert error < 1e-4, (statistic, name, float(error))
