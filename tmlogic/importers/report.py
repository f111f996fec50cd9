"""The import report: what each input item became, and what had no equivalent.

Nothing is dropped silently. Every input item an importer reads ends up in one of three lists:

- mapped: the item and the model item it became ("technical asset 'erp-system' -> server 'ERP System'");
- approximated: mapped, but with a guess or a loss the reader should check (a Threat Dragon
  trust-boundary curve, a LINDDUN threat given the nearest STRIDE category);
- unmapped: no equivalent in the model language (a Threagile `questions` block, a compose
  `healthcheck`), with the reason.

It renders as text (stderr of `tmlogic import`) and as JSON (`--report FILE.json`); both are
deterministic: items keep the order in which the input was read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .._errors import SourceSpan
from ..typing_runtime import Any

__all__ = ["ReportItem", "ImportReport", "REPORT_FORMAT_VERSION"]

REPORT_FORMAT_VERSION = "1.0"


@dataclass(frozen=True)
class ReportItem:
    what: str  # the input item: "service 'web' key 'healthcheck'"
    span: SourceSpan  # where it is written (the first of them, for a group)
    detail: str  # mapped: what it became; otherwise: why
    items: tuple[str, ...] = ()  # a group: the input items that share this key and reason

    def to_dict(self, key: str) -> dict[str, Any]:
        out = {"input": self.what, "file": self.span.path, "line": self.span.line, "column": self.span.col,
               key: self.detail}
        if self.items:
            out["items"] = list(self.items)
        return out


@dataclass
class ImportReport:
    format: str
    sources: list[str]
    mapped: list[ReportItem] = field(default_factory=list)
    approximated: list[ReportItem] = field(default_factory=list)
    unmapped: list[ReportItem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)  # files written (model, risk file)

    def map(self, what: str, span: SourceSpan, became: str) -> None:
        self.mapped.append(ReportItem(what, span, became))

    def approximate(self, what: str, span: SourceSpan, how: str) -> None:
        self.approximated.append(ReportItem(what, span, how))

    def skip(self, what: str, span: SourceSpan, why: str, items: tuple[str, ...] = ()) -> None:
        self.unmapped.append(ReportItem(what, span, why, items))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "tmlogic-import-report",
            "version": REPORT_FORMAT_VERSION,
            "importer": self.format,
            "sources": list(self.sources),
            "outputs": list(self.outputs),
            "counts": dict(self.counts),
            "mapped": [i.to_dict("became") for i in self.mapped],
            "approximated": [i.to_dict("how") for i in self.approximated],
            "unmapped": [i.to_dict("reason") for i in self.unmapped],
        }

    def render_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def headline(self) -> str:
        c = self.counts
        parts = ", ".join(f"{c.get(k, 0)} {k}" for k in ("boundaries", "elements", "data", "flows", "threats"))
        return (f"imported {', '.join(self.sources)} ({self.format}): {parts}; "
                f"{len(self.approximated)} approximated, {len(self.unmapped)} not mapped")

    def render_text(self, full: bool = False) -> str:
        """The headline, then what needs a look (approximated, unmapped); `full` adds the mapped items."""
        out = [self.headline()]
        groups: list[tuple[str, list[ReportItem]]] = [("approximated (check these)", self.approximated),
                                                      ("not mapped (no equivalent in the model)", self.unmapped)]
        if full:
            groups.insert(0, ("mapped", self.mapped))
        for title, items in groups:
            if not items:
                continue
            out.append(f"{title}:")
            arrow = "->" if items is self.mapped else "--"
            out.extend(f"  {i.span.short()}: {i.what} {arrow} {i.detail}" for i in items)
        return "\n".join(out) + "\n"
