"""How every command ends a user's mistake and writes its output, defined once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import typer

__all__ = ["user_error", "write_output"]


def user_error(message: str) -> NoReturn:
    """A mistake in the command line or the environment (not in a model): one line, exit 2."""
    sys.stderr.write(f"tmlogic: error: {message}\n")
    raise typer.Exit(2)


def write_output(text: str, output: Path | None) -> None:
    """To stdout (no path, or "-"), else to the file, creating its folder."""
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        user_error(f"cannot write {output}: {exc.strerror or exc}; check the folder exists and is writable")
