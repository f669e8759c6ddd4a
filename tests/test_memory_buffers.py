"""The style loss's own buffers in the GPU memory model (style_core.memory.loss_bytes_per_pixel),
measured on real tiny jobs on the CPU: the float32 tensors the loss saves for the backward
pass, per output pixel, for each statistic, precision and number of regions."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from style_app import job
from style_core import StyleParams, engine, memory
from style_core.memory import Memory
from style_core.params import STYLE_LAYERS_DEFAULT
from style_core.plan import plan_job
from tests.conftest import make_content, make_style

SIZES = (64, 128)  # two output sizes: the slope between them is the per-pixel part


def saved_loss_bytes(size: int, statistic: str, precision: str, styles: int, masked: bool):
    """Bytes of the distinct float32 storages the style loss saves for backward during the
    first loss evaluation of a real job (all its regions), the features themselves excepted
    (they are activations, which the model counts apart)."""
    calls: list[tuple[dict[str, torch.Tensor], dict[int, int]]] = []
    style_loss = engine.style_loss

    def measured(features, *args, **kwargs):
        activations = {t.untyped_storage().data_ptr() for t in features.values()}
        saved: dict[int, int] = {}  # storage address -> bytes

        def pack(tensor: torch.Tensor) -> torch.Tensor:
            storage = tensor.untyped_storage()
            if tensor.dtype == torch.float32 and storage.data_ptr() not in activations:
                saved[storage.data_ptr()] = storage.nbytes()
            return tensor

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            loss = style_loss(features, *args, **kwargs)
        calls.append((features, saved))
        return loss

    mask = None
    if masked:  # the left half to the first style
        mask = Image.new("L", (size, size))
        mask.paste(255, (0, 0, size // 2, size))
    params = StyleParams(
        size=size,
        steps=1,
        optimizer="adam",  # one loss evaluation per step (L-BFGS may search a line)
        style_statistic=statistic,
        precision=precision,
        device="cpu",
        rank_rule=False,  # every style layer at every size, as the model counts them
    )
    styles_images = [make_style(), make_style(48, 64)][:styles]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "style_loss", measured)
        engine.run(make_content(size, size), styles_images, params, mask)
    first = calls[0][0]
    # One loss evaluation calls style_loss once per region, all on the same features.
    storages = {
        ptr: n for features, saved in calls if features is first for ptr, n in saved.items()
    }
    return sum(storages.values())


CASES = [  # (statistic, precision, styles, masked): one region without a mask, one per style with
    ("mean-covariance", "fp32", 1, False),
    ("mean-covariance", "fp32", 2, False),  # two styles blended: still one region
    ("mean-covariance", "bf16", 1, False),
    ("mean-covariance", "fp32", 1, True),
    ("mean-covariance", "bf16", 2, True),
    ("gram", "fp32", 1, False),  # the features themselves: nothing beyond the activations
    ("gram", "bf16", 1, False),  # their float32 copy
    ("gram", "fp32", 1, True),
    ("gram", "bf16", 2, True),
]


@pytest.mark.parametrize(("statistic", "precision", "styles", "masked"), CASES)
def test_the_model_counts_the_buffers_the_loss_keeps(statistic, precision, styles, masked):
    small, large = (saved_loss_bytes(size, statistic, precision, styles, masked) for size in SIZES)
    # The slope drops the fixed part (the C x C statistics' errors), which FIXED_BYTES holds.
    per_pixel = (large - small) / (SIZES[1] ** 2 - SIZES[0] ** 2)
    element_bytes = 2 if precision == "bf16" else 4
    model = memory.loss_bytes_per_pixel(
        STYLE_LAYERS_DEFAULT, statistic, element_bytes, styles=styles, masked=masked
    )
    assert per_pixel == pytest.approx(model, rel=0.1, abs=1.0)


def test_a_split_mask_needs_a_second_region_of_loss_buffers():
    params = StyleParams(size=1024, steps=400)
    pixels = 1024 * 768
    one = plan_job(params, (4, 3), Memory(float("inf"), 2)).peak_bytes
    split = plan_job(params, (4, 3), Memory(float("inf"), 2, 2, True)).peak_bytes
    region = memory.loss_bytes_per_pixel(params.style_layers, params.style_statistic, 2)
    assert region > 400  # mean and covariance: a float32 copy of 122 channels per pixel
    assert split - one == pytest.approx(pixels * region * memory.ALLOCATOR_SLACK, rel=1e-3)
    blended = plan_job(params, (4, 3), Memory(float("inf"), 2, 2)).peak_bytes
    assert blended == one  # blended: one region


def test_a_dedicated_gpu_counts_the_jobs_styles_and_mask(monkeypatch):
    monkeypatch.setattr(job, "DEVICE_KIND", "cuda")
    monkeypatch.setattr(job, "ZERO_GPU", False)
    asked = []
    monkeypatch.setattr(job, "check_fits", lambda *args, **shape: asked.append(shape))
    content = Image.new("RGB", (400, 300))
    mask = Image.new("L", (400, 300))
    params = StyleParams(size=512)
    plan = plan_job(params, content.size)
    job.check_size(job.Job(content, [content, content], params, mask, 0.0, True, plan))
    job.check_size(job.Job(content, [content], params, None, 0.0, True, plan))
    assert asked == [
        {"styles": 2, "masked": True, "start_side": 0},
        {"styles": 1, "masked": False, "start_side": 0},
    ]
