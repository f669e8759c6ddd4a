"""The painted mask.

The mask component holds the mask that runs (the API's ``mask``); the canvas shows the content
with only the visitor's own strokes. Gradio 6.31's editor does not show layers set from Python
(they land off the picture), so an uploaded, example or restored mask is shown in the mask
component, not as paint. Strokes replace the mask: at each stroke, and again at Run (the
canvas is read at the click, so a stroke made just before it is never missed). ``from_canvas``
(a per-visitor gr.State) says whether the mask is the visitor's paint.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from PIL import ImageChops

from style_app.job import MASK_MODES
from style_core import ImageError
from style_core.images import load_image, read_mask

# The paint is see-through so the photo stays visible under it; its alpha is read back as the
# mask, divided by this opacity (so a full stroke is white, whatever the opacity).
BRUSH_COLOR, BRUSH_OPACITY = "#ff2d55", 0.5
EDITOR_SIDE = 1024  # the painting's long side: enough for a mask, light to send back and forth


def mask_widgets(mask: gr.Image) -> dict[str, Any]:
    """The painting canvas, what the unpainted region gets, and the mask file itself."""
    painter = gr.ImageEditor(
        label="Paint the region that takes the style",
        type="pil",
        image_mode="RGBA",
        sources=(),  # the canvas is always the content image
        transforms=(),  # a crop would no longer match the content
        layers=False,  # one layer of paint: the mask
        brush=gr.Brush(default_size=24, colors=[(BRUSH_COLOR, BRUSH_OPACITY)], color_mode="fixed"),
        eraser=gr.Eraser(default_size=24),
        height=360,
    )
    mode = gr.Radio(
        [(label, value) for value, label in MASK_MODES.items()],
        value="keep",
        label="Where the styles go",
        info="Split: the second style (under 'Blend in a second style') paints the rest.",
    )
    gr.Markdown("Your paint becomes this mask; or upload a mask of your own here.")
    mask.render()
    return {"painter": painter, "mask_mode": mode, "from_canvas": gr.State(False)}


def fresh_canvas(content) -> dict | None:
    """The editor's value for a content image: the content as the canvas, no paint."""
    if content is None:
        return None
    try:
        background = load_image(content, "content image", max_side=EDITOR_SIDE)
    except ImageError:
        return None  # the job itself will say what is wrong with the file
    background.thumbnail((EDITOR_SIDE, EDITOR_SIDE))
    return {"background": background, "layers": [], "composite": background}


def painted_mask(value, from_canvas: bool) -> tuple:
    """(mask, from_canvas) after a stroke, or at Run: the paint as a greyscale mask (white =
    painted). Without paint, a mask the visitor painted (and erased) goes; an uploaded, example
    or restored mask stays."""
    if not value or value.get("background") is None:
        return gr.update(), from_canvas  # no canvas yet (no content)
    alphas = [layer.getchannel("A") for layer in value["layers"] if layer.mode == "RGBA"]
    if not any(alpha.getextrema()[1] for alpha in alphas):
        return (None if from_canvas else gr.update()), from_canvas
    alpha = alphas[0]
    for other in alphas[1:]:
        alpha = ImageChops.lighter(alpha, other)
    # Overlapping strokes add up past the brush's opacity: clip there, so painted = white.
    return alpha.point(lambda value: min(255, round(value / BRUSH_OPACITY))), True


def canvas_for_content(content, mask) -> tuple:
    """(canvas, mask, from_canvas) for a new content image: a mask belongs to the picture it
    was made for, so it goes (saying so), and the canvas starts afresh."""
    if mask is not None:
        gr.Warning("The mask was cleared: it was made for the previous picture.")
    return fresh_canvas(content), None, False


def canvas_for_mask(content) -> tuple:
    """(canvas, from_canvas) once a mask is uploaded, cleared or set by an example: it replaces
    the paint, so the canvas starts afresh."""
    return fresh_canvas(content), False


def clear_canvas(content) -> tuple:
    """The editor's "clear" removes its picture too: put the content back, drop the mask."""
    return fresh_canvas(content), None, False


def canvas_after_restore(path, content) -> tuple:
    """(canvas, from_canvas) after a restore: a PNG with a mask replaces the paint."""
    try:
        has_mask = path is not None and read_mask(path) is not None
    except (ImageError, OSError):
        has_mask = False
    return canvas_for_mask(content) if has_mask else (gr.update(), gr.update())
