"""Command-line options shared by `tmlogic` and its sub-commands, defined once."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .logic.engines.base import DEFAULT_ENGINE

__all__ = ["FailLevel", "ModelArg", "RulesOpt", "NoBuiltinOpt", "StrictOpt", "EngineOpt", "DEFAULT_ENGINE"]


class FailLevel(str, Enum):
    none = "none"
    low = "low"
    medium = "medium"
    elevated = "elevated"
    high = "high"
    critical = "critical"


ModelArg = Annotated[Path, typer.Argument(help="Model file (.md or .yaml).", show_default=False)]
RulesOpt = Annotated[
    Optional[list[Path]], typer.Option("--rules", "-r", help="Extra rule pack (folder or .dl file); repeatable.")
]
NoBuiltinOpt = Annotated[bool, typer.Option("--no-builtin-rules", help="Use only the packs given with --rules.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat warnings (unknown keys, ...) as errors.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="Logic engine: native or pydatalog.")]
