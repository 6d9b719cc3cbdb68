"""The viewer's HTTP server: stdlib ThreadingHTTPServer on the loopback interface only.

Three checks guard every request, because any web page the user opens can reach 127.0.0.1:
- the Host header must name this server (127.0.0.1 or localhost, this port), so a hostile
  name re-pointed at 127.0.0.1 (DNS rebinding) is refused;
- the per-run token must come with it, as ?token= (the first load, which then sets a cookie) or
  that cookie, compared in constant time;
- writes are POSTs carrying the token in the X-GraphMem-Token header, from no other Origin;
  a cross-site form can set neither the header nor a JSON body without a preflight we never
  answer.
"""

from __future__ import annotations

import hmac
import html
import json
import os
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from graphmem.api import GraphMem
from graphmem.errors import ConflictError, GraphMemError, NotFoundError, UsageError
from graphmem.ui import endpoints

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
COOKIE = "graphmem_ui_token"
TOKEN_HEADER = "X-GraphMem-Token"
MAX_BODY = 64 * 1024
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Reader = Callable[[GraphMem, dict[str, str]], dict[str, Any]]
Writer = Callable[[GraphMem, dict[str, Any]], dict[str, Any]]
READS: dict[str, Reader] = {
    "/api/tree": lambda gm, q: endpoints.tree(gm),
    "/api/search": lambda gm, q: endpoints.search(gm, q.get("q", "")),
    "/api/entity": lambda gm, q: endpoints.entity(gm, q.get("target", "")),
    "/api/memory": lambda gm, q: endpoints.memory(gm, q.get("id", "")),
    "/api/stale": lambda gm, q: endpoints.stale(gm),
}
WRITES: dict[str, Writer] = {
    "/api/acknowledge": endpoints.acknowledge,
    "/api/supersede": endpoints.supersede,
    "/api/retract": endpoints.retract,
}


@dataclass
class Viewer:
    """One run of the viewer: the GraphMem it serves, its port and its secret token."""

    gm: GraphMem
    port: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    #: one API call at a time: the store and the embedder are shared by the request threads
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def allowed_hosts(self) -> set[str]:
        return {f"{host}:{self.port}" for host in LOOPBACK_HOSTS}

    def allowed_origins(self) -> set[str]:
        return {f"http://{host}" for host in self.allowed_hosts()}

    @property
    def cookie(self) -> str:
        """The token's cookie, named for this port: cookies are kept per host, not per port,
        so two viewers (or any other server on 127.0.0.1) would otherwise share it."""
        return f"{COOKIE}_{self.port}"

    def token_matches(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(
            candidate.encode("utf-8"), self.token.encode("utf-8")
        )


def launch_file(viewer: Viewer, folder: Path) -> Path:
    """A page (readable by its owner only) that sends the browser on to the viewer: opening the
    viewer's URL itself would put its token in the browser's command line, which every user of
    the machine can read (`ps`). The caller removes it when the viewer stops."""
    page = folder / f"graphmem-ui-{viewer.port}.html"
    descriptor = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(
            '<!doctype html><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0;url={html.escape(viewer.url)}">'
            "<title>graphmem ui</title>"
        )
    return page


def check_address(host: str, port: int) -> None:
    """The viewer listens on the loopback interface only, on a port that exists."""
    if host not in LOOPBACK_HOSTS:
        raise UsageError(f"--host {host!r} is not allowed: the viewer binds to 127.0.0.1 only")
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is out of range: use 1-65535 (or 0 for any free port)")


def create_server(
    gm: GraphMem, host: str = "127.0.0.1", port: int = 0
) -> tuple[ThreadingHTTPServer, Viewer]:
    """Bind the viewer (port 0: any free port); any host but the loopback one is refused."""
    check_address(host, port)
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), ViewerHandler)
    except OSError as error:
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port} ({error.strerror}): try --port N"
        ) from error
    server.daemon_threads = True
    viewer = Viewer(gm, server.server_address[1])
    server.viewer = viewer  # type: ignore[attr-defined]
    return server, viewer


