"""What an importer produces: a draft model in the model language's own terms.

A Draft holds boundaries, elements, data assets, flows and hand-written threats by *name*,
with attributes under canonical keys of the model language (docs/model-language.md), and
every item keeps the span of the input it came from. The writer (writer.py) turns a Draft into
a Markdown or YAML model; the drift engine (drift.py) compares a Draft read from
infrastructure as code with a Model. Importers never write model text themselves.

Names are made unique here, once: two input items that would get the same model id (same
slug) are told apart with " (2)", " (3)"..., and the import report says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .._errors import SourceSpan
from ..model.schema import Value
from ..model.vocabulary import slug

__all__ = ["DraftItem", "DraftBoundary", "DraftElement", "DraftData", "DraftFlow", "DraftThreat", "DraftRisk", "Draft",
           "clean_text", "clean_name"]

INTERNET = "Internet"
INTERNET_CLIENT = "Internet Client"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_NL = re.compile(r"[\x00-\x09\x0a-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")


def clean_text(text: str, multiline: bool = False) -> str:
    """Input text as model text: control characters (which the model language refuses, as they
    could forge terminal or CI output) become spaces; newlines stay only in free text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return (_CONTROL if multiline else _CONTROL_NL).sub(" ", text).strip()


def clean_name(text: str) -> str:
    """A name the Markdown form can hold: one line, no `**`, no trailing colon."""
    name = _SPACES.sub(" ", clean_text(text)).replace("**", "*").strip()
    while name.endswith(":"):
        name = name[:-1].rstrip()
    return name


@dataclass(eq=False)
class DraftItem:
    name: str
    source: SourceSpan  # where in the input this item was written
    label: str  # what it was in the input, for the report: "service 'web'"
    attrs: dict[str, Value] = field(default_factory=dict)  # canonical model-language keys


@dataclass(eq=False)
class DraftBoundary(DraftItem):
    parent: str | None = None  # name of the enclosing boundary
    aliases: tuple[str, ...] = ()  # other names the input gives it (drift matches on them)


@dataclass(eq=False)
class DraftElement(DraftItem):
    kind: str = "server"  # actor | server | process | datastore | external
    boundary: str | None = None
    aliases: tuple[str, ...] = ()
    deployed: bool = True  # False: stands for something outside the deployment (the Internet)


@dataclass(eq=False)
class DraftData(DraftItem):
    pass


@dataclass(eq=False)
class DraftFlow(DraftItem):
    src: str = ""
    dst: str = ""


@dataclass(eq=False)
class DraftThreat(DraftItem):
    target: str = ""


@dataclass
class DraftRisk:
    """A decision about threats for the risk file (docs/ci.md), e.g. from Threagile's risk_tracking."""

    source: SourceSpan
    label: str
    status: str  # accepted | mitigated | false-positive | in-progress
    justification: str
    rule: str | None = None  # glob on tmlogic rule ids
    target: str | None = None  # glob on a target id or name
    owner: str | None = None
    ticket: str | None = None


@dataclass
class Draft:
    format: str  # the importer's name: "compose", "otm"...
    title: str | None = None
    description: str | None = None
    boundaries: list[DraftBoundary] = field(default_factory=list)
    elements: list[DraftElement] = field(default_factory=list)
    data: list[DraftData] = field(default_factory=list)
    flows: list[DraftFlow] = field(default_factory=list)
    threats: list[DraftThreat] = field(default_factory=list)
    risks: list[DraftRisk] = field(default_factory=list)
    # True when the input lists every connection (so a modelled flow it lacks is drift);
    # docker-compose does not (any container may call any other on its networks).
    flows_complete: bool = False
    renamed: list[tuple[DraftItem, str]] = field(default_factory=list)  # (item, name it asked for)
    _slugs: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def unique(self, group: str, wanted: str) -> str:
        """A name no other item of the group has (nor one with the same slug)."""
        taken = self._slugs.setdefault(group, set())
        base = clean_name(wanted) or group
        name, n = base, 2
        while (slug(name) or name) in taken:
            name, n = f"{base} ({n})", n + 1
        taken.add(slug(name) or name)
        return name

    def _named(self, group: str, item: DraftItem) -> None:
        wanted = item.name
        item.name = self.unique(group, wanted)
        if item.name != clean_name(wanted):
            self.renamed.append((item, wanted))

    def add_boundary(self, item: DraftBoundary) -> DraftBoundary:
        self._named("boundary", item)
        self.boundaries.append(item)
        return item

    def add_element(self, item: DraftElement) -> DraftElement:
        self._named("element", item)
        self.elements.append(item)
        return item

    def add_data(self, item: DraftData) -> DraftData:
        self._named("data", item)
        self.data.append(item)
        return item

    def add_flow(self, item: DraftFlow) -> DraftFlow:
        self._named("flow", item)
        self.flows.append(item)
        return item

    def add_threat(self, item: DraftThreat) -> DraftThreat:
        # Threat names repeat across targets ("Spoofing" on two elements), and on one target when
        # the input gives each its own id: the model keeps them apart by (target, id or name).
        key = item.attrs.get("id")
        self._named(f"threat:{item.target}:{key}" if key else f"threat:{item.target}", item)
        self.threats.append(item)
        return item

    def internet_client(self, span: SourceSpan, why: str) -> DraftElement:
        """The stand-in for clients on the Internet (an actor in an untrusted `Internet` boundary),
        made once, when something is exposed; drift never looks for it in the deployment."""
        found = next((e for e in self.elements if e.name == INTERNET_CLIENT and not e.deployed), None)
        if found is None:
            zone = self.add_boundary(DraftBoundary(INTERNET, span, f"the Internet ({why})", {"is_trusted": False}))
            found = self.add_element(DraftElement(INTERNET_CLIENT, span, f"clients from the Internet ({why})",
                                                  kind="actor", boundary=zone.name, deployed=False))
        return found

    def element(self, name: str) -> DraftElement | None:
        return next((e for e in self.elements if e.name == name), None)

    def has_flow(self, src: str, dst: str, protocol: Value = None) -> bool:
        return any(f.src == src and f.dst == dst and (protocol is None or f.attrs.get("protocol") == protocol)
                   for f in self.flows)

    def counts(self) -> dict[str, int]:
        return {"boundaries": len(self.boundaries), "elements": len(self.elements), "data": len(self.data),
                "flows": len(self.flows), "threats": len(self.threats)}
