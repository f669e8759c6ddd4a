"""The Gradio app in-process: its public API, widget -> StyleParams mapping, helpers, one job."""

from __future__ import annotations

import re

import gradio as gr
import pandas as pd
import pytest
from PIL import Image

import app
from style_core import StyleParams, read_params, save_png
from style_core.params import STYLE_LAYERS_DEFAULT

API_PARAMETERS = [
    "content",
    "style",
    "style2",
    "blend",
    "style_weight",
    "content_weight",
    "steps",
    "size",
    "tv_weight",
    "style_scale",
    "color",
    "optimizer",
    "init",
    "pooling",
    "w_relu1_1",
    "w_relu2_1",
    "w_relu3_1",
    "w_relu4_1",
    "w_relu5_1",
    "multiscale",
    "seed",
    "backbone",
]


def widget_values(**changes) -> dict:
    """build_params keyword arguments as the UI sends them by default (sliders give floats)."""
    values = dict(
        style_weight=10.0,
        content_weight=1.0,
        steps=40.0,
        size=128.0,
        tv_weight=0.0,
        style_scale=1.0,
        color="none",
        blend=0.5,
        has_second_style=False,
        optimizer="lbfgs",
        init="content",
        pooling="avg",
        layer_weights=(1.0, 1.0, 1.0, 1.0, 1.0),
        multiscale=True,
        seed=0,
        backbone="vgg19-caffe",
    )
    values.update(changes)
    return values


@pytest.fixture
def images(tmp_path, content_image, style_image):
    content, style = tmp_path / "content.png", tmp_path / "style.png"
    content_image.resize((128, 96)).save(content)
    style_image.resize((96, 96)).save(style)
    return str(content), str(style)


# --- the public API ----------------------------------------------------------------------


def test_import_builds_the_demo_without_launching():
    assert isinstance(app.demo, gr.Blocks)
    assert not app.demo.is_running


def test_stylize_is_the_only_public_endpoint_with_the_documented_parameters():
    info = app.demo.get_api_info()
    assert list(info["named_endpoints"]) == ["/stylize"]
    assert not info["unnamed_endpoints"]  # Stop, Examples, estimate and restore are UI-only
    parameters = info["named_endpoints"]["/stylize"]["parameters"]
    assert [p["parameter_name"] for p in parameters] == API_PARAMETERS
    # Only the two images are required; the defaults are the hardware preset's.
    required = [p["parameter_name"] for p in parameters if not p["parameter_has_default"]]
    assert required == ["content", "style"]
    defaults = {p["parameter_name"]: p["parameter_default"] for p in parameters}
    assert defaults["steps"] == app.DEFAULTS.steps
    assert defaults["size"] == app.DEFAULTS.size
    assert defaults["color"] == app.DEFAULTS.color
    assert len(info["named_endpoints"]["/stylize"]["returns"]) == 5


# --- widgets -> StyleParams --------------------------------------------------------------


def test_build_params_maps_widget_values():
    params = app.build_params(
        **widget_values(
            style_weight=25.0,
            steps=30.0,
            size=160.0,
            color="histogram",
            blend=0.25,
            has_second_style=True,
            optimizer="adam",
            layer_weights=(1.0, 2.0, 0.5, 0.0, 1.0),
            multiscale=False,
            seed=7.0,
        )
    )
    assert isinstance(params, StyleParams)
    assert params.style_weight == 25.0
    assert params.steps == 30 and isinstance(params.steps, int)
    assert params.size == 160 and isinstance(params.size, int)
    assert params.seed == 7 and isinstance(params.seed, int)
    assert params.color == "histogram"
    assert params.optimizer == "adam"
    assert params.style_blend == (0.75, 0.25)
    assert params.style_layer_weights == (1.0, 2.0, 0.5, 0.0, 1.0)
    assert params.multiscale is False
    assert params.device == app.DEFAULTS.device


def test_build_params_ignores_the_blend_without_a_second_style():
    assert app.build_params(**widget_values(blend=0.9)).style_blend == ()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"size": 100000}, "size"),
        ({"steps": 0}, "steps"),
        ({"steps": 10.5}, "steps"),
        ({"style_weight": float("nan")}, "style_weight"),
        ({"style_scale": 9.0}, "style_scale"),
        ({"color": "sepia"}, "color"),
        ({"seed": -1}, "seed"),
        ({"layer_weights": (1.0, 1.0, 1.0)}, "style_layer_weights"),
    ],
)
def test_build_params_rejects_bad_values_naming_the_field(changes, field):
    with pytest.raises(gr.Error) as caught:
        app.build_params(**widget_values(**changes))
    message = caught.value.message
    assert message.startswith(field), message
    assert "\n" not in message and "Traceback" not in message


