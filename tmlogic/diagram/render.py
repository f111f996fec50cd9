"""DOT -> SVG/PNG with a Graphviz binary.

Order of choice (docs/outputs.md has the measurements behind it):
1. `TMLOGIC_GRAPHVIZ`, if set: a path or command name of any `dot`-compatible program;
2. `graphviz-pure`, the PyPI port of Graphviz 16.1 that tmlogic depends on (beside the
   interpreter, then in the install's scripts folder, then on PATH): a plain
   `pip install` brings it, it is faster than Debian's `dot` 2.43 on our models and writes the
   same bytes on every platform (bundled font metrics), so reports do not change between a
   laptop and CI;
3. the system's `dot`, for platforms that graphviz-pure has no wheel for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from functools import lru_cache

from .._errors import OutputError
from ..records import record

__all__ = ["FORMATS", "DiagramFailed", "DiagramUnavailable", "Renderer", "find_renderer", "render"]

FORMATS = ("svg", "png")
_TIMEOUT_S = 120


class DiagramUnavailable(OutputError):
    """No diagram can be drawn in this environment; DOT output still works."""


class DiagramFailed(DiagramUnavailable):
    """The Graphviz program ran and failed (crashed, timed out, gave up on the layout): a fault of
    that program or of the machine, not of the model; DOT output still works."""


@record(frozen=True)
class Renderer:
    name: str  # "graphviz-pure", "dot", or what TMLOGIC_GRAPHVIZ names
    path: str


def _interpreter_dir() -> str:
    """The interpreter's own folder: a virtual environment's scripts folder, where pip put graphviz-pure."""
    return os.path.dirname(sys.executable)


def _scripts_dir() -> str | None:
    import sysconfig  # its configuration data is a few milliseconds to import: only when needed

    try:
        return sysconfig.get_path("scripts")
    except KeyError:  # an unusual install scheme
        return None


@lru_cache(maxsize=4)
def _lookup(override: str | None) -> Renderer | None:
    if override:
        found = shutil.which(override)
        return Renderer(os.path.basename(override), found) if found else None
    places: tuple[tuple[str, Callable[[], str | None] | None], ...] = (
        ("graphviz-pure", _interpreter_dir), ("graphviz-pure", _scripts_dir), ("graphviz-pure", None), ("dot", None))
    for name, where in places:
        folder = where() if where is not None else None
        if where is not None and not folder:
            continue
        found = shutil.which(name, path=folder) if folder else shutil.which(name)
        if found:
            return Renderer(name, found)
    return None


def find_renderer() -> Renderer | None:
    """The Graphviz program tmlogic will use, or None when there is none."""
    return _lookup(os.environ.get("TMLOGIC_GRAPHVIZ") or None)


def render(dot: str, fmt: str = "svg", renderer: Renderer | None = None) -> bytes:
    """Lay out and draw `dot`. Raises DiagramUnavailable when no Graphviz program exists,
    DiagramFailed (a DiagramUnavailable) when the program fails."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}; expected one of {', '.join(FORMATS)}")
    chosen = renderer or find_renderer()
    if chosen is None:
        override = os.environ.get("TMLOGIC_GRAPHVIZ")
        raise DiagramUnavailable(
            f"TMLOGIC_GRAPHVIZ={override!r} is not an executable program" if override else
            "no Graphviz program found: reinstall tmlogic (it depends on graphviz-pure) or install Graphviz's "
            "`dot`; DOT output (-o FILE.dot) works without it")
    try:
        done = subprocess.run([chosen.path, f"-T{fmt}"], input=dot.encode("utf-8"), capture_output=True,
                              timeout=_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiagramFailed(f"{chosen.name} ({chosen.path}) could not draw the diagram: {exc}") from exc
    if done.returncode != 0 or not done.stdout:
        raise DiagramFailed(f"{chosen.name} failed (exit {done.returncode}): {_failure_detail(done.stderr)}")
    return done.stdout


def _failure_detail(stderr: bytes) -> str:
    """The first error Graphviz printed (the cause: later lines are its consequences, and a failed
    ranking lists every node it could not rank) and how many lines followed it."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        return "no output"
    first = next((i for i, line in enumerate(lines) if line.startswith("Error")), 0)
    rest = len(lines) - first - 1
    return lines[first][:200] + (f" (and {rest} more line{'' if rest == 1 else 's'} of errors)" if rest else "")
