"""Names a package exports but loads on first use (PEP 562), to keep start-up fast.

    __getattr__ = on_first_use(__name__, {"Services": "stageterm.services.facade"})

The package's `__init__` also imports the names under `TYPE_CHECKING`, for the type checker.
A lazy name must not also be the name of a submodule of the package: importing a submodule
binds its name in the package, and the name would then be the module.
Standard library only: the pure packages (`scanning`) use it too.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def on_first_use(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `homes[name]` and binds `name` in `package`."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
