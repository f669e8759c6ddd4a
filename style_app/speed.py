"""Speed: measured on this device, never assumed.

Cost of one iteration here: a fixed part plus a part per pixel, ``seconds = a + b x pixels``
(small scales cost more per pixel than large ones). Job cost = a x iterations + b x
engine.scale_work(). Measured at start-up by ``calibrate`` (a few real iterations at two
sizes), except on ZeroGPU, where CUDA exists only inside the GPU call: there the first job
times its own iterations at each scale and hands them back (``JobTiming``). Every finished job
then corrects the model; until the first measurement it is a guess, and the page says so. Job
threads and the warm-up both write the model, so it sits behind a lock.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

from PIL import Image

from style_app.config import DEFAULTS, HAS_GPU, SLIDER_MAX, ZERO_GPU, ZERO_GPU_MAX_SECONDS
from style_core import Snapshot, StyleParams, stylize
from style_core.engine import scale_work
from style_core.images import fit_size
from style_core.vgg import load_caffe_state


@dataclass(frozen=True)
class Cost:
    a: float  # seconds per iteration, whatever its size
    b: float  # seconds per iteration per output pixel
    measured: bool = False  # False: still the first guess


class SpeedModel:
    """The cost model, shared by every job of this process; reads and writes under a lock."""

    def __init__(self, cost: Cost) -> None:
        self._lock = threading.Lock()
        self._cost = cost

    @property
    def cost(self) -> Cost:
        with self._lock:
            return self._cost

    def set(self, a: float, b: float) -> None:
        """A measured cost (calibration)."""
        with self._lock:
            self._cost = Cost(a, b, measured=True)

    def learn(self, timing: JobTiming) -> None:
        """A finished job: its own fit if nothing was measured yet, else move the model
        halfway towards the job's own time (set-up included)."""
        with self._lock:
            cost = self._cost
            if not cost.measured and timing.fit is not None:
                self._cost = timing.fit
                return
            factor = 0.5 + 0.5 * timing.elapsed / _seconds(cost, timing.params, timing.size)
            self._cost = Cost(cost.a * factor, cost.b * factor, measured=True)


@dataclass(frozen=True)
class JobTiming:
    """What a finished job measured, sent back from the GPU call (a ZeroGPU worker process)."""

    params: StyleParams
    size: tuple[int, int]  # the content's (width, height)
    elapsed: float  # seconds, set-up included
    fit: Cost | None  # a + b x pixels from its iterations at each scale (None: one scale)


def time_iterations(iterations: list[tuple[int, float]]) -> Cost | None:
    """Fit a + b x pixels to a job's (pixels, elapsed) per iteration, one scale per size.

    Each scale's time per iteration is taken from the end of its first iteration (which pays
    for the scale's set-up) to its last, as ``calibrate`` does."""
    by_size: dict[int, list[float]] = {}
    for pixels, elapsed in iterations:
        by_size.setdefault(pixels, []).append(elapsed)
    per_iteration = {
        pixels: (times[-1] - times[0]) / (len(times) - 1)
        for pixels, times in by_size.items()
        if len(times) >= 3
    }
    if len(per_iteration) < 2:
        return None
    small, large = min(per_iteration), max(per_iteration)
    b = max(0.0, (per_iteration[large] - per_iteration[small]) / (large - small))
    return Cost(max(0.0, per_iteration[small] - b * small), b, measured=True)


# The guesses are a T4 (the Space's suggested hardware) and a slow 2-core CPU.
FIRST_GUESS = Cost(0.02, 2.0e-7) if HAS_GPU else Cost(0.05, 1.0e-5)
MODEL = SpeedModel(FIRST_GUESS)
# Long sides of the timed iterations (4:3): sizes jobs use. A GPU is bound by kernel launches
# below ~512 px, so small probes there would miss the per-pixel part.
CALIBRATION_SIZES = (512, 1024) if HAS_GPU else (128, 384)
DURATION_HEADROOM = (20, 2.0)  # a ZeroGPU request: seconds + factor x the predicted time


class Quality(NamedTuple):
    """A quality level: what it asks of this device and the content weight it runs at."""

    steps_share: float  # of the preset's steps
    seconds: float  # what the job should take here
    size_share: float  # largest size, as a share of the preset's
    min_size: int  # never smaller: fewer steps instead
    # The longer the run, the more of the photo the style wears away, so the more the content
    # must weigh: Draft 2, Balanced 4, the default job and Best 8 (benchmarks/RESULTS.md,
    # "Engine v3, sixth step" and "seventh step").
    content_weight: float


QUALITIES = {
    "Draft": Quality(0.5, 10.0, 0.75, 256, 2.0),
    "Balanced": Quality(1.0, 30.0, 1.0, 384, 4.0),
    "Best": Quality(1.5, 90.0, 2.0, 384, 8.0),
}


