"""The Markdown reader: sections, entries, nesting by indentation, comments, exact spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmlogic._errors import Diagnostic, Level, ModelError
from tmlogic.model.loader import load_model
from tmlogic.model.markdown_reader import read_markdown
from tmlogic.model.schema import Model


def load(tmp_path: Path, text: str, name: str = "model.md", **kw: bool) -> tuple[Model, list[Diagnostic]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_model(path, **kw)


def problems(tmp_path: Path, text: str, name: str = "model.md", **kw: bool) -> list[Diagnostic]:
    with pytest.raises(ModelError) as info:
        load(tmp_path, text, name, **kw)
    return info.value.diagnostics


FULL = """\
# Copyright 2025 someone
#
# Licensed under the Apache License, Version 2.0
# Threat Model: Advanced DMZ

## Description
A DMZ with **two** firewalls.

Second paragraph.
<!-- a comment that is not part of the text -->

## Boundaries
- **Internet**: color=lightcoral, isTrusted=False
- **DMZ**: color=khaki, isTrusted=True
  - **Inner DMZ**: isTrusted=True

## Actors
- **External Client**: boundary=Internet, isHuman=True

## Servers
- **External Firewall**: boundary=DMZ, type="firewall"
- **Central Server**: boundary="Inner DMZ", stereotype=AppServer, internet_facing=False

## Processes
- **Worker**: boundary=DMZ

## Datastores
- **Orders DB**: boundary="Inner DMZ", type=Database, is_encrypted=yes

## External Entities
- **Payment Provider**: type=saas

## Data
- **Card Data**: classification=SECRET, description="PAN and CVV"
- **Web Traffic**: classification=public

## Dataflows
- **Client to Firewall**: from="External Client", to="External Firewall", protocol="https", data="Web Traffic", is_encrypted=True
- **Firewall to Server**: from="External Firewall", to="Central Server", protocol=HTTP, data=["Web Traffic", "Card Data"], port=8080

## Protocol Styles
- **HTTPS**: color=darkgreen, line_style=solid

## Severity Multipliers
- **Central Server**: 1.5
- **Orders DB**: factor=2

## Custom Mitre Mapping
- **Protocol Tampering**: tactics=["Impact"], techniques=[{"id": "T1565", "name": "Data Manipulation"}]
- **Weak Authentication**: {'tactics':["Credential Access"], 'techniques':[{'id': 'T1110', 'name': 'Brute Force'}]}
"""


def test_full_model(tmp_path: Path) -> None:
    model, warnings = load(tmp_path, FULL, strict=True)
    assert warnings == []
    assert model.title == "Advanced DMZ"
    assert model.description == "A DMZ with **two** firewalls.\n\nSecond paragraph."
    assert [(b.id, b.trusted, b.parent) for b in model.boundaries] == [
        ("internet", False, None), ("dmz", True, None), ("inner-dmz", True, "dmz")]
    assert [(e.id, e.kind, e.type, e.boundary) for e in model.elements] == [
        ("external-client", "actor", None, "internet"),
        ("external-firewall", "server", "firewall", "dmz"),
        ("central-server", "server", "app-server", "inner-dmz"),
        ("worker", "process", None, "dmz"),
        ("orders-db", "datastore", "database", "inner-dmz"),
        ("payment-provider", "external", "saas", None),
    ]
    assert [(d.id, d.classification) for d in model.data] == [("card-data", "secret"), ("web-traffic", "public")]
    flows = {f.id: f for f in model.flows}
    assert flows["client-to-firewall"].protocol == "HTTPS"
    assert flows["firewall-to-server"].data == ("web-traffic", "card-data")
    assert {a.key: a.value for a in flows["firewall-to-server"].attrs} == {"port": 8080}
    assert {a.key: a.value for a in model.elements[4].attrs} == {"is_encrypted": True}
    assert {a.key: a.value for a in model.elements[0].attrs} == {"is_human": True}
    assert [(m.target, m.factor) for m in model.multipliers] == [("central-server", 1.5), ("orders-db", 2.0)]
    assert [(m.name, m.tactics, m.techniques) for m in model.mitre_mappings] == [
        ("Protocol Tampering", ("Impact",), (("T1565", "Data Manipulation"),)),
        ("Weak Authentication", ("Credential Access",), (("T1110", "Brute Force"),)),
    ]
    assert [(s.protocol, [(a.key, a.value) for a in s.attrs]) for s in model.protocol_styles] == [
        ("HTTPS", [("color", "darkgreen"), ("line_style", "solid")])]


def test_spans_point_at_names_and_keys(tmp_path: Path) -> None:
    model, _ = load(tmp_path, FULL)
    dmz = model.boundaries[1]
    assert (dmz.span.line, dmz.span.col, dmz.span.end_col) == (14, 5, 8)
    assert [(a.key, a.span.line, a.span.col) for a in dmz.attrs] == [("color", 14, 12)]
    inner = model.boundaries[2]
    assert (inner.span.line, inner.span.col) == (15, 7)
    assert model.title_span is not None and model.title_span.line == 4
    assert model.path.endswith("model.md")


def test_h1_comments_do_not_set_the_title_or_end_a_section(tmp_path: Path) -> None:
    text = """\
# Example: not a title
## Servers
- **A**:
# Example:
# - **Ghost**: 1.8 (commented out)
- **B**:
"""
    model, warnings = load(tmp_path, text, strict=True)
    assert model.title is None and warnings == []
    assert [e.name for e in model.elements] == ["A", "B"]


@pytest.mark.parametrize("indent", [" ", "  ", "   ", "    ", "\t"])
def test_nesting_by_indentation(tmp_path: Path, indent: str) -> None:
    text = f"""\
