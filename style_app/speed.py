"""Speed: measured on this device, never assumed.

A job's time is read off its plan (style_core.plan): at each scale, a set-up (the content's
and the styles' features, new tensor shapes) of ``setup_a + setup_b x pixels`` seconds, then
each iteration ``a + share x (b + c x pass) x pixels``, summed over its network passes (the
whole scale, or each tile's window), ``pass`` being that pass's pixels: a tiny scale costs
more per pixel than a mid-sized one (``a``), and on a CPU a large pass costs more per pixel
again, its activations outgrowing the caches (``c``: 1.18x at 1024 px against 512 px on a
2-core AVX2 CPU, benchmarks/RESULTS.md). ``share`` is what the network a scale runs costs
against the default one: each scale stops at the deepest layer it matches, and the rank rule
leaves small scales fewer (the default job stops at relu4_2 up to 512 px, then runs to
relu5_1): ``fixed_share + (1 - fixed_share) x`` its share of the multiply-adds
(``ScalePlan.network_work``), ``fixed_share`` being what a step costs whatever the depth.

Measured at start-up by ``calibrate`` (real iterations at two or three sizes, on a real
example pair, set-up included), except on ZeroGPU, where CUDA exists only inside the GPU call:
there the first job times its own scales and hands them back (``JobTiming``). Every finished
job then corrects the model; until the first measurement it is a guess, and the page says so.
Job threads and the warm-up both write the model, so it sits behind a lock.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from PIL import Image

from style_app.config import (
    DEFAULTS,
    EXAMPLES,
    HAS_GPU,
    SLIDER_MAX,
    ZERO_GPU,
    ZERO_GPU_MAX_SECONDS,
)
from style_app.memory import plan_here
from style_core import Snapshot, StyleParams, stylize
from style_core.plan import JobPlan, ScalePlan
from style_core.vgg import load_caffe_state


@dataclass(frozen=True)
class Cost:
    a: float  # seconds per iteration, whatever its size
    b: float  # seconds per iteration per output pixel (full network)
    setup_a: float = 0.0  # seconds to set up a scale, whatever its size
    setup_b: float = 0.0  # seconds to set up a scale, per pixel
    measured: bool = False  # False: still the first guess
    fixed_share: float = 0.15  # of a step's time, spent whatever the network's depth
    c: float = 0.0  # b's growth per pixel of the pass: a larger pass costs more per pixel

    def scaled(self, factor: float, measured: bool) -> Cost:
        times = (self.a, self.b, self.setup_a, self.setup_b)
        return Cost(
            *(value * factor for value in times), measured, self.fixed_share, self.c * factor
        )

    def step_share(self, scale: ScalePlan) -> float:
        """A step of this scale's network against a default step, per pixel."""
        return self.fixed_share + (1 - self.fixed_share) * scale.network_work

    def step_seconds(self, scale: ScalePlan) -> float:
        """Seconds one iteration of this scale takes."""
        work = self.b * scale.evaluated_pixels + self.c * scale.evaluated_pixels_squared
        return self.a + self.step_share(scale) * work


class SpeedModel:
    """The cost model, shared by every job of this process; reads and writes under a lock."""

    def __init__(self, cost: Cost) -> None:
        self._lock = threading.Lock()
        self._cost = cost

    @property
    def cost(self) -> Cost:
        with self._lock:
            return self._cost

    def set(self, cost: Cost) -> None:
        """A measured cost (calibration)."""
        with self._lock:
            self._cost = cost

    def learn(self, timing: JobTiming) -> None:
        """A finished job: its own fit if nothing was measured yet, else move the model
        halfway towards the job's own time (set-up included). A job that could not fit its
        own (one scale) scales a first guess, which stays a guess."""
        with self._lock:
            cost = self._cost
            if not cost.measured and timing.fit is not None:
                self._cost = timing.fit
                return
            planned = plan_seconds(cost, timing.job_plan())
            factor = 0.5 + 0.5 * timing.elapsed / planned
            self._cost = cost.scaled(factor, measured=cost.measured)


