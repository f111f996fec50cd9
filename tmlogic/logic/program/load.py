"""Loading rule files into a checked Program: schema, prelude, built-in packs and user packs.

Every file is read and parsed before anything is reported, so one run lists the syntax errors
of all files; the static checks then run over all modules together (a rule pack may use a
predicate declared in another file). The checked built-in program (no extra packs) is cached
on disk, keyed by the content of its files (cache.py); a warm run finds that key from the files'
stats (manifest.py) and reads none of them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..._errors import Diagnostic, Level, RuleError, SourceSpan, display_path
from ...fileaccess import FileAccessError, note_unread_input, read_text
from ...limits import current as current_limits
from ...records import record, replace
from ...resolution import resolve, resolve_folder, shared_folders
from ...resources import prelude_file, rules_dir, schema_file
from ..language.ast import Module, Program
from ..language.checks import KnownIds, LazyKnownIds, check_modules, stride_canonical
from . import cache, manifest

__all__ = ["rule_files", "load_program", "lint"]


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """The `.dl` files named by `paths`, sorted and without repeats.

    A file is taken as given (even a missing one, so that reading it reports the problem); a
    folder is searched recursively for `*.dl`, skipping `tests/` folders (rule fixtures) and
    hidden folders, and never entering a folder through a symbolic link.
    """
    return [Path(f.path) for f in _found_files(paths)]


class _Found:
    """A rule file found under a path given as a pack, with what the loader needs to know of it."""

    __slots__ = ("path", "key", "resolved", "parts", "below", "given")

    def __init__(self, path: str, key: str, resolved: bool, parts: tuple[str, ...], below: tuple[str, ...],
                 given: str) -> None:
        self.path = path  # as found: the given path joined with the names below it (links not followed)
        self.key = key  # the path resolved (links followed), or made absolute if that failed: the file's identity
        self.resolved = resolved  # whether `key` is the resolved path
        self.parts = parts  # the path's components as pathlib splits them (what sorting compares)
        self.below = below  # the folders between the given path and the file (empty for a file given alone)
        self.given = given  # the path given (a pack folder, or the file itself)


def _given(path: Path) -> _Found:
    """A file named as itself (not searched for)."""
    text = str(path)
    key, resolved = _text_key(text)
    return _Found(text, key, resolved, path.parts, (), text)


def _found_files(paths: Iterable[Path]) -> list[_Found]:
    """rule_files, with each file's key and place: sorted as pathlib sorts paths (by components),
    the first path found for a key kept (a link to a file already found is that file)."""
    found: dict[str, _Found] = {}
    for path in paths:
        path = Path(path)
        if not path.is_dir():
            file = _given(path)
            found.setdefault(file.key, file)
            continue
        for file in _walk(path):
            found.setdefault(file.key, file)
    return sorted(found.values(), key=lambda f: f.parts)


def _walk(folder: Path) -> list[_Found]:
    """The `*.dl` files under `folder` that are regular files (or links to one), in the order
    `Path.rglob` (Python 3.11) finds them: a folder's own files in listing order, then each of its
    folders in turn. Enters no link to a folder, no `tests/` and no hidden folder (whose files
    are skipped anyway), and lists each folder once (os.scandir: a regular file costs no stat).

    A file that is not a link, in folders reached without links, resolves to the resolved folder
    joined with its name: only the given folder is resolved, and a link is resolved on its own."""
    root = str(folder)
    root_parts = folder.parts
    root_key, resolved = _text_key(root)
    out: list[_Found] = []
    stack: list[tuple[str, str, tuple[str, ...]]] = [(root, root_key, ())]
    while stack:
        here, here_key, below = stack.pop()
        try:
            with os.scandir(here) as listing:
                entries = list(listing)
        except OSError:  # unreadable: rglob skips it too (the pack then holds no file, and says so)
            continue
        folders: list[tuple[str, str, tuple[str, ...]]] = []
        for entry in entries:
            name = entry.name
            try:
                if name.endswith(".dl") and entry.is_file():  # follows a link: a link to a file counts
                    path = os.path.join(here, name)
                    key, exact = _text_key(path) if entry.is_symlink() or not resolved \
                        else (os.path.join(here_key, name), True)
                    out.append(_Found(path, key, exact, (*root_parts, *below, name), below, root))
                if entry.is_dir(follow_symlinks=False) and name != "tests" and not name.startswith("."):
                    folders.append((os.path.join(here, name), os.path.join(here_key, name), (*below, name)))
            except OSError:
                continue
        stack.extend(reversed(folders))
    return out


def _pack_files(paths: Iterable[Path]) -> list[tuple[_Found, str]]:
    """Each rule file under `paths` with the name of its pack. A folder that holds .dl files
    is one pack (its name); a folder that holds only folders (like rules/) holds one pack per
    sub-folder; a file given alone belongs to the pack of its folder. Two different folders of
    the same name are two packs: the second is called `name#2`."""
    out: list[tuple[_Found, str]] = []
    names: dict[str, str] = {}  # resolved folder -> pack name
    named: dict[str, str] = {}  # folder as written -> pack name

    def name_of(folder: str) -> str:
        if folder in named:
            return named[folder]
        key = _text_key(folder)[0]
        if key not in names:
            base = Path(folder).name or "pack"
            taken = set(names.values())
            name, n = base, 2
            while name in taken:
                name, n = f"{base}#{n}", n + 1
            names[key] = name
        named[folder] = names[key]
        return names[key]

    for path in map(Path, paths):
        files = _found_files([path])
        if not path.is_dir():
            out.extend((f, name_of(str(Path(f.path).parent))) for f in files)
            continue
        direct = any(not f.below for f in files)
        for f in files:
            out.append((f, name_of(f.given if direct else os.path.join(f.given, f.below[0]))))
    return out


def load_program(
    extra_paths: Sequence[Path] = (),
    *,
    builtin_rules: bool = True,
    strict: bool = False,
    known_ids: KnownIds | LazyKnownIds | None = None,
    base: Sequence[Path] = (),
    builtin_dir: Path | None = None,
) -> tuple[Program, list[Diagnostic]]:
    """Parse and check schema + prelude + `base` + built-in rules (if asked) + `extra_paths`.

    CAPEC, CWE and ATT&CK ids in rule metadata are checked against `known_ids` (None: not
    checked); tmlogic.analysis.load_rules passes the knowledge base's, as LazyKnownIds: read only
    if the program is not in the cache. `builtin_dir` is the
    built-in pack folder (default rules/; the attack-path stage passes attack-paths/).
    Returns the Program and its warnings; raises RuleError listing every problem otherwise.
    """
    builtin = builtin_dir if builtin_dir is not None else rules_dir()
    packs = [builtin] if builtin_rules and builtin.is_dir() else []
    with shared_folders():  # ~90 files in a few folders: each folder resolved once
        pack_files = _pack_files(packs + list(extra_paths))
        listed = _listed(_base_files() + list(base), pack_files)
    ids = known_ids.digest if isinstance(known_ids, LazyKnownIds) else known_ids
    cacheable = builtin_rules and not extra_paths
    # The stat manifest (manifest.py) covers files reached without links only: such a file
    # lies inside its project root whatever that is, so the read it skips could not refuse it.
    stated_ids = None if isinstance(ids, KnownIds) else ids
    stated = cacheable and not isinstance(ids, KnownIds) and all(
        f.resolved and f.key == os.path.abspath(f.path) for f, _, _ in listed)
    names = [f"{shown}\0{pack or ''}\0{f.key}" for f, pack, shown in listed] if stated else []
    paths = [f.key for f, _, _ in listed]
    # what the key depends on besides the files: the key of no files (version, format, strictness, ids)
    context = f"program {cache.program_key([], strict, stated_ids)}" if stated else ""
    if stated:
        found = manifest.stated_key("files", context, names, paths)
        limit = current_limits().file_bytes
        if found is not None and all(s[0] <= limit for s in found[1]):
            cached = cache.read_program(found[0])
            if cached is not None:
                for (f, _, shown), s in zip(listed, found[1]):
                    note_unread_input(f.key, shown, s[4], s[3])
                return cached, []
    read_at = time.time_ns()
    with shared_folders():
        sources, problems = _read_listed(listed)
    key = None
    if cacheable and not problems:
        key = cache.program_key([(f"{s.shown}\0{s.pack or ''}", s.text.encode("utf-8")) for s in sources],
                                strict, ids)
        if stated:
            manifest.write_stated_key("files", context, names, paths, key, read_at)
        cached = cache.read_program(key)
        if cached is not None:
            return cached, []
    if isinstance(known_ids, LazyKnownIds):
        known_ids = known_ids.load()
    modules, problems = _parse_all(sources, problems)
    problems += _empty_packs(extra_paths)
    if any(d.level is Level.ERROR for d in problems):
        raise RuleError(problems)
    program, warnings = check_modules(modules, strict=strict, known_ids=known_ids,
                                      reference_rules=None if builtin_rules
                                      else _builtin_rule_strides({f.key for f, _ in pack_files}))
    if key is not None and not warnings:
        cache.write_program(key, program)
    return program, warnings


def lint(paths: Sequence[Path], *, strict: bool = False, known_ids: KnownIds | None = None,
         builtin_rules: bool = True) -> list[Diagnostic]:
    """Every diagnostic for the rule files under `paths`, checked in the program `analyze` and
    `rules test` run (schema, prelude, the built-in packs unless builtin_rules=False), sorted.

    Knowledge-base ids are checked as in load_program. Never raises for bad input: errors are
    returned along with warnings.
    """
    packs = [rules_dir()] if builtin_rules and rules_dir().is_dir() else []
    with shared_folders():
        pack_files = _pack_files(packs + list(paths))
        sources, problems = _read_all(_base_files(), pack_files)
    modules, problems = _parse_all(sources, problems)
    problems += _empty_packs(paths)
    if not any(d.level is Level.ERROR for d in problems):
        # Checks run only on a complete parse: a file that failed to parse would make every
        # use of its predicates look undeclared.
        try:
            _, warnings = check_modules(modules, strict=strict, known_ids=known_ids,
                                        reference_rules=None if builtin_rules
                                        else _builtin_rule_strides({f.key for f, _ in pack_files}),
                                        require_mitre=True)
            problems += warnings
        except RuleError as exc:
            problems += exc.diagnostics
    return sorted(problems, key=Diagnostic.sort_key)


def _builtin_rule_strides(loaded: set[str]) -> dict[str, str]:
    """Rule id -> STRIDE category of the built-in threat rules not among `loaded` (files' keys), so
    that a user pack checked without the built-in packs may supersede a built-in rule."""
    if not rules_dir().is_dir():
        return {}
    builtin = [(f, "builtin") for f in _found_files([rules_dir()]) if f.key not in loaded]
    modules, _ = _parse_all(*_read_all((), builtin))
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


def _text_key(path: str) -> tuple[str, bool]:
    """(the path resolved, True), or (made absolute, False) if it cannot be resolved."""
    try:
        return str(resolve(path)), True
    except OSError:
        return str(Path(path).absolute()), False


def _base_files() -> list[Path]:
    files = [schema_file()]
    prelude = prelude_file()
    if prelude.is_file():
        files.append(prelude)
    return files


@record(frozen=True)
class _Source:
    shown: str
    text: str
    pack: str | None  # None: the schema and the prelude


def _read_all(base: Iterable[Path], packs: Iterable[tuple[_Found, str]] = ()) -> tuple[list[_Source], list[Diagnostic]]:
    """Every rule file's text, through the guarded reader (a pack's link out of the project is refused)."""
    return _read_listed(_listed(base, packs))


def _listed(base: Iterable[Path], packs: Iterable[tuple[_Found, str]] = ()) -> list[tuple[_Found, str | None, str]]:
    """Each rule file once, with its pack (None: the schema and the prelude) and its path as shown."""
    out: list[tuple[_Found, str | None, str]] = []
    seen: set[str] = set()
    cwd = str(resolve_folder(os.getcwd()))
    below_cwd = cwd if cwd.endswith(os.sep) else cwd + os.sep
    listed: list[tuple[_Found, str | None]] = [(_given(Path(f)), None) for f in base]
    for file, pack in listed + list(packs):
        if file.key in seen:  # a user pack given again, or the built-in folder named explicitly
            continue
        seen.add(file.key)
        # display_path(file), from the key already resolved
        if not file.resolved:
            shown = display_path(file.path)
        elif file.key.startswith(below_cwd):
            shown = file.key[len(below_cwd):]
        else:
            shown = "." if file.key == cwd else file.path
        out.append((file, pack, shown))
    return out


def _read_listed(listed: Iterable[tuple[_Found, str | None, str]]) -> tuple[list[_Source], list[Diagnostic]]:
    sources: list[_Source] = []
    problems: list[Diagnostic] = []
    for file, pack, shown in listed:
        try:
            sources.append(_Source(shown, read_text(file.path, what="rule file", shown=shown), pack))
        except FileAccessError as exc:
            problems.extend(exc.diagnostics)
    return sources, problems


def _parse_all(sources: Iterable[_Source], problems: list[Diagnostic]) -> tuple[list[Module], list[Diagnostic]]:
    from ..language.parser import parse_module  # Lark: only when the program is not in the cache

    modules: list[Module] = []
    problems = list(problems)
    for source in sources:
        try:
            module = parse_module(source.text, source.shown)
        except RuleError as exc:
            problems.extend(exc.diagnostics)
            continue
        modules.append(replace(module, pack=source.pack) if source.pack is not None else module)
    return modules, problems
