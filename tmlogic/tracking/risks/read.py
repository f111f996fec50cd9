"""The risk file's format: `<model>.risks.yaml` next to the model, where a team records what it
decided about each threat (accepted, mitigated, false-positive, in-progress), who owns it, the
ticket, and until when the decision holds.

    version: 1
    risks:
      - id: Te27284b87e                  # one threat (its stable id) ...
        status: accepted
        justification: TLS ends at the load balancer in front of Shop App
        owner: platform-team
        ticket: SEC-123
        expires: 2026-06-30              # counts through that day, then stops counting
      - rule: TM-NET-*                   # ... or a pattern: rule and/or target (id or name)
        target: payment-service
        status: mitigated
        justification: mTLS sidecar on every pod, outside the model

The file is only *composed* with PyYAML's SafeLoader (nodes with line/column, no object
construction); every value is read from the nodes here, so errors point at file:line:col.
Which entry decides a threat is review.py's job.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..._errors import Diagnostic, Level, SourceSpan, display_path
from ...diagnostics import DiagnosticBag, did_you_mean
from ...fileaccess import FileAccessError, read_text
from ...syntax import yaml_error_diagnostic
from ...syntax.spans import node_span
from ...yamlcheck import check_document, too_deep
from ..snapshot import ArgumentError, ThreatSnapshot, TrackingError

__all__ = [
    "GLOB",
    "STATUSES",
    "RESOLVING_STATUSES",
    "SEED_MARK",
    "TODAY_ENV",
    "RiskEntry",
    "RiskFile",
    "RiskFileError",
    "risk_path_for",
    "find_risk_file",
    "load_risks",
    "parse_risks",
    "resolve_today",
    "justification_problem",
]

STATUSES: tuple[str, ...] = ("accepted", "mitigated", "false-positive", "in-progress")
RESOLVING_STATUSES = frozenset({"accepted", "mitigated", "false-positive"})  # these stop a threat from failing
SEED_MARK = "Seeded by tmlogic risks seed"
TODAY_ENV = "TMLOGIC_TODAY"

_KEYS = ("id", "rule", "target", "status", "justification", "owner", "ticket", "expires")
_KEY_ALIASES = {"reason": "justification", "because": "justification", "expiry": "expires", "expires_on": "expires",
                "until": "expires", "threat": "id", "rule_id": "rule", "element": "target", "flow": "target",
                "issue": "ticket"}
_THREAT_ID = re.compile(r"^T[0-9a-f]{10}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GLOB = re.compile(r"[*?\[]")  # a field with one of these is a pattern
_PLACEHOLDER = re.compile(r"^\s*(?:todo|tbd|fixme|xxx)\b|^\s*<[^>]*>\s*$|^\s*\.\.\.\s*$", re.IGNORECASE)
_TAG = "tag:yaml.org,2002:"


class RiskFileError(TrackingError):
    """A risk file that cannot be read or breaks the format: every problem, with file:line:col."""


def resolve_today(value: str | _dt.date | None = None) -> _dt.date:
    """Today, unless given (a date or YYYY-MM-DD) or set in $TMLOGIC_TODAY: expiry checks are then
    deterministic (tests, reproducible CI runs)."""
    if isinstance(value, _dt.date):
        return value
    text = value if value is not None else os.environ.get(TODAY_ENV)
    if not text:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(text.strip())
    except ValueError:
        source = f"${TODAY_ENV}" if value is None else "today"
        raise ArgumentError(f"{source}={text!r} is not a date", "write it as YYYY-MM-DD, e.g. 2025-01-31") from None


@dataclass(frozen=True)
class RiskEntry:
    index: int  # position in the file, 0-based
    status: str
    justification: str
    span: SourceSpan  # the entry's first line
    id: str | None = None
    rule: str | None = None  # glob on the rule id
    target: str | None = None  # glob on a target id or name
    owner: str | None = None
    ticket: str | None = None
    expires: _dt.date | None = None

    @property
    def exact(self) -> bool:
        return self.id is not None

    @property
    def resolves(self) -> bool:
        return self.status in RESOLVING_STATUSES

    def expired(self, today: _dt.date) -> bool:
        """An entry counts through its `expires` day and stops counting the day after."""
        return self.expires is not None and today > self.expires

    def matches(self, threat: ThreatSnapshot) -> bool:
        if self.id is not None:
            return threat.id == self.id
        if self.rule is not None and not fnmatchcase(threat.rule_id, self.rule):
            return False
        if self.target is not None:
            pattern = self.target.lower()
            if not any(fnmatchcase(t, self.target) or fnmatchcase(n.lower(), pattern)
                       for t, n in zip(threat.targets, threat.target_names)):
                return False
        return True

    def specificity(self) -> tuple[int, int, int, int]:
        """Higher wins: exact id, then literal fields, then fields, then earlier in the file."""
        fields = [f for f in (self.rule, self.target) if f is not None]
        literal = sum(1 for f in fields if not GLOB.search(f))
        return (1 if self.exact else 0, literal, len(fields), -self.index)

    def describe(self) -> str:
        if self.id is not None:
            return f"id {self.id}"
        parts = []
        if self.rule is not None:
            parts.append(f"rule {self.rule}")
        if self.target is not None:
            parts.append(f"target {self.target}")
        return ", ".join(parts)

    def note(self) -> str:
        """`accepted (owner platform, ticket SEC-1, until 2025-06-30)`."""
        extra = [f"owner {self.owner}"] if self.owner else []
        if self.ticket:
            extra.append(f"ticket {self.ticket}")
        if self.expires:
            extra.append(f"until {self.expires.isoformat()}")
        return self.status + (f" ({', '.join(extra)})" if extra else "")


@dataclass(frozen=True)
class RiskFile:
    path: str  # as shown to the user
    entries: tuple[RiskEntry, ...] = ()
    exists: bool = True


def risk_path_for(model: Path) -> Path:
    """`threat_model.md` -> `threat_model.risks.yaml`; `shop.tm.yaml` -> `shop.tm.risks.yaml`."""
    model = Path(model)
    return model.with_name(model.stem + ".risks.yaml")


def find_risk_file(model: Path) -> Path | None:
    """The risk file next to a model, if there is one (`.risks.yaml`, or `.risks.yml`)."""
    default = risk_path_for(model)
    for candidate in (default, default.with_suffix(".yml")):
        if candidate.is_file():
            return candidate
    return None


def load_risks(path: Path, *, missing_ok: bool = False) -> RiskFile:
    """Read and check a risk file. Raises RiskFileError listing every problem."""
    shown = display_path(path)
    if not os.path.lexists(path):
        if missing_ok:
            return RiskFile(shown, (), exists=False)
        raise RiskFileError([Diagnostic(Level.ERROR, SourceSpan(shown, 1, 1), f"risk file '{shown}' not found", "io",
                                        "create it with `tmlogic risks seed MODEL`, or fix the path")])
    try:
        text = read_text(path, what="risk file", shown=shown)  # regular, inside the project, capped
    except FileAccessError as exc:
        raise RiskFileError(exc.diagnostics) from None
    return parse_risks(text, shown)


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.bag = DiagnosticBag()

    def span(self, node: Node) -> SourceSpan:
        return node_span(self.path, node)

    def error(self, node: Node, message: str, hint: str) -> None:
        self.bag.error(self.span(node), message, "risk-file", hint)

    def text(self, node: Node, key: str) -> str | None:
        """A scalar as text (None for YAML null); anything else is an error."""
        if not isinstance(node, ScalarNode):
            self.error(node, f"'{key}' must be a single value, not a {'list' if isinstance(node, SequenceNode) else 'mapping'}",
                       f"write `{key}: value` on one line")
            return None
        if node.tag == _TAG + "null" and node.style is None:
            return None
        return str(node.value).strip()

    def read(self, text: str) -> list[RiskEntry]:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            self.bag.extend([yaml_error_diagnostic(exc, text, self.path, "risk-file")])
            return []
        except RecursionError:
            self.bag.extend([too_deep(self.path)])
            return []
        bounds = check_document(root, self.path)
        if bounds is not None:
            self.bag.extend([bounds])
            return []
        if root is None:
            return []
        if isinstance(root, SequenceNode):  # a bare list of entries is fine too
            return self.entries(root)
        if not isinstance(root, MappingNode):
            self.error(root, "a risk file is a mapping with a `risks:` list", "start the file with `risks:`")
            return []
        entries: list[RiskEntry] = []
        seen: set[str] = set()
        for key_node, value in root.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else ""
            if key in seen:
                self.error(key_node, f"'{key}' appears twice", "merge the two into one")
                continue
            seen.add(key)
            if key == "version":
                if self.text(value, key) not in ("1", None):
                    self.error(value, f"risk file version {value.value if isinstance(value, ScalarNode) else '?'} "
                               "is not supported", "this tmlogic reads `version: 1`")
            elif key == "risks":
                if isinstance(value, ScalarNode) and value.tag == _TAG + "null":
                    continue
                if not isinstance(value, SequenceNode):
                    self.error(value, "`risks` must be a list of entries", "write each entry as `  - id: T...`")
                    continue
                entries = self.entries(value)
            else:
                self.error(key_node, f"unknown top-level key '{key}'",
                           (did_you_mean(key, ["risks", "version"]) or "the top level holds `version` and `risks`"))
        return entries

    def entries(self, seq: SequenceNode) -> list[RiskEntry]:
        out: list[RiskEntry] = []
        for index, node in enumerate(seq.value):
            entry = self.entry(index, node)
            if entry is not None:
                out.append(entry)
        return out

    def entry(self, index: int, node: Node) -> RiskEntry | None:
        if not isinstance(node, MappingNode):
            self.error(node, "a risk entry is a mapping", "write `- id: T0123456789` with status and justification below it")
            return None
        values: dict[str, str | None] = {}
        nodes: dict[str, Node] = {}
        for key_node, value in node.value:
            raw = key_node.value if isinstance(key_node, ScalarNode) else ""
            key = raw.strip().lower().replace("-", "_").replace(" ", "_")
            key = _KEY_ALIASES.get(key, key)
            if key.startswith("x_"):
                continue  # the team's own fields
            if key not in _KEYS:
                self.error(key_node, f"unknown key '{raw}' in a risk entry",
                           did_you_mean(raw, _KEYS) or f"the keys are {', '.join(_KEYS)} (and x-... for your own)")
                continue
            if key in values:
                self.error(key_node, f"'{key}' appears twice in this entry", "keep one")
                continue
            values[key] = self.text(value, key)
            nodes[key] = value
        span = self.span(node)
        ok = True

        threat_id = values.get("id")
        if threat_id is not None and not _THREAT_ID.match(threat_id):
            self.error(nodes["id"], f"'{threat_id}' is not a threat id",
                       "threat ids look like T1a2b3c4d5e (see `tmlogic analyze`); for patterns use `rule:` and `target:`")
            ok = False
        if threat_id is not None and (values.get("rule") or values.get("target")):
            self.error(nodes["id"], "an entry names either one threat (`id`) or a pattern (`rule`, `target`), not both",
                       "drop `rule`/`target`, or drop `id`")
            ok = False
        if threat_id is None and not values.get("rule") and not values.get("target"):
            self.error(node, "this entry names no threat",
                       "add `id: T...` (one threat) or `rule: TM-NET-*` and/or `target: element-id` (a pattern)")
            ok = False

        status_text = values.get("status")
        status = (status_text or "").lower().replace("_", "-").replace(" ", "-")
        if status_text is None:
            self.error(node, "this entry has no status", f"add `status:` ({', '.join(STATUSES)})")
            ok = False
        elif status not in STATUSES:
            self.error(nodes["status"], f"unknown status '{status_text}'",
                       did_you_mean(status, STATUSES) or f"use one of {', '.join(STATUSES)}")
            ok = False

        justification = values.get("justification") or ""
        if not justification:
            self.error(nodes.get("justification", node), "this entry has no justification",
                       "add `justification:` saying why the threat is accepted, mitigated or not real")
            ok = False
        else:
            problem = _justification_problem(status, justification)
            if problem:
                self.error(nodes["justification"], *problem)
                ok = False

        for key in ("owner", "ticket"):
            value = values.get(key)
            if value is not None and _PLACEHOLDER.search(value):
                self.error(nodes[key], f"'{value}' is a placeholder", f"write the real {key}, or remove the line")
                ok = False

        expires: _dt.date | None = None
        expires_text = values.get("expires")
        if expires_text is not None:
            try:
                if not _DATE.match(expires_text):
                    raise ValueError
                expires = _dt.date.fromisoformat(expires_text)
            except ValueError:
                self.error(nodes["expires"], f"'{expires_text}' is not a date", "write it as YYYY-MM-DD, e.g. 2025-12-31")
                ok = False
        if not ok:
            return None
        return RiskEntry(index=index, status=status, justification=justification, span=span, id=threat_id,
                         rule=values.get("rule") or None, target=values.get("target") or None,
                         owner=values.get("owner") or None, ticket=values.get("ticket") or None, expires=expires)


def _justification_problem(status: str, justification: str) -> tuple[str, str] | None:
    if _PLACEHOLDER.search(justification):
        return f"the justification '{justification}' is a placeholder", "write the real reason; a reviewer reads it"
    if justification.startswith(SEED_MARK) and status in RESOLVING_STATUSES:
        article = "an" if status[0] in "aeiou" else "a"
        return (f"{article} {status} entry keeps the text written by `tmlogic risks seed`",
                "replace it with the reason this threat is " + status.replace("-", " "))
    return None


def justification_problem(status: str, justification: str, owner: str | None = None,
                          ticket: str | None = None) -> str | None:
    """What is wrong with the text of a new entry (the checks the file gets), or None."""
    if not justification.strip():
        return "a justification is required: say why the threat is accepted, mitigated or not real"
    problem = _justification_problem(status, justification.strip())
    if problem:
        return "; ".join(problem)
    for key, value in (("owner", owner), ("ticket", ticket)):
        if value is not None and _PLACEHOLDER.search(value):
            return f"--{key} '{value}' is a placeholder; write the real {key}"
    return None


def parse_risks(text: str, path: str = "<risks>") -> RiskFile:
    reader = _Reader(path)
    entries = reader.read(text)
    seen: dict[tuple[str | None, str | None, str | None], RiskEntry] = {}
    for e in entries:
        key = (e.id, e.rule, e.target)
        if key in seen:
            first = seen[key]
            reader.bag.error(e.span, f"a second entry for {e.describe()} (the first is at line {first.span.line})",
                             "risk-file", "keep one entry per threat or pattern")
        else:
            seen[key] = e
    if reader.bag.has_errors:
        raise RiskFileError(reader.bag.items)
    return RiskFile(path, tuple(entries))
