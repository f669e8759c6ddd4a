"""The memory model (style_core.memory) against the real network, and the plan choosing
tiles by it (style_core.plan): a large scale is tiled only where the device's memory needs it,
and then fits."""

from __future__ import annotations

import pytest
import torch

from style_core import StyleParams, memory
from style_core.memory import Memory
from style_core.params import STYLE_LAYERS_DEFAULT
from style_core.plan import UNLIMITED, plan_job
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
    assert floats / side**2 == pytest.approx(memory.ACTIVATION_FLOATS, rel=0.02)


def test_large_scales_keep_fewer_lbfgs_pairs():
    assert memory.history_pairs(512 * 384, 1000, 100) == 100
    assert memory.history_pairs(512 * 384, 18, 100) == 18  # never more than its steps
    assert memory.history_pairs(1024 * 768, 1000, 100) == 100  # the GPU preset keeps all
    big = memory.history_pairs(4096 * 3072, 1000, 100)
    assert memory.MIN_HISTORY <= big < 10
    pairs_bytes = 2 * big * 3 * 4 * 4096 * 3072
    assert pairs_bytes <= max(memory.HISTORY_BYTES, 2 * memory.MIN_HISTORY * 3 * 4 * 4096 * 3072)
    # A job's memory budget caps them too: a quarter of 4 GB at 2048 x 1536.
    capped = memory.history_pairs(2048 * 1536, 1000, 100, 4 * GB)
    assert capped < memory.history_pairs(2048 * 1536, 1000, 100)
    assert 2 * capped * 3 * 4 * 2048 * 1536 <= GB


def test_without_a_budget_nothing_is_tiled_and_memory_grows_with_pixels():
    plan = plan_job(StyleParams(size=2048), (4, 3))
    assert [s.tile for s in plan.scales] == [0, 0, 0]
    fp32, bf16 = (Memory(float("inf"), n) for n in (4, 2))
    two_k, one_k = StyleParams(size=2048), StyleParams(size=1024)
    assert plan_job(two_k, (4, 3), fp32).peak_bytes > 3.5 * plan_job(one_k, (4, 3), fp32).peak_bytes
    assert plan_job(two_k, (4, 3), bf16).peak_bytes < plan_job(two_k, (4, 3), fp32).peak_bytes
    assert plan_job(two_k, (4, 3), fp32).peak_bytes > 10 * GB


@pytest.mark.parametrize("size, gigabytes", [(2048, 4), (4096, 8)])
def test_a_budget_tiles_the_scales_that_need_it_and_they_fit(size, gigabytes):
    budget = Memory(gigabytes * GB, 2)
    plan = plan_job(StyleParams(size=size), (4, 3), budget)
    whole = plan_job(StyleParams(size=size), (4, 3), UNLIMITED)
    assert plan.scales[-1].tile > 0 and plan.scales[-1].tile % 16 == 0
    assert plan.peak_bytes <= budget.budget < whole.peak_bytes
    # Scales that fit whole stay whole: tiling costs time (its windows' margins).
    for tiled, untiled in zip(plan.scales, whole.scales):
        assert (tiled.tile == 0) == (untiled.peak_bytes <= budget.budget)
    last = plan.scales[-1]
    assert last.window_pixels > last.pixels and last.evaluated_pixels > last.pixels
    # The largest tile that fits: the next larger one would not.
    larger = [t for t in (256, 384, 512, 768, 1024, 1536, 2048) if t > last.tile]
    if larger and larger[0] < max(last.size):
        params = StyleParams(size=size, tile_size=larger[0])
        assert plan_job(params, (4, 3), budget).peak_bytes > budget.budget


def test_a_budget_too_small_for_any_tile_gets_the_smallest():
    """4096 px: its image-sized buffers alone (image, gradient, L-BFGS pairs) pass 3 GB; the
    engine still runs it in the smallest tiles, and the app refuses it up front."""
    plan = plan_job(StyleParams(size=4096), (4, 3), Memory(3 * GB, 2))
    assert plan.scales[-1].tile == 256 and plan.peak_bytes > 3 * GB


def test_tile_size_0_never_tiles_and_a_given_size_is_kept():
    tight = Memory(1 * GB, 2)
    never = plan_job(StyleParams(size=2048, tile_size=0), (4, 3), tight)
    assert all(s.tile == 0 for s in never.scales)
    given = plan_job(StyleParams(size=2048, tile_size=512), (4, 3), UNLIMITED)
    assert [s.tile for s in given.scales] == [0, 512, 512]  # 512 px fits one tile: whole


def test_the_cpu_budget_is_capped():
    assert 0 < memory.device_budget(torch.device("cpu")) <= memory.CPU_BUDGET_BYTES
