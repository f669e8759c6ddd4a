"""Result PNGs on disk: a private folder made at start-up, kept to the newest few."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from style_core import Snapshot, StyleParams
from style_core.images import save_png

KEEP = 50  # result PNGs kept on a long-running server, the newest
# Made at import (start-up), readable only by this process's user: never a fixed name in the
# shared temp folder, where another user's symlink would be followed and another process's
# files pruned.
RESULTS_DIR = Path(tempfile.mkdtemp(prefix="style-transfer-results-"))


def save_result(snapshot: Snapshot, params: StyleParams, mask=None) -> str:
    """Write the finished image (settings and mask embedded) and return its path."""
    prune(RESULTS_DIR, KEEP - 1)  # and the one made now
    handle, name = tempfile.mkstemp(prefix="stylized-", suffix=".png", dir=RESULTS_DIR)
    os.close(handle)
    # The mask travels in the PNG, so "Restore settings" brings it back.
    return str(save_png(snapshot.image, name, params, mask=mask))


def prune(folder: Path, keep: int) -> None:
    """Remove all but the ``keep`` newest PNGs; a file that vanishes meanwhile is skipped."""
    dated = []
    for path in folder.glob("*.png"):
        try:
            dated.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue  # removed by a job finishing at the same moment
    for _, old in sorted(dated)[: max(0, len(dated) - keep)]:
        old.unlink(missing_ok=True)
