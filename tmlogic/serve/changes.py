"""The editor's diff panel: what the unsaved edits do to the threats and the model, compared with
the files on disk and with git HEAD. It is `tmlogic diff` (tracking/diff.py), live: the same
diff_threats and diff_models over the same snapshots, shown as HTML.

The two baselines are analyzed once and kept until what they depend on changes: the files'
hashes on disk, or the commit HEAD points to.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .._errors import DiagnosticsError
from ..model.schema import Model
from ..outputs.templating import html_environment
from ..tracking.diff import DiffReport, diff_models, diff_threats, diff_to_dict
from ..tracking.snapshot import ResultSnapshot, snapshot_result
from ..typing_runtime import Any
from .live import LiveAnalyzer, LiveUpdate

__all__ = ["LiveDiff"]

_HEAD_TTL_S = 2.0  # how long a `git rev-parse HEAD` answer is trusted


@dataclass(frozen=True)
class _Baseline:
    label: str
    model: Model | None
    threats: ResultSnapshot | None
    problem: str | None = None  # why there is nothing to compare with


def _head_commit(folder: Path) -> str | None:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=folder,
                              capture_output=True, timeout=10, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("ascii", "replace").strip() or None


class LiveDiff:
    def __init__(self, analyzer: LiveAnalyzer) -> None:
        self.analyzer = analyzer
        self._disk: dict[str, tuple[tuple[tuple[str, str | None], ...], _Baseline]] = {}
        self._head: dict[str, tuple[str | None, _Baseline]] = {}
        self._head_seen: tuple[float, str | None] = (0.0, None)

    def forget_head(self) -> None:
        self._head_seen = (0.0, None)

    def _disk_baseline(self, update: LiveUpdate) -> _Baseline:
        folder = self.analyzer.folder
        stamp = tuple((f, folder.disk_hash(f)) for f in update.files)
        cached = self._disk.get(update.root)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            model, raw = self.analyzer.run(folder.resolve(update.root), {})
            base = _Baseline("on disk", model, snapshot_result(raw))
        except DiagnosticsError as exc:
            base = _Baseline("on disk", None, None, f"the saved file has {len(exc.errors)} error(s), so there is "
                                                    "nothing to compare with; save a valid model first")
        self._disk[update.root] = (stamp, base)
        return base

    def _head_baseline(self, update: LiveUpdate) -> _Baseline:
        from ..tracking.snapshot import TrackingError
        from ..tracking.sources import load_side

        folder = self.analyzer.folder.root
        now = time.monotonic()
        seen_at, commit = self._head_seen
        if now - seen_at > _HEAD_TTL_S:
            commit = _head_commit(folder)
            self._head_seen = (now, commit)
        cached = self._head.get(update.root)
        if cached is not None and cached[0] == commit:
            return cached[1]
        if commit is None:
            base = _Baseline("HEAD", None, None, "the folder is not in a git repository with a commit")
        else:
            try:
                side = load_side("HEAD", model_hint=self.analyzer.folder.resolve(update.root),
                                 options=self.analyzer.options)
                base = _Baseline(side.label, side.model, side.threats)
            except TrackingError as exc:
                base = _Baseline("HEAD", None, None, getattr(exc, "message", None) or str(exc))
            except DiagnosticsError as exc:
                base = _Baseline("HEAD", None, None, f"the model at HEAD has {len(exc.errors)} error(s)")
        self._head[update.root] = (commit, base)
        return base

    def panel(self, update: LiveUpdate, dirty: bool) -> str:
        """The diff panel's HTML for one successful analysis."""
        assert update.model is not None and update.raw is not None
        current = snapshot_result(update.raw, "editor")
        sides: list[dict[str, Any]] = []
        for title, base, skip in (("Unsaved edits vs the files on disk", None, not dirty),
                                  ("Editor vs git HEAD", self._head_baseline(update), False)):
            if skip:
                sides.append({"title": title, "problem": None, "clean": True})
                continue
            if base is None:
                base = self._disk_baseline(update)
            if base.problem is not None or base.threats is None or base.model is None:
                sides.append({"title": title, "problem": base.problem, "clean": False})
                continue
            report = DiffReport(base.label, "editor", diff_threats(base.threats.threats, current.threats),
                                diff_models(base.model, update.model))
            sides.append({"title": title, "problem": None, "clean": False, "diff": diff_to_dict(report)})
        return html_environment().get_template("serve/diff.html.j2").render(sides=sides)
