"""The live editor in a real browser: Debian's Chromium driven by Playwright for Python.

What a user does (type a flow, make a typo, click a threat, click the diagram, save, change the
file in another program) and what an attacker's page tries (other paths, other origins, a rebound
DNS name). Expected threats and diagnostics come from tmlogic's own analysis of the same text,
never from a list written here.

Marked `browser` (deselect with `-m "not browser"` locally). In CI a missing Chromium or Playwright
fails the suite: it never skips itself. Screenshots go to a temporary folder (or
TMLOGIC_SCREENSHOTS=DIR); TMLOGIC_UPDATE_SCREENSHOT=1 also rewrites docs/images/editor.png.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Dialog, Page, Playwright, sync_playwright

from serve_helpers import ROOT, Served, project_copy, start_server
from tmlogic.analysis import analyze_model, load_rules
from tmlogic.model.loader import load_model
from tmlogic._errors import ModelError

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  # a DNS name that resolves to loopback, as a rebinding attacker would arrange
                  "--host-resolver-rules=MAP rebind.example 127.0.0.1"]


def screenshot_dir() -> Path:
    wanted = os.environ.get("TMLOGIC_SCREENSHOTS")
    folder = Path(wanted) if wanted else Path(tempfile.gettempdir()) / "tmlogic-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def context(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory,
            chromium_binary: str) -> Iterator[BrowserContext]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    ctx = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=chromium_binary, headless=True, args=CHROMIUM_FLAGS,
        viewport={"width": 1500, "height": 950})
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_server(project_copy(tmp_path_factory.mktemp("serve-browser")))
    yield server
    server.stop()


@pytest.fixture
def files(served: Served) -> Iterator[Path]:
    """The project folder; every model file is put back as it was after the test."""
    saved = {p: p.read_bytes() for p in served.folder.rglob("*.md")}
    yield served.folder
    for path, data in saved.items():
        if path.read_bytes() != data:
            path.write_bytes(data)
    time.sleep(0.4)  # let the watcher tell the server before the next test opens its page


class Editor:
    """A tab of the live editor, and the few things tests ask of it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def updates(self) -> int:
        return int(self.js("() => window.tmlogicServe ? window.tmlogicServe.timing.updates : 0"))

    def wait_update(self, after: int, timeout: float = 60_000) -> None:
        """Until an analysis newer than update number `after` is on the page, for the latest edit."""
        self.page.wait_for_function(
            "(after) => { const t = window.tmlogicServe.timing; return t.updates > after && t.appliedSeq >= t.editSeq; }",
            arg=after, timeout=timeout)

    def text(self) -> str:
        return str(self.js("() => window.tmlogicServe.editor.getText()"))

    def line_of(self, needle: str) -> int:
        return next(i for i, line in enumerate(self.text().splitlines(), 1) if needle in line)

    def cursor_to(self, line: int, column: int | None = None) -> None:
        """Put the cursor on a line (at its end, or after `column` characters), as a click would."""
        self.js("""([line, column]) => {
            const v = window.tmlogicServe.editor.view, l = v.state.doc.line(line);
            const pos = column === null ? l.to : l.from + column;
            v.dispatch({ selection: { anchor: pos }, scrollIntoView: true }); v.focus(); }""", [line, column])

    def type_line_at_end(self, text: str) -> None:
        self.cursor_to(len(self.text().splitlines()))
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("Enter")
        self.page.keyboard.type(text, delay=5)
        self.page.keyboard.press("Escape")  # close a completion list left open by the last word

    def marked_lines(self, kind: str) -> list[int]:
        return list(self.js("""(kind) => Array.from(document.querySelectorAll('.cm-line.cm-tm-' + kind))
            .map((el) => window.tmlogicServe.editor.lineOfElement(el))""", kind))

    def assert_clean(self) -> None:
        csp = [p for p in self.problems if "Content Security Policy" in p or "Refused to" in p]
        assert not csp, csp
        errors = [p for p in self.problems if p.startswith("page error")]
        assert not errors, errors
        assert not self.dialogs, self.dialogs


