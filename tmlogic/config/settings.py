"""The parsed `.tmlogic.yaml`: project settings, and the models it lists with their own settings.

Every setting is optional (None: not said here). A model's settings go over the project's; the
command line goes over both. Lists of rule selectors, packs and overrides add up instead.
"""

from __future__ import annotations

import os
from pathlib import Path

from .._errors import Diagnostic, SourceSpan
from ..policy import RulePolicy
from ..records import fields, record, replace

__all__ = ["Settings", "ModelEntry", "ProjectConfig", "CONFIG_NAMES"]

CONFIG_NAMES = (".tmlogic.yaml", ".tmlogic.yml")
_ADDITIVE = ("packs",)


@record(frozen=True)
class Settings:
    fail_on: str | None = None  # low .. critical, or none
    fail_new_only: bool | None = None
    packs: tuple[Path, ...] = ()  # extra rule packs (folders, or built-in optional packs resolved to theirs)
    builtin_rules: bool | None = None
    policy: RulePolicy = RulePolicy()
    formats: tuple[str, ...] | None = None  # written into output_dir
    output_dir: Path | None = None
    risks: str | None = None  # risk-file path template: {dir}, {stem}, {name}
    baseline: str | None = None
    strict: bool | None = None
    lenient: bool | None = None
    engine: str | None = None
    sarif_suppressions: bool | None = None  # keep accepted threats in SARIF, as suppressed results
    help_uri: str | None = None  # SARIF helpUri template: {rule}, {anchor}, {version}

    def over(self, base: Settings) -> Settings:
        """These settings on top of `base`: set values win, lists and rule policies add up."""
        out = base
        for f in fields(self):
            mine = getattr(self, f.name)
            if f.name in _ADDITIVE:
                out = replace(out, **{f.name: getattr(base, f.name) + mine})
            elif f.name == "policy":
                out = replace(out, policy=base.policy.merged(mine))
            elif mine is not None:
                out = replace(out, **{f.name: mine})
        return out


@record(frozen=True)
class ModelEntry:
    pattern: str  # as written: a path, a glob, or a project folder
    span: SourceSpan
    paths: tuple[Path, ...]  # the files (or project folders) it matched, sorted
    settings: Settings = Settings()


@record(frozen=True)
class ProjectConfig:
    path: Path  # the config file
    settings: Settings = Settings()
    models: tuple[ModelEntry, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    shown: str = ""  # the path as shown in messages

    @property
    def root(self) -> Path:
        return self.path.parent

    def model_paths(self) -> list[Path]:
        """Every configured model once, in the order of the file."""
        seen: dict[Path, None] = {}
        for entry in self.models:
            for p in entry.paths:
                seen.setdefault(p.resolve(), None)
        return list(seen)

    def entry_for(self, model: Path) -> ModelEntry | None:
        target = model.resolve()
        for entry in self.models:
            if any(p.resolve() == target or (p.is_dir() and target.parent == p.resolve()) for p in entry.paths):
                return entry
        return None

    def settings_for(self, model: Path) -> Settings:
        entry = self.entry_for(model)
        return self.settings if entry is None else entry.settings.over(self.settings)

    def risk_file_for(self, model: Path, settings: Settings) -> Path | None:
        """The risk file a template names for this model ({dir}, {stem}, {name}), relative to the config."""
        if settings.risks is None:
            return None
        file = model if not model.is_dir() else model / "main.md"
        rel_dir = Path(os.path.relpath(file.resolve().parent, self.root.resolve())).as_posix()
        text = settings.risks.format(dir=rel_dir, stem=file.stem, name=file.name)
        return (self.root / text).resolve()
