"""The running app through its public /stylize endpoint: streaming, readable errors, cancelling.

A real ``python app.py`` subprocess (tests/app_server.py), driven with gradio_client.
"""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from gradio_client.utils import Status
from PIL import Image, ImageDraw

from style_core import read_params
from style_core.images import read_mask

pytest.register_assert_rewrite("app_server")  # before the import below: no rewrite warning

from app_server import CONTENT_EXAMPLE, STYLE_EXAMPLE, wait_until  # noqa: E402
from hostile_corpus import bomb_png  # noqa: E402

from style_app import config  # noqa: E402

pytest_plugins = ["app_server"]

pytestmark = pytest.mark.slow

SMALL = {"steps": 10, "size": 128}


@pytest.fixture(scope="module")
def client(app_server) -> Client:
    return Client(app_server.url, verbose=False, download_files=True)


def images() -> dict:
    return {"content": handle_file(str(CONTENT_EXAMPLE)), "style": handle_file(str(STYLE_EXAMPLE))}


def run_small_job(client: Client) -> tuple:
    """A valid tiny job; returns its final (image, status, plot, progress, png)."""
    image, status, plot, progress, png = client.predict(**images(), **SMALL, api_name="/stylize")
    assert progress["done"] is True, status
    assert Path(png).is_file()
    return image, status, plot, progress, png


def assert_readable(message: str) -> None:
    """One short line a person can act on: no traceback, no server paths, no Python reprs."""
    assert message and message.strip() == message
    assert "\n" not in message
    assert len(message) < 200, message
    assert "Traceback" not in message and 'File "' not in message
    assert not re.search(r"(?:/[\w.-]+){2,}|[A-Za-z]:\\", message), message


# --- streaming ----------------------------------------------------------------------------


def test_a_job_streams_intermediate_results_then_the_final(client):
    job = client.submit(**images(), steps=40, size=192, api_name="/stylize")
    updates = list(job)  # every update as it streams in
    assert job.status().code == Status.FINISHED
    *intermediate, final = updates
    assert len(intermediate) >= 2, [u[1] for u in updates]
    iterations = [progress["iteration"] for _, _, _, progress, _ in intermediate]
    assert iterations == sorted(iterations) and len(set(iterations)) == len(iterations)
    for image, status, _, progress, png in intermediate:
        assert Path(image).is_file()
        assert re.match(r"Iteration \d+/40\b", status), status
        assert progress["done"] is False and progress["total"] == 40
        assert png is None
    image, status, plot, progress, png = final
    assert final == job.result()
    assert status.startswith("**Done.**")
    assert progress["done"] is True
    assert progress["iteration"] == progress["total"] == 40
    assert max(progress["width"], progress["height"]) == 192
    assert set(progress["losses"]) >= {"content", "style", "total"}
    assert Path(image).is_file()
    assert Path(png).is_file() and png.endswith(".png")
    params = read_params(png)
    assert params.steps == 40 and params.size == 192


def test_with_the_real_spaces_package_the_app_times_itself(client, app_server):
    """Every Space has ``spaces`` installed; outside ZeroGPU the app still calibrates at
    start-up, and the estimate it shows (and reports) is then a measured one."""
    spaces = pytest.importorskip("spaces")  # installed from requirements-dev.txt
    assert spaces.GPU.__module__ == "spaces.zero.decorator"  # the real package, no stand-in

    wait_until(lambda: "speed:" in app_server.log(), 300, interval=0.5, what="warm-up")
    assert re.search(r"speed: an iteration here takes \S+ s \+ \S+ s per pixel", app_server.log())
    *_, progress, _png = run_small_job(client)
    assert progress["estimate_measured"] is True and progress["estimate"] > 0


# --- bad inputs ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def text_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bad") / "notes.txt"
    path.write_text("these are notes, not an image\n")
    return path


