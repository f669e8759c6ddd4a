"""``python -m style_core video``: a clip in, an H.264 MP4 with every frame at the clip's rate
and its audio out; bad input is one line and exit code 2, with no file left behind."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from clips import write_good, write_hostile
from conftest import make_style

from style_core.cli import main
from style_core.video_io import probe

TINY = ["--size", "64", "--steps", "3", "--frame-steps", "2", "--quiet"]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, Path]:
    return write_good(tmp_path_factory.mktemp("clips"))


@pytest.fixture(scope="module")
def style(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("style") / "style.png"
    make_style().save(path)
    return path


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    return lines[0]


def test_every_frame_at_the_clip_rate_with_its_audio(good, style, tmp_path):
    clip, output = good["webm"], tmp_path / "styled.mp4"
    assert main(["video", str(clip), str(style), "-o", str(output), *TINY]) == 0
    source, result = probe(clip), probe(output)
    assert result.frames == source.frames and result.frame_rate == source.frame_rate
    assert max(result.width, result.height) == 64
    with av.open(str(output)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264" and video.format.name == "yuv420p"
        (audio,) = container.streams.audio
        assert audio.codec_context.name == "aac"
        assert sum(1 for _ in container.decode(video=0)) == source.frames


def test_no_temporal_and_max_frames(good, style, tmp_path, capsys):
    output = tmp_path / "alone.mp4"
    arguments = ["video", str(good["gif"]), str(style), "-o", str(output)]
    assert main([*arguments, *TINY, "--no-temporal", "--max-frames", "3"]) == 0
    result = probe(output)
    assert result.frames == 3 and result.frame_rate == probe(good["gif"]).frame_rate
    assert not result.has_audio


@pytest.mark.parametrize(
    "arguments, words",
    [
        (["--frame-steps", "0"], "frame_steps must be between 1"),
        (["--temporal-weight", "-1"], "temporal_weight"),
        (["--max-frames", "0"], "--max-frames must be at least 1"),
        (["-o", "out.gif"], "output must be a .mp4 file"),
    ],
)
def test_bad_settings_are_one_line(good, style, tmp_path, capsys, arguments, words):
    output = ["-o", str(tmp_path / "out.mp4")] if "-o" not in arguments else []
    code = main(["video", str(good["mp4"]), str(style), *output, *TINY, *arguments])
    assert code == 2 and words in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_hostile_clips_are_one_line_and_leave_nothing(tmp_path, style, capsys):
    outputs, hostile = tmp_path / "outputs", tmp_path / "hostile"
    outputs.mkdir()
    hostile.mkdir()
    for kind, clip in write_hostile(hostile).items():
        code = main(["video", str(clip), str(style), "-o", str(outputs / "out.mp4"), *TINY])
        line = one_error_line(capsys)
        assert code == 2 and clip.name in line, (kind, line)
    assert list(outputs.iterdir()) == []


def test_a_bad_style_is_refused_before_the_first_frame(good, tmp_path, capsys):
    output = tmp_path / "out.mp4"
    code = main(["video", str(good["mp4"]), str(tmp_path / "missing.jpg"), "-o", str(output)])
    assert code == 2 and "missing.jpg" in one_error_line(capsys)
    assert not output.exists()
