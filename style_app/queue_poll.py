"""Gradio's queue, polled less often: an idle server no longer takes CPU from the jobs.

Gradio 6.31's queue (``gradio.queueing.Queue``) checks for new events every 1 ms while it
has none to start, and for progress updates every 10 ms: on Linux its event loop alone keeps
about a tenth of a core busy, idle or not. On a 2-core CPU that is time taken from the
network's two threads, which wait for each other: iterations ran ~8% slower beside such a
loop (benchmarks/RESULTS.md, "Gradio's queue polling"). Checked every 20 ms instead, a job
waits at most that long to start, next to seconds of work.
"""

from __future__ import annotations

import gradio as gr

NEW_EVENT_POLL_SECONDS = 0.02  # Gradio's default on Linux: 0.001 (0.05 on Windows)
PROGRESS_POLL_SECONDS = 0.1  # gr.Progress updates; the app streams its own progress instead


def poll_less(demo: gr.Blocks) -> None:
    """Set the queue's idle polling intervals (after ``demo.queue()``). Leaves a queue
    without those attributes (another Gradio) as it is: the test suite says so."""
    queue = getattr(demo, "_queue", None)
    for name, seconds in (
        ("sleep_when_free", NEW_EVENT_POLL_SECONDS),
        ("progress_update_sleep_when_free", PROGRESS_POLL_SECONDS),
    ):
        if hasattr(queue, name):
            setattr(queue, name, max(seconds, getattr(queue, name)))
