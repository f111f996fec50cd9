"""The attack-path documentation says what the pack does: its step table lists every step rule
as it is, and the example step rule of docs/attack-paths.md loads as a step pack."""

from __future__ import annotations

import re
from pathlib import Path

from tmlogic.paths.pack import load_step_pack

ROOT = Path(__file__).resolve().parents[1]


def test_the_pack_readme_lists_every_step() -> None:
    pack, _ = load_step_pack()
    rows = re.findall(r"^\| (TM-PATH-\d{3}) \| ([a-z-]+) \| ([^|]+) \| ([^|]+) \|", (ROOT / "attack-paths" / "README.md")
                      .read_text(encoding="utf-8"), re.MULTILINE)
    listed = {rid: (kind, title.strip().removesuffix(" (assumed)"), attack.strip()) for rid, kind, title, attack in rows}
    actual = {s.id: (s.kind, s.title, ", ".join(s.techniques) or "-") for s in pack.steps}
    assert listed == actual


def test_the_documented_example_step_rule_loads(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "attack-paths.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```\w*\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    block = next(b for b in blocks if "/// step:" in b)
    (tmp_path / "TM-ACME-001.dl").write_text(block, encoding="utf-8")
    pack, warnings = load_step_pack([tmp_path])
    assert warnings == [] and any(s.id == "TM-ACME-001" for s in pack.steps)
