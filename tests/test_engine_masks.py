"""Masks: the style goes where the mask is white, the content stays where it is black, two
styles split by a mask each win their own side, and the regions meet without a seam.

Judged with the project's yardsticks per region (style_core.metrics), which the engine does
not optimise: W (sliced Wasserstein distance to the style, content's own = 1) and C (relu4_2
feature error). Real bundled weights; the example photo and paintings at 128 px.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from style_core import StyleParams, run, stylize
from style_core.images import fit_size, load_image, resize
from style_core.metrics import content_error, style_distance

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
STARRY = EXAMPLES / "style_starry_night.jpg"
SCREAM = EXAMPLES / "style_the_scream.jpg"
# fp32 on every CPU: the figures below were measured in fp32 (bf16, chosen where the CPU has
# it natively, takes a different path: the unmasked run came within 2% of the masked one).
PARAMS = StyleParams(size=128, steps=25, preview_seconds=0.0, precision="fp32")

pytestmark = pytest.mark.slow  # a few 128 px runs: about a minute on a 2-core CPU


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    """The cat photo at the output size, so halves of results and content line up."""
    content = load_image(EXAMPLES / "content_chelsea.jpg")
    return resize(content, fit_size(*content.size, PARAMS.size))


def halves(image: Image.Image) -> tuple[Image.Image, Image.Image]:
    width, height = image.size
    return image.crop((0, 0, width // 2, height)), image.crop((width // 2, 0, width, height))


def left_half_mask(size: tuple[int, int]) -> np.ndarray:
    width, height = size
    mask = np.zeros((height, width), np.uint8)
    mask[:, : width // 2] = 255
    return mask


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float64)


@pytest.fixture(scope="module")
def unmasked(photo) -> Image.Image:
    return run(photo, STARRY, PARAMS)


@pytest.fixture(scope="module")
def masked(photo) -> Image.Image:
    return run(photo, STARRY, PARAMS, mask=left_half_mask(photo.size))


def test_the_painted_half_takes_more_style_and_the_other_keeps_the_content(photo, unmasked, masked):
    """Against the unmasked result's halves: the left is closer to the painting, the right to
    the photo."""
    style_left, content_right = halves(photo)[0], halves(photo)[1]
    (plain_left, plain_right), (masked_left, masked_right) = halves(unmasked), halves(masked)
    w_plain = style_distance(plain_left, STARRY, style_left)
    w_masked = style_distance(masked_left, STARRY, style_left)
    assert w_masked < 0.9 * w_plain, (w_masked, w_plain)
    c_plain = content_error(plain_right, content_right)
    c_masked = content_error(masked_right, content_right)
    assert c_masked < 0.2 * c_plain, (c_masked, c_plain)
    # The right half has none of the style: as far from the painting as the photo itself.
    assert style_distance(masked_right, STARRY, content_right) > 0.9


def test_regions_meet_without_a_seam(photo, masked):
    """Across the mask's hard edge the result fades into the photo over several columns."""
    difference = np.abs(pixels(masked) - pixels(photo)).mean(axis=(0, 2))  # per column
    middle = photo.width // 2
    styled, kept = difference[: middle - 8].mean(), difference[middle + 8 :].mean()
    assert kept < 2 and styled > 20, (kept, styled)
    between = difference[middle - 4 : middle + 4]
    fading = [value for value in between if kept + 0.1 * styled < value < 0.9 * styled]
    assert len(fading) >= 2, between.round(1)


def test_previews_show_the_content_kept_where_the_mask_is_black(photo):
    params = PARAMS.replace(steps=6, multiscale=False)
    snapshots = list(stylize(photo, STARRY, params, mask=left_half_mask(photo.size)))
    previews = [s.image for s in snapshots if s.image is not None and not s.done]
    assert previews
    right = pixels(halves(previews[0])[1])[:, 8:]  # away from the feathered edge
    assert np.abs(right - pixels(halves(photo)[1])[:, 8:]).mean() < 2


def test_two_styles_split_by_a_mask_each_win_their_own_side(photo):
    result = run(photo, [STARRY, SCREAM], PARAMS, mask=left_half_mask(photo.size))
    for side, own, other in zip(halves(result), (STARRY, SCREAM), (SCREAM, STARRY)):
        content = halves(photo)[0 if own is STARRY else 1]
        w_own = style_distance(side, own, content)
        w_other = style_distance(side, other, content)
        assert w_own < 0.85 * w_other, (own.name, w_own, w_other)


def test_an_all_black_mask_keeps_the_photo_and_an_all_white_one_styles_everything(photo, unmasked):
    width, height = photo.size
    black = run(photo, STARRY, PARAMS, mask=np.zeros((height, width), np.uint8))
    assert np.abs(pixels(black) - pixels(photo)).mean() < 1
    white = run(photo, STARRY, PARAMS, mask=np.full((height, width), 255, np.uint8))
    assert np.abs(pixels(white) - pixels(unmasked)).max() <= 2  # the plain run, to rounding


def test_a_grey_mask_blends_style_and_content(photo, unmasked):
    width, height = photo.size
    grey = run(photo, STARRY, PARAMS, mask=np.full((height, width), 128, np.uint8))
    w = {
        name: style_distance(image, STARRY, photo)
        for name, image in (("grey", grey), ("unmasked", unmasked))
    }
    assert w["unmasked"] + 0.05 < w["grey"] < 0.95, w


def test_a_gram_statistic_job_styles_the_painted_half_and_keeps_the_other(photo):
    """The other mask tests run the default statistic; the Gram matrix takes the mask too.
    Measured in fp32: left W 0.36, right W 1.00 and 0.0 from the photo; with the mask ignored
    the right half had W 0.32 and moved 46 from the photo."""
    params = PARAMS.replace(style_statistic="gram")
    result = run(photo, STARRY, params, mask=left_half_mask(photo.size))
    (styled, kept), (content_left, content_right) = halves(result), halves(photo)
    w_styled = style_distance(styled, STARRY, content_left)
    w_kept = style_distance(kept, STARRY, content_right)
    assert w_styled < 0.6 and w_kept > 0.9, (w_styled, w_kept)
    moved = np.abs(pixels(kept) - pixels(content_right))[:, 8:].mean()  # away from the edge
    assert moved < 1, moved
