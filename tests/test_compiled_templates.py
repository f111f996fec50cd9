"""The templates compiled ahead of time (tmlogic/outputs/compiled_templates/, written by
template_compiler.py): shipped as their sources compile today, used only when they match."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from tmlogic.analysis import analyze
from tmlogic.outputs import compiled_templates
from tmlogic.outputs.formats import render_format
from tmlogic.outputs.html import render_html
from tmlogic.outputs.markdown import render_markdown
from tmlogic.outputs.template_compiler import COMPILED_DIR, compiled_files
from tmlogic.outputs.templating import PrecompiledLoader, build_environment, html_environment, markdown_environment
from tmlogic.resources import templates_dir

ROOT = Path(__file__).resolve().parents[1]
DMZ = ROOT / "tests" / "data" / "anchors" / "secopstm" / "threat_model.md"


def test_the_shipped_modules_are_what_the_templates_compile_to() -> None:
    expected = compiled_files()
    shipped = {p.name: p.read_text(encoding="utf-8") for p in COMPILED_DIR.glob("*.py")}
    stale = sorted(n for n in expected.keys() | shipped.keys() if expected.get(n) != shipped.get(n))
    assert not stale, (f"tmlogic/outputs/compiled_templates/ is out of date ({', '.join(stale)}; compiled by jinja2 "
                       f"{compiled_templates.JINJA2_VERSION}, installed {jinja2.__version__}): run `make templates`")


def test_every_template_is_compiled() -> None:
    names = {name for name in html_environment().list_templates() if name.endswith(".j2")}
    assert names == {name for _, name in compiled_templates.TEMPLATES}
    assert {kind for kind, _ in compiled_templates.TEMPLATES} == {"html", "markdown"}


@pytest.mark.parametrize(("environment", "name"), [(html_environment, "report.html.j2"),
                                                    (html_environment, "serve/page.html.j2"),
                                                    (markdown_environment, "summary.md.j2")])
def test_the_environments_load_the_compiled_modules(environment: object, name: str) -> None:
    template = environment().get_template(name)  # type: ignore[operator]
    assert Path(template.filename).parent == COMPILED_DIR


def test_a_template_edited_since_it_was_compiled_is_compiled_from_its_source(
        monkeypatch: pytest.MonkeyPatch) -> None:
    module, _ = compiled_templates.TEMPLATES[("html", "report/counts.html.j2")]
    monkeypatch.setitem(compiled_templates.TEMPLATES, ("html", "report/counts.html.j2"), (module, "0" * 64))
    env = build_environment("html", PrecompiledLoader("html"))
    assert Path(env.get_template("report/counts.html.j2").filename) == templates_dir() / "report" / "counts.html.j2"
    assert Path(env.get_template("report/threats.html.j2").filename).parent == COMPILED_DIR


def test_another_jinja2_compiles_from_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled_templates, "JINJA2_VERSION", "0.0")
    env = build_environment("markdown", PrecompiledLoader("markdown"))
    assert Path(env.get_template("summary.md.j2").filename) == templates_dir() / "summary.md.j2"


def test_compiled_and_source_templates_render_the_same_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    result = analyze(DMZ).result
    compiled = (render_html(result), render_markdown(result))
    source = jinja2.FileSystemLoader(str(templates_dir()))
    from tmlogic.outputs import templating

    monkeypatch.setattr(templating, "html_environment", lambda: build_environment("html", source))
    monkeypatch.setattr(templating, "markdown_environment", lambda: build_environment("markdown", source))
    import tmlogic.outputs.html as html
    import tmlogic.outputs.markdown as markdown

    monkeypatch.setattr(html, "html_environment", templating.html_environment)
    monkeypatch.setattr(markdown, "markdown_environment", templating.markdown_environment)
    assert Path(html.html_environment().get_template("report.html.j2").filename).suffix == ".j2"
    assert (render_html(result), render_markdown(result)) == compiled
    assert render_format(result, "html") == compiled[0]
