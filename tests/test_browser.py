"""The app in a real browser: upload, Run, live updates, Done, then Run again and Stop; paint a mask;
enlarge a result.

Drives Debian's /usr/bin/chromium with Playwright (no browser download). Without it the test
is skipped, except on CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
from PIL import Image

pytest.register_assert_rewrite("app_server")  # before the import below: no rewrite warning

from app_server import CHROMIUM_ARGS, CONTENT_EXAMPLE, STYLE_EXAMPLE, wait_until  # noqa: E402

from style_app.speed import QUALITIES  # noqa: E402
from style_core import StyleParams  # noqa: E402

pytest_plugins = ["app_server"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 90_000  # generous: the CPU is shared with the server and the optimisation

# Page-side helpers: the result image and the status line, found by what a person sees.
PAGE_HELPERS = """
() => {
  const block = (label) => [...document.querySelectorAll('[data-testid="block-label"]')]
    .find((el) => el.textContent.trim() === label)?.closest('.block');
  window.resultSrc = () => block('Result')?.querySelector('img')?.getAttribute('src') || null;
  window.statusText = () => [...document.querySelectorAll('[data-testid="markdown"]')]
    .map((el) => el.innerText.trim())
    .find((text) => /^(Pick a content|Iteration \\d+\\/\\d+|Done\\.)/.test(text)) || '';
  // Record every result image the page shows, however briefly.
  window.seenSrcs = [];
  const record = () => {
    const src = window.resultSrc();
    if (src && window.seenSrcs[window.seenSrcs.length - 1] !== src) window.seenSrcs.push(src);
  };
  new MutationObserver(record).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['src'],
  });
  record();
}
"""


def missing_browser(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required on CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        missing_browser(f"{CHROMIUM} is not installed (apt install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_browser("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    # A visitor after the warm-up: the page load then fills in times measured on this machine
    # (and the quality's steps and size), which the tests must not race.
    wait_until(lambda: "speed:" in app_server.log(), 300, interval=0.5, what="the warm-up")
    page.goto(app_server.url)
    page.get_by_role("button", name="Run").wait_for()
    page.get_by_text(re.compile(r"⏱ about \d+ s on this (CPU|GPU)$")).wait_for()
    page.evaluate(PAGE_HELPERS)
    yield page
    context.close()


def block(page, label: str):
    """The component whose label reads exactly ``label``."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    return page.locator(".block").filter(
        has=page.locator('[data-testid="block-label"]', has_text=exact)
    )


def set_slider(page, label: str, value: int) -> None:
    box = page.get_by_label(f"number input for {label}")
    box.fill(str(value))
    box.press("Enter")
    assert box.input_value() == str(value)


def run_until_done(page) -> None:
    """Press Run; wait until at least two new result images have streamed in (a preview and
    the final one; the precomputed example, if shown, does not count) and the status says Done."""
    shown_before = page.evaluate("window.seenSrcs.length")
    page.get_by_role("button", name="Run").click()
    page.wait_for_function(
        f"window.seenSrcs.length >= {shown_before + 2} && window.statusText().startsWith('Done.')",
        polling=100,
        timeout=TIMEOUT_MS,
    )


