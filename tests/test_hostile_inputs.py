"""Hostile and unusual image files through the real HTTP API and through the CLI.

Every file of tests/hostile_corpus.py gives either a correct result (a PNG of the right size)
or a one-line error that names the problem, never a traceback or a server path. The server
survives the whole corpus and still serves; the hostile files leave its memory and open files
where they were. The same files as a mask (``--mask``, ``stylize(mask=...)``) are refused with
a one-line message before any heavy work.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from style_core import ImageError, StyleParams, read_params, run, stylize
from style_core.cli import main as cli_main
from style_core.images import load_mask, resize

pytest.register_assert_rewrite("app_server", "test_app_client")

from app_server import CONTENT_EXAMPLE, REPO, STYLE_EXAMPLE  # noqa: E402
from hostile_corpus import (  # noqa: E402
    BY_NAME,
    CASE_NAMES,
    CASES,
    Case,
    fit,
    scene,
    write_corpus,
)
from test_app_client import assert_readable  # noqa: E402

pytest_plugins = ["app_server"]

pytestmark = pytest.mark.slow

API_SIZE, API_STEPS = 128, 10  # the app's smallest job
CLI_ARGS = ["--size", "64", "--steps", "2", "--quiet"]
MEMORY_TOLERANCE = 0.10
STYLE_CASES = tuple(case.name for case in CASES if case.as_style)
CONTENT_EXAMPLE_SIZE = (512, 341)  # examples/content_coffee.jpg


def with_marks(names, marks: dict) -> list:
    return [pytest.param(name, marks=marks.get(name, ())) for name in names]


# --- the corpus through the HTTP API -------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Case]:
    return {case.name: case for case in write_corpus(tmp_path_factory.mktemp("hostile"))}


@dataclass
class Outcome:
    png: str | None = None  # the final PNG, downloaded
    progress: dict | None = None
    error: str | None = None


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def submit(client: Client, content: str | Path, style: str | Path) -> Outcome:
    try:
        *_, progress, png = client.predict(
            content=handle_file(str(content)),
            style=handle_file(str(style)),
            steps=API_STEPS,
            size=API_SIZE,
            api_name="/stylize",
        )
    except AppError as error:
        return Outcome(error=str(error))
    return Outcome(png=png, progress=progress)


@dataclass
class ApiRun:
    outcomes: dict[tuple[str, str], Outcome]  # (role, case name) -> outcome
    memory: dict[str, int]  # KiB at each checkpoint
    files: dict[str, int]  # open file descriptors at each checkpoint
    final: Outcome  # a valid request after the corpus


@pytest.fixture(scope="module")
def api_run(app_server, corpus) -> ApiRun:
    """Warm up, then every file as the content (and a subset as the style), one at a time.

    The legitimately large photo goes last, so memory after the hostile files and memory after
    a large picture are measured apart.
    """
    client = Client(app_server.url, verbose=False, download_files=True)
    pid = app_server.process.pid
    warm_up = submit(client, CONTENT_EXAMPLE, STYLE_EXAMPLE)
    assert warm_up.error is None, warm_up.error
    memory, files = {"warm": resident_kib(pid)}, {"warm": open_files(pid)}
    outcomes: dict[tuple[str, str], Outcome] = {}
    for large in (False, True):
        for case in corpus.values():
            if case.large != large:
                continue
            outcomes["content", case.name] = submit(client, case.path, STYLE_EXAMPLE)
            if case.as_style:
                outcomes["style", case.name] = submit(client, CONTENT_EXAMPLE, case.path)
        checkpoint = "large" if large else "hostile"
        memory[checkpoint], files[checkpoint] = resident_kib(pid), open_files(pid)
    final = submit(client, CONTENT_EXAMPLE, STYLE_EXAMPLE)
    return ApiRun(outcomes, memory, files, final)


def check_api_outcome(outcome: Outcome, case: Case, role: str) -> None:
    label = "content image" if role == "content" else "style image"
    if case.expect == "error":
        assert outcome.error is not None, f"{case.name} as the {label} gave a result"
        message = outcome.error
        assert_readable(message)
        assert message.startswith(f"{label}:"), message
        for word in case.words:
            assert word in message, message
        assert "/tmp" not in message and "/work" not in message and "gradio" not in message
        return
    assert outcome.error is None, f"{case.name} as the {label}: {outcome.error}"
    source = case.source_size if role == "content" else CONTENT_EXAMPLE_SIZE
    expected = fit(source, API_SIZE)
    assert (outcome.progress["width"], outcome.progress["height"]) == expected
    assert outcome.progress["done"] is True and outcome.progress["iteration"] == API_STEPS
    with Image.open(outcome.png) as result:
        assert result.format == "PNG" and result.mode == "RGB"
        assert result.size == expected, case.name
    params = read_params(outcome.png)
    assert params.size == API_SIZE and params.steps == API_STEPS


@pytest.mark.parametrize("name", CASE_NAMES)
def test_api_content(api_run, corpus, name):
    check_api_outcome(api_run.outcomes["content", name], corpus[name], "content")


@pytest.mark.parametrize("name", STYLE_CASES)
def test_api_style(api_run, corpus, name):
    check_api_outcome(api_run.outcomes["style", name], corpus[name], "style")


def test_api_still_serves_after_the_corpus(api_run):
    assert api_run.final.error is None, api_run.final.error
    assert api_run.final.progress["done"] is True
    with Image.open(api_run.final.png) as result:
        assert result.size == fit(CONTENT_EXAMPLE_SIZE, API_SIZE)


def test_api_memory_and_files_stay_flat_after_the_hostile_files(api_run):
    """Bombs, broken and odd files leave nothing behind: no memory, no open files.

    The 6000x4000 photo is measured separately: big JPEGs decode reduced (draft) and the app
    hands freed heap back to the OS after each job, so it leaves no lasting growth either.
    """
    warm = api_run.memory["warm"]
    for checkpoint in ("hostile", "large"):
        after = api_run.memory[checkpoint]
        assert after <= warm * (1 + MEMORY_TOLERANCE), f"{checkpoint}: VmRSS {warm} -> {after} KiB"
    assert api_run.files["hostile"] <= api_run.files["warm"] + 2, api_run.files
    assert api_run.files["large"] <= api_run.files["warm"] + 2, api_run.files


# --- the corpus through the CLI ------------------------------------------------------------

# Python's default filters hide these; anything else would be printed on stderr.
HIDDEN_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


def run_cli(capsys, argv: list[str]) -> tuple[int, list[str]]:
    """``python -m style_core`` in-process: exit code and the lines it would print on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = cli_main(argv)
    captured = capsys.readouterr()
    assert captured.out == ""
    shown = [w for w in caught if not issubclass(w.category, HIDDEN_WARNINGS)]
    lines = [
        line
        for w in shown
        for line in warnings.formatwarning(w.message, w.category, w.filename, w.lineno).split("\n")
        if line
    ]
    return code, lines + captured.err.splitlines()


