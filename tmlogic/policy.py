"""What a project decides about the rules: which run, at what severity, and which fail the build
whatever their level. `.tmlogic.yaml` and the `--enable/--disable` flags build a RulePolicy; the
analysis applies it; the gate reads `hard_fail`.

Selectors, matched against each rule's metadata (never against rule names known here):

    TM-NET-001, TM-NET-*        the rule id (wildcards * ? [...], any case)
    tag:encryption              a tag of the rule (wildcards allowed)
    stride:Spoofing             the rule's STRIDE category (any spelling: information-disclosure)
    severity:low, severity:<=medium, severity:>high
                                the rule's own severity (its impact at its likelihood, after overrides)
    pack:web                    the folder (rule pack) the rule comes from
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from ._errors import Diagnostic, Level, SourceSpan
from .diagnostics import did_you_mean
from .lazy import lazy_pattern
from .logic.language.checks import stride_canonical
from .records import record
from .severity import LEVELS, base_level, level_rank

__all__ = ["RuleSelector", "SeverityOverride", "RulePolicy", "parse_selector", "SelectorError", "SELECTOR_KINDS"]

SELECTOR_KINDS = ("tag", "stride", "severity", "pack")
_COMPARISON = lazy_pattern(r"^(<=|>=|<|>|=)?\s*([a-z-]+)$")
COMMAND_LINE = SourceSpan("<command line>", 1, 1)


class SelectorError(ValueError):
    """A selector that cannot be read: the message says how to write it."""


@record(frozen=True)
class RuleSelector:
    """One way of naming rules (see the module docstring), with where it was written."""

    text: str
    kind: str  # "id", "tag", "stride", "severity", "pack"
    value: str
    op: str = "="  # severity only: = < <= > >=
    span: SourceSpan = COMMAND_LINE

    def matches(self, rule: "RuleFacts") -> bool:
        if self.kind == "id":
            return fnmatchcase(rule.id.upper(), self.value.upper())
        if self.kind == "tag":
            return any(fnmatchcase(t.lower(), self.value.lower()) for t in rule.tags)
        if self.kind == "stride":
            return rule.stride == self.value
        if self.kind == "pack":
            return fnmatchcase(rule.pack.lower(), self.value.lower())
        have, want = level_rank(rule.level), level_rank(self.value)
        return {"=": have == want, "<": have < want, "<=": have <= want, ">": have > want, ">=": have >= want}[self.op]


def parse_selector(text: str, span: SourceSpan = COMMAND_LINE) -> RuleSelector:
    """`TM-NET-001`, `tag:web`, `stride:Spoofing`, `severity:>=high`, `pack:web`; SelectorError otherwise."""
    raw = text.strip()
    if not raw:
        raise SelectorError("an empty rule selector; write a rule id (TM-NET-001), tag:NAME, stride:CATEGORY, "
                            "severity:LEVEL or pack:NAME")
    kind, sep, value = raw.partition(":")
    if not sep:
        if not re.fullmatch(r"[A-Za-z0-9_*?\[\]!-]+", raw):
            raise SelectorError(f"'{raw}' is not a rule id or selector; write TM-NET-001, TM-NET-*, tag:NAME, "
                                "stride:CATEGORY, severity:LEVEL or pack:NAME")
        return RuleSelector(raw, "id", raw, span=span)
    kind, value = kind.strip().lower(), value.strip()
    if kind not in SELECTOR_KINDS:
        hint = did_you_mean(kind, SELECTOR_KINDS)
        raise SelectorError(f"unknown selector kind '{kind}:'" + (f"; {hint}" if hint else
                            f"; use {', '.join(k + ':' for k in SELECTOR_KINDS)} or a rule id"))
    if not value:
        raise SelectorError(f"'{raw}' names no {kind}; write {kind}:VALUE")
    if kind == "stride":
        canonical = stride_canonical(value)
        if canonical is None:
            raise SelectorError(f"'{value}' is not a STRIDE category; use Spoofing, Tampering, Repudiation, "
                                "InformationDisclosure, DenialOfService or ElevationOfPrivilege")
        return RuleSelector(raw, kind, canonical, span=span)
    if kind == "severity":
        m = _COMPARISON.match(value.lower())
        if m is None or m.group(2) not in LEVELS:
            hint = did_you_mean(m.group(2), LEVELS) if m else None
            raise SelectorError(f"'{value}' is not a severity" + (f"; {hint}" if hint else
                                f"; use {', '.join(LEVELS)}, optionally after <, <=, > or >="))
        return RuleSelector(raw, kind, m.group(2), m.group(1) or "=", span=span)
    return RuleSelector(raw, kind, value, span=span)


@record(frozen=True)
class RuleFacts:
    """What selectors look at, for one rule."""

    id: str
    tags: tuple[str, ...]
    stride: str
    level: str
    pack: str


@record(frozen=True)
class SeverityOverride:
    """`TM-NET-001: {severity: critical, reason: ...}`: the project's severity for a rule (or rule glob)."""

    rule: str
    level: str
    reason: str
    span: SourceSpan = COMMAND_LINE

    def applies(self, rule_id: str) -> bool:
        return fnmatchcase(rule_id.upper(), self.rule.upper())


