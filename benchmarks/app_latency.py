"""App latency through the real client: first preview, final result, and the app's own
prediction of the job's time against the actual time, for the first job after start-up and
for later ones.

    python benchmarks/app_latency.py [--runs 3] [--fp32] [--pair CONTENT STYLE] [--size PX] [--enlarge PX] [--video]

Starts `python app.py` on a free local port and waits for its warm-up (weights loaded, speed
timed on this machine), which names the default "Balanced" job it fits here. Then it submits
that job `--runs` times, on a pair the project's examples do not hold (tubingen x The Scream
from ../shared/eval, where it exists; else an example pair). "predicted" is the estimate the
page shows before Run (the app reports it as `estimate` in the progress JSON); the app
corrects its speed after each run, so later predictions use what it learned. `--fp32` makes
the app's process believe the CPU has no native bf16 (as on an AVX2-only machine): it runs in
fp32 and times itself so. ``--video``: the Video tab's job instead (/stylize_video on the
example clip and The Starry Night at the tab's defaults), the page's estimate against the
clip's actual time. ``--size PX``: that long side instead of the fitted one, at its steps
(print size: a 2048 px job on a CPU plans tiles, and the page's estimate counts them).
``--enlarge PX``: after each job, /enlarge its result to that long side (the steps the app
decides), and time that instead: the estimate its first update reports against its time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from gradio_client import Client, handle_file
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from app_server import running_app, wait_until  # noqa: E402 - the tests' helpers, after the path tweak

EVAL = ROOT.parent / "shared" / "eval"
HELD_BACK = (EVAL / "tubingen.jpg", EVAL / "the_scream.jpg")
EXAMPLE = (ROOT / "examples" / "content_coffee.jpg", ROOT / "examples" / "style_starry_night.jpg")
# Loaded first in the app's process (Python imports sitecustomize from the path at start-up).
NO_BF16 = "import torch\ntorch.cpu._is_avx512_bf16_supported = lambda: False\n"
BALANCED = re.compile(r"Balanced: (\d+) px, (\d+) steps")


def timed_job(client: Client, pair, **params) -> Timed:
    """A /stylize job on ``pair``, timed from its submission."""
    start = time.perf_counter()
    content, style = (handle_file(str(path)) for path in pair)
    return _timed(start, client.submit(content=content, style=style, api_name="/stylize", **params))


def timed_enlargement(client: Client, pair, enlarge_to: int, **params) -> Timed:
    """A job at ``params``, then its result enlarged to ``enlarge_to`` px: as timed_job, for
    the enlargement."""
    content, style = (handle_file(str(path)) for path in pair)
    job = client.submit(content=content, style=style, api_name="/stylize", **params)
    png = job.result()[-1]
    start = time.perf_counter()
    enlarge = client.submit(
        result_png=handle_file(png),
        content=content,
        style=style,
        size=enlarge_to,
        api_name="/enlarge",
    )
    return _timed(start, enlarge)._replace(start_png=png)


CLIP = ROOT / "examples" / "clip_cat_coffee.mp4"


def timed_video_job(client: Client) -> Timed:
    """As timed_job, for /stylize_video on the example clip at the tab's defaults."""
    start = time.perf_counter()
    clip, style = handle_file(str(CLIP)), handle_file(str(EXAMPLE[1]))
    return _timed(start, client.submit(clip, style, api_name="/stylize_video"))


class Timed(NamedTuple):
    first: float  # seconds to the first streamed preview
    final: float  # seconds to the final update
    updates: int  # streamed updates
    predicted: float  # the estimate the page showed before Run
    engine: float  # the engine's own seconds
    progress: list[dict]  # every update's progress JSON
    png: str | None  # the final PNG (pictures)
    start_png: str | None = None  # an enlargement's: the result it enlarged


def _timed(start: float, job) -> Timed:
    """Watched every 0.1 s: iterating a client job polls every 1 ms, which kept ~3% of a core
    of this machine busy beside the app's job (a user's client runs elsewhere)."""
    first = None
    while not job.done():
        if first is None and job.outputs():
            first = time.perf_counter() - start
        time.sleep(0.1)
    outputs = job.result()
    first = first or time.perf_counter() - start
    # The progress JSON is the fourth output of every endpoint.
    progress = [update[3] for update in job.outputs()]
    png = outputs[-1] if len(outputs) == 5 else None
    final = time.perf_counter() - start
    return Timed(
        first, final, len(progress), progress[0]["estimate"], progress[-1]["elapsed"], progress, png
    )


