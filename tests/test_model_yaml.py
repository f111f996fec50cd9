"""The YAML form: same schema, same Model as the Markdown, safe, with exact spans."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tmlogic import records
from tmlogic._errors import Diagnostic, ModelError
from tmlogic.model.loader import load_model
from tmlogic.model.schema import Model


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, **kw: bool) -> list[Diagnostic]:
    with pytest.raises(ModelError) as info:
        load_model(path, **kw)
    return info.value.diagnostics


def comparable(obj: Any) -> Any:
    """The model without spans and paths: what must not depend on the syntax."""
    if not isinstance(obj, type) and (hasattr(obj, "__record_fields__") or dataclasses.is_dataclass(obj)):
        return {f.name: comparable(getattr(obj, f.name)) for f in records.fields(obj)
                if f.name not in ("span", "title_span", "path", "key_spans")}
    if isinstance(obj, (list, tuple)):
        return [comparable(x) for x in obj]
    return obj


MARKDOWN = """\
# Threat Model: Shop

## Description
An online shop.

## Boundaries
- **Internet**: isTrusted=False
- **Corp**: isTrusted=True, color=#F0F0F0
 - **Backend**: isTrusted=True

## Actors
- **Customer**: boundary=Internet

## Servers
- **Web**: boundary=Corp, type=web_server, port=443, tags=["edge", "public"]
- **Api**: boundary=Backend, type="API Gateway", version=1.10

## Datastores
- **Orders**: boundary=Backend, is_encrypted=True, confidentiality=High

## Data
- **Card**: classification=TOP_SECRET, credentialsLife=SHORT

## Dataflows
- **Buy**: from=Customer, to=Web, protocol=https, data=Card, is_encrypted=True, authentication=OAuth2
- **Store**: from=Api, to=Orders, protocol=SQL, data=["Card"]

## Protocol Styles
- **HTTPS**: color=darkgreen, line_style=solid

## Severity Multipliers
- **Web**: 1.5

## Custom Mitre Mapping
- **Tampering**: tactics=["Impact"], techniques=[{"id": "T1565", "name": "Data Manipulation"}]
"""

YAML = """\
title: Shop
description: An online shop.
boundaries:
  - name: Internet
    isTrusted: false
  - name: Corp
    is_trusted: True
    color: "#F0F0F0"
    boundaries:
      - name: Backend
        isTrusted: yes
actors:
  - name: Customer
    boundary: Internet
servers:
  - name: Web
    boundary: Corp
    type: web_server
    port: 443
    tags: [edge, public]
  - name: Api
    boundary: Backend
    type: API Gateway
    version: 1.10
datastores:
  - {name: Orders, boundary: Backend, is_encrypted: true, confidentiality: High}
data:
  - name: Card
    classification: TOP_SECRET
    credentialsLife: SHORT
data_flows:
  - name: Buy
    source: Customer
    destination: Web
    protocol: https
    data: Card
    is_encrypted: true
    authentication: OAuth2
  - name: Store
    from: Api
    to: Orders
    protocol: SQL
    data: [Card]
protocol_styles:
  - name: HTTPS
    color: darkgreen
    line_style: solid
severity_multipliers:
  Web: 1.5
custom_mitre_mapping:
  - name: Tampering
    tactics: [Impact]
    techniques:
      - {id: T1565, name: Data Manipulation}
"""


def test_yaml_equals_markdown(tmp_path: Path) -> None:
    md, md_warnings = load_model(write(tmp_path, "shop.md", MARKDOWN), strict=True)
    ym, ym_warnings = load_model(write(tmp_path, "shop.yaml", YAML), strict=True)
    assert md_warnings == ym_warnings == []
    assert comparable(md) == comparable(ym)
    web = {a.key: a.value for a in ym.elements[1].attrs}
    assert web == {"port": 443, "tags": ["edge", "public"]}
    assert {a.key: a.value for a in ym.elements[2].attrs} == {"version": "1.10"}  # kept as written
    assert ym.flows[0].attrs[-1].value == "oauth2"
    assert ym.data[0].classification == "top-secret"


def test_yaml_spans(tmp_path: Path) -> None:
    model, _ = load_model(write(tmp_path, "shop.yml", YAML))
    corp = model.boundaries[1]
    assert (corp.span.line, corp.span.col) == (6, 11)
    assert [(a.key, a.span.line, a.span.col) for a in corp.attrs] == [("color", 8, 5)]
    assert (model.boundaries[2].parent, model.boundaries[2].span.line) == ("corp", 10)


def test_boundary_parent_key_and_mapping_forms(tmp_path: Path) -> None:
    text = """\
boundaries:
  Outer: {is_trusted: true}
  Inner: {boundary: Outer}
servers:
  Web:
  Db: {boundary: Inner}
severity_multipliers:
  - name: Db
    factor: 2.5
