"""Validation (build.py) and loading (loader.py): every problem at once, exact places, ids, submodels."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmlogic._errors import Diagnostic, Level, ModelError
from tmlogic.model.loader import load_model
from tmlogic.model.schema import Model


def write(tmp_path: Path, text: str, name: str = "model.md") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, name: str = "model.md", **kw: bool) -> tuple[Model, list[Diagnostic]]:
    return load_model(write(tmp_path, text, name), **kw)


def problems(tmp_path: Path, text: str, name: str = "model.md", **kw: bool) -> list[Diagnostic]:
    with pytest.raises(ModelError) as info:
        load(tmp_path, text, name, **kw)
    return info.value.diagnostics


def where(found: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.col) for d in found]


BROKEN = """\
# Threat Model: Broken

## Boundaries
- **Internet**: isTrusted=maybe
- **DMZ**: isTrusted=True, colr=red
- **DMZ**: isTrusted=True

## Servers
- **External Firewall**: boundary=DMZ, authentication=magic
- **Web**: boundary=Intranet, confidentiality=extreme, port=99999

## Data
- **Card**: classification=SECRETT

## Dataflows
- **F1**: from="External Firewal", to=Web, data="Card"
- **F2**: from=DMZ, to=Web, data=Cards
- **F3**: to=Web, is_encrypted=sometimes

## Severity Multipliers
- **Web**: -1
- **Nope**: 2
- **External Firewall**: True

## Servrs
- **X**:
"""


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, BROKEN)
    assert where(found) == [
        ("bad-boolean", 4, 27),
        ("unknown-key", 5, 28),
        ("duplicate-name", 6, 5),
        ("bad-enum", 9, 55),
        ("unknown-boundary", 10, 21),
        ("bad-enum", 10, 47),
        ("bad-value", 10, 61),
        ("bad-enum", 13, 28),
        ("unknown-element", 16, 16),
        ("boundary-endpoint", 17, 16),
        ("unknown-data", 17, 34),
        ("missing-key", 18, 5),
        ("bad-boolean", 18, 32),
        ("bad-multiplier", 21, 12),
        ("unknown-element", 22, 5),
        ("bad-multiplier", 23, 26),
        ("unknown-section", 25, 4),
    ]
    by_code: dict[str, Diagnostic] = {}
    for d in found:
        by_code.setdefault(d.code, d)  # the first of each kind
    assert [d.level for d in found if d.code in ("unknown-key", "unknown-section")] == [Level.WARNING] * 2
    assert found[0].hint == "write isTrusted=True or False"
    assert by_code["unknown-element"].hint == 'did you mean "External Firewall"?'
    assert by_code["unknown-boundary"].hint == 'did you mean "Internet"?'
    assert by_code["unknown-data"].hint == 'did you mean "Card"?'
    assert by_code["unknown-key"].hint == 'did you mean "color"?'
    assert by_code["duplicate-name"].notes[0].span.line == 5
    assert by_code["boundary-endpoint"].message == "'DMZ' is a boundary; a dataflow connects elements"
    assert "secret" in (found[7].hint or "") and "top-secret" in (found[7].hint or "")
    assert all(d.hint for d in found)


def test_model_error_message_and_warnings(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        load(tmp_path, "## Servers\n- **A**: boundary=Nowhere\n")
    assert "model.md:2:19: error: unknown boundary 'Nowhere'" in str(info.value)
    model, warnings = load(tmp_path, "## Servers\n- **A**: colour=red, shape=box, x-team=blue\n")
    assert [(w.code, w.span.col) for w in warnings] == [("unknown-key", 22)]
    assert [(a.key, a.value) for a in model.elements[0].attrs] == [("color", "red"), ("shape", "box"), ("x_team", "blue")]


def test_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    found = problems(tmp_path, "## Servers\n- **A**: shape=box\n## Extra\n", strict=True)
    assert [(d.code, d.level) for d in found] == [("unknown-key", Level.ERROR), ("unknown-section", Level.ERROR)]


@pytest.mark.parametrize("content, name", [
    ("", "empty.md"),
    ("hello world\nthis is not a model\n", "garbage.md"),
    ("# Threat Model: Only a title\n", "title.md"),
    ("## Random\n- **A**:\n", "unknown.md"),
])
def test_no_model_is_an_error(tmp_path: Path, content: str, name: str) -> None:
    found = problems(tmp_path, content, name)
    assert "empty-model" in [d.code for d in found]
    assert all(d.level is Level.ERROR for d in found if d.code == "empty-model")


def test_unreadable_files_are_io_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "bin.md").write_bytes(b"\x00\x01\x02\x03")
    (tmp_path / "latin.md").write_bytes(b"## Servers\n- **Caf\xe9**:\n")
    for name, line, col in (("bin.md", 1, 1), ("latin.md", 2, 8)):
        with pytest.raises(ModelError) as info:
            load_model(tmp_path / name)
        assert where(info.value.diagnostics) == [("io", line, col)]
    with pytest.raises(ModelError) as info:
        load_model(tmp_path / "missing.md")
    assert where(info.value.diagnostics) == [("io", 1, 1)]
    with pytest.raises(ModelError) as info:
        load_model(tmp_path)
    assert [d.code for d in info.value.diagnostics] == ["unsupported-format"] or \
        [d.code for d in info.value.diagnostics] == ["io"]
    (tmp_path / "model.txt").write_text("## Servers\n")
    with pytest.raises(ModelError) as info:
        load_model(tmp_path / "model.txt")
    assert [d.code for d in info.value.diagnostics] == ["unsupported-format"]


# --- ids ------------------------------------------------------------------------------------------

def test_ids_are_slugs_and_collisions_across_kinds_get_a_suffix(tmp_path: Path) -> None:
    text = """\
