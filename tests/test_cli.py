"""Command line: end-to-end runs on tiny images, and one-line errors with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from style_core.cli import build_parser, main, params_from_args
from style_core.images import read_params
from style_core.params import StyleParams
from tests.conftest import make_content, make_style

REPO = Path(__file__).resolve().parents[1]
TINY = ["--size", "64", "--steps", "6", "--quiet"]


@pytest.fixture
def inputs(tmp_path) -> tuple[Path, Path]:
    content, style = tmp_path / "content.png", tmp_path / "style.jpg"
    make_content().save(content)
    make_style().save(style, quality=95)
    return content, style


def _one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in captured.err
    return lines[0]


def test_end_to_end(inputs, tmp_path, capsys):
    content, style = inputs
    output = tmp_path / "result.png"
    assert main([str(content), str(style), "-o", str(output), *TINY]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    with Image.open(output) as result:
        assert result.format == "PNG" and result.size == (64, 48) and result.mode == "RGB"
    assert read_params(output) == StyleParams(size=64, steps=6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content.png", "result.png", "style.jpg"]


def test_save_every_writes_intermediate_frames(inputs, tmp_path):
    content, style = inputs
    output = tmp_path / "run.png"
    assert main([str(content), str(style), "-o", str(output), "--save-every", "2", *TINY]) == 0
    frames = sorted(p.name for p in tmp_path.glob("run_*.png"))
    assert frames == ["run_00002.png", "run_00004.png", "run_00006.png"]
    for name in frames:
        with Image.open(tmp_path / name) as frame:
            assert frame.size == (64, 48)
        params = read_params(tmp_path / name)
        assert params is not None and params.steps == 6 and params.preview_every == 2
    assert output.is_file()


def test_progress_and_summary_without_quiet(inputs, tmp_path, capsys):
    content, style = inputs
    output = tmp_path / "loud.png"
    assert main([str(content), str(style), "-o", str(output), "--size", "64", "--steps", "2"]) == 0
    err = capsys.readouterr().err
    assert "saved" in err and "loud.png" in err and "64x48" in err


def test_two_styles_with_blend(inputs, tmp_path):
    content, style = inputs
    second = tmp_path / "second.png"
    make_style(48, 64).transpose(Image.Transpose.ROTATE_90).save(second)
    output = tmp_path / "blend.png"
    argv = [str(content), str(style), str(second), "-o", str(output), "--style-blend", "3", "1"]
    assert main(argv + TINY) == 0
    assert read_params(output).style_blend == (3.0, 1.0)


def test_every_flag_reaches_the_parameters(inputs):
    content, style = inputs
    args = build_parser().parse_args(
        [str(content), str(style)]
        + ["--size", "96", "--steps", "9", "--style-weight", "5", "--content-weight", "2"]
        + ["--tv-weight", "0.5", "--style-scale", "0.5", "--color", "histogram"]
        + ["--content-layers", "relu3_2", "--style-layers", "relu1_1", "relu2_1"]
        + ["--style-layer-weights", "1", "2", "--pooling", "max", "--optimizer", "adam"]
        + ["--learning-rate", "0.1", "--init", "noise", "--no-multiscale", "--seed", "7"]
        + ["--device", "cpu", "--precision", "fp32"]
    )
    assert params_from_args(args) == StyleParams(
        size=96,
        steps=9,
        style_weight=5.0,
        content_weight=2.0,
        tv_weight=0.5,
        style_scale=0.5,
        color="histogram",
        content_layers=("relu3_2",),
        style_layers=("relu1_1", "relu2_1"),
        style_layer_weights=(1.0, 2.0),
        pooling="max",
        optimizer="adam",
        learning_rate=0.1,
        init="noise",
        multiscale=False,
        seed=7,
        device="cpu",
        precision="fp32",
    )


def test_not_an_image(inputs, tmp_path, capsys):
    content, _ = inputs
    fake = tmp_path / "fake.png"
    fake.write_text("hello")
    output = tmp_path / "out.png"
    assert main([str(content), str(fake), "-o", str(output), *TINY]) == 2
    line = _one_error_line(capsys)
    assert "style image" in line and "not an image" in line
    assert str(tmp_path) not in line
    assert not output.exists()


def test_missing_file(inputs, tmp_path, capsys):
    _, style = inputs
    output = tmp_path / "out.png"
    assert main([str(tmp_path / "nothere.png"), str(style), "-o", str(output), *TINY]) == 2
    line = _one_error_line(capsys)
    assert "content image" in line and "not found" in line and "nothere.png" in line
    assert not output.exists()


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--steps", "0"], "steps"),
        (["--size", str(10**6)], "size"),
        (["--size", "10"], "size"),
        (["--style-weight", "nan"], "style_weight"),
        (["--style-weight", "inf"], "style_weight"),
        (["--content-weight", "-1"], "content_weight"),
        (["--style-layers", "relu1_1", "relu9_9"], "relu9_9"),
        (["--content-layers", "fc7"], "fc7"),
        (["--style-layer-weights", "1", "2"], "style_layer_weights"),
        (["--style-blend", "1", "1"], "style_blend"),  # two weights, one style
        (["--seed", "-1"], "seed"),
        (["--pooling", "max", "--learning-rate", "0"], "learning_rate"),
    ],
)
def test_bad_values_exit_2_with_one_line(inputs, tmp_path, capsys, flags, needle):
    content, style = inputs
    output = tmp_path / "out.png"
    argv = [str(content), str(style), "-o", str(output), "--size", "64", "--steps", "2", "--quiet"]
    assert main(argv + flags) == 2
    assert needle in _one_error_line(capsys)
    assert not output.exists()


def test_output_must_be_png(inputs, tmp_path, capsys):
    content, style = inputs
    for name in ("out.jpg", "out", "out.png.txt"):
        assert main([str(content), str(style), "-o", str(tmp_path / name), *TINY]) == 2
        line = _one_error_line(capsys)
        assert ".png" in line and name in line
        assert not (tmp_path / name).exists()


def test_output_folder_must_exist(inputs, tmp_path, capsys):
    content, style = inputs
    output = tmp_path / "no" / "such" / "dir" / "out.png"
    assert main([str(content), str(style), "-o", str(output), *TINY]) == 2
    assert "folder does not exist" in _one_error_line(capsys)


def test_negative_save_every_names_the_flag(inputs, tmp_path, capsys):
    content, style = inputs
    argv = [str(content), str(style), "-o", str(tmp_path / "o.png"), "--save-every", "-1"]
    assert main(argv + TINY) == 2
    assert "--save-every" in _one_error_line(capsys)


def test_enormous_size_is_a_one_line_error(inputs, tmp_path, capsys):
    content, style = inputs
    argv = [str(content), str(style), "-o", str(tmp_path / "o.png"), "--size", "9" * 400]
    assert main(argv + ["--quiet"]) == 2
    assert "size" in _one_error_line(capsys)


def test_python_dash_m_runs(inputs, tmp_path):
    content, style = inputs
    output = tmp_path / "sub.png"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-m", "style_core", str(content), str(style), "-o", str(output), *TINY],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert read_params(output) == StyleParams(size=64, steps=6)


def test_python_dash_m_error_exit_code(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "style_core", str(tmp_path / "a.png"), str(tmp_path / "b.png")]
        + ["-o", str(tmp_path / "c.png"), "--steps", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: steps") and result.stderr.count("\n") == 1


def test_every_knob_marked_for_the_cli_has_a_flag():
    from style_core.cli import build_parser
    from style_core.params import KNOBS

    text = build_parser().format_help()
    for name, knob in KNOBS.items():
        flag = name.replace("_", "-")
        assert (f"--{flag} " in text or f"--no-{flag} " in text) == knob.cli, name


def test_parsed_defaults_are_the_dataclass_defaults():
    from style_core import StyleParams
    from style_core.cli import build_parser, params_from_args

    args = build_parser().parse_args(["c.png", "s.png"])
    assert params_from_args(args) == StyleParams()
