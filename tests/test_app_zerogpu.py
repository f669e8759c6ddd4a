"""The app on a ZeroGPU Space, with the real ``spaces`` package (pinned in requirements-dev.txt).

In-process: ZeroGPU is detected as ``spaces`` detects it, the duration asked of ZeroGPU covers
the slider maxima, and a job longer than the cap is refused before the GPU is asked for.
End to end: ``tests/zerogpu_space.py`` serves the app with ``spaces`` in ZeroGPU mode (its
docstring says what is simulated and why); jobs run in spaces' worker processes, CUDA is never
touched outside them, and the first job's measured speed comes back to the main process.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import version
from pathlib import Path

import gradio as gr
import pytest
import spaces  # noqa: F401 - the real package, imported before the app as on a Space
import torch
from app_server import CONTENT_EXAMPLE, STYLE_EXAMPLE, running_app, wait_until
from fresh_app import fresh_app
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from spaces.config import Settings

from style_app import config
from style_core.images import fit_size

# Two scales (160 -> 320 px, 11 + 9 steps), so the first job can fit its own speed; at 256 px
# a job runs one scale and can only scale the first guess, which stays a guess.
SMALL = {"steps": 20, "size": 320}


def test_the_real_spaces_package_is_installed():
    requirement = next(
        line
        for line in (Path(__file__).parents[1] / "requirements-dev.txt").read_text().splitlines()
        if line.startswith("spaces==")
    )
    assert version("spaces") == requirement.split("==")[1]


@pytest.mark.parametrize("value", ["true", "True", "1", "t", "false", "0", "", "yes", None])
def test_zero_gpu_is_detected_as_spaces_detects_it(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)
    else:
        monkeypatch.setenv("SPACES_ZERO_GPU", value)
    assert config.on_zero_gpu() == Settings().zero_gpu


@pytest.fixture(scope="module")
def zero_app():
    """The app imported as on ZeroGPU: spaces reports a GPU (its torch patch makes
    is_available() True there). ``spaces`` was imported above outside ZeroGPU mode, so its
    decorator leaves the job as it is; the end-to-end test below runs the real one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPACES_ZERO_GPU", "true")
        patch.setattr(torch.cuda, "is_available", lambda: True)
        return fresh_app()


def a_job(app, steps: int, size: int, shape: tuple[int, int]):
    params = app.settings.build_params({"steps": steps, "size": size})
    content = Image.new("RGB", fit_size(*shape, size))
    plan = app.memory.plan_here(params, content.size)  # on the slice's memory, no CUDA
    return app.job.Job(content, [content], params, None, 0.0, False, plan)


@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (3, 4), (16, 9), (1, 4)])
def test_the_duration_covers_the_gpu_preset_and_the_sliders_end_is_refused_or_asked_in_full(
    zero_app, shape
):
    """The sliders go to 4096 px and 800 steps; a job that fits one call is asked for with its
    whole headroom, one that would not is refused before the GPU is asked for."""
    app = zero_app
    assert app.config.ZERO_GPU and not app.speed.MODEL.cost.measured  # the first guess
    assert app.config.SLIDER_MAX == {"steps": app.config.MAX_STEPS, "size": 4096}
    fixed, factor = app.speed.DURATION_HEADROOM
    preset = a_job(app, app.config.DEFAULTS.steps, app.config.DEFAULTS.size, shape)
    predicted = app.speed.plan_seconds(app.speed.MODEL.cost, preset.plan)
    duration = app.job._gpu_duration(preset)
    assert fixed + factor * predicted <= duration <= app.config.ZERO_GPU_MAX_SECONDS
    app.job.check_size(preset)  # not refused
    largest = a_job(app, app.config.MAX_STEPS, app.config.MAX_SIZE, shape)
    if fixed + app.speed.plan_seconds(app.speed.MODEL.cost, largest.plan) > 300:
        with pytest.raises(gr.Error, match="300 s a ZeroGPU call may last"):
            app.job.check_size(largest)
    else:
        app.job.check_size(largest)


