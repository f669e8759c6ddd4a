"""Enlarge: a finished result PNG continued at larger scales (``stylize(start=...)``), as the
command line's ``enlarge`` does, through the same checks, GPU wrapper and stream as a job."""

from __future__ import annotations

from dataclasses import replace
from typing import NoReturn

import gradio as gr
from PIL import Image

from style_app.api_doc import describe_parameters, enlarge_parameter_help
from style_app.config import DEFAULTS, MAX_SIZE, MAX_STEPS
from style_app.job import Job, check_size, make_job, stream
from style_app.settings import APP_DECIDES
from style_core import ImageError, StyleParams, load_image, read_params
from style_core.images import read_mask
from style_core.plan import enlarge_params

APP_STYLES = 2  # style and style2


def enlarge_job(result_png, content, style, style2=None, size=None, steps=None):
    """Enlarge a style-transfer result made here: continue it at larger scales (2x, 4x, ...)
    from the result itself instead of starting over (Gatys et al. style transfer with VGG19,
    coarse to fine), with the settings and mask its PNG carries. Give the same content and
    style images it was made from. Streams the enlarged image as it forms.

    Returns:
        result: the enlarged image as it forms (a preview at most 1024 px; the full size is png)
        status: one line of progress ("Iteration 3/20 ...", "**Done.** ...")
        loss_curve: log10 of each weighted loss term per iteration of the new scales
        progress: iteration, scale, size, elapsed and estimated seconds, losses (JSON)
        png: the full-size enlarged result, its settings (new size) embedded, on the last update
    """
    # The Args section is added below (style_app.api_doc); Gradio reads each Returns entry
    # from one line. Everything that can refuse the enlargement is checked here, before the
    # GPU is asked for, as for a job.
    job = prepare_enlargement(result_png, content, style, style2, size, steps)
    check_size(job, what="enlargement")
    yield from stream(job)


# Gradio reads the Args section for the API page and the MCP tool's parameters.
describe_parameters(enlarge_job, enlarge_parameter_help(MAX_SIZE, MAX_STEPS))


def prepare_enlargement(result_png, content, style, style2, size, steps) -> Job:
    """The result's job at the new size, every input checked and decoded (gr.Error if bad)."""
    if result_png is None:
        refuse("No result PNG to enlarge: run a job first, or give the PNG file a job here made.")
    if content is None:
        refuse("Add the content image the result was made from.")
    if style is None:
        refuse("Add the style image the result was made from.")
    params, mask, start = read_result(result_png)
    styles = [style] if style2 is None else [style, style2]
    check_style_count(params, len(styles))
    side = max(start.size)
    if size is None:
        size = min(2 * side, MAX_SIZE)  # the page's first choice
    check_limits(side, size, steps)
    try:
        params = enlarge_params(params, side, size, steps)
    except ValueError as error:  # a size not above the result's, too few steps
        refuse(str(error))
    job = make_job(params, content, styles, mask, start)
    note = f"Enlarging the {side} px result to {params.size} px: only the new scales run."
    return replace(job, notes=(note, *job.notes))


def read_result(path) -> tuple[StyleParams, Image.Image | None, Image.Image]:
    """The settings (with this app's device choices), mask and image a result PNG carries."""
    try:
        params = read_params(path)
        if params is None:
            refuse("That PNG carries no style-transfer settings: Enlarge needs a result made here.")
        mask = read_mask(path)
        image = load_image(path, "result PNG")
    except ImageError as error:  # not a PNG, damaged: the message names the file's problem
        refuse(str(error))
    except ValueError as error:  # the settings' own check names the field
        refuse(f"The settings in that PNG are not valid: {error}")
    # Where it runs is this app's to decide, not the settings' (made on another device).
    here = {name: getattr(DEFAULTS, name) for name in APP_DECIDES}
    return params.replace(**here), mask, image


def check_style_count(params: StyleParams, count: int) -> None:
    """The styles given must be the result's: its settings blend as many as it was made with.
    (With no blend recorded, one style or two split by its mask: the count is not known.)"""
    blended = len(params.style_blend)
    if blended > APP_STYLES:
        refuse(
            f"That result blends {blended} styles and the app takes two at most: enlarge it "
            "with the command line (python -m style_core enlarge)."
        )
    if blended == 2 and count == 1:
        refuse("That result was made with two style images: add the second as style2.")
    if blended == 1 and count == 2:
        refuse("That result was made with one style image: leave out style2.")


def check_limits(side: int, size: int, steps: int | None) -> None:
    """This app's largest output and most steps (the engine checks the rest)."""
    if side >= MAX_SIZE:
        refuse(f"That result is {side} px, already the largest this app makes ({MAX_SIZE} px).")
    if size > MAX_SIZE:
        refuse(f"size must be at most {MAX_SIZE} px, the largest this app makes; got {size}.")
    if steps is not None and steps > MAX_STEPS:
        refuse(f"steps must be at most {MAX_STEPS} here; got {steps}.")


def refuse(message: str) -> NoReturn:
    raise gr.Error(message, print_exception=False)
