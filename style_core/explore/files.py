"""A frame as one picture: the labelled grid, and the grid as a PNG that carries its
experiment, settings and panel labels, so that ``read_grid`` can say what ran."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PIL import Image, PngImagePlugin

from style_core.explore import drawing as draw
from style_core.explore.experiments import EXPERIMENTS
from style_core.explore.run import ExploreFrame
from style_core.explore.settings import ExploreSettings

GRID_KEY = "explore"  # PNG text chunk of a saved grid: experiment, settings, labels (JSON)


def grid_image(frame: ExploreFrame) -> Image.Image:
    """The frame's panels as one labelled grid, titled with the experiment."""
    cells = [(panel.label, panel.image) for panel in frame.panels]
    return draw.grid(cells, frame.columns, EXPERIMENTS[frame.experiment].title)


def save_grid(frame: ExploreFrame, path: str | os.PathLike) -> Path:
    """Save ``grid_image`` as PNG with the experiment, its settings and the panel labels as
    a JSON text chunk (key ``explore``); ``read_grid`` reads them back."""
    info = PngImagePlugin.PngInfo()
    record = {
        "experiment": frame.experiment,
        "settings": json.loads(frame.settings.to_json()),
        "labels": [panel.label for panel in frame.panels],
    }
    info.add_text(GRID_KEY, json.dumps(record, sort_keys=True))
    path = Path(path)
    grid_image(frame).save(path, format="PNG", pnginfo=info, optimize=True)
    return path


def read_grid(source: str | os.PathLike) -> tuple[str, ExploreSettings] | None:
    """(experiment, settings) embedded by ``save_grid``, or None if the PNG carries none."""
    with Image.open(source) as image:
        text = image.text.get(GRID_KEY) if hasattr(image, "text") else None
    if not text:
        return None
    record = json.loads(text)
    return record["experiment"], ExploreSettings.from_dict(record["settings"])
