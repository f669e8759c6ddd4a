"""Gradio demo for style_core: UI wiring only; every computation goes through ``stylize``.

Runs unchanged on a CPU machine, a dedicated-GPU Space and a ZeroGPU Space (``spaces`` is
optional; CUDA is never touched at import).
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import inspect
import math
import os
import tempfile
import threading
from pathlib import Path

import gradio as gr
import pandas as pd
import torch

from style_core import ImageError, Snapshot, StyleParams, WeightsError, read_params, stylize
from style_core.devices import resolve_device
from style_core.engine import clear_gram_cache, scale_work
from style_core.images import image_size, save_png
from style_core.params import (
    BACKBONES,
    COLOR_MODES,
    INITS,
    LIMITS,
    OPTIMIZERS,
    POOLINGS,
    STYLE_LAYERS_DEFAULT,
    preset_for,
)
from style_core.vgg import get_vgg19, load_caffe_state

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
MAX_SIZE = 2048 if HAS_GPU else 1024
# Seconds per (pixel x iteration), refined after every finished run. The CPU prior was
# measured on a 2-core AVX-512 CPU (bf16); the GPU prior is a guess until the first run.
seconds_per_work = {"value": 2.0e-8 if HAS_GPU else 3.6e-6}

HEADER = """# 🎨 Neural style transfer
Paint your photo in the style of any picture. The image is optimised live with VGG19
(Gatys et al.): watch it form, stop it whenever you like, download the full-size PNG."""
FOOTER = """Method: Leon A. Gatys, Alexander S. Ecker, Matthias Bethge, *Image Style Transfer Using
Convolutional Neural Networks*, CVPR 2016. Weights: the original Caffe VGG19 (Simonyan &
Zisserman, 2014). Every result PNG carries its settings; drop it on "Restore settings"."""


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
        try:
            return check(payload)
        except (gr.Error, ValueError, TypeError) as error:
            if isinstance(component, (gr.Slider, gr.Number)):
                message = _range_message(component, name, payload)
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


def build_params(
    style_weight,
    content_weight,
    steps,
    size,
    tv_weight,
    style_scale,
    color,
    blend,
    has_second_style,
    optimizer,
    init,
    pooling,
    layer_weights,
    multiscale,
    seed,
    backbone,
) -> StyleParams:
    """Widget values -> validated StyleParams (gr.Error on anything out of range)."""
    try:
        return StyleParams(
            style_weight=float(style_weight),
            content_weight=float(content_weight),
            steps=_as_int(steps, "steps"),
            size=_as_int(size, "size"),
            tv_weight=float(tv_weight),
            style_scale=float(style_scale),
            color=color,
            style_blend=(1.0 - float(blend), float(blend)) if has_second_style else (),
            optimizer=optimizer,
            init=init,
            pooling=pooling,
            style_layer_weights=tuple(float(w) for w in layer_weights),
            multiscale=bool(multiscale),
            seed=_as_int(seed, "seed"),
            backbone=backbone,
            device=DEFAULTS.device,
            precision=DEFAULTS.precision,
        ).validate()
    except (TypeError, ValueError) as error:
        raise gr.Error(str(error), print_exception=False) from None


def _as_int(value, name: str) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"{name} must be a whole number; got {value!r}")


def stylize_job(
    content,
    style,
    style2=None,
    blend=0.5,
    style_weight=DEFAULTS.style_weight,
    content_weight=DEFAULTS.content_weight,
    steps=DEFAULTS.steps,
    size=DEFAULTS.size,
    tv_weight=DEFAULTS.tv_weight,
    style_scale=DEFAULTS.style_scale,
    color=DEFAULTS.color,
    optimizer=DEFAULTS.optimizer,
    init=DEFAULTS.init,
    pooling=DEFAULTS.pooling,
    w_relu1_1=1.0,
    w_relu2_1=1.0,
    w_relu3_1=1.0,
    w_relu4_1=1.0,
    w_relu5_1=1.0,
    multiscale=DEFAULTS.multiscale,
    seed=DEFAULTS.seed,
    backbone=DEFAULTS.backbone,
):
    """Stream (image, status, loss plot, progress JSON, PNG file) while the image forms."""
    if content is None:
        raise gr.Error("Add a content image (the photo to repaint).", print_exception=False)
    if style is None:
        raise gr.Error(
            "Add a style image (the picture whose style to copy).", print_exception=False
        )
    params = build_params(
        style_weight,
        content_weight,
        steps,
        size,
        tv_weight,
        style_scale,
        color,
        blend,
        style2 is not None,
        optimizer,
        init,
        pooling,
        (w_relu1_1, w_relu2_1, w_relu3_1, w_relu4_1, w_relu5_1),
        multiscale,
        seed,
        backbone,
    )
    styles = [style] if style2 is None else [style, style2]
    yield from _stream(content, styles, params)


def _stream(content, styles, params: StyleParams):
    history: list[dict] = []
    try:
        for snapshot in stylize(content, styles, params):
            history.append({"iteration": snapshot.iteration, **snapshot.losses})
            if snapshot.image is None:
                continue
            download = _save_result(snapshot, params) if snapshot.done else None
            yield (
                snapshot.image,
                _status(snapshot),
                _loss_frame(history, params),
                _progress(snapshot),
                download,
            )
        _learn_speed(snapshot, params)
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
    _job_signature = inspect.signature(stylize_job)

    def _gpu_seconds(*args, **kwargs) -> int:
        bound = _job_signature.bind(*args, **kwargs)
        bound.apply_defaults()
        try:
            steps, size = float(bound.arguments["steps"]), float(bound.arguments["size"])
        except (TypeError, ValueError):
            return 30  # bad values are rejected inside the job anyway
        return int(min(300, 20 + steps * (size / 1024) ** 2 * 0.15))

    stylize_job = spaces.GPU(duration=_gpu_seconds)(stylize_job)


def _status(snapshot: Snapshot) -> str:
    width, height = snapshot.size
    head = "**Done.**" if snapshot.done else f"Iteration {snapshot.iteration}/{snapshot.total}"
    text = (
        f"{head} Scale {snapshot.scale}/{snapshot.scales} ({width}×{height}) · "
        f"{snapshot.elapsed:.1f} s"
    )
    if not snapshot.done and snapshot.eta is not None:
        text += f" · about {snapshot.eta:.0f} s left"
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


def _progress(snapshot: Snapshot) -> dict:
    return {
        "iteration": snapshot.iteration,
        "total": snapshot.total,
        "scale": snapshot.scale,
        "scales": snapshot.scales,
        "width": snapshot.size[0],
        "height": snapshot.size[1],
        "elapsed": round(snapshot.elapsed, 3),
        "eta": snapshot.eta,
        "done": snapshot.done,
        "losses": dict(snapshot.losses),
    }


def _save_result(snapshot: Snapshot, params: StyleParams) -> str:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for old in sorted(RESULTS_DIR.glob("*.png"), key=os.path.getmtime)[:-50]:
        old.unlink(missing_ok=True)  # keep the folder bounded on a long-running server
    handle, name = tempfile.mkstemp(prefix="stylized-", suffix=".png", dir=RESULTS_DIR)
    os.close(handle)
    return str(save_png(snapshot.image, name, params))


def _learn_speed(final: Snapshot, params: StyleParams) -> None:
    """Refine the seconds-per-work estimate from a finished run (its output has the aspect)."""
    work = sum(scale_work(params, final.size))
    seconds_per_work["value"] = 0.5 * seconds_per_work["value"] + 0.5 * final.elapsed / work


def estimate(content, steps, size, multiscale) -> str:
    """Run-time estimate shown before Run, from the planned work and the learned speed."""
    try:
        params = StyleParams(
            steps=_as_int(steps, "steps"), size=_as_int(size, "size"), multiscale=bool(multiscale)
        ).validate()
        content_size = image_size(content) if content is not None else (4, 3)
    except ValueError:
        return ""
    seconds = sum(scale_work(params, content_size)) * seconds_per_work["value"]
    where = "this GPU" if HAS_GPU else "this CPU"
    return f"⏱ about {max(1, round(seconds))} s on {where}"


def restore_settings(path):
    """A result PNG -> the settings it was made with (sliders and choices updated)."""
    if path is None:
        return [gr.update()] * len(SETTING_FIELDS)
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
    values = dataclasses.asdict(params)
    weights = params.style_layer_weights or (1.0,) * len(STYLE_LAYERS_DEFAULT)
    layer_values = dict(zip(STYLE_LAYERS_DEFAULT, weights))
    gr.Info("Settings restored from the PNG.")
    return [values[f] if f in values else layer_values[f] for f in SETTING_FIELDS]


SETTING_FIELDS = (
    "style_weight",
    "content_weight",
    "steps",
    "size",
    "tv_weight",
    "style_scale",
    "color",
    "optimizer",
    "init",
    "pooling",
    *STYLE_LAYERS_DEFAULT,
    "multiscale",
    "seed",
    "backbone",
)


# Example pairs, the most striking first (landscape photos also finish sooner than square).
EXAMPLE_PAIRS = (
    ("chelsea", "stained_glass"),
    ("coffee", "swirls"),
    ("rocket", "woodcut"),
    ("astronaut", "pointillism"),
)


def _examples() -> list[list[str]]:
    return [
        [str(EXAMPLES / f"content_{content}.jpg"), str(EXAMPLES / f"style_{style}.jpg")]
        for content, style in EXAMPLE_PAIRS
    ]


def build_demo() -> gr.Blocks:
    with gr.Blocks(title="Neural style transfer", delete_cache=(3600, 3600)) as demo:
        gr.Markdown(HEADER)
        with gr.Row():
            with gr.Column(scale=1):
                with gr.Row():
                    content = uploaded_image(
                        label="Content",
                        height=260,
                        sources=["upload", "webcam", "clipboard"],
                    )
                    style = uploaded_image(
                        label="Style",
                        height=260,
                        sources=["upload", "webcam", "clipboard"],
                    )
                eta = gr.Markdown(estimate(None, DEFAULTS.steps, DEFAULTS.size, True))
                with gr.Row():
                    run = gr.Button("Run", variant="primary")
                    stop = gr.Button("Stop", variant="stop")
                examples = gr.Examples(
                    _examples(),
                    inputs=[content, style],
                    label="Examples (click one to run it)",
                    api_visibility="private",
                )
                with gr.Accordion("Blend in a second style", open=False):
                    style2 = uploaded_image(
                        label="Second style",
                        height=200,
                        sources=["upload", "clipboard"],
                    )
                    blend = gr.Slider(0, 1, value=0.5, step=0.05, label="Share of the second style")
                style_weight = gr.Slider(
                    0.5, 100, value=DEFAULTS.style_weight, step=0.5, label="Style strength"
                )
                content_weight = gr.Slider(
                    0, 10, value=DEFAULTS.content_weight, step=0.1, label="Content weight"
                )
                steps = gr.Slider(
                    10,
                    1000 if not HAS_GPU else 2000,
                    value=DEFAULTS.steps,
                    step=10,
                    label="Steps (iterations)",
                )
                size = gr.Slider(
                    128, MAX_SIZE, value=DEFAULTS.size, step=32, label="Output size (long side, px)"
                )
                tv_weight = gr.Slider(
                    0, 100, value=DEFAULTS.tv_weight, step=1, label="Smoothness (total variation)"
                )
                style_scale = gr.Slider(
                    0.25,
                    2.0,
                    value=DEFAULTS.style_scale,
                    step=0.05,
                    label="Style scale (brush size)",
                )
                color = gr.Radio(
                    list(COLOR_MODES), value=DEFAULTS.color, label="Preserve the content's colours"
                )
                with gr.Accordion("Advanced", open=False):
                    optimizer = gr.Radio(
                        list(OPTIMIZERS), value=DEFAULTS.optimizer, label="Optimiser"
                    )
                    init = gr.Radio(list(INITS), value=DEFAULTS.init, label="Start from")
                    pooling = gr.Radio(list(POOLINGS), value=DEFAULTS.pooling, label="Pooling")
                    layer_sliders = [
                        gr.Slider(0, 5, value=1.0, step=0.1, label=f"Style layer weight {name}")
                        for name in STYLE_LAYERS_DEFAULT
                    ]
                    multiscale = gr.Checkbox(
                        value=DEFAULTS.multiscale, label="Coarse-to-fine (faster at large sizes)"
                    )
                    seed = gr.Number(
                        value=DEFAULTS.seed,
                        precision=0,
                        label="Seed",
                        minimum=LIMITS["seed"][0],
                        maximum=LIMITS["seed"][1],
                    )
                    backbone = gr.Radio(
                        list(BACKBONES),
                        value=DEFAULTS.backbone,
                        label="Backbone (torchvision weights download once)",
                    )
            with gr.Column(scale=1):
                output = gr.Image(
                    label="Result",
                    type="pil",
                    format="webp",
                    height=420,
                    interactive=False,
                    buttons=["fullscreen"],
                )
                status = gr.Markdown("Pick a content and a style image, then press Run.")
                plot = gr.LinePlot(
                    x="iteration",
                    y="log10 loss",
                    color="term",
                    color_map={"style": "#e8590c", "content": "#1c7ed6"},
                    height=220,
                    label="log10(loss × weight): style (orange), content (blue)",
                )
                download = gr.File(
                    label="Full-size PNG (settings embedded)", interactive=False, height=90
                )
                with gr.Accordion("Progress JSON", open=False):
                    progress = gr.JSON(label="Progress")
                with gr.Accordion("Restore settings from a result PNG", open=False):
                    restore = gr.File(
                        label="Result PNG", file_types=[".png"], type="filepath", height=120
                    )
        gr.Markdown(FOOTER)

        # The parameters a result PNG can restore; the job takes the images first.
        settings = [
            style_weight,
            content_weight,
            steps,
            size,
            tv_weight,
            style_scale,
            color,
            optimizer,
            init,
            pooling,
            *layer_sliders,
            multiscale,
            seed,
            backbone,
        ]
        inputs = [content, style, style2, blend, *settings]
        for component, name in zip(inputs, inspect.signature(stylize_job).parameters, strict=True):
            name_errors(component, name)
        outputs = [output, status, plot, progress, download]
        job = dict(
            fn=stylize_job,
            inputs=inputs,
            outputs=outputs,
            concurrency_limit=JOBS_PER_DEVICE,
            concurrency_id="gpu",
            show_progress="minimal",
        )
        run_event = run.click(**job, api_name="stylize")
        example_event = examples.load_input_event.then(**job, api_visibility="private")
        stop.click(None, cancels=[run_event, example_event], api_visibility="private")
        for trigger in (content.change, steps.change, size.change, multiscale.change):
            trigger(
                estimate,
                [content, steps, size, multiscale],
                eta,
                queue=False,
                show_progress="hidden",
                api_visibility="private",
            )
        restore.upload(restore_settings, restore, settings, queue=False, api_visibility="private")
    demo.queue(max_size=QUEUE_SIZE)
    return demo


demo = build_demo()


def warm_up() -> None:
    """Load the weights before the first visitor arrives (the network too, off ZeroGPU)."""
    load_caffe_state()
    if spaces is None:  # on ZeroGPU, CUDA may only be touched inside @spaces.GPU
        get_vgg19(DEFAULTS.backbone, DEFAULTS.pooling, resolve_device(DEFAULTS.device))


def main() -> None:
    parser = argparse.ArgumentParser(description="Neural style transfer demo")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    )
    parser.add_argument("--share", action="store_true", help="create a public share link")
    args = parser.parse_args()
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
