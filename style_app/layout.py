"""The page: inputs on the left, the result on the right, and the events between them."""

from __future__ import annotations

from typing import Any

import gradio as gr

from style_app import canvas
from style_app.api_doc import describe_component, parameter_help
from style_app.config import DEFAULTS, EXAMPLES, JOBS_PER_DEVICE, QUEUE_SIZE
from style_app.enlarge_row import enlarge_widgets, wire_enlarge
from style_app.estimates import apply_quality, estimate, on_page_load, quality_choices
from style_app.examples import EXAMPLE_PAIRS, FIRST_RESULT, example_rows
from style_app.explore_tab import explore_tab
from style_app.job import MASK_MODES, before_after, stylize_job
from style_app.knob_notes import BLEND_INFO, blend_slider_update, layer_slider_updates
from style_app.queue_poll import poll_less
from style_app.restore import restore_settings
from style_app.settings import LayerWeights
from style_app.video_tab import video_tab
from style_app.widgets import name_errors, settings_widgets, uploaded_image

HEADER = """# 🎨 Neural style transfer
Paint your photo in the style of any picture. The image is optimised live with VGG19
(Gatys et al.): watch it form, stop it whenever you like, download the full-size PNG."""
FOOTER = """Method: Leon A. Gatys, Alexander S. Ecker, Matthias Bethge, *Image Style Transfer Using
Convolutional Neural Networks*, CVPR 2016. Weights: the original Caffe VGG19 (Simonyan &
Zisserman, 2014). Paintings: public domain, credited in `examples/README.md`. Every result
PNG carries its settings; drop it on "Restore settings"."""


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
        example_rows(),
        inputs=[ui["content"], ui["style"], ui["mask"]],
        label="Examples: a photo, a painting and, for one, a mask (click one to run it)",
        api_visibility="private",
    )
    ui["quality"] = gr.Radio(
        quality_choices(),
        value="Balanced",
        label="Quality (sets steps, size and content weight; the sliders below override it)",
    )
    with gr.Accordion("Blend in a second style", open=False):
        ui["style2"] = uploaded_image(label="Second style", height=200, sources=sources[::2])
        ui["blend"] = gr.Slider(
            0, 1, value=0.5, step=0.05, label="Share of the second style", info=BLEND_INFO
        )
    with gr.Accordion("Paint where the style goes", open=False):
        ui |= canvas.mask_widgets(ui["mask"])
    ui["settings"] = settings_widgets(advanced=False)
    with gr.Accordion("Advanced", open=False):
        ui["settings"] |= settings_widgets(advanced=True)
    return ui


def output_column() -> dict[str, Any]:
    """Result (the first example's, precomputed, until a run), status, Enlarge, plot, files."""
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
    ui["status"] = gr.Markdown(
        f"Pick a content and a style image, then press Run.{shown}",
        label="Status",  # the name API clients see; not shown on the page
        show_label=False,
    )
    ui |= enlarge_widgets()
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
        # No height: with one, Gradio 6.31 cuts off the legend under the plot.
        label="Loss curve",
        y_title="log10(loss × weight)",
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
    """Run/Stop/examples start and cancel the job, Enlarge continues its result; estimate,
    quality and restore update widgets; the canvas makes the mask."""
    settings = ui["settings"]
    private = dict(queue=False, show_progress="hidden", api_visibility="private")
    wire_job(ui, private)
    wire_enlarge(ui, private)
    timed = [ui["content"], settings["steps"], settings["size"], settings["multiscale"]]
    for component in timed:
        component.change(estimate, timed, ui["eta"], **private)
    fitted = [settings[name] for name in ("steps", "size", "content_weight")]  # by the quality
    ui["quality"].input(apply_quality, [ui["quality"], ui["content"]], fitted, **private)
    restored = [*settings.values(), ui["blend"], ui["mask"], ui["status"]]
    restore = ui["restore"].upload(restore_settings, ui["restore"], restored, **private)
    wire_painting(ui, restore, private)
    page = [ui["quality"], *fitted, ui["eta"]]
    demo.load(on_page_load, ui["content"], page, **private)
    wire_knob_notes(ui, demo, private)


def wire_knob_notes(ui: dict[str, Any], demo: gr.Blocks, private: dict) -> None:
    """Grey out, with the reason, a layer-weight slider the job would not use at these
    settings, and the blend share while a mask is set."""
    settings = ui["settings"]
    shaping = [ui["style"], *(settings[n] for n in ("size", "style_scale", "style_layers"))]
    sliders = [settings[name] for name in LayerWeights.names]
    for component in shaping:
        component.change(layer_slider_updates, shaping, sliders, **private)
    demo.load(layer_slider_updates, shaping, sliders, **private)
    ui["mask"].change(blend_slider_update, ui["mask"], ui["blend"], **private)


def wire_job(ui: dict[str, Any], private: dict) -> None:
    """Run (the public /stylize), the examples and Stop; the comparison slider after a job."""
    images = [ui["content"], ui["style"], ui["style2"], ui["blend"]]
    # The mask's parameters come last: existing clients pass the others by position.
    keywords = {**ui["settings"], "mask": ui["mask"], "mask_mode": ui["mask_mode"]}
    helps = parameter_help(MASK_MODES)
    for name, component in [
        *zip(("content", "style", "style2", "blend"), images),
        *keywords.items(),
    ]:
        name_errors(component, name)
        describe_component(component, helps[name])
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
    return dict(fn=canvas.painted_mask, inputs=[ui["painter"], ui["from_canvas"]], outputs=state)


def wire_painting(ui: dict[str, Any], restore: Any, private: dict) -> None:
    """Strokes become the mask; a new content, or a mask set another way, starts the canvas
    afresh; "clear" on the canvas drops the paint and the mask."""
    painter, content, mask, state = (
        ui[key] for key in ("painter", "content", "mask", "from_canvas")
    )
    painter.input(**_paint_to_mask(ui), **private)
    content.input(canvas.canvas_for_content, [content, mask], [painter, mask, state], **private)
    for event in (mask.upload, mask.clear, ui["examples"].load_input_event.then):
        event(canvas.canvas_for_mask, content, [painter, state], **private)
    painter.clear(canvas.clear_canvas, content, [painter, mask, state], **private)
    restore.success(
        canvas.canvas_after_restore, [ui["restore"], content], [painter, state], **private
    )


def build_demo() -> gr.Blocks:
    """The whole page, queued; nothing is launched and CUDA is not touched."""
    with gr.Blocks(title="Neural style transfer", delete_cache=(3600, 3600)) as demo:
        gr.Markdown(HEADER)
        with gr.Tab("Style transfer"):
            with gr.Row():
                with gr.Column(scale=1):
                    ui = input_column()
                with gr.Column(scale=1):
                    ui |= output_column()
        with gr.Tab("Video", elem_id="video-tab"):
            video_tab(demo)
        with gr.Tab("Explore"):
            explore_tab(demo)
        gr.Markdown(FOOTER)
        wire_events(ui, demo)
    demo.queue(max_size=QUEUE_SIZE)
    poll_less(demo)
    return demo