def test_a_job_longer_than_the_cap_is_refused_before_the_gpu(zero_app, monkeypatch):
    app = zero_app
    slow = app.speed.SpeedModel(app.speed.Cost(0.5, 1e-5, measured=True))  # measured: slow
    monkeypatch.setattr(app.speed, "MODEL", slow)
    job = a_job(app, app.config.MAX_STEPS, app.config.MAX_SIZE, (4, 3))
    with pytest.raises(gr.Error) as caught:
        app.job.check_size(job)
    message = caught.value.message
    assert message.endswith("300 s a ZeroGPU call may last: lower the steps or the size.")


def test_a_refusal_names_the_largest_size_that_fits_the_cap(zero_app, monkeypatch):
    app = zero_app
    measured = app.speed.SpeedModel(app.speed.Cost(0.01, 1e-7, measured=True))
    monkeypatch.setattr(app.speed, "MODEL", measured)
    job = a_job(app, app.config.MAX_STEPS, app.config.MAX_SIZE, (4, 3))
    with pytest.raises(gr.Error) as caught:
        app.job.check_size(job)
    message = caught.value.message
    assert "300 s a ZeroGPU call may last: lower the steps or the size." in message
    largest = int(message.split(f"At {app.config.MAX_STEPS} steps, ")[1].split(" px fits.")[0])
    assert largest % 64 == 0 and 128 <= largest < app.config.MAX_SIZE
    app.job.check_size(a_job(app, app.config.MAX_STEPS, largest, (4, 3)))  # not refused
    with pytest.raises(gr.Error):
        app.job.check_size(a_job(app, app.config.MAX_STEPS, largest + 64, (4, 3)))


def schedules(log: Path) -> list[dict]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [json.loads(line) for line in lines]


@pytest.mark.slow
def test_served_end_to_end_without_touching_cuda_outside_the_job(tmp_path):
    log = tmp_path / "device-api.log"
    env = {"SPACES_ZERO_GPU": "true", "ZEROGPU_SIM_LOG": str(log)}
    with running_app(tmp_path, script="tests/zerogpu_space.py", env=env) as server:
        wait_until(lambda: "speed: ZeroGPU" in server.log_tail(), 300, what="the warm-up")
        client = Client(server.url, verbose=False)
        images = {
            "content": handle_file(str(CONTENT_EXAMPLE)),
            "style": handle_file(str(STYLE_EXAMPLE)),
        }
        # A rejected upload is refused before the GPU is asked for.
        not_an_image = tmp_path / "notes.png"
        not_an_image.write_text("not an image")
        with pytest.raises(AppError, match="content image"):
            client.predict(
                **{**images, "content": handle_file(str(not_an_image))},
                **SMALL,
                api_name="/stylize",
            )
        assert schedules(log) == []
        # The first job runs on the first guess and times itself inside the GPU call ...
        *_, first, png = client.predict(**images, **SMALL, api_name="/stylize")
        assert first["done"] and not first["estimate_measured"] and Path(png).is_file()
        # Only a fit of the job's own scales is reported as measured (never a scaled guess).
        wait_until(lambda: "measured on the first job's 2 scales" in server.log_tail(), 30)
        # ... and the main process now predicts and asks with what it measured.
        *_, second, _ = client.predict(**images, **SMALL, api_name="/stylize")
        assert second["done"] and second["estimate_measured"]
        assert second["estimate"] != first["estimate"]
        asked = [record["schedule"] for record in schedules(log) if "schedule" in record]
        assert len(asked) == 2 and all(20 <= seconds <= 300 for seconds in asked), asked
        assert asked[0] != asked[1]  # the second request rests on the measured speed
        assert not any("cuda_outside_gpu_call" in record for record in schedules(log))
        assert "Traceback" not in server.log_tail(100_000), server.log_tail()
    assert os.environ.get("SPACES_ZERO_GPU") is None  # the server had it, this process not
