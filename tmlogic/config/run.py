"""From the command line and `.tmlogic.yaml` to the runs of `tmlogic analyze`: one ModelRun per
model, each with its analysis options, gate, tracking inputs and reports. Flags win over a model's
settings, which win over the project's; rule selectors and packs add up.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..analysis import AnalysisOptions
from ..logic.engines.base import DEFAULT_ENGINE
from ..policy import RulePolicy, SelectorError, parse_selector
from ..records import record
from .settings import ProjectConfig, Settings

__all__ = ["CliChoices", "ModelRun", "PlanError", "plan_runs"]


class PlanError(ValueError):
    """A command line that cannot be combined with the config: the message says how to fix it."""


@record(frozen=True)
class CliChoices:
    """What the command line said; None (or empty) where it said nothing."""

    fail_on: str | None = None
    fail_new_only: bool | None = None
    rules: tuple[Path, ...] = ()
    no_builtin_rules: bool = False
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    baseline: str | None = None
    risks: Path | None = None
    no_risks: bool = False
    strict: bool | None = None
    lenient: bool | None = None
    engine: str | None = None
    output_dir: Path | None = None
    sarif_suppressions: bool | None = None


@record(frozen=True)
class ModelRun:
    model: Path
    options: AnalysisOptions
    fail_on: str  # a level, or "none"
    new_only: bool
    baseline: str | None
    risks: Path | None  # None: the default next to the model
    risks_required: bool  # named on the command line, so it must exist
    use_risks: bool
    formats: tuple[str, ...] | None  # written into output_dir (None: every format)
    output_dir: Path | None
    sarif_suppressions: bool
    help_uri: str | None = None


def _cli_policy(cli: CliChoices) -> RulePolicy:
    try:
        return RulePolicy(enable=tuple(parse_selector(s) for s in cli.enable),
                          disable=tuple(parse_selector(s) for s in cli.disable))
    except SelectorError as exc:
        raise PlanError(f"{exc} (in --enable/--disable)") from None


def _slug(model: Path, root: Path) -> str:
    """`services/pay/threat_model.md` -> `services-pay-threat_model`: a report folder per model."""
    try:
        rel = Path(os.path.relpath(model.resolve(), root.resolve()))
    except ValueError:
        rel = Path(model.name)
    stem = rel.with_suffix("") if rel.suffix else rel
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem.as_posix().replace("/", "-")).strip("-.") or "model"


def _entry_file(path: Path, config: ProjectConfig) -> Path:
    """A configured project folder stands for its main.md (or main.yaml)."""
    from ..model.loader import project_entry

    if not path.is_dir():
        return path
    entry = project_entry(path)
    if entry is None:
        raise PlanError(f"{config.shown} lists the folder {path.name}, which has no main.md; "
                        "list the model files, or add main.md to the folder")
    return entry


def plan_runs(config: ProjectConfig | None, models: list[Path], cli: CliChoices) -> list[ModelRun]:
    """The runs for `models` (none given: every model the config lists). Raises PlanError."""
    if not models:
        if config is None:
            raise PlanError("no model given, and no .tmlogic.yaml here or above; give a model file "
                            "(tmlogic analyze threat_model.md) or write a config with `tmlogic init`")
        models = config.model_paths()
        if not models:
            raise PlanError(f"{config.shown} lists no models; add them under `models:`, or give a model file")
        models = [_entry_file(m, config) for m in models]
    if cli.risks is not None and len(models) > 1:
        raise PlanError("--risks names one risk file, but several models are analyzed; set `risks:` in "
                        ".tmlogic.yaml (e.g. \"{dir}/{stem}.risks.yaml\") or give one model")
    cli_policy = _cli_policy(cli)
    root = config.root if config is not None else Path.cwd()
    runs: list[ModelRun] = []
    for model in models:
        s = config.settings_for(model) if config is not None else Settings()
        policy = s.policy.merged(cli_policy)
        builtin = False if cli.no_builtin_rules else (s.builtin_rules if s.builtin_rules is not None else True)
        packs = tuple(s.packs) + tuple(cli.rules)
        if not builtin and not packs:
            raise PlanError("the built-in rules are off (--no-builtin-rules or builtin_rules: false) and no rule pack "
                            "is given; add --rules PACK or `packs:` in .tmlogic.yaml")
        options = AnalysisOptions(
            rule_paths=packs, builtin_rules=builtin,
            strict=cli.strict if cli.strict is not None else bool(s.strict),
            engine=cli.engine or s.engine or DEFAULT_ENGINE,
            policy=policy,
            lenient=cli.lenient if cli.lenient is not None else bool(s.lenient))
        risks = cli.risks or (config.risk_file_for(model, s) if config is not None else None)
        formats = s.formats if s.formats else None
        out = cli.output_dir or (s.output_dir if s.formats else None)
        if out is not None and len(models) > 1:
            out = out / _slug(model, root)
        runs.append(ModelRun(
            model=model, options=options,
            fail_on=cli.fail_on or s.fail_on or "none",
            new_only=cli.fail_new_only if cli.fail_new_only is not None else bool(s.fail_new_only),
            baseline=cli.baseline or s.baseline,
            risks=risks, risks_required=cli.risks is not None, use_risks=not cli.no_risks,
            formats=formats, output_dir=out,
            sarif_suppressions=cli.sarif_suppressions if cli.sarif_suppressions is not None else bool(s.sarif_suppressions),
            help_uri=s.help_uri,
        ))
    return runs
