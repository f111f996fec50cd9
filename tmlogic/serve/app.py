"""The ASGI application of `tmlogic serve`: one page, its assets, a small file API and a WebSocket.

    GET  /                 the editor page (templates/serve/page.html.j2)
    GET  /static/NAME      the page's scripts and styles, from a fixed list (no paths)
    GET  /api/files        the model files of the served folder
    GET  /api/file?path=   one model file: text and hash
    POST /api/save         {path, text, base}: atomic write; 409 when the file changed since `base`
    WS   /ws               edits in, analyses out (see Session)

Every request first passes security.GuardMiddleware (Host, token, origin, size, headers).
Analyses run on a worker thread, one at a time; a session's newer edit supersedes an older one,
whose result is dropped unsent. A file watcher (watchfiles) tells every session what changed on
disk, and the session re-analyzes.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import __version__
from ..outputs.html import render_detail
from ..outputs.templating import html_environment
from ..resources import templates_dir
from ..typing_runtime import Any
from .changes import LiveDiff
from .files import FileRefused, ServedFolder
from .live import EditRequest, LiveAnalyzer, LiveUpdate
from .security import Guard, GuardMiddleware, BodyTooLarge

__all__ = ["Server", "build_app"]

_STATIC = Path(__file__).resolve().parent / "static"
_ASSETS = {
    "editor.bundle.js": (_STATIC, "text/javascript"),
    "app.js": (_STATIC, "text/javascript"),
    "app.css": (_STATIC, "text/css"),
    "THIRD-PARTY-LICENSES.txt": (_STATIC, "text/plain"),
    "report.js": (None, "text/javascript"),  # the HTML report's own script and style, shared
    "report.css": (None, "text/css"),
}


def _syntax(key: str) -> str:
    return "yaml" if PurePosixPath(key).suffix.lower() in (".yaml", ".yml") else "markdown"


@dataclass
class Server:
    """What every session shares: the folder, the analyzer and its diff baselines."""

    folder: ServedFolder
    analyzer: LiveAnalyzer
    guard: Guard
    diff: LiveDiff = field(init=False)
    sessions: set["Session"] = field(default_factory=set)
    limiter: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(1))

    def __post_init__(self) -> None:
        self.diff = LiveDiff(self.analyzer)

    def files(self) -> list[str]:
        return [k for k in self.folder.model_files() if not k.endswith((".risks.yaml", ".risks.yml"))]

    def warm_up(self) -> None:
        """Analyze the entry once before the first visitor: knowledge base, templates, Graphviz.
        Then everything loaded so far (the program, the knowledge base, the caches) leaves the
        garbage collector's view: it lives as long as the server, and a full collection that
        walked it would stall an edit every few keystrokes (~100 ms each on the DMZ model)."""
        if self.analyzer.entry is not None:
            update = self.analyzer.analyze(EditRequest(self.analyzer.entry))
            if update.model is not None:
                self.diff.panel(update, dirty=False)
        gc.collect()
        gc.freeze()


class Session:
    """One browser tab: its unsaved buffers, the file it shows, and its latest request."""

    def __init__(self, server: Server, ws: WebSocket) -> None:
        self.server = server
        self.ws = ws
        self.buffers: dict[str, str] = {}
        self.current: str | None = server.analyzer.entry
        self.seq = 0
        self.context: dict[str, Any] | None = None  # the report context of the last analysis sent
        self.wake = asyncio.Event()
        self.lock = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        async with self.lock:
            await self.ws.send_text(json.dumps(message, ensure_ascii=False))

    def schedule(self, seq: int | None = None) -> None:
        self.seq = seq if seq is not None and seq > self.seq else self.seq + 1
        self.wake.set()

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        key = message.get("key")
        seq = message.get("seq") if isinstance(message.get("seq"), int) else None
        if kind == "detail":
            await self.detail(message.get("id"))
            return
        if not isinstance(key, str):
            await self.send({"type": "refused", "message": "a message without a file key"})
            return
        try:
            self.server.folder.resolve(key)
        except FileRefused as exc:
            await self.send({"type": "refused", "key": key, "message": str(exc)})
            return
        if kind == "edit":
            text = message.get("text")
            if not isinstance(text, str):
                return
            self.buffers[key] = text
            self.current = key
        elif kind == "open":
            self.current = key
        elif kind == "clean":  # saved, or the edits were given up: the file on disk is the text
            self.buffers.pop(key, None)
        else:
            await self.send({"type": "refused", "key": key, "message": f"unknown message type {kind!r}"})
            return
        self.schedule(seq)

    async def detail(self, threat_id: object) -> None:
        """One threat's proof, severity and MITRE chain, from the last analysis this tab was sent."""
        context = self.context
        if not isinstance(threat_id, str) or context is None:
            return
        html = await anyio.to_thread.run_sync(render_detail, context, threat_id, limiter=self.server.limiter)
        if html is not None:
            await self.send({"type": "detail", "id": threat_id, "html": html})

    async def disk_changed(self, keys: set[str]) -> None:
        for key in sorted(keys):
            try:
                text, digest = self.server.folder.read(key)
                await self.send({"type": "disk", "key": key, "text": text, "hash": digest})
            except FileRefused:
                await self.send({"type": "disk", "key": key, "deleted": True})
        if self.current is not None:
            self.schedule()

    async def work(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.current is None:
                continue
            seq = self.seq
            request = EditRequest(self.current, dict(self.buffers))
            try:
                update: LiveUpdate = await anyio.to_thread.run_sync(
                    self.server.analyzer.analyze, request, lambda: seq != self.seq, limiter=self.server.limiter)
            except FileRefused as exc:
                await self.send({"type": "refused", "key": request.current, "message": str(exc)})
                continue
            except Exception as exc:  # a bug of ours: say so, keep serving, never show a traceback
                sys.stderr.write(f"tmlogic serve: internal error while analyzing {request.current}: {exc!r}\n")
                await self.send({"type": "failed", "seq": seq, "message": f"internal error: {type(exc).__name__}"})
                continue
            if seq != self.seq:
                continue  # a newer edit arrived while this one ran: its analysis is on the way
            update.payload["seq"] = seq
            update.payload["dirty"] = sorted(self.buffers)
            if update.context is not None:
                self.context = update.context
            await self.send(update.payload)
            if update.model is None or seq != self.seq:
                continue
            try:
                panel = await anyio.to_thread.run_sync(self.server.diff.panel, update, bool(request.buffers),
                                                       limiter=self.server.limiter)
            except Exception as exc:
                sys.stderr.write(f"tmlogic serve: internal error in the diff panel: {exc!r}\n")
                continue
            if seq == self.seq:
                await self.send({"type": "diff", "seq": seq, "html": panel})


def _refused(exc: FileRefused) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=exc.status)