def calibrate(params: StyleParams, iterations: int = 3) -> Cost:
    """Time real iterations at two sizes here; keep and return the cost model."""
    noise = Image.effect_noise((256, 256), 64).convert("RGB")
    pixels, seconds = [], []
    for long_side in CALIBRATION_SIZES:
        size = fit_size(4, 3, long_side)
        gradient = Image.linear_gradient("L").resize(size).convert("RGB")
        probe = params.replace(
            size=long_side, steps=iterations + 1, multiscale=False, preview_seconds=3600.0
        )
        times = [s.elapsed for s in stylize(gradient, [noise], probe) if not s.done]
        # From the end of the first iteration: it pays for one-off set-up, not for the work.
        seconds.append((times[-1] - times[0]) / iterations)
        pixels.append(size[0] * size[1])
    b = max(0.0, (seconds[1] - seconds[0]) / (pixels[1] - pixels[0]))
    MODEL.set(max(0.0, seconds[0] - b * pixels[0]), b)
    return MODEL.cost


def gpu_seconds(params: StyleParams, content_size: tuple[int, int]) -> int:
    """The duration to ask ZeroGPU for: the predicted time with headroom, at most the cap."""
    fixed, factor = DURATION_HEADROOM
    seconds = fixed + factor * predicted_seconds(params, content_size)
    return int(min(ZERO_GPU_MAX_SECONDS, math.ceil(seconds)))


def _seconds(cost: Cost, params: StyleParams, content_size: tuple[int, int]) -> float:
    work = sum(scale_work(params, content_size))
    return cost.a * sum(params.scale_steps()) + cost.b * work


def predicted_seconds(params: StyleParams, content_size: tuple[int, int]) -> float:
    """Seconds the job should take here, from the cost model and the engine's own work plan."""
    return _seconds(MODEL.cost, params, content_size)


def eta_seconds(snapshot: Snapshot, params: StyleParams) -> float | None:
    """Seconds left: the work left at the measured speed, or at this run's own pace once a
    quarter is done (it then knows about a busy machine or a slow upload)."""
    if snapshot.done:
        return 0.0
    if snapshot.progress >= 0.25:
        return snapshot.eta
    return (1 - snapshot.progress) * predicted_seconds(params, snapshot.size)


def describe_time(params: StyleParams, content_size: tuple[int, int]) -> str:
    seconds = max(1, round(predicted_seconds(params, content_size)))
    where = "this GPU" if HAS_GPU else "this CPU"
    guess = "" if MODEL.cost.measured else " (a first guess: this machine is not timed yet)"
    return f"⏱ about {seconds} s on {where}{guess}"


def fit_quality(level: str, content_size: tuple[int, int]) -> tuple[int, int]:
    """(steps, size) for a quality level: the largest size that finishes in its time here."""
    quality = QUALITIES[level]
    steps = max(10, round(DEFAULTS.steps * quality.steps_share))
    largest = min(SLIDER_MAX["size"], int(DEFAULTS.size * quality.size_share))
    for size in range(largest - largest % 64, quality.min_size - 1, -64):
        seconds = predicted_seconds(DEFAULTS.replace(steps=steps, size=size), content_size)
        if seconds <= quality.seconds:
            return steps, size
    # Even the smallest size is too slow here: keep that size and take fewer steps, but no
    # fewer than half (below that the picture is not worth the wait; the time shown says so).
    size = quality.min_size
    seconds = predicted_seconds(DEFAULTS.replace(steps=steps, size=size), content_size)
    return max(10, steps // 2, int(steps * quality.seconds / seconds)), size


def describe_quality(level: str) -> str:
    steps, size = fit_quality(level, (4, 3))
    seconds = predicted_seconds(DEFAULTS.replace(steps=steps, size=size), (4, 3))
    return f"{level}: {size} px, {steps} steps, ~{max(1, round(seconds))} s"


def warm_up() -> None:
    """Load the weights and time a few iterations here; print what was measured."""
    load_caffe_state()
    if ZERO_GPU:  # CUDA may only be touched inside @spaces.GPU: the first job times itself
        print("speed: ZeroGPU, so the first job times itself on the GPU", flush=True)
        return
    started = time.perf_counter()
    cost = calibrate(DEFAULTS)
    print(
        f"speed: an iteration here takes {cost.a:.3g} s + {cost.b:.3g} s per pixel "
        f"(timed in {time.perf_counter() - started:.1f} s); {describe_quality('Balanced')}",
        flush=True,
    )


def report(timing: JobTiming) -> None:
    """A finished job's timing, back in the main process: the model learns from it."""
    first = not MODEL.cost.measured
    MODEL.learn(timing)
    if first and MODEL.cost.measured:
        cost = MODEL.cost
        print(
            f"speed: measured on the first job: {cost.a:.3g} s + {cost.b:.3g} s per pixel; "
            f"{describe_quality('Balanced')}",
            flush=True,
        )
