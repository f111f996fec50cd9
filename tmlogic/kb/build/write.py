"""Writing the knowledge-base folder: `<relation>.facts` (TSV), `kb.dl`, `manifest.json`, `NOTICE.md`.

Writing is deterministic (rows sorted with numbers in ids compared as numbers, LF line ends,
UTF-8, JSON with sorted keys), so the same sources give the same bytes. The runtime reads the
folder back with tmlogic/kb/store.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from ...typing_runtime import Any
from ..errors import KbError
from ..schema import DECLS, FORMAT_VERSION, MANIFEST, NOTICE, RELATIONS
from ..store import decls_text, natural_key

__all__ = ["render_facts", "write_folder"]

Row = tuple[str, ...]


def _clean(value: str) -> str:
    return " ".join(value.split())  # no tabs or line breaks can reach a .facts line


def render_facts(rows: Iterable[Row]) -> bytes:
    lines = sorted({tuple(_clean(v) for v in row) for row in rows}, key=natural_key)
    return "".join("\t".join(row) + "\n" for row in lines).encode("utf-8")


def write_folder(out: Path, tables: Mapping[str, Iterable[Row]], manifest: dict[str, Any],
                 notice: str) -> tuple[list[str], dict[str, Any]]:
    """Write every relation, kb.dl, NOTICE.md and the manifest (with each file's rows and sha256).

    Returns the names written and the manifest as written.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KbError(out, f"cannot create the output folder: {exc.strerror or exc}", "check the path and permissions") from None
    files: dict[str, bytes] = {}
    relations: dict[str, Any] = {}
    for rel in RELATIONS:
        data = render_facts(tables.get(rel.name, ()))
        files[rel.file] = data
        relations[rel.name] = {"file": rel.file, "columns": list(rel.columns), "rows": data.count(b"\n"),
                               "sha256": hashlib.sha256(data).hexdigest()}
    files[DECLS] = decls_text().encode("utf-8")
    files[NOTICE] = notice.encode("utf-8")
    full = dict(manifest, format=FORMAT_VERSION, relations=relations)
    files[MANIFEST] = (json.dumps(full, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    for name, data in files.items():
        try:
            (out / name).write_bytes(data)
        except OSError as exc:
            raise KbError(out / name, f"cannot write: {exc.strerror or exc}", "check the folder is writable") from None
    return sorted(files), full
