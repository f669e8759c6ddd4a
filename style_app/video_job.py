"""The Video tab's job: a clip checked before any work (PyAV, this device's limits), its time
predicted from the measured speed, styled frame by frame (style_core.video) on the GPU, and
streamed as the frame being made and the video of the frames done so far.

On ZeroGPU a clip is styled in parts, each one spaces.GPU call well under the 300 s cap,
each part carrying the frame before it (and its result) on, so the clip stays coherent.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

import gradio as gr
from PIL import Image

from style_app import speed
from style_app.api_doc import describe_parameters
from style_app.config import DEFAULTS, HAS_GPU, MAX_STEPS, ZERO_GPU, ZERO_GPU_MAX_SECONDS
from style_app.enlarge import refuse
from style_core import ImageError, StyleParams, WeightsError
from style_core.images import fit_size, load_image
from style_core.plan import style_side
from style_core.video import VIDEO_KNOBS, VideoParams, frame_plans, stylize_video
from style_core.video_io import (
    VideoError,
    VideoInfo,
    VideoLimits,
    VideoWriter,
    even_size,
    probe,
    read_frames,
)

# A CPU styles a short, small clip in minutes; a GPU affords longer and larger ones.
LIMITS = (
    VideoLimits(frames=300, seconds=30.0, pixels=3840 * 2160)
    if HAS_GPU
    else VideoLimits(frames=48, seconds=10.0, pixels=3840 * 2160)
)
VIDEO_SIZE = (512, 1024) if HAS_GPU else (256, 512)  # (default, largest) long side in px
STEPS = DEFAULTS.steps
# A ZeroGPU part asks for at most this much work (seconds predicted); gpu_duration doubles it
# for headroom, and 20 + 2 x 140 = 300, the cap.
PART_SECONDS = (ZERO_GPU_MAX_SECONDS - speed.DURATION_HEADROOM[0]) / speed.DURATION_HEADROOM[1]


@dataclass(frozen=True)
class VideoJob:
    clip: str
    info: VideoInfo
    style: Image.Image | None  # None: planned only (the page's estimate)
    params: StyleParams  # the per-frame job (size: the frames' long side)
    video: VideoParams
    frames: int  # frames to style (the whole clip)
    first_seconds: float  # predicted here: the first frame
    later_seconds: float  # predicted here: each later frame

    def seconds(self, first: int, last: int) -> float:
        """Predicted seconds of frames [first, last): the clip's first frame is a whole job."""
        if last <= first:
            return 0.0
        return self.first_seconds * (first == 0) + self.later_seconds * (
            last - first - (first == 0)
        )

    @property
    def estimate(self) -> float:
        return self.seconds(0, self.frames)


def stylize_video_job(
    clip, style, size=None, steps=None, frame_steps=None, temporal_weight=None, temporal=True
):
    """Paint a video clip in the style of a picture, without flicker: the first frame is
    styled as a picture (Gatys et al., VGG19); each later one starts from the one before,
    carried along the optical flow, and is held to it (Ruder et al. 2016). Streams each
    frame as it forms and the video of the frames done so far (H.264 MP4, the clip's frame
    rate and audio).

    Returns:
        frame: the frame being made, as it forms
        status: one line of progress ("Frame 3/36 ...", "**Done.** ...")
        video: the MP4 of the frames finished so far, refreshed as often as costs at most a fifth of the time (the whole clip on the last update)
        progress: frame, frames, elapsed and estimated seconds, losses (JSON)
    """
    # The Args section is added below. Everything that can refuse the clip is checked here,
    # before the GPU is asked for.
    job = prepare_video(clip, style, size, steps, frame_steps, temporal_weight, temporal)
    with ClipFiles(job) as files:
        for update in run_in_parts(job):
            index, image, done, status, progress = update
            path = files.add(image) if done else files.latest
            yield image, status, path, progress


def video_parameter_help() -> dict[str, str]:
    default, largest = VIDEO_SIZE
    return {
        "clip": f"the video (MP4, WebM, MOV, GIF): at most {LIMITS.seconds:g} s and "
        f"{LIMITS.frames} frames here",
        "style": "the style image (an image file)",
        "size": f"long side of the output frames in px, 64..{largest}; left out: {default}",
        "steps": f"iterations for the first frame, 1..{MAX_STEPS}; left out: {STEPS}",
        "frame_steps": f"{VIDEO_KNOBS['frame_steps'].help}; left out: {VideoParams().frame_steps}",
        "temporal_weight": f"{VIDEO_KNOBS['temporal_weight'].help}; left out: "
        f"{VideoParams().temporal_weight:g}",
        "temporal": VIDEO_KNOBS["temporal"].help,
    }


describe_parameters(stylize_video_job, video_parameter_help())