## Boundaries
- **Database**:
## Servers
- **Database**: boundary=Database
- **Web**:
## Data
- **Web**:
- **Database Element**:
## Dataflows
- **Web**: from=Web, to=Database, data=Web
"""
    model, _ = load(tmp_path, text)
    assert [b.id for b in model.boundaries] == ["database"]
    assert [(e.id, e.boundary) for e in model.elements] == [("database-element", "database"), ("web", None)]
    assert [d.id for d in model.data] == ["web-data", "database-element-data"]
    assert [(f.id, f.source, f.target, f.data) for f in model.flows] == [
        ("web-flow", "web", "database-element", ("web-data",))]
    ids = [x.id for x in (*model.boundaries, *model.elements, *model.data, *model.flows)]
    assert len(ids) == len(set(ids))


def test_same_slug_in_one_kind_is_a_duplicate(tmp_path: Path) -> None:
    found = problems(tmp_path, "## Servers\n- **App Server**:\n## Actors\n- **app-server**:\n")
    (d,) = found
    assert (d.code, d.span.line, d.span.col) == ("duplicate-name", 4, 5)
    assert "same id 'app-server'" in d.message and d.notes[0].span.line == 2


def test_same_key_twice_is_an_error(tmp_path: Path) -> None:
    found = problems(tmp_path, "## Boundaries\n- **Z**: isTrusted=True, is_trusted=False\n")
    assert where(found) == [("duplicate-key", 2, 26)]
    assert found[0].notes[0].span.col == 10


# --- boundaries and values --------------------------------------------------------------------------

def test_boundaries_are_untrusted_unless_they_say_so(tmp_path: Path) -> None:
    model, _ = load(tmp_path, "## Boundaries\n- **A**:\n- **B**: isTrusted=TRUE\n- **C**: trusted=no\n"
                              "- **D**: trust_level=Trusted\n")
    assert [b.trusted for b in model.boundaries] == [False, True, False, True]
    assert all(b.attrs == () for b in model.boundaries)


def test_boundary_parent_key_cycles_and_conflicts(tmp_path: Path) -> None:
    model, _ = load(tmp_path, "## Boundaries\n- **Outer**:\n- **Inner**: boundary=Outer\n")
    assert model.boundaries[1].parent == "outer"
    found = problems(tmp_path, "## Boundaries\n- **A**: boundary=B\n- **B**: boundary=A\n- **C**: boundary=C\n")
    assert [d.code for d in found] == ["boundary-cycle", "boundary-cycle"]
    assert "A -> B -> A" in found[0].message
    found = problems(tmp_path, "## Boundaries\n- **A**:\n- **B**:\n  - **C**: boundary=A\n")
    assert where(found) == [("boundary-conflict", 4, 21)]


def test_value_kinds(tmp_path: Path) -> None:
    text = ('## Servers\n- **A**: version=1.10, port="8443", tags=edge, internet_facing=Yes, '
            'authentication=API_KEY, authorization=RBAC, availability=Very High, description=42\n')
    model, _ = load(tmp_path, text, strict=True)
    assert {a.key: a.value for a in model.elements[0].attrs} == {
        "version": "1.10", "port": 8443, "tags": ["edge"], "internet_facing": True, "authentication": "api-key",
        "authorization": "rbac", "availability": "critical", "description": "42"}


def test_data_lists_and_comma_hint(tmp_path: Path) -> None:
    text = '## Actors\n- **A**:\n## Data\n- **X**:\n- **Y**:\n## Dataflows\n- **F**: from=A, to=A, data="X, Y"\n'
    found = problems(tmp_path, text)
    assert where(found) == [("unknown-data", 7, 29)]
    assert found[0].hint == 'for several assets write data=["X", "Y"]'
    model, _ = load(tmp_path, text.replace('data="X, Y"', 'data=["X", "Y", "X"]'))
    assert model.flows[0].data == ("x", "y")


def test_multipliers_and_mitre_checks(tmp_path: Path) -> None:
    text = """\