def check_cli_error(code: int, lines: list[str], case: Case, label: str) -> None:
    assert code == 2, lines
    assert len(lines) == 1, lines
    (line,) = lines
    assert line.startswith(f"error: {label}: "), line
    for word in case.words:
        assert word in line, line
    assert "Traceback" not in line and 'File "' not in line
    assert not re.search(r"(?:/[\w.-]+){2,}", line), line  # no path, ours or the library's


def check_cli_result(code: int, lines: list[str], output: Path, size: tuple[int, int]) -> None:
    assert code == 0 and lines == [], lines
    with Image.open(output) as result:
        assert result.format == "PNG" and result.size == size


CLI_MARKS: dict = {}


@pytest.mark.parametrize("name", with_marks(CASE_NAMES, CLI_MARKS))
def test_cli_content(corpus, tmp_path, capsys, name):
    case = corpus[name]
    output = tmp_path / "out.png"
    code, lines = run_cli(
        capsys, [str(case.path), str(STYLE_EXAMPLE), "-o", str(output), *CLI_ARGS]
    )
    if case.expect == "error":
        check_cli_error(code, lines, case, "content image")
        assert not output.exists()
    else:
        check_cli_result(code, lines, output, case.expected_size(64))


@pytest.mark.parametrize("name", with_marks(STYLE_CASES, CLI_MARKS))
def test_cli_style(corpus, tmp_path, capsys, name):
    case = corpus[name]
    output = tmp_path / "out.png"
    code, lines = run_cli(
        capsys, [str(CONTENT_EXAMPLE), str(case.path), "-o", str(output), *CLI_ARGS]
    )
    if case.expect == "error":
        check_cli_error(code, lines, case, "style image")
    else:
        check_cli_result(code, lines, output, fit(CONTENT_EXAMPLE_SIZE, 64))


