"""Command line: ``python -m style_core CONTENT STYLE [STYLE ...] -o OUT.png``;
``python -m style_core enlarge RESULT.png --size 2048 -o BIG.png`` to continue a result at
larger scales; ``python -m style_core video CLIP STYLE -o OUT.mp4`` for a clip;
``python -m style_core explore EXPERIMENT [IMAGE ...] -o GRID.png`` for the Explore
experiments."""

from __future__ import annotations

import argparse
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from style_core import explore, video_io
from style_core.engine import Snapshot, stylize
from style_core.images import (
    describe_sources,
    file_digest,
    image_size,
    load_image,
    load_mask,
    read_mask,
    read_params,
    read_sources,
    save_png,
)
from style_core.params import DEVICES, KNOBS, PRECISIONS, StyleParams
from style_core.plan import StyleScaleKnob, enlarge_params, small_style_note
from style_core.vgg import WeightsError
from style_core.video import VIDEO_KNOBS, VideoParams, stylize_video

DEFAULTS = StyleParams()
# Field types, resolved from the annotations (Literal aliases included).
HINTS = typing.get_type_hints(StyleParams)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m style_core",
        description="Neural style transfer (Gatys et al.) with VGG19.",
        epilog="Print size from a result: python -m style_core enlarge --help. A clip: python "
        "-m style_core video --help. The experiments that explain it: python -m style_core "
        "explore --help",
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
    parser: argparse.ArgumentParser,
    name: str,
    help: str,
    choices: tuple[str, ...],
    defaults: Any = DEFAULTS,
) -> None:
    """One --flag per field of ``defaults``' dataclass (StyleParams unless said), its type
    read from the field's annotation."""
    flag, default = "--" + name.replace("_", "-"), getattr(defaults, name)
    kind = typing.get_type_hints(type(defaults))[name]
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


def params_from_args(args: argparse.Namespace, save_every: int = 0) -> StyleParams:
    values = {}
    for name, knob in KNOBS.items():
        if knob.cli:
            value = getattr(args, name)
            is_list = typing.get_origin(HINTS[name]) is tuple
            values[name] = tuple(value or ()) if is_list else value
    return StyleParams(
        **values,
        preview_seconds=0.0 if save_every else DEFAULTS.preview_seconds,
        preview_every=save_every,
    ).validate()


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["explore"]:
        return explore_main(argv[1:])
    if argv[:1] == ["enlarge"]:
        return enlarge_main(argv[1:])
    if argv[:1] == ["video"]:
        return video_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    return _exit_code(lambda: _stylize_command(args))


