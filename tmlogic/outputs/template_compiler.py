"""Compiles the shipped jinja2 templates ahead of time into tmlogic/outputs/compiled_templates/.

Compiling the report's and the summary's templates took about a quarter of an `analyze
--output-dir` run on SecOpsTM's DMZ model. The compiled modules ship inside the package, so they
are as trusted as the rest of its code (a bytecode cache in a writable folder would not be).
templating.py uses a module only when it was compiled from the very source it finds and by the
jinja2 it runs with; otherwise it compiles that template from source, as before.

Rebuild after editing a template or upgrading jinja2: `make templates`
(`python -m tmlogic.outputs.template_compiler`). tests/test_compiled_templates.py fails while the
shipped modules are not what this writes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jinja2

from .templating import html_environment, markdown_environment, source_digest

__all__ = ["COMPILED_DIR", "KINDS", "compiled_files", "module_name", "write_compiled", "main"]

COMPILED_DIR = Path(__file__).resolve().parent / "compiled_templates"
# environment kind (templating.py) -> the template names it renders, by suffix
KINDS = {"html": ".html.j2", "markdown": ".md.j2"}
_MANIFEST = "__init__.py"


def module_name(kind: str, template: str) -> str:
    """"html", "report/threats.html.j2" -> "html_report_threats_html_j2"."""
    return f"{kind}_" + re.sub(r"[^0-9A-Za-z]+", "_", template)


def _environments() -> dict[str, jinja2.Environment]:
    return {"html": html_environment(), "markdown": markdown_environment()}


def compiled_files() -> dict[str, str]:
    """File name -> text of every file of compiled_templates/, from the templates as they are now."""
    files: dict[str, str] = {}
    entries: list[str] = []
    for kind, env in _environments().items():
        for name in sorted(env.list_templates()):
            if not name.endswith(KINDS[kind]):
                continue
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            module = module_name(kind, name)
            # raw Python source, initialised when loaded (defer_init): the module names no environment
            code = env.compile(source, name, raw=True, defer_init=True)
            header = f"# Generated from templates/{name} by tmlogic.outputs.template_compiler; do not edit.\n"
            files[f"{module}.py"] = f"{header}{code}\n"
            entries.append(f"    ({kind!r}, {name!r}): ({module!r}, {source_digest(source)!r}),")
    files[_MANIFEST] = "\n".join([
        '"""The shipped jinja2 templates, compiled ahead of time (tmlogic/outputs/template_compiler.py',
        'writes this folder: `make templates`; do not edit)."""',
        "",
        "from __future__ import annotations",
        "",
        f"JINJA2_VERSION = {jinja2.__version__!r}",
        "# (environment kind, template name) -> (module in this package, sha256 of the template's source)",
        "TEMPLATES: dict[tuple[str, str], tuple[str, str]] = {",
        *entries,
        "}",
        "",
    ])
    return files


def write_compiled(folder: Path = COMPILED_DIR) -> list[Path]:
    """Writes compiled_files() into `folder`, removing modules of templates that no longer exist."""
    files = compiled_files()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.py"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, text in sorted(files.items()):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    written = write_compiled()
    sys.stdout.write(f"wrote {len(written)} files to {COMPILED_DIR}\n")


if __name__ == "__main__":
    main()