class ViewerHandler(BaseHTTPRequestHandler):
    server_version = "graphmem-ui"
    sys_version = ""

    @property
    def viewer(self) -> Viewer:
        viewer: Viewer = self.server.viewer  # type: ignore[attr-defined]
        return viewer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        """Requests go unlogged: their URLs carry the token."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if not self._host_ok():
            return self._send_error(
                HTTPStatus.FORBIDDEN, "unknown Host: open the URL graphmem ui printed"
            )
        from_query = self.viewer.token_matches(query.get("token"))
        if not (from_query or self.viewer.token_matches(self._cookie_token())):
            return self._send_error(
                HTTPStatus.FORBIDDEN, "missing or wrong token: open the URL graphmem ui printed"
            )
        if url.path in STATIC:
            name, content_type = STATIC[url.path]
            body = resources.files("graphmem.ui").joinpath("static", name).read_bytes()
            return self._send(HTTPStatus.OK, body, content_type, set_cookie=from_query)
        reader = READS.get(url.path)
        if reader is None:
            return self._send_error(HTTPStatus.NOT_FOUND, f"no such page: {url.path}")
        self._answer(lambda gm: reader(gm, query))

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if not self._host_ok():
            return self._send_error(
                HTTPStatus.FORBIDDEN, "unknown Host: open the URL graphmem ui printed"
            )
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.viewer.allowed_origins():
            return self._send_error(HTTPStatus.FORBIDDEN, "cross-origin write refused")
        if not self.viewer.token_matches(self.headers.get(TOKEN_HEADER)):
            return self._send_error(
                HTTPStatus.FORBIDDEN, f"writes need the token in {TOKEN_HEADER}"
            )
        writer = WRITES.get(url.path)
        if writer is None:
            return self._send_error(HTTPStatus.NOT_FOUND, f"no such action: {url.path}")
        body = self._json_body()
        if body is None:
            return self._send_error(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        self._answer(lambda gm: writer(gm, body))

    def _answer(self, call: Callable[[GraphMem], dict[str, Any]]) -> None:
        try:
            with self.viewer.lock:
                data = call(self.viewer.gm)
        except GraphMemError as error:
            return self._send_error(_status_of(error), str(error).strip().splitlines()[0])
        except Exception as error:  # one line for the page; the server keeps serving
            print(f"graphmem: ui: {type(error).__name__}: {error}", file=sys.stderr)
            return self._send_error(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(error).__name__}"
            )
        body = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
        self._send(HTTPStatus.OK, body, "application/json; charset=utf-8")

    def _host_ok(self) -> bool:
        return self.headers.get("Host", "") in self.viewer.allowed_hosts()

    def _cookie_token(self) -> str | None:
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie", ""))
        except Exception:
            return None
        morsel = cookie.get(self.viewer.cookie)
        return morsel.value if morsel else None

    def _json_body(self) -> dict[str, Any] | None:
        if "application/json" not in self.headers.get("Content-Type", ""):
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return None
        if not 0 <= length <= MAX_BODY:
            return None
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    def _send_error(self, status: HTTPStatus, message: str) -> None:
        body = json.dumps({"error": message}).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _send(
        self, status: HTTPStatus, body: bytes, content_type: str, set_cookie: bool = False
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        if set_cookie:
            self.send_header(
                "Set-Cookie",
                f"{self.viewer.cookie}={self.viewer.token}; Path=/; HttpOnly; SameSite=Strict",
            )
        self.end_headers()
        self.wfile.write(body)


def _status_of(error: GraphMemError) -> HTTPStatus:
    if isinstance(error, UsageError):
        return HTTPStatus.BAD_REQUEST
    if isinstance(error, NotFoundError):
        return HTTPStatus.NOT_FOUND
    if isinstance(error, ConflictError):
        return HTTPStatus.CONFLICT
    return HTTPStatus.INTERNAL_SERVER_ERROR