## Boundaries
- **Zone**:
## Servers
- **A**:
## Severity Multipliers
- **A**: 1.5
- **A**: 2
- **Zone**: 2
- **A**: 0
- **A**:
## Custom Mitre Mapping
- **M1**: tactics=["Impact"], techniques=[{"id": "X999"}]
- **M2**: {'tactics': "Impact", 'techniques': ['T1078'], 'color': 'red'}
- **M3**: ['not', 'a', 'dict']
"""
    found = problems(tmp_path, text)
    assert where(found) == [
        ("duplicate-name", 7, 5), ("unknown-element", 8, 5), ("bad-multiplier", 9, 10), ("bad-multiplier", 10, 5),
        ("bad-value", 12, 42), ("unknown-key", 13, 11), ("bad-value", 14, 11)]
    codes = [d.code for d in found]
    assert codes.count("bad-multiplier") == 2 and "duplicate-name" in codes and "unknown-element" in codes
    zone = next(d for d in found if d.code == "unknown-element")
    assert zone.hint == "'Zone' is a boundary; multipliers apply to elements"
    assert "must be a dict" in found[-1].message
    model, _ = load(tmp_path, text.split("- **A**: 2")[0] + "## Custom Mitre Mapping\n"
                    "- **M2**: {'tactics': 'Impact', 'techniques': ['t1078.001']}\n")
    assert [(m.tactics, m.techniques) for m in model.mitre_mappings] == [(("Impact",), (("T1078.001", ""),))]


# --- submodels --------------------------------------------------------------------------------------

def test_submodels_load_with_qualified_ids(tmp_path: Path) -> None:
    write(tmp_path, "## Servers\n- **Gateway**: submodel=./backend/model.md\n- **Other**: submodel=backend/model.md\n",
          "main.md")
    write(tmp_path, "## Servers\n- **API**: submodel=./db/model.yaml\n- **Auth**:\n"
                    "## Dataflows\n- **Login**: from=API, to=Auth\n", "backend/model.md")
    write(tmp_path, "servers:\n  - name: Primary\n", "backend/db/model.yaml")
    model, _ = load_model(tmp_path / "main.md")
    assert [(e.id, e.submodel) for e in model.elements] == [
        ("gateway", "backend/model.md"), ("other", "backend/model.md")]
    (parent, backend), (parent2, backend2) = model.submodels
    assert (parent, parent2) == ("gateway", "other") and backend is backend2  # loaded once, shared
    assert backend.id_prefix == "backend/model.md#"
    assert [e.id for e in backend.elements] == ["backend/model.md#api", "backend/model.md#auth"]
    assert backend.flows[0].source == "backend/model.md#api"
    (_, db), = backend.submodels
    assert [e.id for e in db.elements] == ["backend/db/model.yaml#primary"]
    assert backend.elements[0].submodel == "backend/db/model.yaml"
    # each file once, though two elements name it
    assert [m.id_prefix for m in model.all_models()] == ["", "backend/model.md#", "backend/db/model.yaml#"]


def test_submodel_missing_cycle_and_outside(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(project, "## Servers\n- **A**: submodel=./sub/a.md\n- **B**: submodel=./sub/mdoel.md\n"
                   "- **C**: submodel=../outside.md\n- **D**: submodel=notes.txt\n", "main.md")
    write(project, "## Servers\n- **Back**: submodel=../main.md\n", "sub/a.md")
    write(project, "## Servers\n- **M**:\n", "sub/model.md")
    write(tmp_path, "## Servers\n- **Out**:\n", "outside.md")
    with pytest.raises(ModelError) as info:
        load_model(project / "main.md")
    found = info.value.diagnostics
    assert sorted(where(found)) == sorted([
        ("submodel-cycle", 2, 22), ("submodel-missing", 3, 19), ("submodel-outside", 4, 19),
        ("unsupported-format", 5, 19)])
    by_code = {d.code: d for d in found}
    assert by_code["submodel-cycle"].message == "submodels form a cycle: main.md -> sub/a.md -> main.md"
    assert by_code["submodel-cycle"].span.path.endswith("a.md")
    assert by_code["submodel-missing"].hint == 'did you mean "model.md"?'


def test_allow_outside(tmp_path: Path) -> None:
    write(tmp_path, "## Servers\n- **Shared**:\n", "shared/lib.md")
    write(tmp_path, "## Servers\n- **A**: submodel=../shared/lib.md\n", "project/main.md")
    with pytest.raises(ModelError):
        load_model(tmp_path / "project" / "main.md")
    model, _ = load_model(tmp_path / "project" / "main.md", allow_outside=True)
    assert model.submodels[0][1].elements[0].id == "../shared/lib.md#shared"


def test_submodel_errors_are_reported_with_the_parent_errors(tmp_path: Path) -> None:
    write(tmp_path, "## Servers\n- **A**: submodel=sub.md, boundary=Nope\n", "main.md")
    write(tmp_path, "## Servers\n- **B**: boundary=Missing\n", "sub.md")
    with pytest.raises(ModelError) as info:
        load_model(tmp_path / "main.md")
    assert sorted((Path(d.span.path).name, d.code) for d in info.value.diagnostics) == [
        ("main.md", "unknown-boundary"), ("sub.md", "unknown-boundary")]


def test_two_thousand_elements_load_in_full(tmp_path: Path) -> None:
    lines = ["# Threat Model: Big", "## Boundaries", "- **Internet**:", "- **DMZ**: isTrusted=True", " - **Inner**:",
             "## Servers"]
    lines += [f'- **Server {i}**: boundary=Inner, type="app_server", color=#B0E0E6, description="Server {i}, text"'
              for i in range(2000)]
    lines += ["## Data", "- **Web**: classification=PUBLIC", "## Dataflows"]
    lines += [f'- **F{i}**: from="Server {i}", to="Server {(i * 7 + 1) % 2000}", protocol=HTTPS, data=Web'
              for i in range(2000)]
    path = write(tmp_path, "\n".join(lines) + "\n", "big.md")
    model, _ = load_model(path)  # its speed is bench/run.py's to measure: no timing assertion here
    assert len(model.elements) == 2000 and len(model.flows) == 2000
    assert model.flows[-1].target == model.elements[(1999 * 7 + 1) % 2000].id


def test_boundary_members_ansible_form(tmp_path: Path) -> None:
    text = """\
