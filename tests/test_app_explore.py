"""The Explore tab's public endpoints (/explore_<experiment>) through the Gradio client:
each streams its panels and finishes; bad input gets one readable sentence and the server
keeps serving; each describes itself and every parameter to API clients and MCP tools.
A real ``python app.py`` subprocess (tests/app_server.py), at tiny sizes.
"""

from __future__ import annotations

import math
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from gradio_client.utils import Status
from PIL import Image

pytest.register_assert_rewrite("app_server")  # before the import below: no rewrite warning

from app_server import CONTENT_EXAMPLE, STYLE_EXAMPLE  # noqa: E402
from test_app_mcp import mcp  # noqa: E402 - one MCP session, as for /stylize

from style_app import explore_job, explore_tab, speed  # noqa: E402
from style_app.explore_files import PanelFiles  # noqa: E402
from style_core.explore import (  # noqa: E402
    EXPERIMENTS,
    INIT_LABELS,
    SETTINGS,
    ExploreFrame,
    ExploreSettings,
    Panel,
)

pytest_plugins = ["app_server"]

# Tiny runs: a handful of 64 px panels, 5 steps each (the slider's least), the file well under 90 s.
TINY = {
    "content-layers": {"size": 64, "steps": 5, "layers": ["relu1_2", "relu4_2"]},
    "texture-layers": {"size": 64, "steps": 5, "layers": ["relu1_1", "relu2_1"]},
    "tradeoff": {"size": 64, "steps": 5, "layers": ["relu1_1"], "ratios": "0.1 10"},
    "init": {"size": 64, "steps": 5},
    "network": {"size": 64, "maps": 2, "channel": None},  # None: the first map's channel
}
IMAGES = {"photo": CONTENT_EXAMPLE, "style": STYLE_EXAMPLE}  # not the defaults: new images


@pytest.fixture(scope="module")
def client(app_server) -> Client:
    return Client(app_server.url, verbose=False, download_files=True)


def images(name: str) -> dict:
    return {role: handle_file(str(IMAGES[role])) for role in EXPERIMENTS[name].images}


def run(client: Client, name: str, **settings) -> list[tuple]:
    job = client.submit(**images(name), **settings, api_name=f"/{explore_tab.api_name(name)}")
    # Under a heavy load gradio_client (seen with 2.x here, about one run in five) now and
    # then hands over a streamed update with fewer items than the endpoint has outputs; the
    # final result is always complete. Judge the complete updates.
    updates = [update for update in job if len(update) >= 2]
    assert job.status().code == Status.FINISHED
    assert job.status().success, job.result()  # raises the app's error, if any
    return updates


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_each_experiment_streams_its_panels_then_finishes(client, name):
    updates = run(client, name, **TINY[name])
    *intermediate, final = updates
    assert intermediate, "no update before the last"
    assert all(not update[1].startswith("**Done") for update in intermediate)
    assert intermediate[0][1].startswith("Panel 1/"), intermediate[0][1]
    gallery, status = final[:2]
    assert status.startswith("**Done.**"), status
    assert ("· seed 0" in status) == ("seed" in EXPERIMENTS[name].uses), status
    panels = int(status.split()[1])
    assert len(gallery) == panels >= 2
    assert all(Path(item["image"]).is_file() for item in gallery)
    assert all(item["caption"] for item in gallery)
    if EXPERIMENTS[name].derive:  # init: the two runs' loss curves
        data = final[2]["data"]  # rows of (iteration, start, log10 loss)
        assert {row[1] for row in data} == {"from the photo", "from noise"}


BAD = [
    ("content-layers", {"layers": ["relu9_9"]}, "layers has unknown layer"),
    ("content-layers", {"layers": []}, "layers must name at least one"),
    ("texture-layers", {"layers": ["relu5_1", "relu1_1"]}, "shallow to deep"),
    ("tradeoff", {"ratios": "0.1 1e9"}, "ratios must be finite numbers"),
    ("tradeoff", {"ratios": "zero"}, "ratios must be numbers"),
    ("init", {"size": 100000}, "size must be between"),
    ("network", {"layers": ["relu1_1", "relu2_1"], "channel": None}, "one layer for network"),
    ("network", {"channel": 9999}, "channel must be"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "settings", "words"), BAD)
def test_bad_settings_get_one_readable_sentence(client, name, settings, words):
    with pytest.raises(AppError) as error:
        client.predict(**images(name), **settings, api_name=f"/{explore_tab.api_name(name)}")
    message = str(error.value)
    assert words in message and "\n" not in message and "Traceback" not in message, message


@pytest.mark.slow
def test_a_non_image_is_refused_and_the_server_keeps_serving(client, tmp_path):
    fake = tmp_path / "photo.png"
    fake.write_text("not a picture")
    with pytest.raises(AppError) as error:
        client.predict(
            photo=handle_file(str(fake)),
            style=handle_file(str(STYLE_EXAMPLE)),
            channel=None,
            api_name="/explore_network",
        )
    assert "photo" in str(error.value) and "\n" not in str(error.value), str(error.value)
    gallery, status = run(client, "network", **TINY["network"])[-1]
    assert status.startswith("**Done.**")


# The parameters each endpoint takes: its images by role, then its settings with a widget.
PARAMETERS = {
    name: [*spec.images, *(n for n in spec.uses if n != "device")]
    for name, spec in EXPERIMENTS.items()
}


