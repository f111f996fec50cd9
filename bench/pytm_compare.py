"""pytm itself against the pytm pack, on the same models.

    python bench/pytm_compare.py [MODEL.md ...]      (default: ../shared/quality and its DMZ anchor)

For each model, in one run:
- pytm: the model is given to pytm 1.4.0 as an equivalent pytm model (every element in the
  pytm class the pack's mapping gives it, every boundary, flow and data asset, every attribute the
  model states, as the pack reads it; the rest keeps pytm's defaults) and pytm's own
  `TM.resolve()` counts its findings (bench/pytm_equivalent.py, in a subprocess);
- tmlogic: the built-in rules alone; then with `--pack pytm`: the pack's raw findings (before the
  merge), how many of them merge into a built-in finding, how many stay, and the total.

Prints a Markdown table (docs/pytm.md has the one measured on the committed pack).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tmlogic.analysis import AnalysisOptions, Analysis, analyze  # noqa: E402
from tmlogic.merge import is_library_rule  # noqa: E402
from tmlogic.resources import optional_packs  # noqa: E402

QUALITY = ROOT.parent / "shared" / "quality"
_CLASSIFICATION = {"public": "PUBLIC", "restricted": "RESTRICTED", "sensitive": "SENSITIVE", "secret": "SECRET",
                   "top-secret": "TOP_SECRET"}
_TLS = {"none": "NONE", "ssl-1": "SSLv1", "ssl-2": "SSLv2", "ssl-3": "SSLv3", "tls-1-0": "TLSv10",
        "tls-1-1": "TLSv11", "tls-1-2": "TLSv12", "tls-1-3": "TLSv13"}
_LIFE = {"none": "NONE", "unknown": "UNKNOWN", "short": "SHORT", "long": "LONG", "auto": "AUTO", "manual": "MANUAL",
         "hardcoded": "HARDCODED"}
# Attributes pytm derives from others, or that the mapping reads from elsewhere: not set on the object.
_DERIVED = frozenset({"protocol", "inScope", "isResponse", "isThirdParty"})


def _pytm_value(attr: str, value: str) -> str:
    if attr in ("classification", "maxClassification"):
        return _CLASSIFICATION.get(value, "UNKNOWN")
    if attr in ("tlsVersion", "minTLSVersion"):
        return _TLS.get(value, "NONE")
    if attr == "credentialsLife":
        return _LIFE.get(value, "UNKNOWN")
    return value


def _rows(analysis: Analysis, predicate: str, arity: int) -> list[tuple[str, ...]]:
    return [tuple(str(v) for v in row) for row in analysis.session.query(predicate, (None,) * arity)]


def equivalent_model(analysis: Analysis) -> dict[str, Any]:
    """What the model states, in pytm's classes and attributes (through the pack's relations)."""
    model = analysis.model
    kinds = {x: kind for x, kind in _rows(analysis, "pytm_kind", 2)}
    stated: dict[str, dict[str, Any]] = {}
    for x, attr in _rows(analysis, "pytm_true", 2):
        stated.setdefault(x, {})[attr] = True
    for x, attr in _rows(analysis, "pytm_false", 2):
        stated.setdefault(x, {}).setdefault(attr, False)
    for x, attr, v in _rows(analysis, "pytm_value", 3):
        if attr not in _DERIVED:
            stated.setdefault(x, {}).setdefault(attr, _pytm_value(attr, v))
    data_attrs: dict[str, dict[str, Any]] = {}
    for _, d, attr in _rows(analysis, "pytm_data_true", 3):
        data_attrs.setdefault(d, {})[attr] = True
    for _, d, attr, v in _rows(analysis, "pytm_data_value", 4):
        data_attrs.setdefault(d, {}).setdefault(attr, _pytm_value(attr, v))
    spec: dict[str, Any] = {"name": model.title or model.path, "boundaries": [], "elements": [], "flows": [],
                            "data": []}
    for m in model.all_models():
        spec["boundaries"] += [{"id": b.id, "name": b.name, "parent": b.parent} for b in m.boundaries]
        spec["elements"] += [{"id": e.id, "name": e.name, "class": kinds[e.id], "boundary": e.boundary,
                              "attrs": {k: v for k, v in stated.get(e.id, {}).items()}} for e in m.elements]
        spec["data"] += [{"id": d.id, "name": d.name, "attrs": data_attrs.get(d.id, {})} for d in m.data]
        for f in m.flows:
            attrs = dict(stated.get(f.id, {}))
            if f.protocol:
                attrs["protocol"] = f.protocol
            spec["flows"].append({"id": f.id, "name": f.name, "source": f.source, "sink": f.target, "attrs": attrs,
                                  "data": list(f.data)})
    return spec


def pytm_count(spec: dict[str, Any]) -> int:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "pytm_equivalent.py")], input=json.dumps(spec),
                         capture_output=True, text=True, check=True).stdout
    return int(json.loads(out)["findings"])


def _label(path: Path) -> str:
    """The model as the table names it: its path under ../shared (quality/, anchors/), else as given."""
    try:
        return path.resolve().relative_to(QUALITY.parent.resolve()).as_posix()
    except ValueError:
        return str(path)


def measure(path: Path) -> dict[str, Any]:
    pack = optional_packs()["pytm"]
    builtin = analyze(path).result.threats
    with_pack = analyze(path, AnalysisOptions(rule_paths=(pack,)))
    threats = with_pack.result.threats
    left = [t for t in threats if is_library_rule(t.rule.id)]
    merged = {c.threat_id for t in threats for c in t.corroborated_by}
    return {"model": _label(path), "pytm": pytm_count(equivalent_model(with_pack)), "builtin": len(builtin),
            "raw": len(left) + len(merged), "merged": len(merged), "left": len(left), "total": len(threats)}


def main(argv: list[str]) -> None:
    models = [Path(a) for a in argv] or sorted(p for p in QUALITY.glob("*.md") if p.name != "README.md") + [
        ROOT.parent / "shared" / "anchors" / "secopstm" / "threat_model.md"]
    print("| model | pytm 1.4.0 on the equivalent pytm model | built-in rules | pytm pack, raw | merged into built-in "
          "findings | pytm findings left | total with the pack |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in models:
        r = measure(path)
        print(f"| {r['model']} | {r['pytm']} | {r['builtin']} | {r['raw']} | {r['merged']} | {r['left']} | {r['total']} |")


if __name__ == "__main__":
    main(sys.argv[1:])
