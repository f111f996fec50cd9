"""Run pytm itself on a model described as JSON (stdin), print its findings as JSON (stdout).

Used by bench/pytm_compare.py, in a subprocess of its own (pytm keeps its model in class-level
state). The JSON is what a tmlogic model states, in pytm's terms (bench/pytm_compare.py builds
it through the pytm pack's mapping): pytm gets every class, boundary, flow, data asset and
stated attribute; what the model does not state keeps pytm's default, as in any pytm model.
This is measurement tooling: nothing here is on tmlogic's analysis path.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytm  # type: ignore[import-untyped]
from pytm import TM, Boundary, Classification, Data, Dataflow, Lifetime, TLSVersion


def _value(attr: str, value: Any) -> Any:
    if attr in ("classification", "maxClassification"):
        return Classification[value]
    if attr in ("tlsVersion", "minTLSVersion"):
        return TLSVersion[value]
    if attr == "credentialsLife":
        return Lifetime[value]
    return value


def _set(obj: Any, attrs: dict[str, Any]) -> None:
    for name, value in sorted(attrs.items()):
        if name.startswith("controls."):
            setattr(obj.controls, name.split(".", 1)[1], value)
        elif name in type(obj).model_fields:
            setattr(obj, name, _value(name, value))


def main() -> None:
    spec = json.load(sys.stdin)
    TM.reset()
    tm = TM(spec["name"], description=spec.get("description") or spec["name"])
    boundaries: dict[str, Boundary] = {}
    for b in spec["boundaries"]:
        boundaries[b["id"]] = Boundary(b["name"])
    for b in spec["boundaries"]:
        if b.get("parent") in boundaries:
            boundaries[b["id"]].inBoundary = boundaries[b["parent"]]
    elements: dict[str, Any] = {}
    for e in spec["elements"]:
        cls = getattr(pytm, e["class"])
        el = cls(e["name"])
        if e.get("boundary") in boundaries:
            el.inBoundary = boundaries[e["boundary"]]
        _set(el, e["attrs"])
        elements[e["id"]] = el
    data: dict[str, Data] = {}
    for d in spec["data"]:
        attrs = {k: _value(k, v) for k, v in d["attrs"].items() if k in Data.model_fields}
        data[d["id"]] = Data(d["name"], **attrs)
    for f in spec["flows"]:
        flow = Dataflow(elements[f["source"]], elements[f["sink"]], f["name"])
        _set(flow, f["attrs"])
        if f["data"]:
            flow.data = [data[d] for d in f["data"]]
    tm.check()
    tm.resolve()
    by_class: dict[str, int] = {}
    for finding in tm.findings:
        kind = type(finding.element).__name__ if hasattr(finding, "element") else "?"
        by_class[kind] = by_class.get(kind, 0) + 1
    json.dump({"findings": len(tm.findings), "by_class": by_class}, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
