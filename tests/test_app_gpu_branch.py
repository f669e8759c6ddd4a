"""The app built as it is on a GPU host (HAS_GPU forced; no CUDA needed): the expectations the
other tests read from the app's constants hold there too."""

from __future__ import annotations

import gradio as gr
import pytest
import torch
from fresh_app import fresh_app
from PIL import Image

from style_core import StyleParams, save_png
from style_core.params import LIMITS, preset_for


@pytest.fixture(scope="module")
def gpu_app():
    """A second copy of the app, imported while torch reports a GPU (building the page never
    touches CUDA, so this works on any host)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.cuda, "is_available", lambda: True)
        return fresh_app()


def widget(app, label: str) -> gr.components.Component:
    (found,) = [
        block
        for block in app.demo.blocks.values()
        if isinstance(block, gr.components.Component) and getattr(block, "label", None) == label
    ]
    return found


def test_the_gpu_branch_uses_the_gpu_preset_and_limits(gpu_app):
    assert gpu_app.config.HAS_GPU
    assert gpu_app.config.DEFAULTS == preset_for("cuda")
    assert (gpu_app.config.MAX_STEPS, gpu_app.config.MAX_SIZE) == (2000, 4096)
    assert widget(gpu_app, "Steps (iterations)").maximum == gpu_app.config.MAX_STEPS
    assert widget(gpu_app, "Output size (long side, px)").maximum == gpu_app.config.MAX_SIZE
    # The sliders never offer what StyleParams refuses.
    assert (
        gpu_app.config.MAX_STEPS <= LIMITS["steps"][1]
        and gpu_app.config.MAX_SIZE <= LIMITS["size"][1]
    )


def test_api_defaults_are_the_gpu_preset(gpu_app):
    parameters = gpu_app.demo.get_api_info()["named_endpoints"]["/stylize"]["parameters"]
    defaults = {p["parameter_name"]: p["parameter_default"] for p in parameters}
    assert defaults["steps"] == gpu_app.config.DEFAULTS.steps
    assert defaults["size"] == gpu_app.config.DEFAULTS.size
    assert defaults["content_weight"] == gpu_app.config.DEFAULTS.content_weight
    assert gpu_app.settings.build_params({}) == gpu_app.config.DEFAULTS
    top = gpu_app.settings.build_params(
        {"steps": gpu_app.config.MAX_STEPS, "size": gpu_app.config.MAX_SIZE}
    )
    assert (top.steps, top.size) == (gpu_app.config.MAX_STEPS, gpu_app.config.MAX_SIZE)


def test_range_errors_name_the_gpu_limits(gpu_app):
    with pytest.raises(gr.Error) as caught:
        widget(gpu_app, "Output size (long side, px)").preprocess(10**6)
    assert (
        f"size must be between 128 and {gpu_app.config.MAX_SIZE}; got 1000000"
        in caught.value.message
    )


def test_estimate_and_quality_fit_the_gpu_ranges(gpu_app, monkeypatch):
    cost = gpu_app.speed.Cost(0.01, 2e-8, measured=True)
    monkeypatch.setattr(gpu_app.speed, "MODEL", gpu_app.speed.SpeedModel(cost))
    assert "this GPU" in gpu_app.estimates.estimate(
        None, gpu_app.config.DEFAULTS.steps, gpu_app.config.DEFAULTS.size, True
    )
    for level, quality in gpu_app.speed.QUALITIES.items():
        steps, size = gpu_app.speed.fit_quality(level, (4, 3))
        assert 10 <= steps <= gpu_app.config.MAX_STEPS and size <= gpu_app.config.MAX_SIZE
        # The level's content weight on a GPU too, with its fitted steps and size.
        assert gpu_app.estimates.apply_quality(level, None) == (steps, size, quality.content_weight)
    assert gpu_app.speed.fit_quality("Balanced", (4, 3))[1] >= 512  # larger than a CPU's


def test_restore_keeps_sizes_only_a_gpu_offers(gpu_app, tmp_path):
    path = tmp_path / "big.png"
    save_png(Image.new("RGB", (8, 8)), path, StyleParams(size=2048, steps=1500))
    *values, _blend, note = gpu_app.restore.restore_settings(str(path))
    restored = dict(zip(gpu_app.settings.SETTING_FIELDS, values))
    assert (restored["size"], restored["steps"]) == (2048, 1500)
    assert "size" not in note and "steps" not in note


def test_apple_mps_gets_the_gpu_preset(monkeypatch):
    """The preset follows the device a job resolves to: on MPS, the GPU class."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.backends.mps, "is_available", lambda: True)
        patch.setattr(torch.cuda, "is_available", lambda: False)
        mps_app = fresh_app()
    assert mps_app.config.DEVICE_KIND == "mps"
    assert mps_app.config.DEFAULTS == preset_for("mps") == preset_for("cuda")
    assert mps_app.speed.CALIBRATION_SIZES == (512, 1024)  # GPU-sized probes
