"""Make the README picture: run the app, load an example, let it finish, screenshot the page.

    python scripts/screenshot.py --out docs/screenshot.png

Starts ``app.py`` on a free port, waits for its warm-up (speed timed), drives Debian's
/usr/bin/chromium with Playwright, clicks an example in the Examples table (which starts a run with the default settings; Run is pressed
only if the click did not start one), waits until the status says Done and saves a full-page
screenshot.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from app_server import CHROMIUM_ARGS, running_app, wait_until  # noqa: E402

STATUS_JS = """() => [...document.querySelectorAll('[data-testid="markdown"]')]
  .map((el) => el.innerText.trim())
  .find((text) => /^(Pick a content|Iteration \\d+\\/\\d+|Done\\.)/.test(text)) || ''"""
RESULT_READY_JS = """() => {
  const label = [...document.querySelectorAll('[data-testid="block-label"]')]
    .find((el) => el.textContent.trim() === 'Result');
  const img = label?.closest('.block')?.querySelector('img');
  return Boolean(img && img.complete && img.naturalWidth > 0);
}"""


def _has_emoji_font() -> bool:
    try:
        fonts = subprocess.run(["fc-list"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return True  # cannot tell; do not warn
    return "emoji" in fonts.lower()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.jpg")
    parser.add_argument("--example", type=int, default=0, help="row of the Examples table")
    parser.add_argument("--width", type=int, default=1280, help="browser window width")
    parser.add_argument("--height", type=int, default=900, help="browser window height")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for Done")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    if not _has_emoji_font():
        print(
            "warning: no colour emoji font (apt install fonts-noto-color-emoji); "
            "the emoji in the page will show as boxes",
            file=sys.stderr,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    timeout_ms = args.timeout * 1000
    with running_app() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.set_default_timeout(timeout_ms)
            # As a visitor after the warm-up: times measured here, the Balanced job fitted.
            wait_until(lambda: "speed:" in server.log_tail(), 600, interval=0.5, what="warm-up")
            page.goto(server.url)
            page.get_by_role("button", name="Run").wait_for()
            page.get_by_text(re.compile(r"⏱ about \d+ s on this (CPU|GPU)$")).wait_for()

            cell = page.locator(f'[data-testid="dataset-cell-{args.example}-0"]')
            cell.click()
            print(f"{server.url}: loaded example {args.example}", file=sys.stderr)
            try:  # clicking an example starts a run in this app
                page.wait_for_function(
                    f"!({STATUS_JS})().startsWith('Pick a content')", polling=200, timeout=15_000
                )
            except Exception:
                page.get_by_role("button", name="Run").click()
            started = time.monotonic()
            page.wait_for_function(
                f"({STATUS_JS})().startsWith('Done.')", polling=500, timeout=timeout_ms
            )
            page.wait_for_function(RESULT_READY_JS, polling=200)
            status = page.evaluate(STATUS_JS)
            print(f"{status} (waited {time.monotonic() - started:.0f} s)", file=sys.stderr)
            page.mouse.move(0, 0)  # no hover highlight in the picture
            jpeg = args.out.suffix.lower() in (".jpg", ".jpeg")
            page.screenshot(path=args.out, full_page=True, quality=85 if jpeg else None)
        finally:
            browser.close()
    if not re.match(r"Done\.", status):
        return 1
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
