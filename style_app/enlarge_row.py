"""The page's Enlarge row under the result: 2x or 4x of the last result PNG (the public
/enlarge), cancelled by Stop like a job."""

from __future__ import annotations

from typing import Any

import gradio as gr
from PIL import Image

from style_app.api_doc import IMAGE_HELP, describe_component, enlarge_parameter_help
from style_app.config import JOBS_PER_DEVICE, MAX_SIZE, MAX_STEPS
from style_app.enlarge import enlarge_job
from style_app.job import before_after
from style_app.widgets import name_errors

FACTORS = (2, 4)
# /enlarge's parameters that are no widget of the page: API name -> key of its hidden input.
API_ONLY = {"result_png": "png", "size": "size", "steps": "steps"}


def enlarge_widgets() -> dict[str, Any]:
    """The factor and the button; and /enlarge's own inputs, hidden: the click fills them
    from the page, API clients set them directly."""
    ui: dict[str, Any] = {}
    with gr.Row(equal_height=True):
        ui["enlarge_factor"] = gr.Radio(
            factor_choices(None),
            value=FACTORS[0],
            label="Enlarge the result",
            info="Continues it at the larger size, with its settings and mask, from the same "
            "content and style images",
            scale=3,
        )
        ui["enlarge"] = gr.Button("Enlarge", scale=1)
    ui["enlarge_png"] = gr.File(label="Result PNG", file_types=[".png"], visible=False)
    ui["enlarge_size"] = gr.Number(
        label="Size", precision=0, minimum=1, maximum=MAX_SIZE, visible=False
    )
    ui["enlarge_steps"] = gr.Number(
        label="Steps", precision=0, minimum=1, maximum=MAX_STEPS, visible=False
    )
    return ui


def factor_choices(png) -> list[tuple[str, int]]:
    """The factors, each with the size it gives the result PNG (capped to the app's largest)."""
    side = result_side(png)
    return [(_factor_label(factor, side), factor) for factor in FACTORS]


def _factor_label(factor: int, side: int | None) -> str:
    if side is None:
        return f"{factor}×"
    size = enlarged_size(side, factor)
    if size <= side:
        return f"{factor}× (already at the {MAX_SIZE} px limit)"
    return f"{factor}× → {size} px" + (" (the limit)" if size < factor * side else "")


def enlarged_size(side: int, factor: int) -> int:
    return min(factor * side, MAX_SIZE)


def result_side(png) -> int | None:
    """Long side of the result PNG the page holds (None: none, or unreadable)."""
    if png is None:
        return None
    try:
        with Image.open(png) as image:
            return max(image.size)
    except (OSError, ValueError):
        return None


def enlarge_request(png, factor: int) -> tuple[Any, int | None]:
    """The page's choice as /enlarge's inputs: the result PNG and the size in px."""
    side = result_side(png)
    return png, None if side is None else enlarged_size(side, factor)


def wire_enlarge(ui: dict[str, Any], private: dict) -> None:
    """Enlarge (the public /enlarge) streams into the result; Stop cancels it; the factors
    show the sizes of the result on the page."""
    api_only = {name: ui[f"enlarge_{key}"] for name, key in API_ONLY.items()}
    helps = enlarge_parameter_help(MAX_SIZE, MAX_STEPS)
    for name, component in api_only.items():
        name_errors(component, name)
        describe_component(component, helps[name])
    images = [ui[key] for key in ("content", "style", "style2")]
    for name, image in zip(("content", "style", "style2"), images):  # /stylize's inputs too
        describe_component(image, f"{IMAGE_HELP[name]}; in /enlarge: {helps[name]}")
    inputs = [api_only["result_png"], *images, api_only["size"], api_only["steps"]]
    # /stylize's outputs, in its order: a client reads both the same way.
    outputs = [ui[key] for key in ("output", "status", "plot", "progress", "download")]
    request = ui["enlarge"].click(
        enlarge_request,
        [ui["download"], ui["enlarge_factor"]],
        [api_only["result_png"], api_only["size"]],
        **private,
    )
    event = request.success(
        enlarge_job,
        inputs,
        outputs,
        api_name="enlarge",
        concurrency_limit=JOBS_PER_DEVICE,
        concurrency_id="gpu",  # one queue with the jobs: they share the device
        show_progress="minimal",
    )
    ui["stop"].click(None, cancels=[event], api_visibility="private")
    event.success(before_after, [ui["content"], ui["output"]], ui["compare"], **private)
    ui["download"].change(factor_update, ui["download"], ui["enlarge_factor"], **private)


def factor_update(png) -> gr.Radio:
    return gr.Radio(choices=factor_choices(png))
