"""Gradio demo for style_core: UI wiring only; every computation goes through ``stylize``.

Runs unchanged on a CPU machine, a dedicated-GPU Space and a ZeroGPU Space (``spaces`` is
optional; CUDA is never touched at import). The widgets, the /stylize API parameters and
what a result PNG restores are all generated from ``style_core.params.KNOBS``.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import os
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
import torch
from PIL import Image, ImageChops

from style_core import ImageError, Snapshot, StyleParams, WeightsError, read_params, stylize
from style_core.engine import clear_gram_cache, scale_work
from style_core.images import fit_size, image_size, load_image, read_mask, save_png
from style_core.params import KNOBS, STYLE_LAYERS_DEFAULT, Knob, preset_for
from style_core.vgg import LAYER_NAMES, load_caffe_state

try:  # Hugging Face ZeroGPU: the GPU is attached only inside @spaces.GPU functions.
    import spaces
except ImportError:
    spaces = None

HERE = Path(__file__).parent
EXAMPLES = HERE / "examples"
RESULTS_DIR = Path(tempfile.gettempdir()) / "style-transfer-results"
JOBS_PER_DEVICE = int(os.environ.get("STYLE_JOBS_PER_DEVICE", "1"))
QUEUE_SIZE = int(os.environ.get("STYLE_QUEUE_SIZE", "16"))
MAX_UPLOAD = os.environ.get("STYLE_MAX_UPLOAD", "20mb")
# is_available() does not create a CUDA context, so this is safe at import on ZeroGPU too.
HAS_GPU = torch.cuda.is_available()
DEFAULTS = preset_for("cuda" if HAS_GPU else "cpu")
# A GPU affords longer and larger jobs than the table's CPU slider ranges.
MAX_STEPS = 2000 if HAS_GPU else int(KNOBS["steps"].ui[1])
MAX_SIZE = 2048 if HAS_GPU else int(KNOBS["size"].ui[1])
SLIDER_MAX = {"steps": MAX_STEPS, "size": MAX_SIZE}

# The app's settings by API name: every knob with a widget; style_layer_weights becomes one
# slider per default style layer (w_relu1_1 ...), the names existing API clients use.
LAYER_WEIGHT_NAMES = {f"w_{layer}": layer for layer in STYLE_LAYERS_DEFAULT}
SETTING_FIELDS: tuple[str, ...] = tuple(
    api_name
    for name, knob in KNOBS.items()
    if knob.widget
    for api_name in (LAYER_WEIGHT_NAMES if knob.widget == "layer_weights" else (name,))
)
# Not shown: they describe how a run is shown or where it runs, and the app decides those.
APP_DECIDES = ("device", "precision", "preview_seconds", "preview_every")
# What the region outside a mask gets: the API value -> the label the page shows.
MASK_MODES = {
    "keep": "Painted region gets the style, the rest stays",
    "split": "Painted region: style 1, the rest: style 2",
}
# The paint is see-through so the photo stays visible under it; its alpha is read back as the
# mask, divided by this opacity (so a full stroke is white, whatever the opacity).
BRUSH_COLOR, BRUSH_OPACITY = "#ff2d55", 0.5
EDITOR_SIDE = 1024  # the painting's long side: enough for a mask, light to send back and forth

HEADER = """# 🎨 Neural style transfer
Paint your photo in the style of any picture. The image is optimised live with VGG19
(Gatys et al.): watch it form, stop it whenever you like, download the full-size PNG."""
FOOTER = """Method: Leon A. Gatys, Alexander S. Ecker, Matthias Bethge, *Image Style Transfer Using
Convolutional Neural Networks*, CVPR 2016. Weights: the original Caffe VGG19 (Simonyan &
Zisserman, 2014). Paintings: public domain, credited in `examples/README.md`. Every result
PNG carries its settings; drop it on "Restore settings"."""


# --- components with clear errors ---------------------------------------------------------


def uploaded_image(**kwargs) -> gr.Image:
    """A gr.Image input that passes the uploaded file through undecoded.

    gr.Image would open it with PIL first and fail with an opaque error on non-images or
    decompression bombs; style_core's loader checks size and format and says what is wrong.
    (An instance override, not a subclass: Gradio writes a .pyi file for every subclass.)
    """
    component = gr.Image(type="filepath", **kwargs)
    decode = component.preprocess

    def preprocess(payload):
        if payload is not None and payload.path and not (payload.url or "").startswith("data:"):
            return payload.path
        return decode(payload)

    component.preprocess = preprocess
    return component


def name_errors(component: gr.components.Component, name: str) -> None:
    """Check API values by type first, and make Gradio's own checks name the parameter."""
    check = component.preprocess

    def preprocess(payload):
        if isinstance(component, gr.Checkbox) and not isinstance(payload, bool):
            raise gr.Error(f"{name} must be true or false; got {payload!r}", print_exception=False)
        is_number = isinstance(payload, (int, float)) and not isinstance(payload, bool)
        if (
            isinstance(component, (gr.Slider, gr.Number))
            and payload is not None
            and not (is_number and math.isfinite(payload))
        ):
            raise gr.Error(_range_message(component, name, payload), print_exception=False)
        if isinstance(component, gr.Dropdown) and not (
            isinstance(payload, list) and all(isinstance(item, str) for item in payload)
        ):
            raise gr.Error(
                f"{name} must be a list of layer names; got {payload!r}", print_exception=False
            )
        try:
            return check(payload)
        except (gr.Error, ValueError, TypeError) as error:
            if isinstance(component, (gr.Slider, gr.Number)):
                message = _range_message(component, name, payload)
            elif isinstance(component, gr.Dropdown):  # the layer lists
                known = {choice[1] for choice in component.choices}
                unknown = ", ".join(repr(x) for x in payload if x not in known)
                message = f"{name} has unknown layer(s) {unknown}; choose from relu1_1 ... pool5"
            elif isinstance(component, gr.Radio):
                choices = ", ".join(str(choice[1]) for choice in component.choices)
                message = f"{name} must be one of {choices}; got {payload!r}"
            else:
                message = f"{name}: {getattr(error, 'message', error)}"
            raise gr.Error(message, print_exception=False) from None

    component.preprocess = preprocess