def scale_table(timed: Timed, pair, speed_line: str) -> str:
    """Each scale of a picture job: its seconds per iteration and set-up as the job streamed
    them, against the app's cost model (parsed from its ``speed:`` line) on the job's plan
    (made here as the app makes it, from the settings its PNG carries)."""
    from style_app.job import make_job
    from style_app.speed import Cost
    from style_core import read_params

    number = r"([-+0-9.e]+)"
    found = re.search(
        rf"takes {number} s \+ {number} s per pixel(?: \(\+{number} s per pixel for each "
        rf"megapixel of a pass\))?, a scale's set-up {number} s \+ {number} s per pixel, "
        rf"{number} of a step",
        speed_line,
    )
    a, b, c, setup_a, setup_b, fixed = (float(v) if v else 0.0 for v in found.groups())
    cost = Cost(a, b, setup_a, setup_b, True, fixed, c * 1e-6)
    start = None if timed.start_png is None else Image.open(timed.start_png).convert("RGB")
    plan = make_job(read_params(timed.png), pair[0], [pair[1]], start=start).plan
    rows = [
        "| scale | size | tiles | s per iteration (predicted) | set-up s (predicted) |",
        "|---|---|---|---|---|",
    ]
    by_scale: dict[int, list[dict]] = {}
    for update in timed.progress:
        if not update["done"]:
            by_scale.setdefault(update["scale"], []).append(update)
    previous = None  # the scale before: (elapsed, iteration) of its last update, its step
    for index, updates in sorted(by_scale.items()):
        scale = plan.scales[index - 1]
        first, last = updates[0], updates[-1]
        step = (last["elapsed"] - first["elapsed"]) / max(1, last["iteration"] - first["iteration"])
        end = 0.0  # when the scale before ended (its iterations after its last update counted)
        if previous:
            (elapsed, iteration), previous_step = previous
            end = elapsed + (first["iteration"] - 1 - iteration) * previous_step
        setup = first["elapsed"] - end - step
        rows.append(
            f"| {index} | {scale.size[0]}x{scale.size[1]} | {len(scale.windows) or '-'} | "
            f"{step:.2f} ({cost.step_seconds(scale):.2f}) | {setup:.1f} "
            f"({setup_a + setup_b * scale.window_pixels:.1f}) |"
        )
        previous = (last["elapsed"], last["iteration"]), step
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fp32", action="store_true", help="as on a CPU without native bf16")
    parser.add_argument("--pair", nargs=2, type=Path, metavar=("CONTENT", "STYLE"))
    parser.add_argument("--video", action="store_true", help="the Video tab's default job")
    parser.add_argument("--size", type=int, help="long side in px (default: the fitted job's)")
    parser.add_argument("--enlarge", type=int, metavar="PX", help="time /enlarge to PX instead")
    args = parser.parse_args()
    pair = args.pair or (HELD_BACK if all(p.is_file() for p in HELD_BACK) else EXAMPLE)
    with tempfile.TemporaryDirectory() as site:
        env = {}
        if args.fp32:
            (Path(site) / "sitecustomize.py").write_text(NO_BF16)
            env["PYTHONPATH"] = site
        with running_app(env=env) as server:
            found = wait_until(
                lambda: BALANCED.search(server.log_tail()), 600, interval=1, what="the warm-up"
            )
            size, steps = int(found.group(1)), int(found.group(2))
            print(f"{pair[0].name} x {pair[1].name}, {'fp32' if args.fp32 else 'auto'} precision")
            print(f"default job fitted here: {size} px, {steps} steps", flush=True)
            size = args.size or size
            client = Client(server.url, verbose=False)
            if args.video:
                print(f"video: {CLIP.name} x {EXAMPLE[1].name} at the tab's defaults")
                results = [timed_video_job(client) for _ in range(args.runs)]
            elif args.enlarge:
                print(f"each {size} px result enlarged to {args.enlarge} px")
                results = [
                    timed_enlargement(client, pair, args.enlarge, steps=steps, size=size)
                    for _ in range(args.runs)
                ]
            else:
                results = [
                    timed_job(client, pair, steps=steps, size=size) for _ in range(args.runs)
                ]
            print(server.log_tail().strip().splitlines()[-1])
            speed_line = next(line for line in server.log().splitlines() if "takes" in line)
    firsts, finals, updates, predicted, engine, *_ = zip(*results)

    def row(name: str, values, digits: int) -> str:
        runs = ", ".join(f"{x:.{digits}f}" for x in values)
        return f"| {name} | {values[0]:.{digits}f} | {statistics.median(values[1:] or values):.{digits}f} | {runs} |"

    print("| measure | first job | later (median) | runs |\n|---|---|---|---|")
    print(row("time to first streamed preview (s)", firsts, 2))
    what = "the clip" if args.video else f"the {args.enlarge or size} px result"
    print(row(f"predicted before Run, {what} (s)", predicted, 1))
    print(row(f"actual time to {what}, final (s)", finals, 1))
    print(row("of which the engine's own run (s)", engine, 1))
    print(row("actual / predicted", [f / p for f, p in zip(finals, predicted)], 2))
    print(row("streamed updates per job", updates, 0))
    if not args.video:
        print(
            f"\nThe first job's scales against the model:\n\n{scale_table(results[0], pair, speed_line)}"
        )


if __name__ == "__main__":
    main()