@dataclass(frozen=True)
class JobTiming:
    """What a finished job measured, sent back from the GPU call (a ZeroGPU worker process)."""

    params: StyleParams
    size: tuple[int, int]  # the content's (width, height)
    elapsed: float  # seconds, set-up included
    fit: Cost | None  # fitted to its own scales' timings (None: fewer than two scales)
    plan: JobPlan | None = None  # the plan it ran (None: the app's plan of params and size)

    def job_plan(self) -> JobPlan:
        return self.plan or plan_here(self.params, self.size)


def time_iterations(
    iterations: list[tuple[ScalePlan, float]],
    fixed_share: float = 0.15,
    *,
    curve: bool = False,
) -> Cost | None:
    """Fit the cost model to a job's (scale, elapsed) per iteration.

    Each scale's time per iteration is taken from the end of its first iteration to its last;
    its set-up is what its first iteration took beyond that, from the end of the scale before
    (the job's start for the first). Each scale's network is costed at its own depth
    (``Cost.step_share``, with this ``fixed_share``). Needs two scales of at least three
    iterations. ``curve``: from three, fit a large pass's extra cost per pixel (``Cost.c``)
    too; the warm-up's timing on a CPU. Not a GPU's: its time per iteration stays flat while
    kernel launches bound it, and a curve through that would climb steeply past the sizes
    timed."""
    scales: list[tuple[ScalePlan, list[float]]] = []
    for scale, elapsed in iterations:
        if not scales or scales[-1][0] != scale:
            scales.append((scale, []))
        scales[-1][1].append(elapsed)
    steps, set_ups, previous_end = [], {}, 0.0
    for scale, times in scales:
        if len(times) >= 3:
            per_iteration = (times[-1] - times[0]) / (len(times) - 1)
            steps.append((scale, per_iteration))
            set_ups[scale.window_pixels] = times[0] - previous_end - per_iteration
        previous_end = times[-1]
    if len(steps) < 2:
        return None
    a, b, c = _step_fit(steps, Cost(0, 0, fixed_share=fixed_share), curve)
    setup_a, setup_b = _line(set_ups)
    return Cost(a, b, setup_a, setup_b, True, fixed_share, c)


def _step_fit(
    steps: list[tuple[ScalePlan, float]], depth: Cost, curve: bool
) -> tuple[float, float, float]:
    """(a, b, c) of Cost.step_seconds (each scale's share from ``depth``): a straight line
    (c = 0) through the smallest and the largest scale's seconds per iteration; or, asked for
    a ``curve`` and given three scales, the curve through the smallest and the two largest
    (through the two largest with a = 0 where it would start below zero), unless it falls."""
    work = sorted(
        ((depth.step_share(s) * s.evaluated_pixels, t, s) for s, t in steps), key=lambda w: w[0]
    )
    line = (*_line({x: t for x, t, _ in work}), 0.0)
    if not curve or len(work) < 3:
        return line
    three = [work[0], *work[-2:]]
    rows = [[1.0, x, depth.step_share(s) * s.evaluated_pixels_squared] for x, _, s in three]
    seconds = [t for _, t, _ in three]
    try:
        fit = np.linalg.solve(rows, seconds)
        if fit[0] < 0:  # a tiny scale's noise: no fixed part, the curve through the largest
            fit = [0.0, *np.linalg.solve([row[1:] for row in rows[1:]], seconds[1:])]
    except np.linalg.LinAlgError:  # two scales of the same work: no single curve
        return line
    a, b, c = (float(v) for v in fit)
    return (a, b, c) if min(b, c) >= 0 else line


def _line(seconds_by_pixels: dict[int, float]) -> tuple[float, float]:
    """(a, b) of seconds = a + b x pixels through the smallest and largest sizes, neither
    negative."""
    small, large = min(seconds_by_pixels), max(seconds_by_pixels)
    b = max(0.0, (seconds_by_pixels[large] - seconds_by_pixels[small]) / (large - small))
    return max(0.0, seconds_by_pixels[small] - b * small), b