def _range_message(component: gr.Slider | gr.Number, name: str, value) -> str:
    low, high = component.minimum, component.maximum
    whole = isinstance(component, gr.Number) and component.precision == 0
    kind = "a whole number between" if whole else "between"
    return f"{name} must be {kind} {low:g} and {high:g}; got {value!r}"


# --- widget values -> StyleParams ---------------------------------------------------------


def build_params(settings: Mapping[str, Any], blend: float | None = None) -> StyleParams:
    """Widget values by API name -> validated StyleParams (gr.Error naming the bad one).

    Missing settings take the hardware preset's value; ``blend`` is the second style's share
    (None with one style)."""
    try:
        values = {
            name: _from_widget(name, settings.get(name, getattr(DEFAULTS, name)))
            for name, knob in KNOBS.items()
            if knob.widget and knob.widget != "layer_weights"
        }
        values["style_layer_weights"] = _layer_weights(settings, values["style_layers"])
        if blend is not None:
            values["style_blend"] = (1.0 - _number(blend, "blend"), _number(blend, "blend"))
        return DEFAULTS.replace(**values).validate()
    except (TypeError, ValueError) as error:
        raise gr.Error(str(error), print_exception=False) from None


def _from_widget(name: str, value: Any) -> Any:
    """Sliders send floats and multi-selects lists; StyleParams wants ints and tuples."""
    if type(getattr(DEFAULTS, name)) is int and not isinstance(value, bool):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number; got {value!r}")
    return tuple(value) if isinstance(value, list) else value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number; got {value!r}")
    return float(value)


def _layer_weights(settings: Mapping[str, Any], layers: tuple[str, ...]) -> tuple[float, ...]:
    """One weight per chosen style layer: its slider's, or 1 for a layer without a slider."""
    sliders = {layer: api_name for api_name, layer in LAYER_WEIGHT_NAMES.items()}
    weights = tuple(
        _number(settings.get(sliders[layer], 1.0), sliders[layer]) if layer in sliders else 1.0
        for layer in layers
    )
    return () if all(w == 1.0 for w in weights) else weights  # () = equal weights


# --- the job --------------------------------------------------------------------------------


def stylize_job(content, style, style2=None, blend=0.5, mask=None, mask_mode="keep", **settings):
    """Stream (image, status, loss plot, progress JSON, PNG file) while the image forms.

    ``mask`` (optional image: white = style) says where the style goes; ``mask_mode`` says
    what the rest gets (MASK_MODES). ``settings`` are the widget values by API name
    (SETTING_FIELDS); missing ones take the hardware preset's value."""
    if content is None:
        raise gr.Error("Add a content image (the photo to repaint).", print_exception=False)
    if style is None:
        raise gr.Error(
            "Add a style image (the picture whose style to copy).", print_exception=False
        )
    unknown = sorted(set(settings) - set(SETTING_FIELDS))
    if unknown:
        raise gr.Error(f"unknown parameter(s): {', '.join(unknown)}", print_exception=False)
    if mask is not None:
        check_mask_mode(mask_mode, style2 is not None)
    # With a mask the mask itself says where each style goes: the blend share does not apply.
    blended = style2 is not None and mask is None
    params = build_params(settings, blend if blended else None)
    styles = [style] if style2 is None else [style, style2]
    yield from _stream(content, styles, params, mask)