@pytest.mark.slow
def test_api_info_describes_each_experiment_and_every_parameter(client):
    info = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    # One public endpoint per experiment: the page's "another seed" run is not one.
    explore = sorted(name for name in info if name.startswith("/explore"))
    assert explore == sorted(f"/{explore_tab.api_name(name)}" for name in EXPERIMENTS)
    for name, spec in EXPERIMENTS.items():
        endpoint = info[f"/{explore_tab.api_name(name)}"]
        assert spec.title.split(". ", 1)[1] in endpoint["description"], endpoint["description"]
        parameters = {p["parameter_name"]: p for p in endpoint["parameters"]}
        assert list(parameters) == PARAMETERS[name]
        helps = {n: p["python_type"]["description"] for n, p in parameters.items()}
        assert all(helps.values()), (name, helps)
        for setting in PARAMETERS[name][len(spec.images) :]:  # the field's own words
            assert helps[setting].startswith(SETTINGS[setting].help), (name, setting)
        assert all(p["parameter_has_default"] for p in parameters.values()), name
        for whole in {"size", "steps", "maps", "seed", "channel"} & set(parameters):
            assert parameters[whole]["python_type"]["type"] == "int", (name, whole)
        labels = [r["label"] for r in endpoint["returns"]]  # the columns State is not one
        assert labels[:2] == ["Panels", "Status"] and len(labels) == 2 + bool(spec.derive)


@pytest.mark.slow
def test_mcp_lists_each_experiment_as_a_described_tool(app_server):
    tools = mcp(app_server.url, lambda session: session.list_tools()).tools
    by_name = {tool.name: tool for tool in tools}
    for name in EXPERIMENTS:
        tool = by_name[explore_tab.api_name(name)]
        assert "Gatys" in tool.description and "panels" in tool.description, tool.description
        properties = tool.inputSchema["properties"]
        assert list(properties) == PARAMETERS[name]
        undescribed = [n for n, schema in properties.items() if not schema.get("description")]
        assert not undescribed, (name, undescribed)
        assert properties["size"]["description"] == SETTINGS["size"].help
        assert properties["size"]["type"] == "integer"
        assert not tool.inputSchema.get("required"), tool.inputSchema  # each has a default


# --- in process: the estimate and the settings, no server ---------------------------------


def test_start_refuses_bad_settings_with_one_sentence_and_changes_nothing():
    start = explore_job.make_start(EXPERIMENTS["tradeoff"])
    with pytest.raises(gr.Error) as error:
        start(photo=None, style=None, size=64, steps=5, ratios="1 2 x")
    assert "ratios must be numbers" in error.value.message, error.value.message
    finished, gallery, status = start(photo=None, style=None, size=64, steps=5, ratios="0.1 10")
    assert finished.visible is False and gallery.visible is True and status == "Starting…"
    *_, plot = explore_job.make_start(EXPERIMENTS["init"])(photo=None, style=None)
    assert isinstance(plot, gr.LinePlot) and plot.visible is True  # init's loss plot too


def test_the_loss_plot_holds_both_runs_from_the_first_update():
    # Gradio 6.31's LinePlot fixes its colours on the first update: a run missing from it
    # would stay without a colour. The run not started yet has one point, not drawn (NaN).
    first, second = INIT_LABELS
    panels = (Panel(first, history=(9.0, 4.0)), Panel(second), Panel("loss curves"))
    frame = ExploreFrame(
        experiment="init",
        panels=panels,
        columns=3,
        current=0,
        elapsed=1.0,
        progress=0.3,
        settings=ExploreSettings(),
    )
    data = explore_job.curves(frame)
    assert list(data["start"]) == [first, first, second]
    assert list(data["log10 loss"][:2]) == pytest.approx([math.log10(9), math.log10(4)])
    assert math.isnan(data["log10 loss"].iloc[2])


def test_each_distinct_panel_picture_is_written_once_whole_and_removed_after_the_run():
    red, blue = (Image.new("RGB", (8, 6), colour) for colour in ("red", "blue"))
    with PanelFiles() as files:
        first = files.gallery([(red, "a"), (blue, "b")])
        path = Path(first[0][0])
        written = path.stat().st_mtime_ns
        # The same pixels in a new object (as from the ZeroGPU worker): the same file, untouched.
        again = files.gallery([(red.copy(), "a"), (blue, "b")])
        assert again == first and first[0][0] != first[1][0]
        assert path.stat().st_mtime_ns == written
        with Image.open(path) as picture:
            assert picture.size == (8, 6) and picture.getpixel((4, 3))[0] > 200  # red
        assert [p.name for p in files.folder.iterdir() if p.name.startswith(".")] == []
    assert not files.folder.exists()


def test_another_seed_is_the_next_one_and_wraps_at_the_limit():
    low, high = SETTINGS["seed"].limits
    assert [explore_job.next_seed(seed) for seed in (0, 1.0, 41)] == [1, 2, 42]
    assert explore_job.next_seed(high) == low and explore_job.next_seed(None) == low


def test_the_estimate_scales_with_the_planned_work():
    spec = EXPERIMENTS["content-layers"]
    one = explore_tab.estimate_text(spec, [None], {"layers": ["relu1_2"], "steps": 100})
    five = explore_tab.estimate_text(spec, [None], {"layers": ["relu1_2"], "steps": 500})
    seconds = [int(text.split()[2]) for text in (one, five)]
    assert one.startswith("⏱ about") and seconds[1] >= 4 * seconds[0], (one, five)
    assert "first guess" in one or speed.MODEL.cost.measured


def test_the_estimate_names_a_bad_setting_instead_of_a_time():
    spec = EXPERIMENTS["tradeoff"]
    assert "ratios" in explore_tab.estimate_text(spec, [None, None], {"ratios": "1 2 x"})


def test_every_used_setting_but_the_device_has_a_generated_widget():
    for spec in EXPERIMENTS.values():
        for name in spec.uses:
            knob = explore_tab.SETTINGS[name]
            default = explore_tab.knob_default(spec, name)
            widget = explore_tab.setting_widget(name, knob, default)
            assert (widget is None) == (name == "device"), (spec.name, name)
