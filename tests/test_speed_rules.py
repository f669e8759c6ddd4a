"""The speed model's rules, each written once (style_app.speed): a job's time from its plan,
set-up included; the fit a job makes of its own scales; the ZeroGPU duration and refusal."""

from __future__ import annotations

import pytest

from style_app import config, speed
from style_core import StyleParams
from style_core.plan import plan_job


def test_a_jobs_time_counts_each_scales_set_up_and_iterations():
    cost = speed.Cost(0.1, 1e-6, setup_a=0.5, setup_b=2e-6, measured=True)
    plan = plan_job(StyleParams(size=512, steps=60), (4, 3))
    expected = sum(0.5 + 2e-6 * s.pixels + s.steps * (0.1 + 1e-6 * s.pixels) for s in plan.scales)
    assert speed.plan_seconds(cost, plan) == pytest.approx(expected)
    assert len(plan.scales) == 3  # three set-ups
    # A network stopped at relu2_2 saves the multiply-adds it skips, beyond the fixed share.
    shallow = plan_job(
        StyleParams(size=512, content_layers=("relu2_2",), style_layers=("relu1_1",)), (4, 3)
    )
    share = cost.fixed_share + (1 - cost.fixed_share) * shallow.network_work
    assert cost.step_share(shallow) == pytest.approx(share) and 0.3 < share < 0.45


def test_a_job_fits_its_own_iterations_and_set_up_per_scale():
    # 0.1 s + 1e-6 s per pixel an iteration; a scale's set-up 0.3 s + 5e-6 s per pixel.
    timed, clock = [], 0.0
    for pixels in (10_000, 40_000):
        clock += 0.3 + 5e-6 * pixels
        for _ in range(6):
            clock += 0.1 + 1e-6 * pixels
            timed.append((pixels, clock))
    fit = speed.time_iterations(timed)
    assert (fit.a, fit.b) == (pytest.approx(0.1), pytest.approx(1e-6))
    assert (fit.setup_a, fit.setup_b) == (pytest.approx(0.3), pytest.approx(5e-6))
    assert fit.measured
    shallow = speed.time_iterations(timed, share=0.5)
    assert shallow.b == pytest.approx(2e-6)  # per pixel of a full network's step
    assert speed.time_iterations(timed[:6]) is None  # one scale: nothing to fit


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
