"""The JSON result written as it is encoded: the pieces of `json_chunks` make exactly the text of
`json.dumps(result_to_dict(...))` (threats with tracking, accepted risks, corroborations, attack
paths, model text outside ASCII), the CLI writes them atomically to a file or to stdout, and an
analysis leaves none of its engine's relations alive once it is dropped."""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.fileaccess import WriteRefused, write_text_chunks
from tmlogic.gc_pause import collector_paused
from tmlogic.logic.engines.relation import Relation
from tmlogic.outputs.formats import render_chunks
from tmlogic.kb.enrich import Enrichment, Link, Tactic, TechniqueLink, Via
from tmlogic.outputs.json_output import _ENCODE, _MitreText, json_chunks, render_json, result_to_dict
from tmlogic.paths.find import PathOptions, find_paths
from tmlogic.resources import packs_dir
from tmlogic.result import Gate, Result
from tmlogic.tracking.track import track
from tmlogic.records import replace

MODEL = """\
# Threat Model: Café checkout
## Boundaries
- **Internet**: isTrusted=False
- **Intranet**: isTrusted=True
## Actors
- **Kunde**: boundary=Internet
## Servers
- **Web**: boundary=Intranet, type="web-server", validates_input=False
- **Datenbank**: boundary=Intranet, type="database"
## Data
- **Karten**: classification=SECRET, description="PAN — und CVV"
## Dataflows
- **Bestellung**: from="Kunde", to="Web", protocol="HTTP", data="Karten"
- **Abfrage**: from="Web", to="Datenbank", protocol="SQL", data="Karten"
"""

# A rule the pytm pack repeats (LDAP injection, CAPEC-136): its finding is merged into this one,
# so the threat carries a corroboration with a proof of its own.
PACK = """\
/// id: TM-TEST-001
/// title: LDAP injection into an unvalidating server
/// stride: Tampering
/// severity: elevated
/// capec: CAPEC-136
/// message: Server '{E}' builds LDAP queries from input it does not validate.
/// mitigation: Validate input and escape LDAP filters.
threat(E) :- attr(E, "validates_input", "false"), element(E, "server").
"""


