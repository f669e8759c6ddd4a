"""Precompute the example results the demo shows before anyone clicks.

python scripts/make_example_results.py          # the first example pair (the landing page)
python scripts/make_example_results.py --all    # every pair in examples.EXAMPLE_PAIRS

Each result is made at the engine's default settings (``StyleParams()``) on this machine's
default device and written as examples/result_<content>_<style>.jpg. Rerun it after the
engine's defaults change, so that the page never shows a picture the app would not make.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from style_app import config, examples  # noqa: E402
from style_core import StyleParams, run  # noqa: E402

JPEG_QUALITY = 88  # about 100 KB at 512 px: small enough to ship in the repository


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="every example pair, not the first")
    args = parser.parse_args()
    pairs = examples.EXAMPLE_PAIRS if args.all else examples.EXAMPLE_PAIRS[:1]
    params = StyleParams()
    for content, style in pairs:
        started = time.perf_counter()
        result = run(
            config.EXAMPLES / f"content_{content}.jpg",
            config.EXAMPLES / f"style_{style}.jpg",
            params,
        )
        out = examples.result_path(content, style)
        result.save(out, quality=JPEG_QUALITY, optimize=True)
        seconds = time.perf_counter() - started
        print(f"{out.relative_to(ROOT)}: {result.width}x{result.height}, {seconds:.0f} s")


if __name__ == "__main__":
    main()
