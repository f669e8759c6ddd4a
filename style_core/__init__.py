"""style_core: Gatys et al. neural style transfer with VGG19, as a stream of progress snapshots."""

from style_core.engine import Snapshot, clear_style_cache, run, stylize
from style_core.images import ImageError, load_image, read_params, save_png
from style_core.params import StyleParams, preset_for
from style_core.vgg import WeightsError

__all__ = [
    "ImageError",
    "Snapshot",
    "StyleParams",
    "WeightsError",
    "clear_style_cache",
    "load_image",
    "preset_for",
    "read_params",
    "run",
    "save_png",
    "stylize",
]
