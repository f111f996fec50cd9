"""Loading rule files into a checked Program: schema, prelude, built-in packs and user packs.

Every file is read and parsed before anything is reported, so one run lists the syntax errors
of all files; the static checks then run over all modules together (a rule pack may use a
predicate declared in another file). The checked built-in program (no extra packs) is cached
on disk, keyed by the content of its files (cache.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ..._errors import Diagnostic, Level, RuleError, SourceSpan, display_path
from ...resources import prelude_file, rules_dir, schema_file
from ..language.ast import Module, Program
from ..language.checks import KnownIds, check_modules, stride_canonical
from ..language.parser import parse_module
from . import cache

__all__ = ["rule_files", "load_program", "lint"]


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """The `.dl` files named by `paths`, sorted and without repeats.

    A file is taken as given (even a missing one, so that reading it reports the problem); a
    folder is searched recursively for `*.dl`, skipping `tests/` folders (rule fixtures) and
    hidden folders.
    """
    found: dict[Path, Path] = {}
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for file in path.rglob("*.dl"):
                parts = file.relative_to(path).parts[:-1]
                if any(p == "tests" or p.startswith(".") for p in parts) or not file.is_file():
                    continue
                found.setdefault(_key(file), file)
        else:
            found.setdefault(_key(path), path)
    return sorted(found.values())


def load_program(
    extra_paths: Sequence[Path] = (),
    *,
    builtin_rules: bool = True,
    strict: bool = False,
    known_ids: KnownIds | None = None,
    base: Sequence[Path] = (),
    builtin_dir: Path | None = None,
) -> tuple[Program, list[Diagnostic]]:
    """Parse and check schema + prelude + `base` + built-in rules (if asked) + `extra_paths`.

    CAPEC, CWE and ATT&CK ids in rule metadata are checked against `known_ids` (None: not
    checked); tmlogic.analysis.load_rules passes the knowledge base's. `builtin_dir` is the
    built-in pack folder (default rules/; the attack-path stage passes attack-paths/).
    Returns the Program and its warnings; raises RuleError listing every problem otherwise.
    """
    files = _base_files() + list(base)
    builtin = builtin_dir if builtin_dir is not None else rules_dir()
    if builtin_rules and builtin.is_dir():
        files += rule_files([builtin])
    files += rule_files(extra_paths)
    key = _cache_key(files, strict, known_ids) if builtin_rules and not extra_paths else None
    if key is not None:
        cached = cache.read_program(key)
        if cached is not None:
            return cached, []
    modules, problems = _parse_all(files)
    problems += _empty_packs(extra_paths)
    if any(d.level is Level.ERROR for d in problems):
        raise RuleError(problems)
    program, warnings = check_modules(modules, strict=strict, known_ids=known_ids,
                                      reference_rules=None if builtin_rules else _builtin_rule_strides(files))
    if key is not None and not warnings:
        cache.write_program(key, program)
    return program, warnings


def _cache_key(files: list[Path], strict: bool, known_ids: KnownIds | None) -> str | None:
    """The cache key of the built-in program, or None if a file cannot be read (parsing reports it)."""
    contents: list[tuple[str, bytes]] = []
    for file in files:
        try:
            contents.append((display_path(file), file.read_bytes()))
        except OSError:
            return None
    return cache.program_key(contents, strict, known_ids)


def lint(paths: Sequence[Path], *, strict: bool = False, known_ids: KnownIds | None = None) -> list[Diagnostic]:
    """Every diagnostic for the rule files under `paths` (checked with schema and prelude), sorted.

    Knowledge-base ids are checked as in load_program. Never raises for bad input: errors are
    returned along with warnings.
    """
    files = _base_files() + rule_files(paths)
    modules, problems = _parse_all(files)
    problems += _empty_packs(paths)
    if not any(d.level is Level.ERROR for d in problems):
        # Checks run only on a complete parse: a file that failed to parse would make every
        # use of its predicates look undeclared.
        try:
            _, warnings = check_modules(modules, strict=strict, known_ids=known_ids,
                                        reference_rules=_builtin_rule_strides(files), require_mitre=True)
            problems += warnings
        except RuleError as exc:
            problems += exc.diagnostics
    return sorted(problems, key=Diagnostic.sort_key)


def _builtin_rule_strides(loaded: list[Path]) -> dict[str, str]:
    """Rule id -> STRIDE category of the built-in threat rules not among `loaded`, so that a user
    pack linted on its own may supersede a built-in rule."""
    if not rules_dir().is_dir():
        return {}
    seen = {_key(f) for f in loaded}
    modules, _ = _parse_all(f for f in rule_files([rules_dir()]) if _key(f) not in seen)
    out: dict[str, str] = {}
    for module in modules:
        for rule in module.rules:
            if rule.metadata is not None and rule.metadata.get("id"):
                out[str(rule.metadata.get("id"))] = stride_canonical(rule.metadata.get("stride") or "") or ""
    return out


def _empty_packs(paths: Iterable[Path]) -> list[Diagnostic]:
    """A folder given as a rule pack that holds no rule file is a mistake, not an empty pack that passes."""
    return [Diagnostic(Level.ERROR, SourceSpan(display_path(p), 1, 1), "this folder holds no .dl rule file",
                       "empty-pack", "give a rule pack folder (with <RULE-ID>.dl files) or a .dl file")
            for p in map(Path, paths) if p.is_dir() and not rule_files([p])]


def _key(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _base_files() -> list[Path]:
    files = [schema_file()]
    prelude = prelude_file()
    if prelude.is_file():
        files.append(prelude)
    return files


def _parse_all(files: Iterable[Path]) -> tuple[list[Module], list[Diagnostic]]:
    modules: list[Module] = []
    problems: list[Diagnostic] = []
    seen: set[Path] = set()
    for file in files:
        key = _key(file)
        if key in seen:  # a user pack given again, or the built-in folder named explicitly
            continue
        seen.add(key)
        shown = display_path(file)
        try:
            text = file.read_text(encoding="utf-8-sig")  # tolerate a byte-order mark
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            problems.append(Diagnostic(Level.ERROR, SourceSpan(shown, 1, 1), f"cannot read the rule file: {reason}",
                                       "io", "check the path, its permissions, and that it is UTF-8 text"))
            continue
        try:
            modules.append(parse_module(text, shown))
        except RuleError as exc:
            problems.extend(exc.diagnostics)
    return modules, problems
