"""graphmem as an MCP server: the tools a coding agent needs, over stdio or streamable HTTP.

A thin adapter over `GraphMem`, like the CLI: each tool parses nothing itself, calls the API
and renders the result as text an agent reads well (the same text the CLI prints; `cypher`
returns JSON rows). Errors are translated here, once: a GraphMemError becomes a tool error with
its one-line message; anything unexpected becomes a one-line "internal error".

Configuration is read once, in `serve`, from the environment and the CLI's options.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

from graphmem.errors import GraphMemError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from graphmem.api import GraphMem

P = ParamSpec("P")
R = TypeVar("R")

INSTRUCTIONS = """\
graphmem is the memory of this code base: decisions, constraints, failures, preferences and
facts recorded by people and agents, each anchored to the code it governs (a directory, a file,
a class, a function), plus the code graph itself (calls, imports, inheritance, git history).

Before editing code, call `context` on the file or symbol. Before changing a signature or
behaviour others rely on, call `impact`. When you learn something future work must respect
(a decision and its reason, a constraint, the cause and fix of a failure), call `remember` and
anchor it to the code with `governs`. If it replaces an older memory, pass `supersedes`.
TARGETs are repository paths (src/api/invoices.py), directories (src/api/), qualified names
(api.invoices.InvoiceService.create), path::Symbol, or service:NAME.
"""

MemoryKindName = Literal["decision", "constraint", "failure", "preference", "fact"]


def _tool_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn every failure into a ToolError with one clear line."""
    from mcp.server.mcpserver.exceptions import ToolError

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ToolError:
            raise
        except GraphMemError as error:
            raise ToolError(_one_line(str(error))) from error
        except Exception as error:  # an adapter boundary: the agent gets one line, not a trace
            raise ToolError(
                f"internal error: {type(error).__name__}: {_one_line(str(error))}"
            ) from error

    return wrapper


def _one_line(message: str) -> str:
    lines = message.strip().splitlines()
    return lines[0] if lines else "unknown error"


