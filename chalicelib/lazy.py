"""Import a module on first attribute access.

`app.py` names its services through this so that importing the app (every cold
start) does not pay for pydantic, PynamoDB models, Jinja2 or Pillow until a route
that needs them runs.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)
