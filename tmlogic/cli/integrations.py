"""`tmlogic import`, `tmlogic export` and `tmlogic drift`, driven by the importer registry
(tmlogic/importers/registry.py).

The three commands read `registry.IMPORTERS`: a format added there gets its `import NAME`, its
`drift --NAME SOURCE...` flag and its extra options (`-i INVENTORY`) with no change here.
Exit codes: 0 ok; 1 drift found (drift only); 2 bad input, every problem as
`file:line:col: error: ...`; 3 an importer produced a model that does not load (a bug).
"""

import sys
from enum import Enum
from pathlib import Path

from ..importers.registry import IMPORTERS, ImporterSpec, drift_flags
from ..typing_runtime import TYPE_CHECKING, NoReturn
from .common import fail_input, model_path, read_model, user_error, write_output
from .params import Annotated, Argument, Exit, Option

if TYPE_CHECKING:
    from ..importers.located import InputError

__all__ = ["IMPORT_HELP", "EXPORT_HELP", "DRIFT_HELP", "import_command", "export_command", "drift_command", "parse_sources"]


class ModelSyntax(str, Enum):
    md = "md"
    yaml = "yaml"


class DriftFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _formats(predicate: str = "") -> str:
    specs = [s for s in IMPORTERS.values() if not predicate or getattr(s, predicate)]
    return ", ".join(s.name for s in specs)


def _drift_flags_text() -> str:
    return ", ".join(f"{flag} {spec.reads.upper().replace(' ', '_')}" for flag, spec in drift_flags().items())


IMPORT_HELP = (f"Write a tmlogic model from where a model already lives. Formats: {_formats()}. "
               "See docs/integrations.md.")
EXPORT_HELP = f"Write a model in another tool's format, hand-written threats included. Formats: {_formats('exports')}."
DRIFT_HELP = (f"Compare a model with what infrastructure as code deploys; exit 1 when they differ. "
              f"Sources: {_drift_flags_text()}.")


def _fail_located(exc: "InputError") -> NoReturn:
    from .._errors import Diagnostic, Level
    from ..diagnostics import render_diagnostics

    sys.stderr.write(render_diagnostics([Diagnostic(Level.ERROR, exc.span, exc.message, "import", exc.hint)]))
    raise Exit(2)


def _spec(name: str, predicate: str = "") -> ImporterSpec:
    spec = IMPORTERS.get(name)
    if spec is None or (predicate and not getattr(spec, predicate)):
        from ..diagnostics import did_you_mean

        hint = did_you_mean(name, list(IMPORTERS)) or f"formats: {_formats(predicate)}"
        user_error(f"unknown format '{name}'; {hint}")
    return spec


def parse_sources(spec: ImporterSpec, tokens: list[str]) -> tuple[list[Path], dict[str, list[str]]]:
    """SOURCE files and the format's extra options (`-i hosts.ini`) from the command line."""
    flags = {flag: option for option in spec.options for flag in option.flags}
    sources: list[Path] = []
    options: dict[str, list[str]] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in flags:
            option = flags[token]
            if i + 1 >= len(tokens):
                user_error(f"{token} needs a value ({option.help})")
            if options.get(option.name) and not option.repeatable:
                user_error(f"{token} is given twice")
            options.setdefault(option.name, []).append(tokens[i + 1])
            i += 2
            continue
        if token.startswith("-") and token != "-":
            known = ", ".join(sorted(flags)) or "none"
            user_error(f"unknown option '{token}' for {spec.name} (its own options: {known})")
        sources.append(Path(token))
        i += 1
    if not sources:
        user_error(f"give the {spec.title} input: tmlogic import {spec.name} SOURCE...")
    if spec.reads == "file" and len(sources) != 1:
        user_error(f"{spec.name} reads one file at a time, not {len(sources)}")
    return sources, options


def _read_existing(path: Path | None) -> str | None:
    """The model that `import -o` regenerates, read so that its hand-written part is kept. It is
    not recorded as an input of the run: it is the one file the command replaces (an input
    file given as --output is still refused)."""
    if path is None or not path.exists():
        return None
    from .._errors import DiagnosticsError
    from ..fileaccess import read_text

    try:
        return read_text(path, what="model", track=False)
    except DiagnosticsError as exc:
        fail_input(exc)