def build_app(server: Server, *, watch: bool = True) -> Starlette:
    guard = server.guard

    async def page(request: Request) -> Response:
        boot = {
            "token": guard.token,
            "nonce": guard.nonce,
            "entry": server.analyzer.entry,
            "files": server.files(),
            "vocabulary": server.analyzer.vocabulary,
            "root": server.folder.root.name,
        }
        html = html_environment().get_template("serve/page.html.j2").render(
            boot=boot, title=server.analyzer.entry or server.folder.root.name, version=__version__, nonce=guard.nonce)
        return HTMLResponse(html)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return Response("not found\n", status_code=404, media_type="text/plain")
        folder, media = _ASSETS[name]
        body = ((folder or templates_dir()) / name).read_bytes()
        return Response(body, media_type=media)

    async def list_files(request: Request) -> Response:
        return JSONResponse({"files": server.files(), "entry": server.analyzer.entry})

    async def read_file(request: Request) -> Response:
        key = request.query_params.get("path", "")
        try:
            text, digest = server.folder.read(key)
        except FileRefused as exc:
            return _refused(exc)
        return JSONResponse({"key": key, "text": text, "hash": digest, "syntax": _syntax(key)})

    async def save(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except BodyTooLarge as exc:
            return JSONResponse({"error": str(exc)}, status_code=413)
        except (ValueError, UnicodeDecodeError):
            return JSONResponse({"error": "the request is not JSON"}, status_code=400)
        if not isinstance(body, dict) or not isinstance(body.get("path"), str) or not isinstance(body.get("text"), str):
            return JSONResponse({"error": "expected {path, text, base}"}, status_code=400)
        key, text, base = body["path"], body["text"], body.get("base")
        try:
            on_disk = server.folder.disk_hash(key) if server.folder.resolve(key).exists() else None
            if base is not None and on_disk is not None and base != on_disk:
                return JSONResponse({"error": "the file changed on disk since it was loaded", "hash": on_disk},
                                    status_code=409)
            digest = await anyio.to_thread.run_sync(server.folder.write, key, text)
        except FileRefused as exc:
            return _refused(exc)
        return JSONResponse({"key": key, "hash": digest})

    async def websocket(ws: WebSocket) -> None:
        await ws.accept()
        session = Session(server, ws)
        server.sessions.add(session)
        worker = asyncio.create_task(session.work())
        try:
            await session.send({"type": "hello", "entry": server.analyzer.entry})
            while True:
                incoming = await ws.receive()
                if incoming["type"] == "websocket.disconnect":
                    break
                try:
                    message = json.loads(incoming.get("text") or "")
                except ValueError:
                    await session.send({"type": "refused", "message": "messages are JSON text"})
                    continue
                if isinstance(message, dict):
                    await session.handle(message)
        except WebSocketDisconnect:
            pass
        finally:
            server.sessions.discard(session)
            worker.cancel()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = anyio.Event()
        task = asyncio.create_task(_watch(server, stop)) if watch else None
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                task.cancel()

    routes = [
        Route("/", page),
        Route("/static/{name}", static),
        Route("/api/files", list_files),
        Route("/api/file", read_file),
        Route("/api/save", save, methods=["POST"]),
        WebSocketRoute("/ws", websocket),
    ]
    app = Starlette(debug=False, routes=routes, lifespan=lifespan)
    app.add_middleware(GuardMiddleware, guard=guard)
    return app


async def _watch(server: Server, stop: anyio.Event) -> None:
    """Tell every session which model files changed on disk (another editor, git checkout)."""
    from watchfiles import Change, awatch

    folder = server.folder

    def wanted(change: Change, path: str) -> bool:
        return PurePosixPath(path).suffix.lower() in (".md", ".markdown", ".yaml", ".yml")

    async for changes in awatch(folder.root, stop_event=stop, watch_filter=wanted, debounce=150, step=50,
                                recursive=True):
        keys = {k for _, p in changes if (k := folder.key(Path(p))) is not None}
        if not keys:
            continue
        for session in list(server.sessions):
            try:
                await session.disk_changed(keys)
            except Exception:  # a tab that went away mid-send
                server.sessions.discard(session)