"""
    model, _ = load_model(write(tmp_path, "m.yaml", text))
    assert [(b.id, b.parent, b.trusted) for b in model.boundaries] == [("outer", None, True), ("inner", "outer", False)]
    assert [(e.id, e.boundary) for e in model.elements] == [("web", None), ("db", "inner")]
    assert [(m.target, m.factor) for m in model.multipliers] == [("db", 2.5)]


def test_ansible_playbook_with_embedded_metadata(tmp_path: Path) -> None:
    text = """\
---
- name: Deploy
  hosts: all
  vars:
    threat_model_metadata:
      boundaries:
        - name: "Internet"
          type: "External"
          isTrusted: False
        - name: "infra"
          trust_level: "Trusted"
          servers: ["Web"]
          sub_boundaries:
            - name: "main"
      actors:
        - name: "User"
          isHuman: True
          boundary: "Internet"
      servers:
        - name: "Web"
          stereotype: "Server"
          services: ["web"]
      data:
        - name: "Traffic"
          classification: "PUBLIC"
          lifetime: "TRANSIENT"
      data_flows:
        - name: "User to Web"
          source: "actor:User"
          destination: "server:Web"
          protocol: "HTTPS"
          data: "Traffic"
  tasks:
    - name: Install
      ansible.builtin.apt: {name: nginx}
"""
    model, warnings = load_model(write(tmp_path, "play.yml", text), strict=True)
    assert warnings == []
    assert [(b.id, b.trusted, b.parent) for b in model.boundaries] == [
        ("internet", False, None), ("infra", True, None), ("main", False, "infra")]
    assert [(e.id, e.type, e.boundary) for e in model.elements] == [("user", None, "internet"), ("web", "server", "infra")]
    assert [(f.source, f.target, f.data) for f in model.flows] == [("user", "web", ("traffic",))]


def test_yaml_is_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"""\
servers:
  - name: Web
    x-cmd: !!python/object/apply:os.system ["touch {marker}"]
    x-obj: !!python/name:os.system
"""
    model, _ = load_model(write(tmp_path, "evil.yaml", text), strict=True)
    assert not marker.exists()
    assert {a.key: a.value for a in model.elements[0].attrs} == {"x_cmd": [f"touch {marker}"], "x_obj": ""}


def test_yaml_errors_have_positions(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "bad.yaml", "servers:\n  - name: A\n    type: [db\n"))
    assert [d.code for d in found] == ["syntax"] and found[0].span.line >= 3
    found = problems(write(tmp_path, "noname.yaml", "servers:\n  - type: db\n  - name: B\n    boundary: Nowhere\n"))
    assert [(d.code, d.span.line, d.span.col) for d in found] == [("missing-key", 2, 5), ("unknown-boundary", 4, 15)]
    assert found[1].hint is not None and "boundaries" in found[1].hint


def test_yaml_bad_values_use_yaml_hints(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "b.yaml", "boundaries:\n  - name: Z\n    isTrusted: perhaps\n"))
    (d,) = found
    assert (d.code, d.span.line, d.span.col) == ("bad-boolean", 3, 16)
    assert d.hint == "write isTrusted: true or false"


def test_yaml_shapes_that_are_not_models(tmp_path: Path) -> None:
    assert [d.code for d in problems(write(tmp_path, "e.yaml", ""))] == ["empty-model"]
    assert [d.code for d in problems(write(tmp_path, "s.yaml", "just a string\n"))] == ["empty-model"]
    assert [d.code for d in problems(write(tmp_path, "l.yaml", "- a\n- b\n"))] == ["empty-model"]
    found = problems(write(tmp_path, "two.yaml", "servers: [A]\n---\nservers: [B]\n"))
    assert [(d.code, d.span.line) for d in found] == [("syntax", 3)]
    found = problems(write(tmp_path, "sec.yaml", "servers: 3\n"))
    assert [(d.code, d.span.line, d.span.col) for d in found] == [("syntax", 1, 10)]


def test_yaml_unknown_top_level_key_is_a_warning(tmp_path: Path) -> None:
    model, warnings = load_model(write(tmp_path, "w.yaml", "version: 1.0\nservers: [A]\nservres: [B]\n"))
    assert [e.name for e in model.elements] == ["A"]
    assert [(w.code, w.span.line, w.hint) for w in warnings] == [("unknown-section", 3, 'did you mean "servers"?')]


def test_recursive_alias_is_an_error_not_a_hang(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "r.yaml", "servers:\n  - name: A\n    tags: &x [a, *x]\n"))
    assert "recursive" in found[0].message


def test_same_model_from_yaml_has_same_ids(tmp_path: Path) -> None:
    model: Model = load_model(write(tmp_path, "shop.yaml", YAML))[0]
    assert [f.id for f in model.flows] == ["buy", "store"]


def test_the_documented_yaml_example_loads(tmp_path: Path) -> None:
    doc = Path(__file__).parents[1] / "docs" / "model-language.md"
    text = doc.read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    model, warnings = load_model(write(tmp_path, "doc.yaml", example), strict=True)
    assert warnings == [] and model.title == "Shop"
    assert [(b.id, b.parent) for b in model.boundaries] == [
        ("internet", None), ("corp", None), ("backend", "corp"), ("lab", "corp")]
