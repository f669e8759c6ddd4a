"""Render the README gallery: each example pair and its result at the default settings.

python scripts/make_gallery.py [--out docs/gallery.jpg]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from style_core import StyleParams, run  # noqa: E402 - after the path tweak above

# Three of the demo's example pairs: public-domain paintings (credited in examples/README.md).
PAIRS = [
    ("content_chelsea", "style_starry_night"),
    ("content_coffee", "style_the_scream"),
    ("content_astronaut", "style_composition_vii"),
]
ROW_HEIGHT, GAP = 220, 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery.jpg")
    args = parser.parse_args()
    rows = []
    for content_name, style_name in PAIRS:
        content = ROOT / "examples" / f"{content_name}.jpg"
        style = ROOT / "examples" / f"{style_name}.jpg"
        result = run(content, style, StyleParams())
        row = [Image.open(content).convert("RGB"), Image.open(style).convert("RGB"), result]
        rows.append(
            [
                im.resize(
                    (round(im.width * ROW_HEIGHT / im.height), ROW_HEIGHT), Image.Resampling.LANCZOS
                )
                for im in row
            ]
        )
        print(f"{content_name} x {style_name}: done", flush=True)
    width = max(sum(im.width for im in row) + GAP * (len(row) - 1) for row in rows)
    canvas = Image.new("RGB", (width, len(rows) * (ROW_HEIGHT + GAP) - GAP), "white")
    for y, row in enumerate(rows):
        x = 0
        for im in row:
            canvas.paste(im, (x, y * (ROW_HEIGHT + GAP)))
            x += im.width + GAP
    args.out.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(args.out, quality=88)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