# The guesses are a T4 (the Space's suggested hardware) and a slow 2-core CPU.
FIRST_GUESS = Cost(0.02, 2.0e-7) if HAS_GPU else Cost(0.05, 1.0e-5)
MODEL = SpeedModel(FIRST_GUESS)
# Long sides of the timed iterations: sizes jobs use (from 128 and 384 px the first 512 px
# job came 5-7% slower than predicted; from 128 and 512, within 4%: benchmarks/RESULTS.md).
# On a CPU a step's time per pixel grows with the pass, so a third is as large as a pass of a
# print-size job (tiles' windows, or the whole 1024 px scale). A GPU is bound by kernel
# launches below ~512 px, so small probes there would miss the per-pixel part.
CALIBRATION_SIZES = (512, 1024) if HAS_GPU else (128, 512, 1024)
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


# The calibration's pair: a real photo and painting (a gradient and noise took fewer line-search
# evaluations per iteration than real pictures do).
CALIBRATION_PAIR = (EXAMPLES / "content_chelsea.jpg", EXAMPLES / "style_starry_night.jpg")


def calibrate(params: StyleParams, iterations: int = 4) -> Cost:
    """Time real iterations, and each probe's set-up, at the calibration sizes here, and a
    network stopped at relu1_1 at the second; keep and return the cost model. A throwaway
    64 px run first pays for what only the first run of a process does (thread pools,
    kernels), which no job after start-up pays again. Each probe is costed at the depth its
    network really runs to (up to 512 px the rank rule stops the default one at relu4_2). The
    model is kept after the first two sizes too: jobs of the usual sizes have their estimate
    before the largest probe ends."""
    content, style = (Image.open(path).convert("RGB") for path in CALIBRATION_PAIR)
    list(stylize(content, [style], params.replace(size=64, steps=2, multiscale=False)))
    probes = [
        params.replace(size=side, steps=iterations + 1, multiscale=False, preview_seconds=3600.0)
        for side in CALIBRATION_SIZES
    ]
    timed = [_timed_probe(content, style, probe) for probe in probes[:2]]
    # How much of a step does not shrink with the network's depth: relu1_1 does ~no work.
    shallow = probes[1].replace(content_layers=("relu1_1",), style_layers=("relu1_1",))
    shallow_timed = _timed_probe(content, style, shallow)
    full, few = (probe[0][0].network_work for probe in (timed[1], shallow_timed))
    ratio = _step_seconds(shallow_timed) / _step_seconds(timed[1])
    # ratio = (f + (1 - f) few) / (f + (1 - f) full), solved for the fixed share f.
    fixed_share = min(1.0, max(0.0, (ratio * full - few) / (1 - few - ratio * (1 - full))))
    MODEL.set(time_iterations(_restart_clocks(timed), fixed_share))
    # Two iterations at the largest (each as long as ~five at the second size) keep the
    # warm-up short.
    timed += [_timed_probe(content, style, probe.replace(steps=3)) for probe in probes[2:]]
    fit = time_iterations(_restart_clocks(timed), fixed_share, curve=True)
    MODEL.set(fit)
    return fit


def _timed_probe(content: Image.Image, style: Image.Image, probe: StyleParams) -> list:
    """(scale, elapsed) of each iteration of a one-scale run (its plan here: tiled where
    this device's memory asks for it, its network as deep as its style allows)."""
    (scale,) = plan_here(probe, content.size, [style.size]).scales
    return [(scale, s.elapsed) for s in stylize(content, [style], probe) if not s.done]


def _step_seconds(timed: list[tuple[ScalePlan, float]]) -> float:
    return (timed[-1][1] - timed[0][1]) / (len(timed) - 1)


