"""Where the app runs and what it allows there: the device class, its preset and slider
ranges, and the server settings read from the environment. Nothing here touches CUDA."""

from __future__ import annotations

import os
from pathlib import Path

from style_core.devices import resolve_device
from style_core.params import KNOBS, preset_for

try:  # Hugging Face ZeroGPU: the GPU is attached only inside @spaces.GPU functions.
    import spaces
except ImportError:
    spaces = None

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
JOBS_PER_DEVICE = int(os.environ.get("STYLE_JOBS_PER_DEVICE", "1"))
QUEUE_SIZE = int(os.environ.get("STYLE_QUEUE_SIZE", "16"))
MAX_UPLOAD = os.environ.get("STYLE_MAX_UPLOAD", "20mb")

# "cuda", "mps" or "cpu", as a job with device "auto" resolves it. is_available() does not
# create a CUDA context, so this is safe at import on ZeroGPU too.
DEVICE_KIND = resolve_device("auto").type
HAS_GPU = DEVICE_KIND != "cpu"
DEFAULTS = preset_for(DEVICE_KIND)
# A GPU affords longer and larger jobs than the table's CPU slider ranges.
MAX_STEPS = 2000 if HAS_GPU else int(KNOBS["steps"].ui[1])
MAX_SIZE = 2048 if HAS_GPU else int(KNOBS["size"].ui[1])
SLIDER_MAX = {"steps": MAX_STEPS, "size": MAX_SIZE}
