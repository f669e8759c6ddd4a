"""Speed: measured on this device, never assumed.

Cost of one iteration here: a fixed part plus a part per pixel, ``seconds = a + b x pixels``
(small scales cost more per pixel than large ones). Timed by ``calibrate`` on a few real
iterations at two sizes, then corrected by every finished run; until then a first guess, and
the page says so. Job cost = a x iterations + b x engine.scale_work(). Job threads and the
warm-up both write the model, so it sits behind a lock.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from PIL import Image

from style_app.config import DEFAULTS, HAS_GPU, SLIDER_MAX, spaces
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
        with self._lock:
            self._cost = Cost(a, b, measured=True)

    def learn(self, params: StyleParams, size: tuple[int, int], elapsed: float) -> None:
        """Move the model halfway towards a finished run's own time (set-up included)."""
        with self._lock:
            cost = self._cost
            factor = 0.5 + 0.5 * elapsed / _seconds(cost, params, size)
            self._cost = Cost(cost.a * factor, cost.b * factor, measured=True)


# The guesses are a T4 (the Space's suggested hardware) and a slow 2-core CPU.
FIRST_GUESS = Cost(0.02, 2.0e-7) if HAS_GPU else Cost(0.05, 1.0e-5)
MODEL = SpeedModel(FIRST_GUESS)
CALIBRATION_SIZES = (128, 384)  # long sides of the timed iterations (4:3)
# Quality level: (share of the preset's steps, seconds it should take here, largest size as
# a share of the preset's size).
QUALITIES = {"Draft": (0.5, 10.0, 0.75), "Balanced": (1.0, 30.0, 1.0), "Best": (1.5, 90.0, 2.0)}
MIN_SIZE = {"Draft": 256, "Balanced": 384, "Best": 384}  # never smaller: fewer steps instead


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
    MODEL.set(a=max(0.0, seconds[0] - b * pixels[0]), b=b)
    return MODEL.cost


def learn_speed(params: StyleParams, size: tuple[int, int], elapsed: float) -> None:
    MODEL.learn(params, size, elapsed)


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
    share, target, size_share = QUALITIES[level]
    steps = max(10, round(DEFAULTS.steps * share))
    largest = min(SLIDER_MAX["size"], int(DEFAULTS.size * size_share))
    for size in range(largest - largest % 64, MIN_SIZE[level] - 1, -64):
        if predicted_seconds(DEFAULTS.replace(steps=steps, size=size), content_size) <= target:
            return steps, size
    # Even the smallest size is too slow here: keep that size and take fewer steps, but no
    # fewer than half (below that the picture is not worth the wait; the time shown says so).
    size = MIN_SIZE[level]
    seconds = predicted_seconds(DEFAULTS.replace(steps=steps, size=size), content_size)
    return max(10, steps // 2, int(steps * target / seconds)), size


def describe_quality(level: str) -> str:
    steps, size = fit_quality(level, (4, 3))
    seconds = predicted_seconds(DEFAULTS.replace(steps=steps, size=size), (4, 3))
    return f"{level}: {size} px, {steps} steps, ~{max(1, round(seconds))} s"


def warm_up() -> None:
    """Load the weights and time a few iterations here; print what was measured."""
    load_caffe_state()
    if spaces is None:  # on ZeroGPU, CUDA may only be touched inside @spaces.GPU
        started = time.perf_counter()
        cost = calibrate(DEFAULTS)
        print(
            f"speed: an iteration here takes {cost.a:.3g} s + {cost.b:.3g} s per pixel "
            f"(timed in {time.perf_counter() - started:.1f} s); {describe_quality('Balanced')}",
            flush=True,
        )
