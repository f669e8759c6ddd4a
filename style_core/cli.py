"""Command line: ``python -m style_core CONTENT STYLE [STYLE ...] -o OUT.png``, and
``python -m style_core explore EXPERIMENT [IMAGE ...] -o GRID.png`` for the Explore experiments."""

from __future__ import annotations

import argparse
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from style_core import explore
from style_core.engine import stylize
from style_core.images import image_size, load_mask, save_png
from style_core.params import KNOBS, StyleParams
from style_core.vgg import WeightsError

DEFAULTS = StyleParams()
# Field types, resolved from the annotations (Literal aliases included).
HINTS = typing.get_type_hints(StyleParams)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m style_core",
        description="Neural style transfer (Gatys et al.) with VGG19.",
        epilog="The experiments that explain it: python -m style_core explore --help",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("content", help="content image")
    parser.add_argument("styles", nargs="+", metavar="style", help="style image(s)")
    parser.add_argument("-o", "--output", default="out.png", help="output PNG path")
    parser.add_argument(
        "--mask",
        metavar="FILE",
        help="where the style goes: white = style, black = keep the content (with two styles: "
        "white = the first, black = the second); grey blends; a transparent PNG counts its "
        "painted pixels",
    )
    for name, knob in KNOBS.items():
        if knob.cli:
            _add_knob(parser, name, knob.help, knob.choices)
    add = parser.add_argument
    add(
        "--save-every",
        type=int,
        default=0,
        metavar="N",
        help="also save every N-th iteration as OUTPUT_<iteration>.png",
    )
    add("--quiet", action="store_true", help="no progress bar")
    return parser


def _add_knob(
    parser: argparse.ArgumentParser, name: str, help: str, choices: tuple[str, ...]
) -> None:
    """One --flag per StyleParams field, its type read from the field's annotation."""
    flag, default, kind = "--" + name.replace("_", "-"), getattr(DEFAULTS, name), HINTS[name]
    if kind is bool:  # a switch that flips the default
        action = "store_false" if default else "store_true"
        flag = f"--no-{flag[2:]}" if default else flag
        parser.add_argument(flag, dest=name, action=action, help=f"switch {name} off or on: {help}")
    elif typing.get_origin(kind) is tuple:  # a list; empty default = let the engine decide
        item = typing.get_args(kind)[0]
        metavar = "LAYER" if item is str else "W"
        parser.add_argument(
            flag, type=item, nargs="+", default=list(default) or None, metavar=metavar, help=help
        )
    elif choices:
        parser.add_argument(flag, choices=choices, default=default, help=help)
    else:
        parser.add_argument(flag, type=kind, default=default, help=help)


def params_from_args(args: argparse.Namespace) -> StyleParams:
    values = {}
    for name, knob in KNOBS.items():
        if knob.cli:
            value = getattr(args, name)
            is_list = typing.get_origin(HINTS[name]) is tuple
            values[name] = tuple(value or ()) if is_list else value
    return StyleParams(
        **values,
        preview_seconds=0.0 if args.save_every else DEFAULTS.preview_seconds,
        preview_every=args.save_every,
    ).validate()


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["explore"]:
        return explore_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    return _exit_code(lambda: _stylize_command(args))


