"""Read the YAML form of the model language into the raw form (same schema as the Markdown).

For generated models (Ansible playbooks, importers). We only *compose* the document with the
SafeLoader, getting nodes with line/column marks, and build every value from those nodes
ourselves: no yaml.load, no object construction, and every key keeps its exact position.

Accepted shapes::

    title: ...                 description: ...
    boundaries: [{name, is_trusted, boundaries: [...nested...] | boundary: Parent, ...}]
    actors | servers | processes | datastores | external_entities: [{name, type, boundary, ...}]
    data: [{name, classification, ...}]
    dataflows: [{name, from, to, protocol, data, ...}]
    protocol_styles: [{name, color, line_style}]
    severity_multipliers: {Name: 1.5} | [{name, factor}]
    custom_mitre_mapping: [{name, tactics, techniques}]

A section may also be a mapping `Name: {attributes}`. An Ansible playbook (a list of plays)
is read through its `vars.threat_model_metadata` (SecOpsTM's embedding), as is a mapping with
a `threat_model_metadata` key.
"""

from __future__ import annotations

import yaml
from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .._errors import Diagnostic, Level, SourceSpan
from ..limits import current as current_limits
from ..syntax import yaml_error_diagnostic
from ..yamlcheck import check_document, too_deep, yaml_depth_limit
from .raw import RawAttr, RawDocument, RawEntry, RawSection
from .schema import Value
from .vocabulary import canonical_key, section_for

__all__ = ["read_yaml"]

