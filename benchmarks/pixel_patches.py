"""A style figure outside VGG: sliced Wasserstein-1 between the output's and the style's
distributions of small RGB pixel patches, divided by the content image's own distance
(content = 1, perfect = 0), as W but on pixels.

W and S both read VGG19 features, the engine's own network; a change to what the style loss
matches there (issue 14's fifth step, mean and covariance) can move them without the picture
moving. This figure reads none of it: it asks whether the output's colours and fine strokes
are distributed as the painting's.

    python benchmarks/pixel_patches.py DIR [DIR ...] --eval-dir ../shared/eval \
        --styles-dir ../shared/styles

DIR holds a sweep's pictures (``sweep.py --out DIR``): one ``CONTENT__STYLE.png`` per pair.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep import benchmark_pairs  # noqa: E402

from style_core.images import fit_size, resize, to_tensor  # noqa: E402
from style_core.metrics import _projected_quantiles  # noqa: E402

LONG_SIDE = 256  # every image compared at this long side
PATCH = 5  # 5x5 RGB patches: colour and the finest strokes


def _patches(path: Path) -> torch.Tensor:
    """(1, 3 * PATCH * PATCH, N) patches of the image at LONG_SIDE, values 0..1, stride 2."""
    image = Image.open(path).convert("RGB")
    pixels = to_tensor(resize(image, fit_size(*image.size, LONG_SIDE)))
    return F.unfold(pixels, PATCH, stride=2)


def pixel_distance(output: Path, content: Path, style: Path) -> float:
    # W's own projections and quantiles (style_core.metrics), on patches instead of features.
    target = _projected_quantiles(_patches(style))
    distance = lambda path: float((_projected_quantiles(_patches(path)) - target).abs().mean())  # noqa: E731
    return distance(output) / distance(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("--styles-dir", type=Path, required=True)
    args = parser.parse_args()
    pairs = benchmark_pairs(args.eval_dir, args.styles_dir)
    columns = {str(d): [] for d in args.dirs}
    print("| content | style | " + " | ".join(d.name for d in args.dirs) + " |")
    print("|---|---|" + "---|" * len(args.dirs))
    for content, style in pairs:
        row = []
        for d in args.dirs:
            output = d / f"{content.stem}__{style.stem}.png"
            value = pixel_distance(output, content, style) if output.exists() else None
            if value is not None:
                columns[str(d)].append(value)
            row.append("-" if value is None else f"{value:.3f}")
        print(f"| {content.stem} | {style.stem} | " + " | ".join(row) + " |")
    medians = [f"{statistics.median(v):.3f}" if v else "-" for v in columns.values()]
    print("| median | | " + " | ".join(medians) + " |")


if __name__ == "__main__":
    main()
