"""Contact sheet of the benchmark set at the default settings, with S, W and E per pair.

    python benchmarks/contact_sheet.py --eval-dir ../shared/eval --styles-dir ../shared/styles
    python benchmarks/contact_sheet.py ... --keep-rows 3   # finish a cut-short sheet

Rows: tubingen and the photos in examples/; columns: the paintings in the styles folder.
Writes docs/contact_sheet.jpg (look at it: pasted objects show up there, not in the numbers)
and prints one table row per pair plus the medians.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections import deque
from pathlib import Path

import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from style_core import StyleParams, stylize  # noqa: E402 - after the path tweak above
from style_core.images import load_image  # noqa: E402
from style_core.metrics import yardstick  # noqa: E402

CELL = 240  # long side of a thumbnail


def thumbnail(image: Image.Image) -> Image.Image:
    picture = image.convert("RGB")
    picture.thumbnail((CELL, CELL), Image.Resampling.LANCZOS)
    cell = Image.new("RGB", (CELL, CELL), "white")
    cell.paste(picture, ((CELL - picture.width) // 2, (CELL - picture.height) // 2))
    return cell


def stylize_pair(job: tuple[Path, Path, StyleParams]) -> tuple[Image.Image, dict, float]:
    """One pair at the given settings, with its yardstick; runs in a worker process."""
    content, style, params = job
    torch.set_num_threads(1)  # one core per worker: the workers share the machine
    start = time.perf_counter()
    (final,) = deque(stylize(content, style, params), maxlen=1)
    seconds = time.perf_counter() - start
    return final.image, yardstick(final.image, content, style), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--styles-dir", type=Path, default=Path("../shared/styles"))
    parser.add_argument("--out", type=Path, default=Path("docs/contact_sheet.jpg"))
    parser.add_argument("--size", type=int, default=StyleParams().size)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes, one thread each")
    parser.add_argument(
        "--keep-rows",
        type=int,
        default=0,
        metavar="K",
        help="keep the first K content rows of the sheet already at --out (a cut-short run at "
        "the same settings) and make only the rest",
    )
    args = parser.parse_args()
    examples = Path(__file__).resolve().parents[1] / "examples"
    contents = [args.eval_dir / "tubingen.jpg", *sorted(examples.glob("content_*.jpg"))]
    styles = sorted(args.styles_dir.glob("*.jpg"))
    params = StyleParams(size=args.size)
    sheet = Image.new("RGB", (CELL * (len(styles) + 1), CELL * (len(contents) + 1)), "white")
    for column, style in enumerate(styles, start=1):
        sheet.paste(thumbnail(load_image(style)), (column * CELL, 0))
    for row, content in enumerate(contents, start=1):
        sheet.paste(thumbnail(load_image(content)), (0, row * CELL))
    ImageDraw.Draw(sheet).text((8, 8), f"{params.size} px\n{params.steps} steps", fill="black")
    if args.keep_rows:
        with Image.open(args.out) as earlier:
            sheet.paste(earlier.crop((0, 0, sheet.width, (args.keep_rows + 1) * CELL)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    print(f"defaults: {params.size} px, {params.steps} steps, scales {params.scale_sizes()}\n")
    print("| content | style | S | W | E | seconds (one core) |\n|---|---|---|---|---|---|")
    pairs = [(content, style) for content in contents[args.keep_rows :] for style in styles]
    scores = []
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        jobs = [(content, style, params) for content, style in pairs]
        for index, (image, figures, seconds) in enumerate(pool.imap(stylize_pair, jobs)):
            row, column = divmod(index + args.keep_rows * len(styles), len(styles))
            sheet.paste(thumbnail(image), ((column + 1) * CELL, (row + 1) * CELL))
            scores.append(figures)
            sheet.save(args.out, quality=85)  # as it fills: a cut-short run still shows its rows
            content, style = pairs[index]
            print(
                f"| {content.stem} | {style.stem} | {figures['S']:.3f} | {figures['W']:.3f} | "
                f"{figures['E']:.3f} | {seconds:.0f} |",
                flush=True,
            )
    medians = {k: statistics.median(s[k] for s in scores) for k in ("S", "W", "E")}
    print(
        f"| median of the {len(scores)} made now | | {medians['S']:.3f} | {medians['W']:.3f} | "
        f"{medians['E']:.3f} | |"
    )
    sheet.save(args.out, quality=85)
    print(f"\nwrote {args.out} ({sheet.width}x{sheet.height})")


if __name__ == "__main__":
    main()