@pytest.fixture
def editor(context: BrowserContext, served: Served, files: Path) -> Iterator[Editor]:
    page = context.new_page()
    ed = Editor(page)
    page.goto(served.url)
    page.wait_for_function("() => window.tmlogicServe && window.tmlogicServe.timing.updates > 0", timeout=60_000)
    yield ed
    ed.assert_clean()
    page.close()


_program = None


def cli_analysis(folder: Path, key: str, text: str) -> Any:
    """What `tmlogic analyze` says about the project with this text in place of the file."""
    return cli_analysis_of(folder, "main.md", text, key)


def cli_analysis_of(folder: Path, root: str, text: str, key: str | None = None) -> Any:
    global _program
    if _program is None:
        _program = load_rules([])[0]
    path = (folder / (key or root)).resolve()
    model, warnings = load_model(folder / root, sources={path: text})
    return analyze_model(model, _program, list(warnings)).result


def shown_threats(ed: Editor) -> dict[str, str]:
    return dict(ed.js("""() => Array.from(document.querySelectorAll('#threat-table tbody.threat'))
        .map((tb) => [tb.id, tb.querySelector('tr.row').textContent])"""))


# --- typing ----------------------------------------------------------------------------------

def test_typing_a_cleartext_flow_shows_its_threat(editor: Editor, served: Served) -> None:
    before = editor.updates()
    editor.type_line_at_end('- **Browse**: from="Customer", to="Shop App", protocol="HTTP"')
    editor.wait_update(before)
    text = editor.text()
    assert text.rstrip().endswith('- **Browse**: from="Customer", to="Shop App", protocol="HTTP"')
    expected = cli_analysis(served.folder, "main.md", text)
    on_browse = {t.id for t in expected.threats if "browse" in t.targets}
    assert on_browse, "the CLI raises threats on a cleartext flow from the Internet"
    rows = shown_threats(editor)
    assert set(rows) == {t.id for t in expected.threats}
    cleartext = [t for t in expected.threats if "browse" in t.targets and t.rule.stride == "InformationDisclosure"]
    assert cleartext and all("Browse" in rows[t.id] for t in cleartext)
    # the diagram draws the new flow, and the diff panel counts the new threats against disk and HEAD
    assert editor.page.locator("#live-diagram svg g.edge title", has_text="Browse").count() >= 1
    editor.page.wait_for_function("() => document.querySelectorAll('.diff-side').length === 2")
    # new: threats the file on disk does not have (the flow can also unmask findings on its ends)
    on_disk = {t.id for t in cli_analysis(served.folder, "main.md",
                                          (served.folder / "main.md").read_text(encoding="utf-8")).threats}
    new = {t.id for t in expected.threats} - on_disk
    assert on_browse <= new
    for side in editor.page.locator(".diff-side").all():  # vs disk, vs HEAD (the project was committed as is)
        assert f"{len(new)} new" in side.inner_text()
        assert side.locator(".d-added").count() >= len(new)
        assert "+ Browse" in side.locator(".diff-model").inner_text()
    # the picture in README.md and docs/editor.md: the new flow, its cleartext threat open, its lines marked
    row = editor.page.locator(f"#{cleartext[0].id} tr.row")
    row.click()
    editor.page.locator(f"#{cleartext[0].id} ul.proof").wait_for()
    editor.page.set_viewport_size({"width": 1600, "height": 1250})
    editor.js("() => document.getElementById('view-pane').scrollTo(0, 0)")
    editor.page.screenshot(path=str(screenshot_dir() / "editor.png"))
    if os.environ.get("TMLOGIC_UPDATE_SCREENSHOT"):
        (ROOT / "docs" / "images").mkdir(parents=True, exist_ok=True)
        editor.page.screenshot(path=str(ROOT / "docs" / "images" / "editor.png"))


