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
from pathlib import Path

from .._errors import DiagnosticsError, display_path
from ..diagnostics import render_diagnostics

__all__ = ["main", "EXTENSIONS"]

EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "markdown": "md", "html": "html", "stix": "stix.json",
              "navigator": "navigator.json"}
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


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    model = Path(env.get("TMLOGIC_MODEL", "").strip())
    fail_on = env.get("TMLOGIC_FAIL_ON", "high").strip().lower() or "none"
    new_only = _true(env.get("TMLOGIC_FAIL_NEW_ONLY"))
    baseline = env.get("TMLOGIC_BASELINE", "").strip() or None
    risks = env.get("TMLOGIC_RISKS", "").strip() or None
    formats = _split(env.get("TMLOGIC_FORMATS", "json sarif markdown"))
    out_dir = Path(env.get("TMLOGIC_OUTPUT_DIR", "").strip() or "tmlogic-results")
    rules = _split(env.get("TMLOGIC_RULES", ""))
    builtin = _true(env.get("TMLOGIC_BUILTIN_RULES", "true"))
    gh_output = env.get("GITHUB_OUTPUT")
    summary = env.get("GITHUB_STEP_SUMMARY") if _true(env.get("TMLOGIC_STEP_SUMMARY", "true")) else None
    outputs = {"exit-code": "2", "output-dir": str(out_dir), "sarif-file": "", "markdown-file": "", "failing": "0"}

    def done(code: int) -> int:
        outputs["exit-code"] = str(code)
        _outputs(gh_output, outputs)
        return 0

    if not str(model) or str(model) == ".":
        sys.stderr.write("tmlogic action: error: the `model` input is required (e.g. model: threat_model.md)\n")
        return done(2)
    if fail_on not in _LEVELS:
        sys.stderr.write(f"tmlogic action: error: fail-on {fail_on!r} is not one of {', '.join(_LEVELS)}\n")
        return done(2)
    unknown = [f for f in formats if f not in EXTENSIONS]
    if unknown:
        sys.stderr.write(f"tmlogic action: error: unknown format(s) {', '.join(unknown)}; use {', '.join(EXTENSIONS)}\n")
        return done(2)
    if not builtin and not rules:
        sys.stderr.write("tmlogic action: error: builtin-rules is false but no `rules` pack is given\n")
        return done(2)

    # 1. Reports, by the analyze command (so they carry whatever it renders).
    out_dir.mkdir(parents=True, exist_ok=True)
    rule_args = [a for r in rules for a in ("--rules", r)] + ([] if builtin else ["--no-builtin-rules"])
    report_failed = False
    for fmt in formats:
        target = out_dir / f"tmlogic.{EXTENSIONS[fmt]}"
        cmd = [sys.executable, "-m", "tmlogic.cli", "analyze", str(model), "--format", fmt, "--output", str(target),
               "--quiet", *rule_args]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode not in (0, 1):
            sys.stderr.write(proc.stderr)
            sys.stderr.write(f"tmlogic action: the {fmt} report could not be written (exit {proc.returncode})\n")
            report_failed = True
            continue
        print(f"tmlogic: wrote {target}")
        if fmt == "sarif":
            outputs["sarif-file"] = str(target)
        if fmt == "markdown":
            outputs["markdown-file"] = str(target)

    # 2. The gate: risk file, baseline, --fail-on / --fail-new-only.
    from ..analysis import AnalysisOptions, analyze
    from .diff import DiffReport, diff_threats, render_diff_markdown
    from .messages import format_failures, github_annotations, tracking_summary
    from .snapshot import snapshot_result
    from .track import track

    options = AnalysisOptions(tuple(Path(r) for r in rules), builtin)
    try:
        result = analyze(model, options).result
        tracking = track(model, result, baseline=baseline, risk_file=Path(risks) if risks else None, options=options)
    except DiagnosticsError as exc:
        sys.stderr.write(exc.render())
        return done(2)
    if tracking.warnings:
        sys.stderr.write(render_diagnostics(tracking.warnings))
    failures = tracking.failures(fail_on, new_only)
    outputs["failing"] = str(len(failures))
    shown = display_path(model)
    sys.stdout.write(tracking_summary(tracking.comparison, tracking.risks))
    if failures:
        sys.stderr.write(format_failures(failures, fail_on=fail_on, risk_file=tracking.risk_file_shown, model=shown,
                                         new_only=new_only, baseline=baseline))
        sys.stdout.write(github_annotations(failures, tracking.risk_file_shown))
    elif fail_on == "none":
        print(f"tmlogic: {shown}: analyzed (no gate: fail-on none)")
    else:
        which = "new and untracked" if new_only else "unresolved"
        print(f"tmlogic: {shown}: no {which} threat at or above {fail_on}")

    # 3. The job summary: the gate, the change since the baseline, the Markdown report.
    if summary:
        lines = ["## tmlogic: " + shown, ""]
        if failures:
            lines.append(f"**{len(failures)} threat(s) at or above {fail_on} fail the build**"
                         f"{' (new and untracked)' if new_only else ''}:")
            lines.append("")
            for f in failures:
                t = f.threat
                lines.append(f"- `{t.id}` **{t.severity.level}** {t.rule.id} at `{t.location.short()}`: "
                             f"{t.message.replace('<', '&lt;')} ({f.explain()})")
            lines.append("")
            lines.append(f"To accept one, add its entry to `{tracking.risk_file_shown}` (see the log for the exact line).")
        elif fail_on != "none":
            lines.append(f"No threat at or above {fail_on} fails the build.")
        lines.append("")
        if tracking.comparison is not None:
            report = DiffReport(tracking.comparison.baseline.source, shown,
                                diff_threats(tracking.comparison.baseline.threats, snapshot_result(tracking.result).threats),
                                None, "baseline", "model")
            lines.append(render_diff_markdown(report, model_section=False))
        md = outputs.get("markdown-file")
        if md and Path(md).is_file():
            lines.append(Path(md).read_text(encoding="utf-8"))
        _append(summary, "\n".join(lines) + "\n")

    return done(2 if report_failed else (1 if failures else 0))


if __name__ == "__main__":
    sys.exit(main())
