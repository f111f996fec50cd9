"""The intermediate form both readers produce: sections of named entries, values parsed, nothing resolved.

The Markdown and the YAML reader differ only in syntax; everything that judges meaning
(known keys, references, ids, duplicates) lives once, in build.py, and reads this form.
"""

from __future__ import annotations


from .._errors import Diagnostic, SourceSpan
from ..records import field, record
from .schema import Value

__all__ = ["RawAttr", "RawEntry", "RawSection", "RawDocument"]


@record(frozen=True)
class RawAttr:
    """One key=value as written: the key's spelling is kept so messages can quote it."""

    key: str
    value: Value
    span: SourceSpan  # the key
    value_span: SourceSpan  # the value
    raw: str = ""  # the value's source text (keeps 1.10 or 007 as written for text keys)
    bare: bool = True  # unquoted scalar (so `raw` is the value as the user meant it)


@record
class RawEntry:
    """`- **Name**: ...` (Markdown) or a mapping with `name:` (YAML)."""

    name: str
    span: SourceSpan  # the name
    attrs: list[RawAttr] = field(default_factory=list)
    # `- **Name**: 1.5` or `- **Name**: {...}`: a single value instead of key=value pairs.
    value: Value = None
    has_value: bool = False
    value_span: SourceSpan | None = None
    value_raw: str = ""
    parent: int | None = None  # index, in the same section, of the entry this one is nested in


@record
class RawSection:
    kind: str | None  # canonical section id (vocabulary.SECTIONS), None when unknown
    heading: str  # as written
    span: SourceSpan
    entries: list[RawEntry] = field(default_factory=list)


@record
class RawDocument:
    path: str  # display path, as used in every span
    syntax: str = "markdown"  # "markdown" or "yaml": hints show the fix in the file's own syntax
    title: str | None = None
    title_span: SourceSpan | None = None
    description: str | None = None
    description_span: SourceSpan | None = None
    sections: list[RawSection] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # syntax problems found while reading
