"""A panel of an Explore grid and the work that makes it: a run of the engine shown as it
forms, or a ready picture. Every optimisation is ``engine.stylize``, never a second loop."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from PIL import Image

from style_core.engine import stylize
from style_core.explore.settings import ExploreSettings
from style_core.params import StyleParams
from style_core.plan import JobPlan, plan_job


@dataclass(frozen=True)
class Panel:
    """One labelled picture of an experiment: blank until it forms, then previews, then final."""

    label: str
    image: Image.Image | None = None  # latest preview; the final picture once done
    losses: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    history: tuple[float, ...] = ()  # the run's total loss after each iteration (runs only)
    done: bool = False


@dataclass(frozen=True)
class PanelJob:
    """One panel's work: ``states`` yields (panel, fraction of this job done) as it forms."""

    label: str
    states: Callable[[], Iterator[tuple[Panel, float]]]
    work: float  # iterations x pixels, the engine's unit (JobPlan.work); 1 if no run
    plan: JobPlan | None = None  # the engine's plan of its run (None: a ready picture)


def run_job(
    label: str,
    content: Image.Image,
    style: Image.Image,
    params: StyleParams,
    finish: Callable[[Image.Image], Image.Image] | None = None,
) -> PanelJob:
    """A run of the engine as a panel; ``finish`` changes each picture before it is shown."""
    params = params.validate()
    plan = plan_job(params, content.size)

    def states() -> Iterator[tuple[Panel, float]]:
        history: list[float] = []
        with closing(stylize(content, [style], params)) as run:
            for snapshot in run:
                if not snapshot.done:
                    history.append(snapshot.losses["total"])
                if snapshot.image is None:
                    continue
                image = finish(snapshot.image) if finish else snapshot.image
                panel = Panel(label, image, snapshot.losses, tuple(history), snapshot.done)
                yield panel, snapshot.progress

    return PanelJob(label, states, work=sum(plan.work()), plan=plan)


def picture_job(label: str, make: Callable[[], Image.Image]) -> PanelJob:
    """A ready picture as a panel: ``make`` runs when the panel's turn comes."""

    def states() -> Iterator[tuple[Panel, float]]:
        yield Panel(label, make(), done=True), 1.0

    return PanelJob(label, states, work=1.0)


def no_states() -> Iterator[tuple[Panel, float]]:
    """A panel with no work of its own (drawn by ``Experiment.derive``)."""
    yield from ()


def base_params(settings: ExploreSettings, **changes: Any) -> StyleParams:
    """The engine's parameters for one panel's run: the settings, then ``changes``."""
    # One scale, as in the papers: each panel is a small, short run.
    base = {
        "size": settings.size,
        "steps": settings.steps,
        "seed": settings.seed,
        "device": settings.device,
        "multiscale": False,
        # Every layer asked for, as in the papers: the point is to show what each one does
        # (deep layers of a small style copy its shapes; the rank rule would hide that).
        "rank_rule": False,
        # The papers' Gram matrix, not the engine's default mean and covariance: the
        # experiments explain Gatys et al.'s method.
        "style_statistic": "gram",
    }
    return StyleParams(**{**base, **changes})