def _stylize_command(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if args.save_every < 0:
        raise ValueError(f"--save-every must be >= 0; got {args.save_every}")
    params = params_from_args(args, args.save_every)
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


def _check_output(output: Path, suffix: str = ".png") -> None:
    if output.suffix.lower() != suffix:
        raise ValueError(f"output must be a {suffix} file; got {output.name}")
    if not output.parent.is_dir():
        raise ValueError(f"output folder does not exist: {output.parent}")


def _run(args: argparse.Namespace, params: StyleParams, output: Path) -> int:
    mask = (
        None
        if args.mask is None
        else load_mask(args.mask, image_size(args.content, "content image"))
    )
    snapshots = stylize(args.content, args.styles, params, mask)
    snapshots = _noting_small_styles(snapshots, args.styles, params, args.quiet, STYLE_SCALE_FLAG)
    for snapshot in _with_progress_bar(snapshots, args):
        if snapshot.done:  # the files were read: they exist
            sources = describe_sources(args.content, args.styles)
            save_png(snapshot.image, output, params, mask, sources)
        elif (
            args.save_every
            and snapshot.image is not None
            and (snapshot.iteration % args.save_every == 0)
        ):
            frame = output.with_name(f"{output.stem}_{snapshot.iteration:05d}.png")
            save_png(snapshot.image, frame, params)
    _say_saved(output, snapshot, args.quiet)
    return 0


def _with_progress_bar(
    snapshots: typing.Iterator[Snapshot], args: argparse.Namespace
) -> typing.Iterator[Snapshot]:
    """The snapshots, drawing a progress bar (unless ``--quiet``) as they pass."""
    from tqdm import tqdm  # only the CLI needs it

    # The bar is drawn at the first update, not before: stylize checks its inputs before the
    # first snapshot, and a bar printed ahead of that error would break the one-line message.
    bar = tqdm(unit="it", disable=args.quiet, dynamic_ncols=True, delay=0.1)
    try:
        for snapshot in snapshots:
            bar.total = snapshot.total
            bar.update(snapshot.iteration - bar.n)
            bar.set_postfix(
                scale=f"{snapshot.scale}/{snapshot.scales}",
                loss=f"{snapshot.losses.get('total', float('nan')):.4g}",
            )
            yield snapshot
    finally:
        bar.close()


# What the small-style note names on the command line (the enlarge command has no such flag).
STYLE_SCALE_FLAG = StyleScaleKnob("--style-scale", KNOBS["style_scale"].limits[0], 0.01)


def _noting_small_styles(
    snapshots: typing.Iterator[Snapshot],
    styles: Sequence[str | Path],
    params: StyleParams,
    quiet: bool,
    knob: StyleScaleKnob | None,
) -> typing.Iterator[Snapshot]:
    """The snapshots; with the first, once stylize has checked every input (so that a bad one
    is still the only line), a note on stderr for each style picture smaller than its use
    (plan.small_style_note; ``knob``: the flag that changes the style scale, if any)."""
    for index, snapshot in enumerate(snapshots):
        if index == 0 and not quiet:
            for style in styles:  # stylize read them: they are sound
                size = image_size(style, "style image")
                note = small_style_note(params, Path(style).name, size, knob)
                if note:
                    print(f"note: {note}", file=sys.stderr)
        yield snapshot


def _say_saved(output: Path, snapshot: Snapshot, quiet: bool) -> None:
    if not quiet:
        print(
            f"saved {output} ({snapshot.image.width}x{snapshot.image.height}, "
            f"{snapshot.elapsed:.1f} s)",
            file=sys.stderr,
        )


# --------------------------------------------------------------------------------------
# python -m style_core enlarge RESULT.png --size 2048 -o BIG.png


def build_enlarge_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="python -m style_core enlarge",
        description="Continue a finished result at larger scales (2x, 4x, ... up to --size), "
        "starting from it instead of over: the same job, with the settings and mask the "
        "result PNG carries, for print and wallpaper sizes.",
    )
    add = parser.add_argument
    add("result", metavar="RESULT.png", help="a result PNG made by this program or its app")
    add("--size", type=int, required=True, help="long side of the enlarged picture in px")
    add(
        "--content",
        metavar="FILE",
        help="the content image; default: the file the result was made from, found by name "
        "beside RESULT.png or in the current folder (results of the command line record it)",
    )
    add(
        "--style", dest="styles", nargs="+", metavar="FILE", help="the style image(s); as --content"
    )
    add(
        "--steps",
        type=int,
        help="iterations in all, shared by the new scales; default: as many per new scale as "
        "the job's own last scale took",
    )
    add("--tile-size", type=int, help=KNOBS["tile_size"].help + " (default: the result's)")
    add("--device", choices=DEVICES, help=KNOBS["device"].help)
    add("--precision", choices=PRECISIONS, help=KNOBS["precision"].help)
    add("-o", "--output", default="enlarged.png", help="output PNG path")
    add("--quiet", action="store_true", help="no progress bar")
    return parser


def enlarge_main(argv: Sequence[str]) -> int:
    return _subcommand(build_enlarge_parser(), _enlarge_command, argv)


def _subcommand(
    parser: argparse.ArgumentParser,
    command: typing.Callable[[argparse.Namespace], int],
    argv: Sequence[str],
) -> int:
    """Parse, then run; usage mistakes and bad input are one line and exit code 2."""
    try:
        args = parser.parse_args(argv)
    except SystemExit as exited:  # --help (0) or a usage error, already printed (2)
        return int(exited.code or 0)
    return _exit_code(lambda: command(args))


def _enlarge_command(args: argparse.Namespace) -> int:
    output = Path(args.output)
    _check_output(output)
    result = Path(args.result)
    params = read_params(result, "RESULT.png")
    if params is None:
        raise ValueError(
            f"{result.name} carries no settings: enlarge needs a result PNG this program made"
        )
    start = load_image(result, "RESULT.png")
    content, styles = _enlarge_sources(args, result)
    changes = {
        name: value
        for name in ("tile_size", "device", "precision")
        if (value := getattr(args, name)) is not None
    }
    params = enlarge_params(params.replace(**changes), max(start.size), args.size, args.steps)
    mask = read_mask(result, "RESULT.png")
    snapshots = stylize(content, styles, params, mask, start=start)
    snapshots = _noting_small_styles(snapshots, styles, params, args.quiet, None)
    for snapshot in _with_progress_bar(snapshots, args):
        if snapshot.done:
            save_png(snapshot.image, output, params, mask, describe_sources(content, styles))
    _say_saved(output, snapshot, args.quiet)
    return 0


