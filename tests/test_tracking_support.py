"""Shared pieces of the tracking tests: small models, a pinned rule pack, temporary git repositories
and CLI runners. (No tests here.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tmlogic.analysis import AnalysisOptions
from tmlogic.cli.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]

# A copy of TM-NET-001, pinned here so that "exactly the new threat" does not depend on which
# other built-in rules exist today.
RULE = """\
/// id: TM-NET-001
/// title: Cleartext flow enters a trusted zone
/// stride: InformationDisclosure
/// severity: high
/// message: Flow '{F}' carries traffic from '{S}' in untrusted zone '{Z1}' into trusted zone '{Z2}' without encryption.
/// mitigation: Encrypt every flow that crosses into a trusted zone.
threat(F) :-
    flow(F, S, _),
    in_untrusted(S),
    zone(S, Z1),
    crosses(F, Z1, Z2),
    trusted(Z2),
    !encrypted_flow(F).
"""

MODEL = """\
# Threat Model: Shop
## Boundaries
- **Internet**: isTrusted=False
- **Intranet**: isTrusted=True
## Actors
- **Customer**: boundary=Internet
- **Partner**: boundary=Internet
## Servers
- **Web**: boundary=Intranet, type=web-server
- **Api**: boundary=Intranet, type=app-server
## Dataflows
- **Browse**: from="Customer", to="Web", protocol="HTTPS", is_authenticated=True
- **Sync**: from="Partner", to="Api", protocol="HTTP", is_authenticated=True
"""

# The same model where Sync carries secret data: its finding is about that data, so it scores critical.
SECRET_SYNC = MODEL.replace('protocol="HTTP", is_authenticated=True\n', 'protocol="HTTP", is_authenticated=True, data="Key"\n') \
    + "## Data\n- **Key**: classification=secret\n"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True,
                          env={**os.environ, **GIT_ENV})
    return proc.stdout


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    write(folder / "TM-NET-001.dl", RULE)
    return folder


def options(rule_pack: Path) -> AnalysisOptions:
    return AnalysisOptions(rule_paths=(rule_pack,), builtin_rules=False)


def rule_args(rule_pack: Path) -> list[str]:
    return ["--no-builtin-rules", "--rules", str(rule_pack)]


def invoke(app, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args), env=env)
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