def wait_in(section, condition: str, arg, what: str, shows=None) -> None:
    """Wait until the JS function ``condition(section, arg)`` holds in the page; on a timeout,
    fail saying what was awaited and what the section reads (``shows(section)``: more)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        section.page.wait_for_function(
            f"([section, arg]) => ({condition})(section, arg)",
            arg=[section.element_handle(), arg],
            polling=100,
            timeout=TIMEOUT_MS,
        )
    except PlaywrightTimeout:
        seen = f"; {shows(section)}" if shows else ""
        pytest.fail(
            f"timed out waiting for {what}; the section reads ...{section.inner_text()[-600:]!r}"
            + seen
        )


def status(page) -> str:
    return page.evaluate("window.statusText()")


def iteration(text: str) -> tuple[int, int] | None:
    match = re.match(r"Iteration (\d+)/(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def wait_for_idle_server(app_server, when: str) -> None:
    """Wait until the server process uses (almost) no CPU over a 1.5 s window."""
    samples: list[tuple[float, float]] = []

    def server_idle() -> bool:
        now = time.monotonic()
        samples.append((now, app_server.cpu_seconds()))
        window = [cpu for at, cpu in samples if now - at <= 1.5]
        return now - samples[0][0] >= 1.0 and len(window) >= 4 and window[-1] - window[0] < 0.3

    wait_until(server_idle, 30, interval=0.25, what=f"the server to go idle {when}")


def test_run_streams_to_done_then_stop_halts_a_second_run(page, app_server, tmp_path):
    from playwright.sync_api import expect

    # The page opened at Balanced, with Balanced's content weight (not the default job's).
    content_weight = page.get_by_label("number input for Content weight")
    assert float(content_weight.input_value()) == QUALITIES["Balanced"].content_weight
    assert QUALITIES["Balanced"].content_weight != StyleParams().content_weight

    # Pick the two images and small settings, as a person would.
    block(page, "Content").locator('input[type="file"]').set_input_files(CONTENT_EXAMPLE)
    block(page, "Style").locator('input[type="file"]').set_input_files(STYLE_EXAMPLE)
    expect(block(page, "Content").locator("img")).to_be_visible()
    expect(block(page, "Style").locator("img")).to_be_visible()
    set_slider(page, "Steps (iterations)", 40)
    set_slider(page, "Output size (long side, px)", 128)
    assert status(page).startswith("Pick a content")

    # Run: the result image changes as the picture forms, then the status says Done.
    run_until_done(page)
    assert re.match(r"Done\. Scale 1/1 \(128×\d+\)", status(page)), status(page)
    download = block(page, "Full-size PNG (settings embedded)")
    expect(download.get_by_role("link")).to_have_attribute(
        "href", re.compile(r"/stylized-[\w-]+\.png$")
    )
    first_run_images = page.evaluate("window.seenSrcs.length")

    # A longer second run: wait for its first new image, then press Stop.
    set_slider(page, "Steps (iterations)", 1000)
    page.get_by_role("button", name="Run").click()
    page.wait_for_function(
        f"window.seenSrcs.length > {first_run_images} && "
        "/^Iteration \\d+\\/1000/.test(window.statusText())",
        polling=100,
        timeout=TIMEOUT_MS,
    )
    page.get_by_role("button", name="Stop").click()

    # The status stops advancing: unchanged over a couple of seconds of polling.
    history: list[tuple[float, str]] = []

    def settled() -> bool:
        now, text = time.monotonic(), status(page)
        if not history or history[-1][1] != text:
            history.append((now, text))
        return now - history[-1][0] >= 2.0

    wait_until(settled, 30, interval=0.2, what="the status to stop changing after Stop")
    stopped = status(page)
    assert "Done" not in stopped, stopped
    done, total = iteration(stopped)
    assert total == 1000 and done < total

    # ... and the server really stopped working on it (no hidden run behind the page).
    wait_for_idle_server(app_server, "after Stop")
    assert status(page) == stopped

    # The last image stays on screen.
    last_src = page.evaluate("window.seenSrcs[window.seenSrcs.length - 1]")
    result = block(page, "Result").locator("img")
    expect(result).to_be_visible()
    assert result.get_attribute("src") == last_src
    assert result.evaluate("img => img.complete && img.naturalWidth > 0")

    shot = tmp_path / "app.png"
    page.screenshot(path=shot, full_page=True)
    with Image.open(shot) as picture:
        assert picture.width >= 1280 and picture.height >= 900


def test_closing_the_tab_stops_the_run(page, app_server):
    """A visitor who closes the tab mid-run frees the server: the job is cancelled."""
    block(page, "Content").locator('input[type="file"]').set_input_files(CONTENT_EXAMPLE)
    block(page, "Style").locator('input[type="file"]').set_input_files(STYLE_EXAMPLE)
    set_slider(page, "Steps (iterations)", 1000)
    set_slider(page, "Output size (long side, px)", 256)
    page.get_by_role("button", name="Run").click()
    page.wait_for_function(
        "/^Iteration \\d+\\/1000/.test(window.statusText())", polling=100, timeout=TIMEOUT_MS
    )
    page.close()

    # 1000 steps at 256 px would take minutes; idle within seconds means it was cancelled.
    wait_for_idle_server(app_server, "after the tab closed")


def paint_stroke(page, canvas_label: str) -> None:
    """Drag the brush across the middle of the picture, as a person would."""
    canvas = block(page, canvas_label).last.locator("canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(x + step * box["width"] * 0.02, y - step * 2)
    page.mouse.up()


def test_a_painted_stroke_becomes_the_mask_and_the_run_streams(page, tmp_path):
    from playwright.sync_api import expect

    block(page, "Content").locator('input[type="file"]').set_input_files(CONTENT_EXAMPLE)
    block(page, "Style").locator('input[type="file"]').set_input_files(STYLE_EXAMPLE)
    set_slider(page, "Steps (iterations)", 20)
    set_slider(page, "Output size (long side, px)", 128)
    page.get_by_text("Paint where the style goes").click()
    canvas_label = "Paint the region that takes the style"
    # The canvas shows the content once it has arrived.
    expect(block(page, canvas_label).last.locator("canvas").first).to_be_visible()
    mask = block(page, "Mask (white = style)").last
    expect(mask.locator("img")).to_have_count(0)
    paint_stroke(page, canvas_label)

    run_until_done(page)
    assert re.match(r"Done\. Scale 1/1 \(128×\d+\)", status(page)), status(page)
    # The stroke became the mask: white where painted, black elsewhere.
    expect(mask.locator("img")).to_have_count(1)
    shot = tmp_path / "mask.png"
    mask.locator("img").screenshot(path=shot)
    with Image.open(shot) as picture:
        low, high = picture.convert("L").getextrema()
    assert low < 30 and high > 225, (low, high)

    # The canvas's clear keeps the picture and drops the paint and the mask.
    block(page, canvas_label).last.get_by_role("button", name="Clear canvas").click()
    expect(mask.locator("img")).to_have_count(0)
    expect(block(page, canvas_label).last.locator("canvas").first).to_be_visible()


def test_a_layer_weight_the_job_would_not_use_is_greyed_out(page):
    """relu5_1 has too few positions in any style at 512 px (the rank rule leaves it out), so
    its weight slider is greyed out, with the reason; at 1024 px it is used and comes back."""
    page.get_by_text("Advanced", exact=True).click()
    weight = page.get_by_label("number input for Style layer weight relu5_1")
    set_slider(page, "Output size (long side, px)", 512)
    page.wait_for_function(
        "document.querySelector('[aria-label=\"number input for Style layer weight relu5_1\"]')"
        ".disabled",
        polling=100,
    )
    assert page.get_by_text("Not used at 512 px").count() >= 1
    assert not page.get_by_label("number input for Style layer weight relu4_1").is_disabled()
    set_slider(page, "Output size (long side, px)", 1024)
    page.wait_for_function(
        "!document.querySelector('[aria-label=\"number input for Style layer weight relu5_1\"]')"
        ".disabled",
        polling=100,
    )
    assert not weight.is_disabled()


def test_enlarge_continues_the_result_at_twice_its_size(page, tmp_path):
    """Enlarge 2× after a tiny job: the status says what it enlarges, streams to Done, and the
    download becomes the PNG at twice the size, its embedded settings saying so."""
    from playwright.sync_api import expect

    from style_core import read_params

    block(page, "Content").locator('input[type="file"]').set_input_files(CONTENT_EXAMPLE)
    block(page, "Style").locator('input[type="file"]').set_input_files(STYLE_EXAMPLE)
    set_slider(page, "Steps (iterations)", 10)
    set_slider(page, "Output size (long side, px)", 128)
    run_until_done(page)
    link = block(page, "Full-size PNG (settings embedded)").get_by_role("link")
    expect(link).to_have_attribute("href", re.compile(r"/stylized-[\w-]+\.png$"))
    first_href = link.get_attribute("href")

    def fetch(href: str, name: str) -> Path:
        response = page.request.get(urljoin(page.url, href))
        assert response.ok, (href, response.status)
        (path := tmp_path / name).write_bytes(response.body())
        return path

    with Image.open(fetch(first_href, "first.png")) as first:
        side = max(first.size)
    assert side == 128

    def factor(label: str):
        return page.get_by_role("radio", name=label, exact=True)

    # The factors name the sizes they give this result.
    expect(factor(f"2× → {2 * side} px")).to_be_visible()
    expect(factor(f"4× → {4 * side} px")).to_be_visible()
    factor(f"2× → {2 * side} px").check()

    shown_before = page.evaluate("window.seenSrcs.length")
    page.get_by_role("button", name="Enlarge", exact=True).click()
    note = f"Enlarging the {side} px result to {2 * side} px"
    page.wait_for_function(
        f"/^Iteration \\d+\\/\\d+/.test(window.statusText()) && "
        f"window.statusText().includes({note!r})",
        polling=100,
        timeout=TIMEOUT_MS,
    )
    page.wait_for_function(
        f"window.seenSrcs.length > {shown_before} && window.statusText().startsWith('Done.')",
        polling=100,
        timeout=TIMEOUT_MS,
    )
    assert note in status(page), status(page)
    assert re.match(rf"Done\. Scale \d+/\d+ \({2 * side}×\d+\)", status(page)), status(page)

    # The download is now the enlarged PNG, and the factors offer to enlarge that one.
    expect(link).not_to_have_attribute("href", first_href)
    expect(link).to_have_attribute("href", re.compile(r"\.png$"))
    expect(factor(f"2× → {4 * side} px")).to_be_visible()
    enlarged = fetch(link.get_attribute("href"), "enlarged.png")
    with Image.open(enlarged) as picture:
        assert max(picture.size) == 2 * side, picture.size
    assert read_params(enlarged).size == 2 * side
