"""docs/rule-language.md is enough to write a pack: its example pack lints clean and its
fixtures pass, as written on the page."""

from __future__ import annotations

import re
from pathlib import Path

from tmlogic.analysis import lint_rules
from tmlogic.ruletest import run_rule_tests

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "rule-language.md"
_FILE = re.compile(r"<!-- file: (?P<path>\S+) -->\n```[a-z]*\n(?P<body>.*?)```\n", re.S)


def _write_example(tmp_path: Path) -> Path:
    files = {m["path"]: m["body"] for m in _FILE.finditer(DOC.read_text(encoding="utf-8"))}
    assert {"acme/acme.dl", "acme/TM-ACME-001.dl", "acme/tests/TM-ACME-001/expected.json"} <= set(files)
    for name, body in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return tmp_path / "acme"


def test_the_example_pack_lints_without_a_warning(tmp_path: Path) -> None:
    assert lint_rules([_write_example(tmp_path)]) == []


def test_the_example_pack_passes_its_fixtures(tmp_path: Path) -> None:
    outcomes = run_rule_tests([_write_example(tmp_path)])
    assert [(o.rule_id, o.problems, o.fixtures) for o in outcomes] == [("TM-ACME-001", [], 2)]