def prepare_video(clip, style, size, steps, frame_steps, temporal_weight, temporal) -> VideoJob:
    """Check every value, the clip and the style (gr.Error with one sentence if one is bad)."""
    if clip is None:
        refuse("Add a video clip (upload one or record it with the webcam).")
    if style is None:
        refuse("Add a style image (the picture whose style to copy).")
    job = plan_video(clip, size, steps, frame_steps, temporal_weight, temporal)
    try:
        style_image = load_image(
            style, "style image", max_side=style_side(job.params, job.params.size)
        )
    except (ImageError, ValueError) as error:
        refuse(str(error))
    # Timed again now that the style's size says how deep each scale's network runs.
    first, later = _frame_seconds(job, [style_image.size])
    job = replace(job, style=style_image, first_seconds=first, later_seconds=later)
    refusal = speed.zero_gpu_refusal(job.first_seconds, "clip's first frame")
    if refusal:
        refuse(refusal)
    return job


def plan_video(clip, size, steps, frame_steps, temporal_weight, temporal) -> VideoJob:
    """The clip probed and its job planned and timed here, without the style (gr.Error)."""
    default, largest = VIDEO_SIZE
    defaults = VideoParams()
    try:
        size = _whole(size, "size", default)
        if not 64 <= size <= largest:
            raise ValueError(f"size must be between 64 and {largest} px here; got {size}")
        steps = _whole(steps, "steps", STEPS)
        if not 1 <= steps <= MAX_STEPS:
            raise ValueError(f"steps must be between 1 and {MAX_STEPS} here; got {steps}")
        video = VideoParams(
            frame_steps=_whole(frame_steps, "frame_steps", defaults.frame_steps),
            temporal_weight=defaults.temporal_weight
            if temporal_weight is None
            else temporal_weight,
            temporal=temporal,
        ).validate()
        info = probe(clip, LIMITS, "clip")
    except (VideoError, ValueError, TypeError) as error:
        refuse(str(error))
    params = DEFAULTS.replace(size=max(_frame_size(info, size)), steps=steps).validate()
    job = VideoJob(str(clip), info, None, params, video, info.frames, 0.0, 0.0)
    # Before the style is known: as large as each scale uses it (the deepest network).
    first, later = _frame_seconds(job)
    return replace(job, first_seconds=first, later_seconds=later)


def _frame_size(info: VideoInfo, size: int) -> tuple[int, int]:
    """The frames' (width, height) at this long side, as read_frames decodes them."""
    return even_size(*fit_size(info.width, info.height, size))


def _frame_seconds(
    job: VideoJob, style_sizes: Sequence[tuple[int, int]] = ()
) -> tuple[float, float]:
    """Seconds predicted here for the clip's first frame and for each later one."""
    size = _frame_size(job.info, job.params.size)
    plans = frame_plans(job.params, job.video, size, style_sizes)
    first, later = (speed.plan_seconds(speed.MODEL.cost, plan) for plan in plans)
    return first, later


