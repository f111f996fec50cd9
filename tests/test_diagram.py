"""Diagrams: DOT from the model (clusters, shapes, protocol styles, threat outlines, legend),
Graphviz rendering, SVG cleaning, and `tmlogic diagram`."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.diagram import build_diagram, target_marks
from tmlogic.diagram.palette import SEVERITY_COLOURS, safe_colour, shape_for
from tmlogic.diagram.render import DiagramUnavailable, find_renderer, render
from tmlogic.diagram.svg import inline_svg
from tmlogic.model.loader import load_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "outputs"
RULES = DATA / "rules"
ANCHORS = ROOT / "tests" / "data" / "anchors" / "secopstm"


def result_of(path: Path):  # type: ignore[no-untyped-def]
    return analyze(path, AnalysisOptions(rule_paths=(RULES,), builtin_rules=False)).result


def node_line(dot: str, svg_id: str) -> str:
    return next(line for line in dot.splitlines() if f'id="{svg_id}"' in line)


def test_boundaries_nest_as_clusters_and_elements_sit_inside() -> None:
    result = result_of(DATA / "web.md")
    diagram = build_diagram(result.model, result.threats)
    ids = {v: k for k, v in diagram.ids.items()}
    dot = diagram.dot
    corporate = dot.index(f"subgraph cluster_{ids['corporate']} ")
    data_zone = dot.index(f"subgraph cluster_{ids['data-zone']} ")
    orders = dot.index(f'id="{ids["orders-db"]}"')
    # Data Zone is written inside Corporate's block, and Orders DB inside Data Zone's.
    assert corporate < data_zone < orders
    depth = 0
    for line in dot[corporate:orders].splitlines():
        depth += line.count("{") - line.count("}")
    assert depth == 2


def test_shapes_follow_kind_and_type() -> None:
    assert shape_for("server", "firewall") == "octagon"
    assert shape_for("server", "database-server") == "cylinder"
    assert shape_for("server", "load-balancer") == "hexagon"
    assert shape_for("datastore", None) == "cylinder"
    assert shape_for("process", None) == "ellipse"
    assert shape_for("server", "app-server") == "box3d"
    result = result_of(DATA / "web.md")
    diagram = build_diagram(result.model, result.threats)
    ids = {v: k for k, v in diagram.ids.items()}
    assert "shape=octagon" in node_line(diagram.dot, ids["edge-firewall"])
    assert "shape=cylinder" in node_line(diagram.dot, ids["orders-db"])


def test_protocol_styles_colour_flows_and_threats_outline_by_worst_severity() -> None:
    result = result_of(DATA / "web.md")
    diagram = build_diagram(result.model, result.threats)
    ids = {v: k for k, v in diagram.ids.items()}
    forward = node_line(diagram.dot, ids["forward"])  # HTTPS, no threat: the model's style
    assert 'color="darkgreen"' in forward and "style=solid" in forward
    sql = node_line(diagram.dot, ids["app-to-orders"])  # its only threat is accepted: style kept
    assert 'color="purple"' in sql and "style=dashed" in sql
    marks = target_marks(result.threats)
    checkout = node_line(diagram.dot, ids["checkout"])
    assert marks["checkout"].level == "critical"
    assert f'color="{SEVERITY_COLOURS["critical"]}"' in checkout and "penwidth=2.5" in checkout
    db = node_line(diagram.dot, ids["orders-db"])
    assert f'color="{SEVERITY_COLOURS[marks["orders-db"].level]}"' in db and "penwidth=3" in db
    assert "app-to-orders" not in marks  # accepted threats do not count
    assert "legend" in diagram.dot and "worst threat: critical" in diagram.dot and "SQL" in diagram.dot


def test_model_colours_are_checked_before_they_reach_graphviz() -> None:
    assert safe_colour("khaki") == "khaki"
    assert safe_colour("#ADD8E6") == "#ADD8E6"
    assert safe_colour("#eef") == "#eeeeff"
    assert safe_colour('red"; shape=none') is None
    assert safe_colour("url(javascript:x)") is None
    assert safe_colour(True) is None


def test_submodel_parents_are_folders_that_count_the_threats_inside() -> None:
    result = result_of(DATA / "project" / "main.md")
    diagram = build_diagram(result.model, result.threats)
    (svg_id, path), = diagram.submodels.items()
    assert diagram.ids[svg_id] == "backend" and path == "backend/model.md"
    line = node_line(diagram.dot, svg_id)
    assert "shape=folder" in line and "inside (high)" in line


@pytest.mark.usefixtures("graphviz")
def test_hostile_names_stay_text_through_graphviz() -> None:
    result = result_of(DATA / "evil.md")
    svg = render(build_diagram(result.model, result.threats).dot, "svg").decode("utf-8")
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", svg))
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert '<script>alert("title")</script>' in texts  # shown as text...
    assert r"DB \N\G </text> ]]> <!--" in texts  # ...backslash escapes not expanded
    assert not [e for e in root.iter() if e.tag.endswith("script")]  # ...never as markup
    cleaned = inline_svg(svg, 'label "with" <quotes>')
    assert "<script" not in cleaned and "<!--" not in cleaned and "DOCTYPE" not in cleaned
    assert 'aria-label="label &quot;with&quot; &lt;quotes&gt;"' in cleaned


def test_inline_svg_removes_active_content() -> None:
    hostile = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" '
               'height="10pt" viewBox="0 0 10 10"><script>alert(1)</script><g id="n" class="node" onclick="x()">'
               '<title>n1</title><a xlink:href="javascript:alert(1)" xlink:title="tip"><text>t</text></a></g>'
               '<foreignObject><div/></foreignObject></svg>')
    out = inline_svg(hostile, "x")
    assert "script" not in out and "onclick" not in out and "javascript" not in out and "foreignObject" not in out
    assert "<title>tip</title>" in out  # the synthetic node name gives way to the tooltip
    assert 'width="10pt"' not in out and 'viewBox="0 0 10 10"' in out


@pytest.mark.usefixtures("graphviz")
def test_dmz_diagram_renders_identically_twice_and_as_png() -> None:
    model, _ = load_model(ANCHORS / "threat_model.md")
    dot = build_diagram(model).dot
    assert dot == build_diagram(model).dot
    first, second = render(dot, "svg"), render(dot, "svg")
    assert first == second and b"Advanced DMZ Architecture" in first
    png = render(dot, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_a_missing_graphviz_is_reported_not_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMLOGIC_GRAPHVIZ", "/nonexistent/dot")
    assert find_renderer() is None
    with pytest.raises(DiagramUnavailable, match="TMLOGIC_GRAPHVIZ"):
        render("digraph { a }", "svg")
    runner = CliRunner()
    out = runner.invoke(app, ["diagram", str(DATA / "web.md"), "--no-threats", "-o", "/tmp/never.svg"])
    assert out.exit_code == 2 and "TMLOGIC_GRAPHVIZ" in out.stderr


@pytest.mark.usefixtures("graphviz")
def test_diagram_command_writes_dot_svg_and_png(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--no-builtin-rules", "--rules", str(RULES)]
    for suffix, magic in ((".dot", b"digraph tmlogic"), (".svg", b"<svg"), (".png", b"\x89PNG")):
        out = tmp_path / f"d{suffix}"
        result = runner.invoke(app, ["diagram", str(DATA / "web.md"), "-o", str(out), *args])
        assert result.exit_code == 0, result.output
        assert magic in out.read_bytes()[:400]
    stdout = runner.invoke(app, ["diagram", str(DATA / "project"), "--no-threats"])
    assert stdout.exit_code == 0 and stdout.stdout.startswith("digraph tmlogic")
    bad = runner.invoke(app, ["diagram", str(DATA / "web.md"), "-o", str(tmp_path / "d.gif"), "--no-threats"])
    assert bad.exit_code == 2 and ".dot, .svg or .png" in bad.stderr


def edge_lines(dot: str) -> dict[str, str]:
    """SVG id -> the DOT line of that edge."""
    return {line.split('id="', 1)[1].split('"', 1)[0]: line for line in dot.splitlines() if " -> " in line}


def test_flows_between_zones_carry_an_xlabel_so_dot_can_lay_them_out(graphviz: object) -> None:
    # dot ranks each zone on its own, so a flow between zones may end with both ends in one rank;
    # with a `label` on such a flow this model made Graphviz fail (trouble in init_rank, lost edges).
    model, _ = load_model(DATA / "flat_edges_between_zones.md")
    diagram = build_diagram(model)
    zone = {e.id: e.boundary for e in model.elements}
    svg_of = {model_id: svg_id for svg_id, model_id in diagram.ids.items()}
    lines = edge_lines(diagram.dot)
    kinds = set()
    for f in model.flows:
        line = lines[svg_of[f.id]]
        between = zone[f.source] != zone[f.target]
        kinds.add(between)
        assert (", xlabel=<" in line) == between and (", label=<" in line) == (not between), line
    assert kinds == {True, False}  # both kinds are in the model
    svg = render(diagram.dot, "svg").decode("utf-8")
    assert svg.count('class="edge') == len(model.flows) and svg.count(">HTTPS</text>") == len(model.flows)


def _failing_graphviz(tmp_path: Path) -> Path:
    program = tmp_path / "broken-dot"
    program.write_text("#!/bin/sh\necho 'Error: trouble in init_rank' >&2\necho '\t%0 1' >&2\nexit 1\n")
    program.chmod(0o755)
    return program


def test_a_failing_graphviz_is_reported_and_the_other_reports_are_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMLOGIC_GRAPHVIZ", str(_failing_graphviz(tmp_path)))
    runner = CliRunner()
    out_dir = tmp_path / "reports"
    done = runner.invoke(app, ["analyze", str(DATA / "web.md"), "--rules", str(RULES), "--no-builtin-rules",
                               "--output-dir", str(out_dir), "--fail-on", "none"])
    assert done.exit_code == 0, done.output
    assert "warning: diagram.svg not written: broken-dot failed (exit 1): Error: trouble in init_rank" in done.stderr
    written = {p.name for p in out_dir.iterdir()}
    assert "diagram.svg" not in written and {"diagram.dot", "report.html", "threats.json"} <= written
    assert "No diagram: broken-dot failed (exit 1)" in (out_dir / "report.html").read_text(encoding="utf-8")
    drawn = runner.invoke(app, ["diagram", str(DATA / "web.md"), "--no-threats", "-o", str(tmp_path / "d.svg")])
    assert drawn.exit_code == 2 and "error: broken-dot failed (exit 1): Error: trouble in init_rank" in drawn.stderr
    assert not (tmp_path / "d.svg").exists()


def test_a_diagram_asked_for_by_name_that_fails_is_an_error_after_the_other_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tmlogic.diagram.render import DiagramFailed
    from tmlogic.outputs.formats import write_all

    monkeypatch.setenv("TMLOGIC_GRAPHVIZ", str(_failing_graphviz(tmp_path)))
    with pytest.raises(DiagramFailed, match="trouble in init_rank"):
        write_all(result_of(DATA / "web.md"), tmp_path / "out", ["json", "svg"])
    assert [p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")] == ["threats.json"]
