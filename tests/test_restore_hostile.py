"""Result PNGs with crafted settings (tests/hostile_corpus.py ``SETTINGS_CASES``), read back.

``read_params`` answers each hostile PNG with one short ValueError (an ImageError when the
file is no readable PNG) that names the problem, never another exception; the app's "Restore
settings" turns that into one gr.Error sentence. The valid-but-odd PNGs restore, and no
widget value they produce is NaN or infinite.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from hostile_corpus import SETTINGS_BY_NAME, SETTINGS_CASES

from style_core import ImageError, read_params

HOSTILE = [case.name for case in SETTINGS_CASES if case.words]
VALID = [case.name for case in SETTINGS_CASES if not case.words]
FILE_CASES = {"header 100000x100000", "header 10000x6000", "truncated", "zero bytes", "jpeg"}
FILE_CASES |= {"text file", "ztxt settings bomb", "ztxt settings bomb after pixels"}


def restore_settings(path: str) -> list:
    # The app is being split into the style_app package; either home serves.
    try:
        from style_app.restore import restore_settings as restore
    except ImportError:
        from app import restore_settings as restore
    return restore(path)


@pytest.fixture(scope="module")
def pngs(tmp_path_factory) -> dict[str, Path]:
    """Every case written as result_<n>.png (the jpeg too: uploads keep whatever name)."""
    folder = tmp_path_factory.mktemp("crafted")
    paths = {}
    for number, case in enumerate(SETTINGS_CASES):
        paths[case.name] = folder / f"result_{number}.png"
        paths[case.name].write_bytes(case.make())
    return paths


def assert_one_clear_line(message: str, name: str, path: Path) -> None:
    case = SETTINGS_BY_NAME[name]
    assert message and message.strip() == message and "\n" not in message, message
    assert len(message) < 200, message
    assert "Traceback" not in message and str(path.parent) not in message, message
    assert path.name not in message, message
    for word in case.words:
        assert word in message, f"{name}: {word!r} not in {message!r}"


def finite_everywhere(value: Any) -> bool:
    """No NaN or infinity in a returned widget value (numbers, lists, gr.update dicts)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(finite_everywhere(item) for item in value)
    if isinstance(value, dict):
        return all(finite_everywhere(item) for item in value.values())
    return True


# --- read_params ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_read_params_refuses_with_one_clear_line(pngs, name):
    with pytest.raises(ValueError) as caught:
        read_params(pngs[name])
    assert_one_clear_line(str(caught.value), name, pngs[name])
    # A file that is no readable PNG is an ImageError naming the file's role.
    if name in FILE_CASES:
        assert isinstance(caught.value, ImageError)
        assert str(caught.value).startswith("result PNG: ")


@pytest.mark.parametrize("name", VALID)
def test_read_params_returns_validated_settings(pngs, name):
    params = read_params(pngs[name])
    assert params is not None and params.validate() is params


def test_read_params_of_an_in_memory_picture_is_validated_too(pngs):
    from PIL import Image

    with Image.open(pngs["style weight NaN"]) as image:
        image.load()
        copy = image.copy()  # no format: its text is only in .info
    assert copy.format is None and "parameters" in copy.info
    with pytest.raises(ValueError, match="^style_weight must be between"):
        read_params(copy)


def test_the_crafted_pngs_of_the_issue_are_all_here():
    from_issue = {case.name for case in SETTINGS_CASES if case.from_issue}
    assert from_issue == {
        "blend 0 0",
        "blend 1 -1",
        "steps many",
        "size list",
        "style layers int",
        "header 100000x100000",
        "style weight NaN",
    }
    assert len(HOSTILE) >= 40 and len(VALID) >= 5


# --- the app's Restore ----------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_restore_answers_with_one_gradio_error(pngs, name):
    with pytest.raises(gr.Error) as caught:
        restore_settings(str(pngs[name]))
    assert_one_clear_line(caught.value.message, name, pngs[name])


@pytest.mark.parametrize("name", VALID)
def test_restore_of_odd_but_valid_settings_has_no_nan(pngs, name):
    *values, note = restore_settings(str(pngs[name]))
    assert note.startswith("Settings restored from the PNG.")
    assert "\n" not in note and "nan" not in note.lower() and "inf" not in note.lower(), note
    assert finite_everywhere(values), values
