"""The speed model's rules, each written once (style_app.speed): a job's time from its plan,
set-up included; the fit a job makes of its own scales; the ZeroGPU duration and refusal."""

from __future__ import annotations

import pytest

from style_app import config, speed
from style_core import StyleParams
from style_core.plan import GATHER_SHARE, ScalePlan, network_work, plan_job


def test_a_jobs_time_counts_each_scales_set_up_and_iterations():
    cost = speed.Cost(0.1, 1e-6, setup_a=0.5, setup_b=2e-6, measured=True)
    plan = plan_job(StyleParams(size=512, steps=60), (4, 3))
    expected = sum(
        0.5 + 2e-6 * s.pixels + s.steps * (0.1 + 1e-6 * cost.step_share(s) * s.pixels)
        for s in plan.scales
    )
    assert speed.plan_seconds(cost, plan) == pytest.approx(expected)
    assert len(plan.scales) == 3  # three set-ups
    # A network stopped at relu2_2 saves the multiply-adds it skips, beyond the fixed share.
    (shallow,) = plan_job(
        StyleParams(size=512, content_layers=("relu2_2",), style_layers=("relu1_1",)),
        (4, 3),
    ).scales[-1:]
    share = cost.fixed_share + (1 - cost.fixed_share) * shallow.network_work
    assert cost.step_share(shallow) == pytest.approx(share) and 0.3 < share < 0.45


def test_each_scale_is_costed_at_the_depth_its_network_runs_to():
    """The rank rule leaves small scales without relu5_1, so the default network stops at
    relu4_2 there (0.77 of the work) and runs to relu5_1 above 512 px, where the style
    picture has the positions for it."""
    plan = plan_job(StyleParams(size=1024, steps=30), (4, 3))
    assert [s.network_work for s in plan.scales] == [pytest.approx(network_work("relu4_2"))] * 2 + [
        1.0
    ]
    small_style = plan_job(StyleParams(size=1024, steps=30), (4, 3), style_sizes=[(400, 300)])
    assert small_style.scales[-1].network_work == pytest.approx(network_work("relu4_2"))
    cost = speed.Cost(0.0, 1e-6, measured=True)
    assert speed.plan_seconds(cost, small_style) < speed.plan_seconds(cost, plan)


def _scale(width: int, height: int = 100, work: float = 1.0, windows=()) -> ScalePlan:
    tile = 500 if windows else 0
    return ScalePlan((width, height), 6, width, tile, tuple(windows), network_work=work)


def _timed(cost: speed.Cost, scales: list[ScalePlan]) -> list:
    """(scale, elapsed) of six iterations at each scale, each scale set up first, at ``cost``."""
    timed, clock = [], 0.0
    for scale in scales:
        clock += cost.setup_a + cost.setup_b * scale.window_pixels
        for _ in range(6):
            clock += cost.step_seconds(scale)
            timed.append((scale, clock))
    return timed


def test_a_job_fits_its_own_iterations_and_set_up_per_scale():
    # 0.1 s + 1e-6 s per pixel an iteration; a scale's set-up 0.3 s + 5e-6 s per pixel.
    cost = speed.Cost(0.1, 1e-6, 0.3, 5e-6)
    timed = _timed(cost, [_scale(100), _scale(400)])
    fit = speed.time_iterations(timed, cost.fixed_share)
    assert (fit.a, fit.b) == (pytest.approx(0.1), pytest.approx(1e-6))
    assert (fit.setup_a, fit.setup_b) == (pytest.approx(0.3), pytest.approx(5e-6))
    assert fit.measured
    assert speed.time_iterations(timed[:6]) is None  # one scale: nothing to fit


def test_scales_of_a_shallower_network_fit_the_full_networks_cost():
    # The small scale stops early (half the work), the large one runs the whole network: the
    # fit still finds the full network's cost per pixel.
    cost = speed.Cost(0.1, 1e-6, 0.3, 5e-6, fixed_share=0.2)
    timed = _timed(cost, [_scale(100, work=0.5), _scale(400)])
    fit = speed.time_iterations(timed, fixed_share=0.2)
    assert (fit.a, fit.b) == (pytest.approx(0.1), pytest.approx(1e-6))


