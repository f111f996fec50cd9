"""Static checks over rule modules, and loading rule files into a Program."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmlogic._errors import Diagnostic, Level, RuleError, display_path
from tmlogic.fileaccess import read_text
from tmlogic.diagnostics import render_diagnostics
from tmlogic.logic.program import load as program_module
from tmlogic.logic.language.ast import Module
from tmlogic.logic.language.checks import (
    LIKELIHOOD_LEVELS,
    SEVERITY_LEVELS,
    STRIDE_CATEGORIES,
    KnownIds,
    check_modules,
    split_list,
    stride_canonical,
    template_variables,
)
from tmlogic.logic.language.parser import parse_module
from tmlogic.logic.program.load import lint, load_program, rule_files

SCHEMA = """
.decl flow(f: symbol, src: symbol, dst: symbol)
.decl protocol(f: symbol, p: symbol)
.decl trusted(b: symbol)
.decl in_boundary(e: symbol, b: symbol)
.decl flag(x: symbol, key: symbol)
.decl multiplier(e: symbol, x: number)
"""


def meta(**overrides: str | None) -> str:
    """A complete, valid metadata block; a key set to None is left out."""
    keys = {
        "id": "TM-NET-001",
        "title": "Cleartext flow",
        "stride": "InformationDisclosure",
        "severity": "high",
        "message": "Flow {F} is not encrypted",
        "mitigation": "Use TLS.",
    }
    keys.update(overrides)
    return "".join(f"/// {k}: {v}\n" for k, v in keys.items() if v is not None)


GOOD_RULE = 'threat(F) :- flow(F, _, _), !flag(F, "is_encrypted").\n'
MITRE = {"capec": "CAPEC-157", "cwe": "CWE-319", "attack": "T1040"}


def modules(*sources: str) -> list[Module]:
    return [parse_module(SCHEMA, "schema.dl")] + [parse_module(s, f"m{i}.dl") for i, s in enumerate(sources)]


def check(*sources: str, strict: bool = False, known_ids: KnownIds | None = None):
    return check_modules(modules(*sources), strict=strict, known_ids=known_ids)


def errors(*sources: str, strict: bool = False, known_ids: KnownIds | None = None) -> list[Diagnostic]:
    with pytest.raises(RuleError) as info:
        check(*sources, strict=strict, known_ids=known_ids)
    return info.value.diagnostics


def codes(*sources: str, **kw: object) -> list[str]:
    return [d.code for d in errors(*sources, **kw) if d.level is Level.ERROR]  # type: ignore[arg-type]


def only(code: str, *sources: str, **kw: object) -> Diagnostic:
    found = [d for d in errors(*sources, **kw) if d.code == code]  # type: ignore[arg-type]
    assert len(found) == 1, found
    return found[0]


def ok(*sources: str, **kw: object) -> list[Diagnostic]:
    _, warnings = check(*sources, **kw)  # type: ignore[arg-type]
    return warnings


# --------------------------------------------------------------------------- a clean program


def test_valid_program_returns_program_and_no_warnings() -> None:
    prog, warnings = check(meta() + GOOD_RULE)
    assert warnings == []
    assert set(prog.decls) == {"flow", "protocol", "trusted", "in_boundary", "flag", "multiplier"}
    assert [r.metadata.get("id") for r in prog.threat_rules()] == ["TM-NET-001"]  # type: ignore[union-attr]
    assert len(prog.modules) == 2


# --------------------------------------------------------------------------- declarations


def test_undeclared_predicate_with_suggestion() -> None:
    d = only("undeclared-predicate", "p(X) :- flw(X, _, _).\n.decl p(x: symbol)")
    assert (d.span.path, d.span.line, d.span.col) == ("m0.dl", 1, 9)
    assert d.hint == 'did you mean "flow"?'


def test_undeclared_head_predicate_gets_a_declaration_hint() -> None:
    d = only("undeclared-predicate", "helper(X, Y) :- flow(X, Y, _).")
    assert d.span.col == 1
    assert d.hint is not None and ".decl helper(a1: symbol, a2: symbol)" in d.hint


def test_declared_helper_passes() -> None:
    assert ok(".decl helper(f: symbol, s: symbol)\nhelper(X, Y) :- flow(X, Y, _).") == []


def test_arity_mismatch_points_at_the_declaration() -> None:
    d = only("arity-mismatch", "p(X) :- flow(X, _).\n.decl p(x: symbol)")
    assert "takes 3 arguments, but 2 are given" in d.message
    assert d.notes and d.notes[0].span.path == "schema.dl" and d.notes[0].span.line == 2
    assert d.hint == "its arguments are (f: symbol, src: symbol, dst: symbol)"


def test_duplicate_decl_with_other_signature() -> None:
    d = only("duplicate-decl", ".decl trusted(b: symbol, level: number)")
    assert d.span.path == "m0.dl" and d.notes[0].span.path == "schema.dl"
    assert "(b: symbol, level: number) instead of (b: symbol)" in d.message


def test_identical_redeclaration_is_fine() -> None:
    assert ok(".decl trusted(b: symbol)\n.decl flow(x: symbol, y: symbol, z: symbol)") == []


def test_threat_cannot_be_declared() -> None:
    assert codes(".decl threat(f: symbol)") == ["reserved-predicate"]


def test_rule_deriving_an_input_predicate_is_allowed() -> None:
    assert ok('flag(F, "derived") :- flow(F, _, _).') == []


# --------------------------------------------------------------------------- types


def test_string_where_number_is_declared() -> None:
    d = only("type-mismatch", 'multiplier("a", "150").')
    assert d.span.col == 17
    assert '"150" is a symbol, but argument "x" of "multiplier" is a number' == d.message
    assert d.hint == "write the number without quotes"


def test_number_where_symbol_is_declared() -> None:
    d = only("type-mismatch", "p(X) :- flow(X, 3, _).\n.decl p(x: symbol)")
    assert d.message == '3 is a number, but argument "src" of "flow" is a symbol'


def test_variable_used_as_symbol_and_number() -> None:
    d = only("type-mismatch", "p(X) :- flow(X, S, _), multiplier(X, S).\n.decl p(x: symbol)")
    assert 'variable "S" is a symbol (argument "src" of "flow") and a number (argument "x" of "multiplier")' \
        in d.message
    assert d.span.col == 38 and d.notes[0].span.col == 17


def test_comparison_between_types() -> None:
    d = only("type-mismatch", "p(X) :- multiplier(X, N), N > \"big\".\n.decl p(x: symbol)")
    assert d.message == 'N > "big" compares a number with a symbol'


def test_well_typed_rule_passes() -> None:
    assert ok('.decl p(x: symbol)\np(X) :- multiplier(X, N), N > 100, X != "a".\nmultiplier("a", 150).') == []


# --------------------------------------------------------------------------- safety


def test_unsafe_head_variable() -> None:
    d = only("unsafe-variable", ".decl p(x: symbol, y: symbol)\np(X, Y) :- flow(X, _, _).")
    assert (d.span.line, d.span.col) == (2, 6)
    assert 'variable "Y" in the head' in d.message


def test_unsafe_variable_in_negation() -> None:
    d = only("unsafe-variable", ".decl p(x: symbol)\np(X) :- flow(X, _, _), !trusted(B).")
    assert 'variable "B" in a negation' in d.message and '"_"' in (d.hint or "")


def test_anonymous_variable_in_negation_is_allowed() -> None:
    assert ok(".decl p(x: symbol)\np(X) :- flow(X, _, _), !flag(X, _).") == []


def test_unsafe_variable_in_comparison() -> None:
    d = only("unsafe-variable", ".decl p(x: symbol)\np(X) :- flow(X, _, _), X != Y.")
    assert 'variable "Y" in a comparison' in d.message


def test_anonymous_variable_in_comparison() -> None:
    d = only("unsafe-variable", ".decl p(x: symbol)\np(X) :- flow(X, _, _), X != _.")
    assert '"_" in a comparison' in d.message


def test_variable_bound_only_by_a_comparison_is_unsafe() -> None:
    assert codes(".decl p(x: symbol)\np(X) :- flow(Y, _, _), X = Y.") == ["unsafe-variable"]


def test_anonymous_in_head() -> None:
    d = only("anonymous-in-head", ".decl p(x: symbol, y: symbol)\np(X, _) :- flow(X, _, _).")
    assert (d.span.line, d.span.col) == (2, 6)


def test_threat_in_body() -> None:
    src = meta() + GOOD_RULE + ".decl p(x: symbol)\np(X) :- threat(X).\np(X) :- flow(X, _, _), !threat(X).\n"
    found = [d for d in errors(src) if d.code == "threat-in-body"]
    assert [(d.span.line, d.span.col) for d in found] == [(9, 9), (10, 25)]


def test_non_ground_fact() -> None:
    d = only("non-ground-fact", 'trusted(B).\nflow("f", "a", "b").')
    assert (d.span.line, d.span.col) == (1, 9)


def test_ground_facts_pass() -> None:
    assert ok('trusted("dmz").\nmultiplier("x", 150).') == []


def test_threat_fact() -> None:
    assert codes('threat("x").') == ["threat-fact"]


def test_threat_head_takes_variables_only() -> None:
    assert codes(meta() + 'threat(F, "x") :- flow(F, _, _).') == ["bad-threat-head"]
    assert codes(meta(message="m") + "threat() :- flow(_, _, _).") == ["bad-threat-head"]


def test_threat_head_of_any_arity() -> None:
    assert ok(meta(message="{F} {S}") + "threat(F, S) :- flow(F, S, _).") == []


# --------------------------------------------------------------------------- var-appears-once


def test_variable_appearing_once_is_a_warning() -> None:
    warnings = ok(".decl p(x: symbol)\np(X) :- flow(X, Src, _), flow(X, Scr, _), in_boundary(Src, _).")
    assert [(w.code, w.level, w.span.col) for w in warnings] == [("var-appears-once", Level.WARNING, 34)]
    assert warnings[0].hint == 'replace it with "_", or check the spelling (did you mean "Src"?)'


def test_template_use_counts_as_a_use() -> None:
    assert ok(meta(message="{F} from {S}") + "threat(F) :- flow(F, S, _).") == []


def test_strict_makes_warnings_errors() -> None:
    src = ".decl p(x: symbol)\np(X) :- flow(X, S, _)."
    assert [w.code for w in ok(src)] == ["var-appears-once"]
    d = only("var-appears-once", src, strict=True)
    assert d.level is Level.ERROR


# --------------------------------------------------------------------------- stratification


def test_negation_through_mutual_recursion() -> None:
    src = (
        ".decl a(x: symbol)\n.decl b(x: symbol)\n"
        "a(X) :- flow(X, _, _), !b(X).\n"
        "b(X) :- flow(X, _, _), a(X).\n"
    )
    d = only("unstratified-negation", src)
    assert (d.span.line, d.span.col) == (3, 24)
    assert d.message == 'negation of "b" inside a recursive cycle: a -> b -> a'


def test_negation_of_itself() -> None:
    d = only("unstratified-negation", ".decl a(x: symbol)\na(X) :- flow(X, _, _), !a(X).")
    assert d.message.endswith("a -> a")


def test_recursion_and_negation_in_separate_strata_pass() -> None:
    src = (
        ".decl reach(a: symbol, b: symbol)\n.decl lonely(a: symbol)\n"
        "reach(A, B) :- flow(_, A, B).\n"
        "reach(A, C) :- reach(A, B), flow(_, B, C).\n"
        "lonely(A) :- flow(_, A, _), !reach(A, A).\n"
    )
    assert ok(src) == []


# --------------------------------------------------------------------------- threat metadata


def test_missing_metadata_points_at_the_rule() -> None:
    d = only("missing-metadata", "\n" + GOOD_RULE)
    assert (d.span.line, d.span.col) == (2, 1)
    for key in ("id", "title", "stride", "severity", "message", "mitigation"):
        assert f'"{key}"' in d.message


def test_some_metadata_missing() -> None:
    d = only("missing-metadata", meta(mitigation=None, title=None) + GOOD_RULE)
    assert d.message == 'threat rule is missing required metadata: "title", "mitigation"'


def test_impact_and_likelihood_stand_in_for_severity() -> None:
    assert ok(meta(severity=None) + "/// impact: high\n/// likelihood: likely\n" + GOOD_RULE) == []
    assert codes(meta(severity=None) + "/// impact: high\n" + GOOD_RULE) == ["missing-metadata"]


def test_unknown_metadata_key() -> None:
    d = only("unknown-metadata-key", meta() + "/// severty: high\n" + GOOD_RULE)
    assert d.hint == 'did you mean "severity"?'


def test_optional_keys_are_accepted() -> None:
    extra = (
        "/// confidence: medium\n/// impact: critical\n/// likelihood: very-likely\n"
        "/// capec: CAPEC-157, CAPEC-158\n/// cwe: CWE-319\n/// attack: T1557, T1557.002\n"
        "/// references: https://cwe.mitre.org/data/definitions/319.html\n/// tags: network, tls\n"
        "/// description: Longer text.\n"
    )
    assert ok(meta() + extra + GOOD_RULE) == []


def test_duplicate_metadata_key() -> None:
    d = only("duplicate-metadata-key", meta() + "/// title: again\n" + GOOD_RULE)
    assert d.notes[0].span.line == 2


@pytest.mark.parametrize(
    ("key", "value", "hint"),
    [
        ("id", "TM-net-1", "TM-NET-001"),
        ("id", "NET-001", "TM-NET-001"),
        ("stride", "Tampring", 'did you mean "Tampering"?'),
        ("stride", "Bogus", "use one of: Spoofing"),
        ("severity", "hgh", 'did you mean "high"?'),
        ("severity", "High", 'did you mean "high"?'),
        ("impact", "huge", "use one of: low, medium, elevated, high, critical"),
        ("likelihood", "likley", 'did you mean "likely"?'),
        ("confidence", "certain", "use one of: low, medium, high"),
        ("capec", "157", 'write "CAPEC-157"'),
        ("cwe", "CWE-319, 79", 'write "CWE-79"'),
        ("attack", "T15", "T1557.002"),
        ("title", "", 'write "/// title: <value>"'),
    ],
)
def test_bad_metadata_values(key: str, value: str, hint: str) -> None:
    d = only("bad-metadata-value", meta(**{key: value}) + GOOD_RULE)
    assert d.hint is not None and hint in d.hint, d.headline()
    lines = meta(**{key: value}).splitlines()
    assert (d.span.line, d.span.col) == (next(i for i, t in enumerate(lines, 1) if t.startswith(f"/// {key}:")), 5)


@pytest.mark.parametrize(
    "value", ["InformationDisclosure", "Information Disclosure", "information-disclosure", "INFORMATION_DISCLOSURE"]
)
def test_stride_spelling_variants_are_accepted(value: str) -> None:
    assert ok(meta(stride=value) + GOOD_RULE) == []


def test_every_level_value_is_accepted() -> None:
    for level in SEVERITY_LEVELS:
        assert ok(meta(severity=level) + f"/// impact: {level}\n" + GOOD_RULE) == []
    for likelihood in LIKELIHOOD_LEVELS:
        assert ok(meta() + f"/// likelihood: {likelihood}\n" + GOOD_RULE) == []


def test_unknown_kb_ids_only_when_the_catalogue_is_given() -> None:
    src = meta() + "/// capec: CAPEC-157, CAPEC-999999\n/// cwe: CWE-319\n/// attack: T9999\n" + GOOD_RULE
    assert ok(src) == []  # no knowledge base: not checked
    known = KnownIds(capec=frozenset({"CAPEC-157"}), cwe=frozenset({"CWE-319"}), attack=None)
    d = only("unknown-kb-id", src, known_ids=known)
    assert 'CAPEC id "CAPEC-999999" is not in the knowledge base' == d.message
    assert ok(src.replace("CAPEC-999999", "CAPEC-157"), known_ids=known) == []


def test_duplicate_rule_id_across_modules() -> None:
    d = only("duplicate-rule-id", meta() + GOOD_RULE, "\n" + meta() + GOOD_RULE)
    assert (d.span.path, d.span.line, d.span.col) == ("m1.dl", 2, 5)
    assert (d.notes[0].span.path, d.notes[0].span.line) == ("m0.dl", 1)


def test_unknown_template_variable() -> None:
    d = only("unknown-template-variable", meta(message="{F} goes to {Dst}") + "threat(F) :- flow(F, _, D).")
    assert d.message == '"{Dst}" in the message is not a variable bound by the rule\'s body'
    assert d.hint == "the message can use: {D}, {F}"


def test_template_variable_only_in_a_negation_is_not_bound() -> None:
    src = meta(message="{F} {B}") + "threat(F) :- flow(F, _, _), !trusted(_), !in_boundary(F, _)."
    assert "unknown-template-variable" in codes(src)


def test_free_keys_on_helper_rules_and_declarations() -> None:
    src = "/// doc: helper\n/// anything-goes: yes\n.decl p(x: symbol)\n/// why: because\np(X) :- flow(X, _, _)."
    assert ok(src) == []


def test_dangling_doc_comment_warning() -> None:
    warnings = ok("/// doc: nothing follows\n")
    assert [(w.code, w.level, w.span.line) for w in warnings] == [("dangling-doc-comment", Level.WARNING, 1)]


# --------------------------------------------------------------------------- all at once


def test_every_problem_is_reported_at_once() -> None:
    first = meta(stride="Tampring") + 'threat(F) :- flw(F, _, _), multiplier(F, "x").\n'
    second = "\n/// id: TM-NET-001\n" + "threat(F) :- flow(F, _, _), X != F.\n/// doc: dangling\n"
    found = sorted({d.code for d in errors(first, second)})
    assert found == sorted({
        "bad-metadata-value", "undeclared-predicate", "type-mismatch", "unsafe-variable",
        "missing-metadata", "duplicate-rule-id", "dangling-doc-comment",
    })
    warnings = [d for d in errors(first, second) if d.level is Level.WARNING]
    assert [w.code for w in warnings] == ["dangling-doc-comment"]


def test_diagnostics_render_with_a_caret(tmp_path: Path) -> None:
    rule = tmp_path / "pack.dl"
    rule.write_text(meta() + "threat(F) :- flow(F, _, _), protocl(F, _).\n", encoding="utf-8")
    # diagnostics quote only lines of files read through the guarded file access
    mods = [parse_module(SCHEMA, "schema.dl"), parse_module(read_text(rule, shown=str(rule)), str(rule))]
    with pytest.raises(RuleError) as info:
        check_modules(mods)
    text = render_diagnostics(info.value.diagnostics)
    assert f'{rule}:7:29: error: predicate "protocl" is not declared; did you mean "protocol"? ' \
           "[undeclared-predicate]" in text
    assert "\n    " + " " * 28 + "^~~~~~~\n" in text
    assert text.endswith("1 error, 0 warnings\n")


# --------------------------------------------------------------------------- helpers


def test_helpers() -> None:
    assert stride_canonical("elevation of privilege") == "ElevationOfPrivilege"
    assert stride_canonical("Denial-of-Service") == "DenialOfService"
    assert stride_canonical("Spoof") is None
    assert len(STRIDE_CATEGORIES) == 6
    assert template_variables("{F} from {S} to {D}, again {F}; not {{ this") == ["F", "S", "D"]
    assert split_list(" CAPEC-1, ,CAPEC-2 ") == ["CAPEC-1", "CAPEC-2"]


# --------------------------------------------------------------------------- loading files


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private schema, prelude and built-in rules folder, so these tests read no shipped pack."""
    (tmp_path / "schema.dl").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "prelude.dl").write_text(".decl encrypted(f: symbol)\nencrypted(F) :- flag(F, \"tls\").\n")
    builtin = tmp_path / "rules"
    (builtin / "net" / "tests").mkdir(parents=True)
    (builtin / "net" / "TM-NET-001.dl").write_text(meta(**MITRE) + GOOD_RULE, encoding="utf-8")
    (builtin / "net" / "tests" / "fixture.dl").write_text("this is not a rule file", encoding="utf-8")
    monkeypatch.setattr(program_module, "schema_file", lambda: tmp_path / "schema.dl")
    monkeypatch.setattr(program_module, "prelude_file", lambda: tmp_path / "prelude.dl")
    monkeypatch.setattr(program_module, "rules_dir", lambda: builtin)
    return tmp_path


