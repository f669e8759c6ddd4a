"""App latency through the real client: time to first streamed preview and to the final result.

    python benchmarks/app_latency.py [--runs 3]

Starts `python app.py` on a free local port, warms it up with one small job (weights loaded,
caches filled), then submits the default job (512 px) on an example pair `--runs` times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from gradio_client import Client, handle_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from app_server import running_app  # noqa: E402 - the tests' server helper, after the path tweak

CONTENT = ROOT / "examples" / "content_coffee.jpg"
STYLE = ROOT / "examples" / "style_swirls.jpg"


def timed_job(client: Client, **params) -> tuple[float, float, int]:
    """(seconds to first preview, seconds to final, number of streamed updates)."""
    start = time.perf_counter()
    job = client.submit(
        content=handle_file(CONTENT), style=handle_file(STYLE), api_name="/stylize", **params
    )
    first, updates = None, 0
    for _update in job:
        updates += 1
        first = first or time.perf_counter() - start
    job.result()
    return first, time.perf_counter() - start, updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with running_app() as server:
        client = Client(server.url, verbose=False)
        timed_job(client, steps=10, size=128)  # warm-up
        results = [timed_job(client) for _ in range(args.runs)]
    firsts, finals, updates = zip(*results)
    print("| measure | median | runs |\n|---|---|---|")
    print(
        f"| time to first streamed preview | {statistics.median(firsts):.2f} s | "
        f"{', '.join(f'{x:.2f}' for x in firsts)} |"
    )
    print(
        f"| time to final 512 px result | {statistics.median(finals):.1f} s | "
        f"{', '.join(f'{x:.1f}' for x in finals)} |"
    )
    print(
        f"| streamed updates per job | {statistics.median(updates):.0f} | "
        f"{', '.join(str(x) for x in updates)} |"
    )


if __name__ == "__main__":
    main()
