"""The job: widget values in, a stream of (image, status, loss plot, progress JSON, PNG file)
out, and its GPU wrapper on ZeroGPU."""

from __future__ import annotations

import ctypes
import math
from contextlib import closing
from dataclasses import dataclass

import gradio as gr
import pandas as pd
import torch
from PIL import Image

from style_app import speed
from style_app.api_doc import describe_parameters, parameter_help
from style_app.config import DEVICE_KIND, ZERO_GPU
from style_app.knob_notes import layers_note, small_style_notes
from style_app.memory import check_fits, plan_here
from style_app.results import save_result
from style_app.settings import SETTING_FIELDS, build_params
from style_app.speed import (
    JobTiming,
    eta_seconds,
    gpu_duration,
    plan_seconds,
    report,
    time_iterations,
    zero_gpu_refusal,
)
from style_core import ImageError, Snapshot, StyleParams, WeightsError, stylize
from style_core.engine import check_start_shape, clear_style_cache, matched_style_layers
from style_core.images import load_image, load_mask
from style_core.plan import JobPlan, ScalePlan, style_side

# What the region outside a mask gets: the API value -> the label the page shows.
MASK_MODES = {
    "keep": "Painted region gets the style, the rest stays",
    "split": "Painted region: style 1, the rest: style 2",
}


# The page's image: a print-size WebP at every preview would flood the browser, and Gradio
# encodes each one while the job waits; the full size is in the PNG file.
PREVIEW_SIDE = 1024


@dataclass(frozen=True)
class Job:
    """A job checked and decoded in the main process, ready for the GPU call."""

    content: Image.Image
    styles: list[Image.Image]
    params: StyleParams
    mask: Image.Image | None  # "L" at the content's size: white = style
    estimate: float  # seconds predicted before it started (what the page showed)
    measured: bool  # whether that prediction rests on a measured speed
    plan: JobPlan  # its scales, steps and tiles, as the engine will run them here
    style_layers: tuple[str, ...] = ()  # the style layers its full-size scale matches
    notes: tuple[str, ...] = ()  # what the page says about settings that do less than they seem
    start: Image.Image | None = None  # Enlarge: the finished result it continues from

    @property
    def start_side(self) -> int:
        """Long side of the result it continues from; 0 for a job from scratch."""
        return 0 if self.start is None else max(self.start.size)


def stylize_job(content, style, style2=None, blend=0.5, mask=None, mask_mode="keep", **settings):
    """Paint the content image in the style of the style image (Gatys et al. style transfer
    with VGG19), streaming the image as it forms. Settings left out take the
    hardware preset's values.

    Returns:
        result: the stylized image as it forms (a WebP preview at most 1024 px; the full size is png)
        status: one line of progress ("Iteration 12/60 ...", "**Done.** ...")
        loss_curve: log10 of each weighted loss term per iteration
        progress: iteration, scale, size, elapsed and estimated seconds, losses (JSON)
        png: the full-size result, its settings embedded (restore them from it), on the last update
    """
    # The Args section is added below from the table of knobs (style_app.api_doc).
    # ``settings`` are the widget values by API name (SETTING_FIELDS). Everything that can
    # refuse a job (values, images, mask, memory, duration) is checked here, before the GPU is
    # asked for: on ZeroGPU a refused upload then spends no GPU quota.
    job = prepare_job(content, style, style2, blend, mask, mask_mode, settings)
    check_size(job)
    yield from stream(job)


# Gradio reads the Args section for the API page and the MCP tool's parameters.
describe_parameters(stylize_job, parameter_help(MASK_MODES))


def prepare_job(content, style, style2, blend, mask, mask_mode, settings: dict) -> Job:
    """Check every value and decode every image, as the engine would (gr.Error if bad)."""
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
    return make_job(params, content, styles, mask)


def make_job(params: StyleParams, content, styles: list, mask=None, start=None) -> Job:
    """Decode every image as the engine will and plan the job here (gr.Error if one is bad).
    ``start``: a finished result (PIL image) to continue from, for Enlarge."""
    names = ["style image"] if len(styles) == 1 else ["style image 1", "style image 2"]
    # The sizes the engine decodes at (JPEG draft): the output's, the style's by style_scale.
    side = style_side(params, params.size)
    try:
        content_image = load_image(content, "content image", max_side=params.size)
        if start is not None:  # before the mask: its own shape message would say less
            check_start_shape(start.size, content_image.size)
        style_images = [load_image(s, n, max_side=side) for s, n in zip(styles, names)]
        mask_image = None if mask is None else load_mask(mask, content_image.size)
        shape = {"styles": len(style_images), "masked": mask_image is not None}
        start_side = 0 if start is None else max(start.size)
        # Raises ValueError for an enlargement given too few steps for its new scales.
        # The decoded sizes: a JPEG draft never goes below twice the size the style is used at.
        style_sizes = [image.size for image in style_images]
        plan = plan_here(params, content_image.size, style_sizes, **shape, start_side=start_side)
    except (ImageError, ValueError) as error:
        raise gr.Error(str(error), print_exception=False) from None
    estimate = round(plan_seconds(speed.MODEL.cost, plan), 1)
    measured = speed.MODEL.cost.measured
    used = matched_style_layers(params, style_sizes)
    notes = [layers_note(params, used), *small_style_notes(params, style_sizes)]
    return Job(
        content_image,
        style_images,
        params,
        mask_image,
        estimate,
        measured,
        plan,
        used,
        tuple(note for note in notes if note),
        start,
    )