boundaries:
  - name: DMZ
    servers: [Web, Ghost]
  - name: Lan
    servers: [Web]
  - name: Corp
    elements: Db
servers:
  - name: Web
  - name: Db
    boundary: DMZ
"""
    found = problems(tmp_path, text, "m.yaml")
    assert where(found) == [("unknown-element", 3, 14), ("boundary-conflict", 5, 14), ("boundary-conflict", 7, 15)]
    model, _ = load(tmp_path, "boundaries:\n  - {name: DMZ, servers: [Web]}\nservers: [Web, Db]\n", "ok.yaml")
    assert [(e.id, e.boundary) for e in model.elements] == [("web", "dmz"), ("db", None)]
    assert model.boundaries[0].attrs == ()


def test_windows_style_submodel_path(tmp_path: Path) -> None:
    write(tmp_path, "## Servers\n- **A**: submodel=.\\sub\\m.md\n", "main.md")
    write(tmp_path, "## Servers\n- **B**:\n", "sub/m.md")
    model, _ = load_model(tmp_path / "main.md")
    assert model.elements[0].submodel == "sub/m.md"


def test_control_characters_in_names_and_values_are_errors(tmp_path: Path) -> None:
    # They would reach terminals and CI logs: ANSI escapes, forged "::error" workflow commands.
    path = tmp_path / "ctl.yaml"
    path.write_text('actors:\n  - name: "Cust\\n::error file=x::forged"\n    description: "two\\nlines are fine"\n'
                    'servers:\n  - name: "Esc\\e[31mRed"\n  - name: Web\n    submodel: "a\\0b.md"\n', encoding="utf-8")
    with pytest.raises(ModelError) as exc:
        load_model(path)
    found = [(d.code, d.span.line) for d in exc.value.diagnostics if d.code == "bad-character"]
    assert found == [("bad-character", 2), ("bad-character", 5), ("bad-character", 7)]
