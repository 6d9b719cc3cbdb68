"""What the memory operations return: plain records, ready for JSON and for people.

Also what a memory node carries beyond the Memory model (`Memory.from_node`): its anchors, its
fingerprint, why it was retracted.
"""

from __future__ import annotations

from typing import Literal

from graphmem.memory.quoting import one_line
from graphmem.model import Memory, Node
from graphmem.model.base import Record, field

#: How a memory reaches an entity: it governs the entity itself, an ancestor (a directory or
#: module around it), or a descendant (a function inside it).
Relation = Literal["self", "ancestor", "descendant", "nearby"]

#: The state of one anchor: unchanged, its code changed since it was anchored, or it vanished.
AnchorState = Literal["ok", "changed", "orphaned"]

#: Memory properties that hold the memory's own text (removed by purge; never in events).
TEXT_PROPERTIES = (
    "text",
    "rationale",
    "source",
    "tags",
    "symptom",
    "cause",
    "fix",
    "test",
    "commit",
    "retracted_reason",
    "fingerprint",
)


class Anchor(Record):
    """One entity a memory was attached to, as it was then. Kept on the memory node as parallel
    flat lists (anchor_ids, anchor_names, ...), because a deleted entity takes its GOVERNS edge
    with it and this is what lets graphmem notice, and find the code again."""

    entity_id: str
    qualified_name: str
    path: str
    kind: str
    content_hash: str = field(description="the entity's content_hash when anchored; '' if none")

    @classmethod
    def of(cls, node: Node) -> Anchor:
        kind = str(node.get("kind") or "")
        return cls(
            entity_id=node.id,
            qualified_name=str(node.get("qualified_name") or ""),
            path=str(node.get("path") or ""),
            kind=kind,
            content_hash=str(node.get("content_hash") or ""),
        )

    @property
    def label(self) -> str:
        """How people name it: a path for files and folders, a qualified name for symbols."""
        return entity_label(self.kind, self.path, self.qualified_name)


def entity_label(kind: str, path: str, qualified_name: str) -> str:
    """`<repository>`, `src/api/` (directory), `src/api/x.py` (module), or a qualified name, as
    visible text on one line (quoting.one_line: it reaches agents unquoted)."""
    if kind == "Repository":
        return "<repository>"
    if kind == "Directory":
        return one_line(f"{path}/")
    if kind == "Module":
        return one_line(path)
    return one_line(qualified_name or path)


def anchors_of(node: Node) -> list[Anchor]:
    """The anchors recorded on a memory node (empty for a node written by an older version)."""
    props = node.properties
    ids = props.get("anchor_ids") or []
    if not ids:
        return []

    def column(key: str) -> list[str]:
        values = props.get(key) or []
        return [str(v) if v is not None else "" for v in values[: len(ids)]] + [""] * (
            len(ids) - len(values)
        )

    return [
        Anchor(entity_id=str(entity_id), qualified_name=n, path=p, kind=k, content_hash=h)
        for entity_id, n, p, k, h in zip(
            ids,
            column("anchor_names"),
            column("anchor_paths"),
            column("anchor_kinds"),
            column("anchor_hashes"),
            strict=True,
        )
    ]


def anchor_properties(anchors: list[Anchor]) -> dict[str, list[str]]:
    """Anchors as flat lists of strings (Neo4j properties cannot hold maps or nulls in lists)."""
    return {
        "anchor_ids": [a.entity_id for a in anchors],
        "anchor_names": [a.qualified_name for a in anchors],
        "anchor_paths": [a.path for a in anchors],
        "anchor_kinds": [a.kind for a in anchors],
        "anchor_hashes": [a.content_hash for a in anchors],
    }


class RedactionCount(Record):
    """One kind of secret found and replaced, and how often. Never the secret itself."""

    type: str
    count: int


class ConflictCandidate(Record):
    """An active memory on overlapping scope that says something close to the new one."""

    memory_id: str
    kind: str
    text: str
    score: float = field(description="cosine similarity of the two texts' embeddings")
    relation: Literal["same", "ancestor", "descendant"] = field(
        description="where the existing memory sits relative to the new one's target"
    )
    governs: str = field(description="the entity the existing memory governs")
    hint: str = field(description="the command that supersedes it, if that is what you mean")


class RememberResult(Record):
    memory: Memory
    anchors: list[Anchor]
    created: bool = field(description="False when an identical active memory already existed")
    duplicate_of: str | None = None
    conflicts: list[ConflictCandidate] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    redactions: list[RedactionCount] = field(default_factory=list)


class Application(Record):
    """How a memory applies to one of the entities asked about."""

    subject: str = field(description="the entity asked about that it applies to")
    entity_id: str = field(description="the entity the memory governs")
    entity: str = field(description="its path::qualified name, path, or <repository>")
    entity_kind: str
    relation: Relation
    distance: int = field(description="CONTAINS hops between the two (0 for self)")
    path: list[str] = field(
        description="entity ids along CONTAINS between the two, container first"
    )


class AnchorStatus(Record):
    anchor: Anchor
    state: AnchorState
    current_hash: str | None = None


class Staleness(Record):
    """Whether the code a memory governs changed (possibly stale) or vanished (orphaned)."""

    possibly_stale: bool = False
    orphaned: bool = False
    anchors: list[AnchorStatus] = field(default_factory=list)


class GoverningMemory(Record):
    """A memory served for an entity, with every way it applies and its staleness."""

    memory: Memory
    applies: list[Application]
    staleness: Staleness

    @property
    def anchors(self) -> list[str]:
        """The governed entities through which it applies here."""
        return sorted({app.entity_id for app in self.applies})

    @property
    def covers(self) -> dict[str, str]:
        """Each subject it applies to (by scope, not nearby) -> the nearest governed entity."""
        out: dict[str, str] = {}
        for app in self.applies:
            if app.relation != "nearby":
                out.setdefault(app.subject, app.entity_id)
        return out


class HistoryEntry(Record):
    """One memory of a supersession chain, with its links (old -> new)."""

    memory: Memory
    supersedes: list[str] = field(default_factory=list)
    superseded_by: list[str] = field(default_factory=list)
    reverted_links: list[str] = field(
        default_factory=list, description="successors whose supersession of this one was reverted"
    )


class MemoryView(Record):
    """Everything `show` prints about one memory."""

    memory: Memory
    staleness: Staleness
    supersedes: list[str] = field(default_factory=list)
    superseded_by: list[str] = field(default_factory=list)
    retracted_reason: str | None = None


class ChangeResult(Record):
    """The outcome of retract, revert, supersede, purge or acknowledge."""

    action: str
    memory_ids: list[str]
    event_id: str
    active: list[str] = field(default_factory=list, description="memories active afterwards")
    inactive: list[str] = field(default_factory=list, description="memories no longer served")


ReanchorRule = Literal["renamed", "content_hash", "qualified_name", "name_in_module"]


class Reanchor(Record):
    memory_id: str
    old: Anchor
    new_entity_id: str
    new_entity: str
    rule: ReanchorRule


class RefreshReport(Record):
    """What `refresh_anchors` did after an ingest."""

    checked: int = 0
    reanchored: list[Reanchor] = field(default_factory=list)
    restored_edges: int = field(
        default=0, description="GOVERNS edges re-created for entities that were re-written"
    )
    orphaned: list[str] = field(default_factory=list, description="memory ids left orphaned")


class StaleEntry(Record):
    memory: Memory
    staleness: Staleness


class StaleReport(Record):
    refresh: RefreshReport
    memories: list[StaleEntry]
