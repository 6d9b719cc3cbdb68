"""Named queries: `.cypher` files in this package, each described by its header comments.

A file starts with comment lines that declare it:

    // name: decisions
    // description: Active decisions about a module ...
    // param: path string required - repository-relative path of the module
    // param: limit int 10 - how many to list

(a parameter is `required` or has a default). Every query also gets `$repo`, the repository
asked about: one store (a Neo4j database) can hold several. The Cypher below the header is
written in the subset both backends run (see docs/queries.md). Where the embedded store's
interpreter cannot express a query (OPTIONAL MATCH, or a NOT EXISTS over a variable-length
pattern) the query has an implementation in Python in `EMBEDDED_IMPLEMENTATIONS`, giving the
same rows, used by every store whose Cypher dialect is not the full language.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from graphmem.errors import NotFoundError, UsageError
from graphmem.memory.governance import ReadScope, governing
from graphmem.memory.staleness import staleness_of
from graphmem.model.graph import Label, RelType
from graphmem.store.base import CypherDialect, Direction, GraphStore

ParamType = str  # "string" | "int" | "float" | "bool" | "list"
_TYPES = ("string", "int", "float", "bool", "list")
_HEADER = re.compile(r"^//\s*(name|description|param):\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s+(\w+)\s+(\S+)\s*(?:-\s*(.*))?$")


@dataclass(frozen=True)
class QueryParameter:
    name: str
    type: ParamType
    required: bool
    default: Any
    help: str

    def coerce(self, value: Any) -> Any:
        """A CLI string (or a JSON value from MCP) as this parameter's type."""
        try:
            if self.type == "int":
                return (
                    value if isinstance(value, int) and not isinstance(value, bool) else int(value)
                )
            if self.type == "float":
                return float(value)
            if self.type == "bool":
                if isinstance(value, bool):
                    return value
                text = str(value).strip().lower()
                if text not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(text)
                return text in ("true", "1", "yes")
            if self.type == "list":
                if isinstance(value, list):
                    return [str(v) for v in value]
                return [v.strip() for v in str(value).split(",") if v.strip()]
        except (TypeError, ValueError) as e:
            raise UsageError(f"parameter {self.name} must be a {self.type}, got {value!r}") from e
        return str(value)