BAD_INPUTS = {
    # name: (changes to a valid request, words the message must contain)
    "no content image": ({"content": None}, ["content image"]),
    "text file as the content": ({"content": "TEXT_FILE"}, ["content image", "not an image"]),
    "size out of range": ({"size": 100000}, ["100000", str(config.MAX_SIZE)]),
    "zero steps": ({"steps": 0}, ["0", "10"]),
    "unknown colour option": ({"color": "sepia"}, ["sepia", "luminance"]),
}


def _request(changes: dict, text_file: Path) -> dict:
    request = {**images(), **SMALL, **changes}
    if request.get("content") == "TEXT_FILE":
        request["content"] = handle_file(str(text_file))
    return request


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_a_readable_error_and_the_app_carries_on(client, text_file, case):
    changes, words = BAD_INPUTS[case]
    with pytest.raises(AppError) as caught:
        client.predict(**_request(changes, text_file), api_name="/stylize")
    message = str(caught.value)
    assert_readable(message)
    for word in words:
        assert word in message, message
    run_small_job(client)


@pytest.mark.parametrize("case", ["size out of range", "zero steps", "unknown colour option"])
def test_bad_input_error_names_the_parameter(client, text_file, case):
    changes, _ = BAD_INPUTS[case]
    (field,) = changes
    with pytest.raises(AppError) as caught:
        client.predict(**_request(changes, text_file), api_name="/stylize")
    message = str(caught.value)
    assert "<class" not in message
    labels = {"size": "size", "steps": "steps", "color": "colo"}
    assert labels[field] in message.lower(), message


def _rest_call(client: Client, base_url: str, changes: dict) -> list[tuple[str, str]]:
    """POST /gradio_api/call/stylize with raw JSON (as curl would); returns the SSE events."""
    parameters = client.view_api(print_info=False, return_format="dict")["named_endpoints"][
        "/stylize"
    ]["parameters"]
    with httpx.Client(base_url=base_url, timeout=60) as http:
        with open(CONTENT_EXAMPLE, "rb") as content, open(STYLE_EXAMPLE, "rb") as style:
            uploaded = http.post(
                "gradio_api/upload", files=[("files", content), ("files", style)]
            ).json()
        values = {p["parameter_name"]: p["parameter_default"] for p in parameters}
        values.update(SMALL, **changes)
        values["content"], values["style"] = (
            {"path": path, "meta": {"_type": "gradio.FileData"}} for path in uploaded
        )
        body = json.dumps({"data": list(values.values())})  # allow_nan: NaN goes out as-is
        started = http.post(
            "gradio_api/call/stylize", content=body, headers={"content-type": "application/json"}
        )
        started.raise_for_status()
        events, kind = [], None
        with http.stream("GET", f"gradio_api/call/stylize/{started.json()['event_id']}") as sse:
            for line in sse.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    events.append((kind, line.split(":", 1)[1].strip()))
                    if kind in ("complete", "error"):
                        break
    return events


def test_nan_style_weight_is_a_readable_error(client, app_server):
    # JSON has no NaN, so gradio_client (httpx) refuses to send one; a hand-written request
    # (curl, another language's client) can, so send it through the HTTP API directly.
    with pytest.raises(ValueError, match="JSON"):
        client.predict(**images(), **SMALL, style_weight=math.nan, api_name="/stylize")
    events = _rest_call(client, app_server.url, {"style_weight": math.nan})
    kind, data = events[-1]
    assert kind == "error", events
    message = json.loads(data)["error"]
    assert_readable(message)
    assert "style_weight" in message and "nan" in message
    run_small_job(client)


