"""Helpers shared by the importer tests: import a text written by the test, in process."""

from __future__ import annotations

from pathlib import Path

from tmlogic.importers import IMPORTERS
from tmlogic.importers.draft import Draft, DraftElement, DraftFlow
from tmlogic.importers.pipeline import read_draft
from tmlogic.importers.report import ImportReport

DATA = Path(__file__).resolve().parent / "data" / "importers"


def draft_of(fmt: str, tmp_path: Path, name: str, text: str) -> tuple[Draft, ImportReport]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    draft, report, _ = read_draft(IMPORTERS[fmt], [path], relative_to=tmp_path)
    return draft, report


def element(draft: Draft, name: str) -> DraftElement:
    found = draft.element(name)
    assert found is not None, f"no element {name!r} in {[e.name for e in draft.elements]}"
    return found


def flows(draft: Draft) -> dict[tuple[str, str], DraftFlow]:
    return {(f.src, f.dst): f for f in draft.flows}


def reasons(report: ImportReport) -> str:
    return "\n".join(f"{i.what}: {i.detail}" for i in report.unmapped + report.approximated)
