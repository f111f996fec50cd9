"""Make Graphviz's SVG fit to inline in an HTML page, and inert whatever happens upstream.

Graphviz already escapes the model's text. This pass re-parses the SVG and re-serialises it
(so it is well-formed XML whatever the renderer did), drops comments, the XML prolog and the
DOCTYPE, removes anything active (script, foreignObject, event attributes, javascript: links),
replaces each object's synthetic <title> (`e3`) by its tooltip, and lets CSS size the drawing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["inline_svg"]

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", _XLINK)

_ACTIVE = {f"{{{_SVG}}}script", f"{{{_SVG}}}foreignObject", f"{{{_SVG}}}iframe", "script", "foreignObject"}
_HREFS = ("href", f"{{{_XLINK}}}href")
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>", re.IGNORECASE)


def _strip_active(node: ET.Element) -> None:
    for child in list(node):
        if child.tag in _ACTIVE:
            node.remove(child)
            continue
        _strip_active(child)
    for key in list(node.attrib):
        local = key.rsplit("}", 1)[-1].lower()
        if local.startswith("on"):
            del node.attrib[key]
    for key in _HREFS:
        value = node.get(key)
        if value is not None and not value.startswith("#"):
            del node.attrib[key]


def _retitle(root: ET.Element, label: str) -> None:
    title_tag, anchor_tag = f"{{{_SVG}}}title", f"{{{_SVG}}}a"
    for group in root.iter(f"{{{_SVG}}}g"):
        title = group.find(title_tag)
        if title is None:
            continue
        if "graph" in (group.get("class") or "").split():
            title.text = label
            continue
        anchor = next(group.iter(anchor_tag), None)
        tip = anchor.get(f"{{{_XLINK}}}title") if anchor is not None else None
        if tip:
            title.text = tip
        else:
            group.remove(title)


def inline_svg(svg: bytes | str, label: str) -> str:
    """The <svg> element alone, cleaned, with an accessible label and no fixed size."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    text = _DOCTYPE.sub("", text)
    root = ET.fromstring(text)  # our renderer's output; comments and the prolog are dropped here
    _strip_active(root)
    _retitle(root, label)
    for key in ("width", "height"):
        root.attrib.pop(key, None)
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("preserveAspectRatio", "xMidYMid meet")
    return ET.tostring(root, encoding="unicode")
