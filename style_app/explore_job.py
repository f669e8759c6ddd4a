"""The Explore tab's runs: settings checked before any work, the time they should take
here, and the experiment streamed as gallery items (on ZeroGPU inside a spaces.GPU call),
each handler described for the API page and MCP. The page itself is explore_tab.py."""

from __future__ import annotations

import math
import re
from contextlib import closing
from typing import Any

import gradio as gr
import pandas as pd

from style_app import speed
from style_app.api_doc import describe_parameters, explore_description, explore_parameter_help
from style_app.config import ZERO_GPU
from style_app.explore_files import PanelFiles
from style_core import ImageError
from style_core.explore import (
    DEFAULT_IMAGES,
    EXPERIMENTS,
    INIT_LABELS,
    SETTINGS,
    Experiment,
    ExploreFrame,
    ExploreSettings,
    explore,
    planned_runs,
)
from style_core.plan import JobPlan

MAX_RATIOS_TEXT = 200  # characters: a ratio list longer than this is not a list of ratios


def api_name(experiment: str) -> str:
    return "explore_" + experiment.replace("-", "_")


def knob_default(spec: Experiment, name: str) -> Any:
    """The value a widget opens on: the experiment's own default where it has one."""
    value = getattr(ExploreSettings(), name)
    own = {"size": spec.size, "steps": spec.steps, "layers": spec.layers, "ratios": spec.ratios}
    return own[name] if value is None and name in own else value


def parse_ratios(text: Any) -> tuple[float, ...]:
    """ "0.01 0.1 1 10" (or commas) -> numbers; explore.resolve checks their range."""
    if not isinstance(text, str) or len(text) > MAX_RATIOS_TEXT:
        raise ValueError("ratios must be a short text of numbers such as 0.01 0.1 1 10")
    try:
        return tuple(float(part) for part in re.split(r"[\s,;]+", text.strip()) if part)
    except ValueError:
        raise ValueError(
            f"ratios must be numbers separated by spaces, e.g. 0.01 0.1 1; got {text!r}"
        ) from None


def build_settings(spec: Experiment, values: dict[str, Any]) -> ExploreSettings:
    """Widget values by setting name -> checked ExploreSettings (ValueError names the field)."""
    settings: dict[str, Any] = {}
    for name, value in values.items():
        if name == "ratios":
            value = parse_ratios(value)
        elif name == "layers":
            value = tuple(value or ())
        elif isinstance(value, float) and value.is_integer() and SETTINGS[name].limits:
            value = int(value)  # sliders and numbers may arrive as 64.0
        settings[name] = value
    return ExploreSettings(**settings)


def checked(spec: Experiment, images: list[Any], values: dict[str, Any]):
    """(images, settings, the engine's plan of each run) for a run, or gr.Error with one
    sentence; cheap: it decodes the images at panel size but runs nothing."""
    images = [
        DEFAULT_IMAGES[role] if image is None else image for image, role in zip(images, spec.images)
    ]
    try:
        settings = build_settings(spec, values)
        runs = planned_runs(spec.name, images, settings)
    except (ImageError, ValueError, TypeError) as error:
        raise gr.Error(str(error), print_exception=False) from None
    return images, settings, runs


def predicted_seconds(runs: list[JobPlan]) -> float:
    """The app's cost model applied to each run's plan (set-up, iterations, how deep the
    network goes); a second for "network", which only makes two forward passes."""
    if not runs:
        return 1.0
    cost = speed.MODEL.cost
    return sum(speed.plan_seconds(cost, plan) for plan in runs)


def estimate_text(spec: Experiment, images: list[Any], values: dict[str, Any]) -> str:
    try:
        images, settings, runs = checked(spec, images, values)
    except gr.Error as error:
        return f"⚠ {error.message}"
    if not runs:
        return "⏱ a few seconds (no optimisation: one forward pass per image)"
    return speed.time_text(predicted_seconds(runs))


# --------------------------------------------------------------------------------------
# The run: checked here, streamed from the GPU call


def gallery_items(frame: ExploreFrame) -> list[tuple[Any, str]]:
    return [(panel.image, panel.label) for panel in frame.panels if panel.image is not None]