def test_an_edit_waiting_for_a_pause_in_typing_is_not_yet_shown(editor: Editor, served: Served) -> None:
    # Two changes in one burst: the first is sent at once, the second waits for a pause in typing.
    # Until the second one's analysis is on the page, the page must not count as up to date, or a
    # reader (this suite's wait_update) takes the first one's threats for the final text's.
    before = editor.updates()
    counted = editor.js("""() => {
        const v = window.tmlogicServe.editor.view, t = window.tmlogicServe.timing, end = v.state.doc.length;
        v.dispatch({ changes: { from: end, insert: "\\n- **Browse**: from=\\"Customer\\", to=\\"Shop App\\"" } });
        const first = t.editSeq;
        v.dispatch({ changes: { from: v.state.doc.length, insert: ", protocol=\\"HTTP\\"" } });
        return [first, t.editSeq]; }""")
    assert counted[1] == counted[0] + 1, counted
    editor.wait_update(before)
    expected = cli_analysis(served.folder, "main.md", editor.text())
    assert any("browse" in t.targets and t.rule.stride == "InformationDisclosure" for t in expected.threats)
    assert set(shown_threats(editor)) == {t.id for t in expected.threats}


def test_a_boundary_typo_is_shown_inline_at_its_line(editor: Editor, served: Served) -> None:
    line = editor.line_of("**Shop App**")
    column = editor.text().splitlines()[line - 1].index("Corporate") + len("Corpo")
    before = editor.updates()
    editor.cursor_to(line, column)
    editor.page.keyboard.press("Backspace")  # Corporate -> Corprate
    editor.wait_update(before)
    with pytest.raises(ModelError) as raised:
        cli_analysis(served.folder, "main.md", editor.text())
    expected = next(d for d in raised.value.errors if "Corprate" in d.message)
    assert expected.span.line == line
    editor.page.wait_for_selector(".cm-lintRange-error")
    underlined = editor.js("""() => Array.from(document.querySelectorAll('.cm-lintRange-error'))
        .map((el) => [window.tmlogicServe.editor.lineOfElement(el), el.textContent])""")
    assert [line, "Corprate"] in [list(u) for u in underlined]
    gutter = editor.page.locator(".cm-gutter-lint .cm-lint-marker-error")
    assert gutter.count() >= 1
    assert editor.js("(el) => window.tmlogicServe.editor.lineOfElement(el)", gutter.first.element_handle()) == line
    listed = editor.page.locator("#problems li.error").first.inner_text()
    assert f"main.md:{line}:{expected.span.col}" in listed and expected.message in listed
    assert expected.hint and expected.hint in listed
    editor.page.locator(".cm-lintRange-error").first.hover()
    tooltip = editor.page.locator(".cm-tooltip-lint")
    tooltip.wait_for()
    assert expected.message in tooltip.inner_text() and expected.hint in tooltip.inner_text()
    assert editor.page.locator("#stale").is_visible()  # the last good analysis stays, marked as such


def test_completion_offers_sections_keys_and_the_models_names(editor: Editor) -> None:
    editor.type_line_at_end("- **Audit**: from=")
    editor.page.keyboard.press("Control+Space")
    options = editor.page.locator(".cm-tooltip-autocomplete li")
    options.first.wait_for()
    labels = options.all_inner_texts()
    assert any("Customer" in label for label in labels) and any("Shop App" in label for label in labels)
    editor.page.keyboard.press("Escape")
    editor.page.keyboard.type('"Shop App", proto')
    editor.page.keyboard.press("Control+Space")
    editor.page.locator(".cm-tooltip-autocomplete li[aria-selected=true]", has_text="protocol").wait_for()
    editor.page.wait_for_timeout(200)  # CodeMirror ignores an Enter within 75 ms of the list opening
    editor.page.keyboard.press("Enter")
    assert editor.text().rstrip().endswith('"Shop App", protocol=')
    editor.page.keyboard.press("Control+Space")
    options.first.wait_for()
    assert any(label.startswith("HTTPS") for label in options.all_inner_texts())
    editor.page.keyboard.press("Escape")
    editor.type_line_at_end("## Ser")
    editor.page.keyboard.press("Control+Space")
    options.first.wait_for()
    assert any(label.startswith("Servers") for label in options.all_inner_texts())
    editor.page.keyboard.press("Escape")