def _whole(value, name: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    return int(value)


def estimate_text(clip, size, steps, frame_steps, temporal) -> str:
    """The page's line before Run: how long the clip should take here, or why it cannot run."""
    if clip is None:
        return "Add a clip to see how long it takes."
    try:
        job = plan_video(clip, size, steps, frame_steps, None, temporal)
    except gr.Error as error:
        return f"⚠ {error.message}"
    rate = float(job.info.frame_rate)
    return (
        f"{speed.time_text(job.estimate)} for {job.frames} frames "
        f"({job.info.duration:.1f} s at {rate:g} fps)"
    )


# --------------------------------------------------------------------------------------
# The run: parts on the GPU, frames and the video so far here


def run_in_parts(job: VideoJob):
    """(index, image, frame done, status, progress JSON) per update, the clip styled in as
    few GPU calls as ZeroGPU allows (one elsewhere), each carrying the frame before on."""
    frames = list(read_frames(job.clip, job.params.size, job.frames))
    # The frames the clip really decoded to (its header's count is a guess).
    job = replace(job, frames=max(1, len(frames)))
    before, offset = None, 0.0
    for first, last in parts(job):
        elapsed = offset
        with closing(run_on_gpu(frames[first:last], job, before, first)) as updates:
            for index, image, done, elapsed_part, iteration, iterations, losses in updates:
                elapsed = offset + elapsed_part
                left = _seconds_left(job, index, done, iteration, iterations, elapsed)
                status = _status(job, index, done, elapsed, iteration, iterations, left)
                progress = _progress(job, index, done, elapsed, iteration, iterations, left, losses)
                yield index, image, done, status, progress
                if done:
                    before = (frames[index], image)
        offset = elapsed


def parts(job: VideoJob) -> list[tuple[int, int]]:
    """[first, last) frame ranges, one GPU call each: the whole clip, or on ZeroGPU as many
    frames as fit PART_SECONDS of predicted work."""
    if not ZERO_GPU:
        return [(0, job.frames)]
    ranges, first = [], 0
    for index in range(1, job.frames):
        if job.seconds(first, index + 1) > PART_SECONDS:
            ranges.append((first, index))
            first = index
    return [*ranges, (first, job.frames)]


def _run_frames(frames: list[Image.Image], job: VideoJob, before, first: int):
    """One part: the only place CUDA is touched. Yields plain tuples (they cross from the GPU
    worker on ZeroGPU): (index, image, done, elapsed, iteration, iterations, losses)."""
    try:
        updates = stylize_video(
            frames, [job.style], job.params, job.video, job.frames, before=before, first=first
        )
        with closing(updates):
            for update in updates:
                snapshot = update.snapshot
                if snapshot.image is None:
                    continue
                yield (
                    update.frame,
                    snapshot.image,
                    snapshot.done,
                    update.elapsed,
                    snapshot.iteration,
                    snapshot.total,
                    dict(snapshot.losses),
                )
    except (ImageError, VideoError, WeightsError, ValueError) as error:
        raise gr.Error(str(error), print_exception=False) from None


def _gpu_duration(frames, job: VideoJob, before, first) -> int:
    return speed.gpu_duration(job.seconds(first, first + len(frames)))


if ZERO_GPU:
    import spaces

    run_on_gpu = spaces.GPU(duration=_gpu_duration)(_run_frames)
else:
    run_on_gpu = _run_frames


def _status(job: VideoJob, index, done, elapsed, iteration, iterations, left) -> str:
    if done and index + 1 == job.frames:
        return f"**Done.** {job.frames} frames in {elapsed:.1f} s"
    text = f"Frame {index + 1}/{job.frames} · iteration {iteration}/{iterations}"
    return f"{text} · {elapsed:.1f} s · about {left:.0f} s left"


def _seconds_left(job: VideoJob, index, done, iteration, iterations, elapsed) -> float:
    """The work left at the predicted speed, or at this clip's own pace once frames are done."""
    share = 1.0 if done else iteration / max(iterations, 1)
    predicted_done = job.seconds(0, index) + job.seconds(index, index + 1) * share
    left = max(job.estimate - predicted_done, 0.0)
    if index >= 2 and predicted_done > 0:  # scaled by how this clip really goes
        left *= elapsed / predicted_done
    return left


def _progress(job: VideoJob, index, done, elapsed, iteration, iterations, left, losses) -> dict:
    return {
        "estimate": round(job.estimate, 1),
        "frame": index + 1,
        "frames": job.frames,
        "frame_done": done,
        "iteration": iteration,
        "iterations": iterations,
        "elapsed": round(elapsed, 3),
        "eta": round(left, 1),
        "done": bool(done and index + 1 == job.frames),
        "frame_rate": float(job.info.frame_rate),
        "losses": losses,
    }


class ClipFiles:
    """The video of the frames done so far (an MP4 plays only once finished), rewritten whole
    after a frame whenever that keeps the rewrites under ``WRITE_SHARE`` of the time (each
    rewrite encodes every frame so far, ~0.07 s a frame at 1024x576 on a 2-core CPU: after
    every frame of a GPU's 300-frame clip, ~50 min of encoding), and always after the last frame. In a folder of the job's
    own that goes when the job ends."""

    WRITE_SHARE = 0.2
    QUICK_WRITE = 0.1  # s: a rewrite this quick is always made (tiny clips, a CPU's frames)

    def __init__(self, job: VideoJob, clock=time.monotonic) -> None:
        self.job, self.frames, self.clock = job, [], clock
        self.folder = Path(tempfile.mkdtemp(prefix="video-job-"))
        self.latest: str | None = None
        self.written_at, self.write_seconds = clock(), 0.0

    def __enter__(self) -> ClipFiles:
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def add(self, frame: Image.Image) -> str | None:
        """Keep the frame; the video so far (None until the first is written)."""
        self.frames.append(frame)
        waited = self.clock() - self.written_at
        last = len(self.frames) == self.job.frames
        share = self.WRITE_SHARE * (waited + self.write_seconds)
        if last or self.write_seconds <= max(self.QUICK_WRITE, share):
            self._write()
        return self.latest

    def _write(self) -> None:
        started = self.clock()
        path = self.folder / f"styled_{len(self.frames):04d}.mp4"
        with VideoWriter(path, self.job.info.frame_rate, audio_from=self.job.clip) as writer:
            for picture in self.frames:
                writer.write(picture)
        self.latest = str(path)
        self.written_at = self.clock()
        self.write_seconds = self.written_at - started
