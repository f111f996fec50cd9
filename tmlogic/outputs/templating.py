"""The jinja2 environments of the HTML report (autoescaped) and the Markdown summary (text with
a Markdown-escaping filter), loading the shipped templates/.

Each template is loaded from its module in compiled_templates/ (compiled ahead of time, shipped
in the package: template_compiler.py) when that module was compiled from the same source by the
same jinja2 version; otherwise it is compiled from source, which is slower but renders the same.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, MutableMapping
from functools import lru_cache

import jinja2
from jinja2.utils import internalcode

from ..kb.enrich import url_for
from ..resources import templates_dir
from ..textsafe import markdown_inline
from ..typing_runtime import Any

__all__ = ["PrecompiledLoader", "build_environment", "html_environment", "markdown_environment", "md_escape",
           "source_digest"]

_COMPILED_PACKAGE = __package__ + ".compiled_templates"


def md_escape(value: object) -> str:
    """Text from the model, inert in GitHub-flavoured Markdown: one line, no HTML, no markup,
    no @mentions or #issue links (textsafe.markdown_inline)."""
    return markdown_inline(value)


def source_digest(source: str) -> str:
    """What a compiled module records of the template source it was compiled from."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


class PrecompiledLoader(jinja2.BaseLoader):
    """templates/ through a FileSystemLoader, each template preferably from its compiled module."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # template_compiler.KINDS
        self.source = jinja2.FileSystemLoader(str(templates_dir()))

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None,
                                                                                 Callable[[], bool] | None]:
        return self.source.get_source(environment, template)

    def list_templates(self) -> list[str]:
        return self.source.list_templates()

    @internalcode
    def load(self, environment: jinja2.Environment, name: str,
             globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:
        source, _, _ = self.source.get_source(environment, name)
        namespace = _compiled_namespace(self.kind, name, source)
        if namespace is None:
            return super().load(environment, name, globals)
        return environment.template_class.from_module_dict(environment, namespace, globals or {})


def _compiled_namespace(kind: str, name: str, source: str) -> dict[str, Any] | None:
    """A fresh namespace of the compiled module of the template (each load binds its own
    environment into it), or None when there is no module compiled from this source by this jinja2."""
    from . import compiled_templates

    entry = compiled_templates.TEMPLATES.get((kind, name))
    if entry is None or compiled_templates.JINJA2_VERSION != jinja2.__version__ or entry[1] != source_digest(source):
        return None
    spec = importlib.util.find_spec(f"{_COMPILED_PACKAGE}.{entry[0]}")
    if spec is None or spec.loader is None:
        raise ImportError(f"{_COMPILED_PACKAGE}.{entry[0]} (the compiled {name}) is missing; reinstall tmlogic")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # from the package's own bytecode when the install compiled it
    return module.__dict__


def build_environment(kind: str, loader: jinja2.BaseLoader) -> jinja2.Environment:
    """The environment of one kind ("html": autoescaped; "markdown": the `md` filter escapes) over
    `loader`; html_environment and markdown_environment are these over the shipped templates."""
    html = kind == "html"
    env = jinja2.Environment(loader=loader, autoescape=html, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    if not html:
        env.filters["md"] = md_escape
    env.filters["mitre_url"] = url_for
    return env


@lru_cache(maxsize=1)
def html_environment() -> jinja2.Environment:
    return build_environment("html", PrecompiledLoader("html"))


@lru_cache(maxsize=1)
def markdown_environment() -> jinja2.Environment:
    return build_environment("markdown", PrecompiledLoader("markdown"))
