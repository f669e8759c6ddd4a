"""The app's job in-process when things go wrong: out of memory, and cancelling mid-run.

* Out of memory (simulated, raised by a stand-in for ``stylize``): the user sees "out of
  memory, try a smaller size", the engine's Gram cache is emptied, and the next job runs.
* Cancelling: Gradio cancels a streaming job by closing its generator. The engine's
  iterations (counted in the content loss, which every iteration evaluates once) stop there,
  with nothing computed after the last update the user saw; when the close arrives while an
  update is being computed (Gradio's worker thread is inside ``next()``), the work stops at
  the next preview, at most ``preview_seconds`` (0.5 s) later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import gradio as gr
import pytest
import torch
from PIL import Image

import style_core.engine as engine
from style_app import job as app_job
from style_core import Snapshot, StyleParams, WeightsError

pytest.register_assert_rewrite("app_server", "test_app_client")

from app_server import wait_until  # noqa: E402
from test_app_client import assert_readable  # noqa: E402

SMALL = {"steps": 10, "size": 128}


@pytest.fixture
def images(tmp_path, content_image, style_image) -> tuple[str, str]:
    content, style = tmp_path / "content.png", tmp_path / "style.png"
    content_image.save(content)  # 64x48: a 128 px job makes 128x96
    style_image.save(style)
    return str(content), str(style)


def assert_job_runs(images: tuple[str, str]) -> None:
    *_, (image, status, _plot, progress, png) = app_job.stylize_job(*images, **SMALL)
    assert progress["done"] is True and progress["iteration"] == SMALL["steps"]
    assert image.size == (128, 96) and status.startswith("**Done.**")
    assert Path(png).is_file()


def failing_stylize(error: BaseException, updates: int = 0) -> Callable[..., Iterator[Snapshot]]:
    """A stand-in for style_core.stylize that yields ``updates`` previews, then raises."""

    def stylize(content, styles, params, mask=None, start=None):
        for iteration in range(1, updates + 1):
            yield Snapshot(
                iteration=iteration,
                total=params.steps,
                scale=1,
                scales=1,
                size=(128, 96),
                elapsed=0.1 * iteration,
                progress=iteration / params.steps,
                losses={"content": 1.0, "style": 1.0, "tv": 0.0, "total": 11.0},
                image=Image.new("RGB", (128, 96)),
            )
        raise error

    return stylize


def fill_style_cache(images: tuple[str, str]) -> None:
    engine.run(*images, StyleParams(size=64, steps=1))  # a real tiny run caches its Grams
    assert engine._STYLE_CACHE


CUDA_OOM = "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 14.75 GiB total capacity)"


def check_out_of_memory_message(error: gr.Error) -> None:
    message = error.message
    assert_readable(message)
    assert "out of memory" in message.lower(), message
    assert "smaller" in message and "128" in message, message  # the size that failed


# --- out of memory ------------------------------------------------------------------------


def test_gpu_out_of_memory_at_the_start(monkeypatch, images):
    fill_style_cache(images)
    monkeypatch.setattr(app_job, "stylize", failing_stylize(torch.OutOfMemoryError(CUDA_OOM)))
    with pytest.raises(gr.Error) as caught:
        next(app_job.stylize_job(*images, **SMALL))
    check_out_of_memory_message(caught.value)
    assert not engine._STYLE_CACHE  # the cached style statistics went with the failed job
    monkeypatch.undo()  # the real stylize again
    assert app_job.stylize is engine.stylize
    assert_job_runs(images)


def test_gpu_out_of_memory_mid_run(monkeypatch, images):
    fill_style_cache(images)
    fake = failing_stylize(torch.OutOfMemoryError(CUDA_OOM), updates=2)
    monkeypatch.setattr(app_job, "stylize", fake)
    job = app_job.stylize_job(*images, **SMALL)
    assert [next(job)[3]["iteration"], next(job)[3]["iteration"]] == [1, 2]
    with pytest.raises(gr.Error) as caught:
        next(job)
    check_out_of_memory_message(caught.value)
    assert not engine._STYLE_CACHE
    monkeypatch.undo()
    assert_job_runs(images)


def test_cpu_out_of_memory(monkeypatch, images):
    error = RuntimeError(
        "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate "
        "memory: you tried to allocate 8589934592 bytes. Error code 12 (Cannot allocate memory)"
    )
    monkeypatch.setattr(app_job, "stylize", failing_stylize(error))
    with pytest.raises(gr.Error) as caught:
        next(app_job.stylize_job(*images, **SMALL))
    check_out_of_memory_message(caught.value)


def test_missing_weights_are_a_readable_error(monkeypatch, images):
    error = WeightsError("VGG19 weights file not found: vgg19_caffe.safetensors")
    monkeypatch.setattr(app_job, "stylize", failing_stylize(error))
    with pytest.raises(gr.Error) as caught:
        next(app_job.stylize_job(*images, **SMALL))
    assert caught.value.message == str(error)
    assert_readable(caught.value.message)


# --- cancelling -----------------------------------------------------------------------------


class IterationCounter:
    """Wraps style_core.engine.content_loss: one call per optimiser iteration."""

    def __init__(self, original: Callable) -> None:
        self.original, self.calls, self.lock = original, 0, threading.Lock()

    def __call__(self, *args, **kwargs):
        with self.lock:
            self.calls += 1
        return self.original(*args, **kwargs)


@pytest.fixture
def counter(monkeypatch) -> IterationCounter:
    counting = IterationCounter(engine.content_loss)
    monkeypatch.setattr(engine, "content_loss", counting)
    return counting


def assert_stays(read: Callable[[], int], value: int, window: float = 1.0) -> None:
    """``read()`` keeps returning ``value`` for ``window`` seconds (polled every 20 ms)."""
    end = time.monotonic() + window
    while time.monotonic() < end:
        assert read() == value, f"still counting: {value} -> {read()}"
        time.sleep(0.02)


def close_like_gradio(job, timeout: float = 60.0) -> None:
    """gradio.utils.SyncToAsyncIterator.aclose: retry close() while next() is executing."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            job.close()
            return
        except ValueError as error:
            if "already executing" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_closing_the_job_stops_the_engine_at_once(counter, images):
    job = app_job.stylize_job(*images, steps=200, size=128)
    first, second = next(job), next(job)
    assert first[3]["iteration"] < second[3]["iteration"] < 200
    last_seen = second[3]["iteration"]
    job.close()
    at_close = counter.calls
    assert_stays(lambda: counter.calls, at_close)
    extra = at_close - last_seen  # iterations computed after the last update
    print(f"closed: {extra} iterations after the last update")  # shown with -rP
    assert extra == 0, f"{extra} iterations ran after the last update"