def import_command(
    fmt: Annotated[str, Argument(metavar="FORMAT", help=f"Input format: {_formats()}.", show_default=False)],
    sources: Annotated[list[str], Argument(metavar="SOURCE...", help="Input files (or folders, for k8s), "
                                                 "then the format's own options.", show_default=False)],
    output: Annotated[Path | None, Option("--output", "-o", help="Model file to write (.md or .yaml); "
                                                   "an existing one keeps what is outside its generated block.")] = None,
    syntax: Annotated[ModelSyntax | None, Option("--format", "-f", help="Model syntax (default: from the "
                                                          "--output suffix, else md).")] = None,
    report: Annotated[Path | None, Option("--report", help="Write the import report here "
                                                   "(JSON for a .json file, else text).")] = None,
    risks: Annotated[Path | None, Option("--risks", help="Risk file for decisions found in the input "
                                                  "(Threagile risk_tracking); default: next to --output.")] = None,
    force: Annotated[bool, Option("--force", help="Overwrite an --output file that has no generated block.")] = False,
    verbose: Annotated[bool, Option("--verbose", "-v", help="List every mapped item in the report on stderr.")] = False,
    quiet: Annotated[bool, Option("--quiet", "-q", help="No report on stderr.")] = False,
) -> None:
    """Write a tmlogic model from where a model already lives (OTM, Threagile, Threat Dragon, IaC)."""
    from .._errors import DiagnosticsError
    from ..importers.located import InputError
    from ..importers.pipeline import run_import
    from ..importers.writer import GeneratedBlockError

    spec = _spec(fmt)
    paths, options = parse_sources(spec, sources)
    yaml_syntax = (syntax is ModelSyntax.yaml) if syntax is not None else \
        (output is not None and output.suffix.lower() in (".yaml", ".yml"))
    existing = None if force else _read_existing(output)
    try:
        outcome = run_import(spec, paths, output, yaml_syntax=yaml_syntax, options=options, existing=existing)
    except InputError as exc:
        _fail_located(exc)
    except DiagnosticsError as exc:
        sys.stderr.write(f"tmlogic: {output} was not changed: its hand-written part no longer fits the import\n")
        fail_input(exc)
    except GeneratedBlockError as exc:
        user_error(f"{output} exists and was not written by tmlogic import ({exc}); use --force to replace it, "
                   "or choose another --output")
    if outcome.risks is not None:
        target = risks
        if target is None and output is not None:
            from ..tracking.risks import risk_path_for

            target = risk_path_for(output)
        if target is None:
            outcome.report.skip("risk decisions in the input", outcome.draft.risks[0].source,
                                "not written: give --output (the risk file goes next to it) or --risks FILE")
        else:
            write_output(outcome.risks, target)
            outcome.report.outputs.append(str(target))
    write_output(outcome.text, output)
    if report is not None:
        text = outcome.report.render_json() if report.suffix.lower() == ".json" else outcome.report.render_text(True)
        write_output(text, report)
    if not quiet:
        sys.stderr.write(outcome.report.render_text(full=verbose))


def export_command(
    fmt: Annotated[str, Argument(metavar="FORMAT", help=f"Output format: {_formats('exports')}.",
                                       show_default=False)],
    model: Annotated[Path, Argument(help="Model file (.md or .yaml).", show_default=False)],
    output: Annotated[Path | None, Option("--output", "-o", help="Write here instead of stdout.")] = None,
    strict: Annotated[bool, Option("--strict", help="Treat model warnings as errors.")] = False,
) -> None:
    """Write a model in another tool's format (OTM, Threat Dragon), hand-written threats included."""
    spec = _spec(fmt, "exports")
    loaded = read_model(model_path(model), strict)
    text: str = spec.load().export(loaded)
    write_output(text, output)


def _drift_help() -> str:
    return f"Deployed sources, then their options: {_drift_flags_text()}."


def drift_command(
    model: Annotated[Path, Argument(help="Model file (.md or .yaml).", show_default=False)],
    sources: Annotated[list[str] | None, Argument(metavar="--FORMAT SOURCE...", help=_drift_help(),
                                                           show_default=False)] = None,
    output_format: Annotated[DriftFormat, Option("--format", "-f", help="Report format.")] = DriftFormat.text,
    output: Annotated[Path | None, Option("--output", "-o", help="Write the report here.")] = None,
) -> None:
    """Compare a model with what infrastructure as code deploys; exit 1 when they differ."""
    from ..importers.drift import compare, render_drift
    from ..importers.located import InputError
    from ..importers.pipeline import read_draft

    flags = drift_flags()
    groups: list[tuple[ImporterSpec, list[str]]] = []
    for token in sources or []:
        if token in flags:
            groups.append((flags[token], []))
        elif not groups:
            user_error(f"say what '{token}' is: {', '.join(flags)} before the files")
        else:
            groups[-1][1].append(token)
    if not groups:
        user_error(f"give what is deployed: {', '.join(f'{f} SOURCE' for f in flags)}")
    loaded = read_model(model_path(model), strict=False)
    drafts = []
    for spec, tokens in groups:
        paths, options = parse_sources(spec, tokens)
        try:
            draft, _, _ = read_draft(spec, paths, options, model.parent, deployment=True)
        except InputError as exc:
            _fail_located(exc)
        drafts.append((spec.name, draft, [str(p) for p in paths]))
    report = compare(loaded, drafts)
    text = render_drift(report, output_format.value)
    write_output(text, output)
    if report.drifted:
        raise Exit(1)
