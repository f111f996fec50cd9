"""Counts that several outputs show: threats by severity and by STRIDE category."""

from __future__ import annotations

from ..records import record
from ..result import Result
from ..severity import LEVELS

__all__ = ["STRIDE_ORDER", "Summary", "summarize"]

STRIDE_ORDER = ("Spoofing", "Tampering", "Repudiation", "InformationDisclosure", "DenialOfService",
                "ElevationOfPrivilege")


@record(frozen=True)
class Summary:
    total: int  # active threats (not accepted)
    accepted: int
    by_severity: tuple[tuple[str, int], ...]  # every level, worst first
    by_stride: tuple[tuple[str, int], ...]  # STRIDE order, only categories with threats

    def headline(self) -> str:
        parts = ", ".join(f"{n} {level}" for level, n in self.by_severity if n)
        text = f"{self.total} threat{'' if self.total == 1 else 's'}" + (f" ({parts})" if parts else "")
        return text + (f", {self.accepted} accepted" if self.accepted else "")


def summarize(result: Result) -> Summary:
    active = result.active
    severity = {level: 0 for level in reversed(LEVELS)}
    stride: dict[str, int] = {}
    for t in active:
        severity[t.severity.level] += 1
        stride[t.rule.stride] = stride.get(t.rule.stride, 0) + 1
    order = {s: i for i, s in enumerate(STRIDE_ORDER)}
    return Summary(
        total=len(active),
        accepted=len(result.threats) - len(active),
        by_severity=tuple(severity.items()),
        by_stride=tuple(sorted(stride.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))),
    )
