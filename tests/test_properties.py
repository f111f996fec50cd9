"""Property-based tests (hypothesis): the Markdown, YAML and .dl parsers take any text without an
exception escaping, and the whole analyze path on generated models ends in exit code 0, 1 or 2."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tmlogic._errors import RuleError
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.logic.language.checks import check_modules
from tmlogic.logic.language.parser import parse_module
from tmlogic.model.markdown_reader import read_markdown
from tmlogic.model.yaml_reader import read_yaml
from tmlogic.resources import schema_file

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like models: the characters models are made of, and the ones that break things.
_ALPHABET = st.sampled_from(list("- *_:=,\"'[]{}()#@!\\/.\n\t 0123456789abcdefghijklmnopqrstuvwxyzABCXYZ")
                            + ["\x1b", "\x00", "\u2028", "\u2029", "\x85", "\u202e", "\u200b", "é", "☃", "\r"])
_MODELISH = st.text(_ALPHABET, max_size=400)
_KEYWORDS = st.sampled_from(["## Boundaries\n", "## Servers\n", "## Actors\n", "## Dataflows\n", "## Data\n",
                             "## Severity Multipliers\n", "## Custom Mitre Mapping\n", "# Threat Model: X\n",
                             "- **A**: ", "- **B**: ", " - **C**: ", "isTrusted=", "boundary=", "from=", "to=",
                             "protocol=", "submodel=", "```\n", "<!-- ", "\n"])
_MARKDOWN = st.lists(st.one_of(_KEYWORDS, _MODELISH), max_size=30).map("".join)


@SETTINGS
@given(_MARKDOWN)
def test_the_markdown_reader_takes_any_text(text: str) -> None:
    doc = read_markdown(text, "m.md")
    assert all(d.span.line >= 1 and d.span.col >= 1 for d in doc.diagnostics)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30))
_YAML_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=30)
_YAML_MODELS = st.fixed_dictionaries({}, optional={
    "title": st.text(max_size=20),
    "boundaries": st.lists(st.dictionaries(st.sampled_from(["name", "is_trusted", "boundaries", "color"]), _YAML_VALUES,
                                           max_size=4), max_size=4),
    "servers": st.lists(st.dictionaries(st.sampled_from(["name", "boundary", "type", "port", "submodel"]), _YAML_VALUES,
                                        max_size=5), max_size=4),
    "dataflows": st.lists(st.dictionaries(st.sampled_from(["name", "from", "to", "protocol", "data"]), _YAML_VALUES,
                                          max_size=5), max_size=4),
    "severity_multipliers": _YAML_VALUES,
})


@SETTINGS
@given(st.one_of(_YAML_MODELS.map(lambda d: yaml.safe_dump(d, allow_unicode=True)), _MODELISH))
def test_the_yaml_reader_takes_any_text(text: str) -> None:
    doc = read_yaml(text, "m.yaml")
    assert all(d.span.line >= 1 for d in doc.diagnostics)


_DL_PIECES = st.sampled_from(["threat(", "flow(", "element(", "p(", "X", "Y", "_", ", ", ")", " :- ", ".", "!",
                              "\"s\"", "42", "-7", " = ", " != ", " < ", ".decl p(a: symbol)\n", ".decl q(n: number)\n",
                              "/// id: TM-X-001\n", "/// message: {X}\n", "/// title: t\n", "// c\n", "\n", "\"", "\\",
                              "9" * 30])
_DL = st.lists(st.one_of(_DL_PIECES, st.text(_ALPHABET, max_size=10)), max_size=40).map("".join)
_SCHEMA = parse_module(schema_file().read_text(encoding="utf-8"), "schema.dl")


@SETTINGS
@given(_DL)
def test_the_rule_parser_and_checker_raise_only_located_rule_errors(text: str) -> None:
    try:
        module = parse_module(text, "p.dl")
        check_modules([_SCHEMA, module])
    except RuleError as exc:
        assert exc.diagnostics and all(d.span.line >= 1 for d in exc.diagnostics)


# --- the whole analyze path on generated models ---------------------------------------------------

_NAMES = st.one_of(st.sampled_from(["Internet", "DMZ", "Web", "DB", "User", "App", "web", "Web Server"]),
                   st.text(_ALPHABET, min_size=1, max_size=12))
_PROTOCOLS = st.sampled_from(["HTTP", "HTTPS", "SSH", "LDAP", "TLS", "", "\"x\"", "MYRPC"])


@st.composite
def _models(draw: st.DrawFn) -> str:
    zones = draw(st.lists(_NAMES, min_size=0, max_size=4, unique=True))
    elements = draw(st.lists(_NAMES, min_size=1, max_size=6, unique=True))
    lines = ["# Threat Model: Generated", "## Boundaries"]
    for i, z in enumerate(zones):
        lines.append(" " * draw(st.integers(0, 3)) * (i > 0) + f"- **{z}**: isTrusted={draw(st.sampled_from(['True', 'False', 'maybe']))}")
    lines.append(draw(st.sampled_from(["## Servers", "## Actors", "## Processes", "## Datastores"])))
    for e in elements:
        zone = f", boundary={draw(st.sampled_from(zones))}" if zones and draw(st.booleans()) else ""
        extra = draw(st.sampled_from(["", ", internet_facing=True", ", type=database", ", port=70000", ", x-a=1"]))
        lines.append(f"- **{e}**: name_hint=1{zone}{extra}")
    lines.append("## Dataflows")
    for n in range(draw(st.integers(0, 6))):
        src, dst = draw(st.sampled_from(elements)), draw(st.sampled_from(elements))
        enc = draw(st.sampled_from(["", ", is_encrypted=True", ", is_encrypted=False", ", bidirectional=True"]))
        lines.append(f'- **F{n}**: from="{src}", to="{dst}", protocol="{draw(_PROTOCOLS)}"{enc}')
    if draw(st.booleans()):
        lines.append(draw(_MODELISH))
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_models(), st.sampled_from([("--format", "json"), ("--fail-on", "high"), ("--format", "markdown"), ()]))
def test_analyze_ends_in_exit_code_0_1_or_2(model: str, extra: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.md"
        path.write_text(model, encoding="utf-8", errors="surrogatepass")
        result = CliRunner().invoke(app, ["analyze", str(path), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr
