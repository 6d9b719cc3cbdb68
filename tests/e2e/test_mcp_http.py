"""The HTTP MCP server's trust boundary, end to end: `graphmem mcp --transport http` in a child
process on 127.0.0.1, driven by raw HTTP (http.client, so every header is ours to set) and by
the MCP SDK's own streamable-HTTP client.

Proved here: no request without the token succeeds (the HTTP status, and nothing written);
rebinding Host and Origin headers are refused even with a valid token; a read-only server lists
no write tool; the token's name is the author of what is written through it; a non-loopback
address without a token, and a token file others may read, refuse to start with one line.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from graphmem.mcp.server import WRITE_TOOLS
from graphmem.model.graph import Label
from graphmem.store.embedded import EmbeddedStore

FIXTURE_REPO = Path(__file__).resolve().parents[1] / "fixtures" / "pyrepo"
TOKEN = "t0k3n-for-the-http-tests-9c1f2e"
ALL_TOOLS = {"context", "impact", "search", "prompt", "cypher", "status", "review"} | WRITE_TOOLS


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("mcp-http")
    repo = root / "shop"
    shutil.copytree(FIXTURE_REPO, repo)
    store = root / "graph.db"
    subprocess.run(
        [sys.executable, "-m", "graphmem.cli.main", "ingest", "--history", "0"]
        + ["--store", str(store), "--repo", str(repo)],
        env=_env(),
        check=True,
        capture_output=True,
        timeout=600,
    )
    return repo, store


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPHMEM_")}
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", GRAPHMEM_AUTHOR="server-owner")
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(
    repo: Path, store: Path, *args: str, **env: str
) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "graphmem.cli.main", "mcp", "--transport", "http"]
        + ["--port", str(port), "--store", str(store), "--repo", str(repo), *args],
        env=_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"server exited: {proc.communicate()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError("server did not start listening")
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _post(port: int, body: Any, headers: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    """One raw POST to /mcp; `Host` is set from `headers` when given."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("POST", "/mcp", skip_host="Host" in headers)
        payload = json.dumps(body).encode()
        base = {
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "Content-Length": str(len(payload)),
        }
        for name, value in {**base, **headers}.items():
            conn.putheader(name, value)
        conn.endheaders(payload)
        response = conn.getresponse()
        return response.status, response.read().decode(), dict(response.getheaders())
    finally:
        conn.close()


def _initialize(port: int, headers: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    return _post(
        port,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "1"},
            },
        },
        headers,
    )


def _remember_call(text: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "remember", "arguments": {"kind": "fact", "text": text}},
    }


def _memories(store: Path) -> int:
    with EmbeddedStore(str(store)) as opened:
        return len(list(opened.iter_nodes(Label.MEMORY)))


def _sdk(port: int, token: str) -> Any:
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http))


def _text(result: Any) -> str:
    return "\n".join(part.text for part in result.content if getattr(part, "text", None))