def test_cancel_during_an_update_stops_at_the_next_preview(counter, images):
    """Gradio's cancel arrives while its worker thread is inside next(): close() waits for it."""
    job = app_job.stylize_job(*images, steps=200, size=128)
    first, second = next(job), next(job)
    per_preview = second[3]["iteration"] - first[3]["iteration"]  # iterations per 0.5 s
    last_seen = second[3]["iteration"]
    pending: list = []
    worker = threading.Thread(target=lambda: pending.append(next(job, None)), daemon=True)
    worker.start()
    wait_until(lambda: counter.calls > last_seen, 30, interval=0.01, what="the next iteration")
    cancelled = time.monotonic()
    close_like_gradio(job)
    stop_seconds = time.monotonic() - cancelled
    worker.join(timeout=30)
    assert not worker.is_alive()
    stopped_at = counter.calls
    assert_stays(lambda: counter.calls, stopped_at)
    extra = stopped_at - last_seen
    print(
        f"cancelled mid-update: {extra} iterations after the last update "
        f"({per_preview} per preview interval), stopped in {stop_seconds:.2f} s"
    )
    # The in-flight update finished (a preview, never the final result), then nothing more.
    (update,) = pending
    assert update is not None and update[3]["done"] is False
    assert update[3]["iteration"] == stopped_at
    # About one preview interval of work, plus the iteration under way. Counted in
    # iterations, not seconds: on a busy machine the wall clock says nothing about the app;
    # and twice the first interval's count, because a load that changes between intervals
    # changes how many iterations fit in one (4 against 2 + 1 beside a benchmark sweep).
    assert extra <= 2 * per_preview + 1, f"{extra} iterations after the last update"
    assert stopped_at < 200
