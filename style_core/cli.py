"""Command line: ``python -m style_core CONTENT STYLE [STYLE ...] -o OUT.png``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from style_core.engine import stylize
from style_core.images import save_png
from style_core.params import (
    BACKBONES,
    COLOR_MODES,
    DEVICES,
    INITS,
    OPTIMIZERS,
    POOLINGS,
    PRECISIONS,
    StyleParams,
)
from style_core.vgg import WeightsError

DEFAULTS = StyleParams()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m style_core",
        description="Neural style transfer (Gatys et al.) with VGG19.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("content", help="content image")
    parser.add_argument("styles", nargs="+", metavar="style", help="style image(s)")
    parser.add_argument("-o", "--output", default="out.png", help="output PNG path")
    add = parser.add_argument
    add("--size", type=int, default=DEFAULTS.size, help="long side of the output in pixels")
    add("--steps", type=int, default=DEFAULTS.steps, help="iterations over all scales")
    add("--style-weight", type=float, default=DEFAULTS.style_weight, help="style strength")
    add("--content-weight", type=float, default=DEFAULTS.content_weight)
    add("--tv-weight", type=float, default=DEFAULTS.tv_weight, help="smoothness")
    add(
        "--style-scale",
        type=float,
        default=DEFAULTS.style_scale,
        help="style image size relative to the output",
    )
    add(
        "--style-blend",
        type=float,
        nargs="+",
        default=None,
        metavar="W",
        help="one weight per style image",
    )
    add("--color", choices=COLOR_MODES, default=DEFAULTS.color, help="colour preservation")
    add("--content-layers", nargs="+", default=list(DEFAULTS.content_layers), metavar="LAYER")
    add("--style-layers", nargs="+", default=list(DEFAULTS.style_layers), metavar="LAYER")
    add("--style-layer-weights", type=float, nargs="+", default=None, metavar="W")
    add("--pooling", choices=POOLINGS, default=DEFAULTS.pooling)
    add("--optimizer", choices=OPTIMIZERS, default=DEFAULTS.optimizer)
    add("--learning-rate", type=float, default=DEFAULTS.learning_rate, help="Adam only")
    add("--init", choices=INITS, default=DEFAULTS.init)
    add("--no-multiscale", dest="multiscale", action="store_false", help="single scale only")
    add("--seed", type=int, default=DEFAULTS.seed)
    add("--backbone", choices=BACKBONES, default=DEFAULTS.backbone)
    add("--device", choices=DEVICES, default=DEFAULTS.device)
    add("--precision", choices=PRECISIONS, default=DEFAULTS.precision)
    add(
        "--save-every",
        type=int,
        default=0,
        metavar="N",
        help="also save every N-th iteration as OUTPUT_<iteration>.png",
    )
    add("--quiet", action="store_true", help="no progress bar")
    return parser


def params_from_args(args: argparse.Namespace) -> StyleParams:
    return StyleParams(
        size=args.size,
        steps=args.steps,
        style_weight=args.style_weight,
        content_weight=args.content_weight,
        tv_weight=args.tv_weight,
        style_scale=args.style_scale,
        style_blend=tuple(args.style_blend or ()),
        color=args.color,
        content_layers=tuple(args.content_layers),
        style_layers=tuple(args.style_layers),
        style_layer_weights=tuple(args.style_layer_weights or ()),
        pooling=args.pooling,
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        init=args.init,
        multiscale=args.multiscale,
        seed=args.seed,
        backbone=args.backbone,
        device=args.device,
        precision=args.precision,
        preview_seconds=0.0 if args.save_every else DEFAULTS.preview_seconds,
        preview_every=args.save_every,
    ).validate()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    output = Path(args.output)
    try:
        if args.save_every < 0:
            raise ValueError(f"--save-every must be >= 0; got {args.save_every}")
        params = params_from_args(args)
        if output.suffix.lower() != ".png":
            raise ValueError(f"output must be a .png file; got {output.name}")
        if not output.parent.is_dir():
            raise ValueError(f"output folder does not exist: {output.parent}")
        return _run(args, params, output)
    except (ValueError, WeightsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace, params: StyleParams, output: Path) -> int:
    from tqdm import tqdm  # only the CLI needs it

    bar = tqdm(total=params.steps, unit="it", disable=args.quiet, dynamic_ncols=True)
    try:
        for snapshot in stylize(args.content, args.styles, params):
            bar.total = snapshot.total
            bar.update(snapshot.iteration - bar.n)
            bar.set_postfix(
                scale=f"{snapshot.scale}/{snapshot.scales}",
                loss=f"{snapshot.losses.get('total', float('nan')):.4g}",
            )
            if snapshot.done:
                save_png(snapshot.image, output, params)
            elif (
                args.save_every
                and snapshot.image is not None
                and (snapshot.iteration % args.save_every == 0)
            ):
                frame = output.with_name(f"{output.stem}_{snapshot.iteration:05d}.png")
                save_png(snapshot.image, frame, params)
    finally:
        bar.close()
    if not args.quiet:
        print(
            f"saved {output} ({snapshot.image.width}x{snapshot.image.height}, "
            f"{snapshot.elapsed:.1f} s)",
            file=sys.stderr,
        )
    return 0
