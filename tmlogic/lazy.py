"""Things made on first use, so that a run pays only for what it uses.

    __getattr__ = lazy_names(__name__, globals(), {"find_config": "find", ...})
    _MENTION = lazy_pattern(r"...", re.IGNORECASE)

- `lazy_names`: package names that load with their module on first use (PEP 562), so importing a
  package does not import every module it re-exports.
- `lazy_pattern`: a regular expression compiled on first use. Compiling one costs 0.2-1.5 M
  instructions; a JSON analysis imports some 20 module-level patterns that only other outputs,
  a risk file or an unusual model ever use.
- `import_module`: importlib's, for a full module name, without importing the importlib package
  (and the warnings module it imports, some 1.8 M instructions together).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from types import ModuleType

from .typing_runtime import Any, cast

__all__ = ["import_module", "lazy_names", "lazy_pattern"]


def import_module(name: str) -> ModuleType:
    """The module of this full (absolute) name, imported if it was not: `importlib.import_module`."""
    __import__(name)
    return sys.modules[name]


def lazy_names(package: str, namespace: dict[str, Any], home: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: name -> its attribute in the submodule `home[name]`,
    kept in the package's `namespace` once loaded."""

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__


class _LazyPattern:
    """Stands for `re.compile(pattern, flags)` until first used: then each attribute asked for
    (`match`, `sub`, ...) is the compiled pattern's, kept in the instance's dict, so later uses
    cost one lookup, as a module-level compiled pattern's do."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        # Only for names not in the instance's dict yet; re.compile keeps the pattern it compiled
        # once, so a second name finds it in re's own cache.
        if name == "_source":  # a copy being made without __init__: no pattern to stand for
            raise AttributeError(name)
        value = getattr(re.compile(*self._source), name)
        setattr(self, name, value)
        return value


def lazy_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern that compiles on first use and then behaves as `re.compile(pattern, flags)` for
    its methods and attributes (it is not an instance of re.Pattern)."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
