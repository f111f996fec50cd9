"""The built-in packs as a whole: clean under the metalinter, no retired id reused, and no
pack copies the prelude's knowledge tables."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from tmlogic.analysis import lint_rules
from tmlogic.logic.language.ast import Const
from tmlogic.logic.language.parser import parse_module
from tmlogic.model.loader import load_model

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"


def _table_values(path: Path) -> dict[str, set[str]]:
    """Constant -> the one-argument `*_type` / `*_protocol` tables of this file that list it."""
    out: dict[str, set[str]] = defaultdict(set)
    for fact in parse_module(path.read_text(encoding="utf-8"), str(path)).facts:
        atom = fact.atom
        if re.search(r"_(type|protocol)$", atom.predicate) and len(atom.args) == 1 and isinstance(atom.args[0], Const):
            out[str(atom.args[0].value)].add(atom.predicate)
    return out


def test_builtin_packs_lint_without_a_warning() -> None:
    assert [f"{d.span.short()} {d.code}" for d in lint_rules([RULES])] == []


def test_retired_ids_are_never_reused() -> None:
    retired = set(re.findall(r"^\| (TM-[A-Z]+-\d{3}) \|", (RULES / "RETIRED.md").read_text(encoding="utf-8"), re.M))
    assert retired, "rules/RETIRED.md lists the retired ids"
    used = {p.stem for p in RULES.rglob("TM-*.dl")}
    assert retired.isdisjoint(used)


def test_no_pack_copies_a_knowledge_table_of_the_prelude() -> None:
    """A pack's table may list a narrower notion (legacy protocols, SQL stores), never the same one
    again: a relation named like a prelude table after the pack prefix is a copy."""
    prelude = {d.predicate for d in parse_module((ROOT / "facts" / "prelude.dl").read_text(encoding="utf-8"),
                                                   "prelude.dl").decls}
    copies = []
    for path in sorted(RULES.rglob("*.dl")):
        if "tests" in path.parts:
            continue
        pack = path.parent.name.replace("-", "_") + "_"
        for decl in parse_module(path.read_text(encoding="utf-8"), str(path)).decls:
            if decl.predicate.startswith(pack) and decl.predicate.removeprefix(pack) in prelude:
                copies.append(f"{path.relative_to(ROOT)}: {decl.predicate} copies the prelude's "
                              f"{decl.predicate.removeprefix(pack)}")
    assert copies == []


def test_the_knowledge_tables_are_tables() -> None:
    """Each prelude table the packs use lists its spellings once, as facts a rule author can read."""
    values = _table_values(ROOT / "facts" / "prelude.dl")
    assert {"management_protocol", "cleartext_protocol"} <= values["TELNET"]
    assert {"network_device_type", "filtering_type"} <= values["firewall"]
    assert "bastion_type" in values["jump-host"] and "admin_type" in values["dba"]


def test_fixture_models_cover_every_knowledge_table() -> None:
    """Some fixture uses a spelling of each type and protocol table of the prelude."""
    tables: dict[str, set[str]] = defaultdict(set)
    for value, names in _table_values(ROOT / "facts" / "prelude.dl").items():
        for name in names:
            tables[name].add(value)
    types: set[str] = set()
    protocols: set[str] = set()
    for path in RULES.rglob("tests/*/*.md"):
        model, _ = load_model(path)
        for m in model.all_models():
            types |= {e.type for e in m.elements if e.type}
            protocols |= {f.protocol for f in m.flows if f.protocol}
    uncovered = sorted(name for name, values in tables.items()
                       if not values & (types if name.endswith("_type") else protocols))
    assert uncovered == []
