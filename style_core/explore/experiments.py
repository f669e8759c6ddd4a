"""The five experiments, in the order they tell the story: what each shows (title and
caption, shown under its grid), which images and settings it takes, its defaults, and the
plan that makes its panels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from style_core.explore.panels import Panel, PanelJob
from style_core.explore.plans import (
    derive_curves,
    plan_content_layers,
    plan_init,
    plan_network,
    plan_texture_layers,
    plan_tradeoff,
)
from style_core.explore.settings import ExploreSettings
from style_core.params import STYLE_LAYERS_DEFAULT


@dataclass(frozen=True)
class Experiment:
    """One experiment: what it shows, which images and settings it takes, and its defaults."""

    name: str
    title: str
    caption: str  # two or three sentences on what to notice, shown under the grid
    images: tuple[str, ...]  # the role of each input image, in order: "photo", "style"
    uses: tuple[str, ...]  # the ExploreSettings it reads; others must keep their defaults
    size: int  # default panel size: each experiment finishes in about a minute on 2 CPU cores
    steps: int  # default L-BFGS iterations per panel (0: no optimisation)
    layers: tuple[str, ...]  # default layers
    # Builds the panels' jobs from the decoded images; returns them and the grid's columns.
    plan: Callable[[list[Image.Image], ExploreSettings], tuple[list[PanelJob], int]]
    ratios: tuple[float, ...] = ()  # default ratios (tradeoff)
    # Recomputes panels that summarise others (the init experiment's loss curves).
    derive: Callable[[list[Panel]], None] | None = None


EXPERIMENTS: dict[str, Experiment] = {
    spec.name: spec
    for spec in (
        Experiment(
            name="content-layers",
            title="1. Content reconstruction by layer",
            caption=(
                "Each panel starts from white noise and changes only its pixels until its "
                "features at one VGG19 layer match the photo's (Gatys, Ecker & Bethge 2016, "
                "Image Style Transfer Using Convolutional Neural Networks, Fig. 1). Shallow "
                "layers give the photo back almost exactly; deep ones keep where things are "
                "but let go of exact colours and fine texture, which is why style transfer "
                "takes its content from relu4_2. Run it again with another seed: the noise "
                "changes, the reconstruction hardly does, so what a layer keeps is the photo."
            ),
            images=("photo",),
            uses=("size", "steps", "seed", "layers", "device"),
            size=192,
            steps=30,
            layers=("relu1_2", "relu2_2", "relu3_2", "relu4_2", "relu5_2"),
            plan=plan_content_layers,
        ),
        Experiment(
            name="texture-layers",
            title="2. Texture synthesis by layer",
            caption=(
                "From white noise, only the Gram matrices of the painting's features (which "
                "channels fire together) are matched, over a growing set of layers (Gatys, "
                "Ecker & Bethge 2015, Texture Synthesis Using Convolutional Neural Networks). "
                "relu1_1 alone gives colour splotches; each deeper layer adds larger "
                "structure, from brush strokes to whole swirls (with a portrait, eyes float "
                "about). The last two panels differ only in their noise seed: the same style "
                "in another layout, because a Gram matrix averages over positions."
            ),
            images=("style",),
            uses=("size", "steps", "seed", "layers", "tileable", "device"),
            size=160,
            steps=40,
            layers=STYLE_LAYERS_DEFAULT,  # the paper's five
            plan=plan_texture_layers,
        ),
        Experiment(
            name="tradeoff",
            title="3. The content/style trade-off",
            caption=(
                "Rows: the layers that carry the style, from relu1_1 alone down to relu1_1 "
                "to relu5_1; columns: the content weight divided by the style weight, a "
                "decade apart (Gatys, Ecker & Bethge 2016, Fig. 3). To the left the style "
                "wins and the photo dissolves into the painting's texture; to the right the "
                "photo wins. Deeper style layers carry larger, more painterly structure. "
                "Cells start from the photo (the paper starts from noise) so few steps do."
            ),
            images=("photo", "style"),
            uses=("size", "steps", "seed", "layers", "ratios", "device"),
            size=128,
            steps=30,
            layers=("relu1_1", "relu3_1", "relu5_1"),  # three of the paper's five rows
            ratios=(1e-2, 1e-1, 1.0, 10.0),
            plan=plan_tradeoff,
        ),
        Experiment(
            name="init",
            title="4. Start from the photo or from noise",
            caption=(
                "The same run (default weights and layers) started from the photo and from "
                "white noise, with the total loss after every iteration. Both start about "
                "as far from the goal (the photo has the content but not the style, noise "
                "has neither) and end at a similar loss, but in different pictures: from "
                "the photo the layout survives, from noise the picture is more textured and "
                "the photo shows only faintly. The loss is not convex, so the start decides "
                "which optimum is found (compare Gatys, Ecker & Bethge 2016, Fig. 6)."
            ),
            images=("photo", "style"),
            uses=("size", "steps", "seed", "device"),
            size=160,
            steps=50,
            layers=(),  # the engine's default layers
            plan=plan_init,
            derive=derive_curves,
        ),
        Experiment(
            name="network",
            title="5. What the network sees",
            caption=(
                "At one VGG19 layer: the photo's feature maps that vary most (bright = the "
                "channel fires there), the painting's Gram matrix, that is how strongly each "
                "pair of channels fires together (channels ordered so that similar ones sit "
                "together), and for one channel the patches of both images that excite it "
                "most, each the size of the channel's receptive field. The Gram matrix is the "
                "statistic Gatys et al.'s style transfer matches, and so do these experiments; "
                "the app's default style loss matches each channel's mean and the channels' "
                "covariance instead. Shallow channels answer colours and edges; deep ones "
                "answer textures and parts of objects."
            ),
            images=("photo", "style"),
            uses=("size", "layers", "maps", "channel", "device"),
            size=256,
            steps=0,
            layers=("relu3_1",),
            plan=plan_network,
        ),
    )
}
