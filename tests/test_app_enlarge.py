"""Enlarge in the app (style_app.enlarge, the public /enlarge and MCP tool): a tiny real result
continued at twice its size, every bad input refused with one sentence before any work, the
page's 2x / 4x row, and the endpoint as API clients and MCP tools see it."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path

import gradio as gr
import pytest
from gradio.utils import get_function_description
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image, PngImagePlugin

import app
from style_app import config, enlarge, enlarge_row, job, speed
from style_core import read_params, save_png, stylize
from style_core.images import read_mask

pytest.register_assert_rewrite("app_server", "test_app_client")

from test_app_client import assert_readable  # noqa: E402
from test_app_mcp import mcp  # noqa: E402 - one MCP session, as for /stylize

pytest_plugins = ["app_server"]

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CONTENT, STYLE = EXAMPLES / "content_chelsea.jpg", EXAMPLES / "style_starry_night.jpg"
SOURCES = {"content": str(CONTENT), "style": str(STYLE)}
PARAMETERS = ["result_png", "content", "style", "style2", "size", "steps"]


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> Path:
    """A real 96 px result (96x64) with a mask and a style weight of its own, saved as the
    app saves one: the settings and the mask embedded."""
    params = config.DEFAULTS.replace(
        size=96, steps=4, style_weight=3.0 * config.DEFAULTS.style_weight
    )
    mask = Image.new("L", (96, 64))
    mask.paste(255, (0, 0, 48, 64))  # the left half gets the style
    *_, final = deque(stylize(CONTENT, [STYLE], params, mask), maxlen=1)
    return save_png(final.image, tmp_path_factory.mktemp("enlarge") / "result.png", params, mask)


@pytest.fixture
def no_gpu(monkeypatch):
    """The GPU call fails the test: a refusal must come before it."""
    monkeypatch.setattr(job, "run_on_gpu", lambda _: pytest.fail("the GPU call was reached"))


def refusal(**inputs) -> str:
    with pytest.raises(gr.Error) as caught:
        next(enlarge.enlarge_job(**inputs))
    message = caught.value.message
    assert_readable(message)
    return message


# --- enlarging a real result ---------------------------------------------------------------


def test_a_result_is_continued_at_twice_its_size_with_its_settings_and_mask(result, monkeypatch):
    # Previews shrink to the page's side; 128 px here, so that a tiny job shows it.
    assert job.PREVIEW_SIDE == 1024
    monkeypatch.setattr(job, "PREVIEW_SIDE", 128)
    *previews, final = list(enlarge.enlarge_job(str(result), **SOURCES, size=192))
    assert previews, "no preview streamed before the final update"
    for image, status, _loss_curve, progress, png in previews:
        assert max(image.size) <= 128 and png is None
        assert status.startswith("Iteration") and not progress["done"]
    image, status, loss_curve, progress, png = final
    assert max(image.size) <= 128  # the page's copy; the full size is the PNG
    assert status.startswith("**Done.**") and "Enlarging the 96 px result to 192 px" in status
    assert progress["done"] and (progress["width"], progress["height"]) == (192, 128)
    with Image.open(png) as enlarged:
        assert enlarged.size == (192, 128)
    small, big = read_params(result), read_params(png)
    assert big.size == 192 and big.style_weight == small.style_weight
    assert big.steps == small.scale_steps()[-1]  # one new scale: as many as the last one took
    # The page's loss curve follows the enlargement's own iterations, as a job's does.
    assert set(loss_curve["term"]) >= {"style", "content"}
    assert loss_curve["iteration"].max() == big.steps == progress["total"]
    mask = read_mask(png)
    assert mask is not None and mask.size == (192, 128)


def test_previews_keep_their_shape_and_small_images_stay_as_they_are():
    assert job.page_preview(Image.new("RGB", (4096, 2048))).size == (1024, 512)
    small = Image.new("RGB", (640, 480))
    assert job.page_preview(small) is small


# --- refusals, before any work -------------------------------------------------------------


def not_a_png(folder: Path) -> Path:
    path = folder / "notes.png"
    path.write_text("not an image")
    return path


def a_jpeg(folder: Path) -> Path:
    path = folder / "result.jpg"
    Image.new("RGB", (96, 64)).save(path)
    return path


def truncated(folder: Path, result: Path) -> Path:
    path = folder / "cut.png"
    data = result.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def without_settings(folder: Path) -> Path:
    path = folder / "plain.png"
    Image.new("RGB", (96, 64)).save(path)
    return path


def with_settings(folder: Path, name: str, text: str) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", text)
    path = folder / name
    Image.new("RGB", (96, 64)).save(path, pnginfo=info)
    return path


def blended(folder: Path, weights: tuple[float, ...]) -> Path:
    params = config.DEFAULTS.replace(size=96, steps=4, style_blend=weights)
    return save_png(Image.new("RGB", (96, 64)), folder / f"blend{len(weights)}.png", params)


@pytest.mark.parametrize(
    "case, expected",
    [
        ("no result", "No result PNG to enlarge: run a job first"),
        ("not an image", "result PNG: not an image file"),
        ("a JPEG", "result PNG: a JPEG image, not a PNG"),
        ("truncated", "result PNG: the image data is damaged or truncated"),
        (
            "no settings",
            "That PNG carries no style-transfer settings: Enlarge needs a result made here.",
        ),
        ("bad settings", "The settings in that PNG are not valid: steps"),
        ("no content", "Add the content image the result was made from."),
        ("no style", "Add the style image the result was made from."),
        ("two blended, one given", "That result was made with two style images: add the second"),
        ("one style, two given", "That result was made with one style image: leave out style2."),
        ("same size", "size must be larger than the result's 96 px to enlarge it; got 96"),
        ("past the limit", f"size must be at most {config.MAX_SIZE} px"),
        ("too many steps", f"steps must be at most {config.MAX_STEPS} here"),
        ("too few steps", "steps must be at least 2 to enlarge 96 px to 384 px"),
        ("another shape", "not the same shape, so not this job's result"),
    ],
)
def test_bad_input_is_refused_with_one_sentence_before_any_work(
    case, expected, result, tmp_path, no_gpu
):
    good = {"result_png": str(result), **SOURCES}
    square = tmp_path / "square.png"
    Image.new("RGB", (80, 80)).save(square)
    inputs = {
        "no result": {**good, "result_png": None},
        "not an image": {**good, "result_png": str(not_a_png(tmp_path))},
        "a JPEG": {**good, "result_png": str(a_jpeg(tmp_path))},
        "truncated": {**good, "result_png": str(truncated(tmp_path, result))},
        "no settings": {**good, "result_png": str(without_settings(tmp_path))},
        "bad settings": {
            **good,
            "result_png": str(with_settings(tmp_path, "bad.png", json.dumps({"steps": -5}))),
        },
        "no content": {**good, "content": None},
        "no style": {**good, "style": None},
        "two blended, one given": {**good, "result_png": str(blended(tmp_path, (0.5, 0.5)))},
        "one style, two given": {
            **good,
            "result_png": str(blended(tmp_path, (1.0,))),
            "style2": str(STYLE),
        },
        "same size": {**good, "size": 96},
        "past the limit": {**good, "size": config.MAX_SIZE + 1},
        "too many steps": {**good, "steps": config.MAX_STEPS + 1},
        "too few steps": {**good, "size": 384, "steps": 1},  # two new scales, 192 and 384
        "another shape": {**good, "content": str(square)},
    }[case]
    assert expected in refusal(**inputs)


def test_on_zero_gpu_an_enlargement_past_the_cap_is_refused(result, monkeypatch, no_gpu):
    monkeypatch.setattr(speed, "ZERO_GPU", True)
    slow = speed.SpeedModel(speed.Cost(0.5, 1e-5, measured=True))  # measured: slow
    monkeypatch.setattr(speed, "MODEL", slow)
    message = refusal(result_png=str(result), **SOURCES, size=config.MAX_SIZE, steps=200)
    assert message.startswith("This enlargement would take about")
    assert "300 s a ZeroGPU call may last" in message


def test_on_a_dedicated_gpu_an_enlargement_that_does_not_fit_is_refused(
    result, monkeypatch, no_gpu
):
    asked = []

    def check_fits(params, content_size, **shape):
        asked.append((params.size, shape["start_side"]))
        return "This job needs about 90.0 GB of GPU memory at 192 px, even in tiles."

    monkeypatch.setattr(job, "DEVICE_KIND", "cuda")
    monkeypatch.setattr(job, "check_fits", check_fits)
    assert "90.0 GB" in refusal(result_png=str(result), **SOURCES, size=192)
    assert asked == [(192, 96)]  # planned as a continuation of the 96 px result


# --- the page's row and the endpoint -------------------------------------------------------


def test_the_factors_show_the_sizes_they_give_capped_to_the_largest(result, tmp_path):
    assert enlarge_row.factor_choices(None) == [("2×", 2), ("4×", 4)]
    assert enlarge_row.factor_choices(str(result)) == [("2× → 192 px", 2), ("4× → 384 px", 4)]
    assert enlarge_row.enlarge_request(str(result), 4) == (str(result), 384)
    near = tmp_path / "near.png"
    Image.new("RGB", (config.MAX_SIZE * 3 // 4, 8)).save(near)
    labels = [label for label, _ in enlarge_row.factor_choices(str(near))]
    assert labels == [f"{factor}× → {config.MAX_SIZE} px (the limit)" for factor in (2, 4)]
    assert enlarge_row.enlarge_request(None, 2) == (None, None)


def test_enlarge_is_a_public_endpoint_with_every_parameter_described():
    endpoints = app.demo.get_api_info()["named_endpoints"]
    endpoint = endpoints["/enlarge"]
    assert "Enlarge a style-transfer result" in endpoint["description"]
    parameters = {p["parameter_name"]: p for p in endpoint["parameters"]}
    assert list(parameters) == PARAMETERS
    undescribed = [n for n, p in parameters.items() if not p["python_type"]["description"]]
    assert not undescribed, undescribed
    # The images are /stylize's inputs too: one description says what each endpoint wants.
    for name in ("content", "style", "style2"):
        assert "in /enlarge:" in parameters[name]["python_type"]["description"]
    required = [n for n, p in parameters.items() if not p["parameter_has_default"]]
    assert required == ["result_png", "content", "style"]
    assert parameters["size"]["python_type"]["type"] == "int"
    labels = [r["label"] for r in endpoint["returns"]]
    # /stylize's outputs in its order, so a client reads both alike.
    assert labels == [r["label"] for r in endpoints["/stylize"]["returns"]]
    assert "Loss" in " ".join(labels) and len(labels) == 5
    # The MCP tool's words: the docstring's Args and Returns, as Gradio reads them.
    _, helps, returns = get_function_description(enlarge.enlarge_job)
    assert list(helps) == PARAMETERS and all(helps.values())
    assert len(returns) == 5


def test_stop_cancels_an_enlargement():
    dependencies = app.demo.config["dependencies"]
    (enlarging,) = [d["id"] for d in dependencies if d.get("api_name") == "enlarge"]
    cancelled = {i for d in dependencies for i in d.get("cancels") or []}
    assert enlarging in cancelled


@pytest.mark.slow
def test_enlarge_over_the_api_and_as_an_mcp_tool(app_server, result, tmp_path):
    client = Client(app_server.url, verbose=False)
    sources = {name: handle_file(path) for name, path in SOURCES.items()}
    _, status, loss_curve, progress, png = client.predict(
        handle_file(str(result)), **sources, size=192, api_name="/enlarge"
    )
    assert status.startswith("**Done.**") and progress["done"]
    assert loss_curve is not None  # the plot, as /stylize returns it
    with Image.open(png) as enlarged:
        assert enlarged.size == (192, 128)
    assert read_params(png).size == 192
    plain = handle_file(str(without_settings(tmp_path)))
    with pytest.raises(AppError) as caught:
        client.predict(plain, **sources, api_name="/enlarge")
    assert "carries no style-transfer settings" in str(caught.value)
    tools = mcp(app_server.url, lambda session: session.list_tools()).tools
    (tool,) = [tool for tool in tools if tool.name == "enlarge_job"]
    properties = tool.inputSchema["properties"]
    assert list(properties) == PARAMETERS
    assert all(schema.get("description") for schema in properties.values()), properties
