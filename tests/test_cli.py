"""Command line: end-to-end runs on tiny images, and one-line errors with exit code 2."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from style_core.cli import build_parser, main, params_from_args
from style_core.images import load_mask, read_mask, read_params
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


def test_a_small_style_gets_a_note_naming_the_style_scale_that_keeps_it_sharp(
    inputs, tmp_path, capsys
):
    content, _ = inputs
    small = tmp_path / "small.png"
    make_style().resize((40, 30)).save(small)
    run = [str(content), str(small), "-o", str(tmp_path / "out.png"), "--size", "64"]
    assert main([*run, "--steps", "6"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: small.png is 40x30, smaller than the 64 px it is used at: its strokes are "
        "blurred up to keep their size (a larger picture of it keeps them sharp; "
        "--style-scale 0.62 uses it at its own size, sharp but with finer strokes)"
    ]
    # That flag does use it at its own size: no note then.
    assert main([*run, "--steps", "6", "--style-scale", "0.62"]) == 0
    assert "note:" not in capsys.readouterr().err


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
        + ["--tv-weight", "0.5", "--style-scale", "0.5", "--color", "linear"]
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
        color="linear",
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


# --- --mask --------------------------------------------------------------------------------

# fp32 on every CPU: bf16 (chosen where the CPU has it) moves 2 steps less than the checks need.
MASK_TINY = ["--size", "64", "--steps", "4", "--precision", "fp32", "--quiet"]


def _left_half_mask(path: Path, size: tuple[int, int]) -> Path:
    mask = Image.new("L", size, 0)
    mask.paste(255, (0, 0, size[0] // 2, size[1]))
    mask.save(path)
    return path


def test_mask_end_to_end_carries_the_mask(inputs, tmp_path, capsys):
    content, style = inputs
    mask = _left_half_mask(tmp_path / "mask.png", (128, 96))  # twice the content's size
    output = tmp_path / "masked.png"
    argv = [str(content), str(style), "--mask", str(mask), "-o", str(output), *MASK_TINY]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    with Image.open(output) as result:
        assert result.format == "PNG" and result.size == (64, 48)
    stored = read_mask(output)
    assert stored is not None and stored.mode == "L" and stored.size == (64, 48)
    expected = load_mask(mask, (64, 48))  # resized to the content, as the run used it
    assert np.array_equal(np.asarray(stored), np.asarray(expected))
    assert read_params(output) == StyleParams(size=64, steps=4, precision="fp32")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "content.png",
        "mask.png",
        "masked.png",
        "style.jpg",
    ]


def test_mask_black_half_keeps_the_content(inputs, tmp_path):
    """Black on the right: the right half of the result is the content's right half."""
    content, style = inputs
    mask = _left_half_mask(tmp_path / "mask.png", (64, 48))
    output = tmp_path / "masked.png"
    argv = [str(content), str(style), "--mask", str(mask), "-o", str(output), *MASK_TINY]
    assert main(argv) == 0
    with Image.open(output) as result:
        result_pixels = np.asarray(result.convert("RGB"), dtype=int)
    original = np.asarray(make_content(), dtype=int)
    right = np.abs(result_pixels[:, 40:] - original[:, 40:]).max()
    left = np.abs(result_pixels[:, :24] - original[:, :24]).mean()
    assert right <= 1 and left > 3, (right, left)


def test_transparent_layer_mask_and_two_styles(inputs, tmp_path):
    content, style = inputs
    second = tmp_path / "second.png"
    make_style(48, 64).transpose(Image.Transpose.ROTATE_90).save(second)
    layer = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    layer.paste((255, 0, 0, 255), (0, 0, 16, 48))  # a red stroke down the left edge
    layer.save(tmp_path / "layer.png")
    output = tmp_path / "two.png"
    argv = [str(content), str(style), str(second), "--mask", str(tmp_path / "layer.png")]
    assert main([*argv, "-o", str(output), *MASK_TINY]) == 0
    stored = np.asarray(read_mask(output), dtype=int)
    assert (stored[:, :16] == 255).all() and (stored[:, 16:] == 0).all()  # alpha, not colour


