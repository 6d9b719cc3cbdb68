"""The MCP `review` tool over stdio, with the SDK client, on the shop repository."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory.quoting import read_quotes
from tests.e2e.conftest import child_env
from tests.unit.review.review_repo import build_shop_repo


def _text(result: Any) -> str:
    return "\n".join(part.text for part in result.content if getattr(part, "text", None))


@pytest.mark.timeout(600)
def test_review_tool_serves_the_change_and_what_is_at_stake(tmp_path: Path) -> None:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    repo = build_shop_repo(tmp_path)
    store = tmp_path / "graph.db"
    env = child_env()
    cli = [sys.executable, "-m", "graphmem.cli.main", "--store", str(store)]
    subprocess.run([*cli, "ingest"], cwd=repo.root, env=env, check=True, capture_output=True)
    subprocess.run(
        [*cli, "remember", "constraint", "charge must be idempotent",
         "--governs", "shop.payments.charge"],
        cwd=repo.root, env=env, check=True, capture_output=True,
    )  # fmt: skip
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "graphmem.cli.main", "mcp", "--store", str(store), "--repo", str(repo.root)],
        env=env,
        cwd=str(repo.root),
    )

    async def main() -> tuple[str, Any]:
        async with Client(params, read_timeout_seconds=300) as client:
            ok = _text(await client.call_tool("review", {"base": repo.base, "head": repo.head}))
            bad = await client.call_tool("review", {"base": "no-such-ref"})
            return ok, bad

    text, bad = asyncio.run(main())
    assert "8 changed entities in 5 files" in text
    assert "renamed  Function shop.payments.double" in text
    assert [q.text for q in read_quotes(text)] == ["charge must be idempotent"]
    assert "changed shop.orders.checkout uses shop.payments.charge" in text
    assert bad.is_error and "unknown revision 'no-such-ref'" in _text(bad)
    assert len(_text(bad).splitlines()) == 1
