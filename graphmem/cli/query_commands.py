"""Query commands: context, impact, search, prompt, cypher, query (named queries), mcp."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from graphmem.cli.context import open_graphmem
from graphmem.cli.output import HelpFormatter, emit, print_json, to_jsonable

if TYPE_CHECKING:
    from graphmem.api import GraphMem


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add this group's sub-commands."""
    p = subparsers.add_parser(
        "context",
        parents=[common],
        formatter_class=HelpFormatter,
        help="what to know before changing TARGET",
        description=(
            "The memories that govern TARGET, an ancestor of it or anything it contains (each "
            "with why it applies; stale and orphaned ones flagged), memories on its direct "
            "neighbours (marked nearby), the latest commits that touched it, and a short "
            "summary of the code. TARGET is a path, a directory, a qualified name, "
            "path::Symbol or service:NAME. Of the rules of AGENTS.md and other rules files "
            "that govern the whole repository, the first 10 of each file are listed and the "
            "rest counted (--all-rules lists them all)."
            "\n\nexamples:\n  graphmem context src/billing/invoices.py\n"
            "  graphmem context billing.invoices.InvoiceService.create --history\n"
            "  graphmem context src/billing/ --json"
        ),
    )
    p.add_argument("target", metavar="TARGET")
    p.add_argument(
        "--history", action="store_true", help="include superseded and retracted memories"
    )
    p.add_argument(
        "--all-rules",
        action="store_true",
        help="list the rules files' repository-wide rules too, not just their number",
    )
    p.set_defaults(handler=run_context)

    p = subparsers.add_parser(
        "impact",
        parents=[common],
        formatter_class=HelpFormatter,
        help="what depends on TARGET, transitively",
        description=(
            "Callers, importers and subclasses of TARGET (and of everything it contains), up "
            "to --depth hops, each with its distance and one shortest path, exact and heuristic "
            "calls kept apart; grouped by module, with the tests that reach it and the memories "
            "governing the impacted code."
            "\n\nexamples:\n  graphmem impact billing.invoices.Invoice\n"
            "  graphmem impact src/billing/tax.py --depth 5 --json"
        ),
    )
    p.add_argument("target", metavar="TARGET")
    p.add_argument("--depth", type=int, default=3, help="how many dependency hops (default 3)")
    p.set_defaults(handler=run_impact)

    p = subparsers.add_parser(
        "search",
        parents=[common],
        formatter_class=HelpFormatter,
        help="find memories and commits by words and meaning",
        description=(
            "Hybrid search over memories and commit messages: full text, vector similarity "
            "and (with --near) graph proximity, fused by reciprocal rank. Serves active "
            "memories of your branch unless filters say otherwise."
            '\n\nexamples:\n  graphmem search "why are invoices immutable"\n'
            '  graphmem search "double charge" --kind failure --kind commit\n'
            "  graphmem search retries --near src/billing/ --since 2026-01-01"
        ),
    )
    p.add_argument("query", metavar="QUERY")
    p.add_argument(
        "--kind",
        action="append",
        default=[],
        help="decision, constraint, failure, preference, fact or commit (repeatable)",
    )
    p.add_argument(
        "--status",
        action="append",
        default=[],
        help="active (default), superseded or retracted (repeatable)",
    )
    p.add_argument("--branch", help="serve memories of this branch (default: the checked-out one)")
    p.add_argument("--user", help="serve this user's preferences (default: you)")
    p.add_argument("--since", help="created on or after this ISO date/time")
    p.add_argument("--until", help="created on or before this ISO date/time")
    p.add_argument("--near", metavar="TARGET", help="rank memories on code near TARGET higher")
    p.add_argument("--limit", type=int, default=10, help="how many results (default 10)")
    p.set_defaults(handler=run_search)

    p = subparsers.add_parser(
        "prompt",
        parents=[common],
        formatter_class=HelpFormatter,
        help="a Markdown context pack for a task, within a token budget",
        description=(
            "Memories governing --files first, then memories related to the task, then a "
            "ranked map of the relevant code (personalised PageRank), each item cited by id, "
            "within --budget tokens."
            '\n\nexamples:\n  graphmem prompt --task "add partial refunds" '
            "--files src/billing/refunds.py --budget 2000\n"
            '  graphmem prompt --task "speed up ingest" --json'
        ),
    )
    p.add_argument("--task", required=True, help="what you are about to do")
    p.add_argument("--files", nargs="*", default=[], metavar="FILE", help="files you will touch")
    p.add_argument("--budget", type=int, default=4000, help="token budget (default 4000)")
    p.set_defaults(handler=run_prompt)

    p = subparsers.add_parser(
        "cypher",
        parents=[common],
        formatter_class=HelpFormatter,
        help="run a Cypher query (read-only unless --write)",
        description=(
            "Run Cypher against the store. Read-only unless --write, which needs a Neo4j "
            "store. The embedded store runs a subset (MATCH/WHERE/RETURN with ORDER BY, "
            "SKIP, LIMIT, aggregates and EXISTS { }); see docs/queries.md."
            "\n\nexamples:\n"
            '  graphmem cypher "MATCH (m:Decision)-[:GOVERNS]->(c) RETURN m.id, c.path"\n'
            "  graphmem cypher 'MATCH (c:Class {name: $name}) RETURN c.path' --param name=Invoice"
        ),
    )
    p.add_argument("query", metavar="QUERY")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a $parameter (JSON numbers, booleans, lists are typed; else text)",
    )
    p.add_argument("--write", action="store_true", help="allow writes (Neo4j store only)")
    p.set_defaults(handler=run_cypher_command)

    p = subparsers.add_parser(
        "query",
        parents=[common],
        formatter_class=HelpFormatter,
        help="run a named query (--list shows them)",
        description=(
            "Run one of graphmem's named Cypher queries; --list shows them all with their "
            "parameters (docs/queries.md).\n\nexamples:\n  graphmem query --list\n"
            "  graphmem query decisions --param path=src/billing/invoices.py"
        ),
    )
    p.add_argument("name", metavar="NAME", nargs="?")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--list", action="store_true", help="list the named queries")
    p.set_defaults(handler=run_query)

    p = subparsers.add_parser(
        "mcp",
        parents=[common],
        formatter_class=HelpFormatter,
        help="serve graphmem to coding agents over MCP",
        description=(
            "Run graphmem as a Model Context Protocol server: stdio (default, for Claude Code, "
            "Cursor, Codex) or streamable HTTP. See docs/mcp.md."
            " Over HTTP every request needs a bearer token (GRAPHMEM_MCP_TOKEN or the token file)."
            "\n\nexamples:\n  claude mcp add graphmem -- graphmem mcp\n"
            "  graphmem mcp --transport http --port 8765\n"
            "  graphmem mcp --new-token ci-bot\n"
            "  graphmem mcp --transport http --host 10.0.0.5 --allow-host mem.internal --read-only"
        ),
    )
    p.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP host (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    p.add_argument(
        "--read-only", action="store_true", help="serve the read tools only (no remember, ...)"
    )
    p.add_argument(
        "--token-file",
        help="HTTP: the 0600 file of `NAME TOKEN` lines (default .graphmem/mcp-tokens)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME[:PORT]",
        help="HTTP: another Host name clients reach the server by (repeatable)",
    )
    p.add_argument(
        "--new-token",
        metavar="NAME",
        help="add a token named NAME to the token file, print it once, and exit",
    )
    p.set_defaults(handler=run_mcp)


def run_context(args: argparse.Namespace) -> int:
    from graphmem.queries.context import render_context

    with open_graphmem(args) as gm:
        result = gm.context(args.target, history=args.history, all_rules=args.all_rules)
        emit_answer(args, gm, result, render_context)
    return 0


def run_impact(args: argparse.Namespace) -> int:
    from graphmem.queries.impact import render_impact

    with open_graphmem(args) as gm:
        result = gm.impact(args.target, depth=args.depth)
        emit_answer(args, gm, result, render_impact)
    return 0


def run_search(args: argparse.Namespace) -> int:
    from graphmem.queries.results import SearchOptions
    from graphmem.queries.search import render_search

    options = SearchOptions(
        kinds=args.kind,
        statuses=args.status or ["active"],
        branch=args.branch,
        user=args.user,
        since=args.since,
        until=args.until,
        near=args.near,
        limit=args.limit,
    )
    with open_graphmem(args) as gm:
        result = gm.search(args.query, options)
        emit_answer(args, gm, result, render_search)
    return 0


def run_prompt(args: argparse.Namespace) -> int:
    with open_graphmem(args) as gm:
        pack = gm.prompt(args.task, files=args.files, budget=args.budget)
        emit_answer(args, gm, pack, lambda p: p.markdown.rstrip("\n"))
    return 0


def emit_answer(
    args: argparse.Namespace, gm: GraphMem, result: Any, render: Callable[[Any], str]
) -> None:
    """Print an answer with whether the graph is behind the working tree: a `freshness`
    object in JSON, a notice line on stderr for people (nothing when the graph is current)."""
    from graphmem.agents.freshness import freshness

    fresh = freshness(gm)
    if args.json:
        print_json({**to_jsonable(result), "freshness": fresh.to_dict()})
        return
    emit(False, result, render)
    if fresh.notice():
        print(f"graphmem: note: {fresh.notice()}", file=sys.stderr)


def run_cypher_command(args: argparse.Namespace) -> int:
    from graphmem.queries.cypher import parse_params

    params = parse_params(args.param)
    with open_graphmem(args) as gm:
        rows = gm.cypher(args.query, params, write=args.write)
    emit(args.json, rows, render_rows)
    return 0


def run_query(args: argparse.Namespace) -> int:
    from graphmem.errors import UsageError
    from graphmem.queries.cypher import parse_params

    with open_graphmem(args) as gm:
        if args.list or not args.name:
            if not args.list:
                raise UsageError("name a query to run, or --list them")
            queries = gm.named_queries()
            emit(args.json, [_describe(q) for q in queries], _render_list)
            return 0
        rows = gm.named_query(args.name, parse_params(args.param))
    emit(args.json, rows, render_rows)
    return 0


def run_mcp(args: argparse.Namespace) -> int:
    from graphmem.mcp.server import new_token, serve

    if args.new_token:
        created = new_token(args.new_token, getattr(args, "repo", None), args.token_file)
        emit(args.json, created, lambda c: f"{c['token']}\n(token {c['name']!r} in {c['file']})")
        return 0
    serve(
        store=getattr(args, "store", None),
        repo=getattr(args, "repo", None),
        transport=args.transport,
        host=args.host,
        port=args.port,
        read_only=args.read_only,
        token_file=args.token_file,
        allow_hosts=tuple(args.allow_host),
    )
    return 0


def _describe(query: Any) -> dict[str, Any]:
    return {
        "name": query.name,
        "description": query.description,
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                "default": p.default,
                "help": p.help,
            }
            for p in query.parameters
        ],
        "embedded": query.embedded,
    }


def _render_list(queries: list[dict[str, Any]]) -> str:
    lines = []
    for q in queries:
        params = " ".join(
            f"--param {p['name']}=..." if p["required"] else f"[--param {p['name']}={p['default']}]"
            for p in q["parameters"]
        )
        lines.append(f"{q['name']} {params}".rstrip())
        lines.append(f"    {q['description']}")
    return "\n".join(lines)


def render_rows(rows: list[dict[str, Any]]) -> str:
    """Rows as an aligned text table (nodes and lists as compact JSON)."""
    if not rows:
        return "(no rows)"
    columns = list(rows[0])
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [min(60, max(len(c), *(len(r[i]) for r in cells))) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    for r in cells:
        lines.append(
            "  ".join(_clip(v, w).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
        )
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    return json.dumps(to_jsonable(value), ensure_ascii=False, default=str)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
