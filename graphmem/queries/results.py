"""Result types of the queries (impact, search, context, prompt): what the CLI and MCP print."""

from __future__ import annotations

from typing import Any, Literal

from graphmem.model.base import Record, field
from graphmem.model.graph import CODE_LABELS, MEMORY_LABELS, Node
from graphmem.model.memories import Memory

Resolution = Literal["exact", "heuristic"]


class EntityRef(Record):
    """A code entity, as much of it as a reader needs to find it."""

    id: str
    kind: str
    name: str
    qualified_name: str
    path: str
    start_line: int | None = None
    end_line: int | None = None
    #: test code (set where answers put production code first and summarise tests)
    is_test: bool = False

    @classmethod
    def from_node(cls, node: Node) -> EntityRef:
        kind = next((label.value for label in node.labels if label in CODE_LABELS), "CodeEntity")
        return cls(
            id=node.id,
            kind=kind,
            name=str(node.get("name") or ""),
            qualified_name=str(node.get("qualified_name") or node.get("name") or node.id),
            path=str(node.get("path") or ""),
            start_line=node.get("start_line"),
            end_line=node.get("end_line"),
        )

    @property
    def location(self) -> str:
        return f"{self.path}:{self.start_line}" if self.start_line else self.path


class PathStep(Record):
    """One edge of a dependency path, read in the direction of the edge."""

    type: str
    source: str
    target: str
    resolution: Resolution | None = None


class MemoryRef(Record):
    """A memory as served by a query, with why it is there and whether it may be out of date."""

    id: str
    kind: str
    text: str
    status: str = "active"
    rationale: str | None = None
    branch: str | None = None
    user: str | None = None
    created_at: str | None = None
    author: str | None = None
    source: str | None = None
    #: the entities it is anchored to (GOVERNS targets) that made it relevant here
    governs: list[str] = field(default_factory=list)
    #: one line per reason it applies ("governs billing.invoices (ancestor of the target)")
    why: list[str] = field(default_factory=list)
    relation: str | None = None
    possibly_stale: bool = False
    orphaned: bool = False
    superseded_by: list[str] = field(default_factory=list)

    @classmethod
    def from_node(cls, node: Node, **fields: Any) -> MemoryRef:
        kind = node.get("kind") or next(
            (label.value.lower() for label in node.labels if label in MEMORY_LABELS), "memory"
        )
        return cls(
            id=node.id,
            kind=str(kind),
            text=str(node.get("text") or ""),
            status=str(node.get("status") or "active"),
            rationale=node.get("rationale"),
            branch=node.get("branch"),
            user=node.get("user"),
            created_at=node.get("created_at"),
            author=node.get("author"),
            source=node.get("source"),
            **fields,
        )

    @classmethod
    def from_memory(cls, memory: Memory, **fields: Any) -> MemoryRef:
        return cls(
            id=memory.id,
            kind=memory.kind.value,
            text=memory.text,
            status=memory.status.value,
            rationale=memory.rationale,
            branch=memory.branch,
            user=memory.user,
            created_at=memory.created_at,
            author=memory.author,
            source=memory.source,
            **fields,
        )

    def quoted(self) -> str:
        """Its text (and rationale) as a sealed quote labelled with kind, id, author, source."""
        from graphmem.memory.quoting import is_automatic, memory_body, quote_memory

        return quote_memory(
            memory_body(self.text, self.rationale),
            kind=self.kind,
            id=self.id,
            source=self.source,
            author=self.author,
            automatic=is_automatic(self.kind, self.source),
        )

    @property
    def flags(self) -> str:
        marks = [
            m
            for m, on in (("orphaned", self.orphaned), ("possibly stale", self.possibly_stale))
            if on
        ]
        if self.status != "active":
            marks.insert(0, self.status)
        return f" [{', '.join(marks)}]" if marks else ""


class ImpactedEntity(Record):
    entity: EntityRef
    distance: int
    resolution: Resolution
    is_test: bool = False
    #: the part of the target this entity reaches (the target itself or something inside it)
    reaches: str
    #: one shortest path, from this entity to `reaches`
    path: list[PathStep]


class ModuleGroup(Record):
    path: str
    count: int
    exact: int
    heuristic: int
    nearest: int
    entities: list[str]