def _enlarge_sources(args: argparse.Namespace, result: Path) -> tuple[Path, list[Path]]:
    """The content and style files: as given, else those the result PNG records, found by
    name beside it or in the current folder and checked by their SHA-256."""
    if args.content and args.styles:
        return Path(args.content), [Path(style) for style in args.styles]
    record = read_sources(result, "RESULT.png")
    if record is None:
        raise ValueError(
            f"{result.name} does not record the files it was made from (results of the app "
            "do not): give them with --content FILE --style FILE"
        )
    content = Path(args.content) if args.content else _find(record["content"], result, "--content")
    styles = (
        [Path(style) for style in args.styles]
        if args.styles
        else [_find(style, result, "--style") for style in record["styles"]]
    )
    return content, styles


def _find(record: dict[str, str], result: Path, flag: str) -> Path:
    name = Path(record["name"]).name  # a name only: never a path out of a PNG
    candidates = [folder / name for folder in (result.parent, Path.cwd())]
    found = [path for path in candidates if path.is_file()]
    for path in found:
        if file_digest(path) == record["sha256"]:
            return path
    if found:
        raise ValueError(
            f"{name} has changed since {result.name} was made from it (its SHA-256 differs): "
            f"give the original with {flag} FILE"
        )
    raise ValueError(
        f"{result.name} was made from {name}, which is neither beside it nor in this folder: "
        f"give it with {flag} FILE"
    )


# --------------------------------------------------------------------------------------
# python -m style_core video CLIP STYLE -o OUT.mp4

VIDEO_SIZE = 384  # a clip's default long side: every frame is a job (the picture's is 512)


def build_video_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="python -m style_core video",
        description="A clip in the style of a painting, without flicker: the first frame is "
        "styled as a picture, every later one starts from the one before carried along the "
        "optical flow and is held to it (Ruder et al. 2016). Writes an H.264 MP4 at the "
        "clip's frame rate, with its audio.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("clip", metavar="CLIP", help="the video: MP4, WebM, MOV, GIF, ...")
    add("styles", nargs="+", metavar="STYLE", help="style image(s)")
    add("-o", "--output", default="out.mp4", help="output MP4 path")
    add("--max-frames", type=int, metavar="N", help="style only the first N frames")
    for name, knob in VIDEO_KNOBS.items():
        _add_knob(parser, name, knob.help, knob.choices, VideoParams())
    for name, knob in KNOBS.items():
        if knob.cli:
            _add_knob(parser, name, knob.help, knob.choices)
    parser.set_defaults(size=VIDEO_SIZE)
    add("--quiet", action="store_true", help="no progress bar")
    return parser


def video_main(argv: Sequence[str]) -> int:
    return _subcommand(build_video_parser(), _video_command, argv)


def _video_command(args: argparse.Namespace) -> int:
    output = Path(args.output)
    _check_output(output, ".mp4")
    if args.max_frames is not None and args.max_frames < 1:
        raise ValueError(f"--max-frames must be at least 1; got {args.max_frames}")
    params = params_from_args(args)
    video = VideoParams(**{name: getattr(args, name) for name in VIDEO_KNOBS}).validate()
    info = video_io.probe(args.clip)
    for style in args.styles:  # every input checked before the first frame is decoded
        image_size(style, "style image")
    frames = min(info.frames, args.max_frames or info.frames)
    pictures = video_io.read_frames(args.clip, params.size, frames)
    updates = stylize_video(pictures, args.styles, params, video, frames)
    written = 0
    with video_io.VideoWriter(output, info.frame_rate, audio_from=args.clip) as writer:
        for update in _with_frame_bar(updates, frames, args.quiet):
            if update.frame_done:
                writer.write(update.snapshot.image)
                written += 1
    if not args.quiet:
        print(f"saved {output} ({written} frames, {update.elapsed:.1f} s)", file=sys.stderr)
    return 0


def _with_frame_bar(updates, frames: int, quiet: bool):
    """The clip's snapshots, drawing a bar of frames (unless ``quiet``) as they pass."""
    from tqdm import tqdm

    bar = tqdm(total=frames, unit="frame", disable=quiet, dynamic_ncols=True, delay=0.1)
    try:
        for update in updates:
            if update.frame_done:
                bar.update(1)
            bar.set_postfix(
                iteration=f"{update.snapshot.iteration}/{update.snapshot.total}",
                eta=f"{update.eta or 0:.0f}s",
            )
            yield update
    finally:
        bar.close()


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
    return _subcommand(build_explore_parser(), _explore_command, argv)


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
