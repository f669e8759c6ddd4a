"""The Video tab in a real browser: it opens on the example clip's finished result; a clip
uploaded and run streams its frames, Stop leaves a playable video of the frames done, and a
run to the end gives every frame. Same browser, fixtures and gating as test_browser.py."""

from __future__ import annotations

import re

import pytest
from clips import scenes, write_video

pytest.register_assert_rewrite("app_server", "test_browser")

from app_server import STYLE_EXAMPLE  # noqa: E402
from test_browser import browser, page, wait_in  # noqa: E402, F401 - its fixtures, shared

from style_app.video_tab import EXAMPLE_RESULT  # noqa: E402
from style_core.video_io import probe  # noqa: E402

pytest_plugins = ["app_server"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FRAMES = 16
STATUS = """(tab) => [...tab.querySelectorAll('[data-testid="markdown"]')]
  .map((el) => el.innerText.trim())
  .find((text) => /^(Frame \\d+\\/\\d+|Done\\. \\d+ frames)/.test(text)) || ''"""


def in_tab(tab, label: str):
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    # The inner locator is matched inside each block: rooted at the page, not the tab.
    return tab.locator(".block").filter(
        has=tab.page.locator('[data-testid="block-label"]', has_text=exact)
    )


def set_number(tab, label: str, value: int) -> None:
    box = tab.get_by_label(f"number input for {label}")
    box.fill(str(value))
    box.press("Enter")
    assert box.input_value() == str(value)


def wait_for_status(tab, pattern: str) -> None:
    wait_in(
        tab,
        f"(tab, pattern) => new RegExp(pattern).test(({STATUS})(tab))",
        pattern,
        f"a status matching {pattern!r}",
    )


def video_frames(tab, tmp_path, name: str) -> int:
    """Frames of the video the "Styled video" box shows now, fetched as a visitor would."""
    video = in_tab(tab, "Styled video (the frames done so far)").locator("video")
    video.wait_for()
    response = tab.page.request.get(video.get_attribute("src"))
    assert response.ok
    (path := tmp_path / name).write_bytes(response.body())
    return probe(path).frames


def test_video_tab_streams_frames_and_stop_leaves_a_playable_video(page, tmp_path):  # noqa: F811
    page.get_by_role("tab", name="Video").click()
    tab = page.locator("#video-tab")
    if EXAMPLE_RESULT.is_file():  # the finished example, shown on first sight
        shown = in_tab(tab, "Styled video (the frames done so far)").locator("video")
        assert EXAMPLE_RESULT.name in (shown.get_attribute("src") or "")
    clip = write_video(tmp_path / "clip.mp4", scenes(FRAMES))
    in_tab(tab, "Clip").locator('input[type="file"]').set_input_files(str(clip))
    in_tab(tab, "Style").locator('input[type="file"]').set_input_files(STYLE_EXAMPLE)
    tab.get_by_text(re.compile(rf"for {FRAMES} frames")).wait_for()  # the estimate
    set_number(tab, "Frame size (long side, px)", 64)
    set_number(tab, "Steps for the first frame", 3)
    set_number(tab, "Steps for later frames", 20)

    tab.get_by_role("button", name="Run").click()
    wait_for_status(tab, r"^Frame 4/16")  # three frames done
    tab.get_by_role("button", name="Stop").click()
    stopped = video_frames(tab, tmp_path, "stopped.mp4")
    assert 3 <= stopped < FRAMES

    set_number(tab, "Steps for later frames", 2)
    tab.get_by_role("button", name="Run").click()
    wait_for_status(tab, rf"^Done\. {FRAMES} frames")
    assert video_frames(tab, tmp_path, "whole.mp4") == FRAMES
