"""The bounds on the work one run does, so that hostile input ends in a clean error, not a hang.

A pull request controls the model, its submodels, the risk file and the rule packs; each limit
below caps what such input can make tmlogic do. Every limit has a default that no real model
comes near (docs/security.md lists them) and can be changed for one run:

    tmlogic --limit engine_seconds=300 --limit model_files=5000 analyze project/
    TMLOGIC_LIMITS="engine_seconds=300,model_files=5000" tmlogic analyze project/

The command line wins over the environment. Code reads the limits in force with `current()`;
`using(limits)` sets them for a block (the CLI does this once per command).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ._errors import TmlogicError
from .records import fields, record, replace

__all__ = ["Limits", "LimitError", "LimitExceeded", "current", "set_current", "using", "parse_limits", "from_environment",
           "LIMITS_ENV", "describe_limits"]

LIMITS_ENV = "TMLOGIC_LIMITS"


@record(frozen=True)
class Limits:
    """Each field is one limit; the docstring lines below are shown by `describe_limits`."""

    file_bytes: int = 16 * 1024 * 1024
    import_bytes: int = 64 * 1024 * 1024  # a Terraform plan of a large estate is a few MiB
    model_files: int = 1000
    nesting_depth: int = 64
    yaml_alias_nodes: int = 10_000
    integer_digits: int = 18
    derived_tuples: int = 5_000_000
    engine_seconds: float = 120.0
    report_proofs: int = 2000


_DESCRIPTIONS = {
    "file_bytes": "bytes in one file read (model, submodel, risk file, baseline, rule file, config, program cache)",
    "import_bytes": "bytes in one input file of `tmlogic import` or `tmlogic drift` (a Terraform plan, a manifest)",
    "model_files": "distinct model files in one project (a file named by several submodel= links counts once)",
    "nesting_depth": "levels of nesting: boundaries in boundaries, submodels in submodels; YAML and JSON values "
                     "may nest twice as deep, plus 8",
    "yaml_alias_nodes": "YAML nodes that aliases (*name, <<: *name) add when their anchors are expanded, "
                        "in any YAML tmlogic reads (models, risk files, config, imported files)",
    "integer_digits": "decimal digits of an integer in a model, risk file or rule pack",
    "derived_tuples": "tuples the logic engine derives in one analysis",
    "engine_seconds": "seconds of CPU time the logic engine may use in one analysis",
    "report_proofs": "threats whose proof trees the HTML report embeds (the most severe first); the rest name `tmlogic explain`",
}

_CURRENT: ContextVar[Limits] = ContextVar("tmlogic_limits", default=Limits())


class LimitError(TmlogicError):
    """A --limit or $TMLOGIC_LIMITS setting that is not NAME=NUMBER with a known name."""


class LimitExceeded(TmlogicError):
    """Work that went past a limit. `where` names what grew (a file, a rule); exit code 2."""

    def __init__(self, limit: str, value: int | float, message: str, where: str = "") -> None:
        self.limit, self.value, self.where = limit, value, where
        hint = (f"if the input is genuine, raise the limit for this run: tmlogic --limit {limit}=N ... "
                f"(now {value:g}; see docs/security.md)")
        super().__init__(f"{where + ': ' if where else ''}{message}; {hint}")


def current() -> Limits:
    """The limits in force."""
    return _CURRENT.get()


def set_current(limits: Limits) -> None:
    """The limits for the rest of this command (the CLI's root callback sets them once)."""
    _CURRENT.set(limits)


@contextmanager
def using(limits: Limits) -> Iterator[Limits]:
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)


def parse_limits(settings: Iterable[str], base: Limits | None = None, *, source: str = "--limit") -> Limits:
    """`["engine_seconds=300", "model_files=5000"]` (or comma-separated items) on top of `base`."""
    known = {f.name: f for f in fields(Limits)}
    changes: dict[str, int | float] = {}
    for setting in settings:
        for item in (s.strip() for s in setting.split(",")):
            if not item:
                continue
            name, sep, text = item.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in known:
                raise LimitError(f"{source} {item!r}: expected NAME=NUMBER with NAME one of {', '.join(known)}")
            number: int | float
            try:
                number = float(text) if known[name].type in (float, "float") else int(text.strip().replace("_", ""))
            except ValueError:
                raise LimitError(f"{source} {item!r}: {text.strip()!r} is not a number") from None
            if not 0 < number < 10**15:
                raise LimitError(f"{source} {item!r}: a limit is a positive number")
            changes[name] = number
    return replace(base or Limits(), **changes)  # type: ignore[arg-type]


def from_environment(base: Limits | None = None) -> Limits:
    """The defaults, changed by $TMLOGIC_LIMITS when it is set."""
    text = os.environ.get(LIMITS_ENV, "")
    return parse_limits([text], base, source=f"${LIMITS_ENV}") if text.strip() else (base or Limits())


def describe_limits(limits: Limits | None = None) -> list[tuple[str, str, str]]:
    """(name, value, what it bounds) for every limit, in declaration order (for docs and --help)."""
    limits = limits or current()
    return [(f.name, f"{getattr(limits, f.name):g}", _DESCRIPTIONS[f.name]) for f in fields(Limits)]
