"""Requirements shared by several test files. A missing requirement fails its tests with what to
install: the suite never skips a feature because the machine lacks something it needs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tmlogic.diagram.render import Renderer, find_renderer


@pytest.fixture(scope="session")
def graphviz() -> Renderer:
    """The Graphviz program the diagram tests draw with (tmlogic depends on graphviz-pure)."""
    found = find_renderer()
    if found is None:
        pytest.fail("no Graphviz program: reinstall tmlogic (it depends on graphviz-pure) or install "
                    "Graphviz's `dot`")
    return found


@pytest.fixture(scope="session")
def chromium_binary() -> str:
    """Debian's Chromium, for the browser tests (`make system-deps` installs it as root)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        pytest.fail("Chromium is not installed: `make system-deps` installs Debian's chromium (as root); "
                    "deselect the browser tests with -m 'not browser'")
    return found
