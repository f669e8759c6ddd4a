"""Import a second, independent copy of the app (``app`` and the ``style_app`` package), e.g.
while torch reports a GPU or with ZeroGPU's environment, leaving the normal copy untouched."""

from __future__ import annotations

import importlib
import sys
import types


def _app_modules() -> dict[str, types.ModuleType]:
    return {
        name: module
        for name, module in sys.modules.items()
        if name in ("app", "style_app") or name.startswith("style_app.")
    }


def fresh_app() -> types.SimpleNamespace:
    """The entry point and every style_app module, imported afresh; ``sys.modules`` is put back
    afterwards, so later tests import the normal copy. Patch what the import should see first."""
    saved = _app_modules()
    for name in saved:
        del sys.modules[name]
    try:
        entry = importlib.import_module("app")
        fresh = _app_modules()
        modules = {name.rpartition(".")[2]: module for name, module in fresh.items()}
        return types.SimpleNamespace(**modules, demo=entry.demo)
    finally:
        for name in _app_modules():
            del sys.modules[name]
        sys.modules.update(saved)