def _pack_of(path: str) -> str:
    return Path(path).parent.name


@record(frozen=True)
class RulePolicy:
    """Rule selection, severity overrides and hard-fail rules, from the project and the command line.

    A rule runs when it matches an `enable` selector (or there are none) and no `disable` selector.
    Selectors given on the command line come first: `--enable` lists replace the config's `enable`
    list and win over its `disable` (so `--enable TM-WEB-007` runs that one rule even where the
    project switched it off); `--disable` always switches off.
    Overrides: the last one that applies to a rule id wins (the command line and a model's own
    settings come after the project's)."""

    enable: tuple[RuleSelector, ...] = ()
    disable: tuple[RuleSelector, ...] = ()
    overrides: tuple[SeverityOverride, ...] = ()
    hard_fail: tuple[RuleSelector, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.enable or self.disable or self.overrides or self.hard_fail)

    def merged(self, later: RulePolicy) -> RulePolicy:
        return RulePolicy(self.enable + later.enable, self.disable + later.disable,
                          self.overrides + later.overrides, self.hard_fail + later.hard_fail)

    def override_for(self, rule_id: str) -> SeverityOverride | None:
        found = [o for o in self.overrides if o.applies(rule_id)]
        return found[-1] if found else None

    @staticmethod
    def facts(rule_id: str, tags: Sequence[str], stride: str, impact: str, likelihood: str, path: str) -> RuleFacts:
        return RuleFacts(rule_id, tuple(tags), stride, base_level(impact, likelihood), _pack_of(path))

    def runs(self, rule: RuleFacts) -> bool:
        asked = [s for s in self.enable if s.span == COMMAND_LINE] or list(self.enable)
        if asked and not any(s.matches(rule) for s in asked):
            return False
        forced = any(s.matches(rule) for s in self.enable if s.span == COMMAND_LINE)
        return not any(s.matches(rule) and not (forced and s.span != COMMAND_LINE) for s in self.disable)

    def hard_fail_ids(self, rules: Iterable[RuleFacts]) -> frozenset[str]:
        return frozenset(r.id for r in rules if any(s.matches(r) for s in self.hard_fail))

    def unmatched(self, rules: Sequence[RuleFacts]) -> list[Diagnostic]:
        """Warnings for selectors and overrides that name no rule at all: likely a typo."""
        ids = sorted({r.id for r in rules})
        out: list[Diagnostic] = []
        for group, selectors in (("enable", self.enable), ("disable", self.disable), ("hard-fail", self.hard_fail)):
            for s in selectors:
                if not any(s.matches(r) for r in rules):
                    hint = did_you_mean(s.value, ids) if s.kind == "id" else None
                    out.append(Diagnostic(Level.WARNING, s.span, f"{group} '{s.text}' matches no rule", "unknown-rule",
                                          hint or "see `tmlogic rules list` for the rules, their tags and severities"))
        for o in self.overrides:
            if not any(o.applies(r.id) for r in rules):
                out.append(Diagnostic(Level.WARNING, o.span, f"the severity override of '{o.rule}' matches no rule",
                                      "unknown-rule", did_you_mean(o.rule, ids) or "see `tmlogic rules list`"))
        return out