def check_size(job: Job, what: str = "job") -> None:
    """Refuse, before any work, a job the device cannot hold or ZeroGPU would cut short;
    ``what`` names it in the refusal ("job", "enlargement")."""
    refusal = zero_gpu_refusal(plan_seconds(speed.MODEL.cost, job.plan), what)
    if refusal:
        largest = _largest_in_time(job)
        if largest:
            refusal += f" At {job.params.steps} steps, {largest} px fits."
        raise gr.Error(refusal, print_exception=False)
    if not ZERO_GPU and DEVICE_KIND == "cuda" and job.params.device in ("auto", "cuda"):
        shape = {"styles": len(job.styles), "masked": job.mask is not None}
        message = check_fits(job.params, job.content.size, **shape, start_side=job.start_side)
        if message:
            raise gr.Error(message, print_exception=False)


def _largest_in_time(job: Job) -> int | None:
    """The largest output size (a multiple of 64) whose job fits one ZeroGPU call."""
    shape = {"styles": len(job.styles), "masked": job.mask is not None}
    sizes = [image.size for image in job.styles]
    for size in range(job.params.size - 64 - job.params.size % 64, job.start_side, -64):
        if size < 128:
            break
        params = job.params.replace(size=size)
        try:
            plan = plan_here(params, job.content.size, sizes, **shape, start_side=job.start_side)
        except ValueError:  # an enlargement with fewer steps than its scales
            continue
        if not zero_gpu_refusal(plan_seconds(speed.MODEL.cost, plan)):
            return size
    return None


def stream(job: Job):
    """Run a checked job on the GPU and yield its five outputs, the image as the page's
    preview; its timing, measured inside the GPU call (on ZeroGPU, another process), goes to
    the speed model here."""
    # closing(): a cancelled (closed) job closes the GPU call's generator at once, which
    # stops the engine at its next snapshot.
    with closing(run_on_gpu(job)) as updates:
        for update in updates:
            if isinstance(update, JobTiming):
                report(update)
            else:
                image, *rest = update
                yield page_preview(image), *rest


def page_preview(image: Image.Image) -> Image.Image:
    """The image at most PREVIEW_SIDE px long, for the page."""
    if max(image.size) <= PREVIEW_SIDE:
        return image
    preview = image.copy()
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS)
    return preview


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


def _run_job(job: Job):
    """The job itself: the only place CUDA is touched. Yields the five outputs, then the
    job's JobTiming (its iterations timed at each scale) for the main process."""
    history: list[dict] = []
    iterations: list[tuple[ScalePlan, float]] = []  # (scale, elapsed) of each iteration
    params = job.params
    try:
        for snapshot in stylize(job.content, job.styles, params, job.mask, start=job.start):
            history.append({"iteration": snapshot.iteration, **snapshot.losses})
            if not snapshot.done:  # timed against its scale's plan (tiles' windows)
                iterations.append((job.plan.scales[snapshot.scale - 1], snapshot.elapsed))
            if snapshot.image is None:
                continue
            done = snapshot.done
            yield (
                snapshot.image,
                _status(snapshot, job),
                _loss_frame(history, params),
                _progress(snapshot, job),
                save_result(snapshot, params, job.mask) if done else None,
            )
        # Its fixed share: on ZeroGPU a guess until a job fits it.
        fit = time_iterations(iterations, speed.MODEL.cost.fixed_share)
        yield JobTiming(params, job.content.size, snapshot.elapsed, fit, job.plan)
    except (ImageError, WeightsError, ValueError) as error:
        raise gr.Error(str(error), print_exception=False) from None
    except RuntimeError as error:  # torch.OutOfMemoryError on CUDA; plain RuntimeError on CPU/MPS
        if not _is_out_of_memory(error):
            raise
        clear_style_cache()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise gr.Error(
            f"Out of memory at {params.size} px. Try a smaller output size.", print_exception=False
        ) from None
    finally:
        _return_freed_memory()


def _gpu_duration(job: Job) -> int:
    return gpu_duration(plan_seconds(speed.MODEL.cost, job.plan))


# On ZeroGPU, spaces.GPU runs each call in a worker process holding the GPU for the duration
# asked; everywhere else the job runs in this process (spaces.GPU would return it unchanged).
if ZERO_GPU:
    import spaces

    run_on_gpu = spaces.GPU(duration=_gpu_duration)(_run_job)
else:
    run_on_gpu = _run_job


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


def _status(snapshot: Snapshot, job: Job) -> str:
    """One line of progress, then the job's notes (kept on every update, so none flashes by)."""
    width, height = snapshot.size
    head = "**Done.**" if snapshot.done else f"Iteration {snapshot.iteration}/{snapshot.total}"
    text = (
        f"{head} Scale {snapshot.scale}/{snapshot.scales} ({width}×{height}) · "
        f"{snapshot.elapsed:.1f} s"
    )
    eta = eta_seconds(snapshot, job.plan)
    if not snapshot.done and eta is not None:
        text += f" · about {eta:.0f} s left"
    return "\n\n".join([text, *(f"*{note}*" for note in job.notes)])


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


def _progress(snapshot: Snapshot, job: Job) -> dict:
    return {
        "estimate": job.estimate,  # seconds for the whole job, predicted before it started
        "estimate_measured": job.measured,  # False: that prediction is still a first guess
        "iteration": snapshot.iteration,
        "total": snapshot.total,
        "scale": snapshot.scale,
        "scales": snapshot.scales,
        "width": snapshot.size[0],
        "height": snapshot.size[1],
        "elapsed": round(snapshot.elapsed, 3),
        "eta": eta_seconds(snapshot, job.plan),
        "done": snapshot.done,
        "losses": dict(snapshot.losses),
        "style_layers": list(job.style_layers),  # matched at full size (the rank rule)
        "notes": list(job.notes),
    }
