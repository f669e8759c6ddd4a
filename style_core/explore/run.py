"""Running an experiment: check the input, decode the images, plan the panels, then stream
``ExploreFrame`` snapshots that carry every planned panel (blank until it forms; previews
while it forms). Stopping = closing the stream: the run in progress stops with it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from style_core.explore.experiments import EXPERIMENTS, Experiment
from style_core.explore.panels import Panel, PanelJob
from style_core.explore.settings import DEFAULT_SETTINGS, ExploreSettings, resolve
from style_core.images import ImageInput, load_image
from style_core.plan import JobPlan

ROOT = Path(__file__).resolve().parents[2]
# The default pictures, shared with the demo's examples (credited in examples/README.md).
DEFAULT_IMAGES = {
    "photo": ROOT / "examples" / "content_chelsea.jpg",
    "style": ROOT / "examples" / "style_starry_night.jpg",
}


@dataclass(frozen=True)
class ExploreFrame:
    """Progress of an experiment: every planned panel, in grid order (row by row)."""

    experiment: str  # its name in EXPERIMENTS
    panels: tuple[Panel, ...]
    columns: int  # panels per grid row
    current: int | None  # index of the panel forming now; None once done
    elapsed: float  # seconds since the experiment started
    progress: float  # 0..1, share of the planned work (iterations x pixels) done
    settings: ExploreSettings  # resolved: None only where the experiment has no use for it
    done: bool = False


def explore(
    experiment: str,
    images: Sequence[ImageInput] | None = None,
    settings: ExploreSettings | None = None,
) -> Iterator[ExploreFrame]:
    """Start an experiment; iterate the result for its frames (the last has ``done=True``).

    ``images``: one per role in ``EXPERIMENTS[experiment].images`` (None: the defaults).
    Raises ValueError (ImageError for images) on bad input, here, before any heavy work.
    """
    started = time.perf_counter()
    # 1. Which experiment, with which settings.
    spec = _experiment(experiment)
    settings = resolve(spec, settings or DEFAULT_SETTINGS)
    # 2. Decode the images (ImageError names the bad one).
    loaded = _load_images(spec, images, settings.size)
    # 3. Plan every panel; the work starts on the first next().
    jobs, columns = spec.plan(loaded, settings)
    return _stream(spec, settings, jobs, columns, started)


def _experiment(name: str) -> Experiment:
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {', '.join(EXPERIMENTS)}; got {name!r}")
    return EXPERIMENTS[name]


def planned_runs(
    experiment: str,
    images: Sequence[ImageInput] | None = None,
    settings: ExploreSettings | None = None,
) -> list[JobPlan]:
    """The engine's plan of each run the experiment makes (none for "network"), for a time
    estimate before Run. Checks its input like ``explore``."""
    spec = _experiment(experiment)
    settings = resolve(spec, settings or DEFAULT_SETTINGS)
    loaded = _load_images(spec, images, settings.size)
    if spec.steps == 0:
        return []
    jobs, _ = spec.plan(loaded, settings)
    return [job.plan for job in jobs if job.plan is not None]


def planned_work(
    experiment: str,
    images: Sequence[ImageInput] | None = None,
    settings: ExploreSettings | None = None,
) -> float:
    """The experiment's optimisation work in the engine's unit, iterations x pixels (see
    ``JobPlan.work``), by which its progress is told; 0 for "network", which only runs two
    forward passes. Checks its input like ``explore``."""
    spec = _experiment(experiment)
    settings = resolve(spec, settings or DEFAULT_SETTINGS)
    loaded = _load_images(spec, images, settings.size)
    if spec.steps == 0:
        return 0.0
    jobs, _ = spec.plan(loaded, settings)
    return float(sum(job.work for job in jobs))  # a picture counts 1: nothing next to a run


def _stream(
    spec: Experiment,
    settings: ExploreSettings,
    jobs: list[PanelJob],
    columns: int,
    started: float,
) -> Iterator[ExploreFrame]:
    panels = [Panel(job.label) for job in jobs]
    total, finished = sum(job.work for job in jobs), 0.0

    def frame(current: int | None, share: float) -> ExploreFrame:
        if spec.derive:
            spec.derive(panels)
        return ExploreFrame(
            experiment=spec.name,
            panels=tuple(panels),
            columns=columns,
            current=current,
            elapsed=time.perf_counter() - started,
            progress=min(1.0, share),
            settings=settings,
            done=current is None,
        )

    for index, job in enumerate(jobs):
        with closing(job.states()) as states:  # closing the stream stops the run at once
            for panel, fraction in states:
                panels[index] = panel
                yield frame(index, (finished + job.work * fraction) / total)
        finished += job.work
    yield frame(None, 1.0)


def _load_images(
    spec: Experiment, images: Sequence[ImageInput] | None, size: int
) -> list[Image.Image]:
    if images is None:
        images = [DEFAULT_IMAGES[role] for role in spec.images]
    if isinstance(images, (str, bytes, os.PathLike, Image.Image)) or not isinstance(
        images, Sequence
    ):
        images = [images]
    if len(images) != len(spec.images):
        roles = " and ".join(f"a {role}" for role in spec.images)
        raise ValueError(
            f"images: {spec.name} takes {len(spec.images)} ({roles}); got {len(images)}"
        )
    return [load_image(image, role, max_side=size) for image, role in zip(images, spec.images)]
