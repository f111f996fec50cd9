"""Reading a risk file's text (the format is read.py's): the YAML is only *composed* with PyYAML's
SafeLoader (nodes with line/column, no object construction), and every value is read from the
nodes here, so errors point at file:line:col.
"""

from __future__ import annotations

import datetime as _dt
import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..._errors import SourceSpan
from ...diagnostics import DiagnosticBag, did_you_mean
from ...syntax import yaml_error_diagnostic
from ...syntax.spans import node_span
from ...yamlcheck import check_document, too_deep
from .read import PLACEHOLDER, STATUSES, RiskEntry, RiskFile, RiskFileError, justification_issue

__all__ = ["parse_risks"]

_KEYS = ("id", "rule", "target", "status", "justification", "owner", "ticket", "expires")
_KEY_ALIASES = {"reason": "justification", "because": "justification", "expiry": "expires", "expires_on": "expires",
                "until": "expires", "threat": "id", "rule_id": "rule", "element": "target", "flow": "target",
                "issue": "ticket"}
_THREAT_ID = re.compile(r"^T[0-9a-f]{10}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TAG = "tag:yaml.org,2002:"


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
            problem = justification_issue(status, justification)
            if problem:
                self.error(nodes["justification"], *problem)
                ok = False

        for key in ("owner", "ticket"):
            value = values.get(key)
            if value is not None and PLACEHOLDER.search(value):
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
