"""The Video tab's job (style_app.video_job, the public /stylize_video and its MCP tool): a
tiny clip styled and streamed with the video so far, every bad input refused with one
sentence before any work, ZeroGPU parts, and the endpoint as API clients see it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import av
import gradio as gr
import pytest
from clips import write_good, write_hostile
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from style_app import video_job
from style_core.video_io import probe

pytest.register_assert_rewrite("app_server", "test_app_client")

from test_app_client import assert_readable  # noqa: E402
from test_app_mcp import mcp  # noqa: E402

pytest_plugins = ["app_server"]

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
STYLE = EXAMPLES / "style_wave.jpg"
TINY = dict(size=64, steps=3, frame_steps=2)
PARAMETERS = ["clip", "style", "size", "steps", "frame_steps", "temporal_weight", "temporal"]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, Path]:
    return write_good(tmp_path_factory.mktemp("clips"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    return write_hostile(tmp_path_factory.mktemp("hostile-clips"))


@pytest.fixture(scope="module")
def streamed(good) -> list[tuple]:
    """Every update of a tiny job on the WebM clip (with audio), the video rewritten after
    every frame (however long its rewrites take against these tiny frames)."""
    clip = good["webm"]
    limits = video_job.LIMITS
    try:
        video_job.LIMITS = video_job.VideoLimits(frames=4, seconds=60, pixels=limits.pixels)
        with pytest.raises(gr.Error, match="at most 60 s and 4 frames"):
            next(video_job.stylize_video_job(str(clip), str(STYLE), **TINY))
    finally:
        video_job.LIMITS = limits
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(video_job.ClipFiles, "WRITE_SHARE", 1.0)
        return list(video_job.stylize_video_job(str(clip), str(STYLE), **TINY))


def test_frames_stream_and_the_video_grows_to_the_whole_clip(streamed, good):
    frames = probe(good["webm"]).frames
    done = [update for update in streamed if update[3]["frame_done"]]
    assert [update[3]["frame"] for update in done] == list(range(1, frames + 1))
    videos = [update[2] for update in done]
    assert len(set(videos)) == frames  # a new file after every frame
    image, status, final, progress = streamed[-1]
    assert status.startswith(f"**Done.** {frames} frames")
    assert progress["done"] and progress["eta"] == 0
    assert max(image.size) == 64


def test_the_video_so_far_plays_at_the_clip_rate_with_its_audio(
    streamed, good, tmp_path, monkeypatch
):
    # The job's folder is gone once it ended (Gradio copied each file when it was yielded),
    # so this runs a fresh job and checks the video of its second update.
    monkeypatch.setattr(video_job.ClipFiles, "WRITE_SHARE", 1.0)  # written after each frame
    clip = good["webm"]
    updates = video_job.stylize_video_job(str(clip), str(STYLE), **TINY)
    for update in updates:
        if update[3]["frame_done"] and update[3]["frame"] == 2:
            copy = tmp_path / "two.mp4"
            copy.write_bytes(Path(update[2]).read_bytes())
            break
    updates.close()
    info = probe(copy)
    assert info.frames == 2 and info.frame_rate == probe(clip).frame_rate
    with av.open(str(copy)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert [s.codec_context.name for s in container.streams.audio] == ["aac"]


def test_the_video_so_far_is_rewritten_only_as_often_as_a_fifth_of_the_time(monkeypatch):
    """Each rewrite encodes every frame so far (here 0.2 s a frame); a frame takes 2 s to
    style. The rewrites stay near a fifth of the time, and the last frame is always written."""
    now, writes = [0.0], []

    class Writer:  # VideoWriter's time, on the test's clock
        def __init__(self, path, *args, **kwargs) -> None:
            self.path, self.frames = path, 0

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            writes.append(self.frames)
            Path(self.path).write_bytes(b"")

        def write(self, picture) -> None:
            self.frames += 1
            now[0] += 0.2

    monkeypatch.setattr(video_job, "VideoWriter", Writer)
    job = SimpleNamespace(frames=30, info=SimpleNamespace(frame_rate=24), clip=None)
    latest = []
    with video_job.ClipFiles(job, clock=lambda: now[0]) as files:
        for _ in range(job.frames):
            now[0] += 2.0
            latest.append(files.add(Image.new("RGB", (8, 8))))
    assert writes[:3] == [1, 2, 3] and writes[-1] == job.frames  # the whole clip at the end
    assert len(writes) < job.frames / 2  # not after every frame: 465 frames encoded then
    writing = 0.2 * sum(writes[:-1])
    assert writing <= 0.25 * now[0], (writes, now[0])
    assert latest[-1].endswith(f"styled_{job.frames:04d}.mp4")
    assert all(path is not None for path in latest)  # the first frame is written at once


@pytest.mark.parametrize(
    "inputs, words",
    [
        ({"clip": None}, "Add a video clip"),
        ({"style": None}, "Add a style image"),
        ({"size": 4096}, "size must be between 64"),
        ({"size": 100.5}, "size must be a whole number"),
        ({"steps": 0}, "steps must be between 1"),
        ({"frame_steps": 0}, "frame_steps"),
        ({"temporal_weight": -1}, "temporal_weight"),
    ],
)
def test_bad_values_are_refused_in_one_sentence(good, monkeypatch, inputs, words):
    monkeypatch.setattr(video_job, "run_on_gpu", lambda *a: pytest.fail("reached the GPU"))
    values = {"clip": str(good["mp4"]), "style": str(STYLE), **TINY, **inputs}
    with pytest.raises(gr.Error) as caught:
        next(video_job.stylize_video_job(**values))
    assert words in caught.value.message
    assert_readable(caught.value.message)


def test_every_hostile_clip_is_refused_before_any_work(hostile, monkeypatch):
    monkeypatch.setattr(video_job, "run_on_gpu", lambda *a: pytest.fail("reached the GPU"))
    for name, path in hostile.items():
        with pytest.raises(gr.Error) as caught:
            next(video_job.stylize_video_job(str(path), str(STYLE), **TINY))
        message = caught.value.message
        assert path.name in message, (name, message)
        assert_readable(message)


def test_zero_gpu_parts_stay_under_the_cap(good, monkeypatch):
    job = video_job.plan_video(str(good["mp4"]), 64, 3, 2, None, True)
    job = video_job.replace(job, frames=10, first_seconds=100.0, later_seconds=30.0)
    monkeypatch.setattr(video_job, "ZERO_GPU", True)
    parts = video_job.parts(job)
    assert parts[0][0] == 0 and parts[-1][1] == 10
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))  # contiguous, every frame once
    for first, last in parts:
        seconds = (100.0 if first == 0 else 30.0) + 30.0 * (last - first - 1)
        assert seconds <= video_job.PART_SECONDS
        assert video_job._gpu_duration([None] * (last - first), job, None, first) <= 300


def test_the_estimate_names_the_frames_and_a_bad_clip(good, hostile):
    text = video_job.estimate_text(str(good["mp4"]), 64, 3, 2, True)
    assert "frames" in text and "⏱" in text
    assert video_job.estimate_text(str(hostile["random bytes"]), 64, 3, 2, True).startswith("⚠")


# --- through the HTTP API, as a client would -------------------------------------------


def test_client_streams_stylize_video(app_server, good):
    client = Client(app_server.url, verbose=False)
    endpoint = client.view_api(return_format="dict", print_info=False)["named_endpoints"][
        "/stylize_video"
    ]
    assert [p["parameter_name"] for p in endpoint["parameters"]] == PARAMETERS
    assert all(p["python_type"]["description"] for p in endpoint["parameters"])
    job = client.submit(
        handle_file(str(good["mp4"])),
        handle_file(str(STYLE)),
        **TINY,
        api_name="/stylize_video",
    )
    frame, status, video, progress = job.result(timeout=600)
    assert status.startswith("**Done.**")
    info = probe(video["video"] if isinstance(video, dict) else video)
    assert info.frames == progress["frames"] == probe(good["mp4"]).frames
    with pytest.raises(AppError, match="could not be read as a video"):
        client.predict(
            handle_file(str(EXAMPLES / "README.md")),
            handle_file(str(STYLE)),
            api_name="/stylize_video",
        )


def test_mcp_runs_the_video_tool_on_a_clip_given_as_a_data_url(app_server, good):
    import base64

    clip = "data:video/mp4;base64," + base64.b64encode(good["mp4"].read_bytes()).decode()
    style = "data:image/jpeg;base64," + base64.b64encode(STYLE.read_bytes()).decode()

    async def call(session):
        arguments = {"clip": clip, "style": style, **TINY}
        return await session.call_tool("stylize_video_job", arguments)

    result = mcp(app_server.url, call)
    assert not result.isError, result.content
    texts = " ".join(item.text for item in result.content if item.type == "text")
    assert "**Done.**" in texts and ".mp4" in texts  # the video as a file to fetch


def test_mcp_lists_the_video_tool_with_every_parameter_described(app_server):
    tools = mcp(app_server.url, lambda session: session.list_tools())
    (tool,) = [tool for tool in tools.tools if tool.name == "stylize_video_job"]
    properties = tool.inputSchema["properties"]
    assert set(PARAMETERS) <= set(properties)
    assert all(properties[name].get("description") for name in PARAMETERS)


def test_hostile_clips_through_the_api_are_refused_and_the_server_serves_on(
    app_server, hostile, good
):
    client = Client(app_server.url, verbose=False)
    for name, path in hostile.items():
        with pytest.raises(AppError) as caught:
            client.predict(
                handle_file(str(path)), handle_file(str(STYLE)), **TINY, api_name="/stylize_video"
            )
        message = str(caught.value)
        assert path.name in message or "empty" in message, (name, message)
        assert_readable(message)
    *_, progress = client.predict(
        handle_file(str(good["gif"])),
        handle_file(str(STYLE)),
        size=64,
        steps=2,
        frame_steps=1,
        api_name="/stylize_video",
    )
    assert progress["done"]
