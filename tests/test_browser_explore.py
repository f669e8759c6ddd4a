"""The Explore tab in a real browser: it opens on the five finished results (each picture
loaded, not only laid out), and each experiment, run on new images at tiny settings, streams
its panels into a grid to Done; content reconstruction runs again with another noise seed.
Same browser, fixtures and gating as test_browser.py (skipped without Chromium, except on CI).
"""

from __future__ import annotations

import re

import pytest

pytest.register_assert_rewrite("app_server", "test_browser")

from app_server import CONTENT_EXAMPLE, STYLE_EXAMPLE  # noqa: E402
from test_browser import TIMEOUT_MS, browser, page  # noqa: E402, F401 - its fixtures, shared
from test_browser import wait_in as shared_wait_in  # noqa: E402

from style_core.explore import EXPERIMENTS  # noqa: E402

pytest_plugins = ["app_server"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IMAGES = {"photo": CONTENT_EXAMPLE, "style": STYLE_EXAMPLE}  # not the defaults: new images
# The least each experiment still shows itself with: 64 px panels, 5 steps (the sliders'
# least); two ratio columns; one feature map. The default layers stay (rows and panels).
TINY = {
    "content-layers": {"Panel size (px)": 64, "Steps per panel": 5},
    "texture-layers": {"Panel size (px)": 64, "Steps per panel": 5},
    "tradeoff": {
        "Panel size (px)": 64,
        "Steps per panel": 5,
        "Content/style weight ratios": "0.1 10",
    },
    "init": {"Panel size (px)": 64, "Steps per panel": 5},
    "network": {"Panel size (px)": 64, "Feature maps": 1},
}
# (panels, grid columns) those settings give
GRIDS = {
    "content-layers": (6, 6),  # the photo + 5 layers
    "texture-layers": (7, 7),  # the painting + 5 layer sets + the deepest with another seed
    "tradeoff": (6, 2),  # 3 layer-set rows x 2 ratios
    "init": (3, 3),  # from the photo, from noise, the loss curves
    "network": (5, 3),  # photo, 1 map, painting, Gram matrix, strongest patches
}

# Every status line each section shows, however briefly: window.exploreStatuses[name].
RECORD_STATUSES = """
(names) => {
  window.exploreStatuses = Object.fromEntries(names.map((name) => [name, []]));
  const record = () => {
    for (const name of names) {
      const seen = window.exploreStatuses[name];
      const section = document.getElementById('explore-' + name);
      for (const el of section.querySelectorAll('[data-testid="markdown"]')) {
        const text = el.innerText.trim();
        if (/^(Panel \\d+\\/\\d+|Done\\. \\d+ panels)/.test(text) && seen.at(-1) !== text) {
          seen.push(text);
        }
      }
    }
  };
  new MutationObserver(record).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}
"""


def open_explore(tab) -> None:
    tab.get_by_role("tab", name="Explore").click()
    tab.locator("#explore-network").wait_for()
    tab.evaluate(RECORD_STATUSES, list(EXPERIMENTS))


def finished_image(tab, name: str):
    return tab.locator(f'#explore-{name} img[src*="{name}.jpg"]')


def wait_until_shown(tab, name: str) -> None:
    """Wait until the section shows its finished picture: arrived (not only laid out), and
    at a readable width."""
    tab.wait_for_function(
        """(name) => [...document.querySelectorAll(`#explore-${name} img[src*="${name}.jpg"]`)]
              .some((img) => img.complete && img.naturalWidth > 0
                             && img.getBoundingClientRect().width > 200)""",
        arg=name,
        polling=100,
        timeout=TIMEOUT_MS,
    )


def test_explore_opens_on_the_five_finished_results(page):  # noqa: F811 - the fixture
    open_explore(page)
    # The first grid shows at once, with no scrolling (galleries in preview mode used to
    # scroll the tab to its end on opening, and the first grids' lazy images never loaded).
    wait_until_shown(page, "content-layers")
    assert page.evaluate("window.scrollY") == 0
    first = finished_image(page, "content-layers")
    assert first.evaluate("(img) => img.getBoundingClientRect().bottom <= window.innerHeight")
    # Each of the five pictures loads when the visitor scrolls to it.
    for name in EXPERIMENTS:
        finished_image(page, name).first.scroll_into_view_if_needed()
        wait_until_shown(page, name)
        assert finished_image(page, name).count() == 1, name  # one picture, no gallery strip


def set_value(section, label: str, value) -> None:
    if isinstance(value, str):  # a text box
        box = section.get_by_role("textbox", name=label)
    else:  # a slider's number box
        box = section.get_by_label(f"number input for {label}")
    box.fill(str(value))
    box.press("Enter")
    assert box.input_value() == str(value)


GRID = """(section) => {
  const images = [...section.querySelectorAll('[aria-label^="Thumbnail "] img')];
  return {
    srcs: images.map((img) => img.getAttribute('src')),
    loaded: images.every((img) => img.complete && img.naturalWidth > 0),
    broken: images.filter((img) => img.complete && img.naturalWidth === 0).map((img) => img.alt),
    rows: new Set(images.map((img) => Math.round(img.getBoundingClientRect().top))).size,
    captions: images.map((img) => img.getAttribute('alt')),
    preview: section.querySelector('[data-testid="detailed-image"]') !== null,
  };
}"""


def wait_in(section, condition: str, arg, what: str) -> None:
    """test_browser's wait_in, its failure naming the gallery's pictures too."""
    shared_wait_in(section, condition, arg, what, lambda s: f"its gallery: {s.evaluate(GRID)}")


def wait_for_done(section, name: str, runs: int = 1) -> list[str]:
    """Wait until the section has said Done ``runs`` times; its status lines so far."""
    wait_in(
        section,
        "(section, [name, runs]) => window.exploreStatuses[name]"
        ".filter((text) => text.startsWith('Done.')).length >= runs",
        [name, runs],
        f"{name} to say Done {runs} time(s)",
    )
    return section.page.evaluate("(name) => window.exploreStatuses[name]", name)


def grid(section, panels: int) -> dict:
    """What the run's gallery shows once it holds ``panels`` pictures, all loaded, as a grid
    (not Gradio's preview mode, one big picture): their files and captions and the rows they
    lie in."""
    count = f"(section, panels) => ({GRID})(section).srcs.length >= panels"
    wait_in(section, count, panels, f"{panels} panels in the gallery")
    assert not section.evaluate(GRID)["preview"], "the run's panels show in preview mode"
    section.locator('[aria-label^="Thumbnail "]').first.scroll_into_view_if_needed()
    settled = f"(section) => {{ const grid = ({GRID})(section); return grid.loaded || grid.broken.length > 0; }}"
    wait_in(section, settled, None, "the panels to load")
    shown = section.evaluate(GRID)
    assert not shown["broken"], f"broken panels (served empty?): {shown}"
    assert len(shown["srcs"]) == panels, shown
    return shown


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_each_experiment_runs_on_new_images_and_streams_a_grid_to_done(page, name):  # noqa: F811
    open_explore(page)
    spec = EXPERIMENTS[name]
    section = page.locator(f"#explore-{name}")
    section.scroll_into_view_if_needed()
    for index, role in enumerate(spec.images):
        section.locator('input[type="file"]').nth(index).set_input_files(IMAGES[role])
    for label, value in TINY[name].items():
        set_value(section, label, value)
    section.get_by_role("button", name="Start", exact=True).click()

    statuses = wait_for_done(section, name)
    panels, columns = GRIDS[name]
    assert any(text.startswith("Panel ") for text in statuses), statuses  # it streamed
    assert statuses[-1].startswith(f"Done. {panels} panels"), statuses
    # The panels as a grid (not one big preview), each loaded, in the experiment's rows.
    shown = grid(section, panels)
    assert shown["rows"] == -(-panels // columns), shown
    assert finished_image(page, name).count() == 0 or not finished_image(page, name).is_visible()
    if name == "content-layers":
        another_seed(section, shown)
    if spec.derive:  # init: both runs' loss curves drawn, each in its own colour
        strokes = section.evaluate(
            "(s) => [...s.querySelectorAll('.mark-line path')].map((p) => p.getAttribute('stroke'))"
        )
        assert len(strokes) == 2 and all(strokes) and len(set(strokes)) == 2, strokes


def another_seed(section, first: dict) -> None:
    """Same layers, another noise seed: the seed goes up by one, the run streams again, and
    new reconstructions (with the same captions) replace the first ones."""
    seed = section.get_by_label("Noise seed")
    assert seed.input_value() == "0"
    section.get_by_role("button", name="Same layers, another noise seed").click()
    statuses = wait_for_done(section, "content-layers", runs=2)
    assert seed.input_value() == "1"
    assert re.match(r"Done\. 6 panels in [\d.]+ s · seed 1$", statuses[-1]), statuses
    assert any(text.startswith("Panel ") and "seed 1" in text for text in statuses), statuses
    again = grid(section, len(first["srcs"]))
    assert again["captions"] == first["captions"], again
    # Files are named by content: the photo is the same picture, every reconstruction new.
    assert again["srcs"][0] == first["srcs"][0], (again, first)
    assert not set(again["srcs"][1:]) & set(first["srcs"][1:]), (again, first)
