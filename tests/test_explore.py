"""Explore experiments: panels stream in order and show the effects; bad input is refused
up front; the CLI writes one grid PNG with its settings. Real bundled weights, tiny images."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch
from PIL import Image

from style_core import explore as ex
from style_core.cli import main
from style_core.explore import network as net
from style_core.explore import panels as explore_panels
from style_core.explore import plans as explore_plans
from style_core.explore.drawing import make_tileable
from style_core.images import ImageError
from style_core.losses import gram_matrix, relative_error
from style_core.params import STYLE_LAYERS_DEFAULT
from tests.conftest import make_content, make_style

TINY = {"size": 64}


def run_all(experiment: str, images, **settings) -> list[ex.ExploreFrame]:
    return list(ex.explore(experiment, images, ex.ExploreSettings(**settings)))


def assert_streams_in_order(frames: list[ex.ExploreFrame], labels: list[str]) -> None:
    """Every frame carries every planned panel; panels finish one after another; the last
    frame is done with every panel drawn."""
    assert all([p.label for p in f.panels] == labels for f in frames[:-1])
    finished = []
    for frame in frames:
        finished += [i for i, p in enumerate(frame.panels) if p.done and i not in finished]
    assert finished == list(range(len(labels)))
    progress = [f.progress for f in frames]
    assert progress == sorted(progress) and progress[-1] == 1.0
    last = frames[-1]
    assert last.done and last.current is None and not any(f.done for f in frames[:-1])
    assert all(p.done and p.image is not None for p in last.panels)


def mse(image: Image.Image, target: Image.Image) -> float:
    """Mean squared pixel error at a quarter of the size: colours and layout, not the grain
    that a few steps leave of the start noise."""
    size = (image.width // 4, image.height // 4)
    a = np.asarray(image.resize(size, Image.Resampling.BOX), dtype=np.float32)
    b = np.asarray(target.resize(size, Image.Resampling.BOX), dtype=np.float32)
    return float(((a - b) ** 2).mean())


def test_content_reconstruction_shallow_layers_keep_the_photo():
    photo = make_content()
    frames = run_all("content-layers", [photo], steps=8, layers=("relu1_2", "relu5_2"), **TINY)
    assert_streams_in_order(frames, ["photo (the target)", "from relu1_2", "from relu5_2"])
    target, shallow, deep = frames[-1].panels
    assert shallow.image.size == deep.image.size == (64, 48)
    # Measured: 260 vs 3050 (0..255 units, squared).
    assert 4 * mse(shallow.image, photo) < mse(deep.image, photo)
    assert len(shallow.history) == 8 and shallow.history[-1] < shallow.history[0]


def test_another_seed_changes_the_noise_not_the_reconstruction():
    photo = make_content()
    images = []
    for seed in (0, 1):
        frames = run_all("content-layers", [photo], steps=8, layers=("relu1_2",), seed=seed, **TINY)
        images.append(frames[-1].panels[1].image)
    assert images[0].tobytes() != images[1].tobytes()
    assert mse(images[0], images[1]) < mse(images[0], Image.new("RGB", (64, 48), "grey"))


def gram_error(image: Image.Image, target: Image.Image, layer: str) -> float:
    """Relative Gram error of ``image`` against ``target`` at ``layer`` (the style loss)."""
    grams = [gram_matrix(net.layer_features(im, layer)[None]) for im in (image, target)]
    return relative_error(*grams).item()


def test_texture_synthesis_matches_gram_matrices_and_seeds_differ():
    style = make_style()
    frames = run_all("texture-layers", [style], steps=8, layers=("relu1_1", "relu2_1"), **TINY)
    labels = [
        "painting (the target)",
        "relu1_1",
        "relu1_1…relu2_1, seed 0",
        "relu1_1…relu2_1, seed 1",
    ]
    assert_streams_in_order(frames, labels)
    panels = frames[-1].panels
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8))
    for panel in panels[1:]:
        assert panel.image.size == (64, 64)  # the painting's shape, not the grey canvas's
        # The Gram error falls: measured on the final picture, against noise like the
        # start. Measured: 0.32-0.38 vs 0.61.
        assert gram_error(panel.image, style, "relu1_1") < 0.7 * gram_error(noise, style, "relu1_1")
    assert panels[2].image.tobytes() != panels[3].image.tobytes()
    assert frames[-1].settings.steps == 8 and frames[-1].settings.tileable is False


def test_tileable_texture_wraps_round_without_a_seam():
    ramp = np.tile(np.linspace(0, 255, 64, dtype=np.float32), (48, 1))  # dark left, bright right
    image = Image.fromarray(np.stack([ramp] * 3, -1).astype(np.uint8))
    tiled = np.asarray(make_tileable(image), dtype=np.float32)
    seam = np.abs(tiled[:, 0] - tiled[:, -1]).mean()
    inside = np.abs(np.diff(tiled, axis=1)).mean()
    assert np.abs(ramp[:, 0] - ramp[:, -1]).mean() > 200  # the original has a hard seam
    assert seam < 3 * inside + 1


def test_tradeoff_grid_rows_by_ratio_columns():
    frames = run_all(
        "tradeoff",
        [make_content(), make_style()],
        steps=2,
        layers=("relu1_1", "relu2_1"),
        ratios=(0.01, 1),
        **TINY,
    )
    labels = ["relu1_1 · 0.01", "relu1_1 · 1", "relu1_1…relu2_1 · 0.01", "relu1_1…relu2_1 · 1"]
    assert_streams_in_order(frames, labels)
    assert frames[-1].columns == 2


@pytest.mark.parametrize(
    ("ratio", "weights"), [(1e-4, (0.005, 50.0)), (1.0, (50.0, 50.0)), (1e4, (1e4, 1.0))]
)
def test_ratio_weights_keep_the_ratio_within_the_engine_ranges(ratio, weights):
    content_weight, style_weight = ex.ratio_weights(ratio)
    assert (content_weight, style_weight) == pytest.approx(weights)
    assert content_weight / style_weight == pytest.approx(ratio)


def test_init_comparison_draws_both_loss_curves():
    frames = run_all("init", [make_content(), make_style()], steps=3, **TINY)
    assert_streams_in_order(frames, ["from the photo", "from noise", "loss curves"])
    photo_run, noise_run, curves = frames[-1].panels
    assert len(photo_run.history) == len(noise_run.history) == 3
    assert photo_run.history != noise_run.history
    assert curves.image.width > 32


def test_network_shows_maps_gram_and_patches():
    frames = run_all("network", [make_content(), make_style()], layers=("relu2_1",), maps=2, **TINY)
    labels = [p.label for p in frames[-1].panels]
    assert labels[0] == "photo" and labels[3] == "painting"
    assert labels[1].startswith("relu2_1 channel ") and labels[2].startswith("relu2_1 channel ")
    assert labels[4].startswith("painting's Gram matrix at relu2_1 (128 channels")
    channel = int(labels[1].rsplit(" ", 1)[1])
    assert labels[5].startswith(f"channel {channel}: its 9 strongest patches")
    assert_streams_in_order(frames, labels)
    assert frames[-1].panels[4].image.size == (64, 64)


def test_planned_work_counts_iterations_times_pixels():
    settings = ex.ExploreSettings(size=64, steps=5, layers=("relu1_2", "relu5_2"))
    work = ex.planned_work("content-layers", [make_content()], settings)
    assert work == 2 * 5 * 64 * 48 + 1  # two runs, and the photo's panel
    assert ex.planned_work("network", [make_content(), make_style()]) == 0
    with pytest.raises(ValueError, match="^steps must be"):
        ex.planned_work("init", None, ex.ExploreSettings(steps=0))


def test_receptive_fields_of_vgg19():
    assert net.receptive_field("relu1_1") == (3, 1)
    assert net.receptive_field("pool1") == (6, 2)
    assert net.receptive_field("relu3_1") == (24, 4)
    assert net.receptive_field("relu5_4") == (252, 16)


def test_cluster_order_puts_each_block_together():
    blocks = torch.tensor([0, 1, 2] * 8)[
        torch.randperm(24, generator=torch.Generator().manual_seed(0))
    ]
    similarity = (blocks[:, None] == blocks[None, :]).double() * 0.8 + 0.1
    order = net.cluster_order(similarity)
    assert sorted(order.tolist()) == list(range(24))
    runs = sum(1 for a, b in zip(order, order[1:]) if blocks[a] != blocks[b])
    assert runs == 2  # three contiguous blocks


def test_closing_the_stream_stops_the_run(monkeypatch):
    started = []

    def recording_stylize(*args, **kwargs):
        run = real_stylize(*args, **kwargs)
        started.append(run)
        return run

    real_stylize = explore_panels.stylize
    monkeypatch.setattr(explore_panels, "stylize", recording_stylize)
    frames = ex.explore(
        "content-layers",
        [make_content()],
        ex.ExploreSettings(steps=1000, layers=("relu1_2", "relu2_2"), **TINY),
    )
    for frame in frames:
        if frame.current == 1 and frame.panels[1].image is not None:
            break  # the first run has shown a preview
    frames.close()
    assert len(started) == 1  # the second run never started
    assert inspect.getgeneratorstate(started[0]) == inspect.GEN_CLOSED
    assert not frame.panels[1].done


@pytest.mark.parametrize(
    ("experiment", "settings", "message"),
    [
        ("bogus", {}, "experiment must be one of content-layers"),
        ("content-layers", {"layers": ()}, "layers must name at least one"),
        ("content-layers", {"layers": ("relu9_9",)}, "layers has unknown layer 'relu9_9'"),
        ("content-layers", {"layers": ("relu1_1", "relu1_1")}, "layers names a layer twice"),
        (
            "texture-layers",
            {"layers": ("relu3_1", "relu1_1")},
            "layers must go from shallow to deep",
        ),
        ("network", {"layers": ("relu1_1", "relu2_1")}, "layers must be one layer"),
        ("tradeoff", {"ratios": ()}, "ratios must give at least one"),
        ("tradeoff", {"ratios": (0.0,)}, "ratios must be finite numbers"),
        ("tradeoff", {"ratios": (-1.0,)}, "ratios must be finite numbers"),
        ("tradeoff", {"ratios": (math.nan,)}, "ratios must be finite numbers"),
        ("tradeoff", {"ratios": (math.inf,)}, "ratios must be finite numbers"),
        ("tradeoff", {"ratios": ("1",)}, "ratios must contain only numbers"),
        (
            "tradeoff",
            {"layers": STYLE_LAYERS_DEFAULT, "ratios": (1.0,) * 8},
            "layers x ratios makes 40 grid cells; at most 36",
        ),
        ("content-layers", {"ratios": (1.0,)}, "ratios does not apply to content-layers"),
        ("content-layers", {"size": 10}, "size must be an integer from 64 to 1024"),
        ("content-layers", {"steps": 0}, "steps must be an integer from 1 to 1000"),
        ("texture-layers", {"seed": -1}, "seed must be an integer"),
        ("network", {"channel": 300}, "channel must be below 256"),
        ("network", {"device": "gpu"}, "device must be one of auto"),
    ],
)
def test_bad_settings_are_refused_before_any_work(monkeypatch, experiment, settings, message):
    monkeypatch.setattr(explore_panels, "stylize", pytest.fail)
    monkeypatch.setattr(explore_plans, "layer_features", pytest.fail)
    with pytest.raises(ValueError) as caught:
        ex.explore(experiment, None, ex.ExploreSettings(**settings))
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_bad_images_are_refused():
    with pytest.raises(ImageError, match="^photo: not an image file"):
        ex.explore("content-layers", [b"not an image"])
    with pytest.raises(
        ValueError, match=r"^images: tradeoff takes 2 \(a photo and a style\); got 1"
    ):
        ex.explore("tradeoff", [make_content()])


def test_captions_cite_the_papers():
    for name, spec in ex.EXPERIMENTS.items():
        sentences = spec.caption.count(". ") + 1
        assert 2 <= sentences <= 5, name
    for name in ("content-layers", "texture-layers", "tradeoff"):
        assert "Gatys, Ecker & Bethge 201" in ex.EXPERIMENTS[name].caption


def test_cli_writes_a_grid_with_its_settings(tmp_path, capsys):
    photo, output = tmp_path / "photo.png", tmp_path / "grid.png"
    make_content().save(photo)
    argv = ["explore", "content-layers", str(photo), "-o", str(output), "--size", "64"]
    assert main([*argv, "--steps", "2", "--layers", "relu1_1", "relu2_1", "--seed", "3"]) == 0
    err = capsys.readouterr().err
    assert "[3/3] from relu2_1" in err and "saved" in err
    experiment, settings = ex.read_grid(output)
    assert experiment == "content-layers"
    assert settings == ex.ExploreSettings(size=64, steps=2, seed=3, layers=("relu1_1", "relu2_1"))
    with Image.open(output) as grid:
        assert grid.format == "PNG" and grid.width > 3 * 64


@pytest.mark.parametrize(
    "argv",
    [
        ["explore", "bogus"],
        ["explore", "tradeoff", "--ratios", "0"],
        ["explore", "tradeoff", "--ratios", "nan"],
        ["explore", "network", "--size", "abc"],
        ["explore", "network", "--layers", "relu9_9"],
        ["explore", "content-layers", "--ratios", "1"],
        ["explore", "content-layers", "missing.jpg"],
        ["explore", "content-layers", "-o", "grid.jpg"],
        ["explore", "content-layers", "--no-such-flag"],
    ],
)
def test_cli_bad_input_exits_2_with_one_line(argv, capsys, monkeypatch):
    monkeypatch.setattr(explore_panels, "stylize", pytest.fail)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in err[0]
