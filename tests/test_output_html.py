"""HTML report: one offline file (no network, CSP by hash), everything from the model
escaped, diagrams per model file with submodel navigation, proofs down to model lines."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.outputs.html import render_html

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "outputs"
RULES = DATA / "rules"


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of each <script> and <style>."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag
            self.raw[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in][-1] += data


def report(model: Path) -> str:
    result = analyze(model, AnalysisOptions(rule_paths=(RULES,), builtin_rules=False)).result
    text = render_html(result)
    assert text == render_html(result)  # deterministic
    return text


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_report_is_self_contained_and_locked_down_by_csp() -> None:
    text = report(DATA / "web.md")
    page = Page(text)
    tags = [t for t, _ in page.tags]
    assert "link" not in tags and "iframe" not in tags and "img" not in tags
    assert all("src" not in attrs for t, attrs in page.tags if t == "script")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text) and "@import" not in text
    for tag, attrs in page.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        href = attrs.get("href") or ""
        assert href.startswith(("#", "https://capec.mitre.org/", "https://cwe.mitre.org/", "https://attack.mitre.org/",
                                "https://d3fend.mitre.org/")) or not href, href
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    code = [s for s, (_, attrs) in zip(page.raw["script"], [x for x in page.tags if x[0] == "script"])
            if attrs.get("type") != "application/json"]
    assert len(code) == 1 and sha(code[0]) in csp
    assert len(page.raw["style"]) == 1 and sha(page.raw["style"][0]) in csp


def test_everything_from_the_model_is_escaped() -> None:
    text = report(DATA / "evil.md")
    page = Page(text)
    assert [t for t, _ in page.tags].count("script") == 2  # ours: the code and its JSON data
    assert "<script>alert" not in text and "<img" not in text and "onerror=alert" not in text.replace("&#", "")
    assert '<script>alert("title")' not in text and "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in text
    data = json.loads(next(s for s, (_, a) in zip(page.raw["script"], [x for x in page.tags if x[0] == "script"])
                           if a.get("type") == "application/json"))
    assert any("<script>alert(2)</script>" in name for name in data["names"].values())  # intact, as data
    json_block = text.split('id="tm-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in json_block and "\\u003cscript\\u003e" in json_block  # cannot close its <script>


def test_markdown_description_is_rendered_without_raw_html() -> None:
    text = report(DATA / "web.md")
    assert "<strong>output</strong>" in text
    assert "&lt;b&gt;raw html&lt;/b&gt;" in text and "<b>raw html</b>" not in text
    assert "javascript:" not in text


def test_threat_details_hold_proof_model_lines_severity_and_mitre() -> None:
    text = report(DATA / "web.md")
    checkout_line = next(i for i, line in enumerate((DATA / "web.md").read_text().splitlines(), 1) if "**Checkout**" in line)
    assert f"fact from <b>web.md:{checkout_line}</b>" in text
    assert '<code class="line">- **Checkout**: from=&#34;Customer&#34;' in text
    assert "<th>rule says</th><td>impact high, likelihood likely" in text and "impact critical × likelihood" in text
    assert "secret data &#39;Order&#39; is involved" in text and "Severity: critical (9.4/10)" in text
    assert 'href="https://attack.mitre.org/techniques/T1557/"' in text
    assert "ATT&amp;CK techniques" in text and "CWE weaknesses" in text
    assert "Use TLS on every flow." in text
    assert 'class="threat accepted"' in text and "The database link runs inside one host" in text


@pytest.mark.usefixtures("graphviz")
def test_project_report_links_submodels_with_breadcrumbs() -> None:
    text = report(DATA / "project" / "main.md")
    page = Page(text)
    views = [a for t, a in page.tags if t == "div" and "view" in (a.get("class") or "").split()]
    assert [v["id"] for v in views] == ["view-0", "view-1"]
    assert 'href="#view-0">Output Test Project</a>' in text  # the breadcrumb back up
    data = json.loads(text.split('id="tm-data">', 1)[1].split("</script>", 1)[0])
    opener = data["views"][0]["open"]
    assert list(opener.values()) == [1] and data["views"][0]["ids"][next(iter(opener))] == "backend"
    assert data["views"][1]["key"] == "backend/model.md" and data["views"][1]["crumbs"] == [0, 1]
    rows = [a for t, a in page.tags if t == "tbody"]
    assert {r["data-view"] for r in rows} == {"0", "1"}


def test_report_without_graphviz_explains_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMLOGIC_GRAPHVIZ", "/nonexistent/dot")
    text = report(DATA / "web.md")
    assert "No diagram:" in text and "<svg" not in text