def test_a_yaml_model_is_highlighted_completed_and_analyzed(editor: Editor, served: Served) -> None:
    before = editor.updates()
    editor.page.select_option("#file-select", "services.yaml")
    editor.page.wait_for_function("() => window.tmlogicServe.current === 'services.yaml'")
    editor.wait_update(before)
    text, _ = (served.folder / "services.yaml").read_text(encoding="utf-8"), None
    expected = cli_analysis_of(served.folder, "services.yaml", text)
    assert set(shown_threats(editor)) == {t.id for t in expected.threats}
    assert editor.js("() => document.querySelectorAll('.cm-line span[class]').length") > 10  # YAML tokens styled
    line = editor.line_of("type: app-server")
    editor.cursor_to(line)
    editor.page.keyboard.press("Enter")
    editor.page.keyboard.type("boundary: ")
    editor.page.keyboard.press("Control+Space")
    options = editor.page.locator(".cm-tooltip-autocomplete li")
    options.first.wait_for()
    labels = editor.page.locator(".cm-tooltip-autocomplete .cm-completionLabel").all_inner_texts()
    assert {"Edge", "Mesh"} <= set(labels)
    editor.page.keyboard.press("Escape")


def test_undo_and_search_are_there(editor: Editor) -> None:
    original = editor.text()
    editor.type_line_at_end("<!-- to undo -->")
    assert editor.text() != original
    for _ in range(3):
        editor.page.keyboard.press("Control+z")
    editor.page.wait_for_function("(t) => window.tmlogicServe.editor.getText() === t", arg=original)
    editor.page.keyboard.press("Control+f")
    search = editor.page.locator(".cm-search input[name=search]")
    search.wait_for()
    search.fill("Shop App")
    editor.page.keyboard.press("Enter")
    assert editor.page.locator(".cm-searchMatch").count() >= 2


# --- navigation ------------------------------------------------------------------------------

def test_clicking_a_threat_shows_its_proof_and_highlights_its_lines(editor: Editor) -> None:
    row = editor.page.locator("#threat-table tbody.threat:not([hidden]) tr.row").first
    row.click()
    body = editor.page.locator("#threat-table tbody.threat.open").first
    body.locator("ul.proof").wait_for()  # the detail comes from the server when the row opens
    assert "fact from" in body.locator("ul.proof").inner_text()
    assert body.locator("dl.mitre, .what").first.is_visible()
    wanted = sorted({line for file, line in json.loads(body.get_attribute("data-lines") or "[]") if file == "main.md"})
    assert wanted
    assert sorted(editor.marked_lines("proof")) == wanted
    row.click()  # closed again: the marks go
    assert editor.marked_lines("proof") == []


def element_node(ed: Editor, model_id: str) -> Any:
    handle = ed.page.evaluate_handle("""(id) => {
        const ids = window.tmlogicServe.diagramIds();
        const svgId = Object.keys(ids).find((k) => ids[k] === id);
        return svgId ? document.getElementById(svgId) : null; }""", model_id)
    element = handle.as_element()
    assert element is not None, f"{model_id} is not on the diagram"
    return element


def test_clicking_the_diagram_lands_on_the_line_and_the_cursor_filters_back(editor: Editor) -> None:
    line = editor.line_of("**Shop App**")
    element_node(editor, "shop-app").click()
    editor.page.wait_for_function("(line) => window.tmlogicServe.editor.cursorLine() === line", arg=line)
    assert editor.marked_lines("located") == [line]
    chip = editor.page.locator("#f-target")
    assert chip.is_visible() and "Shop App" in chip.inner_text()
    # and the other way: the cursor on the Customer line filters the table to Customer's threats
    customer = editor.line_of("**Customer**")
    editor.cursor_to(customer)
    editor.page.wait_for_function("() => document.querySelector('#f-target b').textContent === 'Customer'")
    assert "selected" in (element_node(editor, "customer").get_attribute("class") or "")
    flow = editor.line_of("**Checkout**")
    # on its protocol text: a flow between zones has it beside the line (an xlabel), and the middle
    # of the flow's box can be bare background
    element_node(editor, "checkout").query_selector("text").click()
    editor.page.wait_for_function("(line) => window.tmlogicServe.editor.cursorLine() === line", arg=flow)