SUBPROCESS_CASES = ["truncated png", "png 12000x12000 header", "exif orientation 6 jpeg"]


def run_cli_process(argv: list[str]) -> subprocess.CompletedProcess:
    """``python -m style_core ARGV`` in a real process, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "style_core", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": ""},
    )


@pytest.mark.parametrize("name", with_marks(SUBPROCESS_CASES, CLI_MARKS))
def test_cli_subprocess(corpus, tmp_path, name):
    """A real ``python -m style_core`` process: exit status and everything it prints."""
    case = corpus[name]
    output = tmp_path / "out.png"
    argv = [str(case.path), str(STYLE_EXAMPLE), "-o", str(output), *CLI_ARGS]
    done = run_cli_process(argv)
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    if case.expect == "error":
        check_cli_error(done.returncode, lines, case, "content image")
    else:
        check_cli_result(done.returncode, lines, output, case.expected_size(64))


def test_corpus_is_big_enough_and_covers_both_outcomes():
    assert len(CASES) >= 25 and len(set(CASE_NAMES)) == len(CASES)
    assert {case.expect for case in CASES} == {"ok", "error"}
    assert len({case.filename for case in CASES}) == len(CASES)
    assert BY_NAME["6000x4000 photo jpeg"].large


# --- hostile masks: the Python API and the CLI ----------------------------------------------

MASK_CASES = tuple(case.name for case in CASES if case.expect == "error")
# Legitimate pictures of another shape than the content's are refused as masks, by shape.
MASK_SHAPE_CASES = ("1x1", "2x4000", "4000x2", "exif orientation 6 jpeg")
MASK_CONTENT_SIZE = (64, 48)  # tests.hostile_corpus.SMALL: the shape of most "ok" files
MASK_PARAMS = StyleParams(size=64, steps=2)


def scene_image() -> Image.Image:
    return Image.fromarray(scene(*MASK_CONTENT_SIZE))


@pytest.fixture
def no_network(monkeypatch):
    """Fails the test if the run gets as far as building the network (heavy work)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the mask was not checked before the network was built")

    monkeypatch.setattr("style_core.engine.get_vgg19", refuse)


def api_error(content, styles, mask, params: StyleParams = MASK_PARAMS) -> str:
    """The message ``stylize`` raises at its first step, before any optimisation."""
    snapshots = stylize(content, styles, params, mask)
    with pytest.raises(ValueError) as info:
        next(snapshots)
    message = str(info.value)
    assert_readable(message)
    assert "\n" not in message and "Traceback" not in message
    assert "/tmp" not in message and "/work" not in message
    return message


@pytest.mark.parametrize("name", MASK_CASES)
def test_api_hostile_mask(corpus, no_network, name):
    case = corpus[name]
    content = scene_image()
    for source in (case.path, str(case.path), case.path.read_bytes()):
        message = api_error(content, STYLE_EXAMPLE, source)
        assert message.startswith("mask: "), message
        for word in case.words:
            assert word in message, message
    with pytest.raises(ImageError):  # the error is an ImageError, itself a ValueError
        next(stylize(content, STYLE_EXAMPLE, MASK_PARAMS, case.path))


@pytest.mark.parametrize("name", MASK_SHAPE_CASES)
def test_api_mask_of_another_shape(corpus, no_network, name):
    case = corpus[name]
    message = api_error(scene_image(), STYLE_EXAMPLE, case.path)
    assert message.startswith("mask: ") and "does not match" in message, message
    shown = "{}x{}".format(*case.source_size)
    assert shown in message and "{}x{}".format(*MASK_CONTENT_SIZE) in message, message


@pytest.mark.parametrize(
    "name", [case.name for case in CASES if case.expect == "ok" and not case.large]
)
def test_unusual_but_valid_pictures_are_read_as_masks(corpus, name):
    """Every legitimate file of the corpus is a usable mask for a content of its own shape."""
    case = corpus[name]
    mask = load_mask(case.path, case.source_size)
    assert mask.mode == "L" and mask.size == case.source_size
    low, high = mask.getextrema()
    assert 0 <= low <= high <= 255