EmbeddedImplementation = Callable[[GraphStore, Mapping[str, Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    parameters: tuple[QueryParameter, ...]
    cypher: str
    #: how the embedded store runs it: "cypher" (the same text) or "python" (an implementation)
    embedded: str = "cypher"

    def bind(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validated parameter values: declared ones only, coerced, defaults filled in."""
        raw = dict(raw or {})
        known = {p.name for p in self.parameters}
        unknown = sorted(set(raw) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise UsageError(
                f"query {self.name} has no parameter {', '.join(unknown)} (parameters: {allowed})"
            )
        bound: dict[str, Any] = {}
        for param in self.parameters:
            if param.name in raw:
                bound[param.name] = param.coerce(raw[param.name])
            elif param.required:
                raise UsageError(
                    f"query {self.name} needs --param {param.name}=... ({param.help or param.type})"
                )
            else:
                bound[param.name] = param.default
        return bound


def parse_query_file(text: str, fallback_name: str) -> NamedQuery:
    """A NamedQuery from a `.cypher` file's header comments and body."""
    fields: dict[str, str] = {}
    params: list[QueryParameter] = []
    body: list[str] = []
    for line in text.splitlines():
        header = _HEADER.match(line.strip()) if not body else None
        if header:
            key, value = header.group(1), header.group(2).strip()
            if key == "param":
                params.append(_parse_param(value, fallback_name))
            else:
                fields[key] = value
        elif line.strip() or body:
            body.append(line)
    return NamedQuery(
        name=fields.get("name", fallback_name),
        description=fields.get("description", ""),
        parameters=tuple(params),
        cypher="\n".join(body).strip() + "\n",
    )


def _parse_param(spec: str, query: str) -> QueryParameter:
    match = _PARAM.match(spec)
    if not match or match.group(2) not in _TYPES:
        raise ValueError(f"bad parameter declaration in {query}.cypher: {spec!r}")
    name, kind, default, help_text = match.groups()
    required = default == "required"
    value = None if required else QueryParameter(name, kind, False, None, "").coerce(default)
    return QueryParameter(name, kind, required, value, help_text or "")


@cache
def named_queries() -> dict[str, NamedQuery]:
    """Every named query shipped in this package, by name."""
    found: dict[str, NamedQuery] = {}
    for entry in sorted(resources.files("graphmem.queries").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".cypher"):
            continue
        query = parse_query_file(entry.read_text(encoding="utf-8"), entry.name[: -len(".cypher")])
        if query.name in EMBEDDED_IMPLEMENTATIONS:
            query = NamedQuery(
                query.name, query.description, query.parameters, query.cypher, "python"
            )
        found[query.name] = query
    return found


def get_named_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.5)
        raise NotFoundError(
            f"no named query {name!r} (`graphmem query --list` shows them)", suggestions=close
        )
    return queries[name]


def run_named_query(
    store: GraphStore, name: str, params: Mapping[str, Any] | None = None, *, repo: str
) -> list[dict[str, Any]]:
    """Run a named query about repository `repo` on `store` with validated parameters; rows
    as dicts."""
    query = get_named_query(name)
    bound = {**query.bind(params), "repo": repo}
    if store.cypher_dialect is not CypherDialect.NEO4J and query.embedded == "python":
        return EMBEDDED_IMPLEMENTATIONS[query.name](store, bound)
    return store.cypher(query.cypher, bound)


# -- embedded implementations of what grand-cypher cannot express ------------------------------


def _services(store: GraphStore, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """services.cypher without OPTIONAL MATCH: services with no dependency still get a row."""
    services = store.find_nodes(Label.SERVICE, {"repo": params["repo"]})
    by_id = {s.id: s for s in services}
    deps: dict[str, list[str]] = {s.id: [] for s in services}
    for edge in store.edges(list(by_id), [RelType.DEPENDS_ON], Direction.OUT):
        target = by_id.get(edge.target)
        if target is not None:
            deps[edge.source].append(str(target.get("name")))
    rows = [
        {"service": s.get("name"), "path": s.get("path"), "depends_on": sorted(deps[s.id])}
        for s in services
    ]
    return sorted(rows, key=lambda r: (str(r["service"]), str(r["path"])))


def _undocumented_modules(store: GraphStore, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """undocumented-modules.cypher without NOT EXISTS over variable-length patterns."""
    repo = params["repo"]
    modules = store.find_nodes(Label.MODULE, {"repo": repo})
    documented = {
        entity
        for gov in governing(
            ReadScope(store, repo=repo, every_reader=True),
            [m.id for m in modules],
            skip_repository=True,
            with_staleness=False,
        )
        for entity in gov.covers
    }
    # Memories on something inside a module (a class, a function) document that module too.
    memories = store.find_nodes(
        Label.MEMORY, where={"status": "active", "repo": repo}, embeddings=False
    )
    governs = store.edges([m.id for m in memories], [RelType.GOVERNS], Direction.OUT)
    inner = store.get_nodes(sorted({e.target for e in governs}), embeddings=False)
    inside_paths = {
        str(node.get("path"))
        for node in inner.values()
        if any(node.has(label) for label in (Label.CLASS, Label.FUNCTION, Label.METHOD))
    }
    rows = [
        {"path": m.get("path"), "module": m.get("qualified_name")}
        for m in modules
        if m.id not in documented and m.get("path") not in inside_paths
    ]
    return sorted(rows, key=lambda r: str(r["path"]))


def _stale_memories(store: GraphStore, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """stale-memories.cypher: the same rules as `graphmem stale`, from the memory layer."""
    where = {"status": "active", "repo": params["repo"]}
    memories = store.find_nodes(Label.MEMORY, where=where, embeddings=False)
    stale = staleness_of(store, memories)
    rows = []
    for memory in memories:
        s = stale[memory.id]
        if s.possibly_stale or s.orphaned:
            rows.append(
                {
                    "id": memory.id,
                    "kind": memory.get("kind"),
                    "text": memory.get("text"),
                    "orphaned": s.orphaned,
                    "possibly_stale": s.possibly_stale,
                }
            )
    return sorted(rows, key=lambda r: str(r["id"]))


EMBEDDED_IMPLEMENTATIONS: dict[str, EmbeddedImplementation] = {
    "services": _services,
    "undocumented-modules": _undocumented_modules,
    "stale-memories": _stale_memories,
}
