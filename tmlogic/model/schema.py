"""The typed architecture model: what the parsers produce and the fact compiler reads.

Every record is frozen and carries the SourceSpan of the model line it came from, so that
facts, proofs, SARIF locations and error messages can all point back at that line.
Keys are already canonical (snake_case, see vocabulary.py) and references are resolved ids.
Keys that became typed fields (boundary, type, from, to, ...) leave `attrs`; their spans stay
in `key_spans`, so the facts made from them still point at the right model line.
"""

from __future__ import annotations

from .._errors import SourceSpan
from ..records import field, record
from ..typing_runtime import Literal, Union

__all__ = [
    "Value",
    "Attribute",
    "Boundary",
    "Element",
    "DataAsset",
    "Dataflow",
    "ProtocolStyle",
    "MitreMapping",
    "Multiplier",
    "Suppression",
    "ManualThreat",
    "Model",
    "ELEMENT_KINDS",
]

# A model value, parsed as data (never evaluated): text, booleans, numbers, lists and dicts.
Value = Union[str, bool, int, float, None, list["Value"], dict[str, "Value"]]

# The element kinds, and the Markdown section / YAML key that declares each.
ELEMENT_KINDS: dict[str, str] = {
    "actor": "Actors",
    "server": "Servers",
    "process": "Processes",
    "datastore": "Datastores",
    "external": "External Entities",
}


@record(frozen=True)
class Attribute:
    """One key=value from the model, key canonical, with the span of the key."""

    key: str
    value: Value
    span: SourceSpan


@record(frozen=True)
class Boundary:
    id: str
    name: str
    trusted: bool
    parent: str | None  # id of the enclosing boundary (nesting by indentation or boundary=)
    attrs: tuple[Attribute, ...]
    span: SourceSpan
    key_spans: tuple[tuple[str, SourceSpan], ...] = field(default=(), compare=False)  # spans of keys that became fields


@record(frozen=True)
class Element:
    id: str
    name: str
    kind: str  # a key of ELEMENT_KINDS
    type: str | None  # normalised technology type, e.g. "load-balancer", "database"
    boundary: str | None  # id of the innermost boundary, None when outside every boundary
    attrs: tuple[Attribute, ...]
    span: SourceSpan
    submodel: str | None = None  # resolved path of the submodel file, if any
    key_spans: tuple[tuple[str, SourceSpan], ...] = field(default=(), compare=False)  # spans of keys that became fields


@record(frozen=True)
class DataAsset:
    id: str
    name: str
    classification: str  # normalised: unknown, public, restricted, sensitive, secret, top-secret
    attrs: tuple[Attribute, ...]
    span: SourceSpan
    key_spans: tuple[tuple[str, SourceSpan], ...] = field(default=(), compare=False)  # spans of keys that became fields


@record(frozen=True)
class Dataflow:
    id: str
    name: str
    source: str  # element id
    target: str  # element id
    protocol: str | None  # as written in the model, e.g. "HTTPS"
    data: tuple[str, ...]  # data asset ids
    attrs: tuple[Attribute, ...]
    span: SourceSpan
    key_spans: tuple[tuple[str, SourceSpan], ...] = field(default=(), compare=False)  # spans of keys that became fields


@record(frozen=True)
class ProtocolStyle:
    protocol: str
    attrs: tuple[Attribute, ...]
    span: SourceSpan


@record(frozen=True)
class MitreMapping:
    """A Custom Mitre Mapping entry: a named threat with tactics and techniques, parsed as data."""

    name: str
    tactics: tuple[str, ...]
    techniques: tuple[tuple[str, str], ...]  # (technique id, name)
    span: SourceSpan


@record(frozen=True)
class Suppression:
    """The model says a rule does not apply (to one target, or to the whole model), and why."""

    rule_id: str
    target: str | None  # id of an element, flow, boundary or data asset; None: every target
    reason: str
    span: SourceSpan
    origin: Literal["model", "risk-file"] = "model"  # the model's acceptance, or a risk-file decision


@record(frozen=True)
class ManualThreat:
    """A threat a person wrote in the model (## Threats), reported next to the derived ones."""

    name: str
    target: str  # id of the element, flow, boundary or data asset
    stride: str  # canonical: Spoofing, Tampering, Repudiation, InformationDisclosure, DenialOfService, ElevationOfPrivilege
    severity: str  # low .. critical: the impact at likelihood `likelihood`
    likelihood: str  # unlikely, likely, very-likely, frequent
    status: str  # open, mitigated, accepted, not-applicable
    key: str  # what the stable threat id hashes with the target: the `id` key, else the slug of the name
    description: str | None
    mitigation: str | None
    cwe: tuple[str, ...]
    capec: tuple[str, ...]
    attrs: tuple[Attribute, ...]
    span: SourceSpan


@record(frozen=True)
class Multiplier:
    target: str  # element id
    factor: float
    span: SourceSpan


@record(frozen=True)
class Model:
    """One model file, with its submodels loaded beneath the elements that reference them."""

    path: str  # as shown to the user
    title: str | None
    description: str | None
    boundaries: tuple[Boundary, ...]
    elements: tuple[Element, ...]
    data: tuple[DataAsset, ...]
    flows: tuple[Dataflow, ...]
    protocol_styles: tuple[ProtocolStyle, ...] = ()
    multipliers: tuple[Multiplier, ...] = ()
    mitre_mappings: tuple[MitreMapping, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    threats: tuple[ManualThreat, ...] = ()  # hand-written (## Threats)
    submodels: tuple[tuple[str, "Model"], ...] = ()  # (parent element id, submodel)
    id_prefix: str = ""  # "" for the root; "backend/model.md#" for a submodel, so ids stay unique in a project
    title_span: SourceSpan | None = field(default=None, compare=False)

    def all_models(self) -> list["Model"]:
        """This model and every submodel below it, depth first, in declaration order, each file
        once: a file that several elements name (a "diamond") is one model, shared, not a copy
        per path to it. Iterative, so the depth of the submodel tree costs no stack."""
        out: list[Model] = []
        seen: set[str] = set()
        stack: list[Model] = [self]
        while stack:
            model = stack.pop()
            if model.path in seen:
                continue
            seen.add(model.path)
            out.append(model)
            stack.extend(sub for _, sub in reversed(model.submodels))
        return out

    def span_of(self, item: "Boundary | Element | DataAsset | Dataflow", key: str) -> SourceSpan:
        """Where `key` of an item is written, or the item's own line."""
        return dict(item.key_spans).get(key, item.span)

    def names(self) -> dict[str, str]:
        """id -> display name for every named thing in this model and its submodels."""
        table: dict[str, str] = {}
        for m in self.all_models():
            for group in (m.boundaries, m.elements, m.data, m.flows):
                for item in group:
                    table[item.id] = item.name
        return table
