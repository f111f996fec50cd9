"""load_model: a model file and its submodels -> Model, or ModelError with every problem.

The reader is chosen by extension (.md/.markdown, .yaml/.yml). Submodels (`submodel=` on an
element) are resolved relative to the file that names it, must exist, must stay inside the
root model's folder (unless allow_outside) and must not form a cycle. Every file is read through
fileaccess (regular files only, size-capped); the project holds at most `model_files` files and
submodels nest at most `nesting_depth` deep (limits.py). Each is loaded with
id_prefix "<path relative to the root folder>#", so "backend/model.md#apigateway" is unique
across the project. A file referenced by two elements is loaded once and shared.

`sources` (resolved path -> text) stands in for files on disk: the live editor analyzes its
unsaved buffers through the same loader.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from .._errors import Diagnostic, Level, ModelError, SourceSpan, display_path
from ..diagnostics import DiagnosticBag, did_you_mean
from ..fileaccess import FileAccessError, note_source, outside_allowed, read_text
from ..limits import current as current_limits
from .build import build_model
from .raw import RawDocument
from .schema import Model
from ..records import replace

__all__ = ["load_model", "project_entry", "read_document", "MODEL_SUFFIXES", "PROJECT_ENTRIES"]


def read_markdown(text: str, path: str) -> RawDocument:
    from .markdown_reader import read_markdown as read  # markdown-it, imported for a Markdown model only

    return read(text, path)


def read_yaml(text: str, path: str) -> RawDocument:
    from .yaml_reader import read_yaml as read  # PyYAML, imported for a YAML model only

    return read(text, path)


_READERS: dict[str, Callable[[str, str], RawDocument]] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".yaml": read_yaml,
    ".yml": read_yaml,
}
MODEL_SUFFIXES: tuple[str, ...] = tuple(_READERS)
PROJECT_ENTRIES = ("main.md", "main.markdown", "main.yaml", "main.yml")  # the root model of a project folder


def project_entry(folder: Path) -> Path | None:
    """The root model of a project folder (main.md, or main.yaml), whose submodel= files load beneath it."""
    return next((folder / n for n in PROJECT_ENTRIES if (folder / n).is_file()), None)


def read_document(suffix: str, text: str, shown: str) -> RawDocument | None:
    """One file read into the raw form (sections of named entries, nothing resolved), or None for
    a suffix that is not a model's: what the editor completes names from, even while the model
    has errors."""
    reader = _READERS.get(suffix.lower())
    return reader(text, shown) if reader is not None else None


class _Loader:
    def __init__(self, bag: DiagnosticBag, root_dir: Path, allow_outside: bool,
                 sources: Mapping[Path, str] | None = None, lenient: bool = False) -> None:
        self.bag = bag
        self.lenient = lenient
        self.root_dir = root_dir
        self.allow_outside = allow_outside
        self.sources = sources or {}
        self.cache: dict[Path, Model | None] = {}
        self.limits = current_limits()

    def rel(self, file: Path) -> str:
        return Path(os.path.relpath(file, self.root_dir)).as_posix()

    def read_text(self, file: Path, shown: str, what: str, root: Path | None, resolved: Path) -> str | None:
        if resolved in self.sources:  # an unsaved editor buffer
            note_source(shown, self.sources[resolved])
            return self.sources[resolved]
        try:
            return read_text(file, what=what, root=root, shown=shown, anywhere=self.allow_outside)
        except FileAccessError as exc:
            self.bag.extend(exc.diagnostics)
            return None

    def load(self, file: Path, prefix: str, chain: list[Path], *, written: Path | None = None) -> Model | None:
        shown = display_path(file)
        reader = _READERS.get((written or file).suffix.lower())  # the root model: by the name it is given
        if reader is None:
            self.bag.error(SourceSpan(shown, 1, 1), f"'{file.name}' is not a model file", "unsupported-format",
                           "models are Markdown (.md, .markdown) or YAML (.yaml, .yml)")
            return None
        # The root model is checked against its project (it may be a link inside the repository);
        # submodels against the root model's folder.
        text = (self.read_text(written, shown, "model", None, file) if written is not None
                else self.read_text(file, shown, "submodel", self.root_dir, file))
        if text is None:
            return None
        result = build_model(reader(text, shown), self.bag, id_prefix=prefix, lenient=self.lenient)
        model = result.model
        subs: list[tuple[str, Model]] = []
        used: dict[str, str] = {}
        for ref in result.submodel_refs:
            try:
                target = (file.parent / ref.target.replace("\\", "/")).resolve()  # Windows-style paths too
            except RuntimeError:  # pathlib's report of a link loop
                self.bag.error(ref.span, f"submodel '{ref.target[:80]}' is a symbolic link that loops", "submodel-missing",
                               "replace the links with the model file itself")
                continue
            except (OSError, ValueError) as exc:  # a name the file system refuses (too long, NUL...)
                self.bag.error(ref.span, f"submodel '{ref.target[:80]}' cannot be opened: {exc}", "submodel-missing",
                               "give the path of a model file, relative to this model")
                continue
            try:
                sub = self.submodel(ref.target, target, ref.span, chain)
            except (OSError, ValueError) as exc:  # a name the file system refuses (too long, NUL...)
                self.bag.error(ref.span, f"submodel '{ref.target[:80]}' cannot be opened: "
                               f"{getattr(exc, 'strerror', None) or exc}", "submodel-missing",
                               "give the path of a model file, relative to this model")
                continue
            if sub is not None:
                subs.append((ref.element, sub))
                used[ref.element] = self.rel(target)
        if not used:
            return model
        elements = tuple(replace(e, submodel=used[e.id]) if e.id in used else e for e in model.elements)
        return replace(model, elements=elements, submodels=tuple(subs))

    def submodel(self, written: str, target: Path, span: SourceSpan, chain: list[Path]) -> Model | None:
        if not self.allow_outside and not outside_allowed() and not target.is_relative_to(self.root_dir):
            self.bag.error(span, f"submodel '{written}' is outside the root model's folder "
                                 f"{display_path(self.root_dir)}", "submodel-outside",
                           "keep a project's models under its root folder, or pass --allow-outside")
            return None
        if target.suffix.lower() not in _READERS:
            self.bag.error(span, f"submodel '{written}' is not a model file", "unsupported-format",
                           "submodels are Markdown (.md) or YAML (.yaml, .yml) files")
            return None
        if target in chain:
            names = " -> ".join(self.rel(p) for p in chain[chain.index(target):] + [target])
            self.bag.error(span, f"submodels form a cycle: {names}", "submodel-cycle",
                           "a model cannot contain itself; remove one submodel= link")
            return None
        if target in self.cache:  # named again (a diamond): the one model, loaded once, is shared
            return self.cache[target]
        if not target.exists() and target not in self.sources:
            siblings = [p.name for p in target.parent.iterdir() if p.suffix.lower() in _READERS] \
                if target.parent.is_dir() else []
            hint = did_you_mean(target.name, siblings) or "create the file or fix the path (relative to this model)"
            self.bag.error(span, f"submodel file '{written}' not found", "submodel-missing", hint)
            return None
        if not target.is_file() and target not in self.sources:
            what = "a folder" if target.is_dir() else "not a regular file (a pipe or a device)"
            self.bag.error(span, f"submodel '{written}' is {what}", "submodel-missing",
                           "name a model file (.md or .yaml); a project folder's root model is its main.md")
            return None
        if len(chain) > self.limits.nesting_depth:
            self.bag.error(span, f"submodels are nested more than {self.limits.nesting_depth} levels deep",
                           "limit-exceeded", "flatten the project, or raise the limit: "
                           "tmlogic --limit nesting_depth=N (see docs/security.md)")
            return None
        if len(self.cache) + 1 >= self.limits.model_files:
            self.bag.error(span, f"the project has more than {self.limits.model_files} model files",
                           "limit-exceeded", "raise the limit if the project is genuine: "
                           "tmlogic --limit model_files=N (see docs/security.md)")
            self.cache[target] = None
            return None
        self.cache[target] = None  # while loading: a second path to it inside itself is the cycle above
        self.cache[target] = self.load(target, self.rel(target) + "#", chain + [target])
        return self.cache[target]


def load_model(path: Path, *, strict: bool = False, allow_outside: bool = False,
               sources: Mapping[Path, str] | None = None, lenient: bool = False) -> tuple[Model, list[Diagnostic]]:
    """Load a model and its submodels. Returns (model, warnings); raises ModelError listing every
    problem (warnings included) when there is any error. strict turns warnings into errors;
    lenient turns likely typos of security-relevant keys (isTrsted) back into warnings."""
    bag = DiagnosticBag(strict=strict)
    try:
        root = Path(path).resolve()
    except RuntimeError:
        raise ModelError([Diagnostic(Level.ERROR, SourceSpan(display_path(path), 1, 1),
                                     "the model is a symbolic link that loops", "symlink-loop",
                                     "replace the link with the model file itself")]) from None
    model = _Loader(bag, root.parent, allow_outside, sources, lenient).load(root, "", [root], written=Path(path))
    if model is None or bag.has_errors:
        raise ModelError(bag.items)
    return model, sorted(bag.warnings, key=Diagnostic.sort_key)
