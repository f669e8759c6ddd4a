"""A clip in the style of a painting, without flicker (Ruder, Dosovitskiy & Brox 2016).

Styling each frame on its own flickers: the optimiser lands in another local optimum every
frame. Here the first frame is an ordinary job (``stylize``); every later frame starts from
the previous result carried onto it by optical flow (``style_core.flow``) and is held to it
by a temporal term wherever the flow's forward-backward check trusts the pixel, so it needs
only a few iterations at full size. ``temporal=False`` styles each frame as a job of its own:
the baseline the temporal version is measured against (benchmarks/video.py).

``stylize_video`` is a generator of ``FrameSnapshot``: callers stream the frames as they come.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace

import torch
from PIL import Image

from style_core import flow
from style_core.engine import Snapshot, Temporal, stylize
from style_core.images import ImageInput, to_pil, to_tensor
from style_core.params import Knob, StyleParams, _check_number, _knob
from style_core.plan import JobPlan, plan_job


@dataclass(frozen=True)
class VideoParams:
    """What a clip adds to the per-frame job (``StyleParams``, whose ``steps`` are the first
    frame's). Validated once, like ``StyleParams``; shared by the CLI, the app and the API."""

    frame_steps: int = _knob(
        8,  # an eighth of the first frame's work at 256 px (benchmarks/video.py)
        help="iterations for each frame after the first (they start from the one before)",
        label="Steps for later frames",
        limits=(1, 1000),
        ui=(1, 60, 1),
        widget="slider",
    )
    temporal_weight: float = _knob(
        500.0,  # more costs style (W) for little less flicker (benchmarks/RESULTS.md)
        help="how firmly each frame holds to the one before where the flow is trusted; "
        "0 = only the warped start",
        label="Temporal weight (less flicker)",
        limits=(0.0, 1e6),
        ui=(0, 5000, 50),
        widget="slider",
    )
    temporal: bool = _knob(
        True,
        help="start each frame from the previous one carried along the optical flow; off = "
        "style every frame as a job of its own (flickers: the baseline)",
        label="Temporal coherence",
        widget="checkbox",
    )

    def validate(self) -> VideoParams:
        """Raise ValueError naming the first bad knob; return self."""
        for item in fields(self):
            knob: Knob = item.metadata["knob"]
            value = getattr(self, item.name)
            if knob.limits:
                _check_number(item.name, value, *knob.limits, isinstance(item.default, int))
            elif not isinstance(value, bool):
                raise ValueError(f"{item.name} must be true or false; got {value!r}")
        return self

    def replace(self, **changes) -> VideoParams:
        return replace(self, **changes)


VIDEO_KNOBS: dict[str, Knob] = {item.name: item.metadata["knob"] for item in fields(VideoParams)}


@dataclass(frozen=True)
class FrameSnapshot:
    """Progress of a clip: the frame being made and its own snapshot. When ``snapshot.done``,
    ``snapshot.image`` is that frame's finished picture; the clip is done after the last."""

    frame: int  # 0-based index of the frame being made
    frames: int  # frames in the clip
    snapshot: Snapshot
    elapsed: float  # seconds since the clip started
    progress: float  # 0..1 over the clip (later frames cost less than the first)
    confidence: float | None = field(default=None)  # share of trusted pixels (later frames)

    @property
    def frame_done(self) -> bool:
        return self.snapshot.done

    @property
    def eta(self) -> float | None:
        if self.progress <= 0:
            return None
        return self.elapsed * (1 - self.progress) / self.progress


def frame_plans(
    params: StyleParams,
    video: VideoParams,
    frame_size: tuple[int, int],
    style_sizes: Sequence[tuple[int, int]] = (),
) -> tuple[JobPlan, JobPlan]:
    """The plans of the first frame, a whole job, and of each later one: ``frame_steps`` at
    full size (a whole job too without ``temporal``). ``style_sizes``, where known, say how
    deep each scale's network runs (plan_job)."""
    first = plan_job(params, frame_size, style_sizes=style_sizes)
    if not video.temporal:
        return first, first
    later = later_params(params, video)
    return first, plan_job(later, frame_size, start_side=params.size, style_sizes=style_sizes)


def frame_costs(
    params: StyleParams, video: VideoParams, frame_size: tuple[int, int]
) -> tuple[float, float]:
    """Relative cost (iterations x pixels) of the first frame and of each later one."""
    first, later = frame_plans(params, video, frame_size)
    return sum(first.work()), sum(later.work())


def later_params(params: StyleParams, video: VideoParams) -> StyleParams:
    """The job of a frame after the first: ``frame_steps`` at full size."""
    return params.replace(steps=video.frame_steps)


def stylize_video(
    frames: Iterable[Image.Image],
    styles: ImageInput | Sequence[ImageInput],
    params: StyleParams,
    video: VideoParams | None = None,
    frame_count: int | None = None,
    before: tuple[Image.Image, Image.Image] | None = None,
    first: int = 0,
) -> Iterator[FrameSnapshot]:
    """Style ``frames`` (RGB pictures of one size; ``video_io.read_frames``) one after the
    other, yielding a FrameSnapshot per iteration; ``params.size`` becomes the frames' long
    side. ``frame_count``: the clip's frames, for its progress and ETA. A clip styled in
    parts (one ZeroGPU call each) passes a later part ``before``, the (frame, result) that
    came just before it, and ``first``, the clip index of its first frame. Raises ValueError
    on bad input. Stop early by closing the generator."""
    video = (video or VideoParams()).validate()
    started = time.perf_counter()
    previous_frame, previous_result = before or (None, None)
    for index, frame in enumerate(frames, start=first):
        if index == first:
            params = params.replace(size=max(frame.size)).validate()
            cost_first, cost_later = frame_costs(params, video, frame.size)
        if previous_frame is not None and frame.size != previous_frame.size:
            raise ValueError(f"frame {index + 1} is {frame.size}, not {previous_frame.size}")
        start = temporal = trusted = None
        if video.temporal and previous_result is not None:
            start, temporal = _carried(previous_frame, frame, previous_result, video)
            trusted = float(temporal.confidence.mean())
        job = params if start is None else later_params(params, video)
        frames_known = max(frame_count or 0, index + 1)
        done = 0.0 if index == 0 else cost_first + cost_later * (index - 1)
        total = cost_first + cost_later * (frames_known - 1)
        cost = cost_first if index == 0 else cost_later
        for snapshot in stylize(frame, styles, job, start=start, temporal=temporal):
            progress = min(1.0, (done + cost * snapshot.progress) / total)
            elapsed = time.perf_counter() - started
            yield FrameSnapshot(index, frames_known, snapshot, elapsed, progress, trusted)
        previous_frame, previous_result = frame, snapshot.image


def _carried(
    previous_frame: Image.Image,
    frame: Image.Image,
    previous_result: Image.Image,
    video: VideoParams,
) -> tuple[Image.Image, Temporal]:
    """The previous result carried onto this frame (the start) and the temporal term."""
    backward = flow.flow(frame, previous_frame)  # frame(p) ~ previous(p + backward(p))
    forward = flow.flow(previous_frame, frame)
    warped = flow.warp(to_tensor(previous_result), backward).clamp(0, 1)
    trusted = torch.from_numpy(flow.confidence(backward, forward))[None, None]
    return to_pil(warped), Temporal(warped, trusted, video.temporal_weight)
