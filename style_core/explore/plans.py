"""The five experiments' plans: from the decoded images and the resolved settings, the
panels' jobs in grid order (row by row) and the grid's columns.

Each optimising panel is an ordinary ``stylize`` run with its own parameters:

- a content reconstruction is a run with style_weight=0, one content layer, from noise;
- a texture is a run with content_weight=0 from noise, whose "content" is a grey image that
  only sets the size;
- a trade-off cell is an ordinary run with its own layers and weights.

"What the network sees" needs no optimisation: one forward pass per image.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image

from style_core.explore import drawing as draw
from style_core.explore.network import (
    cluster_order,
    correlations,
    layer_features,
    strongest_patches,
)
from style_core.explore.panels import (
    Panel,
    PanelJob,
    base_params,
    no_states,
    picture_job,
    run_job,
)
from style_core.explore.settings import ExploreSettings
from style_core.images import fit_size, resize
from style_core.params import LIMITS, STYLE_LAYERS_DEFAULT, StyleParams
from style_core.vgg import LAYER_NAMES


def style_set(deepest: str) -> tuple[str, ...]:
    """The growing style-layer set that ends at ``deepest``: the first ReLU of every block
    shallower than it, then it (relu3_1 -> relu1_1, relu2_1, relu3_1), as in Gatys et al.'s
    figures. The paper's five first ReLUs are the engine's default style layers."""
    depth = LAYER_NAMES.index(deepest)
    before = tuple(name for name in STYLE_LAYERS_DEFAULT if LAYER_NAMES.index(name) < depth)
    return before + (deepest,)


def set_label(layers: Sequence[str]) -> str:
    return layers[0] if len(layers) == 1 else f"{layers[0]}…{layers[-1]}"


def fitted(image: Image.Image, size: int) -> Image.Image:
    return resize(image, fit_size(*image.size, size))


# --------------------------------------------------------------------------------------
# 1-4: experiments that optimise


def plan_content_layers(
    images: list[Image.Image], settings: ExploreSettings
) -> tuple[list[PanelJob], int]:
    (photo,) = images
    jobs = [picture_job("photo (the target)", lambda: fitted(photo, settings.size))]
    for layer in settings.layers:
        # Content only: no style weight; the style image is only there because stylize
        # needs one, and relu1_1 keeps its (unused) Gram matrices cheap.
        params = base_params(
            settings,
            style_weight=0.0,
            content_weight=1.0,
            content_layers=(layer,),
            style_layers=("relu1_1",),
            init="noise",
        )
        jobs.append(run_job(f"from {layer}", photo, photo, params))
    return jobs, len(jobs)


def plan_texture_layers(
    images: list[Image.Image], settings: ExploreSettings
) -> tuple[list[PanelJob], int]:
    (style,) = images
    # The "content" only sets the texture's size (the painting's aspect ratio); its loss
    # has weight 0, at the shallowest layer so that it costs next to nothing.
    canvas = Image.new("RGB", fit_size(*style.size, settings.size), (128, 128, 128))
    finish = draw.make_tileable if settings.tileable else None
    jobs = [picture_job("painting (the target)", lambda: fitted(style, settings.size))]
    sets = [style_set(layer) for layer in settings.layers]
    # The deepest set twice, with two seeds: same statistics, another layout.
    runs = [(layers, settings.seed) for layers in sets] + [(sets[-1], settings.seed + 1)]
    for index, (layers, seed) in enumerate(runs):
        params = base_params(
            settings,
            seed=seed,
            # The style weight stays the engine's, so the losses read like an ordinary
            # run's (their scale does not change the steps: see ratio_weights).
            content_weight=0.0,
            content_layers=(layers[0],),
            style_layers=layers,
            init="noise",
        )
        label = set_label(layers)
        label += f", seed {seed}" if index >= len(sets) - 1 else ""
        jobs.append(run_job(label, canvas, style, params, finish))
    return jobs, len(jobs)


def ratio_weights(ratio: float) -> tuple[float, float]:
    """(content_weight, style_weight) with this ratio, both inside StyleParams' ranges.

    Only the ratio shapes a cell: style_core.lbfgs sizes its steps whatever the loss's
    scale (its first steps move the most-changed pixel a fixed amount, later ones are
    quasi-Newton steps, and a step that raised the loss is shortened by a backtracking line
    search). Measured at 64 px, 15 steps, fp32: both weights at 1/50 or 200 times theirs
    change a cell by 0.15 grey levels of 255 on average, as much as 1.001 times does. The
    style weight stays at the engine's default where it can, so that each cell's losses
    read like an ordinary run's; the content weight carries the ratio.
    """
    style_weight = StyleParams().style_weight
    content_weight = ratio * style_weight
    high = LIMITS["content_weight"][1]
    if content_weight > high:
        return high, high / ratio
    return content_weight, style_weight


def plan_tradeoff(
    images: list[Image.Image], settings: ExploreSettings
) -> tuple[list[PanelJob], int]:
    photo, style = images
    jobs = []
    for layer in settings.layers:
        layers = style_set(layer)
        for ratio in settings.ratios:
            content_weight, style_weight = ratio_weights(ratio)
            # Departure from the paper's figure: cells start from the photo, not from noise,
            # so that a few steps per cell suffice (Gatys et al. 2016 show both converge alike).
            params = base_params(
                settings,
                content_weight=content_weight,
                style_weight=style_weight,
                style_layers=layers,
                init="content",
            )
            jobs.append(run_job(f"{set_label(layers)} · {ratio:g}", photo, style, params))
    return jobs, len(settings.ratios)


INIT_LABELS = ("from the photo", "from noise")


def plan_init(images: list[Image.Image], settings: ExploreSettings) -> tuple[list[PanelJob], int]:
    photo, style = images
    jobs = [
        run_job(label, photo, style, base_params(settings, init=init))
        for label, init in zip(INIT_LABELS, ("content", "noise"))
    ]
    # The curves are drawn by derive_curves from the two runs' histories, as they grow.
    jobs.append(PanelJob("loss curves", no_states, work=0.0))
    return jobs, len(jobs)


def derive_curves(panels: list[Panel]) -> None:
    runs = panels[: len(INIT_LABELS)]
    histories = {panel.label: panel.history for panel in runs}
    if not any(histories.values()):
        return
    side = max((max(p.image.size) for p in runs if p.image is not None), default=256)
    curves = draw.loss_curves(histories, (side, round(side * 0.75)), "total loss")
    panels[-1] = Panel("loss curves", curves, done=all(p.done for p in runs))


# --------------------------------------------------------------------------------------
# 5: what the network sees (no optimisation; the analysis is in network.py)


PATCHES = 9  # a 3 x 3 mosaic
PATCH_BORDERS = ((31, 119, 180), (255, 127, 14))  # blue: from the photo; orange: the painting


def plan_network(
    images: list[Image.Image], settings: ExploreSettings
) -> tuple[list[PanelJob], int]:
    photo, style = (fitted(image, settings.size) for image in images)
    layer = settings.layers[0]
    # One forward pass per image: cheap next to any optimisation, so it runs here.
    seen_photo = layer_features(photo, layer, settings.device)  # (C, h, w)
    seen_style = layer_features(style, layer, settings.device)
    spread = seen_photo.flatten(1).std(1)  # channels whose map varies most show the most
    shown = spread.argsort(descending=True)[: settings.maps].tolist()
    channel = shown[0] if settings.channel is None else settings.channel

    def feature_map(index: int) -> Image.Image:
        return draw.map_image(seen_photo[index].numpy(), photo.size)

    def gram_picture() -> Image.Image:
        channels, height, width = seen_style.shape
        flat = seen_style.reshape(channels, height * width)
        similarity = correlations(flat @ flat.T)  # the Gram matrix, each channel's norm 1
        order = cluster_order(similarity)
        matrix = similarity[order][:, order].numpy()
        off_diagonal = matrix[~np.eye(len(matrix), dtype=bool)]
        # Colours span the off-diagonal values (2nd to 98th percentile): the diagonal's 1s
        # and a few outliers would otherwise squeeze the structure into one shade.
        low, high = np.percentile(off_diagonal, [2, 98])
        matrix = np.clip((matrix - low) / max(high - low, 1e-12), 0, 1)
        return draw.map_image(matrix, (settings.size, settings.size))

    def patches() -> Image.Image:
        found = strongest_patches(
            [(photo, seen_photo[channel]), (style, seen_style[channel])], layer, PATCHES
        )
        tile = (settings.size - 4) // 3
        framed = [_framed(crop, PATCH_BORDERS[source]) for source, crop in found]
        return draw.mosaic(framed, columns=3, tile=tile)

    channels = seen_style.shape[0]
    jobs = [picture_job("photo", lambda: photo)]
    jobs += [picture_job(f"{layer} channel {c}", lambda c=c: feature_map(c)) for c in shown]
    jobs += [
        picture_job("painting", lambda: style),
        picture_job(
            f"painting's Gram matrix at {layer} ({channels} channels, similar ones together)",
            gram_picture,
        ),
        picture_job(
            f"channel {channel}: its {PATCHES} strongest patches (blue: photo, orange: painting)",
            patches,
        ),
    ]
    return jobs, math.ceil(len(jobs) / 2)


def _framed(image: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    side = max(image.size)
    framed = Image.new("RGB", (side + 6, side + 6), colour)
    framed.paste(image.resize((side, side), Image.Resampling.LANCZOS), (3, 3))
    return framed
