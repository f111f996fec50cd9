"""DOT for one model file: boundaries as nested clusters, elements shaped by kind and type,
flows styled by the model's Protocol Styles, threatened elements and flows outlined in the
colour of their worst severity, and a legend.

Graphviz node names are synthetic (`e0`, `f3`, `b1`) and every drawn object gets an explicit
`id` (with a caller-chosen prefix, so several diagrams can share one HTML page); `Diagram.ids`
maps those ids back to model ids. Text from the model only ever reaches Graphviz inside
HTML-like labels (entity-escaped) or escString attributes (quote- and backslash-escaped).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from ..model.schema import (
    Attribute,
    Boundary,
    Dataflow,
    Element,
    Model,
    ProtocolStyle,
    Value,
)
from ..model.vocabulary import canonical_protocol
from ..records import field, record
from ..result import Threat
from ..severity import LEVELS, level_rank
from .palette import KIND_FILLS, SEVERITY_COLOURS, TRUST_COLOURS, safe_colour, shape_for

__all__ = ["Diagram", "TargetMark", "build_diagram", "target_marks"]

FONT = "Helvetica"
_MUTED = "#546e7a"
_LINE_STYLES = {"solid", "dashed", "dotted", "bold"}


@record(frozen=True)
class TargetMark:
    """The active threats on one element, flow or boundary: how many, and the worst level."""

    level: str
    count: int


@record(frozen=True)
class Diagram:
    dot: str
    ids: dict[str, str] = field(default_factory=dict)  # SVG id -> model id (element, flow, boundary)
    submodels: dict[str, str] = field(default_factory=dict)  # SVG id of a parent element -> submodel path


def target_marks(threats: Iterable[Threat]) -> dict[str, TargetMark]:
    """Worst level and count of the active (not accepted) threats, per target id."""
    marks: dict[str, TargetMark] = {}
    for t in threats:
        if t.suppression is not None:
            continue
        for target in dict.fromkeys(t.targets):
            old = marks.get(target)
            level = t.severity.level
            if old is not None and level_rank(old.level) > level_rank(level):
                level = old.level
            marks[target] = TargetMark(level, (old.count if old else 0) + 1)
    return marks


def _merge(marks: Iterable[TargetMark]) -> TargetMark | None:
    out: TargetMark | None = None
    for m in marks:
        if out is None:
            out = m
        else:
            worst = m.level if level_rank(m.level) > level_rank(out.level) else out.level
            out = TargetMark(worst, out.count + m.count)
    return out


def _esc(text: str) -> str:
    """A DOT escString in double quotes, one line. Graphviz expands escapes in some attributes
    (tooltips) twice, so no backslash survives both passes: it becomes U+29F5 (reverse solidus
    operator), which looks the same; quotes are escaped."""
    flat = " ".join(text.split()).replace("\\", "\u29f5")
    return '"' + flat.replace('"', '\\"') + '"'


def _h(text: str) -> str:
    """Text for an HTML-like label: entity-escaped, one line, backslashes doubled (Graphviz
    expands \\N, \\G, \\L... in HTML labels too)."""
    return html.escape(" ".join(text.split()), quote=True).replace("\\", "\\\\")


def _attrs(pairs: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in pairs.items())


def _attr(attrs: tuple[Attribute, ...], key: str) -> Value:
    for a in attrs:
        if a.key == key:
            return a.value
    return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _mark_line(mark: TargetMark | None, inside: TargetMark | None) -> str:
    parts = []
    if mark is not None:
        parts.append(f'<FONT COLOR="{SEVERITY_COLOURS[mark.level]}">{_plural(mark.count, "threat")}'
                     f" ({mark.level})</FONT>")
    if inside is not None:
        parts.append(f'<FONT COLOR="{SEVERITY_COLOURS[inside.level]}">{inside.count} inside ({inside.level})</FONT>')
    return '<BR/><FONT POINT-SIZE="8">' + " | ".join(parts) + "</FONT>" if parts else ""


class _Builder:
    def __init__(self, model: Model, marks: dict[str, TargetMark], prefix: str, legend: bool, title: str | None) -> None:
        self.model = model
        self.title = title or model.title or model.path.replace("\\", "/").rsplit("/", 1)[-1]
        self.marks = marks
        self.prefix = prefix
        self.legend = legend
        self.lines: list[str] = []
        self.ids: dict[str, str] = {}
        self.submodels: dict[str, str] = {}
        self.node_of: dict[str, str] = {}
        self.zone_of: dict[str, str | None] = {}  # element id -> the boundary it is drawn in (None: outside all)
        self.styles: dict[str, ProtocolStyle] = {canonical_protocol(s.protocol): s for s in model.protocol_styles}
        self.used_protocols: dict[str, tuple[str, str]] = {}
        self.used_levels: set[str] = set()

    def sid(self, local: str, model_id: str | None) -> str:
        full = f"{self.prefix}{local}"
        if model_id is not None:
            self.ids[full] = model_id
        return full

    # -- elements --------------------------------------------------------------------------

    def inside_mark(self, element: Element) -> TargetMark | None:
        for parent, sub in self.model.submodels:
            if parent == element.id:
                ids = {i.id for m in sub.all_models() for g in (m.elements, m.flows, m.boundaries, m.data) for i in g}
                return _merge(self.marks[i] for i in sorted(ids) if i in self.marks)
        return None

    def element(self, e: Element, index: int, indent: str) -> None:
        name = f"e{index}"
        self.node_of[e.id] = name
        sid = self.sid(name, e.id)
        mark = self.marks.get(e.id)
        inside = self.inside_mark(e) if e.submodel else None
        shape = "folder" if e.submodel else shape_for(e.kind, e.type)
        colour = safe_colour(_attr(e.attrs, "color"))
        filled = _attr(e.attrs, "is_filled") is not False
        kind_text = e.kind + (f" | {e.type}" if e.type else "")
        if e.submodel:
            kind_text += " | submodel"
        label = (f"<<B>{_h(e.name)}</B><BR/><FONT POINT-SIZE=\"8\" COLOR=\"{_MUTED}\">{_h(kind_text)}</FONT>"
                 f"{_mark_line(mark, inside)}>")
        tip = f"{e.name} ({kind_text})"
        if mark:
            tip += f": {_plural(mark.count, 'threat')}, worst {mark.level}"
        attrs = {
            "id": _esc(sid),
            "shape": shape,
            "label": label,
            "tooltip": _esc(tip),
            "class": _esc("element" + (f" sev-{mark.level}" if mark else "") + (" has-submodel" if e.submodel else "")),
            "fillcolor": _esc((colour or KIND_FILLS.get(e.kind, "#ffffff")) if filled else "white"),
        }
        if e.kind == "external":
            attrs["style"] = '"filled,dashed"'
        elif e.kind == "actor":
            attrs["style"] = '"filled,rounded"' if shape == "box" else "filled"
        if mark:
            attrs["color"] = _esc(SEVERITY_COLOURS[mark.level])
            attrs["penwidth"] = "3"
            self.used_levels.add(mark.level)
        if inside:
            self.used_levels.add(inside.level)
        if e.submodel:
            self.submodels[sid] = e.submodel
        self.lines.append(f"{indent}{name} [{_attrs(attrs)}];")

    # -- boundaries ------------------------------------------------------------------------

    def mark_note(self, mark: TargetMark | None) -> str:
        """The "N threats (level)" line under a zone's or flow's label, in its severity colour."""
        if mark is None:
            return ""
        self.used_levels.add(mark.level)
        return (f'<BR/><FONT POINT-SIZE="8" COLOR="{SEVERITY_COLOURS[mark.level]}">'
                f"{_plural(mark.count, 'threat')} ({mark.level})</FONT>")

    def boundary(self, b: Boundary, index: dict[str, int], children: dict[str | None, list[Boundary]],
                 members: dict[str | None, list[tuple[int, Element]]], depth: int) -> None:
        indent = "  " * depth
        name = f"cluster_b{index[b.id]}"
        sid = self.sid(f"b{index[b.id]}", b.id)
        mark = self.marks.get(b.id)
        colour = safe_colour(_attr(b.attrs, "color"))
        filled_attr = _attr(b.attrs, "is_filled")
        filled = filled_attr is True or (colour is not None and filled_attr is not False)
        style = ["rounded"]
        if filled:
            style.append("filled")
        line = _attr(b.attrs, "line_style")
        if isinstance(line, str) and line in _LINE_STYLES and line != "solid":
            style.append(line)
        elif not b.trusted and line is None:
            style.append("dashed")
        trust = "trusted" if b.trusted else "untrusted"
        label = f'<<B>{_h(b.name)}</B> <FONT POINT-SIZE="9" COLOR="{TRUST_COLOURS[b.trusted]}">({trust})</FONT>'
        label += self.mark_note(mark) + ">"
        attrs = {
            "id": _esc(sid),
            "label": label,
            "style": _esc(",".join(style)),
            "color": _esc(SEVERITY_COLOURS[mark.level] if mark else TRUST_COLOURS[b.trusted]),
            "penwidth": "3" if mark else "1.5",
            "fillcolor": _esc(colour or "#fafafa"),
            "class": _esc(f"boundary {trust}" + (f" sev-{mark.level}" if mark else "")),
            "tooltip": _esc(f"{b.name} ({trust} zone)"),
            "labeljust": "l",
        }
        self.lines.append(f"{indent}subgraph {name} {{")
        for k, v in attrs.items():
            self.lines.append(f"{indent}  {k}={v};")
        for child in children.get(b.id, []):
            self.boundary(child, index, children, members, depth + 1)
        for i, e in members.get(b.id, []):
            self.element(e, i, indent + "  ")
        self.lines.append(f"{indent}}}")

    # -- flows -----------------------------------------------------------------------------

    def label_attribute(self, f: Dataflow) -> str:
        """`label` for a flow inside one zone, `xlabel` for a flow between zones.

        dot lays out a label as a node of its own between the edge's two ranks, and ranks each
        cluster on its own: an edge between two clusters is only pulled towards a forward
        direction, so it can end with both ends in one rank. A label on such a flat edge between
        clusters is a position problem dot cannot solve ("trouble in init_rank", then "lost e1 e2
        edge"; Graphviz 2.42 and graphviz-pure alike, docs/outputs.md). An xlabel is placed after
        the layout and takes no part in it. A flow inside one zone (or between two elements outside
        every zone) is ranked as an ordinary edge, never flat, and keeps its label."""
        return "label" if self.zone_of[f.source] == self.zone_of[f.target] else "xlabel"

    def flow(self, f: Dataflow, index: int) -> None:
        src, dst = self.node_of.get(f.source), self.node_of.get(f.target)
        if src is None or dst is None:
            return
        sid = self.sid(f"f{index}", f.id)
        mark = self.marks.get(f.id)
        protocol = canonical_protocol(f.protocol) if f.protocol else None
        style = self.styles.get(protocol) if protocol else None
        colour = safe_colour(_attr(f.attrs, "color")) or (safe_colour(_attr(style.attrs, "color")) if style else None)
        line = _attr(f.attrs, "line_style") or (_attr(style.attrs, "line_style") if style else None)
        width = _attr(style.attrs, "width") if style else None
        text = f.protocol or f.name
        tip = f"{f.name}: {f.protocol or 'no protocol'}"
        if mark:
            tip += f"; {_plural(mark.count, 'threat')}, worst {mark.level}"
        label = f"<{_h(text)}"
        label += self.mark_note(mark) + ">"
        attrs = {
            "id": _esc(sid),
            self.label_attribute(f): label,
            "tooltip": _esc(tip),
            "labeltooltip": _esc(tip),
            "class": _esc("flow" + (f" sev-{mark.level}" if mark else "")),
        }
        if mark:
            attrs["color"] = _esc(SEVERITY_COLOURS[mark.level])
            attrs["fontcolor"] = _esc(SEVERITY_COLOURS[mark.level])
            attrs["penwidth"] = "2.5"
        elif colour:
            attrs["color"] = _esc(colour)
        if isinstance(line, str) and line in _LINE_STYLES:
            attrs["style"] = line
        if not mark and isinstance(width, (int, float)) and not isinstance(width, bool) and 0 < width <= 10:
            attrs["penwidth"] = f"{float(width):g}"
        if _attr(f.attrs, "bidirectional") is True:
            attrs["dir"] = "both"
        if style is not None and protocol and protocol not in self.used_protocols:
            self.used_protocols[protocol] = (colour or "#455a64", line if isinstance(line, str) else "solid")
        self.lines.append(f"  {src} -> {dst} [{_attrs(attrs)}];")

    # -- legend ----------------------------------------------------------------------------

    def legend_node(self) -> None:
        """One table, in the last rank: the severities drawn, trust zones, and styled protocols."""
        rows = ['<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Legend</B></TD></TR>']
        for level in reversed(LEVELS):
            if level in self.used_levels:
                rows.append(f'<TR><TD BGCOLOR="{SEVERITY_COLOURS[level]}" WIDTH="18" HEIGHT="10"></TD>'
                            f'<TD ALIGN="LEFT">worst threat: {level}</TD></TR>')
        if any(not b.trusted for b in self.model.boundaries):
            rows.append(f'<TR><TD BORDER="1" COLOR="{TRUST_COLOURS[False]}" STYLE="dashed"></TD>'
                        '<TD ALIGN="LEFT">untrusted zone</TD></TR>')
        if any(b.trusted for b in self.model.boundaries):
            rows.append(f'<TR><TD BORDER="1" COLOR="{TRUST_COLOURS[True]}"></TD><TD ALIGN="LEFT">trusted zone</TD></TR>')
        if self.submodels:
            rows.append('<TR><TD>[+]</TD><TD ALIGN="LEFT">folder: has a submodel</TD></TR>')
        for protocol, (colour, line) in sorted(self.used_protocols.items()):
            style = "" if line in ("solid", "bold") else f' <FONT COLOR="{_MUTED}">({_h(line)})</FONT>'
            rows.append(f'<TR><TD BGCOLOR="{_h(colour)}" WIDTH="18" HEIGHT="3"></TD>'
                        f'<TD ALIGN="LEFT">{_h(protocol)}{style}</TD></TR>')
        table = (f'<<TABLE BORDER="1" COLOR="#b0bec5" STYLE="rounded" CELLBORDER="0" CELLSPACING="3" '
                 f'CELLPADDING="1">{"".join(rows)}</TABLE>>')
        self.lines.append(f"  legend [shape=plaintext, style=\"\", fontsize=9, id={_esc(self.prefix + 'legend')}, "
                          f'class="legend", label={table}];')
        self.lines.append("  { rank=sink; legend; }")

    # -- the graph -------------------------------------------------------------------------

    def build(self) -> Diagram:
        m = self.model
        boundary_index = {b.id: i for i, b in enumerate(m.boundaries)}
        children: dict[str | None, list[Boundary]] = {}
        for b in m.boundaries:
            parent = b.parent if b.parent in boundary_index else None
            children.setdefault(parent, []).append(b)
        members: dict[str | None, list[tuple[int, Element]]] = {}
        for i, e in enumerate(m.elements):
            where = e.boundary if e.boundary in boundary_index else None
            members.setdefault(where, []).append((i, e))
            self.zone_of[e.id] = where
        title = self.title
        self.lines += [
            "digraph tmlogic {",
            f"  id={_esc(self.sid('graph', None))};",
            (f'  graph [rankdir=LR, fontname="{FONT}", fontsize=11, nodesep=0.3, ranksep=0.55, pad=0.2, '
             f'labelloc=t, label=<<B>{_h(title)}</B>>, fontcolor="#263238", bgcolor="white"];'),
            f'  node [fontname="{FONT}", fontsize=10, style=filled, color="#37474f", margin="0.12,0.05"];',
            f'  edge [fontname="{FONT}", fontsize=8, color="#455a64", fontcolor="#37474f", arrowsize=0.7];',
        ]
        for b in children.get(None, []):
            self.boundary(b, boundary_index, children, members, 1)
        for i, e in members.get(None, []):
            self.element(e, i, "  ")
        for i, f in enumerate(m.flows):
            self.flow(f, i)
        if self.legend:
            self.legend_node()
        self.lines.append("}")
        return Diagram("\n".join(self.lines) + "\n", self.ids, self.submodels)


def build_diagram(model: Model, threats: Iterable[Threat] = (), *, prefix: str = "", legend: bool = True,
                  title: str | None = None) -> Diagram:
    """The DOT of one model file (its submodels are drawn as single elements that open them)."""
    return _Builder(model, target_marks(threats), prefix, legend, title).build()
