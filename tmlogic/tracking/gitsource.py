"""Read a model as it was at a git revision, with its submodels, into a temporary folder.

git runs as a subprocess with an argument list (never a shell), in the model's repository.
The model's folder at that revision is copied (model files only: .md, .markdown, .yaml, .yml),
so `submodel=` links, which must stay inside that folder, resolve as they did then.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory

from .._errors import display_path
from .snapshot import ArgumentError

__all__ = ["GitError", "GitModel", "repo_root", "is_revision", "git_show", "checkout_model", "parse_rev_path"]

_MODEL_SUFFIXES = (".md", ".markdown", ".yaml", ".yml")
_TIMEOUT = 60


class GitError(ArgumentError):
    """git is missing, the path is not in a repository, or the revision or file does not exist there."""


def _error(where: str, message: str, hint: str) -> GitError:
    return GitError(message, hint, "git")


def _git(args: list[str], cwd: Path, *, where: str, stdin: bytes | None = None) -> bytes:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, timeout=_TIMEOUT,
                              env=env, check=False)
    except FileNotFoundError:
        raise _error(where, "git is not installed (or not on PATH)", "install git, or compare result JSON files instead") from None
    except subprocess.TimeoutExpired:
        raise _error(where, f"git {args[0]} took more than {_TIMEOUT} s", "try again; check the repository is healthy") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _error(where, f"git {args[0]} failed ({where}): {message[-1] if message else f'exit code {proc.returncode}'}",
                     "check the revision and the path")
    return proc.stdout


def repo_root(path: Path) -> Path:
    """The top folder of the git work tree that holds `path`."""
    folder = Path(path).resolve()
    folder = folder if folder.is_dir() else folder.parent
    if not folder.is_dir():
        raise _error(display_path(path), f"folder '{display_path(folder)}' does not exist", "check the model path")
    out = _git(["rev-parse", "--show-toplevel"], folder, where=display_path(path))
    return Path(out.decode("utf-8").strip()).resolve()


def is_revision(text: str, cwd: Path) -> bool:
    """Whether `text` names a commit in the repository around cwd (False outside a repository)."""
    if not text or text.startswith("-"):
        return False
    try:
        proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{text}^{{commit}}"],
                              cwd=cwd, capture_output=True, timeout=_TIMEOUT, check=False,
                              env=dict(os.environ, GIT_TERMINAL_PROMPT="0"))
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _check_rev(rev: str) -> None:
    """A revision never starts with '-': git would read it as an option."""
    if not rev or rev.startswith("-"):
        raise GitError(f"'{rev}' is not a revision", "give a branch, tag or commit (HEAD~1, origin/main)", "git")


def parse_rev_path(text: str) -> tuple[str, str] | None:
    """`REV:path` -> (REV, path); None for anything else (including Windows drive letters)."""
    rev, sep, path = text.partition(":")
    if not sep or not rev or not path or (len(rev) == 1 and rev.isalpha()):
        return None
    return rev, path


def _rel(path: Path, root: Path) -> PurePosixPath:
    resolved = Path(path).resolve()
    try:
        return PurePosixPath(resolved.relative_to(root).as_posix())
    except ValueError:
        raise _error(display_path(path), f"'{display_path(path)}' is not inside the git repository at {root}",
                     "give a model path inside the repository") from None


def git_show(rev: str, path: Path) -> bytes:
    """The content of `path` (a file in a work tree) at revision `rev`: `git show REV:path`."""
    _check_rev(rev)
    root = repo_root(path if Path(path).exists() else Path(path).parent)
    rel = _rel(path, root)
    return _git(["show", f"{rev}:{rel}"], root, where=f"{rev}:{rel}")


@dataclass(frozen=True)
class GitModel:
    path: Path  # the model file inside the temporary folder
    folder: Path  # the temporary folder standing for the repository's top
    label: str  # `REV:relative/path.md`, for people
    rev: str


@contextmanager
def checkout_model(rev: str, model: Path) -> Iterator[GitModel]:
    """Write the model at `rev`, and the model files of its folder (for submodels), into a
    temporary folder that mirrors the repository; yield where it is. Cleaned up on exit."""
    _check_rev(rev)
    model = Path(model)
    anchor = model if model.exists() else model.parent
    root = repo_root(anchor)
    rel = _rel(model, root)
    label = f"{rev}:{rel}"
    if not is_revision(rev, root):
        raise _error(label, f"'{rev}' is not a revision of the repository at {display_path(root)}",
                     "use a branch, tag or commit (e.g. HEAD~1, origin/main); in CI fetch the history (fetch-depth: 0)")
    folder = rel.parent
    scope = "." if str(folder) == "." else f"{folder.as_posix()}/"
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", rev, "--", scope], root, where=label)
    blobs: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != b"blob":
            continue
        file = name.decode("utf-8", "surrogateescape")
        if PurePosixPath(file).suffix.lower() in _MODEL_SUFFIXES:
            blobs.append((parts[2].decode("ascii"), file))
    if not any(f == rel.as_posix() for _, f in blobs):
        raise _error(label, f"'{rel}' does not exist at {rev}", "check the path, or pick a revision where the model exists")
    contents = _cat_blobs([b for b, _ in blobs], root, label)
    with TemporaryDirectory(prefix="tmlogic-git-") as tmp:
        top = Path(tmp).resolve()
        for (oid, file), data in zip(blobs, contents):
            target = top / file
            if not target.resolve().is_relative_to(top):
                continue  # a path that would leave the folder: never written
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        yield GitModel(top / rel, top, label, rev)


def _cat_blobs(oids: list[str], root: Path, where: str) -> list[bytes]:
    """Read many blobs with one `git cat-file --batch`."""
    if not oids:
        return []
    out = _git(["cat-file", "--batch"], root, where=where, stdin=("\n".join(oids) + "\n").encode("ascii"))
    blobs: list[bytes] = []
    pos = 0
    for oid in oids:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3 or header[0].decode("ascii") != oid:
            raise _error(where, f"git cat-file returned an unexpected header for {oid}", "check the repository")
        size = int(header[2])
        start = end + 1
        blobs.append(out[start:start + size])
        pos = start + size + 1  # content is followed by a newline
    return blobs
