"""The Explore gallery's pictures as files, each written once, whole, before Gradio sees it.

An experiment streams every panel in every frame, most of them unchanged since the last one.
Handed a PIL image, Gradio 6.31 (``processing_utils.save_pil_to_cache``) re-encodes it and
rewrites its cache file in place on every frame, so a browser fetching that file at the
moment of a rewrite got an empty body and showed a broken panel (seen in Chromium under
load, one run in three). Handed a file path, Gradio copies it into its cache once, under a
temporary name renamed into place, and hands out the existing copy afterwards. So each
distinct picture becomes one file here, named by its pixels, in a folder of the run's own
that goes when the run ends.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

WEBP_QUALITY = 90  # Gradio's gallery sends WebP too; 90 keeps small panels' detail


class PanelFiles:
    """One run's panel pictures on disk (use as a context manager: the folder goes at exit).

    Pictures are recognised by their pixels, not by object: on ZeroGPU each frame arrives
    from the GPU worker as new objects."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="explore-panels-"))
        self.paths: dict[str, str] = {}

    def __enter__(self) -> PanelFiles:
        return self

    def __exit__(self, *exc: Any) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def path(self, image: Image.Image) -> str:
        """The file that holds ``image``, written the first time it is seen."""
        digest = hashlib.sha1(image.tobytes(), usedforsecurity=False)
        digest.update(f"{image.mode} {image.size}".encode())
        key = digest.hexdigest()
        if key not in self.paths:
            target = self.folder / f"{key}.webp"
            staging = self.folder / f".{key}.webp"
            image.save(staging, "WEBP", quality=WEBP_QUALITY)
            os.replace(staging, target)  # whole or not at all, should anything read it early
            self.paths[key] = str(target)
        return self.paths[key]

    def gallery(self, items: list[tuple[Image.Image, str]]) -> list[tuple[str, str]]:
        """(picture, caption) gallery items -> (file path, caption)."""
        return [(self.path(image), caption) for image, caption in items]
