"""A `tmlogic serve` session over its WebSocket: analyses off the event loop, newer edits first."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import websocket

from serve_helpers import Served, project_copy, start_server

EXTRA = '- **Browse {n}**: from="Customer", to="Shop App", protocol="HTTP"\n'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_server(project_copy(tmp_path_factory.mktemp("serve-session"), git=False))
    yield server
    server.stop()


def connect(served: Served) -> websocket.WebSocket:
    ws = websocket.create_connection(f"ws://{served.host}/ws?token={served.token}", origin=served.base,
                                     cookie=f"tmlogic_session={served.token}", timeout=120)
    assert json.loads(ws.recv())["type"] == "hello"
    return ws


def next_of(ws: websocket.WebSocket, kind: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(ws.recv())
        if message["type"] == kind:
            return message


def test_a_newer_edit_supersedes_the_older_ones(served: Served) -> None:
    text = (served.folder / "main.md").read_text(encoding="utf-8")
    ws = connect(served)
    try:
        for n in range(1, 6):  # faster than one analysis: only the last may be answered
            ws.send(json.dumps({"type": "edit", "key": "main.md", "text": text + EXTRA.format(n=n), "seq": n}))
        first = next_of(ws, "analysis")
        assert first["seq"] == 5 and first["ok"]
        assert "Browse 5" in first["parts"]["threats"] and "Browse 4" not in first["parts"]["threats"]
        ws.send(json.dumps({"type": "clean", "key": "main.md", "seq": 6}))
        assert next_of(ws, "analysis")["seq"] == 6
    finally:
        ws.close()


def test_the_server_answers_while_an_analysis_runs(served: Served) -> None:
    text = (served.folder / "main.md").read_text(encoding="utf-8")
    ws = connect(served)
    order: list[str] = []

    def listen() -> None:
        next_of(ws, "analysis")
        order.append("analysis")

    listener = threading.Thread(target=listen)
    listener.start()
    ws.send(json.dumps({"type": "edit", "key": "main.md", "text": text + EXTRA.format(n=9), "seq": 1}))
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=120)
    conn.request("GET", "/api/files", headers={"Host": served.host, "Cookie": f"tmlogic_session={served.token}"})
    reply = conn.getresponse()
    reply.read()
    conn.close()
    order.append(f"files {reply.status}")
    listener.join(timeout=120)
    ws.close()
    assert order == ["files 200", "analysis"]  # the event loop did not wait for the analysis