## Boundaries
- **Zone**: isTrusted=True
{indent}- **Main**: isTrusted=True
{indent}- **Fallback**:
{indent}{indent}- **Deep**:
{indent}- **Other**:
- **Top**:
"""
    model, _ = load(tmp_path, text)
    assert [(b.id, b.parent) for b in model.boundaries] == [
        ("zone", None), ("main", "zone"), ("fallback", "zone"), ("deep", "fallback"), ("other", "zone"), ("top", None)]


def test_secopstm_one_space_sub_bullets(tmp_path: Path) -> None:
    text = "## Boundaries\n- **Infrastructure_Zone**: color=lightblue, isTrusted=True\n" \
           " - **Main_SubZone**: color=lightcyan, isTrusted=True\n - **Fallback_SubZone**: color=lightyellow\n"
    model, _ = load(tmp_path, text)
    assert [(b.name, b.parent, b.trusted) for b in model.boundaries] == [
        ("Infrastructure_Zone", None, True), ("Main_SubZone", "infrastructure-zone", True),
        ("Fallback_SubZone", "infrastructure-zone", False)]


def test_entry_forms(tmp_path: Path) -> None:
    text = "## Actors\n- **Plain**:\n* **Star**:\n+ **Plus**:  \n1. **Ordered**:\n- **Colon Inside:** color=red\n" \
           "- __Underscore__: color=blue\n"
    model, _ = load(tmp_path, text)
    assert [e.name for e in model.elements] == ["Plain", "Star", "Plus", "Ordered", "Colon Inside", "Underscore"]
    assert model.elements[4].attrs[0].value == "red"


def test_multi_line_entries_and_lazy_lines(tmp_path: Path) -> None:
    text = "## Servers\n- **A**: color=red,\n  type=firewall\n- **B**: color=blue\nstray text\n"
    model, warnings = load(tmp_path, text)
    assert model.elements[0].type == "firewall"
    assert [(w.code, w.span.line, w.span.col) for w in warnings] == [("ignored-text", 5, 1)]
    assert [(a.key, a.value) for a in model.elements[1].attrs] == [("color", "blue")]


def test_comments_code_and_prose_are_skipped(tmp_path: Path) -> None:
    text = """\
## Servers
Some prose about the servers.

<!--
- **Hidden**: color=red
-->

```
- **InCode**: x
```

- **Real**:
"""
    model, warnings = load(tmp_path, text, strict=True)
    assert [e.name for e in model.elements] == ["Real"] and warnings == []


def test_entry_written_without_dash_is_a_warning(tmp_path: Path) -> None:
    _, warnings = load(tmp_path, "## Servers\n- **A**:\n\n**B**: color=red\n")
    assert [(w.code, w.span.line) for w in warnings] == [("ignored-text", 4)]


def test_bad_list_item_has_a_hint(tmp_path: Path) -> None:
    found = problems(tmp_path, "## Servers\n- **A**:\n  - Web Server: type=web\n- **B** color=red\n")
    assert [(d.code, d.span.line, d.span.col) for d in found] == [("syntax", 3, 5), ("syntax", 4, 8)]
    assert found[0].hint == "write - **Web Server**: key=value, key2=value2"
    assert "expected ':' after **B**" in found[1].message


def test_unknown_sections_are_warnings_and_their_entries_are_skipped(tmp_path: Path) -> None:
    model, warnings = load(tmp_path, "## Servers\n- **A**:\n## Servrs\n- **B**: =bad\n")
    assert [e.name for e in model.elements] == ["A"]
    (w,) = warnings
    assert (w.code, w.span.line, w.span.col, w.level) == ("unknown-section", 3, 4, Level.WARNING)
    assert w.hint == 'did you mean "Servers"?'
    strict = problems(tmp_path, "## Servers\n- **A**:\n## Servrs\n", strict=True)
    assert [d.level for d in strict] == [Level.ERROR]


def test_section_aliases_and_repeated_sections(tmp_path: Path) -> None:
    text = "## Zones\n- **Z**:\n## Data Stores\n- **S**: boundary=Z\n## flows\n- **F**: from=S, to=S\n" \
           "## Data Stores\n- **T**:\n"
    model, _ = load(tmp_path, text)
    assert [b.id for b in model.boundaries] == ["z"]
    assert [(e.id, e.kind) for e in model.elements] == [("s", "datastore"), ("t", "datastore")]
    assert [f.id for f in model.flows] == ["f"]


def test_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_bytes("\ufeff## Servers\r\n- **A**: color=red\r\n- **B**: x-note=1\r\n".encode("utf-8"))
    model, warnings = load_model(path)
    assert [e.name for e in model.elements] == ["A", "B"] and warnings == []
    assert model.elements[0].attrs[0].value == "red" and model.elements[0].attrs[0].span.col == 10


def test_second_title_is_a_warning(tmp_path: Path) -> None:
    model, warnings = load(tmp_path, "# Threat Model: One\n# Threat Model: Two\n## Servers\n- **A**:\n")
    assert model.title == "One" and [w.code for w in warnings] == ["duplicate-title"]


def test_reader_keeps_raw_entries() -> None:
    doc = read_markdown("## Severity Multipliers\n- **A**: 1.5\n- **B**: factor=2\n", "m.md")
    a, b = doc.sections[0].entries
    assert a.has_value and a.value == 1.5 and a.value_span is not None and a.value_span.col == 10
    assert not b.has_value and b.attrs[0].key == "factor"
