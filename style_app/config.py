"""Where the app runs and what it allows there: the device class, its preset and slider
ranges, and the server settings read from the environment. Nothing here touches CUDA."""

from __future__ import annotations

import os
from pathlib import Path

from style_core.devices import resolve_device
from style_core.params import KNOBS, preset_for

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
JOBS_PER_DEVICE = int(os.environ.get("STYLE_JOBS_PER_DEVICE", "1"))
QUEUE_SIZE = int(os.environ.get("STYLE_QUEUE_SIZE", "16"))
MAX_UPLOAD = os.environ.get("STYLE_MAX_UPLOAD", "20mb")


def on_zero_gpu() -> bool:
    """Whether this is a ZeroGPU Space, decided as the ``spaces`` package decides it
    (spaces 0.51.3, spaces/config.py): SPACES_ZERO_GPU is "1", "t" or "true", any case.
    Every Gradio Space has ``spaces`` installed, so whether it imports says nothing."""
    return os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "t", "true")


# On ZeroGPU the GPU is attached only inside @spaces.GPU functions, each in a worker process.
ZERO_GPU = on_zero_gpu()
ZERO_GPU_MAX_SECONDS = 300  # the longest duration ZeroGPU grants one call
# "cuda", "mps" or "cpu", as a job with device "auto" resolves it. is_available() does not
# create a CUDA context, so this is safe at import on ZeroGPU too.
DEVICE_KIND = resolve_device("auto").type
HAS_GPU = DEVICE_KIND != "cpu"
DEFAULTS = preset_for(DEVICE_KIND)
# A GPU affords longer and larger jobs than the table's CPU slider ranges (2048 px: scales
# past the device's memory are evaluated in tiles). On ZeroGPU a job that would not finish
# within one call's duration cap is refused up front (tests/test_app_zerogpu.py).
MAX_STEPS = (800 if ZERO_GPU else 2000) if HAS_GPU else int(KNOBS["steps"].ui[1])
MAX_SIZE = 4096 if HAS_GPU else int(KNOBS["size"].ui[1])
SLIDER_MAX = {"steps": MAX_STEPS, "size": MAX_SIZE}
