"""Input files read as data, every value with the `file:line:col` it was written at.

Importers never see a YAML or JSON library's objects: they walk this small tree of `Scalar`,
`Mapping` and `Sequence` nodes, so every element they produce can point back at the input
line (for `explain` and the import report), and nothing in an input is ever executed.

- YAML is only *composed* with PyYAML's SafeLoader (nodes with marks, no constructors run):
  tags such as `!!python/object` are plain text, anchors and aliases are followed within the
  alias budget and the depth every YAML reader of tmlogic has (yamlcheck.py, limits.py), so a
  "billion laughs" file is an error, not a hang, and `<<` merge keys are applied here. Several
  documents (`---`) give several trees (Kubernetes manifests).
- JSON is read by our own small parser (strings through the standard library's scanner), so
  a value's line is known; duplicate keys keep the last value, as JSON parsers do. It nests
  no deeper than YAML may.
- Files are read through the guarded reader (fileaccess.py): regular files only, links that
  leave the project refused, at most `import_bytes`; binary files and bad UTF-8 are located errors.
"""

from __future__ import annotations

import bisect
import json.decoder
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node as YamlNode, ScalarNode, SequenceNode

from .._errors import SourceSpan
from ..fileaccess import FileAccessError
from ..fileaccess import read_text as guarded_read
from ..textsafe import describe_character, plain_text_problem
from ..typing_runtime import Union
from ..yamlcheck import check_document, yaml_depth_limit

__all__ = [
    "Scalar", "Mapping", "Sequence", "Node", "InputError", "read_text", "parse_yaml", "parse_json", "describe",
]

_TAG = "tag:yaml.org,2002:"
_SCALARS = SafeConstructor()
# libyaml's composer when PyYAML was built with it (20x faster on a Threagile model); same nodes, same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ScalarValue = Union[str, int, float, bool, None]


class InputError(Exception):
    """A located problem in an input file: the importer stops and the CLI exits 2."""

    def __init__(self, span: SourceSpan, message: str, hint: str | None = None) -> None:
        super().__init__(f"{span}: {message}")
        self.span, self.message, self.hint = span, message, hint


@dataclass(frozen=True, eq=False)
class Scalar:
    value: ScalarValue
    span: SourceSpan

    def text(self) -> str:
        """The value as text: booleans as true/false, numbers as written, null as ''."""
        v = self.value
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)


@dataclass(frozen=True, eq=False)
class Sequence:
    items: tuple["Node", ...]
    span: SourceSpan

    def __iter__(self) -> Iterator["Node"]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, eq=False)
class Mapping:
    entries: dict[str, "Node"]
    span: SourceSpan
    key_spans: dict[str, SourceSpan] = field(default_factory=dict)

    def get(self, key: str) -> "Node | None":
        return self.entries.get(key)

    def where(self, key: str) -> SourceSpan:
        """Where `key` is written (its own line), else the mapping's."""
        return self.key_spans.get(key, self.span)

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def items(self) -> Iterator[tuple[str, "Node"]]:
        return iter(self.entries.items())


Node = Union[Scalar, Sequence, Mapping]


def describe(node: Node | None) -> str:
    """What a node is, for messages: 'a list', 'a mapping', 'the text "x"'."""
    if node is None:
        return "nothing"
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    if node.value is None:
        return "null"
    shown = node.text()
    return f"{type(node.value).__name__ if not isinstance(node.value, str) else 'the text'} {shown[:40]!r}"


# -- reading files ------------------------------------------------------------------------------

def read_text(path: Path, shown: str) -> str:
    """A text input file, through the guarded reader: at most `import_bytes`, not binary, UTF-8
    (a BOM is dropped)."""
    try:
        return guarded_read(path, what="input file", shown=shown, limit_name="import_bytes")
    except FileAccessError as exc:
        first = exc.diagnostics[0]
        raise InputError(first.span, first.message, first.hint) from None


def plain(text: str, span: SourceSpan) -> None:
    """Text that becomes a model name or value must be plain text, as the model language requires
    (textsafe.plain_text_problem; newlines allowed, for descriptions): said here at the input's
    line, not later as an invalid model the importer wrote."""
    bad = plain_text_problem(text, allow_newline=True)
    if bad is not None:
        raise InputError(span, f"the text holds {describe_character(bad)}",
                         "remove it; tmlogic models hold plain text only (docs/security.md)")


