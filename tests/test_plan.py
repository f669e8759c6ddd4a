"""A job's plan, made once (style_core.plan): the engine runs exactly the scales it plans,
and the speed and memory models read the same plan."""

from __future__ import annotations

import pytest

from style_core import StyleParams, stylize
from style_core.plan import network_work, plan_job
from tests.conftest import make_content, make_style


def test_the_engine_runs_the_scales_its_plan_says():
    params = StyleParams(size=320, steps=7, preview_seconds=0.0)
    content = make_content(100, 70)
    plan = plan_job(params, content.size)
    assert [scale.size for scale in plan.scales] == [(160, 112), (320, 224)]
    assert plan.steps == 7 and plan.output_size == (320, 224)
    seen: dict[tuple[int, int], int] = {}
    for snapshot in stylize(content, make_style(), params):
        if not snapshot.done:
            seen[snapshot.size] = seen.get(snapshot.size, 0) + 1
    assert seen == {scale.size: scale.steps for scale in plan.scales}
    assert plan.work() == [scale.steps * scale.pixels for scale in plan.scales]


def test_the_style_side_follows_the_style_scale():
    plan = plan_job(StyleParams(size=512, style_scale=0.5), (4, 3))
    assert [scale.style_side for scale in plan.scales] == [64, 128, 256]


def test_a_network_stopped_early_does_a_share_of_the_work():
    works = [network_work(layer) for layer in ("relu1_1", "relu2_2", "relu3_1", "relu4_2")]
    assert works == sorted(works) and 0 < works[0] < 0.01 and works[-1] < 0.8
    assert network_work("relu5_1") == pytest.approx(1.0)
    assert network_work("relu4_2") == network_work("conv4_2")  # the ReLU costs nothing more
    default = plan_job(StyleParams(size=1024), (4, 3)).network_work  # to relu5_1
    shallow = StyleParams(content_layers=("relu2_2",), style_layers=("relu1_1", "relu2_1"))
    assert plan_job(shallow, (4, 3)).network_work < 0.3 * default