_TAG = "tag:yaml.org,2002:"
_IGNORED_TOP = frozenset({"version", "schema_version"})
_NESTED_BOUNDARY_KEYS = frozenset({"boundaries", "sub_boundaries", "zones", "children"})
# Scalar conversion only (ints with 0x/0o/_ forms, floats, YAML 1.1 booleans): these
# constructor methods read node.value and nothing else; they never build objects.
_SCALARS = SafeConstructor()


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.doc = RawDocument(path=path, syntax="yaml")

    def span(self, start: Mark, end: Mark | None = None) -> SourceSpan:
        if end is None or end.line != start.line:
            return SourceSpan(self.path, start.line + 1, start.column + 1)
        return SourceSpan(self.path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def node_span(self, node: Node) -> SourceSpan:
        return self.span(node.start_mark, node.end_mark)

    def error(self, node: Node, message: str, hint: str | None = None, code: str = "syntax") -> None:
        self.doc.diagnostics.append(Diagnostic(Level.ERROR, self.node_span(node), message, code, hint))

    # -- values -----------------------------------------------------------------------------

    def value(self, node: Node, depth: int = 0, active: tuple[int, ...] = ()) -> Value:
        # check_document has bounded the depth and the aliases; this guard is for direct callers.
        if depth > yaml_depth_limit() or id(node) in active:
            self.error(node, "value nested too deeply (or a recursive alias)", "flatten the value")
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        active = active + (id(node),)
        if isinstance(node, SequenceNode):
            return [self.value(item, depth + 1, active) for item in node.value]
        if isinstance(node, MappingNode):
            out: dict[str, Value] = {}
            for key_node, value_node in node.value:
                key = self.key_text(key_node)
                if key is None:
                    continue
                if key in out:
                    self.error(key_node, f"duplicate key {key!r}", "give each key once")
                out[key] = self.value(value_node, depth + 1, active)
            return out
        return None

    def scalar(self, node: ScalarNode) -> Value:
        tag = node.tag
        try:
            if tag == _TAG + "null":
                return None
            if tag == _TAG + "bool":
                return bool(_SCALARS.construct_yaml_bool(node))
            if tag == _TAG + "int":
                if sum(ch.isdigit() for ch in node.value) > current_limits().integer_digits:
                    return str(node.value)  # as text, like a Markdown model's over-long integer
                return int(_SCALARS.construct_yaml_int(node))
            if tag == _TAG + "float":
                return float(_SCALARS.construct_yaml_float(node))
        except (ValueError, TypeError):
            pass
        return str(node.value)  # strings, timestamps, custom tags: the text as written

    def key_text(self, node: Node) -> str | None:
        if not isinstance(node, ScalarNode):
            self.error(node, "a key must be a plain word", "write key: value")
            return None
        return str(node.value)

    # -- structure --------------------------------------------------------------------------

    def read(self, text: str) -> RawDocument:
        try:
            documents = [d for d in yaml.compose_all(text, Loader=yaml.SafeLoader) if d is not None]
        except yaml.YAMLError as exc:
            self.doc.diagnostics.append(yaml_error_diagnostic(exc, text, self.path, "syntax"))
            return self.doc
        except RecursionError:  # PyYAML's composer recurses once per level
            self.doc.diagnostics.append(too_deep(self.path))
            return self.doc
        bounds = next((d for d in map(lambda n: check_document(n, self.path), documents) if d is not None), None)
        if bounds is not None:
            self.doc.diagnostics.append(bounds)
            return self.doc
        if not documents:
            return self.doc
        if len(documents) > 1:
            self.error(documents[1], "a model file holds one YAML document", "split the models into files, or remove the '---'")
        root = self.model_root(documents[0])
        if root is not None:
            self.top(root)
        return self.doc

    def model_root(self, node: Node) -> MappingNode | None:
        """The model mapping: the document itself, or SecOpsTM's Ansible `threat_model_metadata`."""
        if isinstance(node, SequenceNode):
            for play in node.value:
                found = self.embedded(play)
                if found is not None:
                    return found
            return None
        if isinstance(node, MappingNode):
            return self.embedded(node) or node
        return None

    def embedded(self, node: Node) -> MappingNode | None:
        if not isinstance(node, MappingNode):
            return None
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key == "threat_model_metadata" and isinstance(value_node, MappingNode):
                return value_node
            if key == "vars":
                found = self.embedded(value_node)
                if found is not None:
                    return found
        return None

    def top(self, root: MappingNode) -> None:
        for key_node, value_node in root.value:
            key = self.key_text(key_node)
            if key is None:
                continue
            canon = canonical_key(key)
            if canon in _IGNORED_TOP:
                continue
            if canon in ("title", "name"):
                self.doc.title = self.text(value_node)
                self.doc.title_span = self.node_span(value_node)
                continue
            kind = section_for(key)
            section = RawSection(kind, key, self.node_span(key_node))
            self.doc.sections.append(section)
            if kind == "description":
                self.doc.description = self.text(value_node)
                self.doc.description_span = self.node_span(value_node)
            elif kind is not None:
                self.entries(section, value_node, None)

    def text(self, node: Node) -> str | None:
        if isinstance(node, ScalarNode):
            return None if node.tag == _TAG + "null" else str(node.value)
        self.error(node, "expected text here", "write a plain or quoted string")
        return None

    def entries(self, section: RawSection, node: Node, parent: int | None) -> None:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "null":
            return  # `servers:` with nothing under it
        if isinstance(node, SequenceNode):
            for item in node.value:
                if isinstance(item, MappingNode):
                    self.entry(section, item, parent)
                elif isinstance(item, ScalarNode) and item.tag != _TAG + "null":
                    section.entries.append(RawEntry(str(item.value), self.node_span(item), parent=parent))
                else:
                    self.error(item, f"expected an entry with a name under {section.heading!r}",
                               "write - name: Example, followed by its keys")
            return
        if isinstance(node, MappingNode):
            # `Name: {attributes}` / `Name: 1.5` (the mapping form)
            for key_node, value_node in node.value:
                name = self.key_text(key_node)
                if name is None:
                    continue
                entry = RawEntry(name, self.node_span(key_node), parent=parent)
                index = len(section.entries)
                section.entries.append(entry)
                if isinstance(value_node, MappingNode):
                    self.attributes(section, entry, value_node, index)
                elif isinstance(value_node, ScalarNode) and value_node.tag == _TAG + "null":
                    pass
                else:
                    self.single(entry, value_node)
            return
        self.error(node, f"expected a list of entries under {section.heading!r}", "write a YAML list: - name: Example")

    def single(self, entry: RawEntry, node: Node) -> None:
        entry.value, entry.has_value = self.value(node), True
        entry.value_span = self.node_span(node)
        if isinstance(node, ScalarNode) and node.style is None:
            entry.value_raw = str(node.value)

    def entry(self, section: RawSection, node: MappingNode, parent: int | None) -> None:
        name_node = next((v for k, v in node.value if isinstance(k, ScalarNode) and canonical_key(str(k.value)) == "name"), None)
        if name_node is None or not isinstance(name_node, ScalarNode) or name_node.tag == _TAG + "null":
            self.error(node, "this entry has no name", "add name: Example", code="missing-key")
            return
        entry = RawEntry(str(name_node.value), self.node_span(name_node), parent=parent)
        index = len(section.entries)
        section.entries.append(entry)
        self.attributes(section, entry, node, index)

    def attributes(self, section: RawSection, entry: RawEntry, node: MappingNode, index: int) -> None:
        nested: list[Node] = []
        for key_node, value_node in node.value:
            key = self.key_text(key_node)
            if key is None:
                continue
            canon = canonical_key(key)
            if canon == "name":
                continue
            if section.kind == "boundaries" and canon in _NESTED_BOUNDARY_KEYS:
                nested.append(value_node)  # after this entry's keys, so children follow their parent
                continue
            raw, bare = "", False
            if isinstance(value_node, ScalarNode):
                raw, bare = str(value_node.value), value_node.style is None
            entry.attrs.append(RawAttr(key, self.value(value_node), self.node_span(key_node),
                                       self.node_span(value_node), raw, bare))
        for child in nested:
            self.entries(section, child, index)


def read_yaml(text: str, path: str) -> RawDocument:
    """Parse YAML model text; `path` is the display path used in every span."""
    return _Reader(path).read(text)

