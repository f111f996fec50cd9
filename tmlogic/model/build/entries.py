"""The shared machinery of building a Model: ids for named entries, and checking every key=value
of an entry (known keys, value kinds, control characters), each problem into the DiagnosticBag."""

from __future__ import annotations

import math

from ..._errors import Note, SourceSpan
from ...diagnostics import DiagnosticBag, did_you_mean
from ...records import record
from ...textsafe import describe_character, plain_text_problem
from ..raw import RawAttr, RawDocument, RawEntry
from ..schema import Attribute, Model, Value
from ..vocabulary import (SECTIONS, KeySpec, canonical_enum, is_extension_key, keys_for, parse_bool, resolve_key,
                          slug)

__all__ = ["BAD", "Bad", "BuildResult", "EntryChecker", "SubmodelRef", "as_number", "first_note", "key_spans",
           "show_value"]


class Bad:
    """A value that failed its check (already reported)."""


BAD = Bad()
_WHERE_YAML = {"boundary": "boundaries", "element": "actors, servers (or another element list)",
               "data asset": "data", "element, flow, boundary or data asset": "servers, dataflows, boundaries or data"}
_WHERE = {"boundary": "## Boundaries", "element": "## Actors, ## Servers (or another element section)",
          "data asset": "## Data", "element, flow, boundary or data asset": "## Servers, ## Dataflows, ## Boundaries or ## Data"}


@record(frozen=True)
class SubmodelRef:
    """`submodel=...` on an element: resolved and loaded by loader.py."""

    element: str  # element id
    target: str  # the path as written
    span: SourceSpan  # the value, for errors


@record(frozen=True)
class BuildResult:
    model: Model
    submodel_refs: tuple[SubmodelRef, ...]


def show_value(attr: RawAttr) -> str:
    return attr.raw if attr.raw else repr(attr.value)


def as_number(value: Value) -> int | float | None:
    """A finite number, from a number or a numeric text ("1.5" from a quoted YAML value); else None."""
    number: int | float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value) if value.strip().lstrip("+-").isdigit() else float(value)
        except ValueError:
            return None
    return number if number is not None and math.isfinite(number) else None


_FREE_TEXT = frozenset({"description", "notes", "mitigation"})


def key_spans(special: dict[str, tuple[RawAttr, Value]]) -> tuple[tuple[str, SourceSpan], ...]:
    return tuple(sorted((key, attr.span) for key, (attr, _) in special.items()))


def first_note(span: SourceSpan) -> Note:
    return Note(span, "first declared here")


