"""What stands between the editor's server and everything else that can reach its port.

- Host header: only the names the server was started for (127.0.0.1, localhost, [::1], or the
  --host given), so a web page whose DNS name is rebound to 127.0.0.1 gets 400, never a model.
- A per-session token (random, 256 bits), printed once in the URL `tmlogic serve` opens. `/?token=`
  swaps it for an HttpOnly, SameSite=Strict cookie; every other request needs that cookie.
- Writes (POST) and the WebSocket also need the token in a header or the URL, and an Origin equal
  to the server's own: a page of another site or port cannot save a file or listen to the analysis.
- Request bodies are capped (MAX_BODY_BYTES, and WebSocket messages by uvicorn's ws_max_size).
- Every response carries a strict Content-Security-Policy (scripts and styles from this server
  only, no inline script, connections only back to it) and headers that forbid framing, sniffing
  and caching.

The checks are one ASGI middleware, so no route can forget them.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from ..typing_runtime import Any

__all__ = ["Guard", "COOKIE", "TOKEN_HEADER", "MAX_BODY_BYTES", "MAX_WS_MESSAGE_BYTES", "is_loopback"]

COOKIE = "tmlogic_session"
TOKEN_HEADER = "x-tmlogic-token"
MAX_BODY_BYTES = 4 * 1024 * 1024  # a model (2 MiB at most, files.MAX_FILE_BYTES) as JSON, with room to spare
MAX_WS_MESSAGE_BYTES = 4 * 1024 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return False


@dataclass
class Guard:
    """The session's secrets and the addresses it answers to."""

    host: str  # as bound: 127.0.0.1, ::1, 0.0.0.0, a name...
    port: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))  # CodeMirror's own styles

    def host_allowed(self, header: str) -> bool:
        """A Host header names this server: a loopback name, or the --host given, with our port.
        Bound to every address (0.0.0.0, ::), any IP literal is fine: DNS rebinding needs a name."""
        name, _, port = header.rpartition(":") if not header.endswith("]") else (header, "", "")
        if not name or port != str(self.port):
            return False
        name = name.lower()
        if name in _LOOPBACK_NAMES:
            return True
        bound = self.host.lower()
        if name == bound or name == f"[{bound}]":
            return True
        return bound in ("0.0.0.0", "::") and _is_ip_literal(name)

    def token_ok(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode("utf-8", "replace"), self.token.encode("ascii"))

    def csp(self, host: str) -> str:
        return ("default-src 'none'; script-src 'self'; "
                f"style-src 'self' 'nonce-{self.nonce}'; img-src 'self' data:; font-src 'self'; "
                f"connect-src 'self' ws://{host}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        if shown in ("0.0.0.0", "[::]"):
            shown = "127.0.0.1"
        return f"http://{shown}:{self.port}/?token={self.token}"


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        out.setdefault(k.decode("latin-1").lower(), v.decode("latin-1"))
    return out


def _cookie(headers: dict[str, str]) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header is the client's problem: treat it as absent
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def _security_headers(guard: Guard, host: str) -> list[tuple[bytes, bytes]]:
    pairs = {
        "content-security-policy": guard.csp(host),
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-resource-policy": "same-origin",
        "cache-control": "no-store",
    }
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs.items()]


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = (text + "\n").encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Host check, session token, same-origin writes and WebSockets, body limit, security headers."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host", "")
        if not self.guard.host_allowed(host):
            await self._refuse(scope, send, 400, "tmlogic serve: this Host header is not allowed "
                                                 "(open the address tmlogic serve printed)")
            return
        origin = f"http://{host}"
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [None])[0]
        if scope["type"] == "websocket":
            if headers.get("origin") != origin or not self.guard.token_ok(given) \
                    or not self.guard.token_ok(_cookie(headers)):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        extra = _security_headers(self.guard, host)
        method = scope.get("method", "GET")
        if scope.get("path") == "/" and given is not None and method == "GET":
            if not self.guard.token_ok(given):
                await _plain(send, 403, "tmlogic serve: wrong token; open the address tmlogic serve printed", extra)
                return
            cookie = f"{COOKIE}={self.guard.token}; HttpOnly; SameSite=Strict; Path=/"
            await send({"type": "http.response.start", "status": 303,
                        "headers": extra + [(b"location", b"/"), (b"set-cookie", cookie.encode("latin-1")),
                                            (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        if not self.guard.token_ok(_cookie(headers)):
            await _plain(send, 403, "tmlogic serve: no session; open the address tmlogic serve printed "
                                    "(it ends with ?token=...)", extra)
            return
        if method not in ("GET", "HEAD"):
            if headers.get("origin") != origin or headers.get("sec-fetch-site", "same-origin") != "same-origin" \
                    or not self.guard.token_ok(headers.get(TOKEN_HEADER)):
                await _plain(send, 403, "tmlogic serve: cross-origin or unauthenticated write refused", extra)
                return
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError:
                length = MAX_BODY_BYTES + 1
            if length > MAX_BODY_BYTES:
                await _plain(send, 413, f"tmlogic serve: request larger than {MAX_BODY_BYTES} bytes", extra)
                return
            receive = _capped(receive, MAX_BODY_BYTES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [h for h in message.get("headers", [])
                                      if h[0].lower() not in {k for k, _ in extra}] + extra
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _refuse(self, scope: Scope, send: Send, status: int, text: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await _plain(send, status, text)


class BodyTooLarge(Exception):
    pass


def _capped(receive: Receive, limit: int) -> Receive:
    """A receive that fails once the body passes `limit` (a body sent without Content-Length)."""
    seen = 0

    async def inner() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(f"request body larger than {limit} bytes")
        return message

    return inner
