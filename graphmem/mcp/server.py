"""graphmem as an MCP server: the tools a coding agent needs, over stdio or streamable HTTP.

A thin adapter over `GraphMem`, like the CLI: each tool parses nothing itself, calls the API
and renders the result as text an agent reads well (the same text the CLI prints; `cypher`
returns JSON rows). Memory and commit text is served as sealed quotes (graphmem.memory.quoting),
so what a memory says is data for the agent, never an instruction. Errors are translated here,
once: a GraphMemError becomes a tool error with its one-line message; anything unexpected
becomes a one-line "internal error".

Over HTTP every request needs a bearer token and a Host/Origin the server answers to
(graphmem.mcp.http_access); what a request writes is recorded under its token's name.
`read_only` leaves the write tools out of the server altogether.

Configuration is read once, in `serve`, from the environment and the CLI's options.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, cast

from mcp.server.mcpserver import Context

from graphmem.errors import GraphMemError, Remedy
from graphmem.memory.quoting import QUOTE_HEADER, quote_memory, visible

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

#: The tools that change the store; a read-only server does not have them.
WRITE_TOOLS = frozenset({"remember", "supersede", "retract"})


def _tool_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn every failure into a ToolError with one clear line."""
    from mcp.server.mcpserver.exceptions import ToolError

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = fn(*args, **kwargs)
            return cast(R, visible(result)) if isinstance(result, str) else result
        except ToolError:
            raise
        except GraphMemError as error:
            hint = _remedy_hint(error.remedy)
            raise ToolError(_one_line(f"{error}: {hint}" if hint else str(error))) from error
        except Exception as error:  # an adapter boundary: the agent gets one line, not a trace
            raise ToolError(
                f"internal error: {type(error).__name__}: {_one_line(str(error))}"
            ) from error

    return wrapper


def _remedy_hint(remedy: Remedy | None) -> str:
    """How to fix an error (graphmem.errors.Remedy), said in this server's tool terms."""
    if remedy is None:
        return ""
    if remedy.action == "name-user":
        return "start the graphmem MCP server with GRAPHMEM_USER set to whose preference it is"
    if remedy.action == "record-again":
        kind, old = remedy.params.get("kind", "decision"), remedy.params.get("memory", "")
        return f"call `remember` with kind={kind}, the new text and targets, supersedes=[{old!r}]"
    return ""


def _one_line(message: str) -> str:
    lines = message.strip().splitlines()
    return lines[0] if lines else "unknown error"


class _Authors:
    """One GraphMem per token name, sharing the store and the embedder: a request made with a
    token reads and writes as that token's name (stdio requests as the server's own author)."""

    def __init__(self, gm: GraphMem) -> None:
        self.gm = gm
        self._by_name: dict[str, GraphMem] = {}

    def __call__(self, ctx: Context | None) -> GraphMem:
        from graphmem.api import GraphMem
        from graphmem.mcp.http_access import TOKEN_NAME_STATE

        request = ctx.request_context.request if ctx is not None else None
        state = getattr(request, "state", None)
        name = getattr(state, TOKEN_NAME_STATE, None) if state is not None else None
        if not isinstance(name, str):
            return self.gm
        if name not in self._by_name:
            settings = dataclasses.replace(self.gm.settings, author=name)
            self._by_name[name] = GraphMem(
                settings, self.gm.repo_root, store=self.gm.store, embedder=self.gm.embedder
            )
        return self._by_name[name]


