"""The JSON Schema of the YAML model language, generated from the vocabulary tables.

The schema is a file in the package (`tmlogic/model/json/tmlogic-model-1.0.schema.json`),
regenerated from vocabulary.py by `python -m tmlogic.model.json_schema` and checked by a test,
so it never disagrees with what the builder accepts. Editors use it to complete and check
models as they are typed (`# yaml-language-server: $schema=...`).

It accepts each key in its documented spellings (snake_case, camelCase, kebab-case and the
aliases), enumerated values in any case with `-`, `_` or spaces, booleans as YAML booleans or
yes/no/true/false words, and `x-...` keys anywhere. It rejects unknown keys, which tmlogic
itself only warns about (`--strict` makes them errors): an editor should show the typo.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ..typing_runtime import Any
from .vocabulary import SECTION_KINDS, SECTIONS, KeySpec, keys_for

__all__ = ["model_schema", "schema_file", "SCHEMA_ID", "render_schema"]

SCHEMA_ID = "tmlogic-model-1.0.schema.json"
_TOP_ALIASES = {
    "description": ("overview",), "boundaries": ("zones", "trust_boundaries", "trust_zones"), "actors": ("users",),
    "servers": ("nodes",), "datastores": ("data_stores",), "external_entities": ("externals", "external_entity"),
    "data": ("data_assets", "assets"), "dataflows": ("data_flows", "flows"),
    "severity_multipliers": ("multipliers",),
    "custom_mitre_mapping": ("custom_mitre_mappings", "mitre_mapping"),
    "accepted_threats": ("suppressions", "accepted_risks", "risk_acceptance"),
    "threats": ("manual_threats", "hand_written_threats", "known_threats"),
}
_NESTED_BOUNDARIES = ("boundaries", "sub_boundaries", "zones", "children")
_WORDS_TRUE = ("true", "yes")
_WORDS_FALSE = ("false", "no")


def _spellings(key: str) -> list[str]:
    parts = key.split("_")
    camel = parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    return list(dict.fromkeys([key, camel, "-".join(parts)]))


def _any_case(word: str) -> str:
    """A regex for a word in any case, with -, _ or a space between its parts."""
    out = []
    for ch in word:
        if ch.isalpha():
            out.append(f"[{ch.lower()}{ch.upper()}]")
        elif ch in "-_ ":
            out.append("[-_ ]?")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _words(words: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"type": "string", "pattern": "^\\s*(" + "|".join(_any_case(w) for w in words) + ")\\s*$"}


_SCALAR: dict[str, Any] = {"type": ["string", "number", "boolean", "null"]}
_BOOL: dict[str, Any] = {"anyOf": [{"type": "boolean"}, _words(_WORDS_TRUE + _WORDS_FALSE)]}


def _value(spec: KeySpec) -> dict[str, Any]:
    kind = spec.kind
    if kind == "bool":
        return dict(_BOOL)
    if kind == "enum":
        words = list(spec.values) + [a for a, _ in spec.value_aliases]
        if spec.key == "classification":
            words += ["topsecret", "top secret"]
        return {"anyOf": [_words(words), {"type": "null"}]} if "none" in spec.values else _words(words)
    if kind == "number":
        return {"anyOf": [{"type": "number"}, {"type": "string", "pattern": "^\\s*[-+]?[0-9.eE+-]+\\s*$"}]}
    if kind == "port":
        return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535},
                          {"type": "string", "pattern": "^\\s*[0-9]{1,5}\\s*$"}]}
    if kind in ("list", "refs"):
        return {"anyOf": [{"type": "array", "items": _SCALAR}, _SCALAR]}
    if kind in ("text", "ref", "path"):
        return dict(_SCALAR)
    return {}


def _entry(table: str, section: str, defs: dict[str, Any]) -> dict[str, Any]:
    """The keys of one section; each key's value schema is defined once and referenced by every spelling."""
    props: dict[str, Any] = {}
    for spec in keys_for(section).values():
        ref = f"{table}.{spec.key}"
        defs[ref] = _value(spec) | {"description": spec.doc}
        for name in (spec.key, *spec.aliases):
            for spelling in _spellings(name):
                props.setdefault(spelling, {"$ref": f"#/$defs/{ref}"})
    props["name"] = {"type": ["string", "number"], "description": "the entry's name"}
    if section == "boundaries":
        for key in _NESTED_BOUNDARIES:
            props.setdefault(key, {"$ref": "#/$defs/boundaries", "description": "nested boundaries"})
            props.setdefault(key.replace("_", "-"), props[key])
    return {"type": "object", "properties": dict(sorted(props.items())),
            "patternProperties": {"^[xX][-_]": {}}, "additionalProperties": False}


def _section(table: str, section: str) -> dict[str, Any]:
    ref = {"$ref": f"#/$defs/{table}_entry"}
    named = {"allOf": [ref, {"required": ["name"]}]}
    mapping_value: list[dict[str, Any]] = [ref, {"type": "null"}]
    if section == "severity_multipliers":
        mapping_value.append({"type": ["number", "string"]})
    if section == "custom_mitre_mapping":
        mapping_value.append({"type": "object"})
    return {"anyOf": [
        {"type": "null"},
        {"type": "array", "items": {"anyOf": [named, {"type": ["string", "number"]}]}},
        {"type": "object", "additionalProperties": {"anyOf": mapping_value}},
    ]}


def _table(section: str) -> str:
    """Element sections share one key table, so they share one definition."""
    return "element" if section in SECTION_KINDS else section


def model_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    top: dict[str, Any] = {
        "title": {"type": ["string", "number", "null"], "description": "the model's title"},
        "name": {"type": ["string", "number", "null"], "description": "the model's title (another spelling)"},
        "version": {"description": "ignored: your own version of the model"},
        "schema_version": {"description": "ignored"},
    }
    for section, heading in SECTIONS.items():
        if section == "description":
            value: dict[str, Any] = {"type": ["string", "null"], "description": "prose (Markdown), rendered in reports"}
        else:
            table = _table(section)
            if f"{table}_entry" not in defs:
                defs[f"{table}_entry"] = _entry(table, section, defs)
                defs[table] = _section(table, section)
            value = {"$ref": f"#/$defs/{table}", "description": f"the {heading} section"}
        for name in (section, *_TOP_ALIASES.get(section, ())):
            for spelling in _spellings(name):
                top.setdefault(spelling, value)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "tmlogic threat model (YAML form)",
        "description": "The YAML form of the tmlogic model language (docs/model-language.md). Generated from "
                       "tmlogic/model/vocabulary.py; regenerate with `python -m tmlogic.model.json_schema`.",
        "type": "object",
        "properties": dict(sorted(top.items())),
        "patternProperties": {"^[xX][-_]": {}},
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }


def render_schema() -> str:
    return json.dumps(model_schema(), indent=2, ensure_ascii=False) + "\n"


def schema_file() -> Path:
    return Path(__file__).parent / "json" / SCHEMA_ID


if __name__ == "__main__":  # regenerate the published file
    schema_file().parent.mkdir(exist_ok=True)
    schema_file().write_text(render_schema(), encoding="utf-8")
    sys.stdout.write(f"wrote {schema_file()}\n")
