"""Markdown summary for a pull-request comment: counts, critical/high first, collapsible
details, model text made inert, and a size that GitHub accepts."""

from __future__ import annotations

from pathlib import Path

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.outputs.markdown import render_markdown
from tmlogic.outputs.templating import md_escape

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "outputs"
RULES = DATA / "rules"


def result_of(model: Path):  # type: ignore[no-untyped-def]
    return analyze(model, AnalysisOptions(rule_paths=(RULES,), builtin_rules=False)).result


def test_summary_counts_then_critical_and_high_then_details() -> None:
    text = render_markdown(result_of(DATA / "web.md"))
    assert text.startswith("### 🟣 tmlogic: Output Test Shop")
    assert "**2 threats (1 critical, 1 elevated), 1 accepted**" in text
    assert "| 🟣 critical | 1 |" in text and "| 🟠 elevated | 1 |" in text and "| 🔴 high |" not in text
    table = text.index("#### Critical and high")
    details = text.index("<details>")
    assert table < text.index("TM-OUT-001 Cleartext flow | Checkout | web.md:") < details
    assert "**Fix:** Use TLS on every flow." in text
    assert "[CAPEC-157](https://capec.mitre.org/data/definitions/157.html)" in text
    assert "<summary>Accepted in the model (1)</summary>" in text
    assert "The database link runs inside one host" in text
    assert text.count("<details>") == text.count("</details>") == 2


def test_model_text_cannot_inject_markdown_html_or_mentions() -> None:
    text = render_markdown(result_of(DATA / "evil.md"))
    assert "<script" not in text and "</text>" not in text
    # GitHub still links "\@here" and "\#1": a zero-width joiner after the sign stops it
    assert "Flow \\| pipe \\`tick\\` @\u200dhere \\#\u200d1" in text
    assert "@here" not in text and "#1 " not in text
    assert md_escape("a|b <i>x</i> @team #12 [l](u) *s*") == \
        "a\\|b &lt;i&gt;x&lt;/i&gt; @\u200dteam \\#\u200d12 \\[l\\](u) \\*s\\*"


def test_no_threats_says_so(tmp_path: Path) -> None:
    model = tmp_path / "m.md"
    model.write_text("# Threat Model: Quiet\n## Servers\n- **A**:\n", encoding="utf-8")
    text = render_markdown(result_of(model))
    assert "✅" in text and "**0 threats**" in text and "<details>" not in text


def test_long_reports_shrink_to_fit_a_comment() -> None:
    result = result_of(DATA / "web.md")
    full = render_markdown(result)
    small = render_markdown(result, limit=len(full) - 50)
    assert len(small) < len(full) and "Also:" in small
    assert "`" + result.active[-1].id + "`" in small  # still named, only without its details
