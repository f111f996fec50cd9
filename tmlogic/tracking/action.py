"""The work of the GitHub Action (action.yml): reports in the asked formats, the --fail-on gate
against the risk file and an optional baseline, a job summary, and the step outputs.

    python -m tmlogic.tracking.action        # reads the inputs from TMLOGIC_* variables

Inputs come through environment variables (never pasted into a shell script, so a model path
cannot inject commands): TMLOGIC_MODEL, TMLOGIC_FAIL_ON, TMLOGIC_FAIL_NEW_ONLY, TMLOGIC_BASELINE,
TMLOGIC_RISKS, TMLOGIC_FORMATS, TMLOGIC_OUTPUT_DIR, TMLOGIC_RULES, TMLOGIC_BUILTIN_RULES,
TMLOGIC_STEP_SUMMARY.
Reports are written by the `tmlogic analyze` command (every format it knows); the gate runs
here, with the same functions `analyze --fail-on` uses. The step itself always exits 0 after
writing `exit-code` (0 ok, 1 failing threats, 2 bad input) to $GITHUB_OUTPUT, so the SARIF upload
can run before a later step fails the job.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .._errors import DiagnosticsError, display_path
from ..diagnostics import render_diagnostics
from ..fileaccess import FileAccessError, read_text, write_text
from ..textsafe import markdown_inline
from ..typing_runtime import TYPE_CHECKING

if TYPE_CHECKING:
    from .baseline import Failure
    from .track import Tracking

__all__ = ["main", "EXTENSIONS", "Inputs"]

EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "markdown": "md", "html": "html", "stix": "stix.json",
              "navigator": "navigator.json", "junit": "junit.xml",
              "gitlab-sast": "gl-sast.json", "csv": "csv"}
_LEVELS = ("none", "low", "medium", "elevated", "high", "critical")


def _split(text: str) -> list[str]:
    return [p for p in re.split(r"[\s,]+", text or "") if p]


def _true(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "true", "yes", "on")


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)


def _outputs(path: str | None, values: Mapping[str, str]) -> None:
    _append(path, "".join(f"{k}={v}\n" for k, v in values.items()))


@dataclass(frozen=True)
class Inputs:
    """The Action's inputs, read from the TMLOGIC_* variables (and GitHub's own)."""

    model: Path
    fail_on: str
    new_only: bool
    baseline: str | None
    risks: str | None
    formats: tuple[str, ...]
    out_dir: Path
    rules: tuple[str, ...]
    builtin: bool
    gh_output: str | None  # $GITHUB_OUTPUT: the step outputs
    summary: str | None  # $GITHUB_STEP_SUMMARY, unless TMLOGIC_STEP_SUMMARY is off

    @classmethod
    def read(cls, env: Mapping[str, str]) -> Inputs:
        return cls(
            model=Path(env.get("TMLOGIC_MODEL", "").strip()),
            fail_on=env.get("TMLOGIC_FAIL_ON", "high").strip().lower() or "none",
            new_only=_true(env.get("TMLOGIC_FAIL_NEW_ONLY")),
            baseline=env.get("TMLOGIC_BASELINE", "").strip() or None,
            risks=env.get("TMLOGIC_RISKS", "").strip() or None,
            formats=tuple(_split(env.get("TMLOGIC_FORMATS", "json sarif markdown"))),
            out_dir=Path(env.get("TMLOGIC_OUTPUT_DIR", "").strip() or "tmlogic-results"),
            rules=tuple(_split(env.get("TMLOGIC_RULES", ""))),
            builtin=_true(env.get("TMLOGIC_BUILTIN_RULES", "true")),
            gh_output=env.get("GITHUB_OUTPUT"),
            summary=env.get("GITHUB_STEP_SUMMARY") if _true(env.get("TMLOGIC_STEP_SUMMARY", "true")) else None,
        )

    def problem(self) -> str | None:
        """What is wrong with the inputs, as the error line to print, or None."""
        if not str(self.model) or str(self.model) == ".":
            return "the `model` input is required (e.g. model: threat_model.md)"
        if self.fail_on not in _LEVELS:
            return f"fail-on {self.fail_on!r} is not one of {', '.join(_LEVELS)}"
        unknown = [f for f in self.formats if f not in EXTENSIONS]
        if unknown:
            return f"unknown format(s) {', '.join(unknown)}; use {', '.join(EXTENSIONS)}"
        if not self.builtin and not self.rules:
            return "builtin-rules is false but no `rules` pack is given"
        return None


def main(env: Mapping[str, str] | None = None) -> int:
    inputs = Inputs.read(os.environ if env is None else env)
    outputs = {"exit-code": "2", "output-dir": str(inputs.out_dir), "sarif-file": "", "markdown-file": "", "failing": "0",
               "comment-file": ""}

    def done(code: int) -> int:
        outputs["exit-code"] = str(code)
        _outputs(inputs.gh_output, outputs)
        return 0

    problem = inputs.problem()
    if problem:
        sys.stderr.write(f"tmlogic action: error: {problem}\n")
        return done(2)
    from ..config.run import PlanError

    reports_ok = _write_reports(inputs, outputs)
    try:
        tracking, failures = _gate(inputs)
    except DiagnosticsError as exc:
        sys.stderr.write(exc.render())
        return done(2)
    except PlanError as exc:
        sys.stderr.write(f"tmlogic action: error: {exc}\n")
        return done(2)
    outputs["failing"] = str(len(failures))
    # The job summary and the pull-request comment say the same; the comment step (action.yml) posts comment.md.
    text = _job_summary(inputs, tracking, failures, outputs.get("markdown-file"))
    comment = inputs.out_dir / "comment.md"
    write_text(comment, text)  # atomic, never through a link (fileaccess)
    outputs["comment-file"] = str(comment)
    if inputs.summary:
        _append(inputs.summary, text)
    return done(2 if not reports_ok else (1 if failures else 0))


def _write_reports(inputs: Inputs, outputs: dict[str, str]) -> bool:
    """Each report, by the analyze command (so they carry whatever it renders); False if one failed."""
    inputs.out_dir.mkdir(parents=True, exist_ok=True)
    rule_args = [a for r in inputs.rules for a in ("--rules", r)] + ([] if inputs.builtin else ["--no-builtin-rules"])
    ok = True
    for fmt in inputs.formats:
        target = inputs.out_dir / f"tmlogic.{EXTENSIONS[fmt]}"
        cmd = [sys.executable, "-m", "tmlogic.cli", "analyze", str(inputs.model), "--format", fmt, "--output",
               str(target), "--quiet", *rule_args]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode not in (0, 1):
            sys.stderr.write(proc.stderr)
            sys.stderr.write(f"tmlogic action: the {fmt} report could not be written (exit {proc.returncode})\n")
            ok = False
            continue
        print(f"tmlogic: wrote {target}")
        if fmt == "sarif":
            outputs["sarif-file"] = str(target)
        if fmt == "markdown":
            outputs["markdown-file"] = str(target)
    return ok


def _gate(inputs: Inputs) -> tuple[Tracking, list[Failure]]:
    """The risk file, the baseline and --fail-on / --fail-new-only, with the same functions as
    `analyze`; prints the outcome to the log. The project's .tmlogic.yaml applies as in the reports
    (rule selection, overrides, hard-fail rules, the risk-file location); the inputs win over it.
    Raises DiagnosticsError or PlanError on bad input."""
    from ..analysis import analyze, rule_facts
    from ..config import find_config, load_config
    from ..config.run import CliChoices, plan_runs
    from .messages import format_failures, github_annotations, tracking_summary
    from .track import track

    found = find_config()
    project = load_config(found) if found is not None else None
    (run,) = plan_runs(project, [inputs.model], CliChoices(
        fail_on=inputs.fail_on, fail_new_only=inputs.new_only, rules=tuple(Path(r) for r in inputs.rules),
        no_builtin_rules=not inputs.builtin, baseline=inputs.baseline, risks=Path(inputs.risks) if inputs.risks else None))
    result = analyze(inputs.model, run.options).result
    tracking = track(inputs.model, result, baseline=run.baseline, risk_file=run.risks, options=run.options,
                     risk_missing_ok=run.risks is not None and not run.risks_required)
    if tracking.warnings:
        sys.stderr.write(render_diagnostics(tracking.warnings))
    hard = run.options.policy.hard_fail_ids([rule_facts(r) for r in result.rules])
    failures = tracking.failures(inputs.fail_on, inputs.new_only, hard)
    shown = display_path(inputs.model)
    sys.stdout.write(tracking_summary(tracking.comparison, tracking.risks))
    if failures:
        sys.stderr.write(format_failures(failures, fail_on=inputs.fail_on, risk_file=tracking.risk_file_shown,
                                         model=shown, new_only=inputs.new_only, baseline=inputs.baseline))
        sys.stdout.write(github_annotations(failures, tracking.risk_file_shown))
    elif inputs.fail_on == "none":
        print(f"tmlogic: {shown}: analyzed (no gate: fail-on none)")
    else:
        which = "new and untracked" if inputs.new_only else "unresolved"
        print(f"tmlogic: {shown}: no {which} threat at or above {inputs.fail_on}")
    return tracking, failures


def _job_summary(inputs: Inputs, tracking: Tracking, failures: list[Failure], markdown_file: str | None) -> str:
    """The job summary: the gate, the change since the baseline, the Markdown report."""
    from .diff import DiffReport, diff_threats, render_diff_markdown
    from .snapshot import snapshot_result

    shown = display_path(inputs.model)
    lines = ["## tmlogic: " + markdown_inline(shown), ""]
    if failures:
        n = len(failures)
        lines.append(f"**{n} threat{'s' if n != 1 else ''} at or above {inputs.fail_on} fail{'s' if n == 1 else ''} "
                     f"the build**{' (new and untracked)' if inputs.new_only else ''}:")
        lines.append("")
        for f in failures:
            t = f.threat
            lines.append(f"- `{t.id}` **{t.severity.level}** {t.rule.id} at `{t.location.short()}`: "
                         f"{markdown_inline(t.message)} ({markdown_inline(f.explain())})")
        lines.append("")
        lines.append(f"To accept one, add its entry to `{tracking.risk_file_shown}` (see the log for the exact line).")
    elif inputs.fail_on != "none":
        lines.append(f"No threat at or above {inputs.fail_on} fails the build.")
    lines.append("")
    if tracking.comparison is not None:
        report = DiffReport(tracking.comparison.baseline.source, shown,
                            diff_threats(tracking.comparison.baseline.threats, snapshot_result(tracking.result).threats),
                            None, "baseline", "model")
        lines.append(render_diff_markdown(report, model_section=False))
    if markdown_file and Path(markdown_file).is_file():
        try:  # the report this run wrote; through the guard all the same (a planted link is not followed)
            lines.append(read_text(markdown_file, what="Markdown report"))
        except FileAccessError as exc:
            sys.stderr.write(exc.render())
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from ..cli.common import guarded_entry  # the CLI's exit codes and safe streams

    sys.exit(guarded_entry(main))
