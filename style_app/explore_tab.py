"""The Explore tab (issue 16): the five experiments of ``style_core.explore``, one section each.

Each section: its images (the defaults the finished results were made from), its settings
(widgets generated from ``ExploreSettings``' field descriptions), Start and Cancel, a gallery
that opens on the finished result from ``examples/explore/`` and streams the panels as they
form, the caption, and a time estimate from the app's speed model. Each experiment is the
public API endpoint ``/explore_<name>`` (dashes become underscores), queued with the main job.
The runs behind the buttons are explore_job.py.
"""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

from style_app.config import JOBS_PER_DEVICE, ROOT
from style_app.explore_job import api_name, estimate_text, knob_default, make_job
from style_app.widgets import name_errors, uploaded_image
from style_core.explore import (
    DEFAULT_IMAGES,
    EXPERIMENTS,
    SETTINGS,
    Experiment,
)
from style_core.params import Knob
from style_core.vgg import LAYER_NAMES

FINISHED = ROOT / "examples" / "explore"  # made by scripts/make_explore.py
INTRO = """Five experiments that show *why* style transfer works, on the same engine as the
demo. Each shows its finished result for the default images below; change the images or the
settings and press Start to watch it form again."""
ROLE_LABELS = {"photo": "Photo", "style": "Painting"}


def setting_widget(name: str, knob: Knob, value: Any) -> gr.components.Component | None:
    """The widget for one explore setting, from its description (None: no widget, e.g. device)."""
    label, info = knob.label, knob.help
    if knob.widget == "slider":
        low, high, step = knob.ui
        return gr.Slider(low, high, value=value, step=step, label=label, info=info)
    if knob.widget == "number":
        low, high = knob.limits
        return gr.Number(value, precision=0, minimum=low, maximum=high, label=label, info=info)
    if knob.widget == "checkbox":
        return gr.Checkbox(value=value, label=label, info=info)
    if knob.widget == "layers":
        choices = [layer for layer in LAYER_NAMES if not layer.startswith("conv")]
        return gr.Dropdown(choices, value=list(value), multiselect=True, label=label, info=info)
    if knob.widget == "ratios":
        text = " ".join(f"{ratio:g}" for ratio in value)
        return gr.Textbox(text, label=label, info=f"{info}; numbers separated by spaces")
    return None


# --------------------------------------------------------------------------------------
# The page


def finished_result(spec: Experiment) -> tuple[list[tuple[str, str]], int]:
    """The finished grid for the default images (shown large until a run), and the grid's
    columns at the default settings (the gallery's columns for a run's panels)."""
    path, record = FINISHED / f"{spec.name}.jpg", FINISHED / f"{spec.name}.json"
    data = json.loads(record.read_text()) if record.is_file() else {}
    columns = int(data.get("columns", 3))
    if not path.is_file():
        return [], columns
    seconds = f", {data['seconds']:.0f} s on a 2-core CPU" if "seconds" in data else ""
    return [(str(path), f"finished result for the default images{seconds}")], columns


def experiment_section(spec: Experiment, demo: gr.Blocks) -> None:
    """One experiment's accordion, its events wired; the public API /explore_<name>."""
    with gr.Accordion(spec.title, open=True):
        with gr.Row():
            with gr.Column(scale=1):
                images = {}
                with gr.Row():
                    for role in spec.images:
                        images[role] = uploaded_image(
                            value=str(DEFAULT_IMAGES[role]),
                            label=ROLE_LABELS[role],
                            height=180,
                            sources=["upload", "clipboard"],
                        )
                settings = {}
                for name in spec.uses:
                    widget = setting_widget(name, SETTINGS[name], knob_default(spec, name))
                    if widget is not None:
                        settings[name] = widget
                eta = gr.Markdown(estimate_text(spec, [None] * len(spec.images), {}))
                with gr.Row():
                    start = gr.Button("Start", variant="primary")
                    cancel = gr.Button("Cancel", variant="stop")
            with gr.Column(scale=2):
                finished, columns = finished_result(spec)
                gallery = gr.Gallery(
                    finished,
                    label="Panels",
                    columns=columns,
                    preview=bool(finished),  # the finished grid large at once
                    selected_index=0 if finished else None,
                    height=420,
                    object_fit="contain",
                    interactive=False,
                )
                status = gr.Markdown("Shown: the finished result for the default images.")
                outputs = [gallery, status]
                if spec.derive:
                    outputs.append(
                        gr.LinePlot(
                            x="iteration",
                            y="log10 loss",
                            color="start",
                            height=220,
                            label="log10(total loss) per iteration",
                        )
                    )
                gr.Markdown(spec.caption)
    keywords = {**images, **settings}
    for name, component in keywords.items():
        name_errors(component, name)
    run_event = start.click(
        make_job(spec),
        inputs_kwargs=keywords,
        outputs=outputs,
        api_name=api_name(spec.name),
        concurrency_limit=JOBS_PER_DEVICE,
        concurrency_id="gpu",  # one queue with the main job
        show_progress="minimal",
    )
    cancel.click(None, cancels=[run_event], api_visibility="private")

    def refresh(*values):
        return estimate_text(
            spec, list(values[: len(images)]), dict(zip(settings, values[len(images) :]))
        )

    watched = [*images.values(), *settings.values()]
    private = dict(queue=False, show_progress="hidden", api_visibility="private")
    for component in watched:
        component.change(refresh, watched, eta, **private)
    demo.load(refresh, watched, eta, **private)  # the speed measured since the page was built


def explore_tab(demo: gr.Blocks) -> None:
    """The Explore tab's contents (call inside ``gr.Tab``)."""
    gr.Markdown(INTRO)
    for spec in EXPERIMENTS.values():
        experiment_section(spec, demo)