def test_rule_files_recurse_sort_and_skip_tests(tmp_path: Path) -> None:
    for name in ["b/z.dl", "a.dl", "b/tests/t.dl", ".hidden/h.dl", "b/readme.md", "c/y.dl"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    found = rule_files([tmp_path, tmp_path / "a.dl"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.dl", "b/z.dl", "c/y.dl"]


def _rglob_rule_files(paths: list[Path]) -> list[Path]:
    """rule_files as it was written on Path.rglob (Python 3.11), the reference for the folder walk."""
    found: dict[Path, Path] = {}
    for path in paths:
        if not path.is_dir():
            found.setdefault(path.resolve(), path)
            continue
        for file in path.rglob("*.dl"):
            parts = file.relative_to(path).parts[:-1]
            if any(p == "tests" or p.startswith(".") for p in parts) or not file.is_file():
                continue
            found.setdefault(file.resolve(), file)
    return sorted(found.values())


def test_rule_files_finds_what_rglob_finds_links_included(tmp_path: Path) -> None:
    root = tmp_path / "packs"
    for name in ["a/x.dl", "a-b/x.dl", "a/deep/er/y.dl", "a/tests/t.dl", "a/.git/g.dl", "b/z.dl", "b/x.dl.txt",
                 "c.dl/inner.dl", "top.dl"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "w.dl").write_text("")
    (root / "b" / "same.dl").symlink_to(root / "b" / "z.dl")  # a second name for a file found anyway
    (root / "b" / "out.dl").symlink_to(tmp_path / "elsewhere" / "w.dl")  # found; reading it refuses it
    (root / "b" / "dangling.dl").symlink_to(tmp_path / "nowhere.dl")
    (root / "b" / "loop.dl").symlink_to(root / "b" / "loop.dl")
    (root / "linkdir").symlink_to(tmp_path / "elsewhere")  # never entered
    (root / "b" / "up.dl").symlink_to(root / "a")  # a link to a folder named like a rule file
    for given in ([root], [root / "a", root / "a" / "x.dl"], [root / "b", root / "a"], [root / "linkdir"]):
        assert rule_files(given) == _rglob_rule_files(given)
    assert "linkdir" not in {p.parts[len(root.parts)] for p in rule_files([root])}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        relative = [Path("packs"), Path("packs/b/z.dl")]
        assert rule_files(relative) == _rglob_rule_files(relative)


def test_pack_names_and_shown_paths_from_the_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tmlogic.logic.program.load import _pack_files, _read_all
    from tmlogic.resolution import shared_folders

    for name in ["all/net/a.dl", "all/web/b.dl", "flat/c.dl", "flat/sub/d.dl", "other/net/e.dl"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"// {name}\n")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path / "all")
    with shared_folders():
        packs = _pack_files([tmp_path / "all", tmp_path / "flat", tmp_path / "other", tmp_path / "flat" / "c.dl"])
        sources, problems = _read_all((), packs)
    assert problems == []
    assert [(Path(f.path).relative_to(tmp_path).as_posix(), name) for f, name in packs] == [
        ("all/net/a.dl", "net"), ("all/web/b.dl", "web"), ("flat/c.dl", "flat"), ("flat/sub/d.dl", "flat"),
        ("other/net/e.dl", "net#2"), ("flat/c.dl", "flat")]
    # shown as display_path shows them: below the working folder relative to it, else as given
    assert [(s.shown, s.pack) for s in sources] == [
        ("net/a.dl", "net"), ("web/b.dl", "web"), (str(tmp_path / "flat" / "c.dl"), "flat"),
        (str(tmp_path / "flat" / "sub" / "d.dl"), "flat"), (str(tmp_path / "other" / "net" / "e.dl"), "net#2")]
    assert [s.shown for s in sources] == [display_path(f.path) for f, _ in packs[:5]]


def test_load_program_reads_schema_prelude_builtin_and_extra(data: Path) -> None:
    extra = data / "TM-MY-001.dl"
    extra.write_text(meta(id="TM-MY-001", message="{F}") + "threat(F) :- encrypted(F).\n", encoding="utf-8")
    prog, warnings = load_program([extra])
    assert warnings == []
    assert sorted(r.metadata.get("id") for r in prog.threat_rules()) == ["TM-MY-001", "TM-NET-001"]  # type: ignore
    prog, _ = load_program([extra], builtin_rules=False)
    assert [r.metadata.get("id") for r in prog.threat_rules()] == ["TM-MY-001"]  # type: ignore[union-attr]


def test_load_program_does_not_load_a_file_twice(data: Path) -> None:
    prog, _ = load_program([data / "rules", data / "rules" / "net" / "TM-NET-001.dl"])
    assert len(prog.threat_rules()) == 1


def test_load_program_collects_syntax_errors_of_all_files(data: Path) -> None:
    (data / "one.dl").write_text("p(X) :- q(X)\n", encoding="utf-8")
    (data / "two.dl").write_text("p(X) <= q(X).\n", encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_program([data / "one.dl", data / "two.dl", data / "missing.dl"])
    got = sorted((Path(d.span.path).name, d.code) for d in info.value.diagnostics)
    assert got == [("missing.dl", "io"), ("one.dl", "syntax"), ("two.dl", "syntax")]


def test_load_program_raises_check_errors_and_honours_known_ids(data: Path) -> None:
    extra = data / "TM-MY-001.dl"
    extra.write_text(meta(id="TM-MY-001") + "/// cwe: CWE-1\n" + GOOD_RULE, encoding="utf-8")
    load_program([extra])
    with pytest.raises(RuleError) as info:
        load_program([extra], known_ids=KnownIds(cwe=frozenset({"CWE-319"})))
    assert [d.code for d in info.value.diagnostics] == ["unknown-kb-id"]


def test_lint_returns_everything_without_raising(data: Path) -> None:
    pack = data / "pack"
    pack.mkdir()
    (pack / "TM-MY-001.dl").write_text(meta(id="TM-MY-001", severity="hgh", **MITRE) + GOOD_RULE + "/// doc: dangling\n",
                                       encoding="utf-8")
    found = lint([pack])
    assert [(d.code, d.level) for d in found] == [("bad-metadata-value", Level.ERROR),
                                                  ("dangling-doc-comment", Level.WARNING)]
    assert [d.level for d in lint([pack], strict=True)] == [Level.ERROR, Level.ERROR]
    (pack / "b.dl").write_text("oops(", encoding="utf-8")
    assert [d.code for d in lint([pack])] == ["syntax"]  # checks wait for a complete parse
    assert lint([data / "nowhere"])[0].code == "io"


def test_lint_checks_a_pack_in_the_program_rules_test_and_analyze_run(data: Path) -> None:
    pack = data / "pack"
    pack.mkdir()
    (pack / "TM-NET-001.dl").write_text(meta(**MITRE) + GOOD_RULE, encoding="utf-8")
    assert [d.code for d in lint([pack])] == ["duplicate-rule-id"]  # the built-in TM-NET-001 has that id
    assert lint([pack], builtin_rules=False) == []


# --------------------------------------------------------------------------- MITRE ids, supersedes, severity keys


def test_lint_asks_for_mitre_ids_or_a_reason(data: Path) -> None:
    pack = data / "pack"
    pack.mkdir()
    (pack / "TM-X-001.dl").write_text(meta(id="TM-X-001", capec="CAPEC-157") + GOOD_RULE, encoding="utf-8")
    found = lint([pack])
    assert [(d.code, d.level) for d in found] == [("missing-mitre", Level.WARNING)] * 2
    assert {d.message for d in found} == {"threat rule names no CWE id", "threat rule names no ATT&CK id"}
    (pack / "TM-X-001.dl").write_text(meta(id="TM-X-001", capec="CAPEC-157", cwe="none: a modelling gap, not a weakness",
                                    attack="none (no technique applies)") + GOOD_RULE, encoding="utf-8")
    assert lint([pack]) == []
    # analysis does not nag about them: only the metalinter does
    assert ok(meta() + GOOD_RULE) == []


def test_none_needs_a_reason() -> None:
    d = only("bad-metadata-value", meta(capec="none") + GOOD_RULE)
    assert d.message == '"capec: none" needs a reason'


def test_supersedes_names_a_loaded_rule_of_the_same_stride() -> None:
    generic = meta(id="TM-X-001") + GOOD_RULE
    specific = meta(id="TM-X-002", supersedes="TM-X-001") + GOOD_RULE
    assert ok(generic + specific) == []
    d = only("bad-supersedes", generic + meta(id="TM-X-002", supersedes="TM-X-003") + GOOD_RULE)
    assert "not a loaded rule" in d.message and d.hint is not None and d.hint.startswith("did you mean")
    d = only("bad-supersedes", generic + meta(id="TM-X-002", stride="Tampering", supersedes="TM-X-001") + GOOD_RULE)
    assert "STRIDE category" in d.message
    d = only("bad-supersedes", meta(id="TM-X-001", supersedes="TM-X-001") + GOOD_RULE)
    assert d.message == "a rule cannot supersede itself"
    cycle = meta(id="TM-X-001", supersedes="TM-X-002") + GOOD_RULE + specific
    assert codes(cycle).count("bad-supersedes") == 2


def test_a_user_pack_may_supersede_a_builtin_rule_in_the_program_lint_checks(data: Path) -> None:
    pack = data / "pack"
    pack.mkdir()
    (pack / "TM-ACME-001.dl").write_text(meta(id="TM-ACME-001", supersedes="TM-NET-001", **MITRE) + GOOD_RULE, encoding="utf-8")
    assert lint([pack]) == []
    (pack / "TM-ACME-001.dl").write_text(meta(id="TM-ACME-001", stride="Spoofing", supersedes="TM-NET-001", **MITRE)
                               + GOOD_RULE, encoding="utf-8")
    assert [d.code for d in lint([pack])] == ["bad-supersedes"]


def test_data_impact_and_group_by_name_variables_of_the_rule() -> None:
    assert ok(meta(**{"data-impact": "yes"}) + GOOD_RULE) == []
    assert ok(meta(**{"data-impact": "S", "message": "{F} {S}"}) + "threat(F) :- flow(F, S, _).\n") == []
    d = only("bad-metadata-value", meta(**{"data-impact": "Data"}) + GOOD_RULE)
    assert "neither" in d.message
    assert ok(meta(**{"group-by": "F"}) + GOOD_RULE) == []
    d = only("bad-metadata-value", meta(**{"group-by": "S"}) + GOOD_RULE)
    assert "not a variable of the rule's head" in d.message and d.hint is not None and "F" in d.hint
    d = only("bad-metadata-value", meta(**{"mitigated-by": "rate-limited"}) + GOOD_RULE)
    assert d.message == '"rate-limited" is not a model flag'


def test_step_down_keys_name_a_body_variable_and_count_as_its_use() -> None:
    rule = "threat(F) :- flow(F, _, _), protocol(F, Why).\n"
    assert ok(meta(**{"likelihood-down": "Why"}) + rule) == []
    assert ok(meta(**{"impact-down": "Why"}) + rule) == []
    d = only("bad-metadata-value", meta(**{"likelihood-down": "Reason"}) + rule)
    assert "names a body variable" in d.message and d.hint is not None and "Why" in d.hint
