"""The README's Python examples run as written (against a test server, with tiny settings)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from style_core import read_params
from style_core.images import read_mask

pytest.register_assert_rewrite("app_server")  # before the import below: no rewrite warning

from app_server import CONTENT_EXAMPLE, REPO, STYLE_EXAMPLE  # noqa: E402

pytest_plugins = ["app_server"]

pytestmark = pytest.mark.slow

README = REPO / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", README.read_text(), flags=re.M | re.S)


def block_using(marker: str) -> str:
    blocks = [block for block in python_blocks() if marker in block]
    assert len(blocks) == 1, f"expected one ```python block in README.md using {marker}"
    return blocks[0]


def replace(code: str, old: str, new: str) -> str:
    """Replace text that the README must still contain (fails loudly on README drift)."""
    assert old in code, f"README.md example no longer contains {old!r}; update this test"
    return code.replace(old, new)


def run(code: str, monkeypatch) -> None:
    monkeypatch.chdir(REPO)  # the examples use paths relative to the repository root
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})


def test_readme_gradio_client_example_runs_against_the_app(app_server, monkeypatch, capsys):
    code = replace(block_using("gradio_client"), "http://127.0.0.1:7860/", app_server.url)
    run(code, monkeypatch)
    out = capsys.readouterr().out
    iterations = re.findall(r"^(\d+) / (\d+) [-+0-9.e]+$", out, flags=re.M)
    assert len(iterations) >= 2, out
    assert all(total == iterations[0][1] for _, total in iterations)
    assert int(iterations[-1][0]) == int(iterations[-1][1]), "the final result is streamed too"
    match = re.search(r"^full-size PNG with its settings embedded: (.+\.png)$", out, flags=re.M)
    assert match, out
    png = Path(match.group(1))
    assert png.is_file()
    params = read_params(png)
    assert (params.steps, params.size) == (int(iterations[-1][1]), 256)
    enlarged = re.search(r"^enlarged PNG: (.+\.png)$", out, flags=re.M)
    assert enlarged, out
    bigger = read_params(Path(enlarged.group(1)))
    assert (bigger.size, bigger.steps, bigger.style_weight) == (512, 10, params.style_weight)
    with Image.open(enlarged.group(1)) as image:
        assert max(image.size) == 512


def test_readme_style_core_example_runs(monkeypatch, capsys, tmp_path):
    code = block_using("for snapshot in stylize(")
    code = replace(code, '"content.jpg"', repr(str(CONTENT_EXAMPLE)))
    code = replace(code, '"style.jpg"', repr(str(STYLE_EXAMPLE)))
    code = replace(
        code,
        "StyleParams(size=512, style_weight=10.0)",
        "StyleParams(size=128, steps=10, style_weight=10.0)",
    )
    out_png = tmp_path / "out.png"
    code = replace(code, '"out.png"', repr(str(out_png)))
    run(code, monkeypatch)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 11, lines  # one per iteration, then the final snapshot
    assert [line.split()[:2] for line in lines[:10]] == [[str(i), "10"] for i in range(1, 11)]
    assert "'style'" in lines[-1] and "'content'" in lines[-1]  # the losses are printed
    params = read_params(out_png)
    assert (params.size, params.steps) == (128, 10)


def test_readme_mask_example_runs(monkeypatch, tmp_path):
    code = block_using("mask=mask")
    code = replace(code, "mask=mask)\n", "StyleParams(size=96, steps=4), mask=mask)\n")
    code = replace(code, '"rocket_sky.png"', repr(str(tmp_path / "rocket_sky.png")))
    run(code, monkeypatch)
    saved = Image.open(tmp_path / "rocket_sky.png")
    assert saved.size == (96, 64)
    mask = read_mask(saved)
    assert mask is not None and mask.size == saved.size
    sky, ground = np.asarray(mask)[:20].mean(), np.asarray(mask)[-5:].mean()
    assert sky > 200 and ground < 10, (sky, ground)  # the example's sky mask, carried along


def test_readme_video_example_runs(monkeypatch, tmp_path):
    code = block_using("stylize_video")
    code = replace(code, "read_frames(clip, 256)", "read_frames(clip, 64, 3)")
    code = replace(
        code, "StyleParams(), VideoParams()", "StyleParams(steps=3), VideoParams(frame_steps=2)"
    )
    out = tmp_path / "styled.mp4"
    code = replace(code, '"styled.mp4"', repr(str(out)))
    run(code, monkeypatch)
    from style_core.video_io import probe

    info = probe(out)
    assert info.frames == 3 and max(info.width, info.height) == 64
