"""Gradio's idle queue polling against our jobs (style_app.queue_poll), A/B in one process.

    python benchmarks/queue_poll.py [--size 512] [--steps 8] [--repeats 3]

Launches a one-button Gradio page on a free local port (its real queue), then alternates its
polling intervals between Gradio's defaults and ``poll_less``'s: the process's CPU while the
page is idle (10 s each), and the engine's seconds per iteration (tubingen x The Scream, one
scale, fp32 on a CPU without native bf16) while it polls beside them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import gradio as gr
from PIL import Image

from style_app.queue_poll import poll_less
from style_core import StyleParams, stylize

ROOT = Path(__file__).resolve().parents[1]
PAIR = (
    ROOT.parent / "shared" / "eval" / "tubingen.jpg",
    ROOT.parent / "shared" / "eval" / "the_scream.jpg",
)


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def idle_share(seconds: float = 10.0) -> float:
    """Share of one core the process used while nothing ran."""
    start, wall = cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    return (cpu_seconds() - start) / (time.perf_counter() - wall)


def seconds_per_iteration(content, style, params: StyleParams) -> float:
    times = [s.elapsed for s in stylize(content, [style], params) if not s.done]
    return (times[-1] - times[0]) / (len(times) - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with gr.Blocks() as demo:
        gr.Button("nothing")
    demo.queue()
    queue = demo._queue
    defaults = (queue.sleep_when_free, queue.progress_update_sleep_when_free)
    demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    content, style = (Image.open(path).convert("RGB") for path in PAIR)
    params = StyleParams(
        size=args.size, steps=args.steps, multiscale=False, precision="fp32", preview_seconds=3600
    )
    list(stylize(content, [style], params.replace(size=64, steps=2)))  # first-run costs
    results: dict[str, dict[str, list[float]]] = {}
    try:
        for _ in range(args.repeats):
            for name in ("Gradio's default", "poll_less"):
                if name == "poll_less":
                    poll_less(demo)
                else:
                    queue.sleep_when_free, queue.progress_update_sleep_when_free = defaults
                row = results.setdefault(name, {"idle": [], "iteration": []})
                row["idle"].append(idle_share())
                row["iteration"].append(seconds_per_iteration(content, style, params))
                print(name, row["idle"][-1], row["iteration"][-1], flush=True)
    finally:
        demo.close()
    base = statistics.mean(results["poll_less"]["iteration"])
    print(f"\n{args.size} px, {args.steps} steps, {args.repeats} repeats each, interleaved\n")
    print("| polling | idle CPU (share of a core) | s per iteration | against poll_less |")
    print("|---|---|---|---|")
    for name, row in results.items():
        seconds = statistics.mean(row["iteration"])
        print(
            f"| {name} | {statistics.mean(row['idle']):.3f} | {seconds:.3f} "
            f"({', '.join(f'{x:.2f}' for x in row['iteration'])}) | {seconds / base:.3f} |"
        )


if __name__ == "__main__":
    main()