def _stylize_command(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if args.save_every < 0:
        raise ValueError(f"--save-every must be >= 0; got {args.save_every}")
    params = params_from_args(args)
    _check_output(output)
    return _run(args, params, output)


def _exit_code(command: typing.Callable[[], int]) -> int:
    """Run a command; a bad input is one line on stderr and exit code 2, never a traceback."""
    try:
        return command()
    except (ValueError, WeightsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _check_output(output: Path) -> None:
    if output.suffix.lower() != ".png":
        raise ValueError(f"output must be a .png file; got {output.name}")
    if not output.parent.is_dir():
        raise ValueError(f"output folder does not exist: {output.parent}")


def _run(args: argparse.Namespace, params: StyleParams, output: Path) -> int:
    from tqdm import tqdm  # only the CLI needs it

    mask = (
        None
        if args.mask is None
        else load_mask(args.mask, image_size(args.content, "content image"))
    )
    # The bar is drawn at the first update, not before: stylize checks its inputs before the
    # first snapshot, and a bar printed ahead of that error would break the one-line message.
    bar = tqdm(total=params.steps, unit="it", disable=args.quiet, dynamic_ncols=True, delay=0.1)
    try:
        for snapshot in stylize(args.content, args.styles, params, mask):
            bar.total = snapshot.total
            bar.update(snapshot.iteration - bar.n)
            bar.set_postfix(
                scale=f"{snapshot.scale}/{snapshot.scales}",
                loss=f"{snapshot.losses.get('total', float('nan')):.4g}",
            )
            if snapshot.done:
                save_png(snapshot.image, output, params, mask)
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


# --------------------------------------------------------------------------------------
# python -m style_core explore EXPERIMENT [IMAGE ...] -o GRID.png


class _OneLineParser(argparse.ArgumentParser):
    """Usage mistakes as one line on stderr and exit code 2, like every other error."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"error: {message} (see --help)\n")


def build_explore_parser() -> argparse.ArgumentParser:
    names = ", ".join(explore.EXPERIMENTS)
    parser = _OneLineParser(
        prog="python -m style_core explore",
        description="The experiments that explain style transfer (Gatys, Ecker & Bethge 2015, "
        "2016), written as one labelled grid PNG with the settings embedded.",
        epilog="Experiments: "
        + "; ".join(f"{s.name} ({' + '.join(s.images)})" for s in explore.EXPERIMENTS.values()),
    )
    parser.add_argument("experiment", metavar="EXPERIMENT", help=f"one of {names}")
    parser.add_argument(
        "images",
        nargs="*",
        metavar="IMAGE",
        help="the experiment's images, in the order of its roles below (photo, style); "
        "default: examples/content_chelsea.jpg and examples/style_starry_night.jpg",
    )
    parser.add_argument("-o", "--output", default="explore.png", help="output PNG path")
    for name, knob in explore.SETTINGS.items():
        _add_setting(parser, name, knob.help, explore.knob_type(name))
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser


def _add_setting(parser: argparse.ArgumentParser, name: str, help: str, kind: Any) -> None:
    """One --flag per ExploreSettings field; None (the experiment's default) when left out.
    Values are checked by explore.resolve, so a bad one gets the same message everywhere."""
    flag = "--" + name.replace("_", "-")
    if typing.get_origin(kind) in (typing.Union, types.UnionType):  # X | None
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if kind is bool:
        parser.add_argument(flag, dest=name, action="store_true", default=None, help=help)
    elif typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        metavar = "LAYER" if item is str else "RATIO"
        parser.add_argument(flag, dest=name, type=item, nargs="+", metavar=metavar, help=help)
    elif typing.get_origin(kind) is typing.Literal:
        choices = "|".join(typing.get_args(kind))
        parser.add_argument(flag, dest=name, metavar=choices, help=help)
    else:
        parser.add_argument(flag, dest=name, type=kind, metavar="N", help=help)


def explore_settings_from_args(args: argparse.Namespace) -> explore.ExploreSettings:
    """Only the flags given; the rest keep their defaults (so resolve can tell which apply)."""
    given = {
        name: tuple(value) if isinstance(value, list) else value
        for name in explore.SETTINGS
        if (value := getattr(args, name)) is not None
    }
    return explore.ExploreSettings(**given)


def explore_main(argv: Sequence[str]) -> int:
    try:
        args = build_explore_parser().parse_args(argv)
    except SystemExit as exited:  # --help (0) or a usage error, already printed (2)
        return int(exited.code or 0)
    return _exit_code(lambda: _explore_command(args))


def _explore_command(args: argparse.Namespace) -> int:
    output = Path(args.output)
    _check_output(output)
    settings = explore_settings_from_args(args)
    frames = explore.explore(args.experiment, args.images or None, settings)
    return _run_explore(frames, output, args.quiet)


def _run_explore(frames: typing.Iterator[explore.ExploreFrame], output: Path, quiet: bool) -> int:
    reported: set[int] = set()
    for frame in frames:
        for index, panel in enumerate(frame.panels):
            if panel.done and index not in reported and not quiet:
                print(
                    f"[{len(reported) + 1}/{len(frame.panels)}] {panel.label} "
                    f"({frame.elapsed:.1f} s)",
                    file=sys.stderr,
                )
            if panel.done:
                reported.add(index)
    explore.save_grid(frame, output)
    if not quiet:
        print(
            f"saved {output} ({len(frame.panels)} panels, {frame.elapsed:.1f} s)", file=sys.stderr
        )
    return 0
