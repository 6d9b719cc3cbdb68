"""The HTTP MCP server's access rules, without a server: tokens, Host and Origin."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from graphmem.errors import UsageError
from graphmem.mcp.http_access import add_token, http_access, is_loopback, read_token_file


def test_tokens_name_their_owner_and_nothing_else(tmp_path: Path) -> None:
    access, summary = http_access(
        "127.0.0.1", 8765, tmp_path / "none", {"GRAPHMEM_MCP_TOKEN": "s3cret"}, "ana"
    )
    assert access.token_name("Bearer s3cret") == "env" and "GRAPHMEM_MCP_TOKEN" in summary
    assert access.token_name("bearer  s3cret ") == "env"
    for header in (None, "", "s3cret", "Basic s3cret", "Bearer s3cre", "Bearer s3cret2", "Bearer"):
        assert access.token_name(header) is None, header
    assert not (tmp_path / "none").exists()  # an env token: no file generated


def test_hosts_and_origins(tmp_path: Path) -> None:
    env = {"GRAPHMEM_MCP_TOKEN": "t", "GRAPHMEM_MCP_TOKEN_NAME": "ci"}
    access, _ = http_access("10.0.0.5", 9000, tmp_path / "f", env, "ana", ["mem.internal"])
    for host in ("10.0.0.5:9000", "localhost:9000", "[::1]:9000", "MEM.internal:9000"):
        assert access.host_allowed(host), host
    for host in (
        None,
        "",
        "10.0.0.5",
        "10.0.0.5:9001",
        "evil.example:9000",
        "mem.internal.evil:9000",
    ):
        assert not access.host_allowed(host), host
    assert access.origin_allowed(None)
    assert access.origin_allowed("https://mem.internal:9000")
    for origin in (
        "null",
        "http://evil.example",
        "file://localhost:9000",
        "http://10.0.0.5:9000.x",
    ):
        assert not access.origin_allowed(origin), origin
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("0.0.0.0")


def test_token_files_are_private_and_generated_only_on_loopback(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="without a token"):
        http_access("0.0.0.0", 8765, tmp_path / "tokens", {}, "ana")
    assert not (tmp_path / "tokens").exists()
    access, summary = http_access("127.0.0.1", 8765, tmp_path / "tokens", {}, "ana")
    assert list(access.tokens) == ["ana"] and "generated" in summary
    assert stat.S_IMODE((tmp_path / "tokens").stat().st_mode) == 0o600
    token = add_token(tmp_path / "tokens", "ci-bot")
    assert read_token_file(tmp_path / "tokens")["ci-bot"] == token
    with pytest.raises(UsageError, match="already has a token"):
        add_token(tmp_path / "tokens", "ci-bot")
    with pytest.raises(UsageError, match="one word"):
        add_token(tmp_path / "tokens", "two words")
    (tmp_path / "tokens").chmod(0o640)
    with pytest.raises(UsageError, match="chmod 600"):
        read_token_file(tmp_path / "tokens")


def test_a_server_on_another_loopback_address_answers_to_it(tmp_path: Path) -> None:
    env = {"GRAPHMEM_MCP_TOKEN": "t"}
    access, summary = http_access("127.0.0.2", 18766, tmp_path / "f", env, "ana")
    assert access.host_allowed("127.0.0.2:18766") and "127.0.0.2:18766" in summary
    assert not access.host_allowed("127.0.0.3:18766")
