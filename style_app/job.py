"""The job: widget values in, a stream of (image, status, loss plot, progress JSON, PNG file)
out, and its GPU wrapper on ZeroGPU."""

from __future__ import annotations

import ctypes
import math

import gradio as gr
import pandas as pd
import torch
from PIL import Image

from style_app.config import spaces
from style_app.estimates import content_size
from style_app.results import save_result
from style_app.settings import SETTING_FIELDS, build_params
from style_app.speed import eta_seconds, learn_speed, predicted_seconds
from style_core import ImageError, Snapshot, StyleParams, WeightsError, stylize
from style_core.engine import clear_gram_cache
from style_core.images import load_image

# What the region outside a mask gets: the API value -> the label the page shows.
MASK_MODES = {
    "keep": "Painted region gets the style, the rest stays",
    "split": "Painted region: style 1, the rest: style 2",
}


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
    estimate = round(predicted_seconds(params, content_size(content)), 1)
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
                save_result(snapshot, params, mask) if done else None,
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
