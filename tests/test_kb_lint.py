"""The rule checker knows the knowledge base: CAPEC, CWE and ATT&CK ids it lacks are `unknown-kb-id` errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmlogic._errors import RuleError
from tmlogic.kb.loader import embedded_dir, known_ids, known_ids_in, load_kb
from tmlogic.analysis import lint_rules, load_rules

RULE = """\
/// id: TM-KBT-001
/// title: Ids from the knowledge base
/// stride: Spoofing
/// severity: high
/// capec: {capec}
/// cwe: {cwe}
/// attack: {attack}
/// message: '{{F}}' is a flow
/// mitigation: none
threat(F) :- flow(F, _, _).
"""


def pack(tmp_path: Path, capec: str = "CAPEC-565", cwe: str = "CWE-307", attack: str = "T1110.003") -> Path:
    folder = tmp_path / "pack"
    folder.mkdir(exist_ok=True)
    (folder / "TM-KBT-001.dl").write_text(RULE.format(capec=capec, cwe=cwe, attack=attack), encoding="utf-8")
    return folder


def test_known_ids_pass(tmp_path: Path) -> None:
    assert lint_rules([pack(tmp_path)]) == []


def test_unknown_ids_are_errors(tmp_path: Path) -> None:
    found = lint_rules([pack(tmp_path, capec="CAPEC-565, CAPEC-99999", cwe="CWE-1", attack="T1574.002, T1513")])
    assert [(d.code, d.span.line) for d in found] == [("unknown-kb-id", 5), ("unknown-kb-id", 6),
                                                       ("unknown-kb-id", 7), ("unknown-kb-id", 7)]
    headlines = [d.headline() for d in found]
    assert any('CAPEC id "CAPEC-99999" is not in the knowledge base; did you mean' in h for h in headlines)
    assert any('CWE id "CWE-1" is not in the knowledge base: a category in CWE 4.14, not a weakness;' in h
               for h in headlines)
    assert any('ATT&CK id "T1574.002" is not in the knowledge base: revoked in ATT&CK 18.1; use "T1574.001" instead'
               in h for h in headlines)
    assert any('ATT&CK id "T1513" is not in the knowledge base;' in h for h in headlines)  # a Mobile technique


def test_load_rules_checks_by_default_and_can_skip(tmp_path: Path) -> None:
    bad = pack(tmp_path, attack="T1513")
    with pytest.raises(RuleError) as info:
        load_rules([bad])
    assert [d.code for d in info.value.diagnostics] == ["unknown-kb-id"]
    load_rules([bad], use_kb=False)
    assert lint_rules([bad], use_kb=False) == []


def test_known_ids_match_the_loaded_knowledge_base() -> None:
    ids = known_ids_in()
    assert ids is not None and ids == known_ids(load_kb())
    assert {"CAPEC-565", "CAPEC-157"} <= ids.capec  # type: ignore[operator]
    assert "T1110.003" in ids.attack and "T1574.002" not in ids.attack  # type: ignore[operator]
    assert "CWE-319" in ids.cwe and "CWE-1187" not in ids.cwe  # type: ignore[operator]  (1187 is deprecated)


def test_no_knowledge_base_means_no_id_check(tmp_path: Path) -> None:
    assert known_ids_in(tmp_path) is None
    assert known_ids_in(embedded_dir()) is not None


def test_known_ids_read_from_the_embedded_files() -> None:
    from tmlogic.kb import loader

    loader._known.cache_clear()
    ids = known_ids_in()
    assert ids is not None and "CAPEC-158" in ids.capec
