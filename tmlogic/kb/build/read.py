"""Reading the official files safely, with errors that say where and what to do.

JSON is data by nature; XML goes through defusedxml (no DTDs, no entity expansion, no
external resources); Turtle goes through rdflib. Nothing read here is ever executed.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from ...typing_runtime import Any
from ..errors import KbError

__all__ = ["local", "read_stix_objects", "read_xml", "source_info", "version_from_name"]

_VERSION_IN_NAME = re.compile(r"(?<![0-9.])v?(\d+\.\d+(?:\.\d+)?)(?![0-9])")


def _read_bytes(path: Path, what: str, hint: str) -> bytes:
    if not path.exists():
        raise KbError(path, f"the {what} file does not exist", hint)
    if path.is_dir():
        raise KbError(path, f"is a folder, not the {what} file", hint)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KbError(path, f"cannot read the {what} file: {exc.strerror or exc}",
                      "check the path and its permissions") from None


def _json(path: Path, what: str, hint: str) -> Any:
    data = _read_bytes(path, what, hint)
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise KbError(path, f"is not UTF-8 text (byte {exc.start})", hint) from None
    except json.JSONDecodeError as exc:
        raise KbError(path, f"is not valid JSON: {exc.msg}", hint, exc.lineno, exc.colno) from None


def read_stix_objects(path: Path, what: str, hint: str) -> list[dict[str, Any]]:
    """The objects of a STIX bundle file, or of every `*.json` under a folder (the mitre/cti layout).

    In a folder each file may be a bundle or a single object; files are read in sorted order.
    """
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if p.is_file())
        if not files:
            raise KbError(path, f"the folder holds no .json files, so no {what}", hint)
    else:
        files = [path]
    objects: list[dict[str, Any]] = []
    for file in files:
        data = _json(file, what, hint)
        if isinstance(data, dict) and data.get("type") == "bundle":
            items = data.get("objects")
            if not isinstance(items, list):
                raise KbError(file, 'this STIX bundle has no "objects" list', hint)
        elif isinstance(data, dict) and isinstance(data.get("type"), str) and path.is_dir():
            items = [data]
        else:
            raise KbError(file, f'is not a STIX bundle (a JSON object with "type": "bundle"), so not the {what}', hint)
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("type"), str) and isinstance(item.get("id"), str):
                objects.append(item)
    return objects


def read_xml(path: Path, root: str, what: str, hint: str) -> Element:
    """The root element of an XML file, checked to be `root` (a local name, any namespace)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    data = _read_bytes(path, what, hint)
    try:
        element = fromstring(data)
    except ParseError as exc:
        line, col = exc.position
        message = str(exc).split(":")[0]
        raise KbError(path, f"is not well-formed XML: {message}", hint, line, col + 1) from None
    except DefusedXmlException as exc:
        raise KbError(path, f"uses XML features refused for safety ({type(exc).__name__})",
                      "use the file as MITRE publishes it, without DTDs or entity declarations") from None
    if local(element.tag) != root:
        raise KbError(path, f"the root element is <{local(element.tag)}>, not <{root}>, so this is not the {what}", hint)
    return element


def local(tag: str) -> str:
    """An XML tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def source_info(path: Path) -> dict[str, Any]:
    """File name, size and sha256 (for a folder: of its sorted .json files), recorded in the manifest."""
    digest = hashlib.sha256()
    if path.is_dir():
        size = 0
        for file in sorted(p for p in path.rglob("*.json") if p.is_file()):
            data = file.read_bytes()
            size += len(data)
            digest.update(file.relative_to(path).as_posix().encode() + b"\0" + hashlib.sha256(data).digest())
    else:
        data = path.read_bytes()
        size = len(data)
        digest.update(data)
    return {"file": path.name, "bytes": size, "sha256": digest.hexdigest()}


def version_from_name(path: Path) -> str | None:
    """A version written in a file name, as MITRE names downloads: enterprise-attack-18.1.json, cwec_v4.14.xml."""
    match = _VERSION_IN_NAME.search(path.name)
    return match.group(1) if match else None
