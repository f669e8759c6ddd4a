"""The Gradio demo for style_core, one concern per module.

``config`` (where it runs, what it allows), ``settings`` (widget values <-> StyleParams),
``widgets`` (the settings' widgets and their error messages), ``speed`` (the cost model timed
on this device), ``estimates`` (the times and quality levels the page shows), ``job`` (the job
and its GPU wrapper), ``results`` (result PNGs on disk), ``canvas`` (the painted mask),
``restore`` (settings from a result PNG), ``examples`` and ``layout`` (the page). The
top-level ``app.py`` only builds the page and launches it.
"""

try:
    # First, before torch and gradio, as Hugging Face asks: on ZeroGPU it patches torch at
    # import (CUDA then exists only inside @spaces.GPU calls). Every Gradio Space has it.
    import spaces  # noqa: F401 - imported for that side effect
except ImportError:  # a laptop or CI without it
    pass
