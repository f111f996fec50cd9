"""Package names that load with their module on first use (PEP 562), so importing a package does
not import every module it re-exports: a run pays only for the modules it calls.

    __getattr__ = lazy_names(__name__, globals(), {"find_config": "find", ...})
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, namespace: dict[str, Any], home: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: name -> its attribute in the submodule `home[name]`,
    kept in the package's `namespace` once loaded."""

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
