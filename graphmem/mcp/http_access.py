"""Who may talk to the HTTP MCP server: named bearer tokens, and Host/Origin checks.

Every HTTP request must carry `Authorization: Bearer <token>` naming one of the server's tokens;
the token's name is recorded as the author of what the request writes. Tokens come from
`GRAPHMEM_MCP_TOKEN` (named by `GRAPHMEM_MCP_TOKEN_NAME`, default `env`) or from a token file of
`NAME TOKEN` lines that nobody but its owner may read (mode 0600, like an SSH key). On a
loopback address, a missing token file is generated with one token; any other address is
refused unless a token was set up on purpose.

Before the token, the `Host` and `Origin` headers are checked against the names the server is
reached by, as the MCP specification asks of HTTP servers: a web page that rebinds its own DNS
name to 127.0.0.1 sends its own name in `Host` and `Origin`, and is refused before it can try.
Tokens are compared in constant time, against every token, whichever matches.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphmem.errors import UsageError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "TOKEN_FILE_NAME",
    "AccessGuard",
    "HttpAccess",
    "add_token",
    "http_access",
    "is_loopback",
]

TOKEN_FILE_NAME = "mcp-tokens"

#: Where the guard leaves the authenticated token's name for the tools (Starlette's request.state).
TOKEN_NAME_STATE = "graphmem_token_name"

_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class HttpAccess:
    """The tokens the server accepts (name -> token) and the Host values it answers to."""

    tokens: Mapping[str, str]
    hosts: frozenset[str]

    def token_name(self, authorization: str | None) -> str | None:
        """The name of the token in an Authorization header, or None; constant time."""
        scheme, _, given = (authorization or "").partition(" ")
        offered = hashlib.sha256(given.strip().encode()).digest()
        found: str | None = None
        for name, token in self.tokens.items():
            expected = hashlib.sha256(token.encode()).digest()
            if hmac.compare_digest(offered, expected) and scheme.lower() == "bearer":
                found = found or name
        return found

    def host_allowed(self, host: str | None) -> bool:
        return bool(host) and (host or "").lower() in self.hosts

    def origin_allowed(self, origin: str | None) -> bool:
        """No Origin (a non-browser client) is fine; a browser's must be one of our hosts."""
        if origin is None:
            return True
        scheme, sep, rest = origin.lower().partition("://")
        return bool(sep) and scheme in ("http", "https") and rest.rstrip("/") in self.hosts


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def http_access(
    host: str,
    port: int,
    token_file: Path,
    env: Mapping[str, str],
    default_name: str,
    allow_hosts: Iterable[str] = (),
) -> tuple[HttpAccess, str]:
    """The access rules for a server bound to host:port, and one line saying where tokens are.

    Raises UsageError, before anything listens, when a non-loopback address has no token or the
    token file is readable by others.
    """
    tokens: dict[str, str] = {}
    where: list[str] = []
    if env.get("GRAPHMEM_MCP_TOKEN"):
        tokens[env.get("GRAPHMEM_MCP_TOKEN_NAME") or "env"] = env["GRAPHMEM_MCP_TOKEN"]
        where.append("GRAPHMEM_MCP_TOKEN")
    if token_file.exists():
        tokens.update(read_token_file(token_file))
        where.append(str(token_file))
    if not tokens:
        if not is_loopback(host):
            raise UsageError(
                f"refusing to serve MCP on {host} without a token: set GRAPHMEM_MCP_TOKEN or "
                f"create one with `graphmem mcp --new-token NAME` (written to {token_file})"
            )
        add_token(token_file, default_name)
        tokens.update(read_token_file(token_file))
        where.append(f"{token_file} (generated)")
    names = {h.lower() for h in _LOOPBACK_NAMES}
    if host not in ("0.0.0.0", "::"):  # the address it is bound to (127.0.0.2 is loopback too)
        names.add(f"[{host}]" if ":" in host else host.lower())
    names.update(h.lower() for h in allow_hosts)
    hosts = {name if _has_port(name) else f"{name}:{port}" for name in names}
    summary = (
        f"tokens ({', '.join(sorted(tokens))}) from {' and '.join(where)}; "
        f"answering to Host {', '.join(sorted(hosts))}"
    )
    return HttpAccess(tokens=tokens, hosts=frozenset(hosts)), summary


def _has_port(name: str) -> bool:
    return name.rsplit("]", 1)[-1].count(":") == 1


def read_token_file(path: Path) -> dict[str, str]:
    """`NAME TOKEN` lines ('#' comments); refused if group or others may read or write it."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError(
            f"{path} may be read by others (mode {stat.S_IMODE(mode):04o}): run `chmod 600 {path}`"
        )
    tokens: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, token = line.partition(" ")
        if not token.strip():
            raise UsageError(f"{path} line {number}: expected `NAME TOKEN`")
        tokens[name] = token.strip()
    return tokens


def add_token(path: Path, name: str) -> str:
    """Append a new random token named `name` to the token file (created 0600); returns it."""
    if not name or any(c.isspace() for c in name):
        raise UsageError(f"a token name is one word, not {name!r}")
    if path.exists() and name in read_token_file(path):
        raise UsageError(f"{path} already has a token named {name!r}: pick another name")
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fp:
        fp.write(f"{name} {token}\n")
    return token


class AccessGuard:
    """ASGI middleware in front of the MCP app: Host, then Origin, then the bearer token."""

    def __init__(self, app: ASGIApp, access: HttpAccess) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.datastructures import Headers
        from starlette.responses import PlainTextResponse

        headers = Headers(scope=scope)
        refusal: tuple[int, str, dict[str, str]] | None = None
        name = self.access.token_name(headers.get("authorization"))
        if not self.access.host_allowed(headers.get("host")):
            refusal = (421, "Host header not accepted by this server", {})
        elif not self.access.origin_allowed(headers.get("origin")):
            refusal = (403, "Origin not accepted by this server", {})
        elif name is None:
            refusal = (
                401,
                "missing or unknown bearer token",
                {"WWW-Authenticate": 'Bearer realm="graphmem"'},
            )
        if refusal is not None:
            status, message, extra = refusal
            await PlainTextResponse(message, status_code=status, headers=extra)(
                scope, receive, send
            )
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state[TOKEN_NAME_STATE] = name
        await self.app(scope, receive, send)
