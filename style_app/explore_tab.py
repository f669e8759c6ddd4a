"""The Explore tab (issue 16): the five experiments of ``style_core.explore``, one section each.

Each section: its images (the defaults the finished results were made from), its settings
(widgets generated from ``ExploreSettings``' field descriptions), Start and Cancel (and, for
content reconstruction, "same layers, another noise seed"), the finished result from
``examples/explore/`` until a run, then a grid gallery that streams the run's panels as they
form, the caption, and a time estimate from the app's speed model. Each experiment is the
public API endpoint ``/explore_<name>`` (dashes become underscores), queued with the main job
and described for the API page and MCP. The runs behind the buttons are explore_job.py.
"""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

from style_app.api_doc import describe_component, explore_parameter_help
from style_app.config import JOBS_PER_DEVICE, ROOT
from style_app.explore_job import (
    api_name,
    estimate_text,
    knob_default,
    make_job,
    make_start,
    next_seed,
)
from style_app.widgets import name_errors, uploaded_image
from style_core.explore import (
    DEFAULT_IMAGES,
    EXPERIMENTS,
    INIT_LABELS,
    SETTINGS,
    Experiment,
)
from style_core.explore.drawing import CURVE_COLOURS
from style_core.params import Knob
from style_core.vgg import LAYER_NAMES

FINISHED = ROOT / "examples" / "explore"  # made by scripts/make_explore.py
INTRO = """Five experiments that show *why* style transfer works, on the same engine as the
demo. Each shows its finished result for the default images below; change the images or the
settings and press Start to watch it form again."""
ROLE_LABELS = {"photo": "Photo", "style": "Painting"}
# Which experiments get a "same layers, another noise seed" button (issue 16, item 1).
SEED_AGAIN = {name: name == "content-layers" for name in EXPERIMENTS}
PRIVATE = dict(queue=False, show_progress="hidden", api_visibility="private")


def setting_widget(name: str, knob: Knob, value: Any) -> gr.components.Component | None:
    """The widget for one explore setting, from its description (None: no widget, e.g. device)."""
    label, info = knob.label, knob.help
    if knob.widget == "slider":
        low, high, step = knob.ui
        whole = 0 if isinstance(value, int) else None  # the API types them as integers
        return gr.Slider(low, high, value=value, step=step, precision=whole, label=label, info=info)
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


def finished_result(spec: Experiment) -> tuple[str | None, str]:
    """The finished grid for the default images (examples/explore/, made by a script) and the
    status line that says what is shown."""
    path, record = FINISHED / f"{spec.name}.jpg", FINISHED / f"{spec.name}.json"
    if not path.is_file():
        return None, "Press Start to run it."
    data = json.loads(record.read_text()) if record.is_file() else {}
    seconds = f" ({data['seconds']:.0f} s on a 2-core CPU)" if "seconds" in data else ""
    return str(path), f"Shown: the finished result for the default images{seconds}."


def result_column(spec: Experiment) -> tuple[gr.Image, gr.Gallery, list]:
    """The finished grid, the run's gallery (hidden until a run starts) and the run's outputs.

    The finished grid is one picture in a gr.Image, not a gallery in preview mode: Gradio
    6.31's gallery focuses its selected thumbnail when it renders, so five of them in preview
    mode scrolled the tab to its last section, past the first grids, whose lazy images then
    never loaded. A run's panels stream into a gallery in grid mode, one grid cell a panel."""
    path, shown = finished_result(spec)
    finished = gr.Image(
        path,
        label="Finished result (default images)",
        show_label=False,  # the status line under it says what it is
        interactive=False,
        buttons=["download", "fullscreen"],
        visible=path is not None,
    )
    gallery = gr.Gallery(
        label="Panels",
        preview=False,  # a grid: one cell a panel (Gradio's height: up to 55% of the window)
        object_fit="contain",
        interactive=False,
        visible=path is None,
    )
    status = gr.Markdown(shown, label="Status", show_label=False)  # the name API clients see
    outputs = [gallery, status]
    if spec.derive:
        outputs.append(
            gr.LinePlot(
                x="iteration",
                y="log10 loss",
                color="start",
                # The colours of the loss-curve panel's picture (explore_job.curves says why
                # every run is in the data from the first update on).
                color_map=dict(zip(INIT_LABELS, map(_hex, CURVE_COLOURS))),
                # No height: with one, Gradio 6.31 cuts off the legend under the plot.
                label="log10(total loss) per iteration",
                visible=path is None,  # empty until a run
            )
        )
    columns = gr.State()  # the run's grid columns (last output: a State is not in the API)
    columns.change(lambda count: gr.Gallery(columns=count), columns, gallery, **PRIVATE)
    return finished, gallery, [*outputs, columns]


def input_column(spec: Experiment) -> tuple[dict, dict]:
    """The experiment's images (its defaults) and its settings' widgets, by API name."""
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
    return images, settings


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{channel:02x}" for channel in rgb)


def experiment_section(spec: Experiment, demo: gr.Blocks) -> None:
    """One experiment's accordion, its events wired; the public API /explore_<name>."""
    with gr.Accordion(spec.title, open=True, elem_id=f"explore-{spec.name}"):
        with gr.Row():
            with gr.Column(scale=1):
                images, settings = input_column(spec)
                eta = gr.Markdown(estimate_text(spec, [None] * len(spec.images), {}))
                with gr.Row():
                    start = gr.Button("Start", variant="primary")
                    cancel = gr.Button("Cancel", variant="stop")
                # Issue 16: the same layers from other noise show that what is kept is the photo.
                again = (
                    gr.Button("Same layers, another noise seed") if SEED_AGAIN[spec.name] else None
                )
            with gr.Column(scale=2):
                finished, gallery, outputs = result_column(spec)
                gr.Markdown(spec.caption)
    keywords = {**images, **settings}
    helps = explore_parameter_help(spec.images, list(settings))
    for name, component in keywords.items():
        name_errors(component, name)
        describe_component(component, helps[name])
    job = dict(
        fn=make_job(spec, list(settings)),
        inputs_kwargs=keywords,
        outputs=outputs,
        concurrency_limit=JOBS_PER_DEVICE,
        concurrency_id="gpu",  # one queue with the main job
        show_progress="minimal",
    )
    # Start checks the input and swaps the finished grid for the run's gallery; then the run.
    swap = dict(fn=make_start(spec), inputs_kwargs=keywords, outputs=[finished, *outputs[:-1]])
    runs = [start.click(**swap, **PRIVATE).success(**job, api_name=api_name(spec.name))]
    if again is not None:
        seed = settings["seed"]
        again_event = again.click(next_seed, seed, seed, **PRIVATE).success(**swap, **PRIVATE)
        runs.append(again_event.success(**job, api_visibility="private"))
    cancel.click(None, cancels=runs, api_visibility="private")
    wire_estimate(spec, images, settings, eta, demo)


def wire_estimate(spec: Experiment, images: dict, settings: dict, eta, demo: gr.Blocks) -> None:
    """The time estimate follows every image and setting, and the speed measured since the
    page was built."""

    def refresh(*values):
        return estimate_text(
            spec, list(values[: len(images)]), dict(zip(settings, values[len(images) :]))
        )

    watched = [*images.values(), *settings.values()]
    for component in watched:
        component.change(refresh, watched, eta, **PRIVATE)
    demo.load(refresh, watched, eta, **PRIVATE)


def explore_tab(demo: gr.Blocks) -> None:
    """The Explore tab's contents (call inside ``gr.Tab``)."""
    gr.Markdown(INTRO)
    for spec in EXPERIMENTS.values():
        experiment_section(spec, demo)
