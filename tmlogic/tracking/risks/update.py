"""Change existing `id:` entries of a risk file in place (`tmlogic risks accept` on a threat that
`risks seed` or a person already recorded), keeping every comment and the layout around them.

Only the values that change are rewritten, as double-quoted YAML scalars (dates bare); a field
the entry lacks is added after its last line, with the entry's indentation. The result is parsed
again before it is written, so an edit can never leave a broken file behind.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..._errors import Diagnostic, Level, SourceSpan, display_path
from ...fileaccess import FileAccessError, read_text
from ...syntax import yaml_error_diagnostic
from ...yamlcheck import check_document, too_deep
from .parse import parse_risks
from .read import RiskFileError

__all__ = ["EntryChange", "update_entries", "FIELDS"]

FIELDS = ("status", "justification", "owner", "ticket", "expires")
_ALIASES = {"reason": "justification", "because": "justification", "expiry": "expires", "expires_on": "expires",
            "until": "expires", "threat": "id", "issue": "ticket"}


@dataclass(frozen=True)
class EntryChange:
    threat_id: str
    line: int  # the entry's first line
    changes: tuple[str, ...]  # "status in-progress -> accepted", "owner set to web", ...

    def describe(self) -> str:
        return f"{self.threat_id} (line {self.line}): " + ", ".join(self.changes) if self.changes else \
            f"{self.threat_id} (line {self.line}): already as asked, nothing changed"


def _key(node: Node) -> str:
    raw = node.value.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(node, ScalarNode) else ""
    return _ALIASES.get(raw, raw)


def _scalar(field: str, value: str) -> str:
    import json

    return value if field == "expires" else json.dumps(value, ensure_ascii=False)


def _shown(value: str | None) -> str:
    if value is None:
        return "(none)"
    return value if len(value) <= 60 else value[:57] + "..."


def _entries(root: Node | None) -> list[MappingNode]:
    seq: Node | None = root
    if isinstance(root, MappingNode):
        seq = next((v for k, v in root.value if _key(k) == "risks"), None)
    return [n for n in seq.value if isinstance(n, MappingNode)] if isinstance(seq, SequenceNode) else []


def update_entries(path: Path, updates: Mapping[str, Mapping[str, str | _dt.date | None]]) -> list[EntryChange]:
    """Set fields of the `id:` entries named in `updates` (threat id -> field -> value; None keeps the
    field). Returns what changed per entry; raises RiskFileError if the file is not readable YAML."""
    shown = display_path(path)
    try:
        text = read_text(path, what="risk file", shown=shown)  # regular, inside the project, capped
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except FileAccessError as exc:
        raise RiskFileError(exc.diagnostics) from None
    except yaml.YAMLError as exc:
        raise RiskFileError([yaml_error_diagnostic(exc, text, shown, "risk-file")]) from None
    except RecursionError:
        raise RiskFileError([too_deep(shown)]) from None
    bounds = check_document(root, shown)
    if bounds is not None:
        raise RiskFileError([bounds])
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied from the end
    changes: list[EntryChange] = []
    for entry in _entries(root):
        fields = {_key(k): (k, v) for k, v in entry.value}
        id_node = fields.get("id", (None, None))[1]
        threat_id = str(id_node.value).strip() if isinstance(id_node, ScalarNode) else None
        if threat_id is None or threat_id not in updates:
            continue
        said: list[str] = []
        last_end = max(v.end_mark.index for _, v in entry.value)
        indent = entry.value[0][0].start_mark.column
        for field in FIELDS:
            new = updates[threat_id].get(field)
            if new is None:
                continue
            value = new.isoformat() if isinstance(new, _dt.date) else str(new)
            if field in fields:
                node = fields[field][1]
                old = node.value.strip() if isinstance(node, ScalarNode) else None
                if old == value:
                    continue
                end = node.end_mark.index
                tail = "\n" if text[node.start_mark.index:end].endswith("\n") else ""
                edits.append((node.start_mark.index, end, _scalar(field, value) + tail))
                said.append(f"{field} {_shown(old)} -> {_shown(value)}" if field != "justification"
                            else f"justification {_shown(old)!r} -> {_shown(value)!r}")
            else:
                if entry.flow_style:
                    close = entry.end_mark.index - 1
                    edits.append((close, close, f", {field}: {_scalar(field, value)}"))
                else:
                    line_end = text.find("\n", last_end - 1 if text[last_end - 1:last_end] == "\n" else last_end)
                    at = len(text) if line_end < 0 else line_end
                    edits.append((at, at, "\n" + " " * indent + f"{field}: {_scalar(field, value)}"))
                said.append(f"{field} set to {_shown(value)}")
        changes.append(EntryChange(threat_id, entry.start_mark.line + 1, tuple(said)))
    new_text = text
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    if new_text != text:
        try:
            parse_risks(new_text, shown)
        except RiskFileError as exc:  # a bug here, never the user's: say so, keep the file
            raise RiskFileError([Diagnostic(Level.ERROR, SourceSpan(shown, 1, 1),
                                            "updating the entries would break the risk file, so it was left as it was",
                                            "risk-file", "edit the entry by hand; please report this")] + exc.diagnostics)
        from ...fileaccess import write_text

        write_text(Path(path), new_text, replace_input=True)  # atomic, never through a link
    return changes