def check_mask_mode(mode: str, has_style2: bool) -> None:
    """A mask splits the picture between the style and the content, or between two styles;
    the engine cannot blend two styles inside one region, so say which input to change."""
    if mode not in MASK_MODES:
        choices = ", ".join(MASK_MODES)
        raise gr.Error(f"mask_mode must be one of {choices}; got {mode!r}", print_exception=False)
    if mode == "split" and not has_style2:
        raise gr.Error(
            "Mask mode 'split' needs a second style (style2) for the unpainted region: add one "
            "under 'Blend in a second style', or choose mode 'keep' (the rest stays).",
            print_exception=False,
        )
    if mode == "keep" and has_style2:
        raise gr.Error(
            "Mask mode 'keep' keeps the content outside the painted region, so the second style "
            "would go unused: remove it, or choose mode 'split' (the rest: style 2).",
            print_exception=False,
        )


def _stream(content, styles, params: StyleParams, mask=None):
    history: list[dict] = []
    # What the page showed before Run: the whole job at the speed measured so far.
    estimate = round(predicted_seconds(params, _content_size(content)), 1)
    try:
        for snapshot in stylize(content, styles, params, mask):
            history.append({"iteration": snapshot.iteration, **snapshot.losses})
            if snapshot.image is None:
                continue
            done = snapshot.done
            yield (
                snapshot.image,
                _status(snapshot, params),
                _loss_frame(history, params),
                _progress(snapshot, params, estimate),
                _save_result(snapshot, params, mask) if done else None,
            )
        learn_speed(params, snapshot.size, snapshot.elapsed)
    except (ImageError, WeightsError, ValueError) as error:
        raise gr.Error(str(error), print_exception=False) from None
    except RuntimeError as error:  # torch.OutOfMemoryError on CUDA; plain RuntimeError on CPU/MPS
        if not _is_out_of_memory(error):
            raise
        clear_gram_cache()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise gr.Error(
            f"Out of memory at {params.size} px. Try a smaller output size.", print_exception=False
        ) from None
    finally:
        _return_freed_memory()


def before_after(content, result: Image.Image | None):
    """(content, result) for the comparison slider, the content at the result's size (the
    slider wants two equal images). A UI-only step after the job: the API's five outputs stay."""
    if content is None or result is None:
        return gr.update()
    try:
        before = load_image(content, max_side=max(result.size))
    except (ImageError, ValueError, OSError):
        return gr.update()
    return before.resize(result.size, Image.Resampling.LANCZOS), result


def _is_out_of_memory(error: RuntimeError) -> bool:
    text = str(error).lower()
    return isinstance(error, torch.OutOfMemoryError) or any(
        words in text for words in ("out of memory", "can't allocate memory")
    )