def test_a_project_walks_into_its_submodel_and_back_with_breadcrumbs(editor: Editor) -> None:
    assert editor.page.locator("#file-crumbs").inner_text().strip() == "Live Shop"
    element_node(editor, "backend").click()  # drawn as a folder: opens the submodel
    editor.page.wait_for_function("() => window.tmlogicServe.current === 'backend/model.md'")
    assert editor.text().startswith("# Threat Model: Backend")
    crumbs = editor.page.locator("#file-crumbs")
    assert re.sub(r"\s+", " ", crumbs.inner_text()).strip() == "Live Shop › Backend"
    assert editor.page.locator(".view:not([hidden]) nav.crumbs").inner_text().startswith("Live Shop")
    crumbs.locator("a", has_text="Live Shop").click()
    editor.page.wait_for_function("() => window.tmlogicServe.current === 'main.md'")
    assert editor.text().startswith("# Threat Model: Live Shop")


# --- files -----------------------------------------------------------------------------------

def test_ctrl_s_saves_the_file_to_disk(editor: Editor, files: Path) -> None:
    editor.type_line_at_end("- **Audit Log**: from=\"Shop App\", to=\"Backend\", protocol=\"HTTPS\", is_encrypted=True")
    assert editor.page.locator("#dirty").is_visible()
    editor.page.keyboard.press("Control+s")
    editor.page.wait_for_function("() => document.getElementById('status').textContent.startsWith('saved')")
    assert (files / "main.md").read_text(encoding="utf-8") == editor.text()
    assert not editor.page.locator("#dirty").is_visible()
    assert not [p.name for p in files.iterdir() if p.name.startswith(".main.md.")]


def test_a_change_on_disk_reloads_and_asks_when_there_are_unsaved_edits(editor: Editor, files: Path) -> None:
    target = files / "main.md"
    changed = target.read_text(encoding="utf-8").replace("Live Shop", "Live Shop (edited elsewhere)")
    tmp = target.with_name(".other-editor.tmp")
    tmp.write_text(changed, encoding="utf-8")
    os.replace(tmp, target)  # how editors and git write files
    editor.page.wait_for_function("(t) => window.tmlogicServe.editor.getText() === t", arg=changed, timeout=30_000)
    editor.page.wait_for_function("() => document.querySelector('#file-crumbs').textContent.includes('edited elsewhere')")
    # now with unsaved edits: the user chooses
    editor.type_line_at_end("<!-- my unsaved note -->")
    mine = editor.text()
    again = changed.replace("(edited elsewhere)", "(edited twice)")
    target.write_text(again, encoding="utf-8")
    banner = editor.page.locator("#banner")
    banner.wait_for(state="visible", timeout=30_000)
    assert "unsaved edits" in banner.inner_text()
    assert editor.text() == mine  # nothing lost while the user decides
    editor.page.click("#banner-disk")
    editor.page.wait_for_function("(t) => window.tmlogicServe.editor.getText() === t", arg=again)
    assert not editor.page.locator("#dirty").is_visible()


# --- what a hostile page or request gets -------------------------------------------------------

