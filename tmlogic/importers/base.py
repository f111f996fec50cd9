"""The contract every importer follows, and the helpers that make it hard to break.

An importer is a module with

    def read(sources: list[Path], ctx: ImportContext) -> Draft

(and, for formats that can be written, `export`). It reads its inputs only through the context
(`ctx.yaml`, `ctx.json`: safe parsers, size limits, located values), walks mappings through
`ctx.fields(...)`, and raises `InputError` (via `ctx.fail`) with the input's `file:line:col` for
input it cannot read. `Fields.done()` reports every key the importer did not take, so nothing
in the input disappears without a line in the report. `drop()` takes keys that carry no meaning
for a threat model (diagram layout, comments) and reports them once per kind, not once per item.

docs/integrations.md documents the contract for authors of new importers (Ansible, pytm).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .._errors import SourceSpan, display_path
from ..model.schema import Value
from ..typing_runtime import Any, NoReturn
from .located import InputError, Mapping, Node, Scalar, Sequence, describe, parse_json, parse_yaml, read_text
from .report import ImportReport

__all__ = ["ImportContext", "Fields", "InputError", "plain_list", "plain_dict"]


class ImportContext:
    """One import run: the report, the importer's extra options, and the safe readers."""

    def __init__(self, report: ImportReport, options: dict[str, list[str]] | None = None,
                 relative_to: Path | None = None) -> None:
        self.report = report
        self.options = options or {}
        self.relative_to = relative_to  # imported_from paths are relative to the generated model's folder
        self._dropped: dict[str, tuple[SourceSpan, int, set[str]]] = {}
        self._grouped: dict[tuple[str, str, str], tuple[SourceSpan, list[str]]] = {}

    # -- reading ------------------------------------------------------------------------------

    def shown(self, path: Path) -> str:
        return display_path(path)

    def relative(self, path: str | Path) -> str:
        """A path as the generated model records it: relative to the model's folder, with /."""
        if self.relative_to is None:
            return Path(path).as_posix()
        try:
            return Path(os.path.relpath(Path(path).resolve(), self.relative_to.resolve())).as_posix()
        except ValueError:  # another drive on Windows
            return Path(path).as_posix()

    def origin(self, span: SourceSpan) -> str:
        """`file:line` of an input span as the generated model records it (imported_from=...)."""
        return f"{self.relative(span.path)}:{span.line}"

    def text(self, path: Path) -> str:
        return read_text(path, self.shown(path))

    def yaml(self, path: Path) -> list[Node]:
        shown = self.shown(path)
        return parse_yaml(read_text(path, shown), shown)

    def json(self, path: Path) -> Node:
        shown = self.shown(path)
        return parse_json(read_text(path, shown), shown)

    # -- shapes -------------------------------------------------------------------------------

    def fail(self, span: SourceSpan, message: str, hint: str | None = None) -> NoReturn:
        raise InputError(span, message, hint)

    def mapping(self, node: Node | None, what: str, at: SourceSpan, hint: str | None = None) -> Mapping:
        if isinstance(node, Mapping):
            return node
        self.fail(node.span if node is not None else at, f"{what} must be a mapping, not {describe(node)}", hint)

    def sequence(self, node: Node | None, what: str, at: SourceSpan, hint: str | None = None) -> Sequence:
        if isinstance(node, Sequence):
            return node
        self.fail(node.span if node is not None else at, f"{what} must be a list, not {describe(node)}", hint)

    def fields(self, node: Mapping, what: str, group: tuple[str, str] | None = None) -> "Fields":
        """`group` = (kind, name), e.g. ("data asset", "Customer Contracts"): unmapped keys are then
        reported once per kind, key and reason, with the names of every item that has them."""
        return Fields(self, node, what, group)

    # -- report -------------------------------------------------------------------------------

    def dropped(self, reason: str, span: SourceSpan, keys: Iterable[str]) -> None:
        first, count, seen = self._dropped.get(reason, (span, 0, set()))
        self._dropped[reason] = (first, count + 1, seen | set(keys))

    def unmapped_in_group(self, kind: str, name: str, key: str, reason: str, span: SourceSpan) -> None:
        first, names = self._grouped.setdefault((kind, key, reason), (span, []))
        names.append(name)

    def finish(self) -> None:
        """Report grouped keys and dropped keys once per reason (e.g. the layout of 20 cells)."""
        for (kind, key, reason), (span, names) in self._grouped.items():
            what = f"{kind} key '{key}'" + (f" ({len(names)} items)" if len(names) > 1 else f" of '{names[0]}'")
            self.report.skip(what, span, reason, tuple(names))
        self._grouped.clear()
        for reason, (span, count, keys) in self._dropped.items():
            self.report.skip(f"{', '.join(sorted(keys))} ({count} item{'s' if count != 1 else ''})", span, reason)
        self._dropped.clear()


