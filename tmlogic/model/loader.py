"""load_model: a model file and its submodels -> Model, or ModelError with every problem.

The reader is chosen by extension (.md/.markdown, .yaml/.yml). Submodels (`submodel=` on an
element) are resolved relative to the file that names it, must exist, must stay inside the
root model's folder (unless allow_outside) and must not form a cycle. Each is loaded with
id_prefix "<path relative to the root folder>#", so "backend/model.md#apigateway" is unique
across the project. A file referenced by two elements is loaded once and shared.

`sources` (resolved path -> text) stands in for files on disk: the live editor analyzes its
unsaved buffers through the same loader.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from .._errors import Diagnostic, ModelError, SourceSpan, display_path
from ..diagnostics import DiagnosticBag, did_you_mean
from .build import build_model
from .markdown_reader import read_markdown
from .raw import RawDocument
from .schema import Model
from .yaml_reader import read_yaml

__all__ = ["load_model", "project_entry", "read_document", "MODEL_SUFFIXES", "PROJECT_ENTRIES"]

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

    def rel(self, file: Path) -> str:
        return Path(os.path.relpath(file, self.root_dir)).as_posix()

    def read_text(self, file: Path, shown: str) -> str | None:
        at = SourceSpan(shown, 1, 1)
        if file in self.sources:
            return self.sources[file]
        try:
            data = file.read_bytes()
        except OSError as exc:
            self.bag.error(at, f"cannot read the model file: {exc.strerror or exc}", "io",
                           "check the path and the file's permissions")
            return None
        if b"\0" in data:
            self.bag.error(at, "this is a binary file, not a model", "io", "a model is a Markdown or YAML text file")
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            self.bag.error(SourceSpan(shown, line, col), f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                           "io", "save the model as UTF-8")
            return None

    def load(self, file: Path, prefix: str, chain: list[Path]) -> Model | None:
        shown = display_path(file)
        reader = _READERS.get(file.suffix.lower())
        if reader is None:
            self.bag.error(SourceSpan(shown, 1, 1), f"'{file.name}' is not a model file", "unsupported-format",
                           "models are Markdown (.md, .markdown) or YAML (.yaml, .yml)")
            return None
        text = self.read_text(file, shown)
        if text is None:
            return None
        result = build_model(reader(text, shown), self.bag, id_prefix=prefix, lenient=self.lenient)
        model = result.model
        subs: list[tuple[str, Model]] = []
        used: dict[str, str] = {}
        for ref in result.submodel_refs:
            try:
                target = (file.parent / ref.target.replace("\\", "/")).resolve()  # Windows-style paths too
                sub = self.submodel(ref.target, target, ref.span, chain)
            except (OSError, ValueError) as exc:  # a name the file system refuses (too long, NUL...)
                self.bag.error(ref.span, f"submodel '{ref.target[:80]}' cannot be opened: {exc}", "submodel-missing",
                               "give the path of a model file, relative to this model")
                continue
            if sub is not None:
                subs.append((ref.element, sub))
                used[ref.element] = self.rel(target)
        if not used:
            return model
        elements = tuple(dataclasses.replace(e, submodel=used[e.id]) if e.id in used else e for e in model.elements)
        return dataclasses.replace(model, elements=elements, submodels=tuple(subs))

    def submodel(self, written: str, target: Path, span: SourceSpan, chain: list[Path]) -> Model | None:
        if target.suffix.lower() not in _READERS:
            self.bag.error(span, f"submodel '{written}' is not a model file", "unsupported-format",
                           "submodels are Markdown (.md) or YAML (.yaml, .yml) files")
            return None
        if not self.allow_outside and not target.is_relative_to(self.root_dir):
            self.bag.error(span, f"submodel '{written}' is outside the root model's folder "
                                 f"{display_path(self.root_dir)}", "submodel-outside",
                           "keep a project's models under its root folder, or allow outside submodels explicitly")
            return None
        if target in chain:
            names = " -> ".join(self.rel(p) for p in chain[chain.index(target):] + [target])
            self.bag.error(span, f"submodels form a cycle: {names}", "submodel-cycle",
                           "a model cannot contain itself; remove one submodel= link")
            return None
        if not target.is_file() and target not in self.sources:
            siblings = [p.name for p in target.parent.iterdir() if p.suffix.lower() in _READERS] \
                if target.parent.is_dir() else []
            hint = did_you_mean(target.name, siblings) or "create the file or fix the path (relative to this model)"
            self.bag.error(span, f"submodel file '{written}' not found", "submodel-missing", hint)
            return None
        if target not in self.cache:
            self.cache[target] = self.load(target, self.rel(target) + "#", chain + [target])
        return self.cache[target]


def load_model(path: Path, *, strict: bool = False, allow_outside: bool = False,
               sources: Mapping[Path, str] | None = None, lenient: bool = False) -> tuple[Model, list[Diagnostic]]:
    """Load a model and its submodels. Returns (model, warnings); raises ModelError listing every
    problem (warnings included) when there is any error. strict turns warnings into errors;
    lenient turns likely typos of security-relevant keys (isTrsted) back into warnings."""
    bag = DiagnosticBag(strict=strict)
    root = Path(path).resolve()
    model = _Loader(bag, root.parent, allow_outside, sources, lenient).load(root, "", [root])
    if model is None or bag.has_errors:
        raise ModelError(bag.items)
    return model, sorted(bag.warnings, key=Diagnostic.sort_key)
