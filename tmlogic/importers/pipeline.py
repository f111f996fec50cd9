"""One import run: read the sources, write the model text, check it, report.

The generated block is read back through the model language's own reader and builder before
anything is written: a block that does not load cleanly (an error, or even a warning such as
an unknown key) is a bug in the importer, reported as such (exit 3), never a model handed to
the user. When the output file already exists, the new block replaces the old one and the
whole file must still load; if a hand-written part now names an element the import no longer
produces, that is a located error (exit 2) and the file is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._errors import Diagnostic, ModelError, TmlogicError, display_path
from ..diagnostics import DiagnosticBag
from .base import ImportContext
from .draft import Draft, DraftItem
from .registry import ImporterSpec
from .report import ImportReport
from .writer import merge_generated, render_markdown, render_risks, render_yaml

__all__ = ["ImportOutcome", "ImporterBug", "read_draft", "run_import", "check_model_text"]


class ImporterBug(TmlogicError):
    """The importer produced a model that does not load: ours to fix, not the user's."""

    def __init__(self, importer: str, diagnostics: list[Diagnostic], what: str | None = None) -> None:
        shown = what or "it produced an invalid model (" + "; ".join(d.headline() for d in diagnostics[:5]) + ")"
        super().__init__(f"the {importer} importer has a bug: {shown}; please report it with the input")
        self.diagnostics = diagnostics


@dataclass(frozen=True)
class ImportOutcome:
    draft: Draft
    report: ImportReport
    text: str  # the whole model file to write
    risks: str | None  # a risk file, when the input held decisions about threats


def read_draft(spec: ImporterSpec, sources: list[Path], options: dict[str, list[str]] | None = None,
               relative_to: Path | None = None, deployment: bool = False) -> tuple[Draft, ImportReport, ImportContext]:
    """Run the importer; raises located.InputError on input it cannot read. With `deployment`, the
    importer's `read_deployment` when it has one: what the sources deploy, for drift (an Ansible
    playbook's metadata block is a model, its tasks are the deployment)."""
    report = ImportReport(spec.name, [display_path(s) for s in sources])
    ctx = ImportContext(report, options, relative_to)
    try:
        module = spec.load()
        reader = getattr(module, "read_deployment", module.read) if deployment else module.read
        draft: Draft = reader(sources, ctx)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, AssertionError, RecursionError) as exc:
        # An input shape the importer did not expect: ours to fix; never a traceback for the user.
        raise ImporterBug(spec.name, [], f"it failed on {', '.join(str(s) for s in sources)}: "
                                         f"{type(exc).__name__}: {exc}") from exc
    ctx.finish()
    groups: tuple[tuple[str, list[DraftItem]], ...] = (
        ("boundary", [*draft.boundaries]), ("element", [*draft.elements]), ("data asset", [*draft.data]),
        ("flow", [*draft.flows]), ("threat", [*draft.threats]))
    for group, items in groups:
        for item in items:
            kind = getattr(item, "kind", group) if group == "element" else group
            report.map(item.label, item.source, f"{kind} '{item.name}'")
    for renamed, wanted in draft.renamed:
        report.approximate(renamed.label, renamed.source, f"named '{renamed.name}': '{wanted}' is taken by another item "
                                                    "(or gives the same id)")
    report.counts = draft.counts()
    return draft, report, ctx


def check_model_text(text: str, shown: str, yaml_syntax: bool) -> list[Diagnostic]:
    """Every problem (errors and warnings) the model language finds in a model text."""
    from ..model.build import build_model
    from ..model.markdown_reader import read_markdown
    from ..model.yaml_reader import read_yaml

    bag = DiagnosticBag()
    build_model((read_yaml if yaml_syntax else read_markdown)(text, shown), bag)
    return bag.items


def run_import(spec: ImporterSpec, sources: list[Path], output: Path | None, *, yaml_syntax: bool,
               options: dict[str, list[str]] | None = None, existing: str | None = None,
               command: str | None = None) -> ImportOutcome:
    """Import `sources` into model text for `output` (None: stdout, paths relative to the working folder)."""
    where = (output.parent if output is not None else Path.cwd())
    draft, report, ctx = read_draft(spec, sources, options, where)
    shown_sources = [ctx.relative(s) for s in sources]
    command = command or f"tmlogic import {spec.name}"
    render = render_yaml if yaml_syntax else render_markdown
    block = render(draft, ctx, shown_sources, command)
    shown = display_path(output) if output is not None else ("model.yaml" if yaml_syntax else "model.md")
    problems = check_model_text(block, shown, yaml_syntax)
    if problems:
        raise ImporterBug(spec.name, problems)
    text = merge_generated(existing, block, yaml_syntax)
    if existing is not None and text != block:
        errors = [d for d in check_model_text(text, shown, yaml_syntax) if d.level.value == "error"]
        if errors:
            raise ModelError(errors)
    risks = None
    if draft.risks:
        name = output.name if output is not None else shown
        risks = render_risks(draft, ctx, name)
        from ..tracking.risks import parse_risks

        parse_risks(risks, "risks.yaml")  # a risk file we cannot read back is an importer bug (raises)
    if output is not None:
        report.outputs.append(display_path(output))
    return ImportOutcome(draft, report, text, risks)
