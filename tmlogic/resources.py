"""Where the shipped data lives: rules/, packs/, attack-paths/, facts/ and templates/.

In a wheel they are mapped into tmlogic/_data/ (see pyproject.toml); in a source checkout
(editable install, or running from the repo) they are the top-level folders.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir", "rules_dir", "packs_dir", "optional_packs", "facts_dir", "templates_dir", "schema_file", "prelude_file",
           "attack_paths_dir", "threat_facts_file"]

_PACKAGE = Path(__file__).resolve().parent


def data_dir() -> Path:
    bundled = _PACKAGE / "_data"
    if (bundled / "facts").is_dir():
        return bundled
    checkout = _PACKAGE.parent
    if (checkout / "facts").is_dir():
        return checkout
    raise FileNotFoundError(f"tmlogic's data folders (rules/, facts/) are missing from {bundled} and {checkout}; reinstall tmlogic")


def rules_dir() -> Path:
    return data_dir() / "rules"


def packs_dir() -> Path:
    """The built-in optional packs (pytm: pytm's threat library), beside rules/."""
    return data_dir() / "packs"


def optional_packs() -> dict[str, Path]:
    """Built-in rule packs that run only when named (`--pack NAME`, `packs: [NAME]` in .tmlogic.yaml):
    the folders under packs/ beside rules/, by folder name."""
    folder = packs_dir()
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_dir()}


def facts_dir() -> Path:
    return data_dir() / "facts"


def templates_dir() -> Path:
    """The jinja2 templates of the HTML report and the Markdown summary."""
    return data_dir() / "templates"


def schema_file() -> Path:
    """The declarations of the input facts, read by both the fact compiler and the rule checker."""
    return facts_dir() / "schema.dl"


def prelude_file() -> Path:
    """The shared derived vocabulary (within, crosses, untrusted, ...)."""
    return facts_dir() / "prelude.dl"


def attack_paths_dir() -> Path:
    """The built-in attack-path step pack (the attacker model)."""
    return data_dir() / "attack-paths"


def threat_facts_file() -> Path:
    """The declarations of the threat facts that the attack-path stage reads."""
    return facts_dir() / "threats.dl"
