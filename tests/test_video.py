"""style_core.video: frames stream in order, later frames start from the one before and are
held to it, and that flickers less than styling every frame on its own."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from clips import scenes, write_video
from conftest import make_content, make_style
from PIL import Image

from style_core import StyleParams, stylize
from style_core.engine import Temporal
from style_core.images import to_tensor
from style_core.video import VideoParams, frame_costs, frame_plans, stylize_video
from style_core.video_io import read_frames

FAST = StyleParams(steps=6, precision="fp32")


def moving_square_clip(frames: int = 4, width: int = 64, height: int = 48) -> list[Image.Image]:
    """A still scene with a bright square crossing it, 3 px a frame."""
    background = np.asarray(make_content(width, height)).copy()
    clip = []
    for index in range(frames):
        picture = background.copy()
        left = 8 + 3 * index
        picture[16:30, left : left + 14] = (250, 240, 40)
        clip.append(Image.fromarray(picture))
    return clip


def finished(updates) -> list:
    return [update for update in updates if update.frame_done]


def still_change(outputs: list[Image.Image], scene: list[Image.Image]) -> float:
    """Mean change of the output between frames where the scene (noise aside) is still."""
    changes = []
    for t in range(1, len(outputs)):
        still = (to_tensor(scene[t]) - to_tensor(scene[t - 1])).abs().amax(1) == 0
        change = (to_tensor(outputs[t]) - to_tensor(outputs[t - 1])).abs().mean(1)
        changes.append(float(change[still].mean()))
    return float(np.mean(changes))


@pytest.fixture(scope="module")
def temporal_run():
    clip = moving_square_clip()
    video = VideoParams(frame_steps=3)
    return clip, list(stylize_video(clip, make_style(), FAST, video, len(clip)))


def test_frames_stream_in_order_with_their_own_steps(temporal_run):
    clip, updates = temporal_run
    done = finished(updates)
    assert [update.frame for update in done] == [0, 1, 2, 3]
    assert all(update.snapshot.image.size == clip[0].size for update in done)
    # The first frame is a whole job; each later one three iterations at full size.
    assert done[0].snapshot.total == FAST.steps
    assert [update.snapshot.total for update in done[1:]] == [3, 3, 3]
    assert all(update.snapshot.scales == 1 for update in done[1:])
    progress = [update.progress for update in updates]
    assert progress == sorted(progress) and progress[-1] == pytest.approx(1.0)
    assert all(update.frames == 4 for update in updates)


def test_later_frames_are_held_to_the_one_before(temporal_run):
    _, updates = temporal_run
    done = finished(updates)
    assert done[0].confidence is None and "temporal" not in done[0].snapshot.losses
    for update in done[1:]:
        # The square's trailing edge is uncovered every frame: not all pixels are trusted.
        assert 0.5 < update.confidence < 1.0
        assert update.snapshot.losses["temporal"] >= 0


def test_temporal_flickers_less_than_each_frame_alone(tmp_path):
    """Through H.264, as a real clip comes, each frame styled alone lands somewhere else where
    the scene is still; started from the frame before and held to it, it stays."""
    scene = scenes(5)
    decoded = list(read_frames(write_video(tmp_path / "clip.mp4", scene), 96))
    params = FAST.replace(steps=10)
    outputs = {
        temporal: [
            update.snapshot.image
            for update in finished(
                stylize_video(
                    decoded, make_style(), params, VideoParams(frame_steps=3, temporal=temporal)
                )
            )
        ]
        for temporal in (True, False)
    }
    assert still_change(outputs[True], scene) < 0.6 * still_change(outputs[False], scene)


def test_the_temporal_weight_holds_the_frame_where_it_is_trusted(content_image, style_image):
    """Trusted on the right half only: a large weight keeps that half near the target, and
    the left half moves as freely as with no weight at all."""
    start = to_tensor(content_image)
    half = start.shape[-1] // 2
    confidence = torch.ones(1, 1, *start.shape[-2:])
    confidence[..., :half] = 0
    params = FAST.replace(size=max(content_image.size))

    def change(weight: float) -> tuple[float, float]:
        term = Temporal(start, confidence, weight)
        *_, last = stylize(content_image, style_image, params, start=content_image, temporal=term)
        moved = (to_tensor(last.image) - start).abs()
        return float(moved[..., :half].mean()), float(moved[..., half:].mean())

    (free_alone, held_alone), (free, held) = change(0.0), change(1e4)
    assert held < 0.2 * held_alone
    assert free > 0.8 * free_alone


def test_a_temporal_term_needs_a_start_of_the_output_size(content_image, style_image):
    term = Temporal(to_tensor(content_image), torch.ones(1, 1, 48, 64), 1.0)
    with pytest.raises(ValueError, match="start image of the output's size"):
        next(stylize(content_image, style_image, FAST.replace(size=64), temporal=term))


def test_luminance_mode_holds_the_grey_image():
    clip = moving_square_clip(frames=2)
    params = FAST.replace(color="luminance")
    done = finished(stylize_video(clip, make_style(), params, VideoParams(frame_steps=2)))
    assert len(done) == 2 and done[1].snapshot.image.mode == "RGB"


def test_frames_of_another_size_are_refused():
    clip = moving_square_clip(frames=2)
    clip[1] = clip[1].resize((62, 48))
    with pytest.raises(ValueError, match="frame 2 is"):
        list(stylize_video(clip, make_style(), FAST))


def test_later_frames_cost_a_fraction_of_the_first():
    first, later = frame_costs(StyleParams(size=384), VideoParams(), (384, 256))
    assert later < first / 2
    alone = frame_costs(StyleParams(size=384), VideoParams(temporal=False), (384, 256))
    assert alone == (first, first)


def test_a_frame_plan_runs_as_deep_a_network_as_the_style_picture_allows():
    # Unknown, the style is taken as square: at 768 px relu5_1 is matched. A wide, short
    # style has too few positions per channel there (plan.describes_texture): relu4_2 is the
    # deepest layer, so each frame costs less.
    params, size = StyleParams(size=768), (768, 512)
    for unknown, wide in zip(
        frame_plans(params, VideoParams(), size),
        frame_plans(params, VideoParams(), size, [(768, 160)]),
    ):
        assert unknown.network_work == 1.0
        assert wide.network_work < 0.8


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"frame_steps": 0}, "frame_steps"),
        ({"temporal_weight": -1.0}, "temporal_weight"),
        ({"temporal": "yes"}, "temporal"),
    ],
)
def test_bad_video_settings_are_named(changes, words):
    with pytest.raises(ValueError, match=words):
        VideoParams(**changes).validate()
