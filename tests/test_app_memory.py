"""The app's memory checks (style_app.memory): ZeroGPU's plans fit its slices, and a dedicated
GPU tiles a large job or refuses, before any work, one its free memory cannot hold."""

from __future__ import annotations

import gradio as gr
import pytest
import torch
from PIL import Image

from style_app import job, memory
from style_core import StyleParams, devices
from style_core.memory import Memory
from style_core.plan import plan_job

GB = 2**30


def test_zero_gpu_plans_fit_its_slices_up_to_the_largest_slider_job():
    """ZeroGPU's size slider goes to 4096 px (style_app.config); the plan made without
    touching CUDA tiles what its slice cannot hold whole, and then fits."""
    zero = memory.zero_gpu_memory(styles=2, masked=True)
    plan = plan_job(StyleParams(size=4096, steps=800), (1, 1), zero)
    assert plan.peak_bytes <= zero.budget


@pytest.fixture
def small_gpu(monkeypatch):
    """A dedicated GPU without bf16 with 4 GB free; nothing touches CUDA."""
    monkeypatch.setattr(job, "DEVICE_KIND", "cuda")
    monkeypatch.setattr(job, "ZERO_GPU", False)
    monkeypatch.setattr(devices, "resolve_precision", lambda precision, device: torch.float32)
    monkeypatch.setattr(memory, "device_budget", lambda device: 0.9 * 4 * GB)


def a_job(size: int) -> job.Job:
    content = Image.new("RGB", (400, 300))
    params = StyleParams(size=size, steps=2000)
    plan = plan_job(params, content.size, Memory(0.9 * 4 * GB, 4))
    return job.Job(content, [content], params, None, 0.0, True, plan)


def test_a_dedicated_gpu_tiles_what_it_can_and_refuses_the_rest(small_gpu):
    """2048 px in fp32 is 17 GB whole: in tiles it fits 3.6 GB. At 4096 px the image-sized
    buffers (image, gradient, L-BFGS pairs) alone do not."""
    assert a_job(2048).plan.scales[-1].tile > 0
    job.check_size(a_job(2048))  # fits, tiled
    with pytest.raises(gr.Error) as caught:
        job.check_size(a_job(4096))
    message = caught.value.message
    assert message.startswith("This job needs about ")
    assert "GB of GPU memory at 4096 px, even in tiles, and 3.6 GB are free here" in message
    largest = int(message.split("lower the output size to ")[1].split(" px")[0])
    assert 2048 <= largest < 4096 and message.endswith(" px or less.")
    fits = plan_job(StyleParams(size=largest, steps=2000), (400, 300), Memory(0.9 * 4 * GB, 4))
    assert fits.peak_bytes <= 0.9 * 4 * GB


def test_the_refusal_comes_before_any_work(small_gpu, monkeypatch, tmp_path):
    monkeypatch.setattr(job, "run_on_gpu", lambda job: pytest.fail("the job started"))
    content = tmp_path / "content.png"
    Image.new("RGB", (400, 300)).save(content)
    with pytest.raises(gr.Error, match="lower the output size"):
        next(job.stylize_job(str(content), str(content), steps=2000, size=4096))


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
