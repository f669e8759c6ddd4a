"""The Video tab: a clip and a style in, the frame being made and the video so far out; the
example clip's finished result shown on first sight. The job itself is video_job.py."""

from __future__ import annotations

import gradio as gr

from style_app.api_doc import describe_component
from style_app.config import EXAMPLES, JOBS_PER_DEVICE, MAX_STEPS
from style_app.video_job import (
    STEPS,
    VIDEO_SIZE,
    estimate_text,
    stylize_video_job,
    video_parameter_help,
)
from style_app.widgets import name_errors, uploaded_image
from style_core.video import VIDEO_KNOBS, VideoParams

# Made by scripts/make_example_clip.py (the clip, then with --result its styled version).
EXAMPLE_CLIP = EXAMPLES / "clip_cat_coffee.mp4"
EXAMPLE_STYLE = EXAMPLES / "style_starry_night.jpg"
EXAMPLE_RESULT = EXAMPLES / "result_clip_cat_coffee_starry_night.mp4"
INTRO = """Paint a short clip in the style of a picture. Styling each frame on its own
flickers; here each frame starts from the one before, carried along the optical flow, and is
held to it where the flow can be trusted (Ruder, Dosovitskiy & Brox, 2016)."""
PRIVATE = dict(queue=False, show_progress="hidden", api_visibility="private")


def video_tab(demo: gr.Blocks) -> None:
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1):
            inputs = input_column()
        with gr.Column(scale=1):
            outputs = output_column()
    wire(inputs, outputs, demo)


def input_column() -> dict:
    ui: dict = {}
    with gr.Row():
        ui["clip"] = gr.Video(
            label="Clip",
            # Both sources: Gradio then keeps the upload as it is (one source of "webcam"
            # alone mirrors it with a system ffmpeg, which a Space may lack).
            sources=["upload", "webcam"],
            height=260,
        )
        ui["style"] = uploaded_image(label="Style", height=260, sources=["upload", "clipboard"])
    if EXAMPLE_CLIP.is_file():
        gr.Examples(
            [[str(EXAMPLE_CLIP), str(EXAMPLE_STYLE)]],
            inputs=[ui["clip"], ui["style"]],
            label="Example: the clip and painting of the result shown (click to load them)",
            api_visibility="private",
        )
    default_size, largest = VIDEO_SIZE
    ui["eta"] = gr.Markdown(estimate_text(None, default_size, STEPS, None, True))
    with gr.Row():
        ui["run"] = gr.Button("Run", variant="primary")
        ui["stop"] = gr.Button("Stop", variant="stop")
    video = VideoParams()
    ui["size"] = gr.Slider(
        64, largest, value=default_size, step=32, label="Frame size (long side, px)"
    )
    ui["steps"] = gr.Slider(1, MAX_STEPS, value=STEPS, step=1, label="Steps for the first frame")
    knobs = VIDEO_KNOBS
    ui["frame_steps"] = gr.Slider(
        *knobs["frame_steps"].ui[:2],
        value=video.frame_steps,
        step=knobs["frame_steps"].ui[2],
        label=knobs["frame_steps"].label,
        info=knobs["frame_steps"].help,
    )
    ui["temporal_weight"] = gr.Slider(
        *knobs["temporal_weight"].ui[:2],
        value=video.temporal_weight,
        step=knobs["temporal_weight"].ui[2],
        label=knobs["temporal_weight"].label,
        info=knobs["temporal_weight"].help,
    )
    ui["temporal"] = gr.Checkbox(
        value=video.temporal, label=knobs["temporal"].label, info=knobs["temporal"].help
    )
    return ui


def output_column() -> dict:
    ui: dict = {}
    shown = EXAMPLE_RESULT.is_file()
    ui["frame"] = gr.Image(
        label="Frame being made", type="pil", format="webp", height=300, interactive=False
    )
    ui["status"] = gr.Markdown(
        "Shown: the example clip's finished result, made in advance at the default settings."
        if shown
        else "Add a clip and a style image, then press Run.",
        label="Status",  # the name API clients see
        show_label=False,
    )
    ui["video"] = gr.Video(
        value=str(EXAMPLE_RESULT) if shown else None,
        label="Styled video (the frames done so far)",
        interactive=False,
        height=300,
    )
    with gr.Accordion("Progress JSON", open=False):
        ui["progress"] = gr.JSON(label="Progress")
    return ui


def wire(inputs: dict, outputs: dict, demo: gr.Blocks) -> None:
    names = ["clip", "style", "size", "steps", "frame_steps", "temporal_weight", "temporal"]
    helps = video_parameter_help()
    for name in names:
        name_errors(inputs[name], name)
        describe_component(inputs[name], helps[name])
    run = inputs["run"].click(
        stylize_video_job,
        [inputs[name] for name in names],
        [outputs[name] for name in ("frame", "status", "video", "progress")],
        api_name="stylize_video",
        concurrency_limit=JOBS_PER_DEVICE,
        concurrency_id="gpu",  # one job at a time on the device, pictures and clips alike
        show_progress="minimal",
        # Gradio 6.31's page ignores Run for good when Stop lands just as an update with a
        # video arrives (the cancelled event never completes there): let every click through.
        trigger_mode="multiple",
    )
    inputs["stop"].click(None, cancels=[run], api_visibility="private")
    timed = [inputs[name] for name in ("clip", "size", "steps", "frame_steps", "temporal")]
    for component in timed:
        component.change(estimate_text, timed, inputs["eta"], **PRIVATE)