def _dumps(result: Result) -> str:
    """The reference: the whole document as one dictionary, encoded in one go."""
    return json.dumps(result_to_dict(result), ensure_ascii=False, separators=(",", ":")) + "\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stream")
    (root / "model.md").write_text(MODEL, encoding="utf-8")
    (root / "ours").mkdir()
    (root / "ours" / "TM-TEST-001.dl").write_text(PACK, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def full_result(project: Path) -> Result:
    """A result with every optional part the writer handles: tracking against a baseline with a
    resolved threat, an accepted risk, a corroboration, attack paths and their proofs."""
    model = project / "model.md"
    options = AnalysisOptions(rule_paths=(project / "ours", packs_dir() / "pytm"))
    analysis = analyze(model, options)
    first = analysis.result
    assert any(t.corroborated_by for t in first.threats)
    # The baseline knows one more threat (resolved now) and lacks the first one (new now).
    baseline = json.loads(render_json(first))
    gone = dict(baseline["threats"][1], id="0123456789abcdef")
    baseline["threats"] = baseline["threats"][1:] + [gone]
    (project / "base.json").write_text(json.dumps(baseline), encoding="utf-8")
    accepted = first.threats[2]
    (project / "model.risks.yaml").write_text(
        f"version: 1\nrisks:\n  - id: {accepted.id}\n    status: accepted\n    reason: \"Fenster — bis März\"\n"
        "    owner: sec\n    expires: 2999-01-01\n", encoding="utf-8")
    tracked = track(model, first, baseline=project / "base.json", risk_file=project / "model.risks.yaml")
    shown = tracked.annotated(Gate("high"))
    return replace(shown, paths=find_paths(analysis, PathOptions()))


def test_the_pieces_are_exactly_the_dumps_of_the_document(full_result: Result) -> None:
    data = result_to_dict(full_result)
    assert data["tracking"]["resolved"] and data["paths"]["goals"]
    assert any(t["tracking"]["risk"] for t in data["threats"]) and any(t["corroborated_by"] for t in data["threats"])
    assert any(t["mitre"] for t in data["threats"]) and "Café" in _dumps(full_result)
    chunks = list(json_chunks(full_result))
    assert len(chunks) == len(full_result.threats) + 2  # the head, each threat, the tail
    assert "".join(chunks) == _dumps(full_result)
    assert render_json(full_result) == _dumps(full_result)


def test_a_result_without_threats_or_extras_is_written_the_same(full_result: Result) -> None:
    empty = replace(full_result, threats=(), paths=None, tracking=None, warnings=())
    assert "".join(json_chunks(empty)) == _dumps(empty)
    assert json.loads(render_json(empty))["threats"] == []


def test_formats_stream_json_and_render_the_others_whole(full_result: Result) -> None:
    assert "".join(render_chunks(full_result, "json")) == _dumps(full_result)
    assert len(list(render_chunks(full_result, "sarif"))) == 1


def test_the_cli_writes_the_same_bytes_to_a_file_and_to_stdout(project: Path) -> None:
    model, out = str(project / "model.md"), project / "out" / "result.json"
    args = ["analyze", model, "--rules", str(project / "ours"), "--pack", "pytm", "--no-risks", "-f", "json"]
    written = CliRunner().invoke(app, args + ["-o", str(out)])
    printed = CliRunner().invoke(app, args)
    assert written.exit_code == 0 and printed.exit_code == 0, written.output + printed.output
    assert out.read_text(encoding="utf-8") == printed.stdout
    result = analyze(project / "model.md", AnalysisOptions(rule_paths=(project / "ours", packs_dir() / "pytm"))).result
    expected = json.loads(_dumps(track(project / "model.md", result, use_risk_file=False).annotated(Gate("none"))))
    assert json.loads(printed.stdout)["threats"] == expected["threats"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["result.json"]  # no temporary left


def test_an_error_while_streaming_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the project root: writes stay inside it
    target = tmp_path / "result.json"
    target.write_text("old\n", encoding="utf-8")

    def pieces() -> Iterator[str]:
        yield "{\"threats\":["
        raise RuntimeError("renderer failed halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        write_text_chunks(target, pieces())
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "result.json"]
    write_text_chunks(target, iter(["{", "\"é\":1", "}\n"]))
    assert target.read_bytes() == "{\"é\":1}\n".encode("utf-8")


def test_a_refused_destination_is_refused_before_anything_is_rendered(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "link.json").symlink_to(tmp_path / "elsewhere.json")
    started: list[bool] = []

    def pieces() -> Iterator[str]:
        started.append(True)
        yield "{}"

    with pytest.raises(WriteRefused, match="symbolic link"):
        write_text_chunks(tmp_path / "link.json", pieces())
    assert not started and not (tmp_path / "elsewhere.json").exists()
    assert os.path.islink(tmp_path / "link.json")


def test_an_analysis_leaves_no_relation_alive_once_dropped(project: Path) -> None:
    # The CLI drops the analysis before rendering so that its memory is reused: nothing the engine
    # keeps between sessions (compiled bodies) may hold on to a session's relations.
    with collector_paused():
        analysis = analyze(project / "model.md")
        assert analysis.result.threats
        del analysis
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Relation)]


def test_a_chain_written_from_its_parts_is_the_encoding_of_its_dictionary(full_result: Result) -> None:
    text = _MitreText()
    chains = [t.mitre for t in full_result.threats]
    assert any(chains)
    for enrichment in chains:
        assert text.chain(enrichment) == _ENCODE(None if enrichment is None else enrichment.to_dict())
    # model and knowledge-base text outside ASCII, quotes, backslashes, control characters, an
    # empty detail, empty lists; shared parts
    via = Via("technique", 'T1 "quoted" \\ back', "artefact — é\n\t\x01")
    bare = Via("rule", "TM-X-001")
    link = Link("CAPEC-1", "Naïve \"name\"\u2028", (bare, via))
    tactic = Tactic("TA0001", "Accès")
    odd = Enrichment("TM-X-001", capec=(link, link), techniques=(TechniqueLink("T1", "", (tactic, tactic), (via,)),
                                                                 TechniqueLink("T2", "x", (), ())),
                     mitigations=(Link("M1", "", ()),), d3fend=(link,), cwe=())
    for enrichment in (odd, Enrichment("TM-X-002"), odd):
        assert text.chain(enrichment) == _ENCODE(enrichment.to_dict())