def test_output_without_mask_carries_none(inputs, tmp_path):
    content, style = inputs
    output = tmp_path / "plain.png"
    assert main([str(content), str(style), "-o", str(output), *MASK_TINY]) == 0
    assert read_mask(output) is None


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _bomb(path: Path) -> Path:
    """A few hundred bytes whose header claims 60000x60000 pixels."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    return _written(path, png)


@pytest.mark.parametrize(
    ("make", "needles"),
    [
        (lambda folder: folder / "missing.png", ["mask: file not found", "missing.png"]),
        (lambda folder: _written(folder / "empty.png", b""), ["mask: not an image"]),
        (lambda folder: _written(folder / "notes.png", b"notes\n"), ["mask: not an image"]),
        (lambda folder: _bomb(folder / "bomb.png"), ["mask: ", "too large"]),
        (
            lambda folder: _left_half_mask(folder / "square.png", (64, 64)),
            ["mask: ", "64x64", "64x48", "does not match"],
        ),
    ],
    ids=["missing", "empty", "text", "bomb", "square"],
)
def test_bad_mask_exits_2_with_one_line(inputs, tmp_path, capsys, make, needles):
    content, style = inputs
    mask = make(tmp_path)
    output = tmp_path / "out.png"
    assert main([str(content), str(style), "--mask", str(mask), "-o", str(output), *TINY]) == 2
    line = _one_error_line(capsys)
    for needle in needles:
        assert needle in line, line
    assert str(tmp_path) not in line
    assert not output.exists()


def test_mask_with_three_styles_exits_2(inputs, tmp_path, capsys):
    content, style = inputs
    mask = _left_half_mask(tmp_path / "mask.png", (64, 48))
    output = tmp_path / "out.png"
    argv = [str(content), *[str(style)] * 3, "--mask", str(mask), "-o", str(output), *TINY]
    assert main(argv) == 2
    line = _one_error_line(capsys)
    assert "mask" in line and "two styles at most" in line and "3" in line
    assert not output.exists()


def test_mask_with_style_blend_exits_2(inputs, tmp_path, capsys):
    content, style = inputs
    mask = _left_half_mask(tmp_path / "mask.png", (64, 48))
    output = tmp_path / "out.png"
    argv = [str(content), str(style), str(style), "--mask", str(mask), "--style-blend", "1", "2"]
    assert main([*argv, "-o", str(output), *TINY]) == 2
    line = _one_error_line(capsys)
    assert "style_blend" in line and "mask" in line
    assert not output.exists()


def test_bad_content_with_a_mask_names_the_content(inputs, tmp_path, capsys):
    _, style = inputs
    mask = _left_half_mask(tmp_path / "mask.png", (64, 48))
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    for content, needle in ((tmp_path / "gone.png", "not found"), (empty, "not an image")):
        output = tmp_path / "out.png"
        argv = [str(content), str(style), "--mask", str(mask), "-o", str(output), *TINY]
        assert main(argv) == 2
        line = _one_error_line(capsys)
        assert line.startswith("error: content image: ") and needle in line, line
        assert not output.exists()


def test_mask_error_is_the_only_line_without_quiet(inputs, tmp_path, capsys):
    """No progress bar is drawn ahead of an input error."""
    content, style = inputs
    mask = _left_half_mask(tmp_path / "mask.png", (64, 48))
    argv = [str(content), *[str(style)] * 3, "--mask", str(mask), "-o", str(tmp_path / "o.png")]
    assert main([*argv, "--size", "64", "--steps", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert "%" not in captured.err and "\r" not in captured.err


def test_mask_flag_is_documented():
    text = build_parser().format_help()
    assert "--mask FILE" in text and "white" in text and "black" in text


def test_mask_for_a_very_thin_content_is_saved(tmp_path, capsys):
    """The result's short side is raised to MIN_SIDE, so its shape is not the content's: the
    mask, checked against the content before the run, is stored at the result's size."""
    content, style = tmp_path / "thin.png", tmp_path / "style.png"
    Image.new("RGB", (2, 400), (90, 120, 200)).save(content)
    make_style().save(style)
    mask = _left_half_mask(tmp_path / "mask.png", (2, 400))
    output = tmp_path / "thin_out.png"
    argv = [str(content), str(style), "--mask", str(mask), "-o", str(output), *MASK_TINY]
    assert main(argv) == 0, capsys.readouterr().err
    with Image.open(output) as result:
        assert result.size == (32, 64)
    assert read_mask(output).size == (32, 64)