class ImpactResult(Record):
    target: EntityRef
    depth: int
    #: how many entities make up the target (itself plus everything it contains)
    target_size: int
    impacted: list[ImpactedEntity]
    by_module: list[ModuleGroup]
    tests: list[EntityRef]
    memories: list[MemoryRef]
    #: qualified names of every entity id on the paths
    names: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int]


class SearchOptions(Record):
    """Filters and knobs of `search` (see docs/queries.md for the fusion)."""

    #: memory kinds to return, plus "commit" for commit messages; empty = all of them
    kinds: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=lambda: ["active"])
    branch: str | None = None
    user: str | None = None
    #: ISO-8601 bounds on a memory's created_at / a commit's date (inclusive)
    since: str | None = None
    until: str | None = None
    #: a TARGET; memories governing code within `near_depth` hops of it are ranked higher
    near: str | None = None
    near_depth: int = 2
    limit: int = 10


class SearchHitResult(Record):
    id: str
    kind: str
    text: str
    score: float
    #: which retrievers found it, with its rank in each ("fulltext #1", "vector #3 (0.71)", ...)
    why: list[str]
    status: str | None = None
    created_at: str | None = None
    governs: list[str] = field(default_factory=list)
    #: its rank in each retriever that found it ("fulltext", "vector", "graph")
    ranks: dict[str, int] = field(default_factory=dict)
    #: cosine of its embedding to the query's (memories found by the vector retriever)
    similarity: float | None = None
    author: str | None = None
    source: str | None = None

    def quoted(self) -> str:
        """Its text as a sealed quote (a commit's message marked automatic)."""
        from graphmem.memory.quoting import is_automatic, quote_commit, quote_memory

        if self.kind == "commit":
            return quote_commit(
                self.text, self.governs[0] if self.governs else self.id, self.author
            )
        return quote_memory(
            self.text,
            kind=self.kind,
            id=self.id,
            source=self.source,
            author=self.author,
            automatic=is_automatic(self.kind, self.source),
        )


class SearchResult(Record):
    query: str
    hits: list[SearchHitResult]
    #: how many candidates each retriever contributed (after filters)
    retrievers: dict[str, int]
    notes: list[str] = field(default_factory=list)
    receipt_id: str | None = None


class CommitRef(Record):
    id: str
    sha: str
    date: str | None = None
    author: str | None = None
    message: str

    def quoted(self) -> str:
        """Its message as a sealed quote, marked automatic."""
        from graphmem.memory.quoting import quote_commit

        return quote_commit(self.message, self.sha, self.author)


class CodeSummary(Record):
    """What the target is made of and how it is connected."""

    contains: dict[str, int] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    callers: list[EntityRef] = field(default_factory=list)
    callees: list[EntityRef] = field(default_factory=list)
    importers: list[EntityRef] = field(default_factory=list)
    imports: list[EntityRef] = field(default_factory=list)
    subclasses: list[EntityRef] = field(default_factory=list)
    bases: list[EntityRef] = field(default_factory=list)
    implementers: list[EntityRef] = field(default_factory=list)
    interfaces: list[EntityRef] = field(default_factory=list)
    #: list name -> how many of its entries are tests (listed after production code)
    tests: dict[str, int] = field(default_factory=dict)


class ContextResult(Record):
    target: EntityRef
    #: memories governing the target, an ancestor or something it contains
    memories: list[MemoryRef]
    #: memories governing a direct neighbour (caller, callee, importer, import, subclass, base)
    nearby: list[MemoryRef]
    commits: list[CommitRef]
    summary: CodeSummary
    history: bool = False
    receipt_id: str | None = None
    #: the file asked about, when it is not code: `target` is the folder that holds it
    file: str | None = None
    #: rules read from a rules file that govern the whole repository, left out of `memories`
    #: beyond the first ten of each file (the agent loads that file itself): file -> how many
    #: were left out; `all_rules` lists them all
    repository_rules: dict[str, int] = field(default_factory=dict)


class PromptPack(Record):
    task: str
    markdown: str
    tokens: int
    budget: int
    tokenizer: str
    memory_ids: list[str]
    entity_ids: list[str]
    #: items left out because the budget ran out
    omitted: int = 0
    receipt_id: str | None = None
