"""No silent knobs: the page greys out, with the reason, a slider that does nothing at the
chosen settings, and a job says which style layers it matched and why a style is blurred."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from style_app import job as job_module
from style_app.knob_notes import (
    BLEND_WITH_MASK,
    blend_slider_update,
    layer_slider_updates,
    small_style_notes,
)
from style_app.layout import build_demo
from style_app.settings import LayerWeights
from style_core import StyleParams
from style_core.params import STYLE_LAYERS_DEFAULT
from style_core.plan import style_side

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
STARRY = EXAMPLES / "style_starry_night.jpg"  # 1024 px wide
LAYERS = list(STYLE_LAYERS_DEFAULT)


def usable(updates: list[dict]) -> list[str]:
    layers = list(LayerWeights.names.values())
    return [layer for layer, update in zip(layers, updates) if update["interactive"]]


def test_the_relu5_1_slider_is_greyed_out_where_the_rank_rule_drops_it():
    at_512 = layer_slider_updates(str(STARRY), 512, 1.0, LAYERS)
    assert usable(at_512) == LAYERS[:4]
    assert "too few positions" in at_512[4]["info"]
    assert usable(layer_slider_updates(str(STARRY), 1024, 1.0, LAYERS)) == LAYERS  # 640 px tall
    # No style yet: the most any style could have at that size.
    assert usable(layer_slider_updates(None, 512, 1.0, LAYERS)) == LAYERS[:4]


def test_a_small_style_greys_out_the_deep_sliders_and_a_removed_layer_says_so(tmp_path):
    small = tmp_path / "small.png"
    Image.new("RGB", (64, 64), "red").save(small)
    assert usable(layer_slider_updates(str(small), 512, 1.0, LAYERS)) == LAYERS[:2]
    updates = layer_slider_updates(str(STARRY), 512, 1.0, LAYERS[1:4])
    assert usable(updates) == LAYERS[1:4]
    assert "not among the chosen style layers" in updates[0]["info"]


def test_the_blend_share_is_greyed_out_while_a_mask_is_set():
    assert blend_slider_update(None)["interactive"] is True
    with_mask = blend_slider_update("mask.png")
    assert with_mask["interactive"] is False and with_mask["info"] == BLEND_WITH_MASK


def test_a_small_style_gets_a_note_and_a_job_names_the_layers_it_matched(tmp_path):
    small = tmp_path / "small.png"
    Image.new("RGB", (200, 150), "red").save(small)
    job = job_module.prepare_job(
        str(EXAMPLES / "content_chelsea.jpg"), str(small), None, 0.5, None, "keep", {"size": 256}
    )
    assert job.style_layers == ("relu1_1", "relu2_1", "relu3_1")  # relu4_1: 25x18 positions
    assert any("relu4_1, relu5_1 left out" in note for note in job.notes)
    assert any("200x150, smaller than the 256 px" in note for note in job.notes)
    big = job_module.prepare_job(
        str(EXAMPLES / "content_chelsea.jpg"), str(STARRY), None, 0.5, None, "keep", {"size": 256}
    )
    assert not any("smaller than" in note for note in big.notes)
    assert small_style_notes(StyleParams(size=256), [(300, 200)]) == []


@pytest.mark.parametrize(
    "size, style", [(256, (200, 150)), (2048, (1024, 683)), (2048, (300, 700))]
)
def test_a_small_style_note_names_the_style_scale_that_uses_it_at_its_own_size(size, style):
    (note,) = small_style_notes(StyleParams(size=size), [style])
    assert "blurred up to keep their size" in note
    scale = float(re.search(r"Style scale (\d\.\d\d) uses it at its own size", note).group(1))
    # That scale uses the picture at (at most) its own size, and no smaller step of the slider
    # is needed: the next step up would blur it up again.
    assert style_side(StyleParams(size=size, style_scale=scale), size) <= max(style)
    assert small_style_notes(StyleParams(size=size, style_scale=scale), [style]) == []
    assert style_side(StyleParams(size=size, style_scale=scale + 0.05), size) > max(style)


def test_a_style_too_small_for_the_slider_gets_no_style_scale_advice():
    (note,) = small_style_notes(StyleParams(size=2048), [(400, 300)])  # 0.195 < the slider's 0.25
    assert "Style scale" not in note and note.endswith("(a larger picture of it keeps them sharp).")


@pytest.fixture(scope="module")
def config() -> dict:
    return build_demo().get_config_file()


def test_the_page_wires_the_notes(config):
    """Changing the style or size refreshes the layer sliders; the mask refreshes the blend."""
    labels = {c["id"]: c["props"].get("label") for c in config["components"]}
    outputs = [{labels[i] for i in d["outputs"]} for d in config["dependencies"]]
    assert {f"Style layer weight {layer}" for layer in LAYERS} in outputs
    assert {"Share of the second style"} in outputs