def _server_class() -> type[MCPServer]:
    """MCPServer, whose answer to arguments that do not fit a tool's schema is one line (the
    library's is pydantic's report: several lines and a URL)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from pydantic import ValidationError

    class Server(MCPServer):
        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            try:
                return await super().call_tool(name, arguments, context)
            except ToolError as error:
                cause = error.__cause__
                if isinstance(cause, ValidationError) and cause.errors():
                    raise ToolError(_bad_argument(name, cause.errors()[0])) from cause
                raise

    return Server


def _bad_argument(tool: str, problem: Any) -> str:
    where = ".".join(str(part) for part in problem.get("loc", ()))
    if problem.get("type") == "missing":
        return f"{tool}: the argument {where!r} is required"
    return f"{tool}: the argument {where!r} is wrong: {problem.get('msg', 'invalid')}"


def build_server(gm: GraphMem, read_only: bool = False) -> MCPServer:
    """An MCPServer whose tools call `gm` (as the request's token name over HTTP); without the
    write tools if `read_only`."""

    from graphmem.queries.context import render_context
    from graphmem.queries.impact import render_impact
    from graphmem.queries.results import SearchOptions
    from graphmem.queries.search import render_search

    instructions = INSTRUCTIONS + "\n" + QUOTE_HEADER + "\n"
    if read_only:
        instructions += "This server is read-only: it cannot record or change memories.\n"
    server: MCPServer = _server_class()(name="graphmem", instructions=instructions)
    as_caller = _Authors(gm)

    def write_tool(**options: Any) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """`server.tool`, except that a read-only server leaves the tool out."""
        if read_only:
            return lambda fn: fn
        return server.tool(**options)

    @server.tool(
        name="context",
        description=(
            "Call before reading or editing code. Returns what is known about TARGET: the "
            "decisions, constraints, failures, preferences and facts that govern it, its "
            "directories or anything inside it (each with why it applies; possibly stale or "
            "orphaned ones flagged), memories on its callers/callees/importers marked nearby, "
            "recent commits that touched it, and a short code summary (members, callers, "
            "callees, imports). history=true adds superseded and retracted memories; "
            "all_rules=true lists every repository-wide rule of AGENTS.md and other rules "
            "files (otherwise the first 10 of each file, and a count of the rest)."
        ),
    )
    @_tool_errors
    def context(
        target: str, history: bool = False, all_rules: bool = False, ctx: Context | None = None
    ) -> str:
        return render_context(as_caller(ctx).context(target, history=history, all_rules=all_rules))

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
    def impact(target: str, depth: int = 3, ctx: Context | None = None) -> str:
        return render_impact(as_caller(ctx).impact(target, depth=depth))

    @server.tool(
        name="review",
        description=(
            "Call before committing or when reviewing a branch or pull request. Returns what "
            "the diff from `base` (default: the merge base with the default branch) to `head` "
            "(a commit; default the working tree, or the index with staged=true) changes: "
            "functions, methods, classes, modules and services added, modified, deleted or "
            "renamed; their dependents grouped by module; the tests to run; and the decisions, "
            "constraints and failures at stake, each with why it applies and whether merging "
            "makes it stale."
        ),
    )
    @_tool_errors
    def review(
        base: str | None = None,
        head: str | None = None,
        staged: bool = False,
        depth: int = 3,
        ctx: Context | None = None,
    ) -> str:
        from graphmem.review.render import render_text

        return render_text(as_caller(ctx).review(base, head, staged=staged, depth=depth))

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
        ctx: Context | None = None,
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
        return render_search(as_caller(ctx).search(query, options))

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
    def prompt(
        task: str,
        files: list[str] | None = None,
        budget: int = 4000,
        ctx: Context | None = None,
    ) -> str:
        return as_caller(ctx).prompt(task, files=files or [], budget=budget).markdown

    @write_tool(
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
        ctx: Context | None = None,
    ) -> str:
        result = as_caller(ctx).remember(
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

    @write_tool(
        name="supersede",
        description=(
            "Mark existing memories `old_ids` as replaced by the existing memory `new_id` "
            "(they stop being served but are kept, with the link, for history). Use it when "
            "`remember` reported a conflict that the new memory replaces."
        ),
    )
    @_tool_errors
    def supersede(old_ids: list[str], new_id: str, ctx: Context | None = None) -> str:
        change = as_caller(ctx).supersede(old_ids, new_id)
        return f"{', '.join(change.memory_ids)}: {change.action} (event {change.event_id})"

    @write_tool(
        name="retract",
        description=(
            "Stop serving a memory that was wrong (not replaced: for that, use supersede). "
            "It is kept for the audit trail. Give a short reason."
        ),
    )
    @_tool_errors
    def retract(memory_id: str, reason: str | None = None, ctx: Context | None = None) -> str:
        change, redacted = as_caller(ctx).retract(memory_id, reason)
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
    def cypher(query: str, params: dict[str, Any] | None = None, ctx: Context | None = None) -> str:
        from mcp.server.mcpserver.exceptions import ToolError

        from graphmem.store.cypher_text import find_write_clause

        clause = find_write_clause(query)
        if clause:  # said in this tool's terms: the CLI's --write is not an argument here
            raise ToolError(
                f"cypher: {clause} changes the graph, and this tool only reads; record "
                "knowledge with `remember`, `supersede` or `retract`"
            )
        rows = as_caller(ctx).cypher(query, params or {}, write=False)
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
        counts = gm.store.counts(gm.repo)
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
            f"possible conflict with {c.memory_id} ({c.kind} on {c.governs}, "
            f"similarity {c.score:.2f}): {c.hint}"
        )
        lines.append(quote_memory(c.text, kind=c.kind, id=c.memory_id))
    for r in result.redactions:
        lines.append(f"redacted {r.count} {r.type} secret(s) before storing")
    return "\n".join(lines)


def serve(
    store: str | None = None,
    repo: str | None = None,
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int = 8765,
    read_only: bool = False,
    token_file: str | None = None,
    allow_hosts: tuple[str, ...] = (),
) -> None:
    """Run the server until the client disconnects (stdio) or the process is stopped (HTTP).

    Over HTTP, the token rules are checked before the store is opened or a port is bound: a
    refused start leaves nothing behind.
    """
    from graphmem.api import GraphMem
    from graphmem.settings import Settings

    settings = Settings.from_env(store=store)
    with GraphMem(settings, repo_root=repo) as gm:
        if transport != "http":
            build_server(gm, read_only=read_only).run("stdio")
            return
        app = http_app(gm, host, port, read_only, token_file, allow_hosts)
        _run_http(app, host, port)


def default_token_file(repo_root: Path) -> Path:
    """`.graphmem/mcp-tokens` at the repository root, next to the default store."""
    from graphmem.mcp.http_access import TOKEN_FILE_NAME
    from graphmem.settings import DEFAULT_STORE_DIR

    return repo_root / DEFAULT_STORE_DIR / TOKEN_FILE_NAME


def new_token(name: str, repo: str | None = None, token_file: str | None = None) -> dict[str, str]:
    """Add a token named `name` to the token file; the token is returned once, never stored
    anywhere else."""
    from graphmem.mcp.http_access import add_token
    from graphmem.settings import find_repo_root

    root = find_repo_root(Path(repo) if repo else Path.cwd())
    path = Path(token_file) if token_file else default_token_file(root)
    return {"name": name, "token": add_token(path, name), "file": str(path)}


def http_app(
    gm: GraphMem,
    host: str,
    port: int,
    read_only: bool = False,
    token_file: str | None = None,
    allow_hosts: tuple[str, ...] = (),
) -> Any:
    """The guarded streamable-HTTP app (at /mcp); says on stderr where its tokens come from."""
    from mcp.server.transport_security import TransportSecuritySettings

    from graphmem.mcp.http_access import AccessGuard, http_access

    path = Path(token_file) if token_file else default_token_file(gm.repo_root)
    access, summary = http_access(
        host, port, path, os.environ, gm.settings.author or "local", allow_hosts
    )
    print(f"graphmem mcp: {summary}", file=sys.stderr, flush=True)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=sorted(access.hosts),
        allowed_origins=sorted(f"{s}://{h}" for h in access.hosts for s in ("http", "https")),
    )
    app = build_server(gm, read_only=read_only).streamable_http_app(
        transport_security=security, host=host
    )
    return AccessGuard(app, access)


def _run_http(app: Any, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning")


def main() -> None:
    """`python -m graphmem.mcp.server`: stdio with settings from the environment."""
    serve()


if __name__ == "__main__":
    main()
