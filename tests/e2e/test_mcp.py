"""The MCP server end to end: spawned as `graphmem mcp` over stdio, driven by the SDK's client.

The store is the fixture repository tests/fixtures/query_repo, ingested with its git history.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.conftest import git

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "query_repo"
TOOLS = {
    "context",
    "impact",
    "search",
    "prompt",
    "remember",
    "supersede",
    "retract",
    "cypher",
    "status",
    "review",
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """The fixture repository in a git repo of its own, ingested into an embedded store."""
    root = tmp_path_factory.mktemp("mcp")
    repo = root / "shop"
    shutil.copytree(FIXTURE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Add the shop")
    tax = repo / "src/shop/billing/tax.py"
    tax.write_text(tax.read_text() + "\n\ndef rate() -> int:\n    return RATE\n")
    git(repo, "commit", "-q", "-am", "Expose the tax rate")
    store = root / "graph.db"
    env = {
        **os.environ,
        "GRAPHMEM_AUTHOR": "ana",
        "GRAPHMEM_USER": "ana",
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    env.pop("GRAPHMEM_STORE", None)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "graphmem.cli.main",
            "ingest",
            "--store",
            str(store),
            "--repo",
            str(repo),
            "--history",
            "10",
        ],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return repo, store, env


def _session(shop: tuple[Path, Path, dict[str, str]]) -> Any:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    repo, store, env = shop
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "graphmem.cli.main", "mcp", "--store", str(store), "--repo", str(repo)],
        env=env,
        cwd=str(repo),
    )
    return Client(params, read_timeout_seconds=300)


def _text(result: Any) -> str:
    return "\n".join(part.text for part in result.content if getattr(part, "text", None))


@pytest.mark.timeout(900)
def test_tools_over_stdio(shop: tuple[Path, Path, dict[str, str]]) -> None:
    async def main() -> None:
        async with _session(shop) as client:
            tools = (await client.list_tools()).tools
            assert {t.name for t in tools} == TOOLS
            for tool in tools:
                assert tool.description and len(tool.description) > 60, tool.name
                assert tool.input_schema["type"] == "object"

            status = _text(await client.call_tool("status", {}))
            assert "Module" in status and "repository: shop" in status

            remembered = await client.call_tool(
                "remember",
                {
                    "kind": "decision",
                    "text": "Invoices are immutable once sent; corrections are credit notes",
                    "governs": ["src/shop/billing/"],
                    "rationale": "auditors need an unchanged trail",
                },
            )
            assert not remembered.is_error, _text(remembered)
            first = _text(remembered).split()[1]
            assert first.startswith("d-")

            context = _text(
                await client.call_tool("context", {"target": "src/shop/billing/invoices.py"})
            )
            assert f"[{first}]" in context
            assert "governs src/shop/billing/, which contains the target" in context
            assert "called by shop.orders.checkout" in context

            found = _text(
                await client.call_tool(
                    "search", {"query": "can an invoice be changed after sending"}
                )
            )
            from graphmem.memory.quoting import QUOTE_HEADER, read_quotes

            assert found.startswith(QUOTE_HEADER)
            quotes = read_quotes(found)
            assert quotes[0].labels.startswith(f'{first} · decision · author "ana"')
            assert quotes[0].text.startswith("Invoices are immutable once sent")

            rows = await client.call_tool(
                "cypher",
                {
                    "query": "MATCH (m:Module) WHERE m.path = $p RETURN m.qualified_name AS name",
                    "params": {"p": "src/shop/orders.py"},
                },
            )
            assert json.loads(_text(rows)) == [{"name": "shop.orders"}]

            impact = _text(
                await client.call_tool("impact", {"target": "shop.billing.invoices.Invoice"})
            )
            assert "shop.orders.checkout" in impact and "tests.test_orders.test_checkout" in impact

            second = await client.call_tool(
                "remember",
                {
                    "kind": "decision",
                    "text": "Sent invoices are corrected only by issuing a credit note",
                    "governs": ["src/shop/billing/"],
                    "supersedes": [first],
                },
            )
            second_id = _text(second).split()[1]
            context = _text(
                await client.call_tool("context", {"target": "src/shop/billing/tax.py"})
            )
            assert f"[{second_id}]" in context and f"[{first}]" not in context
            assert "Expose the tax rate" in context  # recent commits that touched it
            history = _text(
                await client.call_tool(
                    "context", {"target": "src/shop/billing/tax.py", "history": True}
                )
            )
            assert f"[{first}] decision [superseded]" in history

            pack = _text(
                await client.call_tool(
                    "prompt",
                    {
                        "task": "change the tax rate",
                        "files": ["src/shop/billing/tax.py"],
                        "budget": 300,
                    },
                )
            )
            assert pack.startswith("# Context pack") and f"[{second_id}]" in pack

    anyio.run(main)


@pytest.mark.timeout(600)
def test_errors_are_one_line_tool_errors(shop: tuple[Path, Path, dict[str, str]]) -> None:
    async def main() -> None:
        async with _session(shop) as client:
            write = await client.call_tool("cypher", {"query": "MATCH (n) DETACH DELETE n"})
            assert write.is_error
            assert "only reads" in _text(write) and "\n" not in _text(write)
            assert "--write" not in _text(write)  # not an argument an agent can pass
            for tool, arguments, said in (
                ("context", {}, "the argument 'target' is required"),
                ("remember", {"kind": "decision", "text": "x", "governs": "a.py"}, "governs"),
            ):
                wrong = await client.call_tool(tool, arguments)
                assert wrong.is_error and said in _text(wrong), _text(wrong)
                assert "\n" not in _text(wrong) and "pydantic" not in _text(wrong)
            missing = await client.call_tool("context", {"target": "src/shop/nope.py"})
            assert missing.is_error and "no code entity" in _text(missing)
            assert "\n" not in _text(missing)
            bad = await client.call_tool(
                "impact", {"target": "src/shop/orders.py", "depth": "deep"}
            )
            assert bad.is_error
            status = _text(await client.call_tool("status", {}))
            assert "Module" in status  # the graph survived the refused write

    anyio.run(main)
