"""GPU memory a job needs (style_app.memory): the model against the real network, and a
dedicated GPU refusing, before any work, a job its free memory cannot hold."""

from __future__ import annotations

import gradio as gr
import pytest
import torch
from PIL import Image

from style_app import job, memory
from style_core import StyleParams
from style_core.params import STYLE_LAYERS_DEFAULT
from style_core.vgg import VGG19Features

GB = 2**30


def test_the_activation_count_matches_the_network():
    """Every layer output to relu5_1 is kept for the backward pass: count them on VGG19."""
    net = VGG19Features(pooling="avg")
    floats = 0

    def count(_module, _inputs, output):
        nonlocal floats
        floats += output.numel()

    for layer in net.layers.values():
        layer.register_forward_hook(count)
    side = 64
    with torch.no_grad():
        net(torch.rand(1, 3, side, side), (*STYLE_LAYERS_DEFAULT, "relu4_2"))
    per_pixel = floats / side**2
    assert per_pixel == pytest.approx(memory.ACTIVATION_FLOATS, rel=0.02)


def test_memory_grows_with_pixels_and_the_lbfgs_history():
    two_k = StyleParams(size=2048, steps=2000)
    # fp32 at 2048 px (4:3): more than a 16 GB T4 holds; L-BFGS's history alone is GBs.
    assert memory.job_bytes(two_k, (4, 3), 4) > 16 * GB
    adam = two_k.replace(optimizer="adam")
    assert memory.job_bytes(two_k, (4, 3), 4) - memory.job_bytes(adam, (4, 3), 4) > 5 * GB
    assert memory.job_bytes(two_k, (4, 3), 2) < memory.job_bytes(two_k, (4, 3), 4)  # bf16
    assert memory.job_bytes(StyleParams(size=1024, steps=400), (4, 3), 4) < 6 * GB
    largest = memory.largest_size(two_k, (4, 3), 4, 13.5 * GB)
    assert largest % 64 == 0 and 1024 < largest < 2048
    assert memory.job_bytes(two_k.replace(size=largest), (4, 3), 4) <= 13.5 * GB
    assert memory.job_bytes(two_k.replace(size=largest + 64), (4, 3), 4) > 13.5 * GB


def test_zero_gpu_slices_hold_the_largest_slider_job():
    from spaces.config import Settings

    # ZeroGPU's sliders stop at 800 steps and 1280 px (style_app.config); a square is largest.
    largest = memory.job_bytes(StyleParams(size=1280, steps=800), (1, 1), 4)
    assert largest < memory.FREE_SHARE * Settings().zerogpu_cuda_total_memory


@pytest.fixture
def t4(monkeypatch):
    """A dedicated 16 GB GPU without bf16 (a T4) with 14 GB free; nothing touches CUDA."""
    monkeypatch.setattr(job, "DEVICE_KIND", "cuda")
    monkeypatch.setattr(job, "ZERO_GPU", False)
    monkeypatch.setattr(memory, "resolve_precision", lambda precision, device: torch.float32)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda: (14 * GB, 16 * GB))


def a_job(size: int) -> job.Job:
    content = Image.new("RGB", (400, 300))
    params = StyleParams(size=size, steps=2000)
    return job.Job(content, [content], params, None, estimate=0.0, measured=True)


def test_a_dedicated_gpu_refuses_what_its_free_memory_cannot_hold(t4):
    job.check_size(a_job(1024))  # fits
    with pytest.raises(gr.Error) as caught:
        job.check_size(a_job(2048))
    message = caught.value.message
    assert message.startswith("This job needs about ")
    assert "GB of GPU memory at 2048 px and 12.6 GB are free here" in message
    assert message.endswith(" px or less.") and "lower the output size to 1" in message


def test_the_refusal_comes_before_any_work(t4, monkeypatch, tmp_path):
    monkeypatch.setattr(job, "run_on_gpu", lambda job: pytest.fail("the job started"))
    content = tmp_path / "content.png"
    Image.new("RGB", (400, 300)).save(content)
    with pytest.raises(gr.Error, match="lower the output size"):
        next(job.stylize_job(str(content), str(content), steps=2000, size=2048))


@pytest.mark.skipif(torch.cuda.is_available(), reason="measures on the GPU instead")
def test_the_gpu_benchmark_says_there_is_no_gpu_and_exits_0():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu.py"
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no CUDA GPU here: nothing to measure"