def test_a_larger_pass_costs_more_per_pixel_and_tiles_are_passes_of_their_own():
    # Per pixel 1e-6 s, and 1e-12 s more for each pixel of the pass: at a megapixel, twice.
    cost = speed.Cost(0.05, 1e-6, 0.2, 1e-6, fixed_share=0.2, c=1e-12)
    whole, tiled = _scale(1000, 1000), _scale(1000, 1000, windows=[400_000] * 4)
    assert cost.step_seconds(whole) == pytest.approx(0.05 + 1.0 + 1.0)
    # Four passes of 0.4 MP, each at 1.4x a tiny pass's cost per pixel, run 1 + GATHER_SHARE
    # times (the statistics' pass, then forward and backward).
    windows = 4 * 400_000 * (1e-6 + 0.4e-6) * (1 + GATHER_SHARE)
    assert cost.step_seconds(tiled) == pytest.approx(0.05 + windows)
    # Three scales fit the growth back, the smallest at a shallower depth, the largest whole
    # or tiled; a job's own fit (ZeroGPU's) stays a line.
    for largest in (whole, tiled):
        timed = _timed(cost, [_scale(100, work=0.77), _scale(500, 400), largest])
        assert speed.time_iterations(timed, 0.2).c == 0.0
        fit = speed.time_iterations(timed, 0.2, curve=True)
        assert (fit.a, fit.b, fit.c) == (
            pytest.approx(0.05),
            pytest.approx(1e-6),
            pytest.approx(1e-12),
        )
        assert (fit.setup_a, fit.setup_b) == (pytest.approx(0.2), pytest.approx(1e-6))


def test_a_curve_that_would_fall_is_fitted_as_a_straight_line():
    # Per pixel cheaper at the middle size than at either end: the curve through the three
    # would fall at first (b < 0), so the fit is the line through the ends.
    timed, clock = [], 0.0
    for scale, per_iteration in ((_scale(100), 0.02), (_scale(400), 0.03), (_scale(800), 0.09)):
        for _ in range(4):
            clock += per_iteration
            timed.append((scale, clock))
    fit = speed.time_iterations(timed, curve=True)
    ends = speed.time_iterations([(scale, t) for scale, t in timed if scale.size[0] != 400])
    assert fit.c == 0.0 and (fit.a, fit.b) == (pytest.approx(ends.a), pytest.approx(ends.b))


def test_a_scaled_first_guess_is_never_reported_as_measured(monkeypatch):
    guess = speed.Cost(0.01, 1e-6, 0.1, 0.0)
    monkeypatch.setattr(speed, "MODEL", speed.SpeedModel(guess))
    params = StyleParams(size=256, steps=10, multiscale=False)
    took = 2 * speed.predicted_seconds(params, (4, 3))
    speed.MODEL.learn(speed.JobTiming(params, (4, 3), took, None))  # one scale: no own fit
    assert not speed.MODEL.cost.measured
    assert speed.MODEL.cost.a == pytest.approx(1.5 * guess.a)  # halfway to the job's pace
    assert "first guess" in speed.time_text(3.0)


def test_the_zero_gpu_duration_is_rounded_up_and_capped(monkeypatch):
    fixed, factor = speed.DURATION_HEADROOM
    assert speed.gpu_duration(10.2) == int(-(-(fixed + factor * 10.2) // 1))
    assert speed.gpu_duration(1e6) == config.ZERO_GPU_MAX_SECONDS
    monkeypatch.setattr(speed, "ZERO_GPU", True)
    assert speed.zero_gpu_refusal(10.0) is None
    refusal = speed.zero_gpu_refusal(config.ZERO_GPU_MAX_SECONDS, "run")
    assert refusal.startswith("This run would take about") and "ZeroGPU" in refusal
    monkeypatch.setattr(speed, "ZERO_GPU", False)
    assert speed.zero_gpu_refusal(1e6) is None  # elsewhere nothing cuts a job short