def status_text(frame: ExploreFrame, estimate: float) -> str:
    # The seed is named: a run with another seed must say so (content-layers' "another seed").
    seed = f" · seed {frame.settings.seed}" if "seed" in EXPERIMENTS[frame.experiment].uses else ""
    if frame.done:
        return f"**Done.** {len(frame.panels)} panels in {frame.elapsed:.1f} s{seed}"
    current = (frame.current or 0) + 1
    text = f"Panel {current}/{len(frame.panels)} · {frame.progress:.0%} · {frame.elapsed:.1f} s"
    text += seed
    if frame.progress >= 0.25:
        left = frame.elapsed * (1 - frame.progress) / frame.progress
    else:
        left = estimate * (1 - frame.progress)
    return f"{text} · about {left:.0f} s left"


def curves(frame: ExploreFrame) -> pd.DataFrame:
    """The init experiment's two runs' total loss per iteration (log10), for a line plot."""
    histories = {panel.label: panel.history for panel in frame.panels}
    rows = [
        {"iteration": step, "start": start, "log10 loss": _log10(loss)}
        for start in INIT_LABELS
        for step, loss in enumerate(histories.get(start) or (math.nan,), start=1)
    ]
    # A run not started yet has one point with no loss (not drawn): Gradio 6.31's LinePlot
    # fixes its colours on the first update it draws, and a run missing from it stayed
    # without a colour, invisible.
    return pd.DataFrame(rows, columns=["iteration", "start", "log10 loss"])


def _log10(value: float) -> float:
    return value if math.isnan(value) else math.log10(max(value, 1e-6))


def _run(name: str, images: list[Any], settings: ExploreSettings, estimate: float):
    """The experiment itself: the only place CUDA is touched (on ZeroGPU, in a GPU worker)."""
    spec = EXPERIMENTS[name]
    try:
        with closing(explore(name, images, settings)) as frames:  # a cancel stops the run
            for frame in frames:
                outputs = (gallery_items(frame), status_text(frame, estimate))
                # Last, the grid's columns, for the page's gallery (a gr.State: not in the API).
                yield outputs + ((curves(frame),) if spec.derive else ()) + (frame.columns,)
    except (ImageError, ValueError) as error:
        raise gr.Error(str(error), print_exception=False) from None


def _gpu_duration(name, images, settings, estimate) -> int:
    return speed.gpu_duration(estimate)


# As job.py does for the main job: on ZeroGPU each run is a spaces.GPU call sized by its
# estimate; everywhere else it runs in this process.
if ZERO_GPU:
    import spaces

    run_on_gpu = spaces.GPU(duration=_gpu_duration)(_run)
else:
    run_on_gpu = _run


def make_start(spec: Experiment):
    """The page's step before a run: the input checked at once (gr.Error with one sentence,
    and nothing changes), then the run's gallery (and loss plot) shown in place of the finished
    result."""

    def start(**values):
        checked(spec, [values.pop(role) for role in spec.images], values)
        plot = (gr.LinePlot(visible=True),) if spec.derive else ()
        return gr.Image(visible=False), gr.Gallery(visible=True), "Starting…", *plot

    return start


def next_seed(seed: Any) -> int:
    """The noise seed after ``seed`` (after the last allowed one, or an empty box, the first);
    a value out of range is left for the run's check to name."""
    low, high = SETTINGS["seed"].limits
    value = int(seed) if isinstance(seed, (int, float)) and math.isfinite(seed) else low - 1
    return low if value >= high else value + 1


def make_job(spec: Experiment, settings: list[str]):
    """The handler of one experiment: images by role, then ``settings`` by name (those with
    a widget), described for the API page and MCP from their fields' help."""

    def job(**values):
        images = [values.pop(role) for role in spec.images]
        images, settings, runs = checked(spec, images, values)
        estimate = predicted_seconds(runs)
        refusal = speed.zero_gpu_refusal(estimate, "run")
        if refusal:
            raise gr.Error(refusal, print_exception=False)
        # The pictures become files here, in this process (explore_files says why); a cancel
        # closes the GPU call's generator at once, which stops the run.
        with (
            PanelFiles() as files,
            closing(run_on_gpu(spec.name, images, settings, estimate)) as frames,
        ):
            for gallery, *rest in frames:
                yield files.gallery(gallery), *rest

    job.__name__ = api_name(spec.name)  # the MCP tool's name
    job.__doc__ = explore_description(
        spec.title.split(". ", 1)[-1], spec.caption, bool(spec.derive)
    )
    describe_parameters(job, explore_parameter_help(spec.images, settings))
    return job