def build_server(gm: GraphMem) -> MCPServer:
    """An MCPServer whose tools call `gm`."""
    from mcp.server.mcpserver import MCPServer

    from graphmem.queries.context import render_context
    from graphmem.queries.impact import render_impact
    from graphmem.queries.results import SearchOptions
    from graphmem.queries.search import render_search

    server: MCPServer = MCPServer(name="graphmem", instructions=INSTRUCTIONS)

    @server.tool(
        name="context",
        description=(
            "Call before reading or editing code. Returns what is known about TARGET: the "
            "decisions, constraints, failures, preferences and facts that govern it, its "
            "directories or anything inside it (each with why it applies; possibly stale or "
            "orphaned ones flagged), memories on its callers/callees/importers marked nearby, "
            "recent commits that touched it, and a short code summary (members, callers, "
            "callees, imports). history=true adds superseded and retracted memories."
        ),
    )
    @_tool_errors
    def context(target: str, history: bool = False) -> str:
        return render_context(gm.context(target, history=history))

    @server.tool(
        name="impact",
        description=(
            "Call before changing a function, class or module that other code may rely on. "
            "Returns everything that depends on TARGET within `depth` hops (callers, "
            "importers, subclasses, also of anything inside it), grouped by module with "
            "distance and the dependency path, exact and heuristic (name-only) calls counted "
            "apart, the tests that reach it, and the memories governing the affected code."
        ),
    )
    @_tool_errors
    def impact(target: str, depth: int = 3) -> str:
        return render_impact(gm.impact(target, depth=depth))

    @server.tool(
        name="search",
        description=(
            "Find memories (and commit messages) by words and meaning when you do not know "
            "which code they are anchored to: 'why do we retry payments', 'timezone bug'. "
            "Returns ranked hits with id, kind, text, the code each governs, and which "
            "retrievers matched. `near` (a TARGET) ranks memories on code near it higher; "
            "`kinds` filters (decision, constraint, failure, preference, fact, commit); "
            "include_superseded=true also returns replaced memories."
        ),
    )
    @_tool_errors
    def search(
        query: str,
        kinds: list[str] | None = None,
        near: str | None = None,
        limit: int = 10,
        include_superseded: bool = False,
        since: str | None = None,
        until: str | None = None,
    ) -> str:
        statuses = ["active", "superseded"] if include_superseded else ["active"]
        options = SearchOptions(
            kinds=kinds or [],
            near=near,
            limit=limit,
            statuses=statuses,
            since=since,
            until=until,
        )
        return render_search(gm.search(query, options))

    @server.tool(
        name="prompt",
        description=(
            "Build a compact Markdown briefing for a task, within `budget` tokens: first the "
            "memories governing `files`, then memories related to the task, then a ranked map "
            "of the relevant code. Every item cites its memory or entity id. Use it at the "
            "start of a task, or to hand context to another agent."
        ),
    )
    @_tool_errors
    def prompt(task: str, files: list[str] | None = None, budget: int = 4000) -> str:
        return gm.prompt(task, files=files or [], budget=budget).markdown

    @server.tool(
        name="remember",
        description=(
            "Record knowledge future work must respect, anchored to the code it is about. "
            "kind: decision (a choice and why), constraint (a rule that must hold), failure "
            "(a bug or incident: give symptom, cause, fix), preference (how the user likes "
            "things done), fact (how the repo works). governs: TARGETs it applies to "
            "(directories apply to everything under them; none = the whole repository). "
            "supersedes: ids of memories this one replaces. Returns the new id, possible "
            "conflicts with existing memories (supersede them if this replaces them) and any "
            "secrets that were redacted."
        ),
    )
    @_tool_errors
    def remember(
        kind: MemoryKindName,
        text: str,
        governs: list[str] | None = None,
        rationale: str | None = None,
        supersedes: list[str] | None = None,
        tags: list[str] | None = None,
        symptom: str | None = None,
        cause: str | None = None,
        fix: str | None = None,
    ) -> str:
        result = gm.remember(
            kind,
            text,
            governs or [],
            rationale=rationale,
            supersedes=supersedes or [],
            tags=tags or [],
            symptom=symptom,
            cause=cause,
            fix=fix,
            source="mcp",
        )
        return _render_remember(result)

    @server.tool(
        name="supersede",
        description=(
            "Mark existing memories `old_ids` as replaced by the existing memory `new_id` "
            "(they stop being served but are kept, with the link, for history). Use it when "
            "`remember` reported a conflict that the new memory replaces."
        ),
    )
    @_tool_errors
    def supersede(old_ids: list[str], new_id: str) -> str:
        change = gm.supersede(old_ids, new_id)
        return f"{', '.join(change.memory_ids)}: {change.action} (event {change.event_id})"

    @server.tool(
        name="retract",
        description=(
            "Stop serving a memory that was wrong (not replaced: for that, use supersede). "
            "It is kept for the audit trail. Give a short reason."
        ),
    )
    @_tool_errors
    def retract(memory_id: str, reason: str | None = None) -> str:
        change, redacted = gm.retract(memory_id, reason)
        note = f"; redacted from the reason: {', '.join(redacted)}" if redacted else ""
        return f"{memory_id}: retracted (event {change.event_id}){note}"

    @server.tool(
        name="cypher",
        description=(
            "Read-only Cypher over the graph, for questions the other tools do not answer. "
            "Nodes: CodeEntity (Repository, Directory, Module, Class, Function, Method, "
            "Service, Commit) with id, name, qualified_name, path, start_line; Memory "
            "(Decision, Constraint, Failure, Preference, Fact) with id, kind, text, status. "
            "Relationships: CONTAINS, IMPORTS, CALLS {resolution}, INHERITS, DEPENDS_ON, "
            "MODIFIES, GOVERNS, SUPERSEDED_BY. Pass values as $params. Returns JSON rows. "
            "On the embedded store only MATCH/WHERE/RETURN (ORDER BY, LIMIT, aggregates) work."
        ),
    )
    @_tool_errors
    def cypher(query: str, params: dict[str, Any] | None = None) -> str:
        rows = gm.cypher(query, params or {}, write=False)
        return json.dumps(rows, ensure_ascii=False, default=str)

    @server.tool(
        name="status",
        description=(
            "What the store holds (nodes per label, edges per type), which repository and "
            "store this server uses. Call it to check graphmem is set up (an empty code graph "
            "means `graphmem ingest` has not been run)."
        ),
    )
    @_tool_errors
    def status() -> str:
        counts = gm.store.counts()
        lines = [f"repository: {gm.repo}   store: {gm.store.name}"]
        lines += [f"  {name}: {count}" for name, count in sorted(counts.items())]
        if not counts.get("Module"):
            lines.append("the code graph is empty: run `graphmem ingest` in the repository")
        return "\n".join(lines)

    return server


def _render_remember(result: Any) -> str:
    memory = result.memory
    if not result.created:
        return f"already known as {result.duplicate_of or memory.id}: nothing new recorded"
    anchors = ", ".join(a.label for a in result.anchors) or "<repository>"
    lines = [f"remembered {memory.id} ({memory.kind.value}) governing {anchors}"]
    if result.superseded:
        lines.append(f"superseded: {', '.join(result.superseded)}")
    for c in result.conflicts:
        lines.append(
            f"possible conflict: [{c.memory_id}] {c.kind} on {c.governs} ({c.score:.2f}): "
            f"{c.text} -- {c.hint}"
        )
    for r in result.redactions:
        lines.append(f"redacted {r.count} {r.type} secret(s) before storing")
    return "\n".join(lines)


def serve(
    store: str | None = None,
    repo: str | None = None,
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int = 8765,
) -> None:
    """Run the server until the client disconnects (stdio) or the process is stopped (HTTP)."""
    from graphmem.api import GraphMem
    from graphmem.settings import Settings

    settings = Settings.from_env(store=store)
    with GraphMem(settings, repo_root=repo) as gm:
        server = build_server(gm)
        if transport == "http":
            server.run("streamable-http", host=host, port=port)
        else:
            server.run("stdio")


def main() -> None:
    """`python -m graphmem.mcp.server`: stdio with settings from the environment."""
    serve()


if __name__ == "__main__":
    main()
