"""App latency through the real client: first preview, final result, and the app's own
prediction of the job's time against the actual time.

    python benchmarks/app_latency.py [--runs 3]

Starts `python app.py` on a free local port and waits for its warm-up (weights loaded, speed
timed on this machine), which names the default "Balanced" job it fits here. Then it submits
that job on an example pair `--runs` times. "predicted" is the estimate the page shows before
Run (the app reports it as `estimate` in the progress JSON); the app corrects its speed after
each run, so later predictions use what it learned.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from gradio_client import Client, handle_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from app_server import running_app, wait_until  # noqa: E402 - the tests' helpers, after the path tweak

CONTENT = ROOT / "examples" / "content_coffee.jpg"
STYLE = ROOT / "examples" / "style_starry_night.jpg"
BALANCED = re.compile(r"Balanced: (\d+) px, (\d+) steps")


def timed_job(client: Client, **params) -> tuple[float, float, int, float]:
    """(seconds to first preview, seconds to final, streamed updates, predicted seconds)."""
    start = time.perf_counter()
    job = client.submit(
        content=handle_file(CONTENT), style=handle_file(STYLE), api_name="/stylize", **params
    )
    first, updates, predicted = None, 0, None
    for _image, _status, _plot, progress, _png in job:
        updates += 1
        first = first or time.perf_counter() - start
        predicted = predicted or progress["estimate"]
    job.result()
    return first, time.perf_counter() - start, updates, predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with running_app() as server:
        found = wait_until(
            lambda: BALANCED.search(server.log_tail()), 600, interval=1, what="the warm-up"
        )
        size, steps = int(found.group(1)), int(found.group(2))
        print(f"default job fitted here: {size} px, {steps} steps", flush=True)
        client = Client(server.url, verbose=False)
        results = [timed_job(client, steps=steps, size=size) for _ in range(args.runs)]
    firsts, finals, updates, predicted = zip(*results)

    def row(name: str, values, digits: int) -> str:
        runs = ", ".join(f"{x:.{digits}f}" for x in values)
        return f"| {name} | {statistics.median(values):.{digits}f} | {runs} |"

    print("| measure | median | runs |\n|---|---|---|")
    print(row("time to first streamed preview (s)", firsts, 2))
    print(row(f"predicted before Run, {size} px (s)", predicted, 1))
    print(row(f"actual time to the final {size} px result (s)", finals, 1))
    print(row("actual / predicted", [f / p for f, p in zip(finals, predicted)], 2))
    print(row("streamed updates per job", updates, 0))


if __name__ == "__main__":
    main()
