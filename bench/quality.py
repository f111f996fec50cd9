"""Score tmlogic against reviewer-labelled models.

    python bench/quality.py [--corpus DIR ...] [--json FILE] [--details] [--write-baseline]

A corpus is a folder of `X.expect.yaml` label files, each naming its model (`model:`, relative
to the folder) and the threats a security reviewer expects (`must`), accepts (`may`) and rejects
(`must_not`); ../shared/quality/README.md defines the format and the matching rule, which this
module implements:

- a threat matches a label when the label's `target` is the name of one of the threat's targets
  and the STRIDE categories are equal (case, spaces and underscores ignored; `any` matches all);
- a `must` is found when a threat matches it, and its tool severity is the highest level among
  the threats that match it;
- a threat that matches no label is *unlabelled*.

Per model and in total it reports recall of `must`, severity agreement within one level on the
found `must`, the mean severity bias (tool minus label, in levels), `must_not` labels hit, threats
matching `may`, unlabelled threats, and the share of critical threats. It prints a text table and,
with --json, writes the same figures with every miss, false alarm and unlabelled threat named.

By default it runs the tmlogic of this checkout in-process. `--tmlogic CMD` scores another
version instead (an older commit, an installed release): CMD is the command that starts its CLI,
run as `CMD analyze -q -f json MODEL`, and its JSON result (format 1.0 or 2.0) is scored the same
way.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPUS = ROOT.parent / "shared" / "quality"  # the reviewer's labelled models, beside the checkout
COPY_CORPUS = ROOT / "tests" / "data" / "quality"  # a copy of them, for a plain clone
HOLDOUT_CORPUS = ROOT / "tests" / "data" / "quality-holdout"  # labelled before tmlogic ran on them
BASELINE = ROOT / "bench" / "quality-baseline.json"  # what tests/test_quality_ratchet.py holds the rules to


def default_corpora() -> list[Path]:
    return [SHARED_CORPUS if SHARED_CORPUS.is_dir() else COPY_CORPUS, HOLDOUT_CORPUS]

LEVELS = ("low", "medium", "elevated", "high", "critical")
STRIDE = ("spoofing", "tampering", "repudiation", "informationdisclosure", "denialofservice",
          "elevationofprivilege")


class LabelError(ValueError):
    """A label file that does not follow the format."""


def norm_stride(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch not in " _-")


@dataclass(frozen=True)
class Label:
    kind: str  # must | may | must_not
    target: str
    stride: str  # normalised, or "any"
    concern: str
    severity: str | None  # the reviewer's level (must only)

    def matches(self, threat: "Found") -> bool:
        if self.target not in threat.targets:
            return False
        return self.stride == "any" or self.stride == norm_stride(threat.stride)


@dataclass(frozen=True)
class Found:
    """What the scorer needs of one tool finding."""

    id: str
    rule: str
    stride: str
    level: str
    targets: tuple[str, ...]  # display names
    message: str = ""

    def brief(self) -> dict[str, Any]:
        return {"id": self.id, "rule": self.rule, "stride": self.stride, "level": self.level,
                "targets": list(self.targets), "message": self.message}


@dataclass
class ModelScore:
    name: str
    musts: int = 0
    found: int = 0
    within_one: int = 0
    bias_sum: int = 0
    must_not_hit: int = 0
    may_matched: int = 0
    unlabelled: int = 0
    threats: int = 0
    critical: int = 0
    levels: dict[str, int] = field(default_factory=lambda: {lv: 0 for lv in LEVELS})
    missed: list[dict[str, Any]] = field(default_factory=list)
    off_by_more: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)
    unlabelled_threats: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: "ModelScore") -> None:
        for key in ("musts", "found", "within_one", "bias_sum", "must_not_hit", "may_matched",
                    "unlabelled", "threats", "critical"):
            setattr(self, key, getattr(self, key) + getattr(other, key))
        for lv, n in other.levels.items():
            self.levels[lv] += n

    def figures(self) -> dict[str, Any]:
        return {
            "musts": self.musts,
            "found": self.found,
            "recall": _ratio(self.found, self.musts),
            "within_one": self.within_one,
            "severity_agreement": _ratio(self.within_one, self.found),
            "mean_bias": round(self.bias_sum / self.found, 2) if self.found else 0.0,
            "must_not_hit": self.must_not_hit,
            "may_matched": self.may_matched,
            "unlabelled": self.unlabelled,
            "threats": self.threats,
            "critical": self.critical,
            "critical_share": _ratio(self.critical, self.threats),
            "levels": dict(self.levels),
        }


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def parse_labels(data: Any, source: str = "<labels>") -> tuple[str, list[Label]]:
    """The model path and the labels of one `.expect.yaml` document (already YAML-loaded)."""
    if not isinstance(data, dict) or not isinstance(data.get("model"), str):
        raise LabelError(f"{source}: expected a mapping with a `model:` path")
    labels: list[Label] = []
    for kind in ("must", "may", "must_not"):
        entries = data.get(kind)
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            raise LabelError(f"{source}: `{kind}` must be a list")
        for i, entry in enumerate(entries):
            where = f"{source}: {kind}[{i}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("target"), str):
                raise LabelError(f"{where}: each label needs a `target` name")
            stride = norm_stride(str(entry.get("stride", "")))
            if stride != "any" and stride not in STRIDE:
                raise LabelError(f"{where}: unknown stride {entry.get('stride')!r}")
            severity = entry.get("severity")
            if kind == "must":
                if severity not in LEVELS:
                    raise LabelError(f"{where}: a `must` needs a severity among {', '.join(LEVELS)}")
            labels.append(Label(kind, entry["target"], stride, str(entry.get("concern", "")),
                                str(severity) if severity is not None else None))
    return data["model"], labels


def score(name: str, labels: Sequence[Label], threats: Sequence[Found]) -> ModelScore:
    """Score one model's findings against its labels (the README's matching rule)."""
    s = ModelScore(name)
    s.threats = len(threats)
    for t in threats:
        s.levels[t.level] += 1
    s.critical = s.levels["critical"]
    for label in labels:
        hits = [t for t in threats if label.matches(t)]
        if label.kind == "must":
            s.musts += 1
            if not hits:
                s.missed.append({"target": label.target, "stride": label.stride, "severity": label.severity,
                                 "concern": label.concern})
                continue
            s.found += 1
            top = max(hits, key=lambda t: LEVELS.index(t.level))
            assert label.severity is not None
            diff = LEVELS.index(top.level) - LEVELS.index(label.severity)
            s.bias_sum += diff
            if abs(diff) <= 1:
                s.within_one += 1
            else:
                s.off_by_more.append({"target": label.target, "stride": label.stride, "label": label.severity,
                                      "tool": top.level, "rule": top.rule})
        elif label.kind == "must_not" and hits:
            s.must_not_hit += 1
            s.false_alarms.append({"target": label.target, "stride": label.stride, "concern": label.concern,
                                   "threats": [t.brief() for t in hits]})
    for t in threats:
        matched = [lb for lb in labels if lb.matches(t)]
        if any(lb.kind == "may" for lb in matched):
            s.may_matched += 1
        if not matched:
            s.unlabelled += 1
            s.unlabelled_threats.append(t.brief())
    return s


class ToolError(RuntimeError):
    """The tmlogic command given with --tmlogic failed or printed no result."""


def found_in_result(data: Any) -> list[Found]:
    """The findings of a tmlogic JSON result (format 1.0 or 2.0: both name each threat's rule,
    STRIDE, severity level and target names the same way)."""
    return [Found(t["id"], t["rule_id"], t["stride"], t["severity"]["level"],
                  tuple(x["name"] for x in t["targets"]), t.get("message", ""))
            for t in data["threats"]]


def run_command(command: Sequence[str], model: Path, engine: str = "native") -> list[Found]:
    """Analyze one model with another tmlogic's CLI (`command`) and return its findings."""
    argv = [*command, "analyze", "-q", "-f", "json", *(["--engine", engine] if engine != "native" else []),
            str(model)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ToolError(f"cannot run {shlex.join(command)}: {exc}") from exc
    if proc.returncode != 0:  # no --fail-on, so 1 does not occur: any non-zero status is a failure
        raise ToolError(f"{shlex.join(argv)} exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    try:
        return found_in_result(json.loads(proc.stdout))
    except (ValueError, KeyError, TypeError) as exc:
        raise ToolError(f"{shlex.join(argv)} printed no tmlogic JSON result ({exc})") from exc


def run_tool(model: Path, engine: str = "native", command: Sequence[str] | None = None) -> list[Found]:
    """Analyze one model with the built-in rules (in-process, or with `command`'s CLI) and return
    its findings."""
    if command:
        return run_command(command, model, engine)
    sys.path.insert(0, str(ROOT))
    from tmlogic.analysis import AnalysisOptions, analyze

    result = analyze(model, AnalysisOptions(engine=engine, allow_outside=True)).result
    return [Found(t.id, t.rule.id, t.rule.stride, t.severity.level, t.target_names, t.message)
            for t in result.threats]


@dataclass
class CorpusScore:
    corpus: str
    models: list[ModelScore]
    total: ModelScore


def score_corpus(corpus: Path, engine: str = "native", command: Sequence[str] | None = None) -> CorpusScore:
    files = sorted(corpus.glob("*.expect.yaml"))
    if not files:
        raise LabelError(f"{corpus}: no *.expect.yaml label files")
    models: list[ModelScore] = []
    total = ModelScore("total")
    for f in files:
        model_path, labels = parse_labels(yaml.safe_load(f.read_text(encoding="utf-8")), str(f))
        s = score(f.name.removesuffix(".expect.yaml"), labels, run_tool(corpus / model_path, engine, command))
        models.append(s)
        total.add(s)
    return CorpusScore(str(corpus), models, total)


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "-"


def table(scores: Iterable[CorpusScore]) -> str:
    head = ("model", "must found", "sev within 1", "bias", "must_not", "may", "unlabelled", "threats", "critical")
    lines: list[str] = []
    for cs in scores:
        rows = [head]
        for s in cs.models + [cs.total]:
            f = s.figures()
            rows.append((s.name, _pct(s.found, s.musts), _pct(s.within_one, s.found), f"{f['mean_bias']:+.2f}",
                         str(s.must_not_hit), str(s.may_matched), str(s.unlabelled), str(s.threats),
                         _pct(s.critical, s.threats)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines.append(f"corpus: {cs.corpus}")
        for n, r in enumerate(rows):
            lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
            if n == 0 or n == len(rows) - 2:
                lines.append("  ".join("-" * w for w in widths))
        lines.append("")
    return "\n".join(lines)


def details(scores: Iterable[CorpusScore]) -> str:
    out: list[str] = []
    for cs in scores:
        for s in cs.models:
            out.append(f"== {s.name}")
            for m in s.missed:
                out.append(f"  missed   {m['target']} / {m['stride']} ({m['severity']}): {m['concern']}")
            for m in s.off_by_more:
                out.append(f"  severity {m['target']} / {m['stride']}: label {m['label']}, tool {m['tool']} ({m['rule']})")
            for fa in s.false_alarms:
                rules = ", ".join(sorted({t["rule"] for t in fa["threats"]}))
                out.append(f"  MUST_NOT {fa['target']} / {fa['stride']}: {rules}")
            for t in s.unlabelled_threats:
                out.append(f"  extra    {t['rule']} {t['stride']} {t['level']} on {', '.join(t['targets'])}")
    return "\n".join(out)


def to_json(scores: Iterable[CorpusScore]) -> dict[str, Any]:
    return {
        "corpora": [
            {
                "corpus": cs.corpus,
                "total": cs.total.figures(),
                "models": [
                    dict(name=s.name, **s.figures(), missed=s.missed, off_by_more=s.off_by_more,
                         false_alarms=s.false_alarms, unlabelled_threats=s.unlabelled_threats)
                    for s in cs.models
                ],
            }
            for cs in scores
        ]
    }


def corpus_key(corpus: str) -> str:
    """A corpus's name in the baseline: its path relative to the repository when inside it."""
    path = Path(corpus).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return path.name


def baseline_of(scores: Iterable[CorpusScore]) -> dict[str, Any]:
    """The totals the ratchet holds, per corpus."""
    keep = ("musts", "found", "within_one", "must_not_hit", "unlabelled", "threats", "critical")
    return {corpus_key(cs.corpus): {k: getattr(cs.total, k) for k in keep} for cs in scores}


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", type=Path,
                        help="folder of *.expect.yaml labels (repeatable; default: ../shared/quality, or its copy in "
                             "tests/data/quality, and tests/data/quality-holdout)")
    parser.add_argument("--json", type=Path, help="also write the figures, misses and extras as JSON")
    parser.add_argument("--details", action="store_true", help="list misses, false alarms and extras")
    parser.add_argument("--engine", default="native")
    parser.add_argument("--tmlogic", metavar="CMD",
                        help="score another tmlogic: the command that starts its CLI (for example "
                             "'env PYTHONPATH=../old python -P -m tmlogic.cli'; -P keeps the current folder's tmlogic off the path); default: this checkout, in-process")
    parser.add_argument("--write-baseline", action="store_true",
                        help=f"record the totals in {BASELINE.relative_to(ROOT)} (the ratchet test reads it)")
    args = parser.parse_args(argv)
    corpora = args.corpus or default_corpora()
    command = shlex.split(args.tmlogic) if args.tmlogic else None
    if command is not None and args.write_baseline:
        print("error: --write-baseline records this checkout's figures; drop --tmlogic", file=sys.stderr)
        return 2
    try:
        scores = [score_corpus(c, args.engine, command) for c in corpora]
    except (LabelError, ToolError, OSError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(table(scores), end="")
    if args.details:
        print(details(scores))
    if args.json:
        _write(args.json, to_json(scores))
    if args.write_baseline:
        _write(BASELINE, baseline_of(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
