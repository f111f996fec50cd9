"""The HTML report in a real browser: Debian's headless Chromium, driven over the Chrome
DevTools Protocol. A new user must be able to click an element of the diagram and see its
threats, open a threat and read why it was raised, and walk a project's submodels.

`make test` installs chromium when it is missing and it runs as root; without chromium these
tests fail and say so (deselect them with -m 'not browser'). Set TMLOGIC_SCREENSHOTS=DIR to keep the screenshots.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.outputs.html import render_html

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "outputs"
RULES = DATA / "rules"

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("graphviz")]


class Browser:
    """Just enough of the DevTools protocol: commands, events, evaluate, click, screenshot."""

    def __init__(self, binary: str, width: int = 1400, height: int = 1000) -> None:
        self.profile = tempfile.mkdtemp(prefix="tmlogic-chromium-")
        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            page = next(t for t in json.load(reply) if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True, timeout=30)
        self.ids = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.ids += 1
        ident = self.ids
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(event)
            self.events.append(json.loads(self.ws.recv()))
        self.events = [e for e in self.events if e.get("method") != event]

    def open(self, path: Path) -> None:
        self.send("Page.navigate", url=path.as_uri())
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(reply["exceptionDetails"])
        return reply["result"].get("value")

    def click_at(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element, scrolled into view first and measured
        once it stands still: the report scrolls smoothly to the diagram after some clicks, and a
        click measured mid-scroll would land beside its target."""
        box = self.js(f"(async () => {{ const e = document.querySelector({json.dumps(selector)}); "
                      "const frame = () => new Promise((done) => requestAnimationFrame(done)); "
                      "let last = '', still = 0, frames = 0; "
                      "while (still < 3 && frames++ < 300) { e.scrollIntoView({block: 'center'}); await frame(); "
                      "const r = e.getBoundingClientRect(); const now = `${r.x},${r.y}`; "
                      "still = now === last ? still + 1 : 0; last = now; } "
                      "const r = e.getBoundingClientRect(); "
                      "return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        self.click_at(*box)
        time.sleep(0.05)

    def screenshot(self, path: Path) -> bytes:
        png = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(png)
        return png

    def problems(self) -> list[str]:
        """Script exceptions and console errors (a CSP violation is one)."""
        out = []
        for e in self.events:
            if e.get("method") == "Runtime.exceptionThrown":
                out.append(json.dumps(e["params"]["exceptionDetails"])[:500])
            elif e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error":
                out.append(e["params"]["entry"]["text"])
            elif e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error":
                out.append(str(e["params"]["args"]))
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the socket may never have opened
            self.ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(chromium_binary: str) -> Iterator[Browser]:
    b = Browser(chromium_binary)
    try:
        yield b
    finally:
        b.close()


def write_report(model: Path, folder: Path) -> Path:
    result = analyze(model, AnalysisOptions(rule_paths=(RULES,), builtin_rules=False)).result
    path = folder / f"{model.stem}.html"
    path.write_text(render_html(result), encoding="utf-8")
    return path


def keep(png: bytes, name: str) -> None:
    folder = os.environ.get("TMLOGIC_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(png)


def count(b: Browser) -> str:
    return str(b.js("document.getElementById('count').textContent"))


def visible_rules(b: Browser) -> list[str]:
    return list(b.js("[...document.querySelectorAll('#threat-table > tbody')].filter(t => !t.hidden)"
                     ".map(t => t.dataset.rule + ':' + t.dataset.target)"))


def node_of(b: Browser, model_id: str, view: int = 0) -> str:
    """The CSS selector of the diagram node drawn for a model element."""
    svg_id = b.js(f"(() => {{ const d = JSON.parse(document.getElementById('tm-data').textContent); "
                  f"return Object.keys(d.views[{view}].ids).find(k => d.views[{view}].ids[k] === {json.dumps(model_id)}); }})()")
    assert svg_id, model_id
    return f"#{svg_id}"


def test_clicking_the_diagram_filters_the_table(browser: Browser, tmp_path: Path) -> None:
    b = browser
    b.open(write_report(DATA / "web.md", tmp_path))
    assert count(b) == "Showing 2 of 3 threats"  # the accepted one is hidden until asked for
    assert b.js("document.querySelectorAll('#view-0 svg g.node').length") >= 4
    png = b.screenshot(tmp_path / "report.png")
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    keep(png, "report.png")

    b.click(node_of(b, "orders-db"))
    assert count(b) == "Showing 1 of 3 threats"
    assert visible_rules(b) == ["TM-OUT-002:Orders DB"]
    assert b.js("document.querySelector('#f-target b').textContent") == "Orders DB"
    assert b.js(f"document.querySelector('{node_of(b, 'orders-db')}').classList.contains('selected')")
    keep(b.screenshot(tmp_path / "selected.png"), "selected.png")

    b.click(node_of(b, "edge-firewall"))  # no threat on the firewall itself...
    assert count(b) == "Showing 0 of 3 threats"
    b.click("#f-flows")  # ...but on the flow that reaches it
    assert visible_rules(b) == ["TM-OUT-001:Checkout"]
    b.click("#f-target button")
    assert count(b) == "Showing 2 of 3 threats"
    assert b.problems() == []


def test_a_threat_opens_to_its_proof_and_the_filters_and_sorting_work(browser: Browser, tmp_path: Path) -> None:
    b = browser
    b.open(write_report(DATA / "web.md", tmp_path))
    first = "#threat-table > tbody:not([hidden]) tr.row"
    b.click(first)
    detail = "#threat-table > tbody.open tr.detail"
    assert b.js(f"!document.querySelector('{detail}').hidden")
    text = b.js(f"document.querySelector('{detail}').innerText")
    assert "Why it was raised" in text and "Proof, down to the model lines" in text and "What to do" in text
    assert "fact from web.md:" in text and "Use TLS on every flow." in text and "CAPEC-157" in text
    keep(b.screenshot(tmp_path / "details.png"), "details.png")

    b.js("(() => { const s = document.getElementById('f-level'); s.value = 'elevated';"
         " s.dispatchEvent(new Event('change')); })()")
    assert visible_rules(b) == ["TM-OUT-002:Orders DB"]
    b.click("#f-clear")
    b.click("#f-accepted")
    assert count(b) == "Showing 3 of 3 threats"
    b.js("(() => { const s = document.getElementById('f-text'); s.value = 'app to orders';"
         " s.dispatchEvent(new Event('input')); })()")
    assert visible_rules(b) == ["TM-OUT-001:App to Orders"]
    b.click("#f-clear")

    b.click("th[data-sort=target] button")
    assert [r.split(":")[1] for r in visible_rules(b)] == ["App to Orders", "Checkout", "Orders DB"]
    assert b.js("document.querySelector('th[data-sort=target]').getAttribute('aria-sort')") == "ascending"

    before = b.js("document.querySelector('#view-0 svg').getAttribute('viewBox')")
    b.click("button[data-zoom=in]")
    assert b.js("document.querySelector('#view-0 svg').getAttribute('viewBox')") != before
    assert b.problems() == []


def test_a_project_walks_down_to_submodels_and_back(browser: Browser, tmp_path: Path) -> None:
    b = browser
    b.open(write_report(DATA / "project" / "main.md", tmp_path))
    assert b.js("document.getElementById('view-1').hidden")
    b.click(node_of(b, "backend"))
    assert b.js("location.hash") == "#view-1"
    assert b.js("document.getElementById('view-0').hidden && !document.getElementById('view-1').hidden")
    assert b.js("document.getElementById('f-view').value") == "1"
    assert sorted(r.split(":")[1] for r in visible_rules(b)) == ["Query", "Store"]
    keep(b.screenshot(tmp_path / "submodel.png"), "submodel.png")
    b.click("#view-1 nav.crumbs a[href='#view-0']")
    assert b.js("!document.getElementById('view-0').hidden && document.getElementById('view-1').hidden")
    assert b.problems() == []


def test_a_selected_attack_path_is_drawn_on_the_diagram(browser: Browser, tmp_path: Path) -> None:
    from tmlogic.records import replace

    from tmlogic.paths.find import find_paths

    model = ROOT / "tests" / "data" / "paths" / "chokepoints.md"
    analysis = analyze(model, AnalysisOptions(rule_paths=(ROOT / "tests" / "data" / "paths" / "rules",),
                                              builtin_rules=False))
    result = replace(analysis.result, paths=find_paths(analysis))
    report = tmp_path / "paths.html"
    report.write_text(render_html(result), encoding="utf-8")
    b = browser
    b.open(report)
    assert b.problems() == []
    best = result.paths.goal("vault-db").paths[0]  # type: ignore[union-attr]
    b.click(f"#paths details.goal:nth-of-type(2) > summary")  # Vault DB, the second most exposed goal
    assert b.js(f"document.getElementById('{best.id}').closest('details').open")
    b.click(f"#{best.id} button.draw-path")
    drawn = b.js("(() => { const d = JSON.parse(document.getElementById('tm-data').textContent); "
                 "return [...document.querySelectorAll('#view-0 g.selected')].map(g => d.views[0].ids[g.id]).sort(); })()")
    assert drawn == sorted(set(best.elements) | set(best.flows))
    assert b.js("document.querySelector('#view-0 .canvas').classList.contains('on-path')")
    assert b.js("document.querySelector('#path-chip b').textContent") == best.id
    keep(b.screenshot(tmp_path / "path.png"), "path.png")
    b.click(f"#{best.id} button.draw-path")
    assert b.js("document.querySelectorAll('#view-0 g.selected').length") == 0
    assert b.js("document.querySelector('#path-chip').hidden")
    assert b.problems() == []