def _return_freed_memory() -> None:
    """Hand freed heap back to the OS after a job (glibc keeps it otherwise), so a server's
    resident memory does not ratchet up after one large upload."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc (macOS, musl): nothing to do


if spaces is not None:  # ZeroGPU: ask for as long as the job should take, with headroom.

    def _gpu_seconds(content, style, style2=None, blend=0.5, **settings) -> int:
        try:
            params = build_params(settings)
        except gr.Error:
            return 30  # bad values are rejected inside the job anyway
        return int(min(300, 20 + 2 * predicted_seconds(params, (4, 3))))

    stylize_job = spaces.GPU(duration=_gpu_seconds)(stylize_job)


def _status(snapshot: Snapshot, params: StyleParams) -> str:
    width, height = snapshot.size
    head = "**Done.**" if snapshot.done else f"Iteration {snapshot.iteration}/{snapshot.total}"
    text = (
        f"{head} Scale {snapshot.scale}/{snapshot.scales} ({width}×{height}) · "
        f"{snapshot.elapsed:.1f} s"
    )
    eta = eta_seconds(snapshot, params)
    if not snapshot.done and eta is not None:
        text += f" · about {eta:.0f} s left"
    return text


def _loss_frame(history: list[dict], params: StyleParams) -> pd.DataFrame:
    """Weighted loss terms per iteration, on a log10 scale: the first L-BFGS step at each
    scale spikes by 10-100x and would flatten a linear plot."""
    weights = {"style": params.style_weight, "content": params.content_weight}
    rows = [
        {
            "iteration": entry["iteration"],
            "term": term,
            "log10 loss": math.log10(max(entry[term] * weight, 1e-3)),  # content starts at 0
        }
        for entry in history
        for term, weight in weights.items()
    ]
    return pd.DataFrame(rows, columns=["iteration", "term", "log10 loss"])


def _progress(snapshot: Snapshot, params: StyleParams, estimate: float) -> dict:
    return {
        "estimate": estimate,  # seconds for the whole job, predicted before it started
        "iteration": snapshot.iteration,
        "total": snapshot.total,
        "scale": snapshot.scale,
        "scales": snapshot.scales,
        "width": snapshot.size[0],
        "height": snapshot.size[1],
        "elapsed": round(snapshot.elapsed, 3),
        "eta": eta_seconds(snapshot, params),
        "done": snapshot.done,
        "losses": dict(snapshot.losses),
    }


def _save_result(snapshot: Snapshot, params: StyleParams, mask=None) -> str:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for old in sorted(RESULTS_DIR.glob("*.png"), key=os.path.getmtime)[:-50]:
        old.unlink(missing_ok=True)  # keep the folder bounded on a long-running server
    handle, name = tempfile.mkstemp(prefix="stylized-", suffix=".png", dir=RESULTS_DIR)
    os.close(handle)
    # The mask travels in the PNG, so "Restore settings" brings it back.
    return str(save_png(snapshot.image, name, params, mask=mask))


# --- speed: measured on this device, never assumed --------------------------------------

# Cost of one iteration here: a fixed part plus a part per pixel, ``seconds = a + b x pixels``
# (small scales cost more per pixel than large ones). Timed by warm_up() on a few real
# iterations at two sizes, then corrected by every finished run; until then a first guess,
# and the page says so. Job cost = a x iterations + b x engine.scale_work().
# The guesses are a T4 (the Space's suggested hardware) and a slow 2-core CPU: on ZeroGPU the
# job may run in another process (what it learns can stay there), so the duration request
# can rest on the guess alone.
FIRST_GUESS = {"a": 0.02, "b": 2.0e-7} if HAS_GPU else {"a": 0.05, "b": 1.0e-5}
speed = {**FIRST_GUESS, "measured": False}
CALIBRATION_SIZES = (128, 384)  # long sides of the timed iterations (4:3)
# Quality level: (share of the preset's steps, seconds it should take here, largest size as
# a share of the preset's size).
QUALITIES = {"Draft": (0.5, 10.0, 0.75), "Balanced": (1.0, 30.0, 1.0), "Best": (1.5, 90.0, 2.0)}
MIN_SIZE = {"Draft": 256, "Balanced": 384, "Best": 384}  # never smaller: fewer steps instead


def calibrate(params: StyleParams, iterations: int = 3) -> dict[str, float]:
    """Time real iterations at two sizes here; keep and return the cost model (a, b)."""
    noise = Image.effect_noise((256, 256), 64).convert("RGB")
    pixels, seconds = [], []
    for long_side in CALIBRATION_SIZES:
        size = fit_size(4, 3, long_side)
        gradient = Image.linear_gradient("L").resize(size).convert("RGB")
        probe = params.replace(
            size=long_side, steps=iterations + 1, multiscale=False, preview_seconds=3600.0
        )
        times = [s.elapsed for s in stylize(gradient, [noise], probe) if not s.done]
        # From the end of the first iteration: it pays for one-off set-up, not for the work.
        seconds.append((times[-1] - times[0]) / iterations)
        pixels.append(size[0] * size[1])
    b = max(0.0, (seconds[1] - seconds[0]) / (pixels[1] - pixels[0]))
    speed.update(a=max(0.0, seconds[0] - b * pixels[0]), b=b, measured=True)
    return {"a": speed["a"], "b": speed["b"]}


def learn_speed(params: StyleParams, size: tuple[int, int], elapsed: float) -> None:
    """Move the cost model halfway towards a finished run's own time (set-up included)."""
    factor = 0.5 + 0.5 * elapsed / predicted_seconds(params, size)
    speed.update(a=speed["a"] * factor, b=speed["b"] * factor, measured=True)


def predicted_seconds(params: StyleParams, content_size: tuple[int, int]) -> float:
    """Seconds the job should take here, from the cost model and the engine's own work plan."""
    return speed["a"] * sum(params.scale_steps()) + speed["b"] * sum(
        scale_work(params, content_size)
    )


def eta_seconds(snapshot: Snapshot, params: StyleParams) -> float | None:
    """Seconds left: the work left at the measured speed, or at this run's own pace once a
    quarter is done (it then knows about a busy machine or a slow upload)."""
    if snapshot.done:
        return 0.0
    if snapshot.progress >= 0.25:
        return snapshot.eta
    return (1 - snapshot.progress) * predicted_seconds(params, snapshot.size)


