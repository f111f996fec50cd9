"""The editor bundle that ships in the package: built from pinned versions, with every licence,
and no registry address anywhere in what is committed."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend"
STATIC = ROOT / "tmlogic" / "serve" / "static"


def test_dependencies_are_pinned_exactly_and_locked() -> None:
    package = json.loads((FRONTEND / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((FRONTEND / "package-lock.json").read_text(encoding="utf-8"))
    for group in ("dependencies", "devDependencies"):
        for name, version in package[group].items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name}@{version} is not an exact version"
            assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert all("integrity" in p for k, p in lock["packages"].items() if k)


def test_nothing_committed_names_a_download_address() -> None:
    for path in [FRONTEND / "package-lock.json", FRONTEND / "package.json", *STATIC.iterdir()]:
        text = path.read_text(encoding="utf-8")
        assert '"resolved"' not in text, path
        assert not re.search(r"https?://(?!www\.w3\.org/)", text) or path.name == "THIRD-PARTY-LICENSES.txt", path


def test_every_bundled_package_has_its_licence_next_to_the_bundle() -> None:
    lock = json.loads((FRONTEND / "package-lock.json").read_text(encoding="utf-8"))
    bundled = {k.removeprefix("node_modules/"): p for k, p in lock["packages"].items()
               if k and not p.get("dev")}
    licences = (STATIC / "THIRD-PARTY-LICENSES.txt").read_text(encoding="utf-8")
    for name, meta in bundled.items():
        assert f"{name} {meta['version']} ({meta['license']})" in licences, name
    bundle = (STATIC / "editor.bundle.js").read_text(encoding="utf-8")
    assert len(bundle) > 100_000 and "TmEditor" in bundle
