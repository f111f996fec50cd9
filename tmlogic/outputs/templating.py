"""The jinja2 environments of the HTML report (autoescaped) and the Markdown summary (text with
a Markdown-escaping filter), loading the shipped templates/."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from ..kb.enrich import url_for
from ..resources import templates_dir
from ..textsafe import markdown_inline

__all__ = ["html_environment", "markdown_environment", "md_escape"]


def md_escape(value: object) -> str:
    """Text from the model, inert in GitHub-flavoured Markdown: one line, no HTML, no markup,
    no @mentions or #issue links (textsafe.markdown_inline)."""
    return markdown_inline(value)


def _loader() -> jinja2.BaseLoader:
    return jinja2.FileSystemLoader(str(templates_dir()))


@lru_cache(maxsize=1)
def html_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=_loader(), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["mitre_url"] = url_for
    return env


@lru_cache(maxsize=1)
def markdown_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=_loader(), autoescape=False, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = md_escape
    env.filters["mitre_url"] = url_for
    return env