def describe_time(params: StyleParams, content_size: tuple[int, int]) -> str:
    seconds = max(1, round(predicted_seconds(params, content_size)))
    where = "this GPU" if HAS_GPU else "this CPU"
    guess = "" if speed["measured"] else " (a first guess: this machine is not timed yet)"
    return f"⏱ about {seconds} s on {where}{guess}"


def fit_quality(level: str, content_size: tuple[int, int]) -> tuple[int, int]:
    """(steps, size) for a quality level: the largest size that finishes in its time here."""
    share, target, size_share = QUALITIES[level]
    steps = max(10, round(DEFAULTS.steps * share))
    largest = min(SLIDER_MAX["size"], int(DEFAULTS.size * size_share))
    for size in range(largest - largest % 64, MIN_SIZE[level] - 1, -64):
        if predicted_seconds(DEFAULTS.replace(steps=steps, size=size), content_size) <= target:
            return steps, size
    # Even the smallest size is too slow here: keep that size and take fewer steps, but no
    # fewer than half (below that the picture is not worth the wait; the time shown says so).
    size = MIN_SIZE[level]
    seconds = predicted_seconds(DEFAULTS.replace(steps=steps, size=size), content_size)
    return max(10, steps // 2, int(steps * target / seconds)), size


def describe_quality(level: str) -> str:
    steps, size = fit_quality(level, (4, 3))
    seconds = predicted_seconds(DEFAULTS.replace(steps=steps, size=size), (4, 3))
    return f"{level}: {size} px, {steps} steps, ~{max(1, round(seconds))} s"


# --- time and quality -----------------------------------------------------------------------


def estimate(content, steps, size, multiscale) -> str:
    """Run-time estimate shown before Run, from the planned work and the measured speed."""
    try:
        params = build_params({"steps": steps, "size": size, "multiscale": multiscale})
    except gr.Error:
        return ""
    return describe_time(params, _content_size(content))


def _content_size(content) -> tuple[int, int]:
    try:
        return image_size(content) if content is not None else (4, 3)
    except (ImageError, ValueError, OSError):
        return (4, 3)  # the job itself will say what is wrong with the file


def quality_choices() -> list[tuple[str, str]]:
    """(label saying what it costs here, value) for each quality level."""
    return [(describe_quality(level), level) for level in QUALITIES]


def apply_quality(level: str, content) -> tuple:
    """A quality level -> steps and size sliders (sliders still override it)."""
    if level not in QUALITIES:
        return gr.update(), gr.update()
    steps, size = fit_quality(level, _content_size(content))
    return steps, size


def on_page_load(content):
    """Each visitor sees the current measured speed: labels, the fitted default and its time."""
    steps, size = fit_quality("Balanced", _content_size(content))
    return (
        gr.update(choices=quality_choices(), value="Balanced"),
        steps,
        size,
        estimate(content, steps, size, DEFAULTS.multiscale),
    )


# --- the painted mask -------------------------------------------------------------------------
# The mask component holds the mask that runs (the API's ``mask``); the canvas shows the content
# with only the visitor's own strokes. Gradio 6.31's editor does not show layers set from Python
# (they land off the picture), so an uploaded, example or restored mask is shown in the mask
# component, not as paint. Strokes replace the mask: at each stroke, and again at Run (the
# canvas is read at the click, so a stroke made just before it is never missed). ``from_canvas``
# (a per-visitor gr.State) says whether the mask is the visitor's paint.


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


# --- restoring settings from a result PNG ---------------------------------------------------


def restore_settings(path) -> list:
    """A result PNG -> [every setting in SETTING_FIELDS order, blend, mask, a note on what was
    and was not restored]. A PNG without a mask leaves the current mask as it is."""
    unchanged = [gr.update()] * (len(SETTING_FIELDS) + 2)
    if path is None:
        return [*unchanged, gr.update()]
    try:
        params = read_params(path)
    except OSError:
        raise gr.Error("That file is not a PNG image.", print_exception=False) from None
    except ValueError as error:  # our own messages: they name the field, never a path
        raise gr.Error(
            f"The settings in that PNG are not valid: {error}", print_exception=False
        ) from None
    if params is None:
        raise gr.Error("That PNG carries no style-transfer settings.", print_exception=False)
    values, missed = _restorable(params)
    blend = gr.update()
    if len(params.style_blend) == 2:
        blend = params.style_blend[1] / sum(params.style_blend)
    elif len(params.style_blend) > 2:
        missed.append(f"style_blend {params.style_blend} (the app blends two styles at most)")
    mask = _restorable_mask(path, missed)
    note = "Settings restored from the PNG."
    if mask is not None:
        note += " Its mask is back under 'Paint where the style goes'."
    if missed:
        note += " Not restored: " + "; ".join(missed) + "."
    return [
        *(values[name] for name in SETTING_FIELDS),
        blend,
        gr.update() if mask is None else mask,
        note,
    ]


def _restorable_mask(path, missed: list[str]) -> Image.Image | None:
    try:
        return read_mask(path)
    except ImageError:
        missed.append("the mask (damaged in that PNG)")
        return None


def _restorable(params: StyleParams) -> tuple[dict[str, Any], list[str]]:
    """The widget value for each setting, and a line for each value the app cannot show."""
    values: dict[str, Any] = {}
    missed = []
    for name, knob in KNOBS.items():
        value = getattr(params, name)
        if knob.widget == "layer_weights":
            weights = dict(zip(params.style_layers, value or (1.0,) * len(params.style_layers)))
            for api_name, layer in LAYER_WEIGHT_NAMES.items():
                values[api_name] = weights.get(layer, 1.0)
            missed += [
                f"weight {w:g} on {layer} (no slider; the app uses 1)"
                for layer, w in weights.items()
                if layer not in STYLE_LAYERS_DEFAULT and w != 1.0
            ]
        elif knob.widget:
            values[name] = _fit_widget(name, knob, value, missed)
        elif name not in APP_DECIDES and name != "style_blend" and value != getattr(DEFAULTS, name):
            missed.append(f"{name} = {value!r} (not adjustable in the app)")
    return values, missed


def _fit_widget(name: str, knob: Knob, value: Any, missed: list[str]) -> Any:
    """The value, clamped into the slider's range with a note when it lies outside."""
    if knob.widget == "layers":
        return list(value)
    if knob.widget != "slider":
        return value
    low, high, _ = knob.ui
    high = SLIDER_MAX.get(name, high)
    clamped = min(max(value, low), high)
    if clamped != value:
        missed.append(f"{name} {value:g} (outside this app's {low:g}-{high:g}; set to {clamped:g})")
    return clamped


# --- the page -----------------------------------------------------------------------------

# Example pairs: each photo with a public-domain painting, the most striking first.
EXAMPLE_PAIRS = (
    ("chelsea", "starry_night"),
    ("coffee", "the_scream"),
    ("rocket", "wave"),
    ("astronaut", "composition_vii"),
    ("chelsea", "udnie"),
    ("coffee", "shipwreck"),
)


def result_path(content: str, style: str) -> Path:
    """Where scripts/make_example_results.py puts a pair's precomputed result."""
    return EXAMPLES / f"result_{content}_{style}.jpg"


# Shown before any click: the first pair's result, made in advance at the default settings.
FIRST_RESULT = result_path(*EXAMPLE_PAIRS[0])
# A pair with a painted mask (examples/mask_*.png): the sky in The Starry Night, the rest kept.
MASKED_EXAMPLE = ("rocket", "starry_night", "rocket_sky")


def _examples() -> list[list[str | None]]:
    """[content, style, mask] rows: the first pair, the masked one, then the other pairs
    (their mask None, so clicking one clears a mask left from before)."""
    rows = [_example_row(content, style) for content, style in EXAMPLE_PAIRS]
    rows.insert(1, _example_row(*MASKED_EXAMPLE))
    return rows


def _example_row(content: str, style: str, mask: str | None = None) -> list[str | None]:
    return [
        str(EXAMPLES / f"content_{content}.jpg"),
        str(EXAMPLES / f"style_{style}.jpg"),
        str(EXAMPLES / f"mask_{mask}.png") if mask else None,
    ]


def setting_widget(name: str, knob: Knob, value: Any) -> gr.components.Component:
    """The widget for one knob, from its table entry."""
    label, info = knob.label, knob.help
    if knob.widget == "slider":
        low, high, step = knob.ui
        high = SLIDER_MAX.get(name, high)
        return gr.Slider(low, high, value=value, step=step, label=label, info=info)
    if knob.widget == "radio":
        return gr.Radio(list(knob.choices), value=value, label=label, info=info)
    if knob.widget == "checkbox":
        return gr.Checkbox(value=value, label=label, info=info)
    if knob.widget == "number":
        low, high = knob.limits
        return gr.Number(value, precision=0, minimum=low, maximum=high, label=label, info=info)
    if knob.widget == "layers":
        choices = [layer for layer in LAYER_NAMES if not layer.startswith("conv")]
        return gr.Dropdown(choices, value=list(value), multiselect=True, label=label, info=info)
    raise ValueError(f"{name}: no widget kind {knob.widget!r}")


def settings_widgets(advanced: bool) -> dict[str, gr.components.Component]:
    """The main (or Advanced) settings' widgets by API name, in table order."""
    widgets: dict[str, gr.components.Component] = {}
    for name, knob in KNOBS.items():
        if not knob.widget or knob.advanced != advanced:
            continue
        if knob.widget == "layer_weights":
            low, high, step = knob.ui
            for api_name, layer in LAYER_WEIGHT_NAMES.items():
                widgets[api_name] = gr.Slider(
                    low, high, value=1.0, step=step, label=f"{knob.label} {layer}"
                )
        else:
            widgets[name] = setting_widget(name, knob, getattr(DEFAULTS, name))
    return widgets


def input_column() -> dict[str, Any]:
    """Images, Run/Stop, examples, quality and every setting; returns the components."""
    ui: dict[str, Any] = {}
    with gr.Row():
        sources = ["upload", "webcam", "clipboard"]
        ui["content"] = uploaded_image(label="Content", height=260, sources=sources)
        ui["style"] = uploaded_image(label="Style", height=260, sources=sources)
    ui["eta"] = gr.Markdown(estimate(None, DEFAULTS.steps, DEFAULTS.size, DEFAULTS.multiscale))
    with gr.Row():
        ui["run"] = gr.Button("Run", variant="primary")
        ui["stop"] = gr.Button("Stop", variant="stop")
    # Made here, shown in its accordion below: the examples set it too.
    ui["mask"] = uploaded_image(
        label="Mask (white = style)",
        height=160,
        sources=["upload"],
        format="png",  # lossless: a mask is exact values
        render=False,
    )
    ui["examples"] = gr.Examples(
        _examples(),
        inputs=[ui["content"], ui["style"], ui["mask"]],
        label="Examples: a photo, a painting and, for one, a mask (click one to run it)",
        api_visibility="private",
    )
    ui["quality"] = gr.Radio(
        quality_choices(),
        value="Balanced",
        label="Quality (sets steps and size; the sliders below override it)",
    )
    with gr.Accordion("Blend in a second style", open=False):
        ui["style2"] = uploaded_image(label="Second style", height=200, sources=sources[::2])
        ui["blend"] = gr.Slider(0, 1, value=0.5, step=0.05, label="Share of the second style")
    with gr.Accordion("Paint where the style goes", open=False):
        ui |= mask_widgets(ui["mask"])
    ui["settings"] = settings_widgets(advanced=False)
    with gr.Accordion("Advanced", open=False):
        ui["settings"] |= settings_widgets(advanced=True)
    return ui


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


def output_column() -> dict[str, Any]:
    """Result (the first example's, precomputed, until a run), status, plot, files."""
    ui: dict[str, Any] = {}
    first = FIRST_RESULT if FIRST_RESULT.is_file() else None
    ui["output"] = gr.Image(
        value=str(first) if first else None,
        label="Result",
        type="pil",
        format="webp",
        height=420,
        interactive=False,
        buttons=["fullscreen"],
    )
    shown = " Shown: the first example, made in advance at the default settings." if first else ""
    ui["status"] = gr.Markdown(f"Pick a content and a style image, then press Run.{shown}")
    with gr.Accordion("Before / after", open=True):
        first_pair = (str(EXAMPLES / f"content_{EXAMPLE_PAIRS[0][0]}.jpg"), str(first))
        ui["compare"] = gr.ImageSlider(
            value=first_pair if first else None,
            label="Content | result (drag the handle)",
            type="pil",
            interactive=False,
            height=360,
        )
    ui["plot"] = gr.LinePlot(
        x="iteration",
        y="log10 loss",
        color="term",
        color_map={"style": "#e8590c", "content": "#1c7ed6"},
        height=220,
        label="log10(loss × weight): style (orange), content (blue)",
    )
    ui["download"] = gr.File(
        label="Full-size PNG (settings embedded)", interactive=False, height=90
    )
    with gr.Accordion("Progress JSON", open=False):
        ui["progress"] = gr.JSON(label="Progress")
    with gr.Accordion("Restore settings from a result PNG", open=False):
        ui["restore"] = gr.File(
            label="Result PNG", file_types=[".png"], type="filepath", height=120
        )
    return ui


def wire_events(ui: dict[str, Any], demo: gr.Blocks) -> None:
    """Run/Stop/examples start and cancel the job; estimate, quality and restore update widgets;
    the canvas makes the mask."""
    settings = ui["settings"]
    private = dict(queue=False, show_progress="hidden", api_visibility="private")
    wire_job(ui, private)
    timed = [ui["content"], settings["steps"], settings["size"], settings["multiscale"]]
    for component in timed:
        component.change(estimate, timed, ui["eta"], **private)
    ui["quality"].input(
        apply_quality,
        [ui["quality"], ui["content"]],
        [settings["steps"], settings["size"]],
        **private,
    )
    restored = [*settings.values(), ui["blend"], ui["mask"], ui["status"]]
    restore = ui["restore"].upload(restore_settings, ui["restore"], restored, **private)
    wire_painting(ui, restore, private)
    page = [ui["quality"], settings["steps"], settings["size"], ui["eta"]]
    demo.load(on_page_load, ui["content"], page, **private)


def wire_job(ui: dict[str, Any], private: dict) -> None:
    """Run (the public /stylize), the examples and Stop; the comparison slider after a job."""
    images = [ui["content"], ui["style"], ui["style2"], ui["blend"]]
    # The mask's parameters come last: existing clients pass the others by position.
    keywords = {**ui["settings"], "mask": ui["mask"], "mask_mode": ui["mask_mode"]}
    for name, component in [
        *zip(("content", "style", "style2", "blend"), images),
        *keywords.items(),
    ]:
        name_errors(component, name)
    outputs = [ui[key] for key in ("output", "status", "plot", "progress", "download")]
    job = dict(
        fn=stylize_job,
        inputs=images,
        inputs_kwargs=keywords,
        outputs=outputs,
        concurrency_limit=JOBS_PER_DEVICE,
        concurrency_id="gpu",
        show_progress="minimal",
    )
    # Run reads the canvas first (its value is fetched at the click), then starts the job with
    # that mask: a stroke made just before the click is never missed.
    read_paint = ui["run"].click(**_paint_to_mask(ui), **private)
    run_event = read_paint.success(**job, api_name="stylize")
    example_event = ui["examples"].load_input_event.then(**job, api_visibility="private")
    ui["stop"].click(None, cancels=[run_event, example_event], api_visibility="private")
    for event in (run_event, example_event):
        event.success(before_after, [ui["content"], ui["output"]], ui["compare"], **private)


def _paint_to_mask(ui: dict[str, Any]) -> dict:
    state = [ui["mask"], ui["from_canvas"]]
    return dict(fn=painted_mask, inputs=[ui["painter"], ui["from_canvas"]], outputs=state)


def wire_painting(ui: dict[str, Any], restore: Any, private: dict) -> None:
    """Strokes become the mask; a new content, or a mask set another way, starts the canvas
    afresh; "clear" on the canvas drops the paint and the mask."""
    canvas, content, mask, state = (
        ui[key] for key in ("painter", "content", "mask", "from_canvas")
    )
    canvas.input(**_paint_to_mask(ui), **private)
    content.input(canvas_for_content, [content, mask], [canvas, mask, state], **private)
    for event in (mask.upload, mask.clear, ui["examples"].load_input_event.then):
        event(canvas_for_mask, content, [canvas, state], **private)
    canvas.clear(clear_canvas, content, [canvas, mask, state], **private)
    restore.success(canvas_after_restore, [ui["restore"], content], [canvas, state], **private)


def build_demo() -> gr.Blocks:
    with gr.Blocks(title="Neural style transfer", delete_cache=(3600, 3600)) as demo:
        gr.Markdown(HEADER)
        with gr.Row():
            with gr.Column(scale=1):
                ui = input_column()
            with gr.Column(scale=1):
                ui |= output_column()
        gr.Markdown(FOOTER)
        wire_events(ui, demo)
    demo.queue(max_size=QUEUE_SIZE)
    return demo


demo = build_demo()


def warm_up() -> None:
    """Load the weights and time a few iterations here before the first visitor arrives."""
    load_caffe_state()
    if spaces is None:  # on ZeroGPU, CUDA may only be touched inside @spaces.GPU
        started = time.perf_counter()
        cost = calibrate(DEFAULTS)
        print(
            f"speed: an iteration here takes {cost['a']:.3g} s + {cost['b']:.3g} s per pixel "
            f"(timed in {time.perf_counter() - started:.1f} s); {describe_quality('Balanced')}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="Neural style transfer demo")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    )
    parser.add_argument("--share", action="store_true", help="create a public share link")
    args = parser.parse_args()
    # In the background: the page answers at once; pages opened after the warm-up (and every
    # estimate after an upload) show times measured here, earlier ones say they are a guess.
    threading.Thread(target=warm_up, daemon=True).start()
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        max_file_size=MAX_UPLOAD,
        footer_links=["api", "gradio"],
    )


if __name__ == "__main__":
    main()
