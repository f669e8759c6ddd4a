"""StyleParams: validation of every field, coarse-to-fine schedule, JSON round trip."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import style_core.params
from style_core.params import (
    BACKBONES,
    COLOR_MODES,
    DEVICES,
    INITS,
    KNOBS,
    LIMITS,
    MAX_STYLES,
    OPTIMIZERS,
    POOLINGS,
    PRECISIONS,
    StyleParams,
    preset_for,
)


def test_defaults_validate():
    params = StyleParams()
    assert params.validate() is params


def test_every_allowed_choice_validates():
    for name, allowed in (
        ("color", COLOR_MODES),
        ("pooling", POOLINGS),
        ("optimizer", OPTIMIZERS),
        ("init", INITS),
        ("backbone", BACKBONES),
        ("device", DEVICES),
        ("precision", PRECISIONS),
    ):
        for value in allowed:
            StyleParams(**{name: value}).validate()


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_numeric_limits_are_inclusive(name):
    low, high = LIMITS[name]
    kind = type(low)
    StyleParams(**{"content_weight": 1.0, "style_weight": 1.0, name: kind(low)}).validate()
    StyleParams(**{name: kind(high)}).validate()


def _bad_numbers(name: str) -> list[object]:
    low, high = LIMITS[name]
    integer = isinstance(low, int)
    below = low - 1 if integer else (low - 1.0 if low == 0 else low / 2)
    values: list[object] = [
        below,  # below the range (negative or too small)
        high * 2 + 1,  # above the range
        10**12 if integer else 1e300,  # huge
        True,  # bools are not numbers here
        False,
        "1",  # strings are never coerced
        None,
    ]
    if integer:
        values += [float(low), 1.5]  # floats are not integers
    else:
        values += [math.nan, math.inf, -math.inf]
    if low > 0:
        values.append(0 if integer else 0.0)  # zero where zero is not allowed
    return values


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, value) for name in sorted(LIMITS) for value in _bad_numbers(name)],
    ids=lambda v: repr(v),
)
def test_bad_numbers_are_refused_naming_the_field(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        StyleParams(**{name: value}).validate()


def test_nan_int_field_message_names_the_field():
    with pytest.raises(ValueError, match=r"^size .*nan"):
        StyleParams(size=math.nan).validate()


def test_enormous_int_is_a_value_error():
    with pytest.raises(ValueError, match="^size"):
        StyleParams(size=10**400).validate()


@pytest.mark.parametrize(
    "name",
    ["color", "pooling", "optimizer", "init", "backbone", "device", "precision", "style_statistic"],
)
@pytest.mark.parametrize("value", ["nonsense", "", "MAX", None, 3])
def test_unknown_choice_is_refused_naming_the_field(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be one of") as info:
        StyleParams(**{name: value}).validate()
    assert repr(value) in str(info.value)


@pytest.mark.parametrize("value", [1, "yes", None, 0])
@pytest.mark.parametrize("name", ["multiscale", "rank_rule"])
def test_switches_must_be_bool(name, value):
    with pytest.raises(ValueError, match=f"^{name} must be true or false"):
        StyleParams(**{name: value}).validate()


@pytest.mark.parametrize("name", ["content_layers", "style_layers"])
@pytest.mark.parametrize("layer", ["relu6_1", "conv0_1", "RELU1_1", "fc7", ""])
def test_unknown_layer_is_refused_naming_field_and_layer(name, layer):
    with pytest.raises(ValueError, match=rf"^{name} has unknown layer") as info:
        StyleParams(**{name: ("relu2_1", layer)}).validate()
    assert repr(layer) in str(info.value)


@pytest.mark.parametrize("name", ["content_layers", "style_layers"])
@pytest.mark.parametrize("value", [(), [], "relu1_1", ["relu1_1"]])
def test_layers_must_be_a_non_empty_tuple(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must name at least one"):
        StyleParams(**{name: value}).validate()


def test_any_vgg_layer_name_is_accepted():
    StyleParams(content_layers=("conv1_1", "pool5"), style_layers=("relu5_4",)).validate()


@pytest.mark.parametrize("weights", [(1.0,), (1.0, 1.0, 1.0, 1.0), (1.0,) * 6])
def test_style_layer_weights_need_one_per_layer(weights):
    with pytest.raises(ValueError, match=r"^style_layer_weights needs 5 values") as info:
        StyleParams(style_layer_weights=weights).validate()
    assert f"got {len(weights)}" in str(info.value)


def test_style_layer_weights_of_right_length_validate():
    StyleParams(style_layer_weights=(1.0, 0.0, 2, 0.5, 3.0)).validate()


@pytest.mark.parametrize("name", ["style_layer_weights", "style_blend"])
@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ((1.0, -1.0, 1.0, 1.0, 1.0), "finite and >= 0"),
        ((1.0, math.nan, 1.0, 1.0, 1.0), "finite and >= 0"),
        ((1.0, math.inf, 1.0, 1.0, 1.0), "finite and >= 0"),
        ((0.0, 0.0, 0, 0.0, 0.0), "all zeros"),
        ((1.0, "2", 1.0, 1.0, 1.0), "only numbers"),
        ((1.0, True, 1.0, 1.0, 1.0), "only numbers"),
        ((1.0, None, 1.0, 1.0, 1.0), "only numbers"),
        ([1.0, 1.0, 1.0, 1.0, 1.0], "list of numbers"),
    ],
)
def test_bad_weights_are_refused_naming_the_field(name, weights, message):
    with pytest.raises(ValueError, match=rf"^{name} .*{message}"):
        StyleParams(**{name: weights}).validate()


def test_style_blend_of_any_length_validates():
    # Its length is checked against the number of style images by the engine.
    StyleParams(style_blend=(0.2, 0.8, 0.0)).validate()


def test_style_blend_has_at_most_one_weight_per_possible_style():
    StyleParams(style_blend=(1.0,) * MAX_STYLES).validate()
    with pytest.raises(ValueError, match=rf"^style_blend has 9 weights; at most {MAX_STYLES}"):
        StyleParams(style_blend=(1.0,) * (MAX_STYLES + 1)).validate()


def test_content_and_style_weight_both_zero_is_refused():
    with pytest.raises(ValueError, match="content_weight and style_weight"):
        StyleParams(content_weight=0.0, style_weight=0.0).validate()
    StyleParams(content_weight=0.0).validate()
    StyleParams(style_weight=0.0).validate()


def test_replace_returns_a_new_object():
    params = StyleParams()
    changed = params.replace(size=256)
    assert changed.size == 256 and params.size == 512
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.size = 100  # type: ignore[misc]


# --- coarse-to-fine schedule -------------------------------------------------------------


def test_scale_sizes_for_512():
    assert StyleParams(size=512).scale_sizes() == [128, 256, 512]


@pytest.mark.parametrize(
    ("size", "min_scale", "expected"),
    [
        (64, 128, [64]),
        (300, 128, [300]),  # coarse-to-fine only above 300 px
        (301, 128, [150, 301]),  # 75 would be under min_scale_size
        (320, 128, [160, 320]),
        (320, 64, [80, 160, 320]),
        (1024, 128, [256, 512, 1024]),  # three scales at most
        (4096, 1024, [1024, 2048, 4096]),
        (1024, 1024, [1024]),
    ],
)
def test_scale_sizes(size, min_scale, expected):
    assert StyleParams(size=size, min_scale_size=min_scale).scale_sizes() == expected


@pytest.mark.parametrize("size", [64, 300, 301, 512, 1024, 4096])
def test_no_multiscale_is_a_single_scale(size):
    params = StyleParams(size=size, multiscale=False, steps=37)
    assert params.scale_sizes() == [size]
    assert params.scale_steps() == [37]


def test_scale_steps_for_the_default_run():
    steps = StyleParams(size=512, steps=60).scale_steps()
    assert steps == [28, 14, 18]
    assert StyleParams(size=384, steps=100).scale_steps() == [55, 45]
    assert sum(StyleParams(size=512, steps=200).scale_steps()) == 200


@pytest.mark.parametrize("size", [64, 320, 512])
@pytest.mark.parametrize("steps", [4, 6, 7, 10, 11, 99, 200, 201, 1001, 10_000])
def test_scale_steps_sum_to_steps_and_are_positive(size, steps):
    params = StyleParams(size=size, steps=steps)
    per_scale = params.scale_steps()
    assert len(per_scale) == len(params.scale_sizes())
    assert sum(per_scale) == steps
    assert all(n >= 1 for n in per_scale)
    # The cheap coarsest scale gets the most iterations.
    assert per_scale[0] == max(per_scale)


def test_scale_steps_sum_to_steps_for_every_budget_that_works_today():
    for size in (320, 512):
        for steps in range(6, 3000):
            assert sum(StyleParams(size=size, steps=steps).scale_steps()) == steps, (size, steps)


@pytest.mark.parametrize(("size", "steps"), [(512, 1), (512, 2), (512, 3), (512, 5), (320, 1)])
def test_scale_steps_never_exceed_steps(size, steps):
    assert sum(StyleParams(size=size, steps=steps).scale_steps()) == steps


# --- serialisation -----------------------------------------------------------------------

NON_DEFAULT = StyleParams(
    size=333,
    steps=17,
    content_weight=2.5,
    style_weight=123.0,
    tv_weight=0.01,
    style_scale=0.5,
    style_blend=(0.25, 0.75),
    color="luminance",
    content_layers=("relu3_2", "relu4_2"),
    style_layers=("relu1_1", "relu3_1"),
    style_layer_weights=(2.0, 1.0),
    pooling="max",
    optimizer="adam",
    learning_rate=0.05,
    init="noise",
    multiscale=False,
    rank_rule=False,
    style_statistic="gram",
    min_scale_size=96,
    tile_size=256,
    seed=42,
    backbone="vgg19-torchvision",
    device="cpu",
    precision="fp32",
    preview_seconds=1.5,
    preview_every=3,
)


def test_non_default_fixture_really_differs_in_every_field():
    defaults = StyleParams()
    for field in dataclasses.fields(StyleParams):
        assert getattr(NON_DEFAULT, field.name) != getattr(defaults, field.name), field.name
    NON_DEFAULT.validate()


@pytest.mark.parametrize("params", [StyleParams(), NON_DEFAULT])
def test_json_round_trip(params):
    text = params.to_json()
    assert json.loads(text)["size"] == params.size
    again = StyleParams.from_json(text)
    assert again == params
    assert isinstance(again.style_layers, tuple) and isinstance(again.style_blend, tuple)


def test_from_dict_fills_defaults():
    assert StyleParams.from_dict({"size": 256}) == StyleParams(size=256)
    assert StyleParams.from_dict({}) == StyleParams()


def test_from_dict_rejects_unknown_keys_naming_them():
    with pytest.raises(ValueError, match="unknown parameter") as info:
        StyleParams.from_dict({"size": 256, "colour": "none", "zoom": 2})
    assert "colour" in str(info.value) and "zoom" in str(info.value)
    assert "size" not in str(info.value)


@pytest.mark.parametrize("text", ["", "{", "{'size': 1}", "not json", '{"size": 1,}'])
def test_from_json_rejects_invalid_json(text):
    with pytest.raises(ValueError, match="not valid JSON"):
        StyleParams.from_json(text)


@pytest.mark.parametrize("text", ["[]", "1", '"size"', "null"])
def test_from_json_rejects_non_objects(text):
    with pytest.raises(ValueError, match="JSON object"):
        StyleParams.from_json(text)


def test_from_json_rejects_unknown_keys():
    with pytest.raises(ValueError, match="bogus"):
        StyleParams.from_json('{"bogus": 1}')


# Every JSON value, in every field: from_dict builds valid params or raises a one-line
# ValueError that starts with the field's name, never a TypeError or a giant message.
JSON_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    7,
    10**30,
    1e308,
    -1e308,
    math.nan,
    math.inf,
    -math.inf,
    0.5,
    "",
    "many",
    "x" * 5000,
    "relu1_1",
    [],
    [1, 2],
    [1, -1],
    [0, 0],
    ["relu1_1"],
    [["relu1_1"]],
    [None],
    [{"a": 1}],
    {},
    {"a": [1, {"b": None}]},
    [[[[[[[[[[1]]]]]]]]]],
]


@pytest.mark.parametrize("value", JSON_VALUES, ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize("name", list(KNOBS))
def test_from_dict_answers_any_json_value_with_a_value_error_naming_the_field(name, value):
    try:
        params = StyleParams.from_dict({name: value})
    except ValueError as error:
        message = str(error)
        assert message.startswith(name) or message.startswith("content_weight and style_weight")
        assert "\n" not in message and len(message) < 250, message
    else:
        assert params.validate() is params


def test_from_dict_refuses_what_is_not_a_dict():
    for data in (None, [], "size", 3):
        with pytest.raises(ValueError, match="JSON object"):
            StyleParams.from_dict(data)


def test_from_dict_names_at_most_five_unknown_keys_shortly():
    with pytest.raises(ValueError, match="unknown parameter") as info:
        StyleParams.from_dict({f"k{i}" + "z" * 1000: 1 for i in range(40)})
    assert "and 35 more" in str(info.value) and len(str(info.value)) < 400


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_001, "too long"),
        ("[" * 50_000, "nested too deeply"),
        ('{"steps": ' + "9" * 5000 + "}", "unreadable"),
        (b'{"steps": "\xff\xfe"}'.decode("unicode_escape").encode("latin-1"), "unreadable"),
        ('{"style_weight": NaN}', "^style_weight must be between"),
        ('{"size": Infinity}', "^size must be an integer between"),
        ('{"style_weight": 1e999}', "^style_weight must be between"),
        ('{"steps": 1' + "0" * 4000 + "}", "^steps must be between 1 and 10000; got 1000"),
        ('{"style_blend": [1e308, 1e308]}', "^style_blend values are too large"),
        ('{"style_blend": [1' + "0" * 400 + "]}", "^style_blend values must be finite"),
    ],
    ids=lambda v: repr(v)[:24],
)
def test_from_json_refuses_hostile_text_in_one_short_line(text, message):
    with pytest.raises(ValueError, match=message) as info:
        StyleParams.from_json(text)
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


def test_from_json_refuses_what_is_not_text():
    with pytest.raises(ValueError, match="JSON text"):
        StyleParams.from_json(None)


def test_error_messages_show_long_values_shortened():
    with pytest.raises(ValueError, match=r"^color must be one of .*; got 'a+\.\.\.$"):
        StyleParams(color="a" * 10_000).validate()


def test_presets_validate():
    assert preset_for("cpu") == StyleParams()
    for kind in ("cuda", "mps"):
        gpu = preset_for(kind).validate()
        assert gpu.size > StyleParams().size


# --- the table of knobs ------------------------------------------------------------------


def test_every_field_has_a_knob_with_help():
    assert list(KNOBS) == [f.name for f in dataclasses.fields(StyleParams)]
    for name, knob in KNOBS.items():
        assert knob.help and "\n" not in knob.help, name
        assert knob.label or not knob.widget, f"{name}: a widget needs a label"


@pytest.mark.parametrize("name", [n for n, k in KNOBS.items() if k.ui and k.limits])
def test_slider_ranges_lie_inside_the_validated_range(name):
    low, high = LIMITS[name]
    ui_low, ui_high, step = KNOBS[name].ui
    assert low <= ui_low < ui_high <= high and step > 0
    assert ui_low <= getattr(StyleParams(), name) <= ui_high


def test_choices_are_the_literal_values():
    assert KNOBS["color"].choices == COLOR_MODES
    assert KNOBS["backbone"].choices == BACKBONES
    assert all(getattr(StyleParams(), n) in k.choices for n, k in KNOBS.items() if k.choices)


# --- dependencies ------------------------------------------------------------------------


def test_params_imports_neither_vgg_nor_torch():
    """params knows the layer names from style_core.layers, so it needs no network (and vgg,
    which imports params, forms no cycle with it). The package's __init__ imports everything,
    so the subprocess stands in a bare package to load params.py alone."""
    code = f"""
import sys, types
package = types.ModuleType("style_core")
package.__path__ = [{str(Path(style_core.params.__file__).parent)!r}]
sys.modules["style_core"] = package
import style_core.params
style_core.params.StyleParams(style_layers=("relu1_1", "pool5")).validate()
print(" ".join(sorted(m for m in sys.modules if m.startswith("style_core") or m == "torch")))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["style_core", "style_core.layers", "style_core.params"]


def test_vgg_still_exports_the_layer_names():
    from style_core import layers, vgg

    assert vgg.LAYER_NAMES is layers.LAYER_NAMES and vgg.CONV_NAMES is layers.CONV_NAMES


def test_colour_mode_linear_is_what_older_pngs_called_histogram():
    # The mode moves colour mean and covariance; it was misnamed "histogram" before 2026-12.
    assert StyleParams.from_dict({"color": "histogram"}).color == "linear"
    with pytest.raises(ValueError, match="color must be one of none, luminance, linear"):
        StyleParams(color="histogram").validate()