@pytest.mark.timeout(600)
def test_no_request_without_the_token_succeeds(ingested: tuple[Path, Path]) -> None:
    repo, store = ingested
    before = _memories(store)
    with _server(repo, store, GRAPHMEM_MCP_TOKEN=TOKEN, GRAPHMEM_MCP_TOKEN_NAME="ci-bot") as (
        port,
        _,
    ):
        refused = [
            {},
            {"Authorization": "Bearer wrong-token"},
            {"Authorization": f"Bearer {TOKEN}x"},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": TOKEN},
            {"Authorization": "Bearer "},
        ]
        for headers in refused:
            status, _, response_headers = _initialize(port, headers)
            assert status == 401, headers
            assert response_headers.get("www-authenticate", "").startswith("Bearer")
        # a session opened with the token does not carry later requests made without it
        status, _, opened = _initialize(port, {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
        session = {"mcp-session-id": opened["mcp-session-id"], "mcp-protocol-version": "2025-06-18"}
        for headers in refused:
            status, body, _ = _post(
                port, _remember_call("written without a token"), {**session, **headers}
            )
            assert status == 401, (headers, body)
    assert _memories(store) == before, "a refused request wrote a memory"


@pytest.mark.timeout(600)
def test_rebinding_hosts_and_origins_are_refused(ingested: tuple[Path, Path]) -> None:
    repo, store = ingested
    with _server(repo, store, GRAPHMEM_MCP_TOKEN=TOKEN) as (port, _):
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", ""):
            status, _, _ = _initialize(port, {**auth, "Host": host})
            assert status == 421, host
        for origin in (
            "http://evil.example",
            f"http://evil.example:{port}",
            f"http://127.0.0.1:{port}.evil.example",
            "null",
            f"file://127.0.0.1:{port}",
        ):
            status, _, _ = _initialize(port, {**auth, "Origin": origin})
            assert status == 403, origin
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            status, _, _ = _initialize(port, {**auth, "Host": host, "Origin": f"http://{host}"})
            assert status == 200, host


@pytest.mark.timeout(600)
def test_the_token_name_is_the_author_of_writes(ingested: tuple[Path, Path]) -> None:
    repo, store = ingested

    async def main(port: int) -> str:
        async with _sdk(port, TOKEN) as client:
            assert {t.name for t in (await client.list_tools()).tools} == ALL_TOOLS
            result = await client.call_tool(
                "remember", {"kind": "fact", "text": "Prices are stored in cents", "tags": ["http"]}
            )
            assert not result.is_error, _text(result)
            return _text(result).split()[1]

    with _server(repo, store, GRAPHMEM_MCP_TOKEN=TOKEN, GRAPHMEM_MCP_TOKEN_NAME="ci-bot") as (
        port,
        _,
    ):
        memory_id = anyio.run(main, port)
    with EmbeddedStore(str(store)) as opened:
        memory = opened.get_node(memory_id)
        assert memory is not None and memory.get("author") == "ci-bot"
        events = [
            e for e in opened.iter_nodes(Label.EVENT) if memory_id in (e.get("memory_ids") or [])
        ]
        assert [e.get("author") for e in events] == ["ci-bot"]


@pytest.mark.timeout(600)
def test_a_read_only_server_lists_no_write_tools(ingested: tuple[Path, Path]) -> None:
    repo, store = ingested
    before = _memories(store)

    async def main(port: int) -> None:
        async with _sdk(port, TOKEN) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert names == ALL_TOOLS - WRITE_TOOLS
            for tool in sorted(WRITE_TOOLS):
                result = await client.call_tool(tool, {"kind": "fact", "text": "no"})
                assert result.is_error, tool
            status = _text(await client.call_tool("status", {}))
            assert "Module" in status

    with _server(repo, store, "--read-only", GRAPHMEM_MCP_TOKEN=TOKEN) as (port, _):
        anyio.run(main, port)
    assert _memories(store) == before


@pytest.mark.timeout(600)
def test_a_generated_token_file_is_private_and_works(
    ingested: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, store = ingested
    token_file = tmp_path / "tokens"

    async def main(port: int, token: str) -> None:
        async with _sdk(port, token) as client:
            assert "Module" in _text(await client.call_tool("status", {}))

    with _server(repo, store, "--token-file", str(token_file)) as (port, _):
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        name, token = token_file.read_text().split()
        assert name == "server-owner" and len(token) >= 40
        anyio.run(main, port, token)


def _start_fails(repo: Path, store: Path, *args: str, **env: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "graphmem.cli.main", "mcp", "--transport", "http"]
        + ["--port", str(_free_port()), "--store", str(store), "--repo", str(repo), *args],
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("graphmem: error: "), proc.stderr
    return lines[0]


def test_refusals_to_start_are_one_line(
    ingested: tuple[Path, Path], tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    repo, store = ingested
    missing = tmp_path / "none"
    error = _start_fails(repo, store, "--host", "0.0.0.0", "--token-file", str(missing))
    assert "without a token" in error and "--new-token" in error
    assert not missing.exists(), "a refused start wrote a token file"
    readable = tmp_path / "open-tokens"
    readable.write_text(f"ana {TOKEN}\n")
    readable.chmod(0o644)
    error = _start_fails(repo, store, "--token-file", str(readable))
    assert "chmod 600" in error

    created = run_cli("mcp", "--new-token", "ci-bot", "--token-file", str(missing), "--json")
    assert created.code == 0, created.err
    assert created.json()["name"] == "ci-bot"
    assert missing.read_text() == f"ci-bot {created.json()['token']}\n"
    assert stat.S_IMODE(missing.stat().st_mode) == 0o600
    again = run_cli("mcp", "--new-token", "ci-bot", "--token-file", str(missing))
    assert again.code == 2 and "already has a token named 'ci-bot'" in again.err