def test_large_photo_is_read_as_a_mask_for_a_small_content(corpus):
    case = corpus["6000x4000 photo jpeg"]
    mask = load_mask(case.path, (96, 64))
    assert mask.mode == "L" and mask.size == (96, 64)


def test_api_mask_with_three_styles_is_refused(no_network):
    mask = Image.new("L", MASK_CONTENT_SIZE, 255)
    message = api_error(scene_image(), [STYLE_EXAMPLE] * 3, mask)
    assert "mask" in message and "two styles at most" in message and "3" in message


def test_api_mask_with_style_blend_is_refused(no_network):
    mask = Image.new("L", MASK_CONTENT_SIZE, 255)
    params = StyleParams(size=64, steps=2, style_blend=(1.0, 2.0))
    message = api_error(scene_image(), [STYLE_EXAMPLE] * 2, mask, params)
    assert "style_blend" in message and "mask" in message


def test_api_mask_of_a_wrong_python_type_is_refused(no_network):
    message = api_error(scene_image(), STYLE_EXAMPLE, 42)
    assert message.startswith("mask: expected a file path"), message


def test_api_all_black_mask_keeps_the_content():
    """Black = keep the content: the result is the content itself, at the output size."""
    content = Image.fromarray(scene(96, 64, seed=11))
    params = StyleParams(size=128, steps=3)
    result = run(content, STYLE_EXAMPLE, params, mask=Image.new("L", (96, 64), 0))
    assert result.size == (128, 85)
    expected = np.asarray(resize(content, result.size), dtype=int)
    assert np.abs(np.asarray(result, dtype=int) - expected).max() <= 1


def test_api_all_white_mask_styles_everything_like_no_mask():
    """White everywhere = style everywhere: the same picture as a run without a mask."""
    content = Image.fromarray(scene(96, 64, seed=11))
    params = StyleParams(size=128, steps=6)  # L-BFGS's first step is a tiny one
    white = np.ones((64, 96), np.float32)  # a float array in 0..1: 1 = style
    masked = np.asarray(run(content, STYLE_EXAMPLE, params, mask=white), dtype=int)
    plain = np.asarray(run(content, STYLE_EXAMPLE, params), dtype=int)
    unchanged = np.asarray(resize(content, (128, 85)), dtype=int)
    assert masked.shape == plain.shape == (85, 128, 3)
    assert np.abs(masked - unchanged).mean() > 3  # the style did arrive
    assert np.abs(masked - plain).mean() < 1


def mask_argv(content: Path, mask: Path, output: Path, *styles: Path) -> list[str]:
    styles = styles or (STYLE_EXAMPLE,)
    return [str(content), *map(str, styles), "--mask", str(mask), "-o", str(output), *CLI_ARGS]


@pytest.fixture
def small_content(tmp_path) -> Path:
    path = tmp_path / "content.png"
    scene_image().save(path)
    return path


@pytest.mark.parametrize("name", MASK_CASES)
def test_cli_hostile_mask(corpus, small_content, tmp_path, capsys, no_network, name):
    case = corpus[name]
    output = tmp_path / "out.png"
    code, lines = run_cli(capsys, mask_argv(small_content, case.path, output))
    check_cli_error(code, lines, case, "mask")
    assert not output.exists()


@pytest.mark.parametrize("name", MASK_SHAPE_CASES)
def test_cli_mask_of_another_shape(corpus, small_content, tmp_path, capsys, no_network, name):
    case = corpus[name]
    output = tmp_path / "out.png"
    code, lines = run_cli(capsys, mask_argv(small_content, case.path, output))
    shown = "{}x{}".format(*case.source_size)
    refused = dataclasses.replace(case, expect="error", words=("does not match", shown, "64x48"))
    check_cli_error(code, lines, refused, "mask")
    assert not output.exists()


@pytest.mark.parametrize("name", ["png bomb 60000x60000", "zero bytes", "truncated png"])
def test_cli_subprocess_hostile_mask(corpus, small_content, tmp_path, name):
    """A real ``python -m style_core --mask`` process: exit 2 and exactly one line."""
    case = corpus[name]
    output = tmp_path / "out.png"
    done = run_cli_process(mask_argv(small_content, case.path, output))
    assert done.stdout == ""
    check_cli_error(done.returncode, done.stderr.splitlines(), case, "mask")
    assert not output.exists()
