"""The quality scorer (bench/quality.py) implements the labelled corpus's matching rule."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("quality", ROOT / "bench" / "quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["quality"] = module
    spec.loader.exec_module(module)
    return module


quality = _load()
Found = quality.Found


def labels(**kinds: list[dict[str, str]]) -> list:  # type: ignore[type-arg]
    _, parsed = quality.parse_labels({"model": "m.md", **kinds}, "x.expect.yaml")
    return parsed


def test_a_must_is_found_by_target_name_and_stride_compared_loosely() -> None:
    ls = labels(must=[{"target": "Browse", "stride": "Information Disclosure", "severity": "medium"}])
    hit = Found("T1", "R-1", "InformationDisclosure", "elevated", ("Browse",))
    other_stride = Found("T2", "R-2", "Spoofing", "critical", ("Browse",))
    other_target = Found("T3", "R-3", "InformationDisclosure", "high", ("Browse2",))
    s = quality.score("m", ls, [hit, other_stride, other_target])
    assert (s.musts, s.found, s.within_one, s.bias_sum) == (1, 1, 1, 1)
    assert s.unlabelled == 2 and [t["id"] for t in s.unlabelled_threats] == ["T2", "T3"]


def test_any_stride_matches_and_the_highest_matching_level_counts() -> None:
    ls = labels(must=[{"target": "DB", "stride": "any", "severity": "low"}])
    s = quality.score("m", ls, [Found("a", "R", "Tampering", "medium", ("Flow", "DB")),
                                 Found("b", "R", "Spoofing", "high", ("DB",))])
    assert s.found == 1 and s.within_one == 0 and s.bias_sum == 3
    assert s.off_by_more == [{"target": "DB", "stride": "any", "label": "low", "tool": "high", "rule": "R"}]


def test_misses_false_alarms_mays_and_critical_share() -> None:
    ls = labels(must=[{"target": "A", "stride": "Spoofing", "severity": "high", "concern": "c"}],
                may=[{"target": "B", "stride": "Tampering"}],
                must_not=[{"target": "C", "stride": "Spoofing", "why": "anonymous"}])
    threats = [Found("1", "R", "Tampering", "low", ("B",)), Found("2", "R", "Spoofing", "critical", ("C",)),
               Found("3", "R", "Spoofing", "critical", ("D",))]
    s = quality.score("m", ls, threats)
    assert s.found == 0 and s.missed == [{"target": "A", "stride": "spoofing", "severity": "high", "concern": "c"}]
    assert s.must_not_hit == 1 and s.false_alarms[0]["threats"][0]["id"] == "2"
    assert s.may_matched == 1 and s.unlabelled == 1
    f = s.figures()
    assert f["critical_share"] == round(2 / 3, 4) and f["recall"] == 0.0 and f["severity_agreement"] == 0.0


@pytest.mark.parametrize(("data", "message"), [
    ([], "expected a mapping with a `model:` path"),
    ({"model": "m.md", "must": {}}, "`must` must be a list"),
    ({"model": "m.md", "must": [{"stride": "Spoofing"}]}, "needs a `target` name"),
    ({"model": "m.md", "may": [{"target": "A", "stride": "Spofing"}]}, "unknown stride"),
    ({"model": "m.md", "must": [{"target": "A", "stride": "any"}]}, "a `must` needs a severity"),
])
def test_bad_label_files_are_named(data: object, message: str) -> None:
    with pytest.raises(quality.LabelError, match=message):
        quality.parse_labels(data, "x.expect.yaml")


def test_totals_add_up_and_the_json_names_every_miss_and_extra(tmp_path: Path) -> None:
    (tmp_path / "one.md").write_text("""\
# Threat Model: One
## Boundaries
- **Internet**: isTrusted=False
- **Intranet**: isTrusted=True
## Actors
- **Customer**: boundary=Internet
## Servers
- **Web**: boundary=Intranet, type=web-server
## Data
- **Card**: classification=secret
## Dataflows
- **Checkout**: from="Customer", to="Web", protocol=HTTP, data="Card"
""", encoding="utf-8")
    (tmp_path / "one.expect.yaml").write_text("""\
model: one.md
must:
  - {target: Checkout, stride: InformationDisclosure, severity: high, concern: card data in clear}
  - {target: Web, stride: Repudiation, severity: medium, concern: no logs}
must_not:
  - {target: Checkout, stride: ElevationOfPrivilege, concern: none, why: test}
""", encoding="utf-8")
    cs = quality.score_corpus(tmp_path)
    assert [m.name for m in cs.models] == ["one"] and cs.total.musts == 2
    assert cs.total.found == 1 and cs.models[0].missed[0]["target"] == "Web"
    out = quality.to_json([cs])
    assert out["corpora"][0]["total"]["found"] == 1
    assert json.dumps(out, sort_keys=True) == json.dumps(quality.to_json([quality.score_corpus(tmp_path)]), sort_keys=True)
    table = quality.table([cs])
    assert "one" in table and "1/2 (50%)" in table
    assert quality.main(["--corpus", str(tmp_path / "nowhere")]) == 2


def test_another_tmlogic_is_scored_through_its_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # --tmlogic scores another version (an older commit) through its CLI: with this checkout's
    # CLI, the figures are the in-process ones.
    test_totals_add_up_and_the_json_names_every_miss_and_extra(tmp_path)
    command = [sys.executable, "-P", "-m", "tmlogic.cli"]
    through_cli = quality.to_json([quality.score_corpus(tmp_path, command=command)])
    assert through_cli == quality.to_json([quality.score_corpus(tmp_path)])
    assert quality.main(["--corpus", str(tmp_path), "--tmlogic", f"{sys.executable} -c 'raise SystemExit(3)'"]) == 2
    assert "exited 3" in capsys.readouterr().err
    assert quality.main(["--corpus", str(tmp_path), "--tmlogic", f"{sys.executable} -c pass"]) == 2
    assert "printed no tmlogic JSON result" in capsys.readouterr().err


def test_a_result_in_format_1_0_reads_like_2_0() -> None:
    threat = {"id": "T1", "rule_id": "TM-X-001", "stride": "Tampering", "message": "m",
              "severity": {"level": "high", "score": 8.0}, "targets": [{"id": "a-b", "name": "A to B"}]}
    for version in ("1.0", "2.0"):
        assert quality.found_in_result({"version": version, "threats": [threat]}) == \
            [Found("T1", "TM-X-001", "Tampering", "high", ("A to B",), "m")]
