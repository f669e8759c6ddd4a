"""The optimisation loop as a stream of snapshots: order, stopping, reproducibility, caching,
multiple styles, colour modes, start images, optimisers, input errors and preview throttling.

Real bundled weights, tiny images (64 px, a few steps).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from style_core import engine
from style_core.engine import clear_style_cache, run, stylize
from style_core.images import ImageError, fit_size, to_tensor
from style_core.params import MAX_STYLES, StyleParams
from style_core.plan import describes_texture
from tests.conftest import make_content, make_style

CAT = Path(__file__).resolve().parents[1] / "examples" / "content_chelsea.jpg"
TINY = StyleParams(size=64, steps=6, preview_seconds=0.0)
# Shallow layers: the network stops at relu2_2, for tests about the loop rather than the look.
SHALLOW = dict(content_layers=("relu2_2",), style_layers=("relu1_1", "relu2_1"))

YIQ = torch.tensor(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]]
)


def _array(image: Image.Image) -> np.ndarray:
    return np.asarray(image).astype(np.float64)


def _yiq(image: Image.Image) -> torch.Tensor:
    return torch.einsum("ij,bjhw->bihw", YIQ, to_tensor(image))[0]


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _second_style() -> Image.Image:
    y, x = np.mgrid[0:64, 0:64]
    checks = ((x // 8 + y // 8) % 2).astype(np.float32)
    image = np.stack([0.9 * checks, 0.1 + 0.3 * checks, 0.8 - 0.6 * checks], axis=-1)
    return Image.fromarray((image * 255).round().astype(np.uint8))


# --- the stream of snapshots -------------------------------------------------------------


def test_two_scale_run_yields_snapshots_in_order(content_image, style_image):
    params = StyleParams(size=320, steps=6, preview_seconds=0.0, **SHALLOW)
    sizes = params.scale_sizes()
    assert sizes == [160, 320]  # coarse-to-fine starts above 300 px
    shapes = [fit_size(64, 48, side) for side in sizes]
    snapshots = list(stylize(content_image, style_image, params))
    *steps, final = snapshots

    assert [s.iteration for s in steps] == list(range(1, 7))
    assert {s.total for s in snapshots} == {6}
    assert {s.scales for s in snapshots} == {2}
    scale_of = [s.scale for s in steps]
    assert scale_of == sorted(scale_of) and scale_of[0] == 1 and scale_of[-1] == 2
    assert scale_of.count(1) == params.scale_steps()[0]
    for snapshot in steps:
        assert snapshot.size == shapes[snapshot.scale - 1]
        assert not snapshot.done
        assert snapshot.image is not None and snapshot.image.size == snapshot.size
        assert set(snapshot.losses) == {"content", "style", "tv", "total"}
        assert all(math.isfinite(v) for v in snapshot.losses.values())
        assert 0 < snapshot.progress <= 1 and snapshot.eta is not None and snapshot.eta >= 0
    progress = [s.progress for s in snapshots]
    assert progress == sorted(progress)
    elapsed = [s.elapsed for s in snapshots]
    assert elapsed == sorted(elapsed)

    assert final.done and final.iteration == final.total == 6
    assert final.scale == 2 and final.size == (320, 240)
    assert final.progress == 1.0 and final.eta == 0.0
    assert final.image.size == (320, 240) and final.image.mode == "RGB"
    assert [s.done for s in snapshots].count(True) == 1


def _style_layers_per_step(
    monkeypatch, content_image, style, **changes
) -> tuple[list, StyleParams]:
    """Run 160 -> 320 px; the style layers (and their weights' sum) of every step."""
    seen = []
    real = engine.style_loss

    def recording(features, targets, weights, *rest):
        seen.append((tuple(targets), sum(weights.values())))
        return real(features, targets, weights, *rest)

    monkeypatch.setattr(engine, "style_loss", recording)
    params = StyleParams(size=320, steps=4, preview_seconds=0.0, **changes)
    assert params.scale_sizes() == [160, 320]
    list(stylize(content_image, style, params))
    return seen, params


def test_every_scale_uses_only_the_layers_that_describe_texture(monkeypatch, content_image):
    """Deep Gram matrices of a small style image pin down its layout, so scales drop them.

    A layer stays where the style has more than two positions per channel. The (320 px) style
    is 160 px at the 160 px coarse scale: relu3_1 (40x40 = 1600 positions, 256 channels) stays,
    relu4_1 (20x20 = 400, 512 channels) and relu5_1 (10x10) go. At the 320 px final scale
    relu4_1 has 40x40 positions and stays, relu5_1 (20x20) goes.
    """
    seen, params = _style_layers_per_step(monkeypatch, content_image, make_style(320, 320))
    coarse = [layers for layers, _ in seen[: params.scale_steps()[0]]]
    fine = [layers for layers, _ in seen[params.scale_steps()[0] :]]
    assert set(coarse) == {("relu1_1", "relu2_1", "relu3_1")}
    assert set(fine) == {("relu1_1", "relu2_1", "relu3_1", "relu4_1")}
    assert {total for _, total in seen} == {3.0, 4.0}  # layer weights cover the layers used


def test_the_rank_rule_counts_a_small_styles_own_pixels(monkeypatch, content_image):
    """A 64 px style upscaled to 320 px has no more positions than its own 64x64: relu3_1 has
    16x16 = 256 of them for 256 channels, so even the 320 px scale stops at relu2_1."""
    seen, params = _style_layers_per_step(monkeypatch, content_image, make_style(64, 64))
    assert {layers for layers, _ in seen} == {("relu1_1", "relu2_1")}
    assert engine.matched_style_layers(params, [(64, 64)]) == (
        "relu1_1",
        "relu2_1",
    )
    big = engine.matched_style_layers(params, [(1000, 1000)])
    assert big == ("relu1_1", "relu2_1", "relu3_1", "relu4_1")


def test_without_the_rank_rule_every_scale_uses_every_style_layer(monkeypatch, content_image):
    seen, params = _style_layers_per_step(
        monkeypatch, content_image, make_style(64, 64), rank_rule=False
    )
    assert {layers for layers, _ in seen} == {params.style_layers}
    assert len(seen) == params.steps


def test_a_tiny_coarse_scale_keeps_the_shallowest_style_layer(monkeypatch, content_image):
    seen = []
    real = engine.style_loss
    monkeypatch.setattr(
        engine, "style_loss", lambda f, t, *rest: seen.append(tuple(t)) or real(f, t, *rest)
    )
    params = StyleParams(size=320, steps=2, style_scale=0.1, style_layers=("relu5_1",))
    list(stylize(content_image, make_style(64, 64), params))
    assert seen == [("relu5_1",), ("relu5_1",)]


def test_closing_the_generator_stops_the_work(monkeypatch, content_image, style_image):
    calls = []
    real = engine.content_loss

    def counting(features, targets):
        calls.append(1)
        return real(features, targets)

    monkeypatch.setattr(engine, "content_loss", counting)
    gen = stylize(content_image, style_image, StyleParams(size=64, steps=50, **SHALLOW))
    seen = [next(gen) for _ in range(3)]
    assert [s.iteration for s in seen] == [1, 2, 3]
    assert len(calls) == 3  # L-BFGS: one loss evaluation per reported iteration
    gen.close()
    assert len(calls) == 3
    with pytest.raises(StopIteration):
        next(gen)
    assert len(calls) == 3


def test_run_returns_the_final_image(content_image, style_image):
    image = run(content_image, style_image, StyleParams(size=64, steps=2, **SHALLOW))
    assert isinstance(image, Image.Image) and image.size == (64, 48)


# --- reproducibility ---------------------------------------------------------------------


def test_same_seed_same_image_and_seed_changes_the_noise(content_image, style_image):
    noise = StyleParams(size=64, steps=3, init="noise", seed=5, **SHALLOW)
    first = _array(run(content_image, style_image, noise))
    again = _array(run(content_image, style_image, noise))
    other = _array(run(content_image, style_image, noise.replace(seed=6)))
    assert np.array_equal(first, again)
    assert np.abs(first - other).mean() > 5


# --- style cache -------------------------------------------------------------------------


def test_second_run_with_the_same_style_uses_the_style_cache(monkeypatch, content_image):
    clear_style_cache()
    computed = []
    real = engine.style_statistics

    def counting(features, statistic):
        if features.shape[-1] == features.shape[-2]:  # the square style's, not the content's
            computed.append(features.shape[1])
        return real(features, statistic)

    monkeypatch.setattr(engine, "style_statistics", counting)
    params = StyleParams(size=64, steps=2)
    run(content_image, make_style(), params)
    assert len(computed) == len(params.style_layers)
    assert len(engine._STYLE_CACHE) == 1
    run(content_image, make_style(), params)  # a new image object with the same pixels
    assert len(computed) == len(params.style_layers)
    run(content_image, make_style().transpose(Image.Transpose.FLIP_LEFT_RIGHT), params)
    assert len(computed) == 2 * len(params.style_layers)
    run(content_image, make_style(), params.replace(style_layers=("relu1_1",)))
    assert len(computed) == 2 * len(params.style_layers) + 1
    assert len(engine._STYLE_CACHE) == 3
    other = "gram" if params.style_statistic != "gram" else "mean-covariance"
    run(content_image, make_style(), params.replace(style_statistic=other))  # other targets
    assert len(computed) == 3 * len(params.style_layers) + 1
    clear_style_cache()
    assert len(engine._STYLE_CACHE) == 0


# --- several styles ----------------------------------------------------------------------


def test_style_blend_weights_the_styles(content_image, style_image):
    second = _second_style()
    # From noise, so that the result is made by the optimisation rather than the content.
    # 10 steps: until L-BFGS has curvature its steps have a fixed pixel size, so the mix
    # follows the style with the larger gradient for the first few (at 6: 1.9 grey levels
    # from the second style's picture; at 10: 17.8).
    base = StyleParams(size=64, steps=10, init="noise", style_weight=1000.0, **SHALLOW)
    only_first = _array(run(content_image, style_image, base))
    only_second = _array(run(content_image, second, base))
    both = [style_image, second]
    one_zero = _array(run(content_image, both, base.replace(style_blend=(1.0, 0.0))))
    zero_one = _array(run(content_image, both, base.replace(style_blend=(0.0, 2.0))))
    mixed = _array(run(content_image, both, base.replace(style_blend=(0.5, 0.5))))
    assert np.array_equal(one_zero, only_first)
    assert np.array_equal(zero_one, only_second)
    assert np.abs(only_first - only_second).mean() > 5
    assert np.abs(mixed - only_first).mean() > 2 and np.abs(mixed - only_second).mean() > 2


def test_equal_weights_by_default(content_image, style_image):
    both = [style_image, _second_style()]
    base = StyleParams(size=64, steps=3, **SHALLOW)
    default = _array(run(content_image, both, base))
    equal = _array(run(content_image, both, base.replace(style_blend=(3.0, 3.0))))
    assert np.array_equal(default, equal)


def _texture(low: int, high: int, seed: int) -> Image.Image:
    """128 px of random 4x4-pixel blocks with every channel in low..high."""
    blocks = np.random.default_rng(seed).integers(low, high + 1, (32, 32, 3)).astype(np.uint8)
    return Image.fromarray(blocks).resize((128, 128), Image.Resampling.NEAREST)


@pytest.mark.parametrize("statistic", ["mean-covariance", "gram"])
def test_a_blend_of_a_dark_and_a_light_style_is_both(statistic):
    """A 50/50 blend matches the mixture of the two styles, so the output holds both: dark
    and light pixels, not one mid-grey between them. Averaging the covariances (the blend
    before issue 26) gave 2% dark and 0% light here; the mixture gives 23% and 23%."""
    params = StyleParams(
        size=128,
        steps=30,
        preview_seconds=0.0,
        precision="fp32",
        style_statistic=statistic,
        style_blend=(0.5, 0.5),
    )
    styles = [_texture(0, 70, seed=1), _texture(185, 255, seed=2)]
    brightness = _array(run(CAT, styles, params)).mean(axis=-1)
    assert (brightness < 70).mean() > 0.15
    assert (brightness > 185).mean() > 0.15


def _first_style_loss(style: Image.Image) -> float:
    params = StyleParams(size=128, steps=1, multiscale=False, precision="fp32")
    return next(iter(stylize(make_content(128, 96), style, params))).losses["style"]


def test_a_flat_style_pulls_about_as_hard_as_a_textured_one():
    """The style error is relative to the style's own statistics, floored at a quarter of the
    content's: flat red's covariance is near zero, and without the floor its first style loss
    was 21x the textured style's at the same weight (now under 3x)."""
    flat_red = Image.new("RGB", (128, 128), (200, 30, 30))
    textured = _first_style_loss(make_style(128, 128))
    assert _first_style_loss(flat_red) < 3 * textured


# --- colour modes ------------------------------------------------------------------------


def test_luminance_mode_keeps_the_content_colours(content_image, style_image):
    params = StyleParams(size=64, steps=6, init="noise", style_weight=1000.0, **SHALLOW)
    plain = run(content_image, style_image, params)
    kept = run(content_image, style_image, params.replace(color="luminance"))
    content_iq = _yiq(content_image)[1:]
    kept_error = (_yiq(kept)[1:] - content_iq).abs().mean().item()
    plain_error = (_yiq(plain)[1:] - content_iq).abs().mean().item()
    assert kept_error < 0.02  # only 8-bit rounding and clipping
    assert plain_error > 3 * kept_error
    # ... while the luminance did change.
    assert (_yiq(kept)[0] - _yiq(content_image)[0]).abs().mean() > 0.05


def test_linear_colour_mode_runs_and_changes_the_result(content_image, style_image):
    params = StyleParams(size=64, steps=4, init="style", **SHALLOW)
    plain = run(content_image, style_image, params)
    matched = run(content_image, style_image, params.replace(color="linear"))
    assert matched.size == (64, 48)
    content_mean = _array(content_image).mean((0, 1))
    # Starting from the colour-matched style, the colours are the content's.
    assert (
        np.abs(_array(matched).mean((0, 1)) - content_mean).max()
        < np.abs(_array(plain).mean((0, 1)) - content_mean).max()
    )


# --- start images and optimisers ---------------------------------------------------------


@pytest.mark.parametrize("init", ["style", "noise"])
def test_other_start_images(content_image, style_image, init):
    params = StyleParams(size=64, steps=2, **SHALLOW)
    from_content = next(stylize(content_image, style_image, params))
    other = list(stylize(content_image, style_image, params.replace(init=init)))
    # The first reported losses are those of the start image.
    assert from_content.losses["content"] < 1e-3
    assert other[0].losses["content"] > 0.1
    assert other[-1].done and other[-1].image.size == (64, 48)


def test_adam_lowers_the_loss(content_image, style_image):
    params = StyleParams(size=64, steps=10, optimizer="adam", learning_rate=0.05, **SHALLOW)
    snapshots = list(stylize(content_image, style_image, params))
    first, last = snapshots[0].losses["total"], snapshots[-2].losses["total"]
    assert last < 0.8 * first


# --- bad input: clear ValueErrors before any heavy work ----------------------------------


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the network was loaded before the inputs were checked")

    monkeypatch.setattr(engine, "get_vgg19", refuse)


def _clean_error(error_type, content, styles, params=TINY) -> str:
    with pytest.raises(error_type) as info:
        next(stylize(content, styles, params))
    message = str(info.value)
    assert message and "\n" not in message
    assert "Traceback" not in message and 'File "' not in message
    return message


def test_no_styles(no_network, content_image):
    assert "at least one style" in _clean_error(ValueError, content_image, [])


def test_style_blend_length_must_match(no_network, content_image, style_image):
    message = _clean_error(
        ValueError, content_image, [style_image], TINY.replace(style_blend=(1.0, 2.0))
    )
    assert "style_blend has 2 weights" in message and "1 style image" in message


def test_too_many_styles(no_network, content_image, style_image):
    message = _clean_error(ValueError, content_image, [style_image] * (MAX_STYLES + 1))
    assert f"at most {MAX_STYLES}" in message and str(MAX_STYLES + 1) in message


def test_non_image_content(no_network, tmp_path, style_image):
    notes = tmp_path / "notes.png"
    notes.write_text("not a picture")
    message = _clean_error(ImageError, notes, style_image)
    assert message.startswith("content image:") and str(tmp_path) not in message
    assert _clean_error(ImageError, b"nope", style_image).startswith("content image:")


def test_non_image_among_several_styles_is_named(no_network, content_image, style_image):
    message = _clean_error(ValueError, content_image, [style_image, b"junk"])
    assert message.startswith("style image 2:")


def test_invalid_params(no_network, content_image, style_image):
    message = _clean_error(ValueError, content_image, style_image, StyleParams(steps=0))
    assert message.startswith("steps")


def test_a_single_style_can_be_an_array_or_bytes(content_image, style_image):
    params = StyleParams(size=64, steps=1, **SHALLOW)
    for style in (np.asarray(style_image), _png(style_image)):
        assert next(stylize(content_image, style, params)).iteration == 1


def test_a_single_style_can_be_a_bytearray(content_image, style_image):
    params = StyleParams(size=64, steps=1, **SHALLOW)
    assert next(stylize(content_image, bytearray(_png(style_image)), params)).iteration == 1


# --- preview throttling ------------------------------------------------------------------


def _preview_iterations(params: StyleParams) -> tuple[list[int], Image.Image | None]:
    snapshots = list(stylize(make_content(), make_style(), params))
    *steps, final = snapshots
    return [s.iteration for s in steps if s.image is not None], final.image


def test_long_preview_interval_gives_first_and_final_only():
    previews, final = _preview_iterations(
        StyleParams(size=64, steps=5, preview_seconds=3600.0, **SHALLOW)
    )
    assert previews == [1]
    assert final is not None and final.size == (64, 48)


def test_zero_preview_interval_gives_every_snapshot():
    previews, final = _preview_iterations(
        StyleParams(size=64, steps=5, preview_seconds=0.0, **SHALLOW)
    )
    assert previews == [1, 2, 3, 4, 5]
    assert final is not None


def test_preview_every_n_iterations():
    previews, final = _preview_iterations(
        StyleParams(size=64, steps=7, preview_seconds=3600.0, preview_every=2, **SHALLOW)
    )
    assert previews == [1, 2, 4, 6]
    assert final is not None


def test_a_square_512_px_style_has_too_few_positions_for_relu5_1():
    """Exactly two positions per channel is not enough: a 512x512 portrait pasted its face
    with relu5_1 kept (benchmarks/RESULTS.md); a little larger and the layer is used."""
    assert not describes_texture("relu5_1", (512, 512))
    assert describes_texture("relu5_1", (544, 544))
    assert describes_texture("relu4_1", (384, 512))
    assert not describes_texture("relu4_1", (128, 512))
