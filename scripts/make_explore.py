"""Make the Explore experiments' finished results for the default images, and the README picture.

python scripts/make_explore.py [--only EXPERIMENT ...] [--size N] [--steps N] [--picture-only]

For each experiment (style_core.explore.EXPERIMENTS, on examples/content_chelsea.jpg and
examples/style_starry_night.jpg, at the experiment's default settings) it writes
examples/explore/<experiment>.jpg (the labelled grid) and <experiment>.json (title, caption,
panel labels and losses, the resolved settings, the time it took and where). Then it builds
docs/explore.jpg from the stored grids: the two reconstruction rows (content by layer,
texture by layer) above the trade-off grid.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from style_core.explore import (  # noqa: E402 - after the path tweak above
    DEFAULT_IMAGES,
    EXPERIMENTS,
    ExploreSettings,
    explore,
    grid_image,
)

OUT = ROOT / "examples" / "explore"
PICTURE = ROOT / "docs" / "explore.jpg"
PICTURE_ROWS = ("content-layers", "texture-layers", "tradeoff")
PICTURE_WIDTH, GAP = 1000, 12


def make(name: str, settings: ExploreSettings) -> dict:
    """Run one experiment to the end; store its grid and record; return the record."""
    started, cpu_started = time.perf_counter(), time.process_time()
    for frame in explore(name, None, settings):
        if frame.current is not None and frame.panels[frame.current].done:
            done = sum(panel.done for panel in frame.panels)
            label = frame.panels[frame.current].label
            print(
                f"  {name} [{done}/{len(frame.panels)}] {label} {frame.elapsed:.1f} s", flush=True
            )
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    grid_image(frame).save(OUT / f"{name}.jpg", quality=88, optimize=True)
    measured = _distances(frame) if name == "content-layers" else {}
    spec = EXPERIMENTS[name]
    record = {
        "experiment": name,
        "title": spec.title,
        "caption": spec.caption,
        "images": {role: str(DEFAULT_IMAGES[role].relative_to(ROOT)) for role in spec.images},
        "settings": json.loads(frame.settings.to_json()),
        "columns": frame.columns,
        "panels": [
            {
                "label": p.label,
                "losses": {k: round(v, 5) for k, v in p.losses.items()},
                **({"rms_to_photo": measured[p.label]} if p.label in measured else {}),
            }
            for p in frame.panels
        ],
        "seconds": round(seconds, 1),
        # CPU time of this process, all threads: on a busy machine, wall time / this shows
        # how much of the machine the run had.
        "cpu_seconds": round(cpu_seconds, 1),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
    }
    (OUT / f"{name}.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    print(f"{name}: {seconds:.1f} s -> {OUT.relative_to(ROOT)}/{name}.jpg", flush=True)
    return record


def _distances(frame) -> dict[str, float]:
    """Each reconstruction's RMS pixel difference (0..255) from the photo at a quarter of
    the size: colours and layout, not the grain a few steps leave of the start noise."""
    target = frame.panels[0].image
    size = (target.width // 4, target.height // 4)
    photo = np.asarray(target.resize(size, Image.Resampling.BOX), dtype=np.float32)
    return {
        p.label: round(
            float(
                np.sqrt(
                    ((np.asarray(p.image.resize(size, Image.Resampling.BOX)) - photo) ** 2).mean()
                )
            ),
            1,
        )
        for p in frame.panels[1:]
    }


def picture() -> None:
    """docs/explore.jpg: the stored grids one under another, the two reconstruction rows at
    the picture's width, the trade-off grid (small cells) at no more than 1.5x its size."""
    canvas_width = PICTURE_WIDTH
    grids = []
    for name in PICTURE_ROWS:
        grid = Image.open(OUT / f"{name}.jpg").convert("RGB")
        width = min(canvas_width, round(grid.width * (1.5 if name == "tradeoff" else 10)))
        grids.append(
            grid.resize((width, round(grid.height * width / grid.width)), Image.Resampling.LANCZOS)
        )
    canvas = Image.new(
        "RGB", (canvas_width, sum(g.height for g in grids) + GAP * (len(grids) - 1)), "white"
    )
    y = 0
    for grid in grids:
        canvas.paste(grid, ((canvas_width - grid.width) // 2, y))
        y += grid.height + GAP
    PICTURE.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(PICTURE, quality=85, optimize=True)
    print(f"wrote {PICTURE.relative_to(ROOT)} ({canvas.width}x{canvas.height})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(EXPERIMENTS), default=list(EXPERIMENTS))
    parser.add_argument("--size", type=int, help="panel size (default: each experiment's)")
    parser.add_argument("--steps", type=int, help="steps per panel (default: each experiment's)")
    parser.add_argument("--picture-only", action="store_true", help="only rebuild the picture")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.picture_only:
        for name in args.only:
            uses = EXPERIMENTS[name].uses
            settings = ExploreSettings(
                size=args.size,
                steps=args.steps if "steps" in uses else None,
            )
            make(name, settings)
    picture()


if __name__ == "__main__":
    main()