def _restart_clocks(
    probes: list[list[tuple[ScalePlan, float]]],
) -> list[tuple[ScalePlan, float]]:
    """Probes timed from their own starts, as one job's scales timed from one start."""
    joined, offset = [], 0.0
    for timed in probes:
        joined += [(scale, offset + elapsed) for scale, elapsed in timed]
        offset = joined[-1][1]
    return joined


def gpu_duration(seconds: float) -> int:
    """The duration to ask ZeroGPU for a job predicted to take ``seconds``: with headroom,
    rounded up, at most the cap."""
    fixed, factor = DURATION_HEADROOM
    return int(min(ZERO_GPU_MAX_SECONDS, math.ceil(fixed + factor * seconds)))


def zero_gpu_refusal(seconds: float, what: str = "job") -> str | None:
    """On ZeroGPU, why a job predicted to take ``seconds`` is refused (None: it is not). The
    request has headroom but stops at the cap: a job that would not finish within the cap even
    at the predicted speed is refused before it asks for the GPU."""
    if not ZERO_GPU or DURATION_HEADROOM[0] + seconds <= ZERO_GPU_MAX_SECONDS:
        return None
    return (
        f"This {what} would take about {seconds:.0f} s here, longer than the "
        f"{ZERO_GPU_MAX_SECONDS} s a ZeroGPU call may last: lower the steps or the size."
    )


def plan_seconds(cost: Cost, plan: JobPlan) -> float:
    """Seconds a job of this plan takes at this cost: each scale's set-up and iterations, on
    the pixels the network runs on (a tiled scale's windows, margins included) and at the
    depth it runs to."""
    return sum(
        cost.setup_a + cost.setup_b * scale.window_pixels + scale.steps * cost.step_seconds(scale)
        for scale in plan.scales
    )


def predicted_seconds(params: StyleParams, content_size: tuple[int, int]) -> float:
    """Seconds the job should take here, from the cost model and the engine's plan."""
    return plan_seconds(MODEL.cost, plan_here(params, content_size))


def eta_seconds(snapshot: Snapshot, plan: JobPlan) -> float | None:
    """Seconds left: the work left at the measured speed, or at this run's own pace once a
    quarter is done (it then knows about a busy machine or a slow upload)."""
    if snapshot.done:
        return 0.0
    if snapshot.progress >= 0.25:
        return snapshot.eta
    return (1 - snapshot.progress) * plan_seconds(MODEL.cost, plan)


def time_text(seconds: float) -> str:
    """What the page says before Run: about how long, where, and whether it is a guess."""
    where = "this GPU" if HAS_GPU else "this CPU"
    guess = "" if MODEL.cost.measured else " (a first guess: this machine is not timed yet)"
    return f"⏱ about {max(1, round(seconds))} s on {where}{guess}"


def describe_time(params: StyleParams, content_size: tuple[int, int]) -> str:
    return time_text(predicted_seconds(params, content_size))


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
        f"speed: {describe_cost(cost)} (timed in {time.perf_counter() - started:.1f} s); "
        f"{describe_quality('Balanced')}",
        flush=True,
    )


def describe_cost(cost: Cost) -> str:
    """The cost model in words, for the log."""
    growth = f" (+{cost.c * 1e6:.3g} s per pixel for each megapixel of a pass)" if cost.c else ""
    return (
        f"an iteration here takes {cost.a:.3g} s + {cost.b:.3g} s per pixel{growth}, a scale's "
        f"set-up {cost.setup_a:.3g} s + {cost.setup_b:.3g} s per pixel, {cost.fixed_share:.3g} "
        "of a step whatever the network's depth"
    )


def report(timing: JobTiming) -> None:
    """A finished job's timing, back in the main process: the model learns from it."""
    first = not MODEL.cost.measured
    MODEL.learn(timing)
    if first and MODEL.cost.measured:
        cost = MODEL.cost
        print(
            f"speed: measured on the first job's {len(timing.job_plan().scales)} scales: "
            f"{describe_cost(cost)}; {describe_quality('Balanced')}",
            flush=True,
        )