# -- YAML ---------------------------------------------------------------------------------------

class _YamlBuilder:
    """Located nodes from a composed document that check_document has bounded (aliases, depth,
    no alias inside itself), so the recursion here is as deep as the depth limit at most."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.done: dict[int, Node] = {}  # alias targets are converted once and shared

    def span(self, node: YamlNode) -> SourceSpan:
        m = node.start_mark
        return SourceSpan(self.path, m.line + 1, m.column + 1)

    def build(self, node: YamlNode) -> Node:
        key = id(node)
        if key in self.done:  # an alias: the anchored value, shared (its expansion was budgeted)
            return self.done[key]
        out: Node
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            if isinstance(value, str):
                plain(value, self.span(node))
            out = Scalar(value, self.span(node))
        elif isinstance(node, SequenceNode):
            out = Sequence(tuple(self.build(item) for item in node.value), self.span(node))
        elif isinstance(node, MappingNode):
            out = self.mapping(node)
        else:  # pragma: no cover - PyYAML has no other node kinds
            raise InputError(self.span(node), "unsupported YAML node")
        self.done[key] = out
        return out

    def scalar(self, node: ScalarNode) -> ScalarValue:
        tag = node.tag
        try:
            if tag == _TAG + "null":
                return None
            if tag == _TAG + "bool":
                return bool(_SCALARS.construct_yaml_bool(node))
            if tag == _TAG + "int":
                return int(_SCALARS.construct_yaml_int(node))
            if tag == _TAG + "float":
                number = float(_SCALARS.construct_yaml_float(node))
                return number if number == number and abs(number) != float("inf") else str(node.value)
        except (ValueError, TypeError, OverflowError):
            pass
        return str(node.value)

    def mapping(self, node: MappingNode) -> Mapping:
        entries: dict[str, Node] = {}
        spans: dict[str, SourceSpan] = {}
        merged: list[Mapping] = []
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge" or (isinstance(key_node, ScalarNode) and key_node.value == "<<"
                                                 and key_node.style is None):
                value = self.build(value_node)
                sources = list(value.items) if isinstance(value, Sequence) else [value]
                for source in sources:
                    if not isinstance(source, Mapping):
                        raise InputError(self.span(value_node), "a '<<' merge takes a mapping or a list of mappings",
                                         "merge an anchored mapping: <<: *name")
                    merged.append(source)
                continue
            if not isinstance(key_node, ScalarNode):
                raise InputError(self.span(key_node), "a key must be a plain word, not a list or a mapping",
                                 "write key: value")
            key = str(key_node.value)
            plain(key, self.span(key_node))
            entries[key] = self.build(value_node)
            spans[key] = self.span(key_node)
        if merged:
            # Explicit keys win over merged ones; earlier merge sources win over later ones.
            base: dict[str, Node] = {}
            base_spans: dict[str, SourceSpan] = {}
            for source in reversed(merged):
                base.update(source.entries)
                base_spans.update(source.key_spans)
            base.update(entries)
            base_spans.update(spans)
            entries, spans = base, base_spans
        return Mapping(entries, self.span(node), spans)


def parse_yaml(text: str, path: str) -> list[Node]:
    """Every document of a YAML stream, as located trees (empty documents are skipped)."""
    try:
        documents = [d for d in yaml.compose_all(text, Loader=_LOADER) if d is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        hint = str(exc.context) if exc.context else "check the indentation and quoting around this line"
        raise InputError(SourceSpan(path, line, col), f"invalid YAML: {exc.problem or 'syntax error'}", hint) from None
    except yaml.YAMLError as exc:
        raise InputError(SourceSpan(path, 1, 1), f"invalid YAML: {exc}", "check the file is YAML") from None
    except RecursionError:  # PyYAML's composer recurses once per level
        raise InputError(SourceSpan(path, 1, 1), f"the YAML nests deeper than {yaml_depth_limit()} levels",
                         "flatten it, or raise the limit: tmlogic --limit nesting_depth=N") from None
    for document in documents:
        bounds = check_document(document, path)  # alias expansion, depth, an alias inside itself
        if bounds is not None:
            raise InputError(bounds.span, bounds.message, bounds.hint)
    builder = _YamlBuilder(path)
    return [builder.build(d) for d in documents]


# -- JSON ---------------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS: dict[str, ScalarValue] = {"true": True, "false": False, "null": None}


class _JsonParser:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.max_depth = yaml_depth_limit()

    def span(self, offset: int) -> SourceSpan:
        line = bisect.bisect_right(self.starts, offset)
        return SourceSpan(self.path, line, offset - self.starts[line - 1] + 1)

    def fail(self, offset: int, message: str, hint: str | None = None) -> InputError:
        if offset >= len(self.text):
            return InputError(self.span(len(self.text)), "the JSON ends too early: " + message,
                              "the file looks truncated; export it again")
        return InputError(self.span(offset), message, hint)

    def skip(self, pos: int) -> int:
        m = _WS.match(self.text, pos)
        return m.end() if m else pos

    def parse(self) -> Node:
        pos = self.skip(0)
        if pos >= len(self.text):
            raise InputError(self.span(0), "the file is empty", "give a JSON document")
        node, pos = self.value(pos, 0)
        pos = self.skip(pos)
        if pos < len(self.text):
            raise self.fail(pos, "text after the end of the JSON document", "remove it; a file holds one JSON value")
        return node

    def value(self, pos: int, depth: int) -> tuple[Node, int]:
        if depth > self.max_depth:
            raise self.fail(pos, f"the JSON nests deeper than {self.max_depth} levels",
                            "flatten it, or raise the limit: tmlogic --limit nesting_depth=N")
        text = self.text
        if pos >= len(text):
            raise self.fail(pos, "a value is missing")
        ch = text[pos]
        if ch == "{":
            return self.obj(pos, depth)
        if ch == "[":
            return self.array(pos, depth)
        if ch == '"':
            value, end = self.string(pos)
            return Scalar(value, self.span(pos)), end
        m = _NUMBER.match(text, pos)
        if m:
            number: ScalarValue = float(m.group()) if m.group(1) or m.group(2) else int(m.group())
            return Scalar(number, self.span(pos)), m.end()
        for word, literal in _LITERALS.items():
            if text.startswith(word, pos):
                return Scalar(literal, self.span(pos)), pos + len(word)
        raise self.fail(pos, f"unexpected character {ch!r}", "expected a value: an object, list, string, number, "
                                                             "true, false or null")

    def string(self, pos: int) -> tuple[str, int]:
        try:
            value, end = json.decoder.scanstring(self.text, pos + 1, True)  # type: ignore[attr-defined]
        except json.JSONDecodeError as exc:
            raise self.fail(exc.pos, f"bad string: {exc.msg}", "close the string and escape quotes inside it") from None
        plain(value, self.span(pos))
        return value, end

    def obj(self, pos: int, depth: int) -> tuple[Node, int]:
        start = pos
        entries: dict[str, Node] = {}
        spans: dict[str, SourceSpan] = {}
        pos = self.skip(pos + 1)
        if self.text.startswith("}", pos):
            return Mapping(entries, self.span(start), spans), pos + 1
        while True:
            if not self.text.startswith('"', pos):
                raise self.fail(pos, "expected a quoted key", 'write "key": value')
            key, key_end = self.string(pos)
            key_span = self.span(pos)
            pos = self.skip(key_end)
            if not self.text.startswith(":", pos):
                raise self.fail(pos, f"expected ':' after the key {key!r}")
            node, pos = self.value(self.skip(pos + 1), depth + 1)
            entries[key] = node
            spans[key] = key_span
            pos = self.skip(pos)
            if self.text.startswith(",", pos):
                pos = self.skip(pos + 1)
                continue
            if self.text.startswith("}", pos):
                return Mapping(entries, self.span(start), spans), pos + 1
            raise self.fail(pos, "expected ',' or '}' in an object")

    def array(self, pos: int, depth: int) -> tuple[Node, int]:
        start = pos
        items: list[Node] = []
        pos = self.skip(pos + 1)
        if self.text.startswith("]", pos):
            return Sequence((), self.span(start)), pos + 1
        while True:
            node, pos = self.value(pos, depth + 1)
            items.append(node)
            pos = self.skip(pos)
            if self.text.startswith(",", pos):
                pos = self.skip(pos + 1)
                continue
            if self.text.startswith("]", pos):
                return Sequence(tuple(items), self.span(start)), pos + 1
            raise self.fail(pos, "expected ',' or ']' in a list")


def parse_json(text: str, path: str) -> Node:
    """A JSON document as a located tree."""
    return _JsonParser(text, path).parse()