class EntryChecker:
    """State shared by every part of the build (ids by name, acceptances found on the way,
    submodel references), and the checks every section's entries go through."""

    def __init__(self, doc: RawDocument, bag: DiagnosticBag, prefix: str, lenient: bool = False) -> None:
        self.accepts: list[tuple[int, RawAttr, Value]] = []  # (entry, accepts= attribute, value)
        self.doc, self.bag, self.prefix = doc, bag, prefix
        self.lenient = lenient  # likely typos of security-relevant keys only warn
        self.yaml = doc.syntax == "yaml"
        self.taken: set[str] = set()
        self.boundary_ids: dict[str, str] = {}  # name -> id
        self.element_ids: dict[str, str] = {}
        self.data_ids: dict[str, str] = {}
        self.flow_ids: dict[str, str] = {}
        self.submodels: list[SubmodelRef] = []

    # -- ids --------------------------------------------------------------------------------

    def assign(self, group: str, entries: list[RawEntry], names: dict[str, str]) -> dict[int, str]:
        """id per entry (by id(entry)); duplicates are reported and get no id."""
        first_by_name: dict[str, RawEntry] = {}
        first_by_slug: dict[str, RawEntry] = {}
        out: dict[int, str] = {}
        for entry in entries:
            if entry.name in first_by_name:
                self.bag.error(entry.span, f"duplicate {group} name '{entry.name}'", "duplicate-name",
                               "give every " + group + " a different name", [first_note(first_by_name[entry.name].span)])
                continue
            first_by_name[entry.name] = entry
            base = slug(entry.name) or group
            if base in first_by_slug:
                other = first_by_slug[base]
                self.bag.error(entry.span, f"'{entry.name}' and '{other.name}' give the same id '{self.prefix}{base}'",
                               "duplicate-name", "rename one of them", [first_note(other.span)])
                continue
            first_by_slug[base] = entry
            ident = self.prefix + base
            if ident in self.taken:
                ident = f"{self.prefix}{base}-{group}"
                n = 2
                while ident in self.taken:
                    ident, n = f"{self.prefix}{base}-{group}-{n}", n + 1
            self.taken.add(ident)
            out[id(entry)] = ident
            names[entry.name] = ident
        return out

    def fix(self, key: str, example: str) -> str:
        """How to write key=example in this file's syntax."""
        return f"write {key}: {example}" if self.yaml else f"write {key}={example}"

    def multiplier_hint(self, name: str) -> str:
        return f"write {name}: 1.5 under severity_multipliers" if self.yaml else f"write - **{name}**: 1.5"

    # -- attributes -------------------------------------------------------------------------

    def attrs(self, entry: RawEntry, section: str, consumed: frozenset[str]
              ) -> tuple[dict[str, tuple[RawAttr, Value]], tuple[Attribute, ...]]:
        """Check every key=value of an entry: (consumed key -> (attr, value), kept attributes)."""
        special: dict[str, tuple[RawAttr, Value]] = {}
        kept: list[Attribute] = []
        seen: dict[str, RawAttr] = {}
        for attr in entry.attrs:
            key, spec = resolve_key(section, attr.key)
            if key in seen:
                first = seen[key]
                self.bag.error(attr.span, f"'{attr.key}' is given twice for '{entry.name}'", "duplicate-key",
                               f"keep one of '{first.key}' and '{attr.key}'", [first_note(first.span)])
                continue
            seen[key] = attr
            self.check_value(attr.value, attr.span, key)
            value: Value | Bad
            if spec is None:
                if not is_extension_key(key):
                    known = keys_for(section)
                    pool = list(known) + [a for s in known.values() for a in s.aliases]
                    hint = did_you_mean(key, pool) or (f"the keys of {SECTIONS[section]} are listed in "
                                                       "docs/model-language.md; name your own keys x-...")
                    from .typos import SECURITY_KEYS, resembled_security_key  # for an unknown key only

                    meant = resembled_security_key(key, section, pool)
                    if meant is not None and not self.lenient:
                        self.bag.error(attr.span, f"unknown key '{attr.key}' in {SECTIONS[section]} looks like a typo of "
                                       f"'{meant}', so {SECURITY_KEYS[meant]} and the threats change", "security-key-typo",
                                       f"{hint} (or pass --lenient to make this a warning)")
                    else:
                        self.bag.warning(attr.span, f"unknown key '{attr.key}' in {SECTIONS[section]}", "unknown-key", hint)
                value = attr.value
            else:
                value = self.convert(attr, spec)
                if isinstance(value, Bad):
                    continue
            if key == "accepts":
                self.accepts.append((id(entry), attr, value))
            elif key in consumed:
                special[key] = (attr, value)
            else:
                kept.append(Attribute(key, value, attr.span))
        return special, tuple(kept)

    def check_text(self, text: str, span: SourceSpan, what: str, allow_newline: bool) -> None:
        """Control characters would reach terminals and CI logs (ANSI escapes, forged `::` workflow
        commands), line and paragraph separators end YAML comments and lines in other writers, and
        format controls (bidi overrides, zero-width spaces) make text read differently from what it
        is: model text holds none of them, bar tabs, and newlines in free-text values."""
        bad = plain_text_problem(text, allow_newline=allow_newline)
        if bad is not None:
            self.bag.error(span, f"the {what} holds {describe_character(bad)}", "bad-character",
                           "remove it; names and values are plain text")

    def check_value(self, value: Value, span: SourceSpan, key: str) -> None:
        if isinstance(value, str):
            self.check_text(value, span, f"value of '{key}'", allow_newline=key in _FREE_TEXT)
        elif isinstance(value, list):
            for item in value:
                self.check_value(item, span, key)
        elif isinstance(value, dict):
            for k, item in value.items():
                self.check_value(str(k), span, key)
                self.check_value(item, span, key)

    def convert(self, attr: RawAttr, spec: KeySpec) -> Value | Bad:
        value, kind = attr.value, spec.kind
        if kind == "bool":
            flag = parse_bool(value)
            if flag is None:
                self.bag.error(attr.value_span, f"'{attr.key}' must be True or False, not {show_value(attr)}", "bad-boolean",
                               self.fix(attr.key, "true or false" if self.yaml else "True or False"))
                return BAD
            return flag
        if kind == "enum":
            text = "none" if value is None else value if isinstance(value, str) else None
            canon = canonical_enum(text, spec) if text is not None else None
            if canon is None:
                guess = did_you_mean(str(text or show_value(attr)), spec.values)
                allowed = "use one of: " + ", ".join(spec.values)
                self.bag.error(attr.value_span, f"'{show_value(attr)}' is not a valid {spec.key}", "bad-enum",
                               f"{guess} ({allowed})" if guess else allowed)
                return BAD
            return canon
        if kind in ("number", "port"):
            number = as_number(value)
            if kind == "port" and number is not None and not (float(number).is_integer() and 1 <= number <= 65535):
                number = None
            if number is None:
                want = "a port number (1-65535)" if kind == "port" else "a number"
                self.bag.error(attr.value_span, f"'{attr.key}' must be {want}, not {show_value(attr)}", "bad-value",
                               self.fix(attr.key, "443" if kind == "port" else "1.5"))
                return BAD
            return int(number) if kind == "port" else number
        if kind in ("text", "ref", "path"):
            if isinstance(value, (list, dict)):
                self.bag.error(attr.value_span, f"'{attr.key}' takes a single value, not a list or dict", "bad-value",
                               self.fix(attr.key, '"..."'))
                return BAD
            if value is None or isinstance(value, str):
                return value
            return attr.raw if attr.bare and attr.raw else str(value)  # 1.10 stays "1.10"
        if kind in ("list", "refs"):
            items = value if isinstance(value, list) else [value]
            if any(isinstance(v, (list, dict)) for v in items):
                self.bag.error(attr.value_span, f"'{attr.key}' takes a list of words or names", "bad-value",
                               self.fix(attr.key, '["A", "B"]'))
                return BAD
            if not isinstance(value, list) and attr.bare and attr.raw:
                return [attr.raw]
            return [v if isinstance(v, str) else str(v) for v in items if v is not None]
        return value

    def unknown(self, span: SourceSpan, what: str, name: str, pool: dict[str, str], code: str,
                elsewhere: dict[str, str] | None = None, elsewhere_kind: str = "") -> None:
        hint = did_you_mean(name, pool)
        if hint is None and elsewhere is not None and name in elsewhere:
            hint = f"'{name}' is {elsewhere_kind}"
        if hint is None:
            hint = f"declare it under {_WHERE_YAML[what]}: - name: {name}" if self.yaml else \
                f"declare it under {_WHERE[what]}: - **{name}**:"
        self.bag.error(span, f"unknown {what} '{name}'", code, hint)
