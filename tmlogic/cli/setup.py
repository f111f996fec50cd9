"""`tmlogic init` and `tmlogic completion`: setting tmlogic up in a repository and in a shell."""

import sys
from enum import Enum
from pathlib import Path

from .common import user_error
from .params import Annotated, Argument, Option

__all__ = ["init", "completion", "Shell"]

_MODEL_PATTERNS = ("**/threat_model.md", "**/threat_model.yaml", "**/threat_model.yml", "**/*.tm.md", "**/*.tm.yaml",
                   "**/*.tm.yml")


def init(
    force: Annotated[bool, Option("--force", help="Replace an existing .tmlogic.yaml.")] = False,
) -> None:
    """Write a commented .tmlogic.yaml in this folder, listing the models found below it."""
    from ..config import CONFIG_NAMES, init_text
    from ..fileaccess import WriteRefused, write_text

    here = Path.cwd()
    existing = next((here / n for n in CONFIG_NAMES if (here / n).exists()), None)
    if existing is not None and not force:
        user_error(f"{existing.name} already exists; edit it, or replace it with `tmlogic init --force`")
    found = sorted({p.relative_to(here).as_posix() for pattern in _MODEL_PATTERNS for p in here.glob(pattern)
                    if ".git" not in p.parts and ".venv" not in p.parts and "node_modules" not in p.parts})
    target = here / ".tmlogic.yaml"
    try:
        write_text(target, init_text(found))
    except WriteRefused as exc:
        user_error(str(exc))
    listed = ", ".join(found) if found else "none found: add yours under `models:`"
    sys.stdout.write(f"wrote .tmlogic.yaml (models: {listed})\n")


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(shell: Annotated[Shell, Argument(help="The shell to complete in.")]) -> None:
    """Print the shell-completion script (or let `--install-completion` install it for this shell).

    \b
    bash: tmlogic completion bash > ~/.local/share/bash-completion/completions/tmlogic
    zsh:  tmlogic completion zsh > "${fpath[1]}/_tmlogic"
    fish: tmlogic completion fish > ~/.config/fish/completions/tmlogic.fish"""
    from .completion import script

    sys.stdout.write(script(shell.value))
