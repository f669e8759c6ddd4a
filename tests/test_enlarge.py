"""Enlarge: a finished result continued at larger scales (style_core.plan.enlarge_*,
``stylize(start=...)``, ``python -m style_core enlarge``), and its one-line refusals."""

from __future__ import annotations

import shutil
from collections import deque
from pathlib import Path

import pytest
from PIL import Image

from style_core import StyleParams, stylize
from style_core.cli import main
from style_core.images import read_mask, read_params, read_sources, save_png, to_tensor
from style_core.plan import enlarge_params, enlarge_sides, plan_job

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CONTENT, STYLE = EXAMPLES / "content_chelsea.jpg", EXAMPLES / "style_starry_night.jpg"
SMALL = StyleParams(size=96, steps=6, precision="fp32")


def last(snapshots):
    (final,) = deque(snapshots, maxlen=1)
    return final


@pytest.mark.parametrize(
    "start, size, sides",
    [(512, 2048, [1024, 2048]), (512, 4096, [1024, 2048, 4096]), (256, 640, [640]),
     (512, 1500, [750, 1500]), (512, 600, [600])],
)  # fmt: skip
def test_enlarging_takes_the_coarse_to_fine_steps(start, size, sides):
    assert enlarge_sides(start, size) == sides


def test_enlarging_keeps_the_job_and_gives_each_new_scale_its_last_scales_steps():
    params = StyleParams(style_weight=20.0)  # 60 steps: 28, 14, 18
    enlarged = enlarge_params(params, 512, 2048)
    assert (enlarged.size, enlarged.steps, enlarged.style_weight) == (2048, 36, 20.0)
    plan = plan_job(enlarged, (4, 3), start_side=512)
    assert [s.size for s in plan.scales] == [(1024, 768), (2048, 1536)]
    assert [s.steps for s in plan.scales] == [18, 18]
    with pytest.raises(ValueError, match="size must be larger than the result's 512 px"):
        enlarge_params(params, 512, 512)
    with pytest.raises(ValueError, match="steps must be at least 2 to enlarge 512 px"):
        plan_job(enlarged.replace(steps=1), (4, 3), start_side=512)


@pytest.fixture(scope="module")
def small_result() -> Image.Image:
    return last(stylize(CONTENT, [STYLE], SMALL)).image


def test_stylize_continues_from_the_result_instead_of_starting_over(small_result):
    params = enlarge_params(SMALL, max(small_result.size), 160, steps=3)
    continued = list(stylize(CONTENT, [STYLE], params, start=small_result))
    fresh = list(stylize(CONTENT, [STYLE], params.replace(multiscale=False)))
    assert continued[-1].image.size == fresh[-1].image.size == (160, 107)
    assert continued[-1].total == 3 and continued[-1].scales == 1
    # Its first step already has the small result's style: far below a start from the photo.
    assert continued[0].losses["style"] < 0.5 * fresh[0].losses["style"]
    # And the picture is the small result's, grown: nearer its upscaling than the fresh run.
    grown = to_tensor(small_result.resize((160, 107), Image.Resampling.BICUBIC))
    near = lambda image: float((to_tensor(image) - grown).abs().mean())  # noqa: E731
    assert near(continued[-1].image) < 0.5 * near(fresh[-1].image)


def test_a_result_of_another_shape_is_refused(small_result):
    square = small_result.resize((96, 96))
    params = enlarge_params(SMALL, 96, 160, steps=2)
    with pytest.raises(ValueError, match="not the same shape, so not this job's result"):
        next(stylize(CONTENT, [STYLE], params, start=square))


@pytest.fixture
def cli_result(tmp_path, monkeypatch) -> Path:
    """A 96 px result made by the CLI in a folder holding its content and style."""
    for source in (CONTENT, STYLE):
        shutil.copy(source, tmp_path / source.name)
    monkeypatch.chdir(tmp_path)
    argv = [CONTENT.name, STYLE.name, "--size", "96", "--steps", "4", "--quiet"]
    assert main([*argv, "--precision", "fp32", "-o", "small.png"]) == 0
    return tmp_path / "small.png"


def test_the_cli_enlarges_a_result_from_the_files_it_records(cli_result, tmp_path):
    assert read_sources(cli_result)["content"]["name"] == CONTENT.name
    out = tmp_path / "big.png"
    argv = ["enlarge", str(cli_result), "--size", "160", "--steps", "2", "-o", str(out)]
    assert main([*argv, "--quiet"]) == 0
    with Image.open(out) as image:
        assert image.size == (160, 107)
    params = read_params(out)
    assert (params.size, params.steps, params.precision) == (160, 2, "fp32")
    assert read_sources(out) == read_sources(cli_result)


def error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    return lines[0]


def test_the_cli_says_in_one_line_what_is_wrong(cli_result, tmp_path, capsys):
    enlarge = ["enlarge", str(cli_result), "--quiet", "-o", str(tmp_path / "x.png")]
    assert main([*enlarge, "--size", "96"]) == 2
    assert "size must be larger than the result's 96 px" in error_line(capsys)
    assert main([*enlarge, "--size", "5000"]) == 2
    assert "size must be between 64 and 4096; got 5000" in error_line(capsys)
    (tmp_path / STYLE.name).write_bytes(CONTENT.read_bytes())  # the style file changed
    assert main([*enlarge, "--size", "160"]) == 2
    assert f"{STYLE.name} has changed since small.png was made" in error_line(capsys)
    (tmp_path / STYLE.name).unlink()
    assert main([*enlarge, "--size", "160"]) == 2
    line = error_line(capsys)
    assert f"small.png was made from {STYLE.name}, which is neither beside it" in line
    assert line.endswith("give it with --style FILE")
    plain = tmp_path / "plain.png"
    Image.new("RGB", (96, 64)).save(plain)
    assert main(["enlarge", str(plain), "--size", "160", "--quiet"]) == 2
    assert "plain.png carries no settings" in error_line(capsys)
    no_record = tmp_path / "app.png"
    save_png(Image.open(cli_result), no_record, read_params(cli_result), read_mask(cli_result))
    assert main(["enlarge", str(no_record), "--size", "160", "--quiet"]) == 2
    assert "does not record the files it was made from" in error_line(capsys)
    assert main(["enlarge", str(tmp_path / "missing.png"), "--size", "160", "--quiet"]) == 2
    assert "file not found: missing.png" in error_line(capsys)
