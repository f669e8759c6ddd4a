"""Video I/O: probing clips of every common kind, refusing hostile files in one clear line,
reading frames at the asked size, and writing H.264 MP4s that keep the rate and the audio."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from clips import FRAMES, GOOD, HOSTILE, SIZE, scene, scenes, write_good, write_hostile, write_video
from PIL import Image

from style_core.video_io import (
    VideoError,
    VideoInfo,
    VideoLimits,
    VideoWriter,
    even_size,
    probe,
    read_frames,
)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, Path]:
    return write_good(tmp_path_factory.mktemp("good"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    return write_hostile(tmp_path_factory.mktemp("hostile"))


def _difference(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).mean())


def _error_for(path: Path, limits: VideoLimits | None = None, name: str = "video") -> str:
    with pytest.raises(VideoError) as info:
        probe(path, limits or VideoLimits(), name)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.startswith(f"the {name} '{path.name}' "), message
    assert "\n" not in message
    assert str(path.parent) not in message
    return message


# --- probe -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", GOOD)
def test_probe_reports_the_clip(good, kind):
    info = probe(good[kind])
    clip = GOOD[kind]
    assert (info.width, info.height) == SIZE
    assert info.frames == FRAMES
    assert info.frame_rate == clip.frame_rate
    assert info.duration == pytest.approx(FRAMES / clip.frame_rate)
    assert info.has_audio is clip.has_audio
    assert info.codec == clip.codec


def test_probe_accepts_str_paths(good):
    assert probe(str(good["mp4"])) == probe(good["mp4"])


def test_frames_over_the_limit_are_refused_naming_the_length(good):
    message = _error_for(good["mp4"], VideoLimits(frames=5))
    assert "1.0 s long (12 frames)" in message and "5 frames" in message
    assert probe(good["mp4"], VideoLimits(frames=FRAMES)).frames == FRAMES


def test_seconds_over_the_limit_are_refused(good):
    message = _error_for(good["gif"], VideoLimits(seconds=1.0), name="content video")
    assert "1.2 s long" in message and "1 s" in message
    assert probe(good["gif"], VideoLimits(seconds=1.2)).frames == FRAMES


def test_frames_over_the_pixel_limit_are_refused_naming_their_size(good):
    width, height = SIZE
    message = _error_for(good["webm"], VideoLimits(pixels=width * height - 1))
    assert f"{width}x{height}" in message
    assert probe(good["webm"], VideoLimits(pixels=width * height)).width == width


def test_the_pixel_limit_is_stated_as_it_is(tmp_path):
    path = write_video(tmp_path / "wide.mp4", [Image.new("RGB", (800, 500), "teal")] * 2)
    message = _error_for(path, VideoLimits(pixels=300_000))
    stated = re.search(r"([\d.]+) megapixels", message)
    assert stated and float(stated[1]) * 1e6 == pytest.approx(300_000, rel=0.05), message


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_files_are_refused_in_one_line_naming_the_file(hostile, kind):
    message = _error_for(hostile[kind], name="content video")
    for word in HOSTILE[kind].words:
        assert word in message


def test_a_missing_file_is_named(tmp_path):
    assert _error_for(tmp_path / "gone.mp4").endswith("does not exist")


# --- reading frames ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("long_side", "size"), [(96, (96, 64)), (48, (48, 32)), (71, (70, 46)), (192, (192, 128))]
)
def test_read_frames_at_the_asked_long_side_with_even_sides(good, long_side, size):
    frames = list(read_frames(good["mp4"], long_side))
    assert len(frames) == FRAMES
    assert all(frame.mode == "RGB" and frame.size == size for frame in frames)


@pytest.mark.parametrize("kind", GOOD)
def test_read_frames_gives_the_scene_in_order(good, kind):
    frames = list(read_frames(good[kind], max(SIZE)))
    expected = scenes()
    assert len(frames) == FRAMES
    for index, frame in enumerate(frames):
        differences = [_difference(frame, other) for other in expected]
        assert int(np.argmin(differences)) == index, differences
        assert differences[index] < 10, differences[index]


@pytest.mark.parametrize(("max_frames", "count"), [(5, 5), (1, 1), (0, 0), (100, FRAMES)])
def test_read_frames_stops_at_max_frames(good, max_frames, count):
    frames = list(read_frames(good["webm"], 64, max_frames))
    assert len(frames) == count
    if frames:
        assert _difference(frames[0], scene(0).resize((64, 42))) < 8


def test_even_size():
    assert even_size(96, 64) == (96, 64)
    assert even_size(97, 65) == (96, 64)
    assert even_size(1, 1) == (2, 2)


# --- writing -----------------------------------------------------------------------------


def _audio_seconds(container) -> float:
    stream = container.streams.audio[0]
    samples = sum(frame.samples for frame in container.decode(stream))
    return samples / stream.codec_context.sample_rate


def _check_mp4(path: Path, frames: int, frame_rate: Fraction, audio: bool) -> list[Image.Image]:
    with av.open(str(path)) as container:
        assert "mp4" in container.format.name
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        assert video.codec_context.pix_fmt == "yuv420p"
        assert video.average_rate == frame_rate
        assert len(container.streams.audio) == int(audio)
        if audio:
            assert container.streams.audio[0].codec_context.name == "aac"
            assert _audio_seconds(container) == pytest.approx(frames / frame_rate, abs=0.1)
    with av.open(str(path)) as container:
        pictures = [frame.to_image() for frame in container.decode(video=0)]
    assert len(pictures) == frames
    return pictures


@pytest.mark.parametrize("kind", GOOD)
def test_writer_round_trip_keeps_frames_rate_and_audio(good, tmp_path, kind):
    info = probe(good[kind])
    frames = list(read_frames(good[kind], max(SIZE)))
    out = tmp_path / "styled.mp4"
    with VideoWriter(out, info.frame_rate, audio_from=good[kind]) as writer:
        for frame in frames:
            writer.write(frame)
    pictures = _check_mp4(out, FRAMES, info.frame_rate, audio=info.has_audio)
    differences = [_difference(a, b) for a, b in zip(pictures, frames)]
    assert max(differences) < 8, differences
    assert probe(out) == VideoInfo(FRAMES, info.frame_rate, *SIZE, info.has_audio, "h264")


def test_writer_cuts_the_audio_to_the_frames_written(good, tmp_path):
    out = tmp_path / "half.mp4"
    rate = Fraction(GOOD["webm"].frame_rate)
    with VideoWriter(out, rate, audio_from=good["webm"]) as writer:
        for frame in read_frames(good["webm"], 96, max_frames=6):
            writer.write(frame)
    _check_mp4(out, 6, rate, audio=True)  # half of the 1 s sine


def test_writer_makes_odd_sides_even(tmp_path):
    out = tmp_path / "odd.mp4"
    with VideoWriter(out, 24) as writer:
        for picture in scenes(3, size=(97, 65)):
            writer.write(picture)
    pictures = _check_mp4(out, 3, Fraction(24), audio=False)
    assert pictures[0].size == (96, 64)


def test_writer_keeps_a_fractional_rate(tmp_path):
    out = tmp_path / "ntsc.mp4"
    with VideoWriter(out, Fraction(30000, 1001)) as writer:
        for picture in scenes(3):
            writer.write(picture)
    _check_mp4(out, 3, Fraction(30000, 1001), audio=False)


@pytest.mark.parametrize("audio", [False, True])
def test_writing_no_frames_leaves_no_file(good, tmp_path, audio):
    out = tmp_path / "nothing.mp4"
    with VideoWriter(out, 12, audio_from=good["webm"] if audio else None):
        pass
    assert not out.exists()
