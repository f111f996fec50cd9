"""OWASP Threat Dragon v2 JSON -> a draft model, and a Model -> Threat Dragon v2 JSON.

Import:
    tm.Actor / tm.Process / tm.Store   actor / process / datastore, with their flags (isALog ->
                                       stores_logs, storesCredentials, isEncrypted, isWebApplication -> type)
    tm.Flow                            flows (protocol, isEncrypted, isPublicNetwork -> is_public,
                                       isBidirectional); a flow with a loose end is reported
    tm.BoundaryBox                     boundaries holding the elements whose centre lies inside them,
                                       nested by containment; trusted unless named like Internet,
                                       Public, External, DMZ or Untrusted (reported: Threat Dragon has no
                                       trust flag)
    tm.Boundary (curve)                reported with the flows that cross it: a line contains nothing,
                                       so it cannot become a zone
    tm.Text                            the model's description
    threats on any cell                hand-written threats: type -> STRIDE (CIA, LINDDUN and DIE types
                                       to the nearest category, reported), severity, status, mitigation

Several diagrams go into one model (names made unique). Layout (positions, sizes, colours, ports)
has no meaning for the model and is reported once.

Export draws the model as one STRIDE diagram: each boundary a box sized to hold its elements
and nested boxes, flows between the cells, hand-written threats on their cells.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from ..model.schema import Attribute, Model, Value
from ..typing_runtime import Any
from .base import Fields, ImportContext
from .draft import Draft, DraftBoundary, DraftElement, DraftFlow, DraftThreat, clean_text
from .located import Mapping, Scalar

__all__ = ["read", "export", "TD_VERSION"]

TD_VERSION = "2.3.0"
_KINDS = {"tm.Actor": "actor", "tm.Process": "process", "tm.Store": "datastore"}
_SHAPES = {"actor": ("actor", "tm.Actor"), "process": ("process", "tm.Process"), "server": ("process", "tm.Process"),
           "datastore": ("store", "tm.Store"), "external": ("actor", "tm.Actor")}
_UNTRUSTED = re.compile(r"\b(internet|public|external|dmz|untrusted|outside|wan|cloud\s*edge)\b", re.IGNORECASE)
_STRIDE = {"spoofing": "Spoofing", "tampering": "Tampering", "repudiation": "Repudiation",
           "informationdisclosure": "InformationDisclosure", "denialofservice": "DenialOfService",
           "elevationofprivilege": "ElevationOfPrivilege"}
_NEAREST = {  # other methodologies' categories -> the nearest STRIDE one
    "confidentiality": "InformationDisclosure", "integrity": "Tampering", "availability": "DenialOfService",
    "linkability": "InformationDisclosure", "identifiability": "InformationDisclosure",
    "nonrepudiation": "Repudiation", "detectability": "InformationDisclosure",
    "disclosureofinformation": "InformationDisclosure", "unawareness": "InformationDisclosure",
    "noncompliance": "Repudiation", "distributed": "DenialOfService", "immutable": "Tampering",
    "ephemeral": "DenialOfService",
}
_STATUS = {"open": "open", "mitigated": "mitigated", "na": "not-applicable", "n/a": "not-applicable",
           "notapplicable": "not-applicable", "accepted": "accepted"}
_STATUS_NEAR = {"transferred": "accepted", "avoided": "mitigated", "eliminated": "mitigated"}
_SEVERITY = {"low": "low", "medium": "medium", "high": "high", "critical": "critical"}
_SNAP = 30.0  # pixels
_LAYOUT = ("position", "size", "attrs", "visible", "zIndex", "ports", "vertices", "labels", "connector", "width",
           "height", "router", "markup", "tools", "angle", "parent", "children")
_LAYOUT_REASON = "diagram layout (positions, sizes, styles, ports): no meaning for the model"


def _fold(text: str) -> str:
    return re.sub(r"[\s_/-]+", "", text).lower()


class _Box:
    def __init__(self, x: float, y: float, w: float, h: float) -> None:
        self.x, self.y, self.w, self.h = x, y, w, h

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h

    def inside(self, other: "_Box") -> bool:
        return other.contains(self.x, self.y) and other.contains(self.x + self.w, self.y + self.h) and \
            other.w * other.h > self.w * self.h

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


def _box(cell: Mapping) -> _Box | None:
    pos, size = cell.get("position"), cell.get("size")
    if not isinstance(pos, Mapping) or not isinstance(size, Mapping):
        return None
    try:
        return _Box(*(float(n.value) for n in (pos.get("x"), pos.get("y"), size.get("width"), size.get("height"))
                      if isinstance(n, Scalar) and isinstance(n.value, (int, float))))
    except TypeError:
        return None


def _crosses(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float], d: tuple[float, float]) -> bool:
    def side(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _point(node: Any) -> tuple[float, float] | None:
    if isinstance(node, Mapping):
        x, y = node.get("x"), node.get("y")
        if isinstance(x, Scalar) and isinstance(y, Scalar) and isinstance(x.value, (int, float)) \
                and isinstance(y.value, (int, float)):
            return float(x.value), float(y.value)
    return None


class _Reader:
    def __init__(self, ctx: ImportContext, path: Path) -> None:
        self.ctx = ctx
        self.path = path
        self.draft = Draft("threat-dragon")
        self.by_cell: dict[str, str] = {}  # cell id -> element name
        self.boxes: dict[str, _Box] = {}  # element name -> its box
        self.centres: dict[str, tuple[float, float]] = {}
        self.notes: list[str] = []

    def read(self) -> Draft:
        root = self.ctx.json(self.path)
        doc = self.ctx.mapping(root, "a Threat Dragon model", root.span, "a Threat Dragon model has summary and detail")
        top = self.ctx.fields(doc, "Threat Dragon model")
        detail = top.mapping("detail")
        summary = top.mapping("summary")
        if detail is None or summary is None:
            self.ctx.fail(doc.span, "this is not a Threat Dragon v2 model (no summary and detail)",
                          "give a model saved by Threat Dragon 2 (a v1 model: open and save it in Threat Dragon 2)")
        version = top.text("version") or ""
        if version and not version.startswith("2"):
            self.ctx.fail(top.where("version"), f"Threat Dragon model version {version} is not supported",
                          "open and save it in Threat Dragon 2")
        sf = self.ctx.fields(summary, "summary")
        self.draft.title = sf.text("title")
        description = sf.text("description")
        if description:
            self.notes.append(description)
        sf.get("id")
        sf.unmapped("owner", "the model owner has no place in a model")
        sf.done()
        df = self.ctx.fields(detail, "detail")
        for key in ("contributors", "reviewer"):
            df.unmapped(key, "people involved in the review have no place in a model")
        df.drop("Threat Dragon's counters (next diagram and threat numbers)", "diagramTop", "threatTop")
        diagrams = df.sequence("diagrams")
        for diagram in diagrams or ():
            self.diagram(self.ctx.mapping(diagram, "a diagram", diagram.span))
        df.done()
        top.done()
        self.draft.description = "\n\n".join(n for n in self.notes if n) or None
        return self.draft

    def diagram(self, node: Mapping) -> None:
        f = self.ctx.fields(node, "diagram")
        title = f.text("title")
        if title:
            self.notes.append(f"Diagram: {title}" + (f". {f.text('description')}" if f.text("description") else ""))
        f.get("description")
        kind = f.text("diagramType")
        f.drop("diagram metadata (id, version, thumbnail, placeholder)", "id", "version", "thumbnail", "placeholder")
        cells = [self.ctx.mapping(c, "a cell", c.span) for c in f.sequence("cells") or ()]
        f.done()
        _ = kind
        boxes: list[tuple[Mapping, _Box]] = []
        curves: list[Mapping] = []
        flows: list[Mapping] = []
        for cell in cells:
            ctype = self.cell_type(cell)
            if ctype in _KINDS:
                self.element(cell, _KINDS[ctype])
            elif ctype == "tm.BoundaryBox":
                box = _box(cell)
                if box is None:
                    self.ctx.fail(cell.span, "a trust-boundary box without a position and size",
                                  "save the diagram again in Threat Dragon")
                boxes.append((cell, box))
            elif ctype == "tm.Boundary":
                curves.append(cell)
            elif ctype == "tm.Flow":
                flows.append(cell)
            elif ctype == "tm.Text":
                text = self.label(cell)
                if text:
                    self.notes.append(text)
                self.ctx.report.map("text block", cell.span, "the model's description")
                self.drop_cell(cell, ("data", "shape", "id"))
            else:
                self.ctx.report.skip(f"cell of type '{ctype}'", cell.span, "not a Threat Dragon element this importer knows")
        self.boundaries(boxes)
        for cell in flows:
            self.flow(cell)
        for cell in curves:
            self.curve(cell, flows)

    def cell_type(self, cell: Mapping) -> str:
        data = cell.get("data")
        if isinstance(data, Mapping) and isinstance(data.get("type"), Scalar):
            return str(data.get("type").value)  # type: ignore[union-attr]
        shape = cell.get("shape")
        by_shape = {"actor": "tm.Actor", "process": "tm.Process", "store": "tm.Store", "flow": "tm.Flow",
                    "trust-boundary-box": "tm.BoundaryBox", "trust-boundary-curve": "tm.Boundary",
                    "td-text-block": "tm.Text"}
        return by_shape.get(str(shape.value) if isinstance(shape, Scalar) else "", "unknown")

    def label(self, cell: Mapping) -> str:
        data = cell.get("data")
        name = data.get("name") if isinstance(data, Mapping) else None
        if isinstance(name, Scalar) and name.text().strip():
            return clean_text(name.text(), multiline=True)
        attrs = cell.get("attrs")
        for key in ("text", "label"):
            holder = attrs.get(key) if isinstance(attrs, Mapping) else None
            text = holder.get("text") if isinstance(holder, Mapping) else None
            if isinstance(text, Scalar) and text.text().strip():
                return clean_text(text.text(), multiline=True)
        return ""

    def drop_cell(self, cell: Mapping, used: tuple[str, ...]) -> Fields:
        f = self.ctx.fields(cell, "cell")
        f.get("id"), f.get("shape"), f.get("data"), f.get("source"), f.get("target")
        f.used.update(used)
        f.drop(_LAYOUT_REASON, *_LAYOUT)
        f.done()
        return f

    def data_fields(self, cell: Mapping, what: str, group: str, name: str) -> Fields:
        data = cell.get("data")
        return self.ctx.fields(data if isinstance(data, Mapping) else Mapping({}, cell.span), what, (group, name))

    def common(self, f: Fields, attrs: dict[str, Value]) -> None:
        description = f.text("description")
        if description:
            attrs["description"] = description
        if f.flag("outOfScope"):
            attrs["tags"] = ["out-of-scope"]
            why = f.text("reasonOutOfScope")
            if why:
                attrs["notes"] = f"Out of scope: {why}"
        f.get("reasonOutOfScope")
        f.drop("Threat Dragon's own bookkeeping (type, derived flags)", "type", "isTrustBoundary", "hasOpenThreats",
               "name", "threatFrequency")

    def element(self, cell: Mapping, kind: str) -> None:
        name = self.label(cell).replace("\n", " ") or kind
        cid = str(cell.get("id").value) if isinstance(cell.get("id"), Scalar) else ""  # type: ignore[union-attr]
        what = f"{kind} '{name}'"
        f = self.data_fields(cell, what, f"Threat Dragon {kind}", name)
        attrs: dict[str, Value] = {}
        self.common(f, attrs)
        flags = {"isALog": "stores_logs", "storesCredentials": "stores_credentials", "isEncrypted": "is_encrypted"}
        for key, canon in flags.items():
            value = f.flag(key)
            if value:
                attrs[canon] = True
        if f.flag("isWebApplication"):
            attrs["type"] = "web-application"
        for key, why in (("providesAuthentication", "an actor that provides authentication has no key in the model"),
                         ("handlesCardPayment", "card payment handling has no key (mark the data it carries instead)"),
                         ("handlesGoodsOrServices", "retail handling has no key in the model"),
                         ("privilegeLevel", "the privilege level text has no key in the model"),
                         ("isSigned", "signed storage has no key on elements (flows have is_signed)"),
                         ("storesInventory", "retail inventory has no key in the model")):
            f.unmapped(key, why)
        threats = f.sequence("threats")
        f.done()
        element = self.draft.add_element(DraftElement(name, cell.span, f"{kind} cell {cid}", attrs, kind=kind,
                                                      aliases=(cid,)))
        self.by_cell[cid] = element.name
        box = _box(cell)
        if box is not None:
            self.boxes[element.name] = box
            self.centres[cid] = box.centre
        self.drop_cell(cell, ("data",))
        self.threats(threats, element.name, what)

    def boundaries(self, boxes: list[tuple[Mapping, _Box]]) -> None:
        named: list[tuple[DraftBoundary, _Box]] = []
        for cell, box in boxes:
            name = self.label(cell).replace("\n", " ") or "Trust boundary"
            trusted = not _UNTRUSTED.search(name)
            f = self.data_fields(cell, f"trust boundary '{name}'", "Threat Dragon boundary box", name)
            attrs: dict[str, Value] = {"is_trusted": trusted}
            self.common(f, attrs)
            f.done()
            item = self.draft.add_boundary(DraftBoundary(name, cell.span, f"trust-boundary box '{name}'", attrs))
            self.ctx.report.approximate(f"trust-boundary box '{name}'", cell.span,
                                        f"read as {'trusted' if trusted else 'untrusted'} from its name (Threat Dragon "
                                        "boxes have no trust flag); set is_trusted if that is wrong")
            named.append((item, box))
            self.drop_cell(cell, ("data",))
        for item, box in named:
            around = [(b, o) for b, o in named if b is not item and box.inside(o)]
            if around:
                item.parent = min(around, key=lambda bo: bo[1].w * bo[1].h)[0].name
        for element in self.draft.elements:
            shape = self.boxes.get(element.name)
            if shape is None or element.boundary is not None:
                continue
            cx, cy = shape.centre
            holders = [(b, o) for b, o in named if o.contains(cx, cy)]
            if holders:
                element.boundary = min(holders, key=lambda bo: bo[1].w * bo[1].h)[0].name

    def end(self, cell: Mapping, key: str) -> str | None:
        """The element at this end: the attached cell, or one within _SNAP pixels of a loose end
        (a line dropped just beside a shape; reported)."""
        node = cell.get(key)
        ref = node.get("cell") if isinstance(node, Mapping) else None
        if isinstance(ref, Scalar):
            return self.by_cell.get(ref.text())
        point = _point(node)
        if point is None:
            return None
        near = [(max(b.x - point[0], point[0] - b.x - b.w, b.y - point[1], point[1] - b.y - b.h), name)
                for name, b in self.boxes.items()]
        close = sorted(d for d in near if d[0] <= _SNAP)
        if not close:
            return None
        self.ctx.report.approximate(f"flow '{self.label(cell) or '(unnamed)'}' {key}", node.span if node else cell.span,
                                    f"a loose end {close[0][0]:.0f} px from '{close[0][1]}': attached to it")
        return close[0][1]

    def flow(self, cell: Mapping) -> None:
        src, dst = self.end(cell, "source"), self.end(cell, "target")
        label = self.label(cell).replace("\n", " ")
        if src is None or dst is None:
            self.ctx.report.skip(f"flow '{label or '(unnamed)'}'", cell.span,
                                 "one of its ends is attached to no actor, process or store")
            self.drop_cell(cell, ("data",))
            return
        name = label or f"{src} to {dst}"
        f = self.data_fields(cell, f"flow '{name}'", "Threat Dragon flow", name)
        attrs: dict[str, Value] = {}
        self.common(f, attrs)
        protocol = f.text("protocol")
        if protocol:
            attrs["protocol"] = protocol
        for key, canon in (("isEncrypted", "is_encrypted"), ("isPublicNetwork", "is_public"),
                           ("isBidirectional", "bidirectional")):
            value = f.flag(key)
            if value:
                attrs[canon] = True
        threats = f.sequence("threats")
        f.done()
        flow = self.draft.add_flow(DraftFlow(name, cell.span, f"flow cell {cell.get('id').text() if isinstance(cell.get('id'), Scalar) else ''}",  # type: ignore[union-attr]
                                             attrs, src=src, dst=dst))
        self.drop_cell(cell, ("data",))
        self.threats(threats, flow.name, f"flow '{name}'")

    def curve(self, cell: Mapping, flows: list[Mapping]) -> None:
        points = [p for p in [_point(cell.get("source"))] + [_point(v) for v in (cell.get("vertices") or ())]  # type: ignore[union-attr]
                  + [_point(cell.get("target"))] if p is not None]
        crossing = []
        for fl in flows:
            a, b = (fl.get("source"), fl.get("target"))
            ca = self.centres.get(a.get("cell").text()) if isinstance(a, Mapping) and isinstance(a.get("cell"), Scalar) else None  # type: ignore[union-attr]
            cb = self.centres.get(b.get("cell").text()) if isinstance(b, Mapping) and isinstance(b.get("cell"), Scalar) else None  # type: ignore[union-attr]
            if ca is None or cb is None:
                continue
            if any(_crosses(ca, cb, p, q) for p, q in zip(points, points[1:])):
                label = self.label(fl).replace("\n", " ")
                crossing.append(label or "(unnamed)")
        name = self.label(cell) or "(unnamed)"
        self.ctx.report.approximate(f"trust-boundary curve '{name}'", cell.span,
                                    "no boundary made: a curve contains nothing; "
                                    + (f"crossed by {', '.join(crossing)}; " if crossing else "")
                                    + "draw a trust-boundary box around the trusted side")
        self.drop_cell(cell, ("data",))

    def threats(self, node: Any, target: str, owner: str) -> None:
        for item in node or ():
            t = self.ctx.mapping(item, f"a threat of {owner}", item.span)
            f = self.ctx.fields(t, f"threat of {owner}", ("Threat Dragon threat", owner))
            title = f.text("title") or "Threat"
            what = f"threat '{title}' of {owner}"
            attrs: dict[str, Value] = {}
            kind = f.text("type") or ""
            stride = _STRIDE.get(_fold(kind))
            if stride is None:
                stride = _NEAREST.get(_fold(kind), "Tampering")
                self.ctx.report.approximate(what, t.span, f"{f.text('modelType') or 'its'} category '{kind}' filed "
                                                          f"under {stride}, the nearest STRIDE category")
            attrs["stride"] = stride
            f.get("modelType")
            severity = (f.text("severity") or "").lower()
            attrs["severity"] = _SEVERITY.get(severity, "medium")
            if severity not in _SEVERITY:
                self.ctx.report.approximate(what, t.span, f"severity '{severity or 'none'}' read as medium")
            status = (f.text("status") or "open")
            mapped = _STATUS.get(_fold(status))
            if mapped is None:
                mapped = _STATUS_NEAR.get(_fold(status), "open")
                self.ctx.report.approximate(what, t.span, f"status '{status}' read as {mapped}")
            attrs["status"] = mapped
            for key in ("description", "mitigation"):
                text = f.text(key)
                if text:
                    attrs[key] = text
            ident = f.text("id") or f.text("threatId")
            if ident:
                attrs["id"] = ident
            f.get("number")
            f.drop("Threat Dragon's own bookkeeping (type, derived flags)", "new")
            score = f.text("score")
            if score:
                attrs["notes"] = f"Threat Dragon score: {score}"
            f.done()
            self.draft.add_threat(DraftThreat(title, t.span, what, attrs, target=target))


def read(sources: list[Path], ctx: ImportContext) -> Draft:
    return _Reader(ctx, sources[0]).read()


# -- export -------------------------------------------------------------------------------------

_W, _H, _GAP, _PAD, _PER_ROW = 160, 80, 60, 40, 4
_NS = uuid.UUID("6f1c4bde-8a4e-4a7e-9f55-1b7f0d3c2a90")


def _attr(attrs: tuple[Attribute, ...], key: str) -> Value:
    return next((a.value for a in attrs if a.key == key), None)


class _Layout:
    """Boxes for boundaries, sized to hold their elements (rows of four) and their child boxes."""

    def __init__(self, model: Model) -> None:
        self.elements = [e for m in model.all_models() for e in m.elements]
        self.boundaries = [b for m in model.all_models() for b in m.boundaries]
        self.pos: dict[str, tuple[float, float, float, float]] = {}

    def size(self, bid: str | None) -> tuple[float, float]:
        members = [e for e in self.elements if e.boundary == bid]
        children = [b for b in self.boundaries if b.parent == bid]
        cols = min(len(members), _PER_ROW)
        rows = (len(members) + _PER_ROW - 1) // _PER_ROW
        width: float = cols * _W + max(0, cols - 1) * _GAP
        height: float = rows * _H + max(0, rows - 1) * _GAP
        child_sizes = [self.size(c.id) for c in children]
        if child_sizes:
            width = max(width, sum(w for w, _ in child_sizes) + _GAP * (len(child_sizes) - 1))
            height += (_GAP if members else 0) + max(h for _, h in child_sizes)
        pad = _PAD if bid is not None else 0
        return width + 2 * pad, height + 2 * pad + (20 if bid is not None else 0)

    def place(self, bid: str | None, x: float, y: float) -> None:
        w, h = self.size(bid)
        if bid is not None:
            self.pos[bid] = (x, y, w, h)
            x, y = x + _PAD, y + _PAD + 20
        members = [e for e in self.elements if e.boundary == bid]
        for i, e in enumerate(members):
            self.pos[e.id] = (x + (i % _PER_ROW) * (_W + _GAP), y + (i // _PER_ROW) * (_H + _GAP), _W, _H)
        rows = (len(members) + _PER_ROW - 1) // _PER_ROW
        cy = y + rows * _H + max(0, rows - 1) * _GAP + (_GAP if members else 0)
        cx = x
        for child in (b for b in self.boundaries if b.parent == bid):
            self.place(child.id, cx, cy)
            cx += self.size(child.id)[0] + _GAP


def _scope(attrs: tuple[Attribute, ...]) -> dict[str, Any]:
    tags = _attr(attrs, "tags")
    out = isinstance(tags, list) and "out-of-scope" in tags
    notes = str(_attr(attrs, "notes") or "")
    return {"outOfScope": out, "reasonOutOfScope": notes.removeprefix("Out of scope: ") if out else ""}


def _cell_id(ident: str) -> str:
    return str(uuid.uuid5(_NS, ident))


def _td_threats(model: Model, target: str) -> list[dict[str, Any]]:
    names = {"Spoofing": "Spoofing", "Tampering": "Tampering", "Repudiation": "Repudiation",
             "InformationDisclosure": "Information disclosure", "DenialOfService": "Denial of service",
             "ElevationOfPrivilege": "Elevation of privilege"}
    status = {"open": "Open", "mitigated": "Mitigated", "accepted": "Accepted", "not-applicable": "NA"}
    out = []
    for m in model.all_models():
        for t in m.threats:
            if t.target != target:
                continue
            out.append({"id": t.key if len(t.key) > 1 else _cell_id(t.name), "title": t.name,
                        "type": names[t.stride], "modelType": "STRIDE",
                        "severity": {"critical": "Critical", "high": "High", "elevated": "High",
                                     "medium": "Medium", "low": "Low"}[t.severity],
                        "status": status[t.status], "description": t.description or "",
                        "mitigation": t.mitigation or ""})
    return out


def export(model: Model) -> str:
    """The model as a Threat Dragon v2 JSON model with one STRIDE diagram."""
    layout = _Layout(model)
    layout.place(None, 0, 0)
    cells: list[dict[str, Any]] = []
    z = 0
    for b in layout.boundaries:
        x, y, w, h = layout.pos[b.id]
        z += 1
        cells.append({"position": {"x": x, "y": y}, "size": {"width": w, "height": h},
                      "attrs": {"label": {"text": b.name}}, "shape": "trust-boundary-box", "id": _cell_id(b.id),
                      "zIndex": -1, "data": {"type": "tm.BoundaryBox", "name": b.name,
                                             "description": str(_attr(b.attrs, "description") or ""),
                                             "isTrustBoundary": True, "hasOpenThreats": False}})
    for e in layout.elements:
        x, y, w, h = layout.pos[e.id]
        shape, kind = _SHAPES[e.kind]
        threats = _td_threats(model, e.id)
        z += 1
        data: dict[str, Any] = {"type": kind, "name": e.name, "description": str(_attr(e.attrs, "description") or ""),
                                "isTrustBoundary": False, **_scope(e.attrs),
                                "threats": threats, "hasOpenThreats": any(t["status"] == "Open" for t in threats)}
        if kind == "tm.Store":
            data.update({"isALog": _attr(e.attrs, "stores_logs") is True,
                         "storesCredentials": _attr(e.attrs, "stores_credentials") is True,
                         "isEncrypted": _attr(e.attrs, "is_encrypted") is True, "isSigned": False})
        elif kind == "tm.Process":
            data.update({"isWebApplication": (e.type or "").startswith("web"), "handlesCardPayment": False,
                         "handlesGoodsOrServices": False, "privilegeLevel": ""})
        else:
            data["providesAuthentication"] = False
        cells.append({"position": {"x": x, "y": y}, "size": {"width": w, "height": h},
                      "attrs": {"text": {"text": e.name}}, "shape": shape, "id": _cell_id(e.id), "zIndex": z,
                      "data": data})
    for f in (f for m in model.all_models() for f in m.flows):
        threats = _td_threats(model, f.id)
        z += 1
        cells.append({"shape": "flow", "id": _cell_id(f.id), "zIndex": z,
                      "attrs": {"line": {"targetMarker": {"name": "block"},
                                         "sourceMarker": {"name": "block" if _attr(f.attrs, "bidirectional") is True
                                                          else ""}}},
                      "labels": [f.name], "source": {"cell": _cell_id(f.source)}, "target": {"cell": _cell_id(f.target)},
                      "data": {"type": "tm.Flow", "name": f.name, "description": str(_attr(f.attrs, "description") or ""),
                               **_scope(f.attrs), "protocol": f.protocol or "",
                               "isEncrypted": _attr(f.attrs, "is_encrypted") is True,
                               "isPublicNetwork": _attr(f.attrs, "is_public") is True,
                               "isBidirectional": _attr(f.attrs, "bidirectional") is True,
                               "isTrustBoundary": False, "threats": threats,
                               "hasOpenThreats": any(t["status"] == "Open" for t in threats)}})
    title = model.title or Path(model.path).stem
    doc = {"version": TD_VERSION,
           "summary": {"title": title, "owner": "", "description": model.description or "", "id": 0},
           "detail": {"contributors": [], "diagrams": [{
               "id": 0, "title": title, "diagramType": "STRIDE", "placeholder": "", "version": TD_VERSION,
               "thumbnail": "./public/content/images/thumbnail.stride.jpg", "description": "", "cells": cells}],
               "diagramTop": 1, "reviewer": "", "threatTop": sum(len(c["data"].get("threats", [])) for c in cells)}}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
