"""Optical flow: DIS recovers known motion, warping along it carries one frame onto the other,
and the forward-backward test trusts still and rigidly moving pixels, not uncovered ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from clips import texture
from PIL import Image

from style_core.flow import confidence, flow, warp
from style_core.images import to_tensor

WIDTH, HEIGHT = 96, 64
MARGIN = 8  # px left out at the border, where part of the shifted picture is unseen
BIG = texture(WIDTH + 2 * MARGIN, HEIGHT + 2 * MARGIN, seed=3)


def _shifted_pair(dx: int, dy: int) -> tuple[Image.Image, Image.Image]:
    """Two views of one texture, b = a moved by (dx, dy): a(p) = b(p + (dx, dy))."""
    a = BIG[MARGIN : MARGIN + HEIGHT, MARGIN : MARGIN + WIDTH]
    b = BIG[MARGIN - dy : MARGIN - dy + HEIGHT, MARGIN - dx : MARGIN - dx + WIDTH]
    return Image.fromarray(a), Image.fromarray(b)


def _interior(array):
    return array[..., MARGIN:-MARGIN, MARGIN:-MARGIN]


@pytest.mark.parametrize(("dx", "dy"), [(3, 2), (-2, 4), (5, -1), (0, 0)])
def test_flow_recovers_a_shift(dx, dy):
    a, b = _shifted_pair(dx, dy)
    displacement = flow(a, b)
    assert displacement.shape == (HEIGHT, WIDTH, 2) and displacement.dtype == np.float32
    interior = displacement[MARGIN:-MARGIN, MARGIN:-MARGIN]
    assert np.abs(interior[..., 0] - dx).max() < 0.3
    assert np.abs(interior[..., 1] - dy).max() < 0.3


def test_warp_along_the_flow_reproduces_the_first_frame():
    a, b = _shifted_pair(3, 2)
    warped = warp(to_tensor(b), flow(a, b))
    assert warped.shape == (1, 3, HEIGHT, WIDTH)
    error = _interior((warped - to_tensor(a)).abs()).mean()
    unwarped = _interior((to_tensor(b) - to_tensor(a)).abs()).mean()
    assert error < 0.01 and error < unwarped / 20, (error, unwarped)


def test_warp_samples_at_p_plus_the_displacement():
    image = torch.rand(
        1, 2, 10, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(1)
    )
    displacement = np.zeros((10, 12, 2), np.float32)
    displacement[..., 0], displacement[..., 1] = 2, 1
    warped = warp(image, displacement)
    assert torch.allclose(warped[..., :-1, :-2], image[..., 1:, 2:], atol=1e-5)
    assert torch.allclose(warped[..., -1, :-2], image[..., -1, 2:], atol=1e-5)  # border kept


def test_zero_flow_is_the_identity():
    image = torch.rand(1, 3, HEIGHT, WIDTH, generator=torch.Generator().manual_seed(0))
    warped = warp(image, np.zeros((HEIGHT, WIDTH, 2), np.float32))
    # Not bit-exact: pixel -> grid -> pixel coordinates round in float32 (~1e-5).
    assert torch.allclose(warped, image, atol=1e-4)


def test_flow_of_frames_of_different_sizes_is_refused():
    a, _ = _shifted_pair(0, 0)
    with pytest.raises(ValueError, match=r"\(96, 64\).*\(94, 64\)"):
        flow(a, a.crop((0, 0, 94, 64)))


def test_warp_with_a_flow_of_another_size_is_refused():
    with pytest.raises(ValueError, match="flow is"):
        warp(torch.rand(1, 3, HEIGHT, WIDTH), np.zeros((HEIGHT, WIDTH - 2, 2), np.float32))


# --- confidence --------------------------------------------------------------------------

SQUARE, TOP, LEFT, MOVE = 24, 20, 30, 6  # the square in frame t-1, and how far it moves right


def _frame(left: int) -> Image.Image:
    picture = texture(WIDTH, HEIGHT, seed=1).copy()
    picture[TOP : TOP + SQUARE, left : left + SQUARE] = texture(SQUARE, SQUARE, seed=2, blur=1.5)
    return Image.fromarray(picture)


def _confidence(previous: Image.Image, current: Image.Image) -> np.ndarray:
    return confidence(flow(current, previous), flow(previous, current))


def test_confidence_of_a_still_frame_is_one_everywhere():
    still = _frame(LEFT)
    trusted = _confidence(still, still)
    assert trusted.shape == (HEIGHT, WIDTH) and trusted.dtype == np.float32
    assert (trusted == 1).all()


@pytest.fixture(scope="module")
def moving_square() -> np.ndarray:
    return _confidence(_frame(LEFT), _frame(LEFT + MOVE))


def test_confidence_trusts_the_still_background_away_from_the_square(moving_square):
    far = np.ones((HEIGHT, WIDTH), bool)
    far[TOP - 12 : TOP + SQUARE + 12, LEFT - 12 : LEFT + MOVE + SQUARE + 12] = False
    # The frame's edge is left out: DIS noise of -0.0001 px there reads as 'from outside'.
    far[[0, -1]], far[:, [0, -1]] = False, False
    # DIS leaks ~0.15 px of the square's motion ten pixels around it; where that leak fades,
    # a few pixels pass Ruder et al.'s (strict) motion-boundary threshold.
    assert moving_square[far].mean() > 0.98


def test_confidence_trusts_the_inside_of_the_rigidly_moving_square(moving_square):
    left = LEFT + MOVE
    inside = moving_square[TOP + 6 : TOP + SQUARE - 6, left + 6 : left + SQUARE - 6]
    assert (inside == 1).all()


def test_confidence_is_zero_where_the_square_uncovers_the_background(moving_square):
    uncovered = moving_square[TOP : TOP + SQUARE, LEFT : LEFT + MOVE]
    # DIS smears the square's motion a pixel past its edge: the column beside it may pass.
    assert (uncovered[:, :-1] == 0).all()
    assert uncovered.mean() < 0.05


def test_confidence_is_zero_along_the_square_s_edges(moving_square):
    """The motion-boundary rule: the top, bottom and leading edges were seen in frame t-1
    (only the trailing edge borders the uncovered strip), yet flow is unreliable there."""
    left, right, bottom = LEFT + MOVE, LEFT + MOVE + SQUARE - 1, TOP + SQUARE - 1
    edges = np.concatenate(
        [
            moving_square[TOP, left : right + 1],
            moving_square[bottom, left : right + 1],
            moving_square[TOP : bottom + 1, right],
        ]
    )
    # DIS may put the motion edge a pixel off the true one, so a few edge pixels pass.
    assert edges.mean() < 0.15


def test_confidence_is_zero_where_a_pan_brings_in_new_content():
    # The camera pans: the picture moves 4 px right, its first 4 columns were outside t-1.
    a, b = _shifted_pair(4, 0)
    trusted = _confidence(a, b)
    assert (trusted[:, :4] == 0).all()
    assert (trusted[MARGIN:-MARGIN, MARGIN + 4 : -MARGIN] == 1).all()
