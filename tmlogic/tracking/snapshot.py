"""What tracking compares: a threat reduced to the fields that survive a run (id, rule, targets,
severity, message, location), read either from a live Result or from a result JSON file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .._errors import Diagnostic, DiagnosticsError, Level, SourceSpan, display_path
from ..fileaccess import FileAccessError, read_text
from ..records import record
from ..result import Result, Threat
from ..typing_runtime import Any

__all__ = ["ThreatSnapshot", "ResultSnapshot", "TrackingError", "ArgumentError", "snapshot",
           "snapshot_result", "load_result_json"]


class TrackingError(DiagnosticsError):
    """Bad tracking input (risk file, baseline JSON, git revision): exit code 2, like a bad model."""


class ArgumentError(TrackingError):
    """A wrong command-line argument (a revision, a path, a date): there is no file line to point
    at, so it renders as `tmlogic: error: what; how to fix`."""

    def __init__(self, message: str, hint: str, code: str = "usage") -> None:
        super().__init__([Diagnostic(Level.ERROR, SourceSpan("<command line>", 1, 1), message, code, hint)])
        self.message = message
        self.hint = hint

    def render(self) -> str:
        return f"tmlogic: error: {self.message}; {self.hint}\n"


def input_error(span: SourceSpan, message: str, hint: str | None = None, code: str = "tracking") -> TrackingError:
    return TrackingError([Diagnostic(Level.ERROR, span, message, code, hint)])


@record(frozen=True)
class ThreatSnapshot:
    id: str
    rule_id: str
    title: str
    level: str
    score: float
    message: str
    targets: tuple[str, ...]  # target ids
    target_names: tuple[str, ...]
    file: str
    line: int
    accepted: bool = False  # accepted in the model (or by a risk entry folded into the Result)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def describe(self) -> str:
        """`TM-NET-001 on 'Browse'`: how a person names the threat."""
        return f"{self.rule_id} on " + ", ".join(f"'{n}'" for n in self.target_names)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "title": self.title,
            "level": self.level,
            "score": self.score,
            "message": self.message,
            "targets": [{"id": i, "name": n} for i, n in zip(self.targets, self.target_names)],
            "location": {"file": self.file, "line": self.line},
            "accepted": self.accepted,
        }


@record(frozen=True)
class ResultSnapshot:
    """The threats of one run, keyed by their stable id, plus where they came from."""

    source: str  # what the user named: a file, `REV:path`, ...
    threats: tuple[ThreatSnapshot, ...]

    def by_id(self) -> dict[str, ThreatSnapshot]:
        return {t.id: t for t in self.threats}


def snapshot(threat: Threat) -> ThreatSnapshot:
    return ThreatSnapshot(
        id=threat.id,
        rule_id=threat.rule.id,
        title=threat.rule.title,
        level=threat.severity.level,
        score=float(threat.severity.score),
        message=threat.message,
        targets=tuple(threat.targets),
        target_names=tuple(threat.target_names),
        file=threat.location.path,
        line=threat.location.line,
        accepted=threat.suppression is not None,
    )


def snapshot_result(result: Result, source: str | None = None) -> ResultSnapshot:
    return ResultSnapshot(source or result.model.path, tuple(snapshot(t) for t in result.threats))


_LEVELS = ("low", "medium", "elevated", "high", "critical")


def read_result_document(path: Path, what: str, hint: str) -> Any:
    """The parsed JSON of a result file, read through the guard (regular, inside the project,
    capped). Raises TrackingError with file:line:col when it cannot be read or parsed."""
    shown = display_path(path)
    try:
        text = read_text(path, what=what, shown=shown)
    except FileAccessError as exc:
        raise TrackingError(exc.diagnostics) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        from ..syntax import json_error_diagnostic  # only a broken file needs the explanation

        raise TrackingError([json_error_diagnostic(exc, text, shown, "bad-baseline")]) from None
    except RecursionError:
        raise input_error(SourceSpan(shown, 1, 1), "the JSON is nested too deeply to be a tmlogic result", hint,
                          "bad-baseline") from None


def load_result_json(path: Path, source: str | None = None) -> ResultSnapshot:
    """Read a `tmlogic analyze --format json` file. Raises TrackingError (with file:line:col)
    when it is not readable JSON or not a tmlogic result of a known major version."""
    shown = display_path(path)
    at = SourceSpan(shown, 1, 1)
    if not os.path.lexists(path):
        raise input_error(at, f"result file '{shown}' not found", "write one with `tmlogic analyze MODEL --format json -o FILE`",
                          "io")
    data = read_result_document(path, "result file", "give a file written by `tmlogic analyze --format json`")
    if not isinstance(data, dict) or data.get("format") != "tmlogic-result":
        raise input_error(at, "this JSON is not a tmlogic result (no \"format\": \"tmlogic-result\")",
                          "give a file written by `tmlogic analyze --format json`", "bad-baseline")
    version = str(data.get("version", ""))
    # 2.0 adds fields to 1.x and changes none of the ones read here, so both baselines are read.
    if not version.startswith(("1.", "2.")):
        raise input_error(at, f"result format version {version or '(none)'} is not supported (this tmlogic reads 1.x and 2.x)",
                          "re-run the baseline with this version of tmlogic", "bad-baseline")
    threats: list[ThreatSnapshot] = []
    raw = data.get("threats")
    if not isinstance(raw, list):
        raise input_error(at, "the result has no \"threats\" list", "give a file written by `tmlogic analyze --format json`",
                          "bad-baseline")
    for i, t in enumerate(raw):
        try:
            severity = t["severity"]
            level = severity["level"] if isinstance(severity, dict) else str(severity)
            score = float(severity.get("score", 0.0)) if isinstance(severity, dict) else 0.0
            targets = t.get("targets") or []
            loc = t.get("location") or {}
            if not isinstance(t["id"], str) or level not in _LEVELS:
                raise ValueError
            threats.append(ThreatSnapshot(
                id=t["id"], rule_id=str(t["rule_id"]), title=str(t.get("title", "")), level=level, score=score,
                message=str(t.get("message", "")),
                targets=tuple(str(x["id"]) for x in targets), target_names=tuple(str(x.get("name", x["id"])) for x in targets),
                file=str(loc.get("file", "")), line=int(loc.get("line", 1) or 1),
                accepted=bool(t.get("accepted")),
            ))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise input_error(at, f"threat #{i + 1} of the result is malformed (needs id, rule_id, severity.level, targets)",
                              "re-run the baseline with `tmlogic analyze --format json`", "bad-baseline") from None
    return ResultSnapshot(source or shown, tuple(threats))
