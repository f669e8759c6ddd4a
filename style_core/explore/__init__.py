"""Explore: the experiments that explain style transfer, as streams of labelled panels.

Five experiments (issue 16), each a generator of ``ExploreFrame`` snapshots that carry every
planned ``Panel`` (blank until it forms; previews while it forms). All optimisation is
``engine.stylize`` with its own parameters, never a second loop.

Usage::

    for frame in explore("content-layers", ["photo.jpg"]):
        show([panel.image for panel in frame.panels])
    save_grid(frame, "grid.png")  # one labelled picture, settings embedded

Stop early by closing the generator (or just stop iterating): the run in progress stops.

One concern a module: ``settings`` (the knobs and their checks), ``experiments`` (the five,
with their captions and defaults), ``plans`` (each experiment's panels), ``panels`` (a panel
and the work that makes it), ``run`` (the entry point and the stream of frames), ``files``
(a frame as one labelled PNG), ``drawing`` (the pictures: colour maps, curves, grids) and
``network`` (what the network sees: feature maps, channel similarities, patches).
"""

from style_core.explore.experiments import EXPERIMENTS, Experiment
from style_core.explore.files import GRID_KEY, grid_image, read_grid, save_grid
from style_core.explore.panels import Panel
from style_core.explore.plans import INIT_LABELS, ratio_weights
from style_core.explore.run import (
    DEFAULT_IMAGES,
    ExploreFrame,
    explore,
    planned_runs,
    planned_work,
)
from style_core.explore.settings import (
    DEFAULT_SETTINGS,
    MAX_PANELS,
    SETTINGS,
    ExploreSettings,
    knob_type,
    resolve,
)

__all__ = [
    "DEFAULT_IMAGES",
    "DEFAULT_SETTINGS",
    "EXPERIMENTS",
    "GRID_KEY",
    "INIT_LABELS",
    "MAX_PANELS",
    "SETTINGS",
    "Experiment",
    "ExploreFrame",
    "ExploreSettings",
    "Panel",
    "explore",
    "grid_image",
    "knob_type",
    "planned_runs",
    "planned_work",
    "ratio_weights",
    "read_grid",
    "resolve",
    "save_grid",
]
