"""pytm's threat library (`pytm/threatlib/threats.json`), read as data.

The file is found through the installed package's import spec, which locates the package
without running any of its code; nothing in the file is evaluated: a condition stays a string
until condition.py parses it with `ast`. Each record keeps what pytm says (SID, targets,
description, details, severity, likelihood, mitigations, references); the CAPEC and CWE ids
are read from the reference list, where pytm writes them as MITRE URLs.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ...errors import KbError

__all__ = ["PytmThreat", "Library", "installed_library", "read_library"]

_CAPEC_URL = re.compile(r"capec\.mitre\.org/data/definitions/(\d+)\.html")
_CWE_URL = re.compile(r"cwe\.mitre\.org/data/definitions/(\d+)\.html")
_HINT = "give pytm's threatlib/threats.json (a JSON list of threats with SID, target and condition)"


@dataclass(frozen=True)
class PytmThreat:
    sid: str
    targets: tuple[str, ...]
    description: str
    details: str
    likelihood: str  # pytm's "Likelihood Of Attack" as written ("High"), "" when absent
    severity: str  # "Very High" ... "Very Low"
    condition: str
    prerequisites: str
    mitigations: str
    example: str
    references: tuple[str, ...]
    capec: tuple[str, ...]  # "CAPEC-10", in the order pytm lists them, each once
    cwe: tuple[str, ...]


@dataclass(frozen=True)
class Library:
    path: Path
    version: str  # of the pytm distribution that holds the file, or "" for a file given by path
    threats: tuple[PytmThreat, ...]


def _ids(pattern: re.Pattern[str], prefix: str, text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f"{prefix}-{n}" for n in pattern.findall(text)))


def _text(record: dict[str, object], key: str) -> str:
    value = record.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _threat(record: object, path: Path, index: int) -> PytmThreat:
    if not isinstance(record, dict):
        raise KbError(path, f"threat number {index + 1} is not a JSON object", _HINT)
    sid = _text(record, "SID")
    if not re.fullmatch(r"[A-Z]+[0-9]+", sid):
        raise KbError(path, f"threat number {index + 1} has no usable SID ({sid!r})", "pytm's SIDs read like INP01")
    target = record.get("target", ())
    targets = (target,) if isinstance(target, str) else tuple(t for t in target if isinstance(t, str)) \
        if isinstance(target, list) else ()
    references = _text(record, "references")
    return PytmThreat(
        sid=sid,
        targets=targets,
        description=_text(record, "description"),
        details=_text(record, "details"),
        likelihood=_text(record, "Likelihood Of Attack"),
        severity=_text(record, "severity"),
        condition=_text(record, "condition"),
        prerequisites=_text(record, "prerequisites"),
        mitigations=_text(record, "mitigations"),
        example=_text(record, "example"),
        references=tuple(r.strip() for r in references.split(",") if r.strip()),
        capec=_ids(_CAPEC_URL, "CAPEC", references),
        cwe=_ids(_CWE_URL, "CWE", references),
    )


def read_library(path: Path, version: str = "") -> Library:
    """pytm's threats.json at `path`; a malformed file is a KbError with its location."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise KbError(path, f"cannot read pytm's threat library: {exc.strerror or exc}", _HINT) from None
    except UnicodeDecodeError as exc:
        raise KbError(path, f"is not UTF-8 text (byte {exc.start})", _HINT) from None
    except json.JSONDecodeError as exc:
        raise KbError(path, f"is not valid JSON: {exc.msg}", _HINT, exc.lineno, exc.colno) from None
    if not isinstance(data, list):
        raise KbError(path, "pytm's threat library must be a JSON list of threats", _HINT)
    threats = tuple(_threat(r, path, i) for i, r in enumerate(data))
    seen: set[str] = set()
    for t in threats:
        if t.sid in seen:
            raise KbError(path, f"threat {t.sid} is listed twice in pytm's library", _HINT)
        seen.add(t.sid)
    return Library(path, version, tuple(sorted(threats, key=lambda t: _sid_key(t.sid))))


def _sid_key(sid: str) -> tuple[str, int]:
    m = re.fullmatch(r"([A-Z]+)([0-9]+)", sid)
    assert m is not None
    return m.group(1), int(m.group(2))


def installed_library() -> Library:
    """The library of the installed pytm package (pip install pytm), located without importing it."""
    spec = importlib.util.find_spec("pytm")
    if spec is None or not spec.submodule_search_locations:
        raise KbError("pytm", "pytm is not installed", "install it (pip install pytm==1.4.0) or give --threats FILE")
    folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / "threatlib" / "threats.json"
    if not path.is_file():
        raise KbError(path, "the installed pytm has no threat library here", "give --threats FILE")
    try:
        version = importlib.metadata.version("pytm")
    except importlib.metadata.PackageNotFoundError:
        version = ""
    return read_library(path, version)