# --- estimate and restore ----------------------------------------------------------------


def _seconds(text: str) -> int:
    match = re.search(r"about (\d+) s\b", text)
    assert match, text
    return int(match.group(1))


def test_estimate_reads_about_n_seconds_and_grows_with_the_work(images):
    small = app.estimate(images[0], 10, 128, True)
    large = app.estimate(images[0], 1000, 1024, True)
    assert _seconds(small) >= 1
    assert _seconds(large) > _seconds(small)
    assert ("GPU" if app.HAS_GPU else "CPU") in small
    assert app.estimate(None, 160, 512, True)  # before any content image is given
    assert app.estimate(images[0], 0, 128, True) == ""  # out of range: no estimate


def test_restore_settings_returns_the_embedded_values_in_field_order(tmp_path):
    path = tmp_path / "result.png"
    params = StyleParams(steps=77, size=320, color="luminance")
    save_png(Image.new("RGB", (16, 12), "orange"), path, params)
    values = app.restore_settings(str(path))
    assert len(values) == len(app.SETTING_FIELDS)
    restored = dict(zip(app.SETTING_FIELDS, values))
    assert restored["steps"] == 77
    assert restored["size"] == 320
    assert restored["color"] == "luminance"
    assert restored["style_weight"] == params.style_weight
    assert restored["multiscale"] is params.multiscale
    assert [restored[name] for name in STYLE_LAYERS_DEFAULT] == [1.0] * 5


def test_restore_settings_returns_custom_layer_weights(tmp_path):
    path = tmp_path / "result.png"
    weights = (0.5, 1.0, 1.5, 2.0, 2.5)
    save_png(Image.new("RGB", (8, 8)), path, StyleParams(style_layer_weights=weights))
    restored = dict(zip(app.SETTING_FIELDS, app.restore_settings(str(path))))
    assert tuple(restored[name] for name in STYLE_LAYERS_DEFAULT) == weights


def test_restore_settings_from_a_plain_png_is_a_clear_error(tmp_path):
    path = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(path)
    with pytest.raises(gr.Error, match="carries no style-transfer settings"):
        app.restore_settings(str(path))


def test_restore_settings_with_no_file_changes_nothing():
    assert len(app.restore_settings(None)) == len(app.SETTING_FIELDS)


def test_restore_settings_from_a_non_image_does_not_show_the_path(tmp_path):
    path = tmp_path / "fake.png"
    path.write_text("not an image")
    with pytest.raises(gr.Error) as caught:
        app.restore_settings(str(path))
    assert str(tmp_path) not in caught.value.message
    assert "fake.png" not in caught.value.message


# --- one job, in-process -------------------------------------------------------------------


def test_stylize_job_streams_and_ends_with_a_png_carrying_its_settings(images):
    updates = list(app.stylize_job(*images, steps=10, size=128))
    assert len(updates) >= 2
    for image, status, _plot, progress, _ in updates[:-1]:
        assert isinstance(image, Image.Image)
        assert status.startswith("Iteration ")
        assert not progress["done"]
    image, status, plot, progress, png = updates[-1]
    assert status.startswith("**Done.**")
    assert progress["done"] is True
    assert progress["iteration"] == progress["total"] == 10
    assert max(image.size) == 128
    assert isinstance(plot, pd.DataFrame)
    assert set(plot["term"]) == {"style", "content"}
    assert plot["iteration"].max() == 10
    style = plot[plot["term"] == "style"]["log10 loss"]
    assert style.iloc[-1] < style.iloc[0]  # the style loss fell
    params = read_params(png)
    assert params.steps == 10 and params.size == 128
    with Image.open(png) as saved:
        assert saved.size == image.size


def test_stylize_job_blends_a_second_style(images, tmp_path, style_image):
    second = tmp_path / "style2.png"
    style_image.transpose(Image.Transpose.ROTATE_90).save(second)
    *_, last = app.stylize_job(*images, style2=str(second), blend=0.25, steps=10, size=128)
    assert read_params(last[4]).style_blend == (0.75, 0.25)


def test_stylize_job_without_a_content_image_is_a_clear_error(images):
    with pytest.raises(gr.Error, match="content image"):
        next(app.stylize_job(None, images[1]))
    with pytest.raises(gr.Error, match="style image"):
        next(app.stylize_job(images[0], None))


def test_every_example_pair_is_a_readable_image_pair():
    from style_core import load_image

    pairs = app._examples()
    assert len(pairs) == len(app.EXAMPLE_PAIRS) >= 4
    for content, style in pairs:
        assert load_image(content).size[0] >= 256 and load_image(style).size[0] >= 256
