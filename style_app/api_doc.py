"""How ``/stylize``, ``/enlarge`` and the ``/explore_*`` endpoints describe themselves to API
clients and MCP tools, from the tables of knobs.

Gradio reads an endpoint's words from two places: the function's docstring (its description,
and, from the ``Args:`` section, each parameter's line in the MCP tool and the API page's MCP
tab) and each input component's ``api_info`` (the per-parameter description that
``/gradio_api/info`` and ``Client.view_api()`` show). Both are filled here from one text per
parameter, and every setting's text is its knob's ``help`` in ``style_core.params.KNOBS``: a
knob added there appears in the tool, the API page and the UI alike. The Explore endpoints'
settings take theirs from ``ExploreSettings``' field descriptions the same way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence

import gradio as gr

from style_app.settings import SETTING_FIELDS, LayerWeights
from style_core.explore import SETTINGS as EXPLORE_SETTINGS
from style_core.params import KNOBS

# The inputs that are not knobs: the images, the second style's share and the mask.
IMAGE_HELP = {
    "content": "the photo to repaint (an image file)",
    "style": "the picture whose style to copy (an image file)",
    "style2": "optional second style image, blended with the first by `blend`",
    "blend": "share of the second style, 0..1 (used only with style2 and no mask)",
    "mask": "optional mask image, white = style: where the style goes (black keeps the content, "
    "or gets style2 with mask_mode 'split')",
}


def setting_help(name: str) -> str:
    """One line for a setting, by API name: its knob's help (the type lists any choices)."""
    if name in LayerWeights.names:
        low, high, _ = LayerWeights.knob.ui
        layer = LayerWeights.names[name]
        return f"weight of the style loss at VGG19 layer {layer}, {low:g}..{high:g}; 1 = equal"
    return KNOBS[name].help


def parameter_help(mask_modes: Mapping[str, str]) -> dict[str, str]:
    """Every /stylize parameter's description, in the order clients pass them."""
    modes = "; ".join(f"'{mode}': {text.lower()}" for mode, text in mask_modes.items())
    return {
        **{name: IMAGE_HELP[name] for name in ("content", "style", "style2", "blend")},
        **{name: setting_help(name) for name in SETTING_FIELDS},
        "mask": IMAGE_HELP["mask"],
        "mask_mode": f"what a mask does: {modes}",
    }


def describe_parameters(fn: Callable, helps: Mapping[str, str]) -> None:
    """Add an ``Args:`` section to ``fn``'s docstring, and give a ``**settings`` function a
    signature that names each setting: Gradio only reads Args lines for names in the signature.
    """
    signature = inspect.signature(fn)
    kept = [p for p in signature.parameters.values() if p.kind != p.VAR_KEYWORD]
    named = {p.name for p in kept}
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
        for name in helps
        if name not in named
    ]
    fn.__signature__ = signature.replace(parameters=[*kept, *extra])
    # Before any Returns section: Gradio reads Args up to "Returns:" and Returns to the end.
    description, returns_mark, returns = inspect.getdoc(fn).partition("Returns:")
    lines = "".join(f"    {name}: {text}\n" for name, text in helps.items())
    fn.__doc__ = f"{description.rstrip()}\n\nArgs:\n{lines}\n{returns_mark}{returns}"


def describe_component(component: gr.components.Component, text: str) -> None:
    """Show ``text`` as this input's description on the API page and in ``view_api()``.

    Gradio 6.31 takes a parameter's description from the component's ``api_info()``
    ("additional_description"), which no constructor argument sets: an instance override,
    as style_app.widgets does for ``preprocess``."""
    info = component.api_info

    def api_info() -> dict:
        return {**info(), "additional_description": text}

    component.api_info = api_info


# --- The Enlarge endpoint (/enlarge) -------------------------------------------------------


def enlarge_parameter_help(max_size: int, max_steps: int) -> dict[str, str]:
    """Every /enlarge parameter's description, in the order clients pass them."""
    return {
        "result_png": "the full-size result PNG of a job made here (its settings and mask, "
        "embedded in it, decide the enlarged job; /stylize and /enlarge return one as png)",
        "content": "the content image the result was made from (an image file)",
        "style": "the style image the result was made from (an image file)",
        "style2": "the second style image, if the result was made with two",
        "size": f"long side of the enlarged picture in px: larger than the result's, at most "
        f"{max_size}; left out: twice the result's (up to {max_size})",
        "steps": f"iterations in all, shared by the new scales, at most {max_steps}; left out: "
        "as many per new scale as the result's own last scale took",
    }


# --- The Explore endpoints (/explore_<experiment>) -----------------------------------------

EXPLORE_IMAGE_HELP = {
    "photo": "the photo (an image file); omitted: the default photo the finished result was "
    "made from",
    "style": "the painting (an image file); omitted: the default painting (The Starry Night)",
}


def explore_parameter_help(roles: Sequence[str], settings: Sequence[str]) -> dict[str, str]:
    """Every /explore_<experiment> parameter's description, in the order clients pass them:
    the images by role, then the settings, each its ExploreSettings field's help."""
    helps = {role: EXPLORE_IMAGE_HELP[role] for role in roles}
    for name in settings:
        helps[name] = EXPLORE_SETTINGS[name].help
    if "ratios" in helps:  # the API takes them as one text, like the page's box
        helps["ratios"] += "; a text of numbers separated by spaces, e.g. '0.01 0.1 1 10'"
    return helps


def explore_description(title: str, caption: str, derive: bool) -> str:
    """The docstring of an /explore_<experiment> handler: what it shows, then its outputs."""
    curves = (
        "    loss_curves: log10 of each run's total loss per iteration (rows of iteration, "
        "start, log10 loss)\n"
        if derive
        else ""
    )
    return (
        f"Explore style transfer, experiment '{title}' (VGG19, Gatys et al.): {caption} "
        "Streams the labelled panels as they form; settings left out take the experiment's "
        "defaults, images left out the default ones.\n\n"
        "Returns:\n"
        "    panels: the labelled panels (image, caption) in grid order, row by row; each "
        "appears once it starts forming\n"
        '    status: one line of progress ("Panel 2/6 ...", then "**Done.** ...")\n'
        f"{curves}"
    )