class Fields:
    """The keys of one input mapping; whatever the importer does not take is reported by done()."""

    def __init__(self, ctx: ImportContext, node: Mapping, what: str, group: tuple[str, str] | None = None) -> None:
        self.ctx, self.node, self.what, self.group = ctx, node, what, group
        self.used: set[str] = set()

    @property
    def span(self) -> SourceSpan:
        return self.node.span

    def where(self, key: str) -> SourceSpan:
        return self.node.where(key)

    def has(self, key: str) -> bool:
        return key in self.node

    def get(self, key: str) -> Node | None:
        self.used.add(key)
        return self.node.get(key)

    def present(self, key: str) -> Node | None:
        """The value, or None when absent or null (YAML `key:` with nothing after it)."""
        node = self.get(key)
        if isinstance(node, Scalar) and node.value is None:
            return None
        return node

    def text(self, key: str) -> str | None:
        node = self.present(key)
        if node is None:
            return None
        if not isinstance(node, Scalar):
            self.ctx.fail(node.span, f"{self.what}: '{key}' must be a single value, not {describe(node)}")
        return node.text()

    def flag(self, key: str) -> bool | None:
        node = self.present(key)
        if node is None:
            return None
        if isinstance(node, Scalar):
            if isinstance(node.value, bool):
                return node.value
            low = node.text().strip().lower()
            if low in ("true", "yes", "on", "1"):
                return True
            if low in ("false", "no", "off", "0"):
                return False
        self.ctx.fail(node.span, f"{self.what}: '{key}' must be true or false, not {describe(node)}")

    def number(self, key: str) -> int | float | None:
        node = self.present(key)
        if node is None:
            return None
        if isinstance(node, Scalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, Scalar):
            try:
                return float(node.text())
            except ValueError:
                pass
        self.ctx.fail(node.span, f"{self.what}: '{key}' must be a number, not {describe(node)}")

    def mapping(self, key: str) -> Mapping | None:
        node = self.present(key)
        if node is None:
            return None
        return self.ctx.mapping(node, f"{self.what}: '{key}'", self.span)

    def sequence(self, key: str) -> Sequence | None:
        node = self.present(key)
        if node is None:
            return None
        return self.ctx.sequence(node, f"{self.what}: '{key}'", self.span)

    def texts(self, key: str) -> list[str]:
        """A list of words (or one word) as text; null is an empty list."""
        node = self.present(key)
        if node is None:
            return []
        items = list(node) if isinstance(node, Sequence) else [node]
        out: list[str] = []
        for item in items:
            if not isinstance(item, Scalar):
                self.ctx.fail(item.span, f"{self.what}: '{key}' must be a list of words, not one holding {describe(item)}")
            if item.value is not None:
                out.append(item.text())
        return out

    def drop(self, reason: str, *keys: str) -> None:
        """Keys with no meaning for a threat model, reported once per reason across the input."""
        present = [k for k in keys if k in self.node]
        self.used.update(keys)
        if present:
            self.ctx.dropped(reason, self.node.where(present[0]), present)

    def unmapped(self, key: str, reason: str) -> None:
        """A key read and understood, with no equivalent: reported with the reason."""
        self.used.add(key)
        if key in self.node:
            node = self.node.get(key)
            if isinstance(node, Scalar) and node.value in (None, "", False):
                return  # an empty or false value says nothing the model misses
            if isinstance(node, (Sequence, Mapping)) and not (node.items if isinstance(node, Sequence) else node.entries):
                return
            if self.group is not None:
                self.ctx.unmapped_in_group(self.group[0], self.group[1], key, reason, self.node.where(key))
            else:
                self.ctx.report.skip(f"{self.what} key '{key}'", self.node.where(key), reason)

    def done(self) -> None:
        for key, node in self.node.items():
            if key in self.used:
                continue
            if isinstance(node, Scalar) and node.value in (None, ""):
                continue
            self.ctx.report.skip(f"{self.what} key '{key}'", self.node.where(key),
                                 "not a key this importer knows; nothing in the model holds it")


def plain_list(value: Any, span: SourceSpan, what: str) -> list[Any]:
    """A list in plain (already converted) input data: null is empty; any other shape is a located
    error at the span of the item that holds it, never silently ignored."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(span, f"{what} must be a list, not {type(value).__name__}", "check the file against its format")
    return value


def plain_dict(value: Any, span: SourceSpan, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(span, f"{what} must be an object, not {type(value).__name__}",
                         "check the file against its format")
    return value