def test_paths_outside_the_folder_are_refused_from_the_page(editor: Editor, served: Served) -> None:
    replies = editor.js("""async () => {
        const token = JSON.parse(document.getElementById('tm-serve').textContent).token;
        const out = {};
        for (const path of ['../main.md', '../../etc/passwd', '/etc/passwd', 'backend/../../x.md', 'backend/../main.md']) {
          const r = await fetch('/api/file?path=' + encodeURIComponent(path), { headers: { 'X-Tmlogic-Token': token } });
          out[path] = [r.status, await r.text()];
        }
        const w = await fetch('/api/save', { method: 'POST', headers: { 'X-Tmlogic-Token': token, 'Content-Type': 'application/json' },
          body: JSON.stringify({ path: '../escaped.md', text: '# x' }) });
        out.save = [w.status, await w.text()];
        return out; }""")
    for path, (status, body) in replies.items():
        assert status in (400, 403), (path, status, body)
        assert "root:" not in body
    assert not (served.folder.parent / "escaped.md").exists()


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    body = b"<!DOCTYPE html><title>attacker</title><p>nothing to see</p>"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def attacker() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AttackerPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://rebind.example:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_cross_origin_writes_and_websockets_and_a_rebound_host_are_refused(
        context: BrowserContext, served: Served, files: Path, attacker: str) -> None:
    before = (files / "main.md").read_bytes()
    page = context.new_page()
    try:
        page.goto(attacker)
        outcome = page.evaluate("""async ([base, token]) => {
            const out = {};
            const body = JSON.stringify({ path: 'main.md', text: '# pwned' });
            try { await fetch(base + '/api/save', { method: 'POST', mode: 'no-cors', credentials: 'include',
                    headers: { 'Content-Type': 'text/plain' }, body }); out.simple = 'sent'; }
            catch (e) { out.simple = 'blocked'; }
            try { const r = await fetch(base + '/api/save', { method: 'POST', credentials: 'include',
                    headers: { 'Content-Type': 'application/json', 'X-Tmlogic-Token': token }, body });
                  out.preflighted = r.status; }
            catch (e) { out.preflighted = 'blocked'; }
            out.ws = await new Promise((done) => {
              const ws = new WebSocket(base.replace('http', 'ws') + '/ws?token=' + token);
              ws.onmessage = (m) => done('message: ' + m.data);
              ws.onclose = (e) => done('closed ' + e.code);
            });
            return out; }""", [served.base, served.token])
        assert outcome["preflighted"] == "blocked"  # the browser's CORS check: no write, no answer to read
        assert outcome["ws"].startswith("closed"), outcome["ws"]
        assert (files / "main.md").read_bytes() == before
        # the same server under a DNS name that resolves to 127.0.0.1 (DNS rebinding)
        reply = page.goto(f"http://rebind.example:{served.port}/?token={served.token}")
        assert reply is not None and reply.status == 400
        assert "Host header is not allowed" in page.content()
    finally:
        page.close()


def test_model_text_stays_text_everywhere(context: BrowserContext, tmp_path: Path) -> None:
    folder = tmp_path / "evil"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "outputs" / "evil.md", folder / "main.md")
    server = start_server(folder)
    page = context.new_page()
    ed = Editor(page)
    try:
        page.goto(server.url)
        page.wait_for_function("() => window.tmlogicServe && window.tmlogicServe.timing.updates > 0", timeout=60_000)
        assert ed.js("() => document.scripts.length") == 4  # boot data, editor, report, page: nothing injected
        assert ed.js("() => document.querySelectorAll('img').length") == 0
        assert ed.js("() => window.__pwned === undefined")
        page.click("#expand-all")  # every threat's detail, fetched from the server
        page.wait_for_function("() => !document.querySelector('#threat-table tr.detail > td:empty') && "
                               "!/Loading the proof/.test(document.getElementById('threat-table').textContent)")
        table = page.locator("#threat-table").text_content() or ""
        assert 'User "><script>alert(2)</script>' in table
        titles = page.locator("#live-diagram svg title").all_text_contents()
        assert any("<script>alert(1)</script>" in t for t in titles)
        assert "<script>alert(\"title\")</script>" in page.locator("#file-crumbs").inner_text()
        assert "<script>alert(\"description\")</script>" in ed.text()
        ed.assert_clean()
    finally:
        page.close()
        server.stop()
