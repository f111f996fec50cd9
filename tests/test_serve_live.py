"""The live analysis of `tmlogic serve` (tmlogic/serve/live.py, changes.py, vocabulary.py): the CLI's
answer for the editor's text, with diagnostics placed for the editor and a diff panel."""

from __future__ import annotations

from pathlib import Path

import pytest

from serve_helpers import project_copy
from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.serve.changes import LiveDiff
from tmlogic.serve.files import ServedFolder
from tmlogic.serve.live import EditRequest, LiveAnalyzer

BROWSE = '- **Browse**: from="Customer", to="Shop App", protocol="HTTP"\n'


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> LiveAnalyzer:
    folder = project_copy(tmp_path_factory.mktemp("live"))
    return LiveAnalyzer(ServedFolder.at(folder), "main.md", AnalysisOptions())


def test_the_entry_gives_the_clis_threats_and_the_reports_parts(analyzer: LiveAnalyzer) -> None:
    update = analyzer.analyze(EditRequest("main.md"))
    payload = update.payload
    cli = analyze(analyzer.folder.root / "main.md").result
    assert payload["ok"] and payload["threats"] == len(cli.threats)
    assert set(payload["parts"]) == {"counts", "diagram", "threats"}
    for t in cli.threats:
        assert f'id="{t.id}"' in payload["parts"]["threats"]
    assert "<svg" in payload["parts"]["diagram"] and 'class="cards"' in payload["parts"]["counts"]
    assert payload["data"]["files"] == {"main.md": "main.md", "backend/model.md": "backend/model.md"}
    assert payload["data"]["spans"]["shop-app"] == ["main.md", 8]
    assert payload["names"]["elements"] == ["Backend", "Customer", "Shop App"]
    assert update.files == ("backend/model.md", "main.md")


def test_unsaved_text_is_analyzed_and_the_file_is_left_alone(analyzer: LiveAnalyzer) -> None:
    path = analyzer.folder.root / "main.md"
    on_disk = path.read_text(encoding="utf-8")
    update = analyzer.analyze(EditRequest("main.md", {"main.md": on_disk + BROWSE}))
    assert update.payload["ok"] and update.raw is not None
    assert any("browse" in t.targets for t in update.raw.threats)
    assert path.read_text(encoding="utf-8") == on_disk
    # the proof of a threat quotes the unsaved line, not the file
    assert update.context is not None
    from tmlogic.outputs.html import render_detail

    browse = next(t for t in update.raw.threats if "browse" in t.targets)
    detail = render_detail(update.context, browse.id)
    assert detail is not None and "- **Browse**: from=&#34;Customer&#34;" in detail
    assert render_detail(update.context, "Tnope") is None


def test_a_typo_comes_back_as_located_diagnostics_with_names_still_known(analyzer: LiveAnalyzer) -> None:
    text = (analyzer.folder.root / "main.md").read_text(encoding="utf-8").replace(
        "boundary=Corporate, type", "boundary=Corprate, type")
    payload = analyzer.analyze(EditRequest("main.md", {"main.md": text})).payload
    assert payload["ok"] is False and "parts" not in payload
    error = next(d for d in payload["diagnostics"] if "Corprate" in d["message"])
    assert (error["file"], error["line"], error["col"]) == ("main.md", 8, 26)
    assert error["level"] == "error" and error["hint"] == 'did you mean "Corporate"?'
    assert "Shop App" in payload["names"]["elements"]  # completion keeps working on a broken model


def test_a_submodel_is_analyzed_within_its_project(analyzer: LiveAnalyzer) -> None:
    analyzer.analyze(EditRequest("main.md"))
    sub = (analyzer.folder.root / "backend" / "model.md").read_text(encoding="utf-8")
    update = analyzer.analyze(EditRequest("backend/model.md", {"backend/model.md": sub.replace("TLS", "TCP")}))
    assert update.root == "main.md" and update.payload["ok"]
    assert update.payload["names"]["elements"] == ["Gateway", "Store"]
    alone = analyzer.analyze(EditRequest("services.yaml"))
    assert alone.root == "services.yaml" and alone.payload["ok"]


def test_the_diff_panel_compares_with_disk_and_head(analyzer: LiveAnalyzer) -> None:
    diff = LiveDiff(analyzer)
    text = (analyzer.folder.root / "main.md").read_text(encoding="utf-8")
    update = analyzer.analyze(EditRequest("main.md", {"main.md": text + BROWSE}))
    assert update.raw is not None
    on_disk = {t.id for t in analyze(analyzer.folder.root / "main.md").result.threats}
    new = len({t.id for t in update.raw.threats} - on_disk)  # the flow may also unmask findings on its ends
    assert new >= sum(1 for t in update.raw.threats if "browse" in t.targets)
    panel = diff.panel(update, dirty=True)
    assert panel.count(f"<b>{new}</b> new") == 2  # vs the file on disk, and vs HEAD (committed the same)
    assert "+ Browse" in panel and "HEAD:main.md" in panel
    clean = diff.panel(analyzer.analyze(EditRequest("main.md")), dirty=False)
    assert "No unsaved edits." in clean and "<b>0</b> new" in clean


def test_without_git_the_head_side_says_why(tmp_path: Path) -> None:
    analyzer = LiveAnalyzer(ServedFolder.at(project_copy(tmp_path, git=False)), "main.md", AnalysisOptions())
    panel = LiveDiff(analyzer).panel(analyzer.analyze(EditRequest("main.md")), dirty=False)
    assert "Not compared: the folder is not in a git repository" in panel


def test_vocabulary_for_completion(analyzer: LiveAnalyzer) -> None:
    vocabulary = analyzer.vocabulary
    assert {"Boundaries", "Servers", "Dataflows", "Data"} <= {s["heading"] for s in vocabulary["sections"]}
    assert vocabulary["aliases"]["trust zones"] == "boundaries"
    flows = {k["key"]: k for k in vocabulary["keys"]["dataflows"]}
    assert flows["from"]["names"] == "elements" and flows["data"]["names"] == "data"
    assert flows["is_encrypted"]["kind"] == "bool"
    data = {k["key"]: k for k in vocabulary["keys"]["data"]}
    assert "secret" in data["classification"]["values"]
    assert {"HTTP", "HTTPS", "SSH"} <= set(vocabulary["values"]["protocol"])
    assert "database" in vocabulary["values"]["type"]


def test_an_overtaken_analysis_makes_no_report_parts(analyzer: LiveAnalyzer) -> None:
    """When a newer edit waits, the diagram and table of the older one are not drawn (the session
    drops the result anyway); the next analysis is complete."""
    text = (analyzer.folder.root / "main.md").read_text(encoding="utf-8") + BROWSE
    asked: list[bool] = []

    def superseded() -> bool:
        asked.append(True)
        return True

    update = analyzer.analyze(EditRequest("main.md", {"main.md": text}), superseded)
    assert asked and update.payload == {"type": "analysis", "superseded": True}
    assert update.model is None and update.context is None
    again = analyzer.analyze(EditRequest("main.md", {"main.md": text}), lambda: False)
    assert again.payload["ok"] and "<svg" in again.payload["parts"]["diagram"]
