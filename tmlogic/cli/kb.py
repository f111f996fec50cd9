"""`tmlogic kb build | info`: build the knowledge base from MITRE's files, and show what one holds.

Bad input (a missing or malformed file) prints `file:line:col: error: what; how to fix` and
exits 2, never a traceback.
"""

import json
import sys
import time
from pathlib import Path

from .._errors import display_path
from ..typing_runtime import Any
from .common import fail_input, user_error
from .params import Annotated, Group, Option

__all__ = ["kb_app"]

kb_app = Group(help="Build and inspect the MITRE knowledge base (CAPEC, ATT&CK, D3FEND, CWE).")

_LABELS = {"attack": "ATT&CK", "capec": "CAPEC (STIX)", "capec_xml": "CAPEC (XML)", "cwe": "CWE", "d3fend": "D3FEND"}


@kb_app.command("build")
def build(
    attack: Annotated[Path, Option("--attack", help="ATT&CK Enterprise STIX bundle (enterprise-attack-X.Y.json), "
                                         "or mitre/cti's enterprise-attack/ folder.", show_default=False)],
    cwe: Annotated[Path, Option("--cwe", help="CWE XML catalogue (cwec_vX.Y.xml).", show_default=False)],
    d3fend: Annotated[Path, Option("--d3fend", help="D3FEND ontology in Turtle (d3fend.ttl).", show_default=False)],
    capec: Annotated[Path | None, Option("--capec", help="CAPEC STIX bundle (stix-capec.json), "
                                                  "or mitre/cti's capec/2.1/ folder.", show_default=False)] = None,
    capec_xml: Annotated[Path | None, Option("--capec-xml", help="CAPEC XML catalogue (capec_latest.xml); "
                                                      "merged with --capec when both are given.", show_default=False)] = None,
    out: Annotated[Path | None, Option("--out", help="Folder to write; default: the embedded knowledge base "
                                                "(facts/kb/).", show_default=False)] = None,
    source_version: Annotated[list[str] | None, Option(
        "--source-version", help="NAME=VERSION: record a version a file does not carry (the D3FEND source ontology "
        "has none), e.g. d3fend=1.2.0. Names: attack, capec, capec_xml, cwe, d3fend. Repeatable.")] = None,
    quiet: Annotated[bool, Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Read the official MITRE files and write the compact knowledge base (facts, manifest, notices)."""
    from ..kb.build import Sources, build_kb
    from ..kb.errors import KbError
    from ..kb.loader import embedded_dir

    versions: dict[str, str] = {}
    for item in source_version or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            user_error(f"--source-version {item!r} is not NAME=VERSION; write e.g. --source-version d3fend=1.2.0")
        versions[name.strip()] = value.strip()
    target = out if out is not None else embedded_dir()
    started = time.perf_counter()
    try:
        result = build_kb(Sources(attack=attack, cwe=cwe, d3fend=d3fend, capec=capec, capec_xml=capec_xml,
                                  versions=versions), target)
    except KbError as exc:
        fail_input(exc)
    elapsed = time.perf_counter() - started
    if not quiet:
        for warning in result.warnings:
            sys.stderr.write(f"{warning}\n")
        missing = [_LABELS[n] for n, src in result.manifest["sources"].items() if not src.get("version")]
        for label in missing:
            sys.stderr.write(f"tmlogic: warning: the {label} file carries no version; record one with "
                             "--source-version (e.g. d3fend=1.2.0)\n")
        sys.stdout.write(_describe(result.manifest))
        sys.stdout.write(f"wrote {len(result.files)} files to {display_path(target)} in {elapsed:.1f} s"
                         f" ({len(result.warnings)} warning{'s' if len(result.warnings) != 1 else ''})\n")


@kb_app.command("info")
def info(
    folder: Annotated[Path | None, Option("--dir", help="Knowledge-base folder; default: the embedded one.",
                                                   show_default=False)] = None,
    as_json: Annotated[bool, Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Print the source versions and the counts of a knowledge base."""
    from ..kb.errors import KbError
    from ..kb.loader import embedded_dir
    from ..kb.store import read_manifest

    target = folder if folder is not None else embedded_dir()
    try:
        manifest = read_manifest(target)
    except KbError as exc:
        fail_input(exc)
    if as_json:
        sys.stdout.write(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(f"knowledge base: {display_path(target)}\n")
    sys.stdout.write(_describe(manifest))
    warnings = manifest.get("warnings") or []
    if warnings:
        sys.stdout.write(f"build warnings ({len(warnings)}):\n")
        for w in warnings:
            sys.stdout.write(f"  {w}\n")


def _describe(manifest: dict[str, Any]) -> str:
    lines = ["sources:"]
    for name, label in _LABELS.items():
        src = manifest.get("sources", {}).get(name)
        if src:
            version = src.get("version") or "version not recorded"
            digest = str(src.get("sha256") or "?")[:12]
            lines.append(f"  {label:<13} {version:<8} {src.get('file', '?')} (sha256 {digest})")
    lines.append("relations:")
    for name, rel in manifest.get("relations", {}).items():
        rows = rel.get("rows", "?") if isinstance(rel, dict) else "?"
        lines.append(f"  {name:<22} {rows:>6}")
    summary = manifest.get("summary", {})
    if summary:
        lines.append("links:")
        lines.append(f"  D3FEND -> ATT&CK pairs {summary.get('d3fend_attack_pairs')} "
                     f"({summary.get('d3fend_techniques_linked_to_attack')} D3FEND techniques, "
                     f"{summary.get('attack_techniques_linked_to_d3fend')} ATT&CK techniques)")
        lines.append(f"  CAPEC -> ATT&CK from {summary.get('capec_with_techniques')} patterns to "
                     f"{summary.get('techniques_from_capec')} techniques")
        lines.append(f"  mitigations with techniques {summary.get('mitigations_with_techniques')}, "
                     f"with D3FEND {summary.get('mitigations_with_d3fend')}")
        stride = summary.get("stride_capec", {})
        defaults = summary.get("stride_capec_default", {})
        for category in stride:
            lines.append(f"  STRIDE {category:<22} {stride[category]:>4} patterns; default {', '.join(defaults.get(category, []))}")
    return "\n".join(lines) + "\n"


@kb_app.command("pytm")
def pytm_pack(
    threats: Annotated[Path | None, Option(
        "--threats", help="pytm's threatlib/threats.json; default: the one of the installed pytm package.",
        show_default=False)] = None,
    out: Annotated[Path | None, Option(
        "--out", help="Folder of the pack; default: the built-in optional pack (packs/pytm/).", show_default=False)] = None,
    docs: Annotated[Path | None, Option(
        "--docs", help="Also rewrite the mapping table of this page (docs/pytm.md).", show_default=False)] = None,
    quiet: Annotated[bool, Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Translate pytm's threat library into a rule pack: conditions parsed (never run), a report of what
    does not translate, fixtures for every rule (docs/pytm.md)."""
    from ..kb.build.pytm import installed_library, pack_files, read_library, write_pack
    from ..kb.errors import KbError
    from ..kb.loader import known_ids_in
    from ..resources import packs_dir

    target = out if out is not None else packs_dir() / "pytm"
    try:
        library = read_library(threats) if threats is not None else installed_library()
        files, summary = pack_files(library, known_ids_in())
        write_pack(files, target)
    except KbError as exc:
        fail_input(exc)
    if docs is not None:
        from ..kb.build.pytm.mapping import with_mapping_table
        from ..fileaccess import WriteRefused, write_text

        try:
            write_text(docs, with_mapping_table(docs.read_text(encoding="utf-8")))
        except (OSError, ValueError, WriteRefused) as exc:
            user_error(f"cannot update {docs}: {exc}; give the page that holds the mapping table markers")
    if not quiet:
        version = f"pytm {library.version}" if library.version else display_path(library.path)
        sys.stdout.write(f"{version}: {summary.threats} threats; {summary.translated} rules, {summary.inert} inert, "
                         f"{summary.untranslatable} not translatable (see {display_path(target / 'TRANSLATION.md')})\n"
                         f"wrote {summary.files} files to {display_path(target)}\n")
        for rid in summary.without_fixtures:
            sys.stderr.write(f"tmlogic: warning: no fixture model can state what {rid} needs; its tests are missing\n")
