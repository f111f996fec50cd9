"""Guarded file access: every file tmlogic reads or writes on a user's behalf goes through here.

A pull request controls the files in the repository, symbolic links included, so a file is
never trusted because of its name.

Reading::

    text = read_text(path, what="risk file")              # str, or FileAccessError (exit 2)
    text = read_text(sub, what="submodel", root=model_dir)

- The path is resolved (links followed) and must then lie inside its root: `root` if given,
  else the project root of the path as written (`project_root`: the nearest folder above it
  that holds `.git`, else the file's own folder). `allow_outside(True)` (the CLI's
  `--allow-outside`) lifts this one check.
- Only regular files are read. The file is opened non-blocking and checked on the open
  descriptor, so a FIFO, a device or a folder is refused without waiting on it or reading it.
- At most `limits.current().file_bytes` bytes; text must be UTF-8 (a byte-order mark is allowed).
- A file read inside its root is *quotable*: diagnostics may show one line of it (`source_line`,
  at most 200 characters). Nothing else is ever quoted, so a link to /proc/self/environ cannot
  print the CI environment in a build log.
- Every file read is recorded as an input of this run; no write may replace one.
- Inside `resolution.shared_folders()` (the rule loader reads ~90 files that way), the folders of
  the paths are resolved once for the block; the answers are those of `Path.resolve`.

Writing::

    write_text(path, text)                          # str written as UTF-8 with "\\n" line ends
    write_bytes(path, data, within=output_dir)      # also refuses a path outside output_dir
    with locked(output_dir): ...                    # several files written as one set

- The data goes to a temporary file in the destination's folder, is flushed to disk, then
  renamed over the destination: a reader sees the old file or the new one, never half of one.
- A destination that is a symbolic link is refused, never followed (nor replaced), and so is
  one that is a folder or a device; so is a destination folder reached through a link that
  leaves the project root (unless allow_outside).
- A destination that is an input of this run (the model, a rule file...) is refused, except
  for an edit in place that the caller asks for (`replace_input=True`: the risk file).
- `locked(folder)` holds an exclusive lock on the folder itself (POSIX `flock`), so two runs
  writing into one folder take turns and the folder ends up holding one run's complete set.

Errors: `FileAccessError` (a DiagnosticsError, shown as `file:1:1: error: ...`) for reads,
`WriteRefused` (one line, `tmlogic: error: ...`) for writes; both exit 2.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from ._errors import Diagnostic, DiagnosticsError, Level, SourceSpan, UsageError, display_path
from .limits import current as current_limits
from .resolution import remembered_at, resolve, resolve_text

__all__ = [
    "FileAccessError",
    "WriteRefused",
    "project_root",
    "allow_outside",
    "outside_allowed",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "write_files",
    "write_chunks",
    "write_text_chunks",
    "locked",
    "source_line",
    "note_source",
    "QUOTE_WIDTH",
    "new_run",
    "is_input",
    "note_unread_input",
]

_WRITE_BUFFER = 1 << 20  # a streamed report arrives in pieces of a few KB: write them a megabyte at a time
QUOTE_WIDTH = 200  # characters of one source line that a diagnostic may show

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class FileAccessError(DiagnosticsError):
    """A file that may not or cannot be read: outside the project, not a regular file, too large."""


class WriteRefused(UsageError):
    """A destination that tmlogic will not write: a link, an input, outside the output folder."""


class _Run:
    """What one command has read: quotable texts by shown path, and the inputs it must not overwrite."""

    def __init__(self) -> None:
        self.quotable: dict[str, str] = {}  # shown path -> text ("" until read_text decodes it)
        self.lines: dict[str, list[str]] = {}  # shown path -> its lines, split when first quoted
        self.inputs: set[str] = set()  # resolved paths
        self.inodes: set[tuple[int, int]] = set()
        self.unread: dict[str, str] = {}  # shown path -> path, of inputs used unread: read if quoted


_RUN: ContextVar[_Run] = ContextVar("tmlogic_file_run", default=_Run())
_OUTSIDE: ContextVar[bool] = ContextVar("tmlogic_allow_outside", default=False)


def new_run() -> None:
    """Forget what earlier commands read (the CLI calls this once per command)."""
    _RUN.set(_Run())


def allow_outside(allowed: bool) -> None:
    """`--allow-outside`: read files wherever their links lead (still regular files, still capped)."""
    _OUTSIDE.set(allowed)


def outside_allowed() -> bool:
    return _OUTSIDE.get()


def project_root(path: Path | str) -> Path:
    """The nearest folder above `path` (as written, links not followed) that holds `.git`, resolved;
    else the folder that holds `path` (or `path` itself, for a folder), resolved."""
    absolute = os.path.abspath(path)
    start = absolute if _is_dir_no_follow(absolute) else os.path.dirname(absolute)
    return remembered_at("project root", start, lambda: _root_above(start))


def _root_above(start: str) -> Path:
    repository = _repository_above(start)
    return _resolve(Path(repository if repository is not None else start))


def _repository_above(folder: str) -> str | None:
    """The nearest folder at or above the absolute `folder` (as written) that holds `.git`, else
    None. Inside a shared_folders() block each folder is looked at once: the rule packs' ~15
    folders share every folder above them."""
    return remembered_at("repository above", folder, lambda: _look_above(folder))


def _look_above(folder: str) -> str | None:
    if os.path.lexists(os.path.join(folder, ".git")):
        return folder
    parent = os.path.dirname(folder)
    return None if parent == folder else _repository_above(parent)


def _is_dir_no_follow(path: Path | str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _resolve(path: Path) -> Path:
    try:
        return resolve(path)
    except (OSError, RuntimeError):  # a link loop: keep the lexical path, the read reports the loop
        return Path(os.path.abspath(path))


def _inside(path: Path | str, root: Path | str) -> bool:
    """Whether the resolved `path` is `root` or lies below it (both absolute and resolved)."""
    if os.name != "posix":
        return Path(path) == Path(root) or Path(path).is_relative_to(root)
    path, root = os.fspath(path), os.fspath(root)
    return path == root or path.startswith(root if root.endswith("/") else root + "/")


# --------------------------------------------------------------------------- reading

def _fail(shown: str, message: str, hint: str, code: str = "io") -> FileAccessError:
    return FileAccessError([Diagnostic(Level.ERROR, SourceSpan(shown, 1, 1), message, code, hint)])


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_bytes(path: Path | str, *, what: str = "file", root: Path | None = None, shown: str | None = None,
               anywhere: bool = False, limit_name: str = "file_bytes", track: bool = True) -> bytes:
    """The bytes of a regular file inside its root (see the module docstring); FileAccessError otherwise.

    `limit_name` names the size limit that applies (limits.Limits: file_bytes, import_bytes).
    `track=False`: not recorded as an input of the run, for the one file a command rewrites
    in place (the model that `tmlogic import -o` regenerates)."""
    shown = shown or display_path(path)
    base = _resolve(root) if root is not None else project_root(path)
    try:
        resolved = resolve_text(path, strict=True)
    except RuntimeError:
        raise _fail(shown, f"the {what} is a symbolic link that loops", "replace the link with the file itself",
                    "symlink-loop") from None
    except FileNotFoundError:
        raise _fail(shown, f"{what} '{shown}' not found" + (" (a dangling symbolic link)" if Path(path).is_symlink() else ""),
                    "check the path") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _fail(shown, f"the {what} is a symbolic link that loops", "replace the link with the file itself",
                        "symlink-loop") from None
        raise _fail(shown, f"cannot read the {what}: {exc.strerror or exc}",
                    "check the path and its permissions") from None
    inside = _inside(resolved, base)
    if not inside and not (anywhere or outside_allowed()):
        raise _fail(shown, f"the {what} leads outside the project folder {display_path(base)}"
                    + (f" (it is a link to {resolved})" if resolved != os.path.abspath(path) else ""),
                    "keep the files of a project inside its folder; --allow-outside reads them anyway",
                    "outside-project")
    limit: int = getattr(current_limits(), limit_name)
    try:
        fd = os.open(resolved, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.EWOULDBLOCK):  # a FIFO or socket with no writer
            raise _fail(shown, f"the {what} is not a regular file", "give a model or text file", "not-a-file") from None
        raise _fail(shown, f"cannot read the {what}: {exc.strerror or exc}",
                    "check the path and its permissions") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _fail(shown, f"the {what} is {_kind(info.st_mode)}, not a regular file",
                        "give the path of a text file", "not-a-file")
        if info.st_size > limit:
            raise _too_large(shown, what, limit, limit_name)
        os.set_blocking(fd, True)
        # One read of the size fstat gives, plus a byte to see the end; more only if the size was not
        # the content's: /proc files and growing files report a size smaller than their content.
        chunk = os.read(fd, info.st_size + 1)
        chunks = [chunk]
        size = len(chunk)
        while chunk and size != info.st_size and size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _too_large(shown, what, limit, limit_name)
    except OSError as exc:
        raise _fail(shown, f"cannot read the {what}: {exc.strerror or exc}", "check the file") from None
    finally:
        os.close(fd)
    run = _RUN.get()
    if track:
        run.inputs.add(resolved)
        run.inodes.add((info.st_dev, info.st_ino))
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if inside:
        run.quotable[shown] = ""  # filled by read_text; bytes alone are not shown
    return data


def _too_large(shown: str, what: str, limit: int, name: str) -> FileAccessError:
    return _fail(shown, f"the {what} is larger than {limit:,} bytes",
                 f"split it, or raise the limit: tmlogic --limit {name}=N (see docs/security.md)", "too-large")


def read_text(path: Path | str, *, what: str = "file", root: Path | None = None, shown: str | None = None,
              anywhere: bool = False, limit_name: str = "file_bytes", track: bool = True) -> str:
    """A regular file inside its root (anywhere: outside it too, as with --allow-outside), decoded
    as UTF-8 (BOM allowed). NUL bytes are refused: a binary file is not a model, a rule pack or a
    risk file."""
    shown = shown or display_path(path)
    data = read_bytes(path, what=what, root=root, shown=shown, anywhere=anywhere, limit_name=limit_name, track=track)
    if b"\0" in data:
        raise _fail(shown, f"the {what} is a binary file (it holds NUL bytes)", "give a UTF-8 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FileAccessError([Diagnostic(Level.ERROR, SourceSpan(shown, line, col),
                                          f"the {what} is not valid UTF-8 (byte 0x{data[exc.start]:02x})", "io",
                                          "save it as UTF-8")]) from None
    run = _RUN.get()
    if shown in run.quotable:
        run.quotable[shown] = text
        run.lines.pop(shown, None)
    return text


def note_source(shown: str, text: str) -> None:
    """Text that stands in for a file (the live editor's unsaved buffer): quotable like a file read here."""
    run = _RUN.get()
    run.quotable[shown] = text
    run.lines.pop(shown, None)


def source_line(shown: str, line: int) -> str | None:
    """Line `line` (1-based) of a file this run read inside its project, for a diagnostic; else None."""
    run = _RUN.get()
    lines = run.lines.get(shown)
    if lines is None and shown in run.unread:
        try:
            read_text(run.unread.pop(shown), shown=shown)
        except FileAccessError:
            return None
    if lines is None:
        text = run.quotable.get(shown)
        if not text:
            return None
        lines = run.lines[shown] = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    return lines[line - 1]


def note_unread_input(path: str, shown: str, device: int, inode: int) -> None:
    """A file inside its project whose content this run knows without reading it (the rule loader,
    from an unchanged stat): an input all the same, which no write may replace, and quotable (read
    when a diagnostic first shows a line of it)."""
    run = _RUN.get()
    run.inputs.add(path)
    run.inodes.add((device, inode))
    run.unread[shown] = path


def is_input(path: Path | str) -> bool:
    """Whether this run read `path` (after resolving links)."""
    return str(_resolve(Path(path))) in _RUN.get().inputs


# --------------------------------------------------------------------------- writing

def _check_folder(folder: Path, anywhere: bool = False) -> Path:
    """The destination folder, resolved (it need not exist yet), after checking that the links
    on the way to it stay inside its project root (unless `anywhere`)."""
    absolute = Path(os.path.abspath(folder))
    existing, missing = absolute, []
    while not os.path.lexists(existing) and existing != existing.parent:
        missing.append(existing.name)
        existing = existing.parent
    resolved = _resolve(existing)
    root = project_root(existing)
    if not (anywhere or outside_allowed()) and not _inside(resolved, root):
        raise WriteRefused(f"cannot write into {display_path(folder)}: it leads outside {display_path(root)} "
                           f"(through a link to {resolved}); write to a real folder, or pass --allow-outside")
    if not resolved.is_dir():
        raise WriteRefused(f"cannot write into {display_path(folder)}: {display_path(existing)} is not a folder")
    return resolved.joinpath(*reversed(missing))


def _destination(path: Path, within: Path | None, replace_input: bool, anywhere: bool) -> tuple[Path, Path]:
    """(resolved folder, final path) of a write, or WriteRefused."""
    folder = _check_folder(path.parent, anywhere)
    if within is not None and folder != _check_folder(within):
        raise WriteRefused(f"cannot write {display_path(path)}: it is outside the output folder {display_path(within)}")
    final = folder / path.name
    try:
        info = os.lstat(final)
    except FileNotFoundError:
        return folder, final
    except OSError as exc:
        raise WriteRefused(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        raise WriteRefused(f"cannot write {display_path(path)}: it is a symbolic link, and tmlogic never writes "
                           "through links; remove the link (or write elsewhere)")
    if stat.S_ISCHR(info.st_mode):
        return folder, final  # /dev/null, /dev/stdout: named by the user, written directly
    if not stat.S_ISREG(info.st_mode):
        raise WriteRefused(f"cannot write {display_path(path)}: it is {_kind(info.st_mode)}")
    run = _RUN.get()
    if not replace_input and (str(final) in run.inputs or (info.st_dev, info.st_ino) in run.inodes):
        raise WriteRefused(f"cannot write {display_path(path)}: it is an input of this run and would be destroyed; "
                           "write the output to another file")
    return folder, final


def write_bytes(path: Path | str, data: bytes, *, within: Path | None = None, replace_input: bool = False,
                anywhere: bool = False) -> Path:
    """Write `data` atomically (temporary file in the same folder, fsync, rename). Creates the
    folder. Returns the path written. WriteRefused for a destination that may not be written;
    OSError (disk full, permissions) is turned into WriteRefused too, with nothing left behind.
    `anywhere`: a folder of tmlogic's own outside any project (the program cache)."""
    return write_chunks(path, (data,), within=within, replace_input=replace_input, anywhere=anywhere)


def write_chunks(path: Path | str, chunks: Iterable[bytes], *, within: Path | None = None,
                 replace_input: bool = False, anywhere: bool = False) -> Path:
    """`write_bytes` of the chunks, one after the other, as they come: a large report is written
    without being held whole in memory. The chunks are produced while the temporary file is open,
    so an error that stops them (or an interrupt) leaves the previous file as it was."""
    path = Path(path)
    folder, final = _destination(path, within, replace_input, anywhere)
    if _is_device(final):
        _write_device(path, final, chunks)
        return final
    _rename(path, _staged(path, folder, final, chunks), final)
    return final


def write_files(files: Sequence[tuple[Path, bytes]], *, within: Path | None = None) -> list[Path]:
    """Several files, each as write_bytes writes it, and none replaced unless all could be
    written: every destination is checked, every file written and synced to a temporary file
    (in parallel: one after another, each sync waits for a journal commit of its own), and only
    then is each renamed into place. Returns the paths written."""
    from concurrent.futures import ThreadPoolExecutor

    targets = [(Path(path), *_destination(Path(path), within, False, False), data) for path, data in files]
    staged: list[str | None] = []
    failure: BaseException | None = None  # the first, in the order of `files`
    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        futures = [None if _is_device(final) else pool.submit(_staged, path, folder, final, (data,))
                   for path, folder, final, data in targets]
        for future in futures:
            try:
                staged.append(future.result() if future is not None else None)
            except BaseException as exc:
                staged.append(None)
                failure = failure or exc
    if failure is not None:
        for temp in staged:
            if temp is not None:
                _unlink_quietly(temp)
        raise failure
    for (path, _, final, data), temp in zip(targets, staged):
        if temp is None:
            _write_device(path, final, (data,))
        else:
            _rename(path, temp, final)
    return [final for _, _, final, _ in targets]


def _is_device(final: Path) -> bool:
    return final.exists() and stat.S_ISCHR(os.stat(final).st_mode)


def _write_device(path: Path, final: Path, chunks: Iterable[bytes]) -> None:
    """/dev/null, /dev/stdout: named by the user, written directly."""
    try:
        with open(final, "wb") as device:
            for chunk in chunks:
                device.write(chunk)
    except OSError as exc:
        raise WriteRefused(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None


def _staged(path: Path, folder: Path, final: Path, chunks: Iterable[bytes]) -> str:
    """A temporary file beside `final` holding the chunks, synced to disk and with final's mode."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = _create_temporary(folder, final.name)
    except OSError as exc:
        raise WriteRefused(f"cannot write {display_path(path)}: {exc.strerror or exc}; "
                           "check the folder exists and is writable") from None
    try:
        with os.fdopen(fd, "wb", buffering=_WRITE_BUFFER) as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _mode_for(final))
    except BaseException as exc:
        _unlink_quietly(temp)
        if isinstance(exc, OSError):
            raise WriteRefused(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None
        raise
    return temp


# O_EXCL: never opens a file that is already there (nor follows a link planted under the name).
_TEMPORARY_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _create_temporary(folder: Path, name: str) -> tuple[int, str]:
    """A new file `.<name>.<random>.tmp` in `folder`, mode 0600, opened for writing: what
    `tempfile.mkstemp` does, without importing tempfile (and random) into every run that
    writes a file. The name is random so that concurrent writers never pick the same one."""
    for _ in range(100):
        temp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(temp, _TEMPORARY_FLAGS, 0o600), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(folder))


def _rename(path: Path, temp: str, final: Path) -> None:
    try:
        os.replace(temp, final)
    except OSError as exc:
        _unlink_quietly(temp)
        raise WriteRefused(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None


def _unlink_quietly(temp: str) -> None:
    try:
        os.unlink(temp)
    except OSError:
        pass


def write_text(path: Path | str, text: str, *, within: Path | None = None, replace_input: bool = False,
               anywhere: bool = False) -> Path:
    """`write_bytes` of the text as UTF-8, line ends kept as given ("\\n")."""
    return write_bytes(path, text.encode("utf-8"), within=within, replace_input=replace_input, anywhere=anywhere)


def write_text_chunks(path: Path | str, chunks: Iterable[str], *, within: Path | None = None,
                      replace_input: bool = False, anywhere: bool = False) -> Path:
    """`write_chunks` of text pieces, each as UTF-8."""
    return write_chunks(path, (c.encode("utf-8") for c in chunks), within=within, replace_input=replace_input,
                        anywhere=anywhere)


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_NEW_FILE_MODE = 0o666 & ~_read_umask()  # read once, at import: os.umask is process-wide


def _mode_for(final: Path) -> int:
    """A replaced file keeps its permissions; a new one gets the usual ones (mkstemp's are 0600)."""
    try:
        return stat.S_IMODE(os.stat(final).st_mode)
    except OSError:
        return _NEW_FILE_MODE


@contextmanager
def locked(folder: Path | str) -> Iterator[None]:
    """An exclusive lock on a folder (created if missing) for the block: concurrent runs wait."""
    folder = Path(folder)
    resolved = _check_folder(folder)
    try:
        resolved.mkdir(parents=True, exist_ok=True)
        fd = os.open(resolved, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise WriteRefused(f"cannot write into {display_path(folder)}: {exc.strerror or exc}") from None
    try:
        try:
            import fcntl
        except ImportError:  # not POSIX: no folder locks; each file is still written atomically
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