# --- masks -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def masks(tmp_path_factory) -> dict[str, Path]:
    """Mask files for the content example (512x341): good ones and bad ones."""
    folder = tmp_path_factory.mktemp("masks")
    with Image.open(CONTENT_EXAMPLE) as content:
        size = content.size
    # As the browser's paint layer looks: strokes on a transparent background.
    strokes = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(strokes).ellipse((40, 30, 260, 300), fill=(255, 45, 85, 255))
    files = {
        "strokes": strokes,
        "not an image": b"these are notes, not a mask\n",
        "an empty file": b"",
        "a decompression bomb": bomb_png(60_000, 60_000),
        "another shape": Image.new("L", (size[0] // 4, size[1] * 2), 255),
    }
    paths = {}
    for name, value in files.items():
        paths[name] = folder / f"{name.replace(' ', '_')}.png"
        if isinstance(value, bytes):
            paths[name].write_bytes(value)
        else:
            value.save(paths[name])
    return paths


def test_a_masked_job_streams_and_its_png_carries_the_mask(client, masks):
    job = client.submit(
        **images(), mask=handle_file(str(masks["strokes"])), steps=20, size=128,
        api_name="/stylize",
    )  # fmt: skip
    updates = list(job)
    assert job.status().code == Status.FINISHED
    *intermediate, (image, status, _plot, progress, png) = updates
    assert intermediate and not intermediate[0][3]["done"]
    assert status.startswith("**Done.**") and progress["done"] is True
    carried = read_mask(png)  # white where the strokes were, black elsewhere
    assert carried.size == Image.open(image).size
    width, height = carried.size
    assert carried.getpixel((width // 4, height // 2)) == 255
    assert carried.getpixel((width - 2, height - 2)) == 0


BAD_MASKS = {
    # mask file: words the message must contain
    "not an image": ["mask", "not an image"],
    "an empty file": ["mask", "not an image"],
    "a decompression bomb": ["mask", "too large"],
    "another shape": ["mask", "does not match the content image"],
}


@pytest.mark.parametrize("case", list(BAD_MASKS))
def test_a_bad_mask_is_a_readable_error_and_the_app_carries_on(client, masks, case):
    with pytest.raises(AppError) as caught:
        client.predict(**images(), **SMALL, mask=handle_file(str(masks[case])), api_name="/stylize")
    message = str(caught.value)
    assert_readable(message)
    for word in BAD_MASKS[case]:
        assert word in message, message
    run_small_job(client)


def test_split_without_a_second_style_is_a_readable_error(client, masks):
    with pytest.raises(AppError) as caught:
        client.predict(
            **images(), **SMALL, mask=handle_file(str(masks["strokes"])), mask_mode="split",
            api_name="/stylize",
        )  # fmt: skip
    message = str(caught.value)
    assert_readable(message)
    assert "second style" in message and "split" in message, message


# --- cancelling ---------------------------------------------------------------------------


def test_cancelled_job_stops_and_the_next_one_runs_at_once(client, app_server):
    job = client.submit(**images(), steps=config.MAX_STEPS, size=512, api_name="/stylize")
    wait_until(lambda: len(job.outputs()) >= 1, 90, what="the first intermediate result")
    cpu_at_first = app_server.cpu_seconds()
    wait_until(lambda: len(job.outputs()) >= 2, 60, what="a second intermediate result")
    assert app_server.cpu_seconds() > cpu_at_first  # the server is busy with the job
    assert not job.outputs()[-1][3]["done"]

    assert job.cancel()
    wait_until(lambda: job.done(), 30, what="the job to end")
    assert job.status().code == Status.CANCELLED

    # The optimisation itself stops: the server goes (nearly) idle within a few seconds.
    samples: list[tuple[float, float]] = []

    def idle_for_a_second() -> bool:
        now = time.monotonic()
        samples.append((now, app_server.cpu_seconds()))
        window = [cpu for at, cpu in samples if now - at <= 1.5]
        spans_a_second = now - samples[0][0] >= 1.0 and len(window) >= 4
        return spans_a_second and window[-1] - window[0] < 0.3

    wait_until(idle_for_a_second, 30, interval=0.25, what="the server to go idle after cancel")
    assert not any(progress["done"] for _, _, _, progress, _ in job.outputs())

    # With one job per device, a still-running job would hold the slot: the next would wait.
    started = time.monotonic()
    small = client.submit(**images(), **SMALL, api_name="/stylize")
    wait_until(lambda: len(small.outputs()) >= 1, 20, what="the next job's first update")
    first_update = time.monotonic() - started
    final = small.result(timeout=60)
    assert final[3]["done"] is True
    assert first_update < 20
