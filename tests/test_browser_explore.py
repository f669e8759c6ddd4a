"""The Explore tab in a real browser: it opens on the five finished results, and one experiment
run on new settings streams its panels to Done. Same browser, fixtures and gating as
test_browser.py (skipped without Chromium, except on CI)."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("app_server", "test_browser")

from test_browser import TIMEOUT_MS, browser, page  # noqa: E402, F401 - its fixtures, shared

from style_core.explore import EXPERIMENTS  # noqa: E402

pytest_plugins = ["app_server"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every status line of the Explore tab the page shows, however briefly.
RECORD_STATUSES = """
() => {
  window.exploreStatuses = [];
  const record = () => {
    for (const el of document.querySelectorAll('[data-testid="markdown"]')) {
      const text = el.innerText.trim();
      if (/^(Panel \\d+\\/\\d+|Done\\. \\d+ panels)/.test(text)
          && window.exploreStatuses[window.exploreStatuses.length - 1] !== text) {
        window.exploreStatuses.push(text);
      }
    }
  };
  new MutationObserver(record).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}
"""


def test_explore_opens_on_the_finished_results_and_a_run_streams_to_done(page):  # noqa: F811 - the fixture
    page.get_by_role("tab", name="Explore").click()
    # The five finished grids (examples/explore/<name>.jpg) show at once, nothing run.
    names = list(EXPERIMENTS)
    page.wait_for_function(
        """(names) => names.every((name) => [...document.querySelectorAll('img')]
              .some((img) => (img.getAttribute('src') || '').includes(name + '.jpg')
                             && img.getBoundingClientRect().width > 0))""",
        arg=names,
        timeout=TIMEOUT_MS,
    )
    page.evaluate(RECORD_STATUSES)

    # Content reconstruction at a small size (the first experiment's sliders come first).
    section = names.index("content-layers")
    for label, value in (("Panel size (px)", 96), ("Steps per panel", 20)):
        box = page.get_by_label(f"number input for {label}").nth(section)
        box.fill(str(value))
        box.press("Enter")
    page.get_by_role("button", name="Start", exact=True).nth(section).click()
    page.wait_for_function(
        "window.exploreStatuses.some((t) => t.startsWith('Done.'))",
        polling=100,
        timeout=TIMEOUT_MS,
    )
    statuses = page.evaluate("window.exploreStatuses")
    assert any(text.startswith("Panel ") for text in statuses), statuses  # it streamed
    assert statuses[-1].startswith("Done. 6 panels"), statuses  # photo + 5 layers
    captions = page.get_by_text("from relu5_2")
    assert captions.count() >= 1
