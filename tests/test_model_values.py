"""Attribute text parsed as data (values.py) and the name normalisation (vocabulary.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmlogic.model.values import looks_like_attributes, parse_attributes, parse_value, scalar
from tmlogic.model.vocabulary import (SECTIONS, canonical_classification, canonical_key, canonical_protocol,
                                      canonical_type, keys_for, parse_bool, resolve_key, section_for, slug)


def attrs(text: str, line: int = 1, col: int = 1) -> dict[str, object]:
    result = parse_attributes(text, "m.md", line, col)
    assert result.diagnostics == [], result.diagnostics
    return {a.key: a.value for a in result.attrs}


def errors(text: str, col: int = 1) -> list[tuple[int, int, str]]:
    result = parse_attributes(text, "m.md", 7, col)
    return [(d.span.line, d.span.col, d.message) for d in result.diagnostics]


# --- value forms ------------------------------------------------------------------------------

def test_the_documented_example() -> None:
    text = ('key=value, key2="quoted, with comma", key3=bare words with spaces, key4=["a", \'b\'], '
            'key5=[{"id": "T1565", "name": "x"}], key6={\'a\': [1, 2.5, True]}')
    assert attrs(text) == {
        "key": "value",
        "key2": "quoted, with comma",
        "key3": "bare words with spaces",
        "key4": ["a", "b"],
        "key5": [{"id": "T1565", "name": "x"}],
        "key6": {"a": [1, 2.5, True]},
    }


@pytest.mark.parametrize("text, expected", [
    ("description=User personal information", "User personal information"),
    ("color=#F0F0F0", "#F0F0F0"),
    ("submodel=./backend/model.md", "./backend/model.md"),
    ("from=User", "User"),
    ("x=Load Balancer (Optional)", "Load Balancer (Optional)"),
    ("x=a, b and c", "a, b and c"),  # a comma not followed by key= stays in the bare value
    ("x=it's fine", "it's fine"),
    ("x=  padded  ", "padded"),
])
def test_bare_values_run_to_the_next_key(text: str, expected: str) -> None:
    assert attrs(text)["x" if text.startswith("x=") else text.split("=")[0]] == expected


@pytest.mark.parametrize("raw, value", [
    ("True", True), ("true", True), ("TRUE", True), ("False", False), ("fAlSe", False),
    ("None", None), ("null", None), ("none", "none"),
    ("42", 42), ("-3", -3), ("1.5", 1.5), ("2.", 2.0), (".5", 0.5), ("1e3", 1000.0), ("007", "007"),
    ("yes", "yes"),
])
def test_scalars(raw: str, value: object) -> None:
    assert scalar(raw) == value and type(scalar(raw)) is type(value)
    assert attrs(f"k={raw}")["k"] == value


def test_quoted_strings_and_escapes() -> None:
    got = attrs(r'''a="say \"hi\"", b='it\'s', c="tab\there", d="C:\dir", e='x, y=z', f=""''')
    assert got == {"a": 'say "hi"', "b": "it's", "c": "tab\there", "d": "C:\\dir", "e": "x, y=z", "f": ""}


def test_containers() -> None:
    got = attrs("t=[Impact, Defense Evasion], e=[], d={}, n=[[1, [2]], {'k': None}], tr=[1, 2,]")
    assert got == {"t": ["Impact", "Defense Evasion"], "e": [], "d": {}, "n": [[1, [2]], {"k": None}], "tr": [1, 2]}


def test_mitre_dict_form() -> None:
    text = ("{'tactics':[\"Impact\", \"Defense Evasion\"], 'techniques':[{'id': 'T1565', 'name': 'Data Manipulation'}]}")
    result = parse_value(text, "m.md", 3, 27)
    assert result.ok and result.value == {"tactics": ["Impact", "Defense Evasion"],
                                          "techniques": [{"id": "T1565", "name": "Data Manipulation"}]}
    assert (result.span.line, result.span.col) == (3, 27)


def test_nothing_is_evaluated() -> None:
    got = attrs("a=__import__('os').system('echo pwned'), b={'x': __import__}")
    assert got == {"a": "__import__('os').system('echo pwned')", "b": {"x": "__import__"}}


def test_raw_text_is_kept_for_bare_values() -> None:
    (attr,) = parse_attributes("version=1.10", "m.md", 1, 1).attrs
    assert attr.value == 1.1 and attr.raw == "1.10" and attr.bare
    (quoted,) = parse_attributes('v="1.10"', "m.md", 1, 1).attrs
    assert quoted.value == "1.10" and not quoted.bare


def test_spans_are_exact() -> None:
    result = parse_attributes('color=red, isTrusted=False, d="x y"', "m.md", 4, 20)
    spans = {a.key: (a.span.line, a.span.col, a.span.end_col, a.value_span.col, a.value_span.end_col)
             for a in result.attrs}
    assert spans == {"color": (4, 20, 25, 26, 29), "isTrusted": (4, 31, 40, 41, 46), "d": (4, 48, 49, 50, 55)}


def test_multi_line_text_continues_at_column_one() -> None:
    result = parse_attributes('a=1,\n    b="x",\n    c=long\n      text', "m.md", 10, 12)
    assert [(a.key, a.value, a.span.line, a.span.col) for a in result.attrs] == [
        ("a", 1, 10, 12), ("b", "x", 11, 5), ("c", "long text", 12, 5)]


def test_looks_like_attributes() -> None:
    assert looks_like_attributes(" factor=1.5")
    assert not looks_like_attributes("1.5") and not looks_like_attributes("{'a': 1}") and not looks_like_attributes("a==b")


# --- malformed input ---------------------------------------------------------------------------

def test_unterminated_string_points_at_the_quote() -> None:
    result = parse_attributes('a=1, b="open, c=2', "m.md", 7, 5)
    (d,) = result.diagnostics
    assert (d.span.line, d.span.col, d.code) == (7, 12, "syntax")
    assert "unterminated string" in d.message and d.hint and '"' in d.hint
    assert [a.key for a in result.attrs] == ["a"]


@pytest.mark.parametrize("text, col, what", [
    ("a=[1, 2, b=3", 3, "unterminated list"),
    ("a={'x': [1, 2}", 14, "expected ',' or ']'"),
    ("a={'x': 1", 3, "unterminated dict"),
    ("=3, b=2", 1, "missing key before '='"),
    ("foo bar, b=2", 1, "expected '=' after 'foo'"),
    ("a=, b=1", 2, "missing value after 'a='"),
    ('a="x" y, b=2', 7, "expected ',' after the value of 'a'"),
    ('data="A", "B"', 11, "expected a key"),
    ("a={'k' 1}", 8, "expected ':'"),
    ("a=[1,,2]", 6, "expected a value"),
    ("a={'k': 1, 'k': 2}", 12, "duplicate key 'k'"),
])
def test_errors_have_exact_columns(text: str, col: int, what: str) -> None:
    found = errors(text)
    assert found and found[0][:2] == (7, col) and what in found[0][2], found
    assert all(d.hint for d in parse_attributes(text, "m.md", 7, 1).diagnostics)


def test_every_error_of_a_line_is_reported() -> None:
    text = '=1, good="a" junk, c=[1}, last=ok'
    found = errors(text)
    assert [c for _, c, _ in found] == [1, text.index("junk") + 1, text.index("}") + 1]
    assert [a.key for a in parse_attributes(text, "m", 1, 1).attrs] == ["good", "last"]


def test_a_bare_value_swallows_text_up_to_the_next_key() -> None:
    # by design: `, bad word` is not `, key=`, so it belongs to the bare value before it
    assert attrs("good=1, bad word, x=2") == {"good": "1, bad word", "x": 2}


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    result = parse_attributes("a=" + "[" * 500 + "]" * 500, "m.md", 1, 1)
    assert result.diagnostics and "nested too deeply" in result.diagnostics[0].message


def test_parse_value_errors() -> None:
    assert parse_value("", "m", 1, 5).ok is False
    bad = parse_value("{'a': 1} trailing", "m", 2, 10)
    assert not bad.ok and (bad.diagnostics[0].span.col) == 19
    assert parse_value("1.8 (single point of failure)", "m", 1, 1).value == "1.8 (single point of failure)"


# --- vocabulary -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, key", [
    ("isTrusted", "is_trusted"), ("is_trusted", "is_trusted"), ("IsTrusted", "is_trusted"),
    ("credentialsLife", "credentials_life"), ("line-style", "line_style"), ("isFilled", "is_filled"),
    ("HTTPPort", "http_port"), ("x-tmlogic-ignore", "x_tmlogic_ignore"),
])
def test_canonical_key(raw: str, key: str) -> None:
    assert canonical_key(raw) == key


@pytest.mark.parametrize("raw", ["load_balancer", "Load Balancer", "load-balancer", "LoadBalancer", " LOAD_BALANCER "])
def test_canonical_type(raw: str) -> None:
    assert canonical_type(raw) == "load-balancer"


def test_other_normalisers() -> None:
    assert canonical_type("APIGateway") == "api-gateway" and canonical_type("DatabaseServer") == "database-server"
    assert canonical_protocol(" https ") == "HTTPS" and canonical_protocol("DB  Sync") == "DB SYNC"
    for spelling in ("TOP_SECRET", "Top Secret", "top-secret", "topsecret"):
        assert canonical_classification(spelling) == "top-secret"
    assert canonical_classification("PUBLIC") == "public" and canonical_classification("confidential") is None
    assert slug("External Client 1") == "external-client-1"
    assert slug("Monolithic Application (e.g., PHP, Ruby on Rails)") == "monolithic-application-e-g-php-ruby-on-rails"
    assert slug("Café Server") == "cafe-server" and slug("!!!") == ""


@pytest.mark.parametrize("value, expected", [
    (True, True), ("True", True), ("false", False), ("YES", True), ("no", False), ("maybe", None), (1, None),
])
def test_parse_bool(value: object, expected: bool | None) -> None:
    assert parse_bool(value) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize("heading, section", [
    ("Boundaries", "boundaries"), ("zones", "boundaries"), ("Data Stores", "datastores"), ("DATASTORES", "datastores"),
    ("External Entities", "external_entities"), ("external_entities", "external_entities"), ("Flows", "dataflows"),
    ("Data Flows", "dataflows"), ("data_flows", "dataflows"), ("Protocol Styles", "protocol_styles"),
    ("Severity Multipliers", "severity_multipliers"), ("Custom Mitre Mapping", "custom_mitre_mapping"),
    ("Description", "description"), ("Processes", "processes"), ("Servrs", None),
])
def test_section_aliases(heading: str, section: str | None) -> None:
    assert section_for(heading) == section


def test_key_aliases() -> None:
    assert resolve_key("boundaries", "isTrusted")[0] == "is_trusted"
    assert resolve_key("boundaries", "trusted")[0] == "is_trusted"
    assert resolve_key("servers", "is_public")[0] == "internet_facing"
    assert resolve_key("dataflows", "source")[0] == "from"
    assert resolve_key("servers", "nonsense")[1] is None
    spec = keys_for("data")["classification"]
    assert spec.kind == "enum" and "top-secret" in spec.values
    assert keys_for("servers")["authentication"].kind == "enum"


def test_every_key_is_documented() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "model-language.md").read_text(encoding="utf-8")
    missing = sorted({f"{section}.{key}" for section in SECTIONS for key, spec in keys_for(section).items()
                      if f"`{key}`" not in doc or any(f"`{alias}`" not in doc for alias in spec.aliases)})
    assert missing == []


@pytest.mark.parametrize(("written", "canonical"), [
    ("LoadBalancer", "load-balancer"), ("load_balancer", "load-balancer"), ("Load Balancer", "load-balancer"),
    ("APIGateway", "api-gateway"), ("WebServer", "web-server"), ("XMLParser", "xml-parser"),
    ("PostgreSQL", "postgresql"), ("postgre-sql", "postgresql"), ("MySQL", "mysql"), ("MongoDB", "mongodb"),
    ("mongo-db", "mongodb"), ("GraphQL", "graphql"), ("IdP", "idp"), ("id-p", "idp"), ("IdPServer", "idp-server"),
    ("DDoSProtection", "ddos-protection"), ("d-do-s-protection", "ddos-protection"), ("OAuth2Server", "oauth2-server"),
    ("o-auth2-server", "oauth2-server"), ("HashiCorpVault", "hashicorp-vault"), ("GitHubActions", "github-actions"),
    ("CI/CD", "ci-cd"), ("S3Bucket", "s3-bucket"), ("protocol_break_device", "protocol-break-device"),
])
def test_types_keep_acronyms_and_product_names_whole(written: str, canonical: str) -> None:
    assert canonical_type(written) == canonical


def test_attributes_and_spans_are_the_records_their_init_makes() -> None:
    from tmlogic._errors import SourceSpan
    from tmlogic.model.raw import RawAttr

    text = 'a=1, b="two", c=[1, {"k": "v"}],\n  d=bare words'
    attrs = parse_attributes(text, "m.md", 3, 7).attrs
    assert [a.key for a in attrs] == ["a", "b", "c", "d"]
    for a in attrs:
        rebuilt = RawAttr(a.key, a.value, SourceSpan(*vars(a.span).values()), SourceSpan(*vars(a.value_span).values()),
                          a.raw, a.bare)
        assert rebuilt == a and hash(rebuilt.span) == hash(a.span) and hash(rebuilt.value_span) == hash(a.value_span)
        assert list(vars(rebuilt)) == list(vars(a)) and list(vars(rebuilt.span)) == list(vars(a.span))
        assert type(a) is RawAttr and type(a.span) is SourceSpan and type(a.value_span) is SourceSpan
    assert not hasattr(RawAttr, "__post_init__") and not hasattr(SourceSpan, "__post_init__")
    assert attrs[3].value_span == SourceSpan("m.md", 4, 5, 4, 15)  # on the continued line
