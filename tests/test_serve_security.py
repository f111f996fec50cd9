"""`tmlogic serve` against what can reach its port: a real server in a subprocess, raw HTTP and
WebSocket requests (no browser), one test per defence of docs/editor.md#security."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket

from serve_helpers import Served, project_copy, start_server
from tmlogic.serve.security import MAX_BODY_BYTES, Guard


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("serve-security")
    folder = project_copy(tmp, git=False)
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Threat Model: secret\n", encoding="utf-8")
    (folder / "escape.md").symlink_to(outside / "secret.md")
    (folder / "inside-link.md").symlink_to(folder / "main.md")
    server = start_server(folder)
    yield server
    server.stop()


def request(served: Served, method: str, path: str, *, host: str | None = None, cookie: bool = True,
            headers: dict[str, str] | None = None, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
    sent = {"Host": host or served.host}
    if cookie:
        sent["Cookie"] = f"tmlogic_session={served.token}"
    sent.update(headers or {})
    conn.request(method, path, body=body, headers=sent)
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return reply.status, {k.lower(): v for k, v in reply.getheaders()}, data


def write_headers(served: Served, **extra: str) -> dict[str, str]:
    return {"Origin": served.base, "X-Tmlogic-Token": served.token, "Content-Type": "application/json", **extra}


def save(served: Served, path: str, text: str, **headers: str) -> tuple[int, dict[str, Any]]:
    status, _, data = request(served, "POST", "/api/save", headers=headers or write_headers(served),
                              body=json.dumps({"path": path, "text": text}).encode())
    return status, json.loads(data) if data.startswith(b"{") else {"text": data.decode()}


# --- binding ---------------------------------------------------------------------------------

def test_binds_to_loopback_by_default_without_a_warning(served: Served) -> None:
    assert served.url.startswith("http://127.0.0.1:")
    assert not any("warning" in line for line in served.stderr)


def test_another_address_needs_host_and_prints_a_warning(tmp_path: Path) -> None:
    server = start_server(project_copy(tmp_path, git=False), "--host", "0.0.0.0")
    try:
        warning = "".join(server.stderr)
        assert "warning: listening on 0.0.0.0, not on loopback" in warning
        status, _, _ = request(server, "GET", "/", host=f"127.0.0.1:{server.port}")
        assert status == 200  # still served on loopback, with the token
    finally:
        server.stop()


def test_host_rule_names_only_this_server() -> None:
    guard = Guard("127.0.0.1", 8765)
    assert guard.host_allowed("127.0.0.1:8765") and guard.host_allowed("localhost:8765")
    assert guard.host_allowed("[::1]:8765")
    assert not guard.host_allowed("127.0.0.1:8766") and not guard.host_allowed("evil.example:8765")
    assert not guard.host_allowed("127.0.0.1") and not guard.host_allowed("")
    everywhere = Guard("0.0.0.0", 8765)
    assert everywhere.host_allowed("192.0.2.7:8765") and not everywhere.host_allowed("rebound.example:8765")


# --- Host header and session token ------------------------------------------------------------

def test_a_wrong_host_header_is_refused(served: Served) -> None:
    for host in (f"evil.example:{served.port}", f"127.0.0.1.nip.example:{served.port}", "127.0.0.1:1"):
        status, _, body = request(served, "GET", "/", host=host)
        assert status == 400, host
        assert b"Host header is not allowed" in body
        assert request(served, "GET", "/api/file?path=main.md", host=host)[0] == 400


def test_the_page_needs_the_session_token(served: Served) -> None:
    status, _, body = request(served, "GET", "/", cookie=False)
    assert status == 403 and b"no session" in body
    status, _, _ = request(served, "GET", "/?token=wrong", cookie=False)
    assert status == 403
    status, headers, _ = request(served, "GET", f"/?token={served.token}", cookie=False)
    assert status == 303 and headers["location"] == "/"
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"tmlogic_session={served.token}") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert request(served, "GET", "/api/file?path=main.md", cookie=False)[0] == 403
    status, _, body = request(served, "GET", "/")
    assert status == 200 and b'id="editor"' in body


def test_strict_content_security_policy_and_no_inline_script(served: Served) -> None:
    status, headers, body = request(served, "GET", "/")
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert f"connect-src 'self' ws://{served.host}" in csp
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    page = body.decode()
    for tag in page.split("<script")[1:]:
        opening = tag.split(">", 1)[0]
        assert " src=" in opening or 'type="application/json"' in opening, opening
    for name in ("editor.bundle.js", "app.js", "report.js", "report.css", "app.css"):
        status, headers, _ = request(served, "GET", f"/static/{name}")
        assert status == 200 and "content-security-policy" in headers
    assert request(served, "GET", "/static/..%2Fapp.py")[0] == 404
    assert request(served, "GET", "/static/files.py")[0] == 404


# --- writes and the WebSocket ----------------------------------------------------------------

def test_a_same_origin_write_with_the_token_saves_atomically(served: Served) -> None:
    target = served.folder / "main.md"
    text = target.read_text(encoding="utf-8") + "\n"
    status, reply = save(served, "main.md", text)
    assert status == 200 and reply["key"] == "main.md"
    assert target.read_text(encoding="utf-8") == text
    assert not [p for p in served.folder.iterdir() if p.name.startswith(".main.md.")]  # no temporary left


def test_cross_origin_or_tokenless_writes_are_refused(served: Served) -> None:
    target = served.folder / "main.md"
    before = target.read_bytes()
    for headers in (write_headers(served, Origin="http://evil.example"),
                    write_headers(served, Origin=f"http://localhost:{served.port + 1}"),
                    {k: v for k, v in write_headers(served).items() if k != "Origin"},
                    {k: v for k, v in write_headers(served).items() if k != "X-Tmlogic-Token"},
                    write_headers(served, **{"X-Tmlogic-Token": "wrong"}),
                    write_headers(served, **{"Sec-Fetch-Site": "cross-site"})):
        status, reply = save(served, "main.md", "# pwned\n", **headers)
        assert status == 403, headers
    assert target.read_bytes() == before


def ws_connect(served: Served, *, origin: str | None = None, token: str | None = None, cookie: bool = True
               ) -> websocket.WebSocket:
    url = f"ws://{served.host}/ws?token={token if token is not None else served.token}"
    return websocket.create_connection(url, origin=origin or served.base, timeout=60,
                                       cookie=f"tmlogic_session={served.token}" if cookie else None)


def receive(ws: websocket.WebSocket, kind: str) -> dict[str, Any]:
    """The next message of that type (the file watcher may speak first)."""
    for _ in range(20):
        message = json.loads(ws.recv())
        if message["type"] == kind:
            return message  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} message")


def test_websocket_needs_the_token_and_the_same_origin(served: Served) -> None:
    ws = ws_connect(served)
    assert json.loads(ws.recv())["type"] == "hello"
    ws.send(json.dumps({"type": "open", "key": "main.md", "seq": 1}))
    message = receive(ws, "analysis")
    assert message["ok"] and message["threats"] > 0
    ws.close()
    for kwargs in ({"origin": "http://evil.example"}, {"origin": f"http://127.0.0.1:{served.port + 1}"},
                   {"token": "wrong"}, {"token": ""}, {"cookie": False}):
        with pytest.raises(websocket.WebSocketException):
            ws_connect(served, **kwargs)


# --- the served folder only -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["../outside/secret.md", "../../etc/passwd.md", "/etc/passwd", "/etc/hosts.md",
                                  "backend/../../outside/secret.md", "C:\\Windows\\win.md", "..\\outside\\secret.md",
                                  "escape.md", ".git/config.md", "main.py", "", "main.md\x00.txt"])
def test_paths_outside_the_folder_are_refused(served: Served, path: str) -> None:
    from urllib.parse import quote

    status, _, body = request(served, "GET", "/api/file?path=" + quote(path))
    assert status in (400, 403), (path, body)
    assert b"Threat Model: secret" not in body and b"root:" not in body
    status, _ = save(served, path, "# Threat Model: written\n")
    assert status in (400, 403), path
    assert (served.folder.parent / "outside" / "secret.md").read_text(encoding="utf-8") == "# Threat Model: secret\n"


def test_a_symlink_that_stays_inside_the_folder_is_served(served: Served) -> None:
    status, _, body = request(served, "GET", "/api/file?path=inside-link.md")
    assert status == 200 and json.loads(body)["text"].startswith("# Threat Model: Live Shop")


def test_websocket_messages_are_confined_too(served: Served) -> None:
    ws = ws_connect(served)
    ws.recv()
    ws.send(json.dumps({"type": "edit", "key": "../outside/secret.md", "text": "x", "seq": 1}))
    reply = receive(ws, "refused")
    assert "leaves the served folder" in reply["message"]
    ws.close()


# --- sizes and errors ------------------------------------------------------------------------

def raw_post(served: Served, head: dict[str, str], body: bytes) -> bytes:
    """Send a request as bytes and read the status line, whatever the server closes early."""
    import socket

    lines = [f"POST /api/save HTTP/1.1", f"Host: {served.host}", f"Cookie: tmlogic_session={served.token}",
             *(f"{k}: {v}" for k, v in {**write_headers(served), **head}.items()), "", ""]
    with socket.create_connection(("127.0.0.1", served.port), timeout=60) as sock:
        try:
            sock.sendall("\r\n".join(lines).encode() + body)
        except OSError:
            pass  # the server answered and closed before taking the whole body
        return sock.recv(200)


def test_request_bodies_are_limited(served: Served) -> None:
    # a declared length over the limit is refused before the body is read
    reply = raw_post(served, {"Content-Length": str(MAX_BODY_BYTES + 1)}, b"{}")
    assert reply.startswith(b"HTTP/1.1 413"), reply
    # a chunked body is counted as it arrives
    chunk = b" " * (1024 * 1024)
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)) + b"0\r\n\r\n"
    reply = raw_post(served, {"Transfer-Encoding": "chunked"}, body)
    assert reply.startswith(b"HTTP/1.1 413"), reply
    ws = ws_connect(served)
    ws.recv()
    with pytest.raises((websocket.WebSocketException, ConnectionError)):
        ws.send(json.dumps({"type": "edit", "key": "main.md", "text": "x" * (MAX_BODY_BYTES + 10), "seq": 1}))
        for _ in range(5):
            ws.recv()
    ws.close()
    status, _ = save(served, "main.md", "x" * (3 * 1024 * 1024))
    assert status == 413  # under the request limit, over the 2 MiB a model may have


def test_no_debug_mode_an_internal_error_shows_no_traceback(tmp_path: Path) -> None:
    from tmlogic.analysis import AnalysisOptions
    from tmlogic.serve.app import Server, build_app
    from tmlogic.serve.files import ServedFolder
    from tmlogic.serve.live import LiveAnalyzer

    folder = project_copy(tmp_path, git=False)
    analyzer = LiveAnalyzer(ServedFolder.at(folder), "main.md", AnalysisOptions())
    guard = Guard("127.0.0.1", 9)
    server = Server(analyzer.folder, analyzer, guard)
    app = build_app(server, watch=False)
    assert app.debug is False

    def broken() -> list[str]:
        raise RuntimeError("secret detail /etc/shadow")

    server.files = broken  # type: ignore[method-assign]
    status, body = asyncio.run(_asgi_get(app, "/api/files", guard))
    assert status == 500
    assert b"Traceback" not in body and b"secret detail" not in body and b"RuntimeError" not in body


async def _asgi_get(app: Any, path: str, guard: Guard) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"host", f"127.0.0.1:{guard.port}".encode()),
                         (b"cookie", f"tmlogic_session={guard.token}".encode())],
             "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", guard.port), "client": ("127.0.0.1", 1),
             "root_path": "", "app": app}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    try:
        await app(scope, receive, send)
    except RuntimeError:
        pass  # Starlette re-raises after answering 500, for the server to log
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body
