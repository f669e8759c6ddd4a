"""The app on a ZeroGPU Space: the job is wrapped by spaces.GPU with a duration estimate."""

import sys
import types

import pytest
from fresh_app import fresh_app


@pytest.fixture
def app_with_fake_spaces(monkeypatch):
    calls = {}

    def gpu(duration):
        def wrap(fn):
            calls["duration"], calls["fn"] = duration, fn
            return fn

        return wrap

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=gpu))
    yield fresh_app(), calls


def test_job_is_wrapped_with_a_size_aware_duration(app_with_fake_spaces):
    app, calls = app_with_fake_spaces
    assert calls["fn"].__name__ == "stylize_job"
    duration = calls["duration"]
    small = duration("c.png", "s.png", steps=50, size=256)
    large = duration("c.png", "s.png", steps=1000, size=2048)
    assert 20 <= small < large <= 300
    # Gradio passes the images by position and the settings by name, as above.
    assert duration("c.png", "s.png", None, 0.5, steps=50, size=256) == small
    assert duration("c.png", "s.png", steps="lots", size=256) == 30


def test_cuda_is_not_initialised_at_import(app_with_fake_spaces):
    import torch

    assert not torch.cuda.is_initialized()
