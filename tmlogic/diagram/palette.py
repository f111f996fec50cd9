"""Colours and shapes shared by the diagrams and the HTML report, so both read the same."""

from __future__ import annotations

import re

__all__ = ["KIND_FILLS", "KIND_SHAPES", "SEVERITY_COLOURS", "TRUST_COLOURS", "TYPE_SHAPES", "safe_colour", "shape_for"]

# Worst severity of the threats on an element or flow -> outline colour (colour-blind friendly ramp).
SEVERITY_COLOURS: dict[str, str] = {
    "critical": "#8e24aa",
    "high": "#d32f2f",
    "elevated": "#ef6c00",
    "medium": "#f9a825",
    "low": "#607d8b",
}

# Border of a trust boundary.
TRUST_COLOURS: dict[bool, str] = {True: "#2e7d32", False: "#c62828"}

# Data-flow-diagram conventions: people and outside systems are boxes, processes ellipses,
# stores cylinders; servers are 3-D boxes unless their type says more.
KIND_SHAPES: dict[str, str] = {
    "actor": "box",
    "external": "box",
    "process": "ellipse",
    "datastore": "cylinder",
    "server": "box3d",
}
KIND_FILLS: dict[str, str] = {
    "actor": "#e3f2fd",
    "external": "#f5f5f5",
    "process": "#fffde7",
    "datastore": "#ede7f6",
    "server": "#ffffff",
}
# Technology types -> shape, by the words in the (normalised) type: the first match wins, so
# "database-server", "sql-database" and "db" are all cylinders.
TYPE_SHAPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("protocol-break",), "doubleoctagon"),
    (("firewall", "waf"), "octagon"),
    (("database", "datastore", "storage", "cache", "db", "bucket"), "cylinder"),
    (("queue", "broker", "kafka", "bus"), "cds"),
    (("load-balancer", "gateway", "proxy"), "hexagon"),
    (("switch", "router"), "parallelogram"),
)

# A colour a model may set: a name (khaki, lightcoral) or #RGB / #RRGGBB / #RRGGBBAA. Anything
# else is ignored rather than passed to Graphviz or CSS.
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,30}[0-9]{0,2})$")
_SHORT_HEX = re.compile(r"^#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])$")


def safe_colour(value: object) -> str | None:
    """The colour if it is one Graphviz and CSS both read the same way, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    short = _SHORT_HEX.match(text)
    if short:
        text = "#" + "".join(c * 2 for c in short.groups())
    return text if _COLOUR.match(text) else None


def shape_for(kind: str, type_: str | None) -> str:
    if type_:
        words = type_.split("-")
        for needles, shape in TYPE_SHAPES:
            if any(n in words if "-" not in n else n in type_ for n in needles):
                return shape
    return KIND_SHAPES.get(kind, "box")
